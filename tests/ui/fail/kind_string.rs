use traced::traced;

#[traced(kind = "server")]
fn handle() {}

fn main() {}
