//! One query: its span, started before the query is sent and ended when its
//! results have been read, and the query handed on unchanged.

use crate::system::Connected;
use crate::text;
use either::Either;
use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_core::Stream;
use futures_util::{FutureExt, StreamExt};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    DB_QUERY_SUMMARY, DB_QUERY_TEXT, DB_RESPONSE_RETURNED_ROWS, DB_RESPONSE_STATUS_CODE, ERROR_TYPE,
};
use sqlx_core::arguments::Arguments;
use sqlx_core::database::Database;
use sqlx_core::error::{BoxDynError, Error};
use sqlx_core::executor::Execute;
use sqlx_core::sql_str::SqlStr;
use std::borrow::Cow;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, RwLock};
use std::task::{Context, Poll};
use traced::metrics::{DurationHistogram, Measurement};
use traced::Span;

/// `db.client.operation.duration`.
static DURATION: DurationHistogram = DurationHistogram::new(
    "db.client.operation.duration",
    "Duration of database client operations.",
    traced::metrics::DB_DURATION_BUCKETS,
    ("traced-sqlx", env!("CARGO_PKG_VERSION")),
);

/// The measurement of `sql` on `connected`'s database for
/// `db.client.operation.duration`: `db.system.name`, `db.namespace`,
/// `server.address`, `server.port` (as on the span) and `db.query.summary`. The
/// text is left out (opt-in): it is not of low cardinality.
pub(crate) fn measure(
    sql: &str,
    parameterized: bool,
    connected: &Connected,
) -> Option<Measurement> {
    let mut measurement = Measurement::start(&DURATION, 8)?;
    let mut attributes = Vec::with_capacity(5);
    connected.push(&mut attributes);
    if let Some(summary) = &Described::of(sql, parameterized).summary {
        attributes.push(KeyValue::new(DB_QUERY_SUMMARY, Arc::clone(summary)));
    }
    for attribute in attributes {
        measurement.add(attribute);
    }
    Some(measurement)
}

/// A query taken apart to be read, then handed to the executor as it was: the
/// same text, prepared statement, arguments and persistence.
pub(crate) struct Query<'q, DB: Database> {
    sql: SqlStr,
    statement: Option<DB::Statement>,
    arguments: Option<Result<Option<DB::Arguments>, BoxDynError>>,
    persistent: bool,
    _query: PhantomData<&'q ()>,
}

impl<'q, DB: Database> Query<'q, DB> {
    /// `query`, the span of its execution (started now, in the current context,
    /// when tracing is on) and its measurement (when metrics are).
    pub(crate) fn start(
        mut query: impl Execute<'q, DB>,
        connected: &Connected,
    ) -> (Self, Span, Option<Measurement>) {
        let statement = query.statement().cloned();
        let arguments = query.take_arguments();
        let persistent = query.persistent();
        let sql = query.sql();
        let parameterized = matches!(&arguments, Ok(Some(arguments)) if arguments.len() > 0);
        let measurement = measure(sql.as_str(), parameterized, connected);
        let span = if traced::enabled() {
            start(sql.as_str(), parameterized, connected)
        } else {
            Span::none()
        };
        let query = Query {
            sql,
            statement,
            arguments: Some(arguments),
            persistent,
            _query: PhantomData,
        };
        (query, span, measurement)
    }
}

impl<'q, DB: Database> Execute<'q, DB> for Query<'q, DB> {
    fn sql(self) -> SqlStr {
        self.sql
    }

    fn statement(&self) -> Option<&DB::Statement> {
        self.statement.as_ref()
    }

    fn take_arguments(&mut self) -> Result<Option<DB::Arguments>, BoxDynError> {
        self.arguments.take().unwrap_or(Ok(None))
    }

    fn persistent(&self) -> bool {
        self.persistent
    }
}

/// The CLIENT span of `sql` on `connected`'s database: named by the query's
/// summary (`SELECT users`), or by the system when none can be made. The text is
/// recorded as given when it has parameters, with its literals replaced by `?`
/// otherwise.
pub(crate) fn start(sql: &str, parameterized: bool, connected: &Connected) -> Span {
    let described = std::cell::OnceCell::new();
    let described = || described.get_or_init(|| Described::of(sql, parameterized));
    traced::span("db")
        .kind(SpanKind::Client)
        .scope("traced-sqlx", Some(env!("CARGO_PKG_VERSION")))
        .without_code_location()
        .leaf()
        .start_with_name_and_attributes(
            || match &described().summary {
                Some(summary) => Cow::Owned(summary.to_string()),
                None => Cow::Borrowed(connected.system),
            },
            |attributes| {
                attributes.reserve(10);
                connected.push(attributes);
                let described = described();
                if let Some(summary) = &described.summary {
                    attributes.push(KeyValue::new(DB_QUERY_SUMMARY, Arc::clone(summary)));
                }
                attributes.push(KeyValue::new(DB_QUERY_TEXT, Arc::clone(&described.text)));
            },
        )
}

/// What a query's text gives its span: its summary, and the text to record.
/// Found once per distinct text (up to [`Described::KEPT`] of them), since
/// applications run the same few queries over and over.
#[derive(Debug)]
struct Described {
    summary: Option<Arc<str>>,
    text: Arc<str>,
}

impl Described {
    /// Texts remembered, each for parameterized and plain queries; past that,
    /// a new text is read every time it runs.
    const KEPT: usize = 512;

    fn of(sql: &str, parameterized: bool) -> Arc<Described> {
        type Kept = RwLock<HashMap<Box<str>, Arc<Described>>>;
        static KEPT: [OnceLock<Kept>; 2] = [OnceLock::new(), OnceLock::new()];
        let kept = KEPT[usize::from(parameterized)].get_or_init(Kept::default);
        if let Some(found) = kept.read().ok().and_then(|kept| kept.get(sql).cloned()) {
            return found;
        }
        let described = Arc::new(Described {
            summary: text::summary(sql).map(Arc::from),
            text: if parameterized {
                Arc::from(sql)
            } else {
                Arc::from(text::sanitize(sql))
            },
        });
        if let Ok(mut kept) = kept.write() {
            if kept.len() < Self::KEPT {
                kept.insert(sql.into(), Arc::clone(&described));
            }
        }
        described
    }
}

/// Records a failed query on its span: for an error the database sent, its code
/// (SQLSTATE for PostgreSQL, the result code for SQLite) as
/// `db.response.status_code` and `error.type`, otherwise the kind of error; and
/// its exception (`db.client.operation.exception`, WARN).
pub(crate) fn fail(span: &Span, error: &Error) {
    if !span.is_recording() {
        return;
    }
    for attribute in failure(error) {
        span.set_attribute(attribute.key, attribute.value);
    }
    let message = error.to_string();
    span.record_exception(&traced::logs::Exception {
        event_name: traced::logs::events::DB_CLIENT_OPERATION_EXCEPTION,
        severity: opentelemetry::logs::Severity::Warn,
        type_name: std::any::type_name::<Error>(),
        message: &message,
        target: Some("traced-sqlx"),
    });
    span.set_status(Status::error(message));
}

/// Adds a failed query's `db.response.status_code` and `error.type` to its
/// measurement.
pub(crate) fn fail_measurement(measurement: Option<&mut Measurement>, error: &Error) {
    if let Some(m) = measurement {
        for attribute in failure(error) {
            m.add(attribute);
        }
    }
}

/// `db.response.status_code` (for an error the database sent with a code) and
/// `error.type`.
fn failure(error: &Error) -> Vec<KeyValue> {
    match error {
        Error::Database(error) => match error.code() {
            Some(code) => vec![
                KeyValue::new(DB_RESPONSE_STATUS_CODE, code.to_string()),
                KeyValue::new(ERROR_TYPE, code.into_owned()),
            ],
            None => vec![KeyValue::new(ERROR_TYPE, "database")],
        },
        other => vec![KeyValue::new(ERROR_TYPE, error_type(other))],
    }
}

/// `error.type` for an error that is not the database's.
fn error_type(error: &Error) -> &'static str {
    match error {
        Error::Configuration(_) => "configuration",
        Error::InvalidArgument(_) => "invalid_argument",
        Error::Io(_) => "io",
        Error::Tls(_) => "tls",
        Error::Protocol(_) => "protocol",
        Error::RowNotFound => "row_not_found",
        Error::TypeNotFound { .. } => "type_not_found",
        Error::ColumnIndexOutOfBounds { .. } => "column_index_out_of_bounds",
        Error::ColumnNotFound(_) => "column_not_found",
        Error::ColumnDecode { .. } => "column_decode",
        Error::Encode(_) => "encode",
        Error::Decode(_) => "decode",
        Error::AnyDriverError(_) => "driver",
        Error::PoolTimedOut => "pool_timed_out",
        Error::PoolClosed => "pool_closed",
        Error::WorkerCrashed => "worker_crashed",
        Error::InvalidSavePointStatement => "invalid_savepoint_statement",
        Error::BeginFailed => "begin_failed",
        _ => "_OTHER",
    }
}

/// What a query's results are, for counting the rows it returned.
pub(crate) type Step<DB> =
    Result<Either<<DB as Database>::QueryResult, <DB as Database>::Row>, Error>;

/// The results of a query, carrying its span until they have all been read (or
/// dropped): `db.response.returned_rows` counts the rows read.
pub(crate) struct Traced<'e, DB: Database> {
    inner: BoxStream<'e, Step<DB>>,
    span: Option<Span>,
    /// Recorded when the results end, or are dropped.
    measurement: Option<Measurement>,
    rows: i64,
}

impl<'e, DB: Database> Traced<'e, DB> {
    pub(crate) fn boxed(
        inner: BoxStream<'e, Step<DB>>,
        span: Span,
        measurement: Option<Measurement>,
    ) -> BoxStream<'e, Step<DB>> {
        Self {
            inner,
            span: span.is_recording().then_some(span),
            measurement,
            rows: 0,
        }
        .boxed()
    }
}

impl<DB: Database> Stream for Traced<'_, DB> {
    type Item = Step<DB>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Step<DB>>> {
        let this = &mut *self;
        let step = {
            let _entered = this.span.as_ref().map(Span::enter);
            this.inner.as_mut().poll_next(cx)
        };
        match &step {
            Poll::Ready(Some(Ok(Either::Right(_)))) => this.rows += 1,
            Poll::Ready(Some(Ok(Either::Left(_)))) | Poll::Pending => {}
            Poll::Ready(Some(Err(error))) => {
                if let Some(span) = &this.span {
                    fail(span, error);
                }
                fail_measurement(this.measurement.as_mut(), error);
            }
            Poll::Ready(None) => {
                if let Some(span) = this.span.take() {
                    span.set_attribute(DB_RESPONSE_RETURNED_ROWS, this.rows);
                }
                drop(this.measurement.take());
            }
        }
        step
    }
}

/// A query answered with at most one row, in its span.
pub(crate) fn optional<'e, R: Send + 'e>(
    inner: BoxFuture<'e, Result<Option<R>, Error>>,
    span: Span,
    measurement: Option<Measurement>,
) -> BoxFuture<'e, Result<Option<R>, Error>> {
    ended(inner, span, measurement, |span, row| {
        span.set_attribute(DB_RESPONSE_RETURNED_ROWS, i64::from(row.is_some()));
    })
}

/// `inner` in `span`, which ends when it does, and `measurement`, recorded
/// then (or when dropped before); `done` records its success on the span.
pub(crate) fn ended<'e, T: Send + 'e>(
    inner: BoxFuture<'e, Result<T, Error>>,
    span: Span,
    mut measurement: Option<Measurement>,
    done: impl FnOnce(&Span, &T) + Send + 'e,
) -> BoxFuture<'e, Result<T, Error>> {
    use opentelemetry::context::FutureExt as _;
    let cx = span.context().clone();
    async move {
        let result = inner.with_context(cx).await;
        match &result {
            Ok(value) => {
                if span.is_recording() {
                    done(&span, value);
                }
            }
            Err(error) => {
                fail(&span, error);
                fail_measurement(measurement.as_mut(), error);
            }
        }
        drop(measurement);
        result
    }
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::Described;
    use std::sync::Arc;

    #[test]
    fn a_text_is_read_once_and_the_kept_texts_are_bounded() {
        let first = Described::of("SELECT name FROM kept WHERE id = $1", true);
        let again = Described::of("SELECT name FROM kept WHERE id = $1", true);
        assert!(Arc::ptr_eq(&first, &again), "read once");
        assert_eq!(first.summary.as_deref(), Some("SELECT kept"));
        let plain = Described::of("SELECT name FROM kept WHERE id = 7", false);
        assert_eq!(&*plain.text, "SELECT name FROM kept WHERE id = ?");
        // Past the bound, every text is read anew (and still right).
        for n in 0..Described::KEPT + 10 {
            let _ = Described::of(&format!("SELECT {n} FROM many"), false);
        }
        let late = "SELECT 1 FROM never_kept";
        let one = Described::of(late, false);
        let two = Described::of(late, false);
        assert!(!Arc::ptr_eq(&one, &two), "not kept");
        assert_eq!(&*two.text, "SELECT ? FROM never_kept");
    }
}
