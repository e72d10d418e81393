use traced::traced;

#[traced(record_err(Debug, Display))]
fn load() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
