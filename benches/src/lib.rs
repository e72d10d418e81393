//! The measuring side of issue 4: the machinery behind `benches/overhead.rs`.
//!
//! The bench describes its configurations as [`measure::Case`]s and how to run one
//! batch of calls under each ([`measure::Bench`]); this crate times them in
//! interleaved rounds ([`measure::run`]), counts allocations ([`alloc`]), summarises
//! per-round ratios ([`stats`]) and writes the tables, the chart and the verdicts on
//! the issue's targets ([`report`]).
//!
//! ```text
//! cargo bench -p traced-benches --bench overhead                          # table on stdout
//! cargo bench -p traced-benches --bench overhead -- --write BENCHMARKS.md # and the report
//! bash benches/compile-cost.sh                                            # compile cost
//! cargo bench -p traced-benches --bench throughput -- --write             # export throughput
//! ```

pub mod alloc;
pub mod cli;
pub mod compile;
pub mod export;
pub mod machine;
pub mod measure;
pub mod report;
pub mod stats;
pub mod table;
pub mod targets;
