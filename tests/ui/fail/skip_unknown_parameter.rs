use traced::traced;

#[traced(skip(nope))]
fn login(user: &str, password: &str) {
    let _ = (user, password);
}

fn main() {}
