use traced::traced;

struct Secret;

#[traced]
fn login(user: &str, secret: Secret) {
    let _ = (user, secret);
}

fn main() {}
