// Every mistake in one attribute is reported in the same compile.
use traced::traced;

#[traced(name = 5, kind = sideways, nope, skip(missing))]
fn fetch_user(id: u64) {
    let _ = id;
}

fn main() {}
