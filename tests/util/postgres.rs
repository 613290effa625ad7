//! A database of its own on the test PostgreSQL server (scripts/postgres.sh starts it and
//! prints the URL that scripts/test.sh puts in `ARTICULATE_TEST_POSTGRES`).

use postgres::{Client, NoTls};

/// A scratch database, dropped (with its connections) when this is.
pub(crate) struct Scratch {
    admin: String,
    name: String,
    /// Its URL.
    pub(crate) url: String,
}

impl Scratch {
    /// `None` (saying SKIPPED) when there is no test server, unless the run requires one
    /// (`ARTICULATE_REQUIRE_POSTGRES`, set by scripts/test.sh): then it is a failure.
    pub(crate) fn new(test: &str) -> Option<Scratch> {
        let admin = std::env::var("ARTICULATE_TEST_POSTGRES").ok().filter(|u| !u.is_empty());
        let Some(admin) = admin else {
            assert!(
                std::env::var_os("ARTICULATE_REQUIRE_POSTGRES").is_none(),
                "ARTICULATE_TEST_POSTGRES is not set (scripts/postgres.sh prints it)"
            );
            eprintln!("SKIPPED: {test}: no test PostgreSQL server (scripts/postgres.sh)");
            return None;
        };
        let name = format!("articulate_e2e_{}", fastrand::u64(..));
        Client::connect(&admin, NoTls)
            .and_then(|mut c| c.batch_execute(&format!("CREATE DATABASE {name}")))
            .unwrap_or_else(|e| panic!("cannot create a database on {admin}: {e}"));
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        Some(Scratch { admin, name, url })
    }

    /// Its URL as the user the test server admits only over TLS (`articulate_tls`),
    /// verifying the server's certificate against the CA scripts/postgres.sh made.
    pub(crate) fn tls_url(&self) -> String {
        let ca = std::env::var("ARTICULATE_TEST_POSTGRES_CA")
            .expect("ARTICULATE_TEST_POSTGRES_CA is not set (scripts/postgres.sh ca prints it)");
        let at = self.url.split_once('@').unwrap().1;
        format!("postgres://articulate_tls@{at}?sslmode=require&sslrootcert={ca}")
    }

    /// [`Scratch::tls_url`] trusting the system's roots instead, which do not include the
    /// test server's CA: a certificate the client cannot verify.
    pub(crate) fn untrusted_tls_url(&self) -> String {
        let url = self.tls_url();
        format!("{}sslrootcert=system", url.split("sslrootcert=").next().unwrap())
    }

    /// A connection to it.
    pub(crate) fn connect(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut client) = Client::connect(&self.admin, NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name));
        }
    }
}
