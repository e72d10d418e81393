use traced::traced;

#[traced(nmae = "fetch user")]
fn fetch_user(id: u64) {
    let _ = id;
}

fn main() {}
