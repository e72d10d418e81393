use traced::traced;

#[traced(crate = "traced")]
fn answer() {}

fn main() {}
