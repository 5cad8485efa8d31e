//! One storage path for both backends: sqlx's `Any` driver over Postgres (production) or
//! SQLite (`frontdesk dev`). Queries are written once, with `$n` placeholders, and keep to
//! the types `Any` maps on both: integers (times are unix micros), floats, text and bytes.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};
use std::borrow::Cow;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0}: use postgres://… or sqlite://…")]
    UnsupportedUrl(String),
    #[error("cannot reach {backend:?} at {url}")]
    Connect {
        backend: Backend,
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create data directory {path}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("migrating {url} failed")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
}

/// A migration embedded in the binary: (version, description, SQL).
pub type MigrationFile = (i64, &'static str, &'static str);

/// Platform tables every service database has: outbox, delivery cursors, inbox, parked events.
const PLATFORM_MIGRATIONS: &[MigrationFile] = &[
    (
        10,
        "outbox inbox",
        include_str!("../migrations/0010_outbox_inbox.sql"),
    ),
    (
        20,
        "parked events",
        include_str!("../migrations/0020_parked_events.sql"),
    ),
];

/// A migration's SQL for one backend. Most SQL is the same on both; where they differ (an
/// index type only one has, e.g. GIN on Postgres and an FTS5 table on SQLite) a line
/// `-- backend: postgres` or `-- backend: sqlite` starts SQL for that backend alone, and
/// `-- backend: all` returns to the shared SQL. Lines of the other backend become blank, so
/// error positions keep their line numbers.
pub fn sql_for(sql: &str, backend: Backend) -> Cow<'_, str> {
    if !sql.contains("-- backend:") {
        return Cow::Borrowed(sql);
    }
    let mut keep = true;
    let mut out = String::with_capacity(sql.len());
    for line in sql.lines() {
        if let Some(which) = line.trim().strip_prefix("-- backend:") {
            keep = match which.trim() {
                "postgres" => backend == Backend::Postgres,
                "sqlite" => backend == Backend::Sqlite,
                _ => true,
            };
        } else if keep {
            out.push_str(line);
        }
        out.push('\n');
    }
    Cow::Owned(out)
}

/// Builds a migrator from embedded SQL (no proc-macro, so no database needed at build time).
fn migrator(files: &[MigrationFile], backend: Backend) -> Migrator {
    let migrations: Vec<Migration> = files
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                sql_for(sql, backend),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        // The platform's and the service's sets share one history table.
        ignore_missing: true,
        locking: true,
        no_tx: false,
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

/// How long a call waits for a pooled connection by default: an outage answers UNAVAILABLE
/// within this, instead of hanging.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
pub const SQLITE_MIN_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    /// Connects (creating a SQLite file and its directory when missing). Errors name the
    /// backend and the URL with any password removed.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
        Self::connect_with(url, max_connections, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// As [`Db::connect`], with the longest a call waits for a pooled connection before it
    /// answers UNAVAILABLE (SQLite's single connection is a queue, not an outage signal: it
    /// waits at least [`SQLITE_MIN_ACQUIRE_TIMEOUT`]).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Db, DbError> {
        install_default_drivers();
        let shown = redact(url);
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(DbError::UnsupportedUrl(shown));
        };
        let mut opts = AnyPoolOptions::new().acquire_timeout(match backend {
            Backend::Postgres => acquire_timeout,
            Backend::Sqlite => acquire_timeout.max(SQLITE_MIN_ACQUIRE_TIMEOUT),
        });
        let connect_url = match backend {
            Backend::Postgres => {
                opts = opts.max_connections(max_connections.max(1));
                url.to_string()
            }
            Backend::Sqlite => {
                ensure_sqlite_dir(url)?;
                // SQLite has one writer; a single connection avoids "database is locked" on
                // lock upgrades and is plenty for the embedded mode.
                opts = opts.max_connections(1).after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                             PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
                        )
                        .await?;
                        Ok(())
                    })
                });
                if url.contains('?') {
                    url.to_string()
                } else {
                    format!("{url}?mode=rwc")
                }
            }
        };
        // One direct connection first: a pool only reports "timed out", which hides the
        // reason an operator needs (refused, unknown database, authentication …).
        use sqlx::Connection;
        let probe = sqlx::AnyConnection::connect(&connect_url)
            .await
            .map_err(|source| DbError::Connect {
                backend,
                url: shown.clone(),
                source,
            })?;
        let _ = probe.close().await;
        let pool = opts
            .connect(&connect_url)
            .await
            .map_err(|source| DbError::Connect {
                backend,
                url: shown.clone(),
                source,
            })?;
        Ok(Db {
            pool,
            backend,
            url: shown,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL with credentials removed, for logs and errors.
    pub fn display_url(&self) -> &str {
        &self.url
    }

    /// Applies the platform's tables, then the service's own migrations. The two sets use
    /// disjoint version numbers (platform < 1000 ≤ service) in one history table.
    pub async fn migrate(&self, service: &[MigrationFile]) -> Result<(), DbError> {
        for set in [PLATFORM_MIGRATIONS, service] {
            migrator(set, self.backend)
                .run(&self.pool)
                .await
                .map_err(|source| DbError::Migrate {
                    url: self.url.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// True when the database answers `SELECT 1` within `within` (health checks).
    pub async fn ping(&self, within: Duration) -> bool {
        let q = sqlx::query_scalar::<sqlx::Any, i32>("SELECT 1").fetch_one(&self.pool);
        matches!(tokio::time::timeout(within, q).await, Ok(Ok(1)))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn ensure_sqlite_dir(url: &str) -> Result<(), DbError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    let path = std::path::Path::new(path);
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        crate::private_files::create_dir(dir).map_err(|source| DbError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    // Guests' names and contacts live in these files: owner-only from the first byte (SQLite
    // gives its -wal and -shm files the database file's mode).
    crate::private_files::touch(path).map_err(|source| DbError::DataDir {
        path: path.display().to_string(),
        source,
    })?;
    Ok(())
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// True when the error is a unique-constraint violation (maps to ALREADY_EXISTS).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact("sqlite://data/intake.db"), "sqlite://data/intake.db");
    }

    #[test]
    fn each_backend_runs_the_shared_sql_and_its_own_sections() {
        let sql = "CREATE TABLE t (a TEXT);\n-- backend: postgres\nCREATE INDEX g ON t USING GIN (a);\n\
                   -- backend: sqlite\nCREATE VIRTUAL TABLE f USING fts5(a);\n-- backend: all\nSELECT 1;\n";
        let pg = sql_for(sql, Backend::Postgres);
        let lite = sql_for(sql, Backend::Sqlite);
        assert!(pg.contains("GIN") && !pg.contains("fts5") && pg.contains("SELECT 1"));
        assert!(lite.contains("fts5") && !lite.contains("GIN") && lite.contains("CREATE TABLE t"));
        assert_eq!(pg.lines().count(), sql.lines().count());
        assert!(matches!(
            sql_for("SELECT 1;", Backend::Sqlite),
            Cow::Borrowed(_)
        ));
    }
}
