use traced::traced;

#[traced(kind = sever)]
fn handle() {}

// The name of the variant, as in `SpanKind::Client`.
#[traced(kind = Client)]
fn call() {}

fn main() {}
