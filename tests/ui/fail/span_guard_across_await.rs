use std::future::Future;

fn require_send<F: Future + Send>(f: F) {
    let _ = f;
}

async fn tick() {}

fn main() {
    require_send(async {
        let _guard = traced::span("x").enter();
        tick().await;
    });
}
