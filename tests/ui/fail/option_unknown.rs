// A name near none of the options: the message lists them all.
use traced::traced;

#[traced(verbose)]
fn fetch_user(id: u64) {
    let _ = id;
}

fn main() {}
