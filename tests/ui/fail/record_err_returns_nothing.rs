use traced::traced;

#[traced(record_err)]
fn nothing() {}

#[traced(record_err)]
fn unit() -> () {}

#[traced(record_err)]
async fn later() {}

fn main() {}
