use traced::traced;

struct Secret;

#[traced(attrs(login.secret = Secret))]
fn login() {}

fn main() {}
