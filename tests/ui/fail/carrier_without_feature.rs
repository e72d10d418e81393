use traced::traced;

// `http::HeaderMap` is a carrier only with traced's `http` feature, which this
// package does not enable.
#[traced(kind = server, skip(headers), parent = traced::propagation::extract(headers))]
fn handle(headers: &http::HeaderMap) {
    let _ = headers;
}

fn main() {
    let mut headers = http::HeaderMap::new();
    traced::propagation::inject(&mut headers);
}
