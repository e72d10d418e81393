use traced::traced;

#[traced(name = 5)]
fn fetch_user() {}

fn main() {}
