use traced::traced;

#[traced(metrics(attrs(error.type = "io", kind = "a", kind = "b")))]
fn load() {}

fn main() {}
