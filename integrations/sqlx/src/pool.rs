//! A pool, a connection and a transaction whose queries are traced.

use crate::query::{self, Query, Step, Traced};
use crate::system::{Connected, System};
use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::FutureExt;
use sqlx_core::database::Database;
#[cfg(feature = "offline")]
use sqlx_core::describe::Describe;
use sqlx_core::error::Error;
use sqlx_core::executor::{Execute, Executor};
use sqlx_core::pool::{Pool, PoolConnection};
use sqlx_core::sql_str::SqlStr;
use sqlx_core::transaction::Transaction;
use std::sync::Arc;

/// A [`sqlx::Pool`](sqlx_core::pool::Pool) whose queries are traced: one CLIENT
/// span per query, as the database semantic conventions (semconv 1.42) describe
/// it. Pass `&pool` where the plain pool went; everything else the pool does is
/// there through `Deref`.
///
/// Each span is a child of the span current where the query is made (a
/// `#[traced]` async function, a request), and lasts until the query's results
/// have been read.
///
/// - Name: the query's summary (`SELECT users`, `INSERT orders`), or the
///   system's name (`postgresql`) when the text yields none. Never the raw SQL.
/// - Attributes: `db.system.name`, `db.namespace` (PostgreSQL: the database
///   connected to), `server.address`, `server.port` (PostgreSQL, when not 5432),
///   `db.query.summary`, `db.query.text` (as written when the query has bound
///   parameters, whose values are never recorded; with every literal replaced by
///   `?` when it has none), `db.response.returned_rows` (the rows read; an
///   opt-in attribute of the conventions, recorded here by default), and on
///   failure `db.response.status_code` (the SQLSTATE, or SQLite's result code)
///   and `error.type` (the same code, or the kind of error: `io`,
///   `pool_timed_out`, `row_not_found`, ...).
///
/// `db.operation.name` and `db.collection.name` are not guessed from the text, as
/// the conventions ask; a repository function that is itself one operation can
/// carry them (see the crate's documentation).
///
/// ```no_run
/// # async fn run() -> Result<(), sqlx::Error> {
/// let pool = traced_sqlx::TracedPool::new(sqlx::PgPool::connect("postgres://127.0.0.1/test").await?);
/// let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM users WHERE active = $1")
///     .bind(true)
///     .fetch_one(&pool)
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TracedPool<DB: System> {
    pool: Pool<DB>,
    connected: Arc<Connected>,
}

impl<DB: System> Clone for TracedPool<DB> {
    fn clone(&self) -> Self {
        TracedPool {
            pool: self.pool.clone(),
            connected: Arc::clone(&self.connected),
        }
    }
}

impl<DB: System> TracedPool<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Traces `pool`'s queries.
    #[must_use]
    pub fn new(pool: Pool<DB>) -> Self {
        let connected = Arc::new(Connected::of::<DB>(&pool.connect_options()));
        TracedPool { pool, connected }
    }

    /// The pool itself.
    #[must_use]
    pub fn inner(&self) -> &Pool<DB> {
        &self.pool
    }

    /// Starts a transaction ([`Pool::begin`]) in a span `BEGIN`; its queries are
    /// traced, and so are its `COMMIT` and `ROLLBACK`.
    ///
    /// # Errors
    /// The pool's.
    pub async fn begin(&self) -> Result<TracedTransaction<'static, DB>, Error> {
        let (span, measurement) = statement("BEGIN", &self.connected);
        let begun = query::ended(self.pool.begin().boxed(), span, measurement, |_, _| {}).await?;
        Ok(TracedTransaction {
            inner: begun,
            connected: Arc::clone(&self.connected),
        })
    }

    /// A connection of the pool ([`Pool::acquire`]), whose queries are traced.
    ///
    /// # Errors
    /// The pool's.
    pub async fn acquire(&self) -> Result<TracedConnection<DB>, Error> {
        Ok(TracedConnection {
            inner: self.pool.acquire().await?,
            connected: Arc::clone(&self.connected),
        })
    }
}

/// The filter's switch of query spans (see `traced::filter`).
static QUERIES: traced::filter::Switch = traced::filter::Switch::new("traced_sqlx::query");

/// Whether queries may be traced or measured: tracing or metrics on, and not
/// switched off.
fn queries_on() -> bool {
    (traced::enabled() || traced::metrics::enabled()) && QUERIES.is_on()
}

/// The span and measurement of a statement a transaction sends itself.
fn statement(
    sql: &str,
    connected: &Connected,
) -> (traced::Span, Option<traced::metrics::Measurement>) {
    if !queries_on() {
        return (traced::Span::none(), None);
    }
    let span = if traced::enabled() {
        query::start(sql, false, connected)
    } else {
        traced::Span::none()
    };
    (span, query::measure(sql, false, connected))
}

impl<DB: System> std::ops::Deref for TracedPool<DB> {
    type Target = Pool<DB>;

    fn deref(&self) -> &Pool<DB> {
        &self.pool
    }
}

/// A transaction of a [`TracedPool`]: its queries, `COMMIT` and `ROLLBACK` are
/// traced. Pass `&mut tx` where `&mut *tx` went with sqlx's own transaction.
/// Dropped without either, it is rolled back by sqlx, with no span.
#[derive(Debug)]
pub struct TracedTransaction<'c, DB: System> {
    inner: Transaction<'c, DB>,
    connected: Arc<Connected>,
}

impl<'c, DB: System> TracedTransaction<'c, DB> {
    /// Commits, in a span `COMMIT`.
    ///
    /// # Errors
    /// The database's.
    pub async fn commit(self) -> Result<(), Error> {
        let (span, measurement) = statement("COMMIT", &self.connected);
        query::ended(self.inner.commit().boxed(), span, measurement, |_, ()| {}).await
    }

    /// Rolls back, in a span `ROLLBACK`.
    ///
    /// # Errors
    /// The database's.
    pub async fn rollback(self) -> Result<(), Error> {
        let (span, measurement) = statement("ROLLBACK", &self.connected);
        query::ended(self.inner.rollback().boxed(), span, measurement, |_, ()| {}).await
    }

    /// The transaction itself.
    #[must_use]
    pub fn into_inner(self) -> Transaction<'c, DB> {
        self.inner
    }
}

/// A connection of a [`TracedPool`], whose queries are traced. Pass `&mut conn`.
#[derive(Debug)]
pub struct TracedConnection<DB: System> {
    inner: PoolConnection<DB>,
    connected: Arc<Connected>,
}

impl<DB: System> TracedConnection<DB> {
    /// The connection itself.
    #[must_use]
    pub fn into_inner(self) -> PoolConnection<DB> {
        self.inner
    }
}

/// `inner.fetch_many(query)`, in a span.
fn fetch_many<'e, 'q: 'e, DB, X, E>(
    inner: X,
    connected: &Connected,
    query: E,
) -> BoxStream<'e, Step<DB>>
where
    DB: System,
    X: Executor<'e, Database = DB>,
    E: 'q + Execute<'q, DB>,
{
    if !queries_on() {
        return inner.fetch_many(query);
    }
    let (query, span, measurement) = Query::start(query, connected);
    if !span.is_recording() && measurement.is_none() {
        // Unsampled and unmeasured: nothing to record, nothing to wait for.
        return inner.fetch_many(query);
    }
    Traced::<DB>::boxed(inner.fetch_many(query), span, measurement)
}

/// `inner.fetch_optional(query)`, in a span.
fn fetch_optional<'e, 'q: 'e, DB, X, E>(
    inner: X,
    connected: &Connected,
    query: E,
) -> BoxFuture<'e, Result<Option<DB::Row>, Error>>
where
    DB: System,
    X: Executor<'e, Database = DB>,
    E: 'q + Execute<'q, DB>,
{
    if !queries_on() {
        return inner.fetch_optional(query);
    }
    let (query, span, measurement) = Query::start(query, connected);
    if !span.is_recording() && measurement.is_none() {
        return inner.fetch_optional(query);
    }
    query::optional(inner.fetch_optional(query), span, measurement)
}

/// The `Executor` of a traced pool, connection or transaction: `fetch_many` and
/// `fetch_optional` (which every other query method goes through) in a span;
/// preparing and describing a statement as they are.
macro_rules! traced_executor {
    ($db:ty, $life:lifetime, $inner:ident => $executor:expr) => {
        type Database = $db;

        fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Step<$db>>
        where
            $life: 'e,
            E: 'q + Execute<'q, $db>,
        {
            let $inner = self;
            fetch_many($executor, &$inner.connected, query)
        }

        fn fetch_optional<'e, 'q: 'e, E>(
            self,
            query: E,
        ) -> BoxFuture<'e, Result<Option<<$db as Database>::Row>, Error>>
        where
            $life: 'e,
            E: 'q + Execute<'q, $db>,
        {
            let $inner = self;
            fetch_optional($executor, &$inner.connected, query)
        }

        fn prepare_with<'e>(
            self,
            sql: SqlStr,
            parameters: &'e [<$db as Database>::TypeInfo],
        ) -> BoxFuture<'e, Result<<$db as Database>::Statement, Error>>
        where
            $life: 'e,
        {
            let $inner = self;
            $executor.prepare_with(sql, parameters)
        }

        #[cfg(feature = "offline")]
        fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<$db>, Error>>
        where
            $life: 'e,
        {
            let $inner = self;
            $executor.describe(sql)
        }
    };
}

/// The three executors for one database. Per database rather than generic: a
/// generic impl over `&mut DB::Connection` sends the trait solver into a loop
/// through these very impls.
macro_rules! traced_executors {
    ($db:ty) => {
        impl<'p> Executor<'p> for &'p TracedPool<$db> {
            traced_executor!($db, 'p, this => &this.pool);
        }

        impl<'t> Executor<'t> for &'t mut TracedTransaction<'_, $db> {
            traced_executor!($db, 't, this => &mut *this.inner);
        }

        impl<'t> Executor<'t> for &'t mut TracedConnection<$db> {
            traced_executor!($db, 't, this => &mut *this.inner);
        }
    };
}

#[cfg(feature = "postgres")]
traced_executors!(sqlx_postgres::Postgres);
#[cfg(feature = "sqlite")]
traced_executors!(sqlx_sqlite::Sqlite);
