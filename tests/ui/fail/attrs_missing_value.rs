use traced::traced;

#[traced(attrs(user.id))]
fn fetch_user(id: u64) {
    let _ = id;
}

fn main() {}
