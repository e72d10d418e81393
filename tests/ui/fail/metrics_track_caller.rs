use traced::traced;

#[traced(metrics)]
#[track_caller]
fn load() {}

fn main() {}
