// A key that is not an identifier; the unknown option before it must still be reported.
use traced::traced;

#[traced(nope, "fetch user")]
fn fetch_user() {}

fn main() {}
