// The function is still emitted beside the attribute's error: calling it is fine,
// and the attribute's error is the only one.
use traced::traced;

#[traced(kind = sideways)]
fn answer(x: u32) -> u32 {
    x + 1
}

fn main() {
    let _: u32 = answer(41);
}
