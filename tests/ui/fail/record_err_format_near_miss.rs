use traced::traced;

#[traced(record_err(debug))]
fn load() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
