//! The benches' command lines: what `cargo bench -- ...` passed.

/// The arguments as given, less the `--bench` cargo adds.
#[must_use]
pub fn arguments() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect()
}

/// The number `value` holds, for the option `name`; a missing or malformed one
/// ends the bench with a message (exit code 2).
pub fn number<T: std::str::FromStr>(value: Option<String>, name: &str) -> T {
    value.and_then(|v| v.parse().ok()).unwrap_or_else(|| {
        eprintln!("{name} needs a number");
        std::process::exit(2)
    })
}
