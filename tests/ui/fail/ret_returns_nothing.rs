use traced::traced;

#[traced(ret)]
fn nothing() {}

#[traced(ret)]
fn unit() -> () {}

#[traced(ret)]
async fn later() {}

fn main() {}
