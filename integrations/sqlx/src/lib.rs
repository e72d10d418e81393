//! SQL spans for [traced](https://docs.rs/traced) with
//! [sqlx](https://docs.rs/sqlx) 0.9, on PostgreSQL (feature `postgres`) and
//! SQLite (feature `sqlite`), as the OpenTelemetry database semantic conventions
//! (semconv 1.42, stable) describe them: one CLIENT span per query, a child of
//! the span current where the query is made. Wrapping the pool is the one
//! change:
//!
//! ```no_run
//! # async fn run() -> Result<(), sqlx::Error> {
//! let pool = traced_sqlx::TracedPool::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
//! sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
//!     .execute(&pool)
//!     .await?;
//! let mut tx = pool.begin().await?;
//! sqlx::query("INSERT INTO users (name) VALUES (?)")
//!     .bind("ada")
//!     .execute(&mut tx)
//!     .await?;
//! tx.commit().await?;
//! # Ok(())
//! # }
//! ```
//!
//! The spans are `CREATE TABLE users`, `BEGIN`, `INSERT users` and `COMMIT`; see
//! [`TracedPool`] for what each records.
//!
//! Each query is also measured, sampled or not, into
//! `db.client.operation.duration` (see the workspace README's *Metrics*).
//!
//! ## A repository function that is one operation
//!
//! A function that stands for one database operation, as an ORM's spans do, can
//! be the CLIENT span itself, with `db.operation.name` and `db.collection.name`
//! (which are not guessed from a query's text). Its queries, made on the plain
//! pool, then add no spans of their own:
//!
//! ```no_run
//! #[traced::traced(
//!     kind = client,
//!     name = "SELECT users",
//!     skip(pool),
//!     attrs(
//!         db.system.name = "postgresql",
//!         db.operation.name = "SELECT",
//!         db.collection.name = "users",
//!     ),
//! )]
//! async fn find_user(pool: &sqlx::PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
//!     sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
//!         .bind(id)
//!         .fetch_optional(pool)
//!         .await
//! }
//! ```
//!
//! Like every traced crate, it costs nothing when the application installs no
//! tracing: queries go straight to sqlx.
//!
//! Enable the feature of each database used, `postgres` and `sqlite`; with
//! neither, the crate has no executor to offer.
#![cfg_attr(not(any(feature = "postgres", feature = "sqlite")), allow(unused))]

mod pool;
mod query;
mod system;
mod text;

pub use pool::{TracedConnection, TracedPool, TracedTransaction};
pub use system::System;
