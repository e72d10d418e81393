use traced::traced;

#[traced(record_err(Pretty))]
fn load() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
