use traced::traced;

struct Region;

#[traced(metrics(attrs(region = Region)))]
fn load() {}

fn main() {}
