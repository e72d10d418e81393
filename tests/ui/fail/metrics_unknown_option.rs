use traced::traced;

#[traced(metrics(atrs(cache = "users")))]
fn load() {}

#[traced(metric)]
fn save() {}

fn main() {}
