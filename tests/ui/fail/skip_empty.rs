use traced::traced;

#[traced(skip())]
fn login(user: &str, password: &str) {
    let _ = (user, password);
}

fn main() {}
