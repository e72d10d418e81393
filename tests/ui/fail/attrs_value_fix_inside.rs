use std::collections::HashMap;

fn count(map: &HashMap<String, String>) -> usize {
    map.len()
}

// rustc's fix lands inside the expression: `count(&headers)`.
#[traced::traced(skip_all, attrs(headers.count = count(headers)))]
fn handle(headers: HashMap<String, String>) -> usize {
    headers.len()
}

fn main() {}
