use traced::traced;

#[traced(off)]
fn answer() {}

fn main() {}
