use opentelemetry::Value;
use traced::traced;

#[traced]
fn add(a: i64, b: u32, name: &str) -> i64 {
    a + i64::from(b) + i64::try_from(name.len()).unwrap()
}

#[traced(record_err)]
fn fails(n: u8) -> Result<u8, std::io::Error> {
    if n > 1 {
        return Err(std::io::Error::other("too big"));
    }
    Ok(n)
}

#[test]
fn smoke() {
    let capture = traced::testing::capture();
    assert_eq!(add(1, 2, "xyz"), 6);
    assert!(fails(3).is_err());
    let spans = capture.finish();
    let add = spans.named("add");
    assert_eq!(add.attr("a"), Some(&Value::I64(1)));
    assert_eq!(add.attr("name"), Some(&Value::from("xyz")));
    println!("{:#?}", spans.named("fails"));
}
