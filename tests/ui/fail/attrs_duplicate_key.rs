use traced::traced;

#[traced(attrs(user.id = 1, user.id = 2))]
fn fetch_user() {}

fn main() {}
