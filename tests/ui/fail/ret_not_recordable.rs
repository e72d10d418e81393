use traced::traced;

struct Secret;

#[traced(ret)]
fn login() -> Secret {
    Secret
}

fn main() {}
