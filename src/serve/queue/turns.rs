//! Turns at synthesizing a chunk, as PostgreSQL advisory locks: workers on several machines
//! sharing an S3 cache and this database pay for a chunk they all miss at once only once.
//!
//! One connection per process holds the locks (session locks: a process that dies, or
//! loses its connection, gives back every turn it held). Turns are taken by polling
//! `pg_try_advisory_lock`, never by a blocking wait, so a waiting task holds no thread and
//! no connection.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::QueueError;
use super::connection::Connection;
use crate::cache::Turns;

/// Advisory locks keyed by the first 60 bits of a chunk's digest.
#[derive(Clone)]
pub struct PostgresTurns {
    db: Arc<Connection>,
}

impl std::fmt::Debug for PostgresTurns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresTurns").field("location", &self.db.location).finish()
    }
}

impl PostgresTurns {
    /// Turns on the server at `url` (connected when first taken).
    ///
    /// # Errors
    ///
    /// A URL that cannot be parsed.
    pub fn open(url: &str) -> Result<PostgresTurns, QueueError> {
        Ok(PostgresTurns { db: Arc::new(Connection::new(url)?) })
    }
}

/// A turn, given back when dropped.
struct Turn {
    db: Arc<Connection>,
    key: i64,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let (db, key) = (Arc::clone(&self.db), self.key);
        let unlock = move || {
            if let Err(e) = db.with(|c| c.execute("SELECT pg_advisory_unlock($1)", &[&key])) {
                // The connection is gone, and with it the lock.
                tracing::debug!("Turn not given back: {e}");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(unlock)),
            Err(_) => unlock(),
        }
    }
}

/// The lock key for a digest (hex): its first 60 bits, a positive `bigint`.
fn key(digest: &str) -> i64 {
    digest.get(..15).and_then(|hex| i64::from_str_radix(hex, 16).ok()).unwrap_or(0)
}

#[async_trait]
impl Turns for PostgresTurns {
    async fn take(&self, digest: &str) -> Option<Box<dyn Send + Sync>> {
        let key = key(digest);
        loop {
            let db = Arc::clone(&self.db);
            let tried = tokio::task::spawn_blocking(move || {
                db.with(|c| c.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?.try_get(0))
            })
            .await;
            match tried {
                Ok(Ok(true)) => return Some(Box::new(Turn { db: Arc::clone(&self.db), key })),
                Ok(Ok(false)) => tokio::time::sleep(Duration::from_millis(20)).await,
                Ok(Err(e)) => {
                    tracing::warn!("No turn from the job database; synthesizing anyway: {e}");
                    return None;
                }
                Err(_) => return None,
            }
        }
    }
}
