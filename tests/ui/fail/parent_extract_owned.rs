use std::collections::HashMap;
use traced::traced;

#[traced(kind = server, skip(headers), parent = traced::propagation::extract(headers))]
fn handle(headers: HashMap<String, String>) {
    let _ = headers;
}

fn main() {}
