//! Shared by the test binaries; each uses the part it needs.
#![allow(dead_code)]

pub mod probes;
