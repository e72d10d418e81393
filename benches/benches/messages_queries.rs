//! Issue 13: what traced-sqlx adds to a query and traced-lapin to a message,
//! against the same calls uninstrumented, side by side in one run.
//!
//! ```text
//! cargo bench -p traced-benches --bench messages_queries              # the table on stdout
//! cargo bench -p traced-benches --bench messages_queries -- --write   # and benches/messages_queries.md,
//!                                                                     # which BENCHMARKS.md includes
//! ```
//!
//! Options (after `--`): `--ops N` per configuration and round (default 500),
//! `--rounds R` (default 40; configurations run in a different order each round),
//! `--only TEXT` (only the configurations whose `operation, configuration`
//! contains it, with no table: for profiling), `--instructions` (each row's
//! instructions per operation too, counted under callgrind), `--write`. RabbitMQ is used at `AMQP_ADDR` (default `amqp://127.0.0.1:5672`);
//! without one the message rows are left out, and the text says so.
//!
//! *CPU* is the process's CPU time (all threads: the caller, lapin's and sqlx's
//! workers, traced's export) per operation, the median over rounds; *added* is
//! that minus the same round's uninstrumented figure. Sampled rows run under a
//! sampled parent, unsampled rows under an unsampled one (traced-sdk's sampler is
//! parent-based); spans go through traced-sdk's queue, at its default settings,
//! into an exporter that counts and discards them.

use futures_util::StreamExt as _;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions,
    QueuePurgeOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use std::fmt::Write as _;
use std::time::Duration;
use traced_benches::cli;
use traced_benches::export::Counting;
use traced_benches::machine::{self, Machine};
use traced_benches::measure::cpu_time;
use traced_benches::stats::median;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    /// `SELECT id, name FROM users WHERE id = ?` with `fetch_optional` (SQLite in memory).
    Select,
    /// `INSERT INTO events (kind) VALUES (?)` with `execute` (SQLite in memory).
    Insert,
    /// `basic_publish` of 64 bytes to a routing key no queue is bound to.
    Publish,
    /// One delivery taken from the consumer's stream and acknowledged.
    Consume,
}

impl Operation {
    fn label(self) -> &'static str {
        match self {
            Operation::Select => "SQL `SELECT` by id (`fetch_optional`)",
            Operation::Insert => "SQL `INSERT` (`execute`)",
            Operation::Publish => "AMQP publish",
            Operation::Consume => "AMQP consume + ack",
        }
    }

    /// The spans one operation makes when sampled.
    fn spans(self) -> u64 {
        match self {
            Operation::Consume => 2,
            _ => 1,
        }
    }

    fn is_amqp(self) -> bool {
        matches!(self, Operation::Publish | Operation::Consume)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tracing {
    Plain,
    Sampled,
    Unsampled,
}

impl Tracing {
    fn label(self) -> &'static str {
        match self {
            Tracing::Plain => "uninstrumented",
            Tracing::Sampled => "traced, sampled",
            Tracing::Unsampled => "traced, unsampled",
        }
    }
}

const OPERATIONS: [Operation; 4] = [
    Operation::Select,
    Operation::Insert,
    Operation::Publish,
    Operation::Consume,
];
const TRACINGS: [Tracing; 3] = [Tracing::Plain, Tracing::Sampled, Tracing::Unsampled];

/// The parent every traced operation runs under: sampled or not.
fn parent(sampled: bool) -> opentelemetry::Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    opentelemetry::Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(0x5eed_u128),
        SpanId::from(0x7_u64),
        flags,
        true,
        TraceState::NONE,
    ))
}

struct Sql {
    plain: sqlx::SqlitePool,
    traced: traced_sqlx::TracedPool<sqlx::Sqlite>,
}

impl Sql {
    async fn open() -> Sql {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("SQLite in memory");
        for statement in [
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
            "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)",
            "INSERT INTO users (id, name) VALUES (7, 'Ada Lovelace')",
        ] {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .expect("the schema");
        }
        Sql {
            traced: traced_sqlx::TracedPool::new(pool.clone()),
            plain: pool,
        }
    }

    async fn run(&self, operation: Operation, tracing: Tracing, n: usize) {
        const SELECT: &str = "SELECT id, name FROM users WHERE id = ?";
        const INSERT: &str = "INSERT INTO events (kind) VALUES (?)";
        for _ in 0..n {
            match (operation, tracing) {
                (Operation::Select, Tracing::Plain) => {
                    let row: Option<(i64, String)> = sqlx::query_as(SELECT)
                        .bind(7)
                        .fetch_optional(&self.plain)
                        .await
                        .expect("a row");
                    std::hint::black_box(row);
                }
                (Operation::Select, _) => {
                    let row: Option<(i64, String)> = sqlx::query_as(SELECT)
                        .bind(7)
                        .fetch_optional(&self.traced)
                        .await
                        .expect("a row");
                    std::hint::black_box(row);
                }
                (Operation::Insert, Tracing::Plain) => {
                    sqlx::query(INSERT)
                        .bind("visit")
                        .execute(&self.plain)
                        .await
                        .expect("inserted");
                }
                (Operation::Insert, _) => {
                    sqlx::query(INSERT)
                        .bind("visit")
                        .execute(&self.traced)
                        .await
                        .expect("inserted");
                }
                _ => unreachable!("not a query"),
            }
        }
    }
}

/// The broker: a plain channel and a traced one, and for the consume rows a queue
/// and a consumer of their own per configuration, kept for the whole run.
struct Amqp {
    _connection: Connection,
    plain: lapin::Channel,
    traced: traced_lapin::TracedChannel,
    /// The queues of the consume rows, by configuration (`Tracing as usize`).
    queues: [String; 3],
    plain_consumer: tokio::sync::Mutex<lapin::Consumer>,
    traced_consumers: [tokio::sync::Mutex<traced_lapin::TracedConsumer>; 2],
}

const PAYLOAD: [u8; 64] = [b'x'; 64];

impl Amqp {
    async fn connect(addr: &str) -> Result<Amqp, String> {
        let connection = Connection::connect(addr, ConnectionProperties::default())
            .await
            .map_err(|error| format!("RabbitMQ is not reachable at {addr} ({error})"))?;
        let plain = connection
            .create_channel()
            .await
            .map_err(|e| e.to_string())?;
        let traced = traced_lapin::TracedChannel::new(
            connection
                .create_channel()
                .await
                .map_err(|e| e.to_string())?,
        )
        .server_from_uri(addr);
        let queues = TRACINGS.map(|t| format!("traced-bench-{}-{t:?}", std::process::id()));
        for queue in &queues {
            // Gone with the connection.
            plain
                .queue_declare(
                    queue.as_str().into(),
                    QueueDeclareOptions {
                        exclusive: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .map_err(|e| e.to_string())?;
        }
        let consume = |i: usize| {
            (
                queues[i].as_str().into(),
                format!("bench-{i}").into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
        };
        let (q, tag, options, arguments) = consume(0);
        let plain_consumer = plain
            .basic_consume(q, tag, options, arguments)
            .await
            .map_err(|e| e.to_string())?;
        let mut traced_consumers = Vec::new();
        for i in 1..3 {
            let (q, tag, options, arguments) = consume(i);
            traced_consumers.push(tokio::sync::Mutex::new(
                traced
                    .basic_consume(q, tag, options, arguments)
                    .await
                    .map_err(|e| e.to_string())?,
            ));
        }
        let [sampled, unsampled]: [_; 2] = traced_consumers.try_into().expect("two consumers");
        Ok(Amqp {
            _connection: connection,
            plain,
            traced,
            queues,
            plain_consumer: tokio::sync::Mutex::new(plain_consumer),
            traced_consumers: [sampled, unsampled],
        })
    }

    async fn publish(&self, channel: &lapin::Channel, key: &str) {
        let confirm = channel
            .basic_publish(
                "".into(),
                key.into(),
                BasicPublishOptions::default(),
                &PAYLOAD,
                BasicProperties::default(),
            )
            .await
            .expect("published");
        drop(confirm);
    }

    /// Publishes `n` messages to each consume row's queue, untraced (not measured).
    async fn fill(&self, n: usize) {
        for queue in &self.queues {
            for _ in 0..n {
                self.publish(&self.plain, queue).await;
            }
        }
    }

    async fn run(&self, operation: Operation, tracing: Tracing, n: usize) {
        match operation {
            Operation::Publish => {
                for _ in 0..n {
                    if tracing == Tracing::Plain {
                        self.publish(&self.plain, "traced-bench-nowhere").await;
                    } else {
                        let confirm = self
                            .traced
                            .basic_publish(
                                "".into(),
                                "traced-bench-nowhere".into(),
                                BasicPublishOptions::default(),
                                &PAYLOAD,
                                BasicProperties::default(),
                            )
                            .await
                            .expect("published");
                        drop(confirm);
                    }
                }
            }
            Operation::Consume => self.consume(tracing, n).await,
            _ => unreachable!("not a message"),
        }
    }

    /// Takes `n` deliveries from the row's consumer, acknowledging each.
    async fn consume(&self, tracing: Tracing, n: usize) {
        // The same loop over two consumer types: lapin's, and traced-lapin's
        // (whose deliveries carry their span, and whose `ack` is traced).
        macro_rules! take_and_ack {
            ($consumer:expr) => {{
                let mut consumer = $consumer.lock().await;
                for _ in 0..n {
                    let delivery = consumer.next().await.expect("a delivery").expect("ok");
                    delivery
                        .ack(BasicAckOptions::default())
                        .await
                        .expect("acked");
                }
            }};
        }
        match tracing {
            Tracing::Plain => take_and_ack!(self.plain_consumer),
            Tracing::Sampled => take_and_ack!(self.traced_consumers[0]),
            Tracing::Unsampled => take_and_ack!(self.traced_consumers[1]),
        }
    }
}

/// `n` operations of one row, under the parent its configuration runs under.
async fn perform(sql: &Sql, amqp: Option<&Amqp>, operation: Operation, tracing: Tracing, n: usize) {
    let work = async {
        if operation.is_amqp() {
            amqp.expect("RabbitMQ").run(operation, tracing, n).await;
        } else {
            sql.run(operation, tracing, n).await;
        }
    };
    let cx = parent(tracing == Tracing::Sampled);
    opentelemetry::context::FutureExt::with_context(work, cx).await;
}

struct Options {
    ops: usize,
    rounds: usize,
    write: bool,
    /// Count each row's instructions under callgrind too (`valgrind` needed).
    instructions: bool,
    /// Run only the configurations whose `operation, configuration` contains it.
    only: Option<String>,
    args: Vec<String>,
}

fn options() -> Options {
    let args = cli::arguments();
    let mut options = Options {
        ops: 500,
        rounds: 40,
        write: false,
        instructions: false,
        only: None,
        args: args.clone(),
    };
    let mut rest = args.into_iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--ops" => options.ops = cli::number::<usize>(rest.next(), "--ops").max(1),
            "--rounds" => options.rounds = cli::number::<usize>(rest.next(), "--rounds").max(1),
            "--write" => options.write = true,
            "--only" => options.only = rest.next(),
            "--instructions" => options.instructions = true,
            other => {
                eprintln!("unknown option {other}");
                std::process::exit(2);
            }
        }
    }
    options
}

/// Operations in each callgrind run of `--instructions`: 2 rounds of 500.
const INSTRUCTION_OPS: u64 = 1000;

/// The instructions this bench executes, under callgrind, running configuration
/// `label` alone for [`INSTRUCTION_OPS`] operations (setup included: it cancels out
/// in a difference with the uninstrumented row's run).
fn instructions_of(label: &str) -> Option<u64> {
    eprintln!("messages_queries: counting instructions of {label} under callgrind ...");
    traced_benches::measure::callgrind_instructions(&[
        "--only", label, "--rounds", "1", "--ops", "500",
    ])
}

fn nanos(d: Duration) -> f64 {
    d.as_secs_f64() * 1e9
}

#[allow(clippy::too_many_lines)]
fn main() {
    let options = options();
    let load_before = machine::load_average();
    let exported = Counting::default();
    let tracing = traced_sdk::Setup::new("traced-benches", "0.1.0")
        .environment(|_| None)
        .sampler(traced_sdk::SamplerKind::ParentBasedAlwaysOn)
        .exporter(exported.clone())
        .install();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let addr = std::env::var("AMQP_ADDR").unwrap_or_else(|_| "amqp://127.0.0.1:5672".to_owned());
    let (sql, amqp) = runtime.block_on(async { (Sql::open().await, Amqp::connect(&addr).await) });
    let amqp_missing = amqp.as_ref().err().cloned();
    let amqp = amqp.ok();
    let configs: Vec<(Operation, Tracing)> = OPERATIONS
        .iter()
        .filter(|op| !op.is_amqp() || amqp.is_some())
        .flat_map(|&op| TRACINGS.iter().map(move |&t| (op, t)))
        .filter(|(op, t)| {
            options
                .only
                .as_ref()
                .is_none_or(|only| format!("{}, {}", op.label(), t.label()).contains(only.as_str()))
        })
        .collect();
    if options.only.is_some() {
        // A profiling run: the work only.
        for round in 0..=options.rounds {
            for &(operation, tracing) in &configs {
                runtime.block_on(async {
                    if operation == Operation::Consume {
                        amqp.as_ref().expect("RabbitMQ").fill(options.ops).await;
                    }
                    perform(&sql, amqp.as_ref(), operation, tracing, options.ops).await;
                });
            }
            let _ = round;
        }
        drop(tracing);
        return;
    }
    // Per configuration: CPU per operation in each round. Within a round, an
    // operation's three configurations take turns in batches of `BATCH`, so that
    // whatever else the machine does falls on all three alike.
    const BATCH: usize = 25;
    let batches = options.ops.div_ceil(BATCH);
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); configs.len()];
    let mut sampled_ops = 0u64;
    let operations: Vec<Operation> = OPERATIONS
        .iter()
        .copied()
        .filter(|op| configs.iter().any(|(o, _)| o == op))
        .collect();
    for round in 0..=options.rounds {
        if round % 10 == 0 {
            eprintln!("messages_queries: round {round} of {} ...", options.rounds);
        }
        for k in 0..operations.len() {
            let operation = operations[(k + round) % operations.len()];
            let rows: Vec<usize> = (0..configs.len())
                .filter(|&i| configs[i].0 == operation)
                .collect();
            let mut spent = vec![Duration::ZERO; rows.len()];
            runtime.block_on(async {
                if operation == Operation::Consume {
                    amqp.as_ref().expect("RabbitMQ").fill(batches * BATCH).await;
                    // Every message queued before the clock starts.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                for batch in 0..batches {
                    for j in 0..rows.len() {
                        let slot = (j + batch + round) % rows.len();
                        let tracing = configs[rows[slot]].1;
                        let start = cpu_time();
                        perform(&sql, amqp.as_ref(), operation, tracing, BATCH).await;
                        spent[slot] += cpu_time() - start;
                        if tracing == Tracing::Sampled {
                            sampled_ops += (BATCH as u64) * operation.spans();
                        }
                    }
                }
            });
            // Round 0 warms up.
            if round > 0 {
                for (slot, &i) in rows.iter().enumerate() {
                    cpu[i].push(nanos(spent[slot]) / (batches * BATCH) as f64);
                }
            }
        }
    }
    if let Some(amqp) = &amqp {
        runtime.block_on(async {
            for queue in &amqp.queues {
                let _ = amqp
                    .plain
                    .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
                    .await;
            }
        });
    }
    let report = tracing.shutdown();
    let spans = exported.count();
    drop(amqp);
    let instructions = options.instructions.then(|| {
        configs
            .iter()
            .map(|&(op, t)| instructions_of(&format!("{}, {}", op.label(), t.label())))
            .collect::<Vec<_>>()
    });
    let load_after = machine::load_average();

    let mut table = String::from(
        "| operation | configuration | CPU ns/op | added ns/op (IQR over rounds) | added instructions/op | target | verdict |\n|---|---|---:|---:|---:|---:|---|\n",
    );
    let mut verdicts = String::new();
    for (i, &(operation, tracing)) in configs.iter().enumerate() {
        let plain = configs
            .iter()
            .position(|&(op, t)| op == operation && t == Tracing::Plain)
            .expect("a baseline");
        let added: Vec<f64> = cpu[i]
            .iter()
            .zip(&cpu[plain])
            .map(|(traced, plain)| traced - plain)
            .collect();
        let (target, cells) = match tracing {
            Tracing::Plain => (None, ("—".to_owned(), "—".to_owned(), "—".to_owned())),
            Tracing::Sampled => (Some(2000.0), (String::new(), String::new(), String::new())),
            Tracing::Unsampled => (Some(200.0), (String::new(), String::new(), String::new())),
        };
        let spread = traced_benches::stats::Summary::of(&added)
            .map_or_else(String::new, |s| format!(" ({:.0} … {:.0})", s.p25, s.p75));
        let (added_text, target_text, verdict) = match target {
            None => cells,
            Some(target) => {
                let added = median(&added);
                let met = added <= target;
                if !met {
                    let _ = writeln!(
                        verdicts,
                        "- {}, {}: {added:.0} ns added (target ≤ {target:.0}): **MISSED**",
                        operation.label(),
                        tracing.label()
                    );
                }
                (
                    format!("{added:.0}{spread}"),
                    format!("≤ {target:.0}"),
                    if met { "met" } else { "**MISSED**" }.to_owned(),
                )
            }
        };
        let instructions_text = match (tracing, &instructions) {
            (Tracing::Plain, _) => "—".to_owned(),
            (_, Some(counts)) => match (counts[i], counts[plain]) {
                (Some(traced), Some(plain)) => {
                    #[allow(clippy::cast_precision_loss)]
                    let per_op = (traced as f64 - plain as f64) / INSTRUCTION_OPS as f64;
                    format!("{per_op:.0}")
                }
                _ => "(failed)".to_owned(),
            },
            (_, None) => "(not measured)".to_owned(),
        };
        let _ = writeln!(
            table,
            "| {} | {} | {:.0} | {added_text} | {instructions_text} | {target_text} | {verdict} |",
            operation.label(),
            tracing.label(),
            median(&cpu[i]),
        );
    }
    if verdicts.is_empty() {
        verdicts.push_str("- Every target met.\n");
    }
    let missing = amqp_missing.map_or_else(String::new, |why| {
        format!("\nThe message rows are missing: {why}.\n")
    });
    let mut command = String::from("cargo bench -p traced-benches --bench messages_queries");
    if !options.args.is_empty() {
        let _ = write!(command, " -- {}", options.args.join(" "));
    }
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = format!(
        "Measured by `{command}` on {}; source: {}; load average (1 min) {load_before} before, {load_after} after.\n\n\
         Each row runs {} operations per round, for {} rounds after one to warm up, on a one-thread tokio runtime; within \
         a round, the three rows of an operation take turns in batches of 25, in a different order each time. Queries go to one SQLite connection in memory (sqlx 0.9), through the \
         plain pool or a `traced_sqlx::TracedPool` around the same pool; messages to the RabbitMQ at `AMQP_ADDR` (lapin 4), \
         published with no confirmation to a routing key no queue is bound to, or consumed from a queue of the row's own, filled \
         (untraced, not measured) before the round, by a consumer kept for the whole run, and acknowledged one by one, through a plain channel or a \
         `traced_lapin::TracedChannel`. A sampled operation makes one span (a query, a publish) or two (a delivery's \
         `process` and its `ack`). Sampled rows run under a sampled parent, unsampled rows under an unsampled one \
         (traced-sdk's sampler is parent-based); spans go through traced-sdk's queue at its defaults (2048 spans, \
         batches of 512) into an exporter that counts and discards them. *CPU* is the process's CPU time per operation \
         (all threads: the caller, lapin's and sqlx's workers, export; not the broker's), the median over rounds; *added* \
         is that minus the same round's uninstrumented figure, its median over rounds, with the interquartile range over \
         rounds beside it: what the CPU clock resolves on this machine. *Added instructions* (with `--instructions`) is \
         the difference per operation between callgrind's count of a run of the row alone and of its uninstrumented row \
         (1 000 operations each, all threads): it does not depend on the machine's noise. Targets: at most 2 µs added \
         sampled, 200 ns unsampled.\n\n{table}\n{verdicts}{missing}\nSpans exported: {spans} of the {sampled_ops} the \
         sampled rows made (warm-up round included){}.\n",
        Machine::detect().line(),
        machine::source(&workspace),
        options.ops,
        options.rounds,
        report.map_or_else(String::new, |report| format!("; at shutdown: {report}")),
    );
    print!("{text}");
    if options.write {
        let path = workspace.join("benches/messages_queries.md");
        std::fs::write(&path, text).expect("benches/messages_queries.md");
        eprintln!("wrote {}", path.display());
    }
}
