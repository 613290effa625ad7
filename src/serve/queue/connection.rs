//! One connection to PostgreSQL: the URL read as libpq reads it (password from
//! `PGPASSWORD`, TLS when `sslmode` asks for it), made again when it breaks.
//!
//! TLS is rustls with the server's certificate always verified, host name included: a
//! worker on another machine sends article text and its queue over the network, and an
//! unverified certificate protects neither. So `sslmode=require` (and libpq's `verify-ca`
//! and `verify-full`, read as the same) trusts the CA file named by `sslrootcert` (or
//! `PGSSLROOTCERT`), else the system's roots; `disable` and `prefer` connect without TLS.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use postgres::config::SslMode;
use postgres::{Client, NoTls};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::QueueError;

/// One connection to the server, made when first needed and again when the last one broke.
pub(super) struct Connection {
    config: postgres::Config,
    /// Present when the URL asks for TLS.
    tls: Option<MakeRustlsConnect>,
    /// The server and database, without the password, for messages.
    pub(super) location: String,
    client: Mutex<Option<Client>>,
}

impl Connection {
    /// Read `url` and the CA file it names; nothing is sent to the server yet.
    pub(super) fn new(url: &str) -> Result<Connection, QueueError> {
        let bad = |message: String| QueueError::Url { location: redacted(url), message };
        let (url_without_ca, root_cert) = split_root_cert(url);
        let mut config: postgres::Config =
            url_without_ca.parse().map_err(|e: postgres::Error| bad(e.to_string()))?;
        if config.get_password().is_none()
            && let Ok(password) = std::env::var("PGPASSWORD")
        {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("articulate");
        let tls = match config.get_ssl_mode() {
            SslMode::Require => {
                let root_cert = root_cert.or_else(|| std::env::var("PGSSLROOTCERT").ok());
                Some(tls_connector(root_cert.as_deref()).map_err(bad)?)
            }
            _ => None,
        };
        Ok(Connection { location: location(&config), config, tls, client: Mutex::new(None) })
    }

    /// A new connection of its own (the caller keeps it, as a listener does).
    pub(super) fn connect(&self) -> Result<Client, postgres::Error> {
        match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        }
    }

    /// Run `call` on the connection, connecting first if there is none or the last one
    /// broke. Nothing is retried here: the caller knows whether its call may be repeated.
    pub(super) fn with<T>(
        &self,
        call: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, QueueError> {
        let db = |error: postgres::Error| QueueError::Database {
            location: self.location.clone(),
            message: describe(&error),
        };
        let mut slot = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot = Some(self.connect().map_err(db)?);
        }
        let Some(client) = slot.as_mut() else { unreachable!("connected above") };
        let result = call(client);
        if client.is_closed() {
            *slot = None;
        }
        result.map_err(db)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let client = self.client.get_mut().unwrap_or_else(PoisonError::into_inner).take();
        // rust-postgres closes a connection by blocking on a runtime of its own, which
        // panics on a thread that drives tokio's (the service drops its queue on one).
        if let Some(client) = client
            && tokio::runtime::Handle::try_current().is_ok()
        {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

/// `error` on one line with its cause: rust-postgres says only "db error" itself, and a
/// server's message may run over several lines.
fn describe(error: &postgres::Error) -> String {
    let text = match error.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => crate::errors::one_line(error),
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.contains("invalid peer certificate") {
        format!("{text} (is sslrootcert the CA that signed the server's certificate?)")
    } else {
        text
    }
}

/// The URL rust-postgres can read, and the `sslrootcert` it cannot. libpq's `verify-ca`
/// and `verify-full` become `require`, which here verifies at least as much.
fn split_root_cert(url: &str) -> (String, Option<String>) {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return (url.to_owned(), None); // libpq's `key=value` form: PGSSLROOTCERT serves
    };
    let mut root_cert = None;
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(key, value)| match (&*key, &*value) {
            ("sslrootcert", _) => {
                root_cert = Some(value.into_owned());
                None
            }
            ("sslmode", "verify-ca" | "verify-full") => Some((key.into(), "require".into())),
            _ => Some((key.into_owned(), value.into_owned())),
        })
        .collect();
    if pairs.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    (parsed.to_string(), root_cert)
}

/// Verify servers against the PEM file `root_cert`, or the system's roots when there is
/// none (or it is libpq's word `system`).
fn tls_connector(root_cert: Option<&str>) -> Result<MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore::empty();
    match root_cert.filter(|path| *path != "system") {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| format!("sslrootcert {path}: {e}"))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!("sslrootcert {path}: no certificate in it"));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err("sslmode=require, but this system has no CA certificates: \
                    name the server's CA with sslrootcert=PATH or PGSSLROOTCERT"
                    .to_owned());
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The server and database, without the password, for messages.
fn location(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or_default();
    let db = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{db}")
}

/// A URL as it may be shown: its password replaced.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(not a URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslrootcert_is_taken_out_of_the_url_and_the_rest_is_kept() {
        let (url, ca) = split_root_cert(
            "postgres://u@db.example:5433/jobs?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=3",
        );
        assert_eq!(url, "postgres://u@db.example:5433/jobs?sslmode=require&connect_timeout=3");
        assert_eq!(ca.as_deref(), Some("/etc/ca.pem"));
        let (url, ca) = split_root_cert("postgres://u@db/jobs?sslrootcert=system");
        assert_eq!((url.as_str(), ca.as_deref()), ("postgres://u@db/jobs", Some("system")));
    }

    #[test]
    fn a_url_without_tls_makes_no_connector_and_require_makes_one() {
        assert!(Connection::new("postgres://u@127.0.0.1/jobs").unwrap().tls.is_none());
        assert!(
            Connection::new("postgres://u@127.0.0.1/jobs?sslmode=prefer").unwrap().tls.is_none()
        );
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, TEST_CA).unwrap();
        let url =
            format!("postgres://u@127.0.0.1/jobs?sslmode=require&sslrootcert={}", ca.display());
        assert!(Connection::new(&url).unwrap().tls.is_some());
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_an_error_naming_it_and_not_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let url = format!(
            "postgres://u:hunter2@127.0.0.1/jobs?sslmode=require&sslrootcert={}",
            missing.display()
        );
        let Err(error) = Connection::new(&url) else { panic!("a missing CA file was accepted") };
        let message = error.to_string();
        assert!(message.contains("missing.pem"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let url =
            format!("postgres://u@127.0.0.1/jobs?sslmode=require&sslrootcert={}", empty.display());
        let Err(error) = Connection::new(&url) else { panic!("an empty CA file was accepted") };
        assert!(error.to_string().contains("empty.pem"), "{error}");
    }

    #[test]
    fn messages_show_the_url_without_its_password() {
        assert_eq!(redacted("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redacted("host=h user=u password=secret"), "(not a URL)");
    }

    /// A self-signed CA made for these tests with `openssl req -x509`.
    const TEST_CA: &str = "\
-----BEGIN CERTIFICATE-----
MIIBkDCCATegAwIBAgIUAMTQ4a5gMUjPffEaby6jZ4RmvwcwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSYXJ0aWN1bGF0ZSB0ZXN0IENBMCAXDTI2MTIwMjE2MjU1N1oY
DzIxMjYxMTA4MTYyNTU3WjAdMRswGQYDVQQDDBJhcnRpY3VsYXRlIHRlc3QgQ0Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARkA9K5hV6YXwSpkGTUkMdBCCiWOWa/
VC0F0unZUZDb12IMDRWYlMjlepOj4+OIxIKRq+Nxb5GktfMDoKmnJwYLo1MwUTAd
BgNVHQ4EFgQUzfqq8/hzuDmaezhwkfh/h5DcIGowHwYDVR0jBBgwFoAUzfqq8/hz
uDmaezhwkfh/h5DcIGowDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBE
AiAyZDhUxE4MO2tCk37OYUeByhC3myOMVzypyqO2act4LwIgXvS8uyyTPRVIJ+e+
3gB3RZ0cSPHkW79LoiRqMzoBsGY=
-----END CERTIFICATE-----
";
}
