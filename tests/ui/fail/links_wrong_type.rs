use traced::traced;

#[traced(links("upstream"))]
fn handle() {}

fn main() {}
