// The error lists the parameters there are.
use traced::traced;

#[traced(skip(nope))]
fn login(user: &str, password: &str) {
    let _ = (user, password);
}

#[traced(skip(nope))]
fn logout(user: &str) {
    let _ = user;
}

#[traced(skip(nope))]
fn ping() {}

fn main() {}
