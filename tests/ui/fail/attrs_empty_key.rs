use traced::traced;

#[traced(attrs("" = 1))]
fn fetch_user() {}

fn main() {}
