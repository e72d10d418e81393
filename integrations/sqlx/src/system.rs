//! What each database system tells about its connections: `db.system.name`,
//! `db.namespace`, `server.address` and `server.port`.

use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    DB_NAMESPACE, DB_SYSTEM_NAME, SERVER_ADDRESS, SERVER_PORT,
};
use sqlx_core::connection::Connection;
use sqlx_core::database::Database;

/// A database traced-sqlx knows: PostgreSQL (feature `postgres`) and SQLite
/// (feature `sqlite`).
pub trait System: Database {
    /// `db.system.name`.
    const SYSTEM_NAME: &'static str;

    /// The connection's attributes, from the options it was opened with.
    #[doc(hidden)]
    fn connection(options: &<Self::Connection as Connection>::Options) -> Connected;
}

/// What the spans of one pool say about its connections, found once.
#[doc(hidden)]
#[derive(Debug, Clone, Default)]
pub struct Connected {
    pub(crate) system: &'static str,
    pub(crate) namespace: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) port: Option<u16>,
}

impl Connected {
    pub(crate) fn of<DB: System>(options: &<DB::Connection as Connection>::Options) -> Self {
        Connected {
            system: DB::SYSTEM_NAME,
            ..DB::connection(options)
        }
    }

    /// The attributes every span of the pool starts with.
    pub(crate) fn push(&self, attributes: &mut Vec<KeyValue>) {
        attributes.push(KeyValue::new(DB_SYSTEM_NAME, self.system));
        if let Some(namespace) = &self.namespace {
            attributes.push(KeyValue::new(DB_NAMESPACE, namespace.clone()));
        }
        if let Some(host) = &self.host {
            attributes.push(KeyValue::new(SERVER_ADDRESS, host.clone()));
        }
        if let Some(port) = self.port {
            attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
        }
    }
}

/// PostgreSQL: `db.namespace` is the database the connection was opened on (the
/// schema is not read: that would take a query); `server.port` is given only when
/// it is not the default, 5432.
#[cfg(feature = "postgres")]
impl System for sqlx_postgres::Postgres {
    const SYSTEM_NAME: &'static str = "postgresql";

    fn connection(options: &sqlx_postgres::PgConnectOptions) -> Connected {
        let port = options.get_port();
        Connected {
            system: Self::SYSTEM_NAME,
            namespace: options.get_database().map(str::to_owned),
            host: Some(options.get_host().to_owned()),
            port: (port != 5432).then_some(port),
        }
    }
}

/// SQLite: an embedded database, so no server; no `db.namespace` either (a
/// connection's database is its file, not a name).
#[cfg(feature = "sqlite")]
impl System for sqlx_sqlite::Sqlite {
    const SYSTEM_NAME: &'static str = "sqlite";

    fn connection(_: &sqlx_sqlite::SqliteConnectOptions) -> Connected {
        Connected {
            system: Self::SYSTEM_NAME,
            ..Connected::default()
        }
    }
}
