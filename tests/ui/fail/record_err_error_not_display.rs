use traced::traced;

#[derive(Debug)]
struct Oops;

#[traced(record_err)]
fn load() -> Result<(), Oops> {
    Err(Oops)
}

fn main() {}
