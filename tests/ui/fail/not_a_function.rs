use traced::traced;

#[traced]
struct Store {
    size: u64,
}

fn main() {}
