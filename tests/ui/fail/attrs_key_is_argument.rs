use traced::traced;

#[traced(attrs(id = id + 1))]
fn fetch_user(id: u64) {
    let _ = id;
}

fn main() {}
