use traced::traced;

struct Oops;

#[traced(record_err(Debug))]
fn load() -> Result<(), Oops> {
    Err(Oops)
}

fn main() {}
