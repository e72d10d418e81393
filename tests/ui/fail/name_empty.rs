use traced::traced;

#[traced(name = "")]
fn fetch_user() {}

fn main() {}
