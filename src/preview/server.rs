//! The preview's HTTP side: a fixed set of routes and nothing else.
//!
//! | route                 | what                                                       |
//! |-----------------------|------------------------------------------------------------|
//! | `/`                   | the page                                                   |
//! | `/player/NAME`        | the player's and the page's own files, from the binary     |
//! | `/v/VERSION/FILE`     | the current narration's manifest and audio (with `Range`)  |
//! | `/v/VERSION/live/…`   | while the first narration is made: its HLS stream          |
//! | `/events`             | server-sent events: the current narration's version        |
//!
//! Nothing is served from a path the request names: a file name in a URL is only ever
//! compared with the names of the files the narration wrote, so `..` and its encodings have
//! nothing to climb out of. Each narration is served under its own version, so a browser
//! never mixes a new manifest with cached audio from an old one.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::Stream;
use tokio::sync::watch;
use tower_http::services::ServeFile;

use super::assets::{ICON_SVG, PREVIEW_CSS, PREVIEW_JS};
use crate::publish::{PLAYER_CSS, PLAYER_JS};

/// Everything served for one narration, replaced whole when the article is narrated again.
pub(super) struct Snapshot {
    /// Counts narrations from 1; it names the URLs of this one's files.
    pub(super) version: u64,
    /// The rendered page.
    pub(super) page: Bytes,
    /// The manifest's file name (`NAME.json`).
    pub(super) manifest_name: String,
    /// The manifest's bytes as written; none while the narration is still being made.
    pub(super) manifest: Option<Bytes>,
    /// The audio files' names, as the manifest lists them.
    pub(super) audio_files: Vec<String>,
    /// The narration's stream while it is being made.
    pub(super) live: Option<LiveFiles>,
}

/// A narration's HLS stream in the output directory, while it is being made.
pub(super) struct LiveFiles {
    /// The playlist's file name (`NAME.m3u8`).
    pub(super) playlist: String,
    /// Its segments' directory, relative to the output directory (`live/TAG`).
    pub(super) segments: String,
}

/// The server's shared state.
#[derive(Clone)]
pub(super) struct App {
    inner: Arc<Inner>,
}

struct Inner {
    snapshot: RwLock<Arc<Snapshot>>,
    versions: watch::Sender<u64>,
    output_dir: PathBuf,
    hosts: AllowedHosts,
}

impl App {
    /// Serve `first` from `output_dir`, listening on `bound`, to requests naming this
    /// machine or one of `extra_hosts`.
    pub(super) fn new(
        first: Snapshot,
        output_dir: PathBuf,
        bound: SocketAddr,
        extra_hosts: &[String],
    ) -> App {
        let (versions, _) = watch::channel(first.version);
        App {
            inner: Arc::new(Inner {
                snapshot: RwLock::new(Arc::new(first)),
                versions,
                output_dir,
                hosts: AllowedHosts::for_address(bound, extra_hosts),
            }),
        }
    }

    /// Serve `snapshot` from now on, and tell every open page.
    pub(super) fn publish(&self, snapshot: Snapshot) {
        let version = snapshot.version;
        *self.inner.snapshot.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
        self.inner.versions.send_replace(version);
    }

    fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.inner.snapshot.read().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The routes, behind the host check and the security headers.
pub(super) fn router(app: App) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/player/{asset}", get(asset))
        .route("/v/{version}/{file}", get(narration))
        .route("/v/{version}/live/{tag}/{file}", get(segment))
        .route("/events", get(events))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Everything the page loads comes from this server; nothing may frame it or load its files
/// from elsewhere.
/// (`blob:` media: a narration played while it is made is fed to the audio element through
/// Media Source Extensions, whose source is a blob URL of the page's own making.)
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; media-src 'self' blob:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// Refuses requests addressed to another host name, and adds the security headers.
///
/// A web page elsewhere can make a browser send requests to 127.0.0.1 under a name of its own
/// that resolves there (DNS rebinding); checking `Host` keeps an unpublished article on this
/// machine.
async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(|h| app.inner.hosts.allows(h)) {
        let mut response = text(
            StatusCode::FORBIDDEN,
            "forbidden: unknown host name (articulate preview --allow-host NAME admits one)\n",
        );
        secure(response.headers_mut());
        return response;
    }
    let mut response = next.run(request).await;
    secure(response.headers_mut());
    response
}

fn secure(headers: &mut HeaderMap) {
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
}

async fn page(State(app): State<App>) -> Response {
    let snapshot = app.current();
    let headers =
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")];
    (headers, snapshot.page.clone()).into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "articulate-player.js" => (PLAYER_JS, "text/javascript; charset=utf-8"),
        "articulate-player.css" => (PLAYER_CSS, "text/css; charset=utf-8"),
        "preview.js" => (PREVIEW_JS, "text/javascript; charset=utf-8"),
        "preview.css" => (PREVIEW_CSS, "text/css; charset=utf-8"),
        "icon.svg" => (ICON_SVG, "image/svg+xml"),
        _ => return not_found().await,
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

async fn narration(
    State(app): State<App>,
    Path((version, file)): Path<(String, String)>,
    request: Request,
) -> Response {
    let snapshot = app.current();
    if version != snapshot.version.to_string() {
        return not_found().await;
    }
    if file == snapshot.manifest_name {
        let Some(manifest) = snapshot.manifest.clone() else { return not_found().await };
        let headers =
            [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")];
        return (headers, manifest).into_response();
    }
    if let Some(live) = snapshot.live.as_ref().filter(|live| live.playlist == file) {
        let path = app.inner.output_dir.join(&live.playlist);
        let mut response = serve_file(&path, request).await;
        let served = response.status().is_success();
        let headers = response.headers_mut();
        if served {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.apple.mpegurl"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        return response;
    }
    if !snapshot.audio_files.contains(&file) {
        return not_found().await;
    }
    // `file` is one of the names the narration wrote, never a path from the request; and
    // it must still be the file written, not a link someone put in its place.
    serve_file(&app.inner.output_dir.join(&file), request).await
}

/// A segment of the stream being made: one its playlist lists now.
async fn segment(
    State(app): State<App>,
    Path((version, tag, file)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    let snapshot = app.current();
    let Some(live) = snapshot.live.as_ref() else { return not_found().await };
    if version != snapshot.version.to_string() || live.segments != format!("live/{tag}") {
        return not_found().await;
    }
    let listed = std::fs::read_to_string(app.inner.output_dir.join(&live.playlist))
        .is_ok_and(|playlist| playlist.lines().any(|l| l == format!("{}/{file}", live.segments)));
    if !listed {
        return not_found().await;
    }
    serve_file(&app.inner.output_dir.join(&live.segments).join(&file), request).await
}

/// A file the narration wrote (a name checked against what it wrote, never a path from the
/// request), which must still be a plain file, not a link someone put in its place.
async fn serve_file(path: &std::path::Path, request: Request) -> Response {
    let path = path.to_path_buf();
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file()) {
        return not_found().await;
    }
    match ServeFile::new(&path).try_call(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => {
            tracing::warn!(file = %path.display(), "Cannot serve the audio: {e}.");
            text(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the audio\n")
        }
    }
}

/// The current version at once, then each new one: a page showing another version reloads.
async fn events(State(app): State<App>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let versions = app.inner.versions.subscribe();
    let stream = futures::stream::unfold((versions, true), |(mut versions, first)| async move {
        if !first && versions.changed().await.is_err() {
            return None;
        }
        let version = *versions.borrow_and_update();
        let event = Event::default().event("version").data(version.to_string());
        Some((Ok(event), (versions, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "not found\n")
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// The `Host` values the server answers to.
///
/// A web page elsewhere can get a browser to send requests here under a host name of its
/// own that it points at this machine (DNS rebinding); such a request carries that name.
/// So names are allowed only from a list: the loopback names, and on a network address also
/// this machine's host name and those given with `--allow-host`. An IP address is never
/// such a name, so on a network address any IP address (with the right port) is allowed.
struct AllowedHosts {
    names: Vec<String>,
    port: u16,
    /// Whether any IP literal is allowed (a server on a network address).
    any_address: bool,
}

impl AllowedHosts {
    /// For a server bound to `bound`, with `extra` names allowed besides the machine's own.
    fn for_address(bound: SocketAddr, extra: &[String]) -> AllowedHosts {
        let own = match bound.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "[::1]".to_owned()];
        let network = !bound.ip().is_loopback();
        if network {
            names.extend(machine_names());
        }
        names.push(own);
        names.extend(extra.iter().map(|n| n.trim().to_ascii_lowercase()));
        names.retain(|n| !n.is_empty());
        names.dedup();
        AllowedHosts { names, port: bound.port(), any_address: network }
    }

    /// Whether a `Host` header value (`name` or `name:port`) names this server.
    fn allows(&self, host: &str) -> bool {
        let (name, port) = match host.rfind(':') {
            // A colon inside brackets belongs to an IPv6 address, not a port.
            Some(i) if !host[i..].contains(']') => (&host[..i], host[i + 1..].parse::<u16>().ok()),
            _ => (host, Some(80)),
        };
        let literal = name.parse::<std::net::Ipv4Addr>().is_ok()
            || name
                .strip_prefix('[')
                .and_then(|n| n.strip_suffix(']'))
                .is_some_and(|n| n.parse::<std::net::Ipv6Addr>().is_ok());
        port == Some(self.port)
            && ((self.any_address && literal)
                || self.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
    }
}

/// This machine's host name (and its `.local` mDNS name), lowercased.
fn machine_names() -> Vec<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if name.is_empty() {
        return Vec::new();
    }
    let short = name.split('.').next().unwrap_or(&name).to_owned();
    let mut names = vec![name.clone(), format!("{short}.local")];
    if short != name {
        names.push(short);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(addr: &str) -> AllowedHosts {
        AllowedHosts::for_address(addr.parse().unwrap(), &[])
    }

    #[test]
    fn loopback_names_with_the_right_port_are_allowed() {
        let hosts = hosts("127.0.0.1:4747");
        for ok in ["127.0.0.1:4747", "localhost:4747", "LOCALHOST:4747", "[::1]:4747"] {
            assert!(hosts.allows(ok), "{ok}");
        }
    }

    #[test]
    fn other_names_and_ports_are_refused() {
        let hosts = hosts("127.0.0.1:4747");
        for bad in ["evil.example:4747", "127.0.0.1:80", "127.0.0.1", "localhost:x", "[::1]", ""] {
            assert!(!hosts.allows(bad), "{bad}");
        }
    }

    #[test]
    fn port_80_may_be_left_out() {
        assert!(hosts("127.0.0.1:80").allows("localhost"));
        assert!(hosts("[::1]:80").allows("[::1]"));
    }

    #[test]
    fn a_server_on_a_network_address_allows_addresses_and_listed_names_only() {
        let extra = ["preview.newsroom.example".to_owned()];
        let network = AllowedHosts::for_address("0.0.0.0:4747".parse().unwrap(), &extra);
        for ok in ["192.168.1.20:4747", "[fe80::1]:4747", "localhost:4747"] {
            assert!(network.allows(ok), "{ok}");
        }
        assert!(network.allows("Preview.Newsroom.Example:4747"));
        for bad in ["evil.example:4747", "192.168.1.20:80", "10.0.0.1.nip.io:4747"] {
            assert!(!network.allows(bad), "{bad}");
        }
        let loopback = hosts("127.0.0.1:4747");
        assert!(!loopback.allows("192.168.1.20:4747"), "loopback answers loopback names only");
    }
}
