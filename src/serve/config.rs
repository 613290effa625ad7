//! `[serve]`: how `articulate serve` listens, queues and publishes.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::store_url::Target;

/// `[serve]` in config.toml; every field is documented there with its default.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address to listen on. Default: `"127.0.0.1:8750"`.
    pub listen: String,
    /// The job database (SQLite), relative to the config file; empty means
    /// `$XDG_DATA_HOME/articulate/serve.sqlite3` (else `~/.local/share/articulate/…`).
    /// Default: `""`.
    pub database: PathBuf,
    /// The job database on a PostgreSQL server, shared by `serve` processes on many
    /// machines; empty means the SQLite `database`. Default: `""`.
    pub database_url: String,
    /// Where published files go; empty means `[narrate] output_dir`. Default: `""`.
    pub output_dir: PathBuf,
    /// An object store to publish into instead (`s3://bucket/prefix`); empty for
    /// `output_dir`. Default: `""`.
    pub output_url: String,
    /// Jobs narrated at once; 0 leaves them to `serve --worker` processes. Default: 1.
    pub workers: usize,
    /// Largest request body in bytes. Default: 10485760 (10 MB).
    pub max_body_bytes: usize,
    /// Seconds to send a request's head, or to start the next on a kept-alive connection.
    /// Default: 10.
    pub header_timeout_secs: u64,
    /// Seconds a connection may be silent both ways; also the most a body may take.
    /// Default: 60.
    pub idle_timeout_secs: u64,
    /// Connections open at once. Default: 512.
    pub max_connections: usize,
    /// How far a signed request's timestamp may be from now, in seconds. Default: 300.
    pub signature_window_secs: u64,
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
    /// Episodes in the feed of an object store: the most recently published. Default: 300.
    pub feed_episodes: usize,
    /// URL that gets every finished job's JSON, signed; empty for none. Default: `""`.
    pub callback_url: String,
    /// Attempts to deliver a callback. Default: 5.
    pub callback_attempts: u32,
    /// Publish each narration as it is made (HLS), so it can be played within seconds;
    /// the job is `playable` meanwhile. Default: true.
    pub stream: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8750".into(),
            database: PathBuf::new(),
            database_url: String::new(),
            output_dir: PathBuf::new(),
            output_url: String::new(),
            workers: 1,
            max_body_bytes: 10 * 1024 * 1024,
            header_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 512,
            signature_window_secs: 300,
            lease_secs: 60,
            max_attempts: 3,
            public_url: String::new(),
            feed_title: "articulate".into(),
            feed_episodes: 300,
            callback_url: String::new(),
            callback_attempts: 5,
            stream: true,
        }
    }
}

impl ServeConfig {
    /// The connection limits these settings give.
    #[must_use]
    pub fn limits(&self) -> crate::listener::Limits {
        crate::listener::Limits {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_secs),
            max_connections: self.max_connections,
        }
    }

    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.listen.parse::<SocketAddr>().is_err() {
            problems.push(format!("[serve] listen {:?} is not HOST:PORT", self.listen));
        }
        check_database_url(&self.database_url, problems);
        if self.max_body_bytes == 0 {
            problems.push("[serve] max_body_bytes must be at least 1".into());
        }
        for (key, value) in [
            ("header_timeout_secs", self.header_timeout_secs),
            ("idle_timeout_secs", self.idle_timeout_secs),
            ("signature_window_secs", self.signature_window_secs),
            ("max_connections", self.max_connections as u64),
        ] {
            if value == 0 {
                problems.push(format!("[serve] {key} must be at least 1"));
            }
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
        if self.feed_episodes == 0 {
            problems.push("[serve] feed_episodes must be at least 1".into());
        }
        self.validate_output_url(problems);
        for (key, url) in [("public_url", &self.public_url), ("callback_url", &self.callback_url)] {
            let ok = url.is_empty()
                || url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                problems.push(format!("[serve] {key} {url:?} is not an http(s) URL"));
            }
        }
    }

    fn validate_output_url(&self, problems: &mut Vec<String>) {
        if self.output_url.is_empty() {
            return;
        }
        if !self.output_dir.as_os_str().is_empty() {
            problems.push("[serve] output_dir and output_url are both set: keep one".into());
        }
        match crate::store_url::parse(&self.output_url) {
            Err(message) => problems.push(format!(
                "[serve] output_url {:?}: {message}; use s3://bucket/prefix or a directory",
                self.output_url
            )),
            Ok(Target::S3 { .. }) if self.public_url.is_empty() => problems.push(
                "[serve] output_url is an object store, so [serve] public_url must say where \
                 its files are published (the bucket's public or CDN URL)"
                    .into(),
            ),
            Ok(_) => {}
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
    let query_password = parsed.query_pairs().any(|(key, _)| key == "password");
    if parsed.password().is_some() || query_password {
        problems.push(
            "[serve] database_url holds a password: remove it and set PGPASSWORD, or put the \
             whole URL in ARTICULATE_DATABASE_URL"
                .into(),
        );
    }
    for (key, mode) in parsed.query_pairs().filter(|(key, _)| key == "sslmode") {
        if !matches!(&*mode, "disable" | "prefer" | "require" | "verify-ca" | "verify-full") {
            problems.push(format!(
                "[serve] database_url has {key}={mode}: use require (TLS, certificate verified), \
                 or disable"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(config: &ServeConfig) -> Vec<String> {
        let mut problems = Vec::new();
        config.validate(&mut problems);
        problems
    }

    #[test]
    fn an_object_store_output_without_a_public_url_is_refused_naming_both_keys() {
        let config = ServeConfig { output_url: "s3://bucket/pub".into(), ..Default::default() };
        let found = problems(&config);
        assert!(
            found.len() == 1 && found[0].contains("output_url") && found[0].contains("public_url"),
            "{found:?}"
        );
        let public = "https://cdn.example.com/pub/".into();
        assert!(problems(&ServeConfig { public_url: public, ..config }).is_empty());
    }

    #[test]
    fn an_output_url_to_a_directory_needs_no_public_url_but_a_bad_scheme_is_refused() {
        let config = ServeConfig { output_url: "file:///srv/audio".into(), ..Default::default() };
        assert!(problems(&config).is_empty());
        let config = ServeConfig { output_url: "gs://bucket".into(), ..Default::default() };
        assert!(problems(&config)[0].contains("gs"));
        let config = ServeConfig {
            output_url: "/srv/a".into(),
            output_dir: "/srv/b".into(),
            feed_episodes: 0,
            ..Default::default()
        };
        let found = problems(&config);
        assert!(found.iter().any(|p| p.contains("both set")), "{found:?}");
        assert!(found.iter().any(|p| p.contains("feed_episodes")), "{found:?}");
    }

    fn url_problems(url: &str) -> Vec<String> {
        problems(&ServeConfig { database_url: url.to_owned(), ..Default::default() })
    }

    #[test]
    fn a_database_url_must_name_postgres_and_hold_no_password() {
        assert!(url_problems("").is_empty());
        assert!(url_problems("postgres://articulate@db.internal:5432/jobs").is_empty());
        assert!(url_problems("mysql://db/jobs")[0].contains("only postgres://"));
        let secret = url_problems("postgresql://articulate:hunter2@db/jobs");
        assert!(secret[0].contains("PGPASSWORD"), "{secret:?}");
        assert!(!secret[0].contains("hunter2"));
        let in_query = url_problems("postgres://articulate@db/jobs?password=hunter2");
        assert!(in_query[0].contains("PGPASSWORD") && !in_query[0].contains("hunter2"));
    }

    #[test]
    fn a_database_url_may_ask_for_tls_in_libpq_words_and_a_mistyped_mode_is_named() {
        let tls = "postgres://a@db/jobs?sslmode=verify-full&sslrootcert=/etc/ca.pem";
        assert!(url_problems(tls).is_empty());
        let typo = url_problems("postgres://a@db/jobs?sslmode=requried");
        assert!(typo[0].contains("sslmode=requried"), "{typo:?}");
    }
}
