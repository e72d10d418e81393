use traced::traced;

#[traced(record_err)]
fn count() -> u32 {
    3
}

fn main() {}
