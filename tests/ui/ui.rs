//! Compile-time behaviour: the signature corpus compiles (and runs) warning-free,
//! and every diagnostic reads as its snapshot says.

#[test]
fn signatures_compile_and_run() {
    trybuild::TestCases::new().pass("pass/*.rs");
}

#[test]
fn diagnostics() {
    trybuild::TestCases::new().compile_fail("fail/*.rs");
}
