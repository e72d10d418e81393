//! The database the users service and the notifier share, through traced-sqlx:
//! SQLite in memory by default, PostgreSQL when `DATABASE_URL` names one.

use sqlx::{Postgres, Sqlite};
use traced_sqlx::TracedPool;

/// A user as the database holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// Why an email could not be changed.
#[derive(Debug)]
pub enum Refused {
    /// No user with that id.
    NoSuchUser,
    /// Another user has that email (a constraint violation in the database).
    EmailTaken,
    /// The database failed.
    Failed(sqlx::Error),
}

/// The database, on either system; every query is traced.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(TracedPool<Sqlite>),
    Postgres(TracedPool<Postgres>),
}

/// Runs `$body` with `$pool` the pool of `$store`, whichever system it is on.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

const USERS: &str = "CREATE TABLE IF NOT EXISTS users (
    id BIGINT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)";
const NOTIFICATIONS_SQLITE: &str = "CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id BIGINT NOT NULL, email TEXT NOT NULL)";
const NOTIFICATIONS_POSTGRES: &str = "CREATE TABLE IF NOT EXISTS notifications (
    id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL, email TEXT NOT NULL)";
const SEED: &str = "INSERT INTO users (id, name, email) VALUES
    (7, 'Ada Lovelace', 'ada@example.com'), (8, 'Alan Turing', 'alan@example.com')
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email";

impl Store {
    /// Opens `url` (`sqlite::memory:` or `postgres://...`), makes the tables and
    /// seeds the two users.
    pub async fn open(url: &str) -> Result<Store, sqlx::Error> {
        let store = if url.starts_with("postgres") {
            Store::Postgres(TracedPool::new(sqlx::PgPool::connect(url).await?))
        } else {
            // One connection: an in-memory database is per connection.
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await?;
            Store::Sqlite(TracedPool::new(pool))
        };
        let notifications = match &store {
            Store::Sqlite(_) => NOTIFICATIONS_SQLITE,
            Store::Postgres(_) => NOTIFICATIONS_POSTGRES,
        };
        for statement in [USERS, notifications, SEED] {
            on_pool!(&store, pool => sqlx::query(statement).execute(pool.inner()).await.map(drop))?;
        }
        Ok(store)
    }

    /// The user `id`, if there is one.
    pub async fn user(&self, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
        let row: Option<(i64, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, email FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(id, name, email)| UserRow { id, name, email }))
    }

    /// Changes user `id`'s email, in a transaction.
    pub async fn change_email(&self, id: i64, email: &str) -> Result<UserRow, Refused> {
        let changed: Result<Option<(i64, String, String)>, sqlx::Error> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin().await?;
                let row = sqlx::query_as(
                    "UPDATE users SET email = $1 WHERE id = $2 RETURNING id, name, email",
                )
                .bind(email)
                .bind(id)
                .fetch_optional(&mut tx)
                .await?;
                tx.commit().await?;
                Ok(row)
            }
            .await
        });
        match changed {
            Ok(Some((id, name, email))) => Ok(UserRow { id, name, email }),
            Ok(None) => Err(Refused::NoSuchUser),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                Err(Refused::EmailTaken)
            }
            Err(error) => Err(Refused::Failed(error)),
        }
    }

    /// Records that user `user_id` was told of their new email.
    pub async fn record_notification(&self, user_id: i64, email: &str) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO notifications (user_id, email) VALUES ($1, $2)")
                .bind(user_id)
                .bind(email)
                .execute(pool)
                .await
                .map(drop)
        })
    }

    /// How many notifications were recorded for user `user_id`.
    pub async fn notifications(&self, user_id: i64) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => {
            sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(pool)
                .await
        })
    }
}
