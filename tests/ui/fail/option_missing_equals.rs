use traced::traced;

#[traced(name "fetch user")]
fn fetch_user() {}

fn main() {}
