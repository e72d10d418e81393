use traced::traced;

#[traced(record_err)]
async fn count() -> u32 {
    3
}

fn main() {}
