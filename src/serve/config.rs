//! `[serve]`: how `articulate serve` listens, queues and publishes.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// `[serve]` in config.toml; every field is documented there with its default.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address to listen on. Default: `"127.0.0.1:8750"`.
    pub listen: String,
    /// The job database (SQLite), relative to the config file. Default: `"serve.sqlite3"`.
    pub database: PathBuf,
    /// The job database on a PostgreSQL server, shared by `serve` processes on many
    /// machines; empty means the SQLite `database`. Default: `""`.
    pub database_url: String,
    /// Where published files go; empty means `[narrate] output_dir`. Default: `""`.
    pub output_dir: PathBuf,
    /// Jobs narrated at once; 0 leaves them to `serve --worker` processes. Default: 1.
    pub workers: usize,
    /// Largest request body in bytes. Default: 10485760 (10 MB).
    pub max_body_bytes: usize,
    /// Seconds a worker holds a job without renewing before another may take it.
    /// Default: 60.
    pub lease_secs: u64,
    /// Claims of one job before it is failed (each ended by its worker dying). Default: 3.
    pub max_attempts: u32,
    /// Where the output directory is published; empty means `http://LISTEN/audio/`.
    /// Default: `""`.
    pub public_url: String,
    /// The podcast feed's title. Default: `"articulate"`.
    pub feed_title: String,
    /// URL that gets every finished job's JSON, signed; empty for none. Default: `""`.
    pub callback_url: String,
    /// Attempts to deliver a callback. Default: 5.
    pub callback_attempts: u32,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8750".into(),
            database: "serve.sqlite3".into(),
            database_url: String::new(),
            output_dir: PathBuf::new(),
            workers: 1,
            max_body_bytes: 10 * 1024 * 1024,
            lease_secs: 60,
            max_attempts: 3,
            public_url: String::new(),
            feed_title: "articulate".into(),
            callback_url: String::new(),
            callback_attempts: 5,
        }
    }
}

impl ServeConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.listen.parse::<SocketAddr>().is_err() {
            problems.push(format!("[serve] listen {:?} is not HOST:PORT", self.listen));
        }
        check_database_url(&self.database_url, problems);
        if self.max_body_bytes == 0 {
            problems.push("[serve] max_body_bytes must be at least 1".into());
        }
        if self.lease_secs == 0 {
            problems.push("[serve] lease_secs must be at least 1".into());
        }
        if self.max_attempts == 0 {
            problems.push("[serve] max_attempts must be at least 1".into());
        }
        if self.callback_attempts == 0 {
            problems.push("[serve] callback_attempts must be at least 1".into());
        }
        for (key, url) in [("public_url", &self.public_url), ("callback_url", &self.callback_url)] {
            let ok = url.is_empty()
                || url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                problems.push(format!("[serve] {key} {url:?} is not an http(s) URL"));
            }
        }
    }
}

/// A database URL from a config file names a PostgreSQL server and holds no password
/// (passwords come from the environment: `PGPASSWORD`, or the whole URL in
/// `ARTICULATE_DATABASE_URL`).
fn check_database_url(url: &str, problems: &mut Vec<String>) {
    if url.is_empty() {
        return;
    }
    let Ok(parsed) = url::Url::parse(url) else {
        problems.push("[serve] database_url is not a URL (postgres://USER@HOST:PORT/DB)".into());
        return;
    };
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        problems.push(format!(
            "[serve] database_url has scheme {:?}: only postgres:// is supported (leave it \
             empty for the SQLite `database`)",
            parsed.scheme()
        ));
    }
    if parsed.password().is_some() {
        problems.push(
            "[serve] database_url holds a password: remove it and set PGPASSWORD, or put the \
             whole URL in ARTICULATE_DATABASE_URL"
                .into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(url: &str) -> Vec<String> {
        let mut problems = Vec::new();
        check_database_url(url, &mut problems);
        problems
    }

    #[test]
    fn a_database_url_must_name_postgres_and_hold_no_password() {
        assert!(problems("").is_empty());
        assert!(problems("postgres://articulate@db.internal:5432/jobs").is_empty());
        assert!(problems("mysql://db/jobs")[0].contains("only postgres://"));
        let secret = problems("postgresql://articulate:hunter2@db/jobs");
        assert!(secret[0].contains("PGPASSWORD"), "{secret:?}");
        assert!(!secret[0].contains("hunter2"));
    }
}
