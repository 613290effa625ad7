//! A WordPress site for a test: MariaDB, PHP's built-in server over a copy of Debian's
//! WordPress with the plugin installed from the zip `scripts/wordpress-plugin.sh` builds,
//! and the `articulate serve` it talks to.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::serve::{Server, Site};
use crate::util;

/// Where Debian's `wordpress` package puts WordPress.
const WORDPRESS: &str = "/usr/share/wordpress";
/// The administrator's password (a throwaway site on loopback).
pub(crate) const ADMIN_PASSWORD: &str = "articulate-admin-password";
/// The API token serve accepts and the plugin sends.
const TOKEN: &str = crate::serve::TOKEN;
/// The secret that signs webhooks and callbacks both ways.
pub(crate) const SECRET: &str = "articulate-shared-secret";

/// A free loopback port (the server that gets it is started right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Wait until something accepts connections on `addr`, or `child` exits.
fn wait_for_port(addr: SocketAddr, child: &mut Child, what: &str, log: &Path) {
    for _ in 0..300 {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on {addr}");
}

/// Run a command to completion; its stdout, or a panic with its output.
fn run(command: &mut Command, what: &str) -> String {
    let output = command.stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!("{what}: {e}; scripts/install-deps.sh --test installs WordPress, PHP and MariaDB")
    });
    assert!(
        output.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `php ARGS…` with `env`, and no mail sent.
fn php_command(env: &[(&'static str, String)], args: &[&str]) -> Command {
    let mut command = Command::new("php");
    command.args(["-d", "sendmail_path=/bin/true"]).args(args).envs(env.iter().cloned());
    command
}

/// A scratch MariaDB server on a Unix socket (no TCP port), with a `wordpress` database.
struct MariaDb {
    child: Child,
    socket: PathBuf,
}

impl MariaDb {
    fn start(dir: &Path) -> MariaDb {
        let data = dir.join("data");
        let socket = dir.join("mysqld.sock");
        let log = dir.join("mariadb.log");
        // It refuses to run as root unless told to: CI runs as root.
        let user = if unsafe { libc::geteuid() } == 0 { Some("--user=root") } else { None };
        run(
            Command::new("mariadb-install-db")
                .args(["--no-defaults", "--auth-root-authentication-method=normal"])
                .args(["--skip-test-db", "--skip-name-resolve"])
                .arg(format!("--datadir={}", data.display()))
                .args(user),
            "mariadb-install-db",
        );
        let mut child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.join("mariadb.pid").display()))
            .arg(format!("--log-error={}", log.display()))
            .args(["--skip-networking", "--innodb-buffer-pool-size=32M", "--skip-log-bin"])
            .args(user)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts; scripts/install-deps.sh --test installs mariadb-server");
        let mut ready = false;
        for _ in 0..300 {
            let pinged = Command::new("mariadb-admin")
                .args(["--no-defaults", "-uroot"])
                .arg(format!("--socket={}", socket.display()))
                .arg("ping")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if pinged {
                ready = true;
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("mariadbd exited ({status}): {}", std::fs::read_to_string(&log).unwrap());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(ready, "mariadbd never answered: {}", std::fs::read_to_string(&log).unwrap());
        run(
            Command::new("mariadb")
                .args(["--no-defaults", "-uroot"])
                .arg(format!("--socket={}", socket.display()))
                .args(["-e", "CREATE DATABASE wordpress"]),
            "creating the database",
        );
        MariaDb { child, socket }
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WordPress site with the plugin active and connected to a running `articulate serve`.
pub(crate) struct WordPress {
    // Dropped in this order: the web server, then the database, then serve, then the files.
    php: Child,
    _db: MariaDb,
    /// The `articulate serve` the plugin talks to.
    pub(crate) serve: Server,
    /// serve's directory: config, database, output, cache.
    pub(crate) serve_site: Site,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub(crate) url: String,
    /// An application password of the admin user, for the REST API.
    app_password: String,
    /// What `php/setup.php` is run with: the site's paths and the plugin's settings.
    php_env: Vec<(&'static str, String)>,
    client: reqwest::Client,
}

impl Drop for WordPress {
    fn drop(&mut self) {
        let _ = self.php.kill();
        let _ = self.php.wait();
    }
}

impl WordPress {
    /// Install and start everything.
    pub(crate) fn start() -> WordPress {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");

        // serve first: the site is configured with its address.
        let serve_site = Site::new(&format!(
            "callback_url = \"{url}/wp-json/articulate/v1/done\"\ncallback_attempts = 3"
        ));
        let serve = serve_site.start(&[
            ("ARTICULATE_WEBHOOK_SECRET", SECRET),
            ("ARTICULATE_CALLBACK_SECRET", SECRET),
        ]);

        std::fs::create_dir(dir.path().join("db")).unwrap();
        let db = MariaDb::start(&dir.path().join("db"));

        // WordPress: a copy of the package's files with our own wp-config.php and
        // wp-content (Debian's wp-config.php reads /etc/wordpress, which is not ours).
        let root = dir.path().join("site");
        // -L: Debian links its bundled JavaScript libraries in relatively, which a copy would break.
        run(Command::new("cp").arg("-rL").arg(WORDPRESS).arg(&root), "copying WordPress");
        for ours in ["wp-config.php", "wp-content"] {
            let path = root.join(ours);
            if path.is_dir() {
                std::fs::remove_dir_all(&path).unwrap();
            } else if path.exists() {
                std::fs::remove_file(&path).unwrap();
            }
        }
        let php_dir = util::root().join("tests/wordpress/php");
        std::fs::copy(php_dir.join("wp-config.php"), root.join("wp-config.php")).unwrap();
        let content = root.join("wp-content");
        for sub in ["plugins", "themes", "uploads"] {
            std::fs::create_dir_all(content.join(sub)).unwrap();
        }
        std::os::unix::fs::symlink(
            Path::new(WORDPRESS).join("wp-content/themes/twentytwentythree"),
            content.join("themes/twentytwentythree"),
        )
        .unwrap();
        // The plugin as a site would install it: from the zip the script builds.
        let zip = dir.path().join("articulate-wordpress.zip");
        run(
            Command::new(util::root().join("scripts/wordpress-plugin.sh")).arg(&zip),
            "scripts/wordpress-plugin.sh",
        );
        run(
            Command::new("python3")
                .args(["-m", "zipfile", "-e"])
                .arg(&zip)
                .arg(content.join("plugins")),
            "unzipping the plugin",
        );

        let log = dir.path().join("debug.log");
        let env = [
            ("ARTICULATE_WP_DB_SOCKET", db.socket.display().to_string()),
            ("ARTICULATE_WP_URL", url.clone()),
            ("ARTICULATE_WP_LOG", log.display().to_string()),
            ("ARTICULATE_WP_ROOT", root.display().to_string()),
            ("ARTICULATE_WP_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("ARTICULATE_SERVICE_URL", format!("http://{}/", serve.addr)),
            ("ARTICULATE_TOKEN", TOKEN.to_owned()),
            ("ARTICULATE_SECRET", SECRET.to_owned()),
            ("ARTICULATE_VOICE", String::new()),
        ];
        let php = |args: &[&str]| php_command(&env, args);
        let setup = php_dir.join("setup.php").display().to_string();
        run(&mut php(&[&setup, "install"]), "installing WordPress");
        let app_password =
            run(&mut php(&[&setup, "configure"]), "configuring WordPress").trim().to_owned();

        let server_log = dir.path().join("php-server.log");
        let mut server = php(&[
            "-S",
            &format!("127.0.0.1:{port}"),
            "-t",
            &root.display().to_string(),
            &php_dir.join("router.php").display().to_string(),
        ]);
        // Several requests at once: serve's callback may arrive while a page is loading.
        server.env("PHP_CLI_SERVER_WORKERS", "4");
        let mut child = server
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&server_log).unwrap())
            .spawn()
            .expect("php starts; scripts/install-deps.sh --test installs it");
        wait_for_port(
            format!("127.0.0.1:{port}").parse().unwrap(),
            &mut child,
            "php -S",
            &server_log,
        );

        WordPress {
            php: child,
            _db: db,
            serve,
            serve_site,
            dir,
            url,
            app_password,
            php_env: env.to_vec(),
            client: reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap(),
        }
    }

    /// `php/setup.php MODE ARGS…` run against the site, as an administrator's script
    /// would; what it printed.
    pub(crate) fn setup(&self, args: &[&str]) -> String {
        let setup = util::root().join("tests/wordpress/php/setup.php");
        let mut all = vec![setup.to_str().unwrap()];
        all.extend_from_slice(args);
        run(&mut php_command(&self.php_env, &all), &format!("setup.php {}", args.join(" ")))
    }

    /// A REST API call as the admin user; the status and the JSON answer.
    pub(crate) async fn rest(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}/wp-json/{path}", self.url))
            .basic_auth("admin", Some(&self.app_password));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let json =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {status} {text}"));
        (status, json)
    }

    /// A request with no credentials; the status and the body.
    pub(crate) async fn anonymous(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, url).body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// The post's status as the editor's box reads it.
    pub(crate) async fn status(&self, post: u64) -> Value {
        let (status, json) = self.rest("GET", &format!("articulate/v1/posts/{post}"), None).await;
        assert_eq!(status, 200, "{json}");
        json
    }

    /// Poll the status box's data until `done` says so (bounded).
    pub(crate) async fn wait_status(&self, post: u64, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..300 {
            let status = self.status(post).await;
            if done(&status) {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("post {post} never reached the expected status: {}", self.status(post).await);
    }

    /// Lines PHP logged (notices, warnings, errors) that come from the plugin's files.
    pub(crate) fn plugin_warnings(&self) -> Vec<String> {
        ["debug.log", "php-server.log"]
            .iter()
            .flat_map(|name| {
                std::fs::read_to_string(self.dir.path().join(name))
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| l.contains("plugins/articulate/") && l.contains("PHP "))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Where serve publishes.
    pub(crate) fn serve_out(&self) -> PathBuf {
        self.serve_site.path("out")
    }
}
