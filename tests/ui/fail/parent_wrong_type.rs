use traced::traced;

#[traced(parent = 5)]
fn handle() {}

fn main() {}
