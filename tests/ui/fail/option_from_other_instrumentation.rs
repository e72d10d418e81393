// Names other instrumentations use: ours where there is one, why not where there is not.
use traced::traced;

#[traced(err, fields(user.id = id), level = "info", target = "users")]
fn fetch_user(id: u64) -> Result<(), std::io::Error> {
    let _ = id;
    Ok(())
}

fn main() {}
