//! The current context follows work into threads, tasks and callbacks.

use traced::traced;
use traced_sdk::testing::capture;

#[traced]
fn child() {}

#[traced]
fn parent_on_threads() {
    traced::context::spawn_thread(child).join().unwrap();
    let bound = traced::context::bind(child);
    std::thread::spawn(bound).join().unwrap();
}

#[test]
fn threads_and_bound_closures_run_in_the_parent_context() {
    let capture = capture();
    parent_on_threads();
    let spans = capture.finish();
    let parent = spans.named("parent_on_threads");
    let children: Vec<_> = spans.all_named("child").collect();
    assert_eq!(children.len(), 2);
    assert!(children.iter().all(|c| c.is_child_of(parent)));
}

#[traced]
async fn task_child() {
    tokio::task::yield_now().await;
}

#[traced]
async fn parent_of_tasks() {
    traced::context::spawn(task_child()).await.unwrap();
    tokio::spawn(traced::Instrument::in_current_context(task_child()))
        .await
        .unwrap();
    // A plain tokio::spawn loses the context: the seed's "lost in a goroutine".
    tokio::spawn(task_child()).await.unwrap();
}

#[test]
fn spawned_tasks_keep_their_parent() {
    let capture = capture();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
        .block_on(parent_of_tasks());
    let spans = capture.finish();
    let parent = spans.named("parent_of_tasks");
    let children: Vec<_> = spans.all_named("task_child").collect();
    assert_eq!(children.len(), 3);
    assert!(
        children[0].is_child_of(parent),
        "traced::context::spawn keeps the parent"
    );
    assert!(
        children[1].is_child_of(parent),
        "so does in_current_context"
    );
    assert!(
        !children[2].is_child_of(parent),
        "tokio::spawn alone does not"
    );
}
