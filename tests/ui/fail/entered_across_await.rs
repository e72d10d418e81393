use std::future::Future;

fn require_send<F: Future + Send>(f: F) {
    let _ = f;
}

async fn tick() {}

fn main() {
    let span = traced::span("x").start();
    require_send(async move {
        let _entered = span.enter();
        tick().await;
    });
}
