//! The HTTP API.
//!
//! | route                       | what                                                  |
//! |-----------------------------|-------------------------------------------------------|
//! | `POST /v1/articles`         | queue an article (202), or answer the current job (200) when unchanged |
//! | `GET /v1/articles/{id}`     | the job: state, error, manifest and audio URLs        |
//! | `DELETE /v1/articles/{id}`  | unpublish the article and forget the job              |
//! | `GET /v1/articles`          | jobs, newest first, paged, by state                   |
//! | `GET /v1/voices`            | the voice profiles a request may name                 |
//! | `GET /v1/articles/{id}/stats`, `GET /v1/stats` | listening counts (see [`events`])  |
//! | `POST /v1/events`           | a player's listening event, no token (see [`events`]) |
//! | `GET /audio/…`              | the published files, read-only, with `Range`; while a job is playable, its live playlist and segments |
//! | `GET /healthz`, `/readyz`   | alive; ready (the job database answers)               |
//! | `GET /metrics`              | Prometheus text                                       |
//!
//! `/v1` needs a bearer token (but for `/v1/events`), and with a webhook secret every mutating request (POST,
//! DELETE) must be signed over its timestamp, method, path and body, within a window, once.
//! Every error is JSON (`{"error": "…"}`) with a 4xx status saying whose fault it is; only a
//! failing database or store answers 5xx. `/audio/` serves only the files finished jobs
//! published, and a playable job's live stream (the playlist and the segments it lists),
//! never whatever else is in the directory.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Request as HttpRequest, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tower_http::services::ServeFile;

use super::queue::{Job, QueueError, Request, Submitted};
use super::{Service, now_ms};
use super::{callback, events, listing};

/// An error answer: a status and a message, as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    /// What the answer says.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, axum::Json(json!({ "error": self.message }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<QueueError> for ApiError {
    fn from(e: QueueError) -> Self {
        tracing::error!("{e}");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the job database is unavailable")
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let message = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "request body too large".to_owned(),
            _ => rejection.body_text(),
        };
        ApiError::new(status, message)
    }
}

/// The routes, over `service`.
pub fn router(service: Arc<Service>) -> Router {
    let v1 = Router::new()
        .route("/v1/articles", post(post_article).get(listing::articles))
        .route("/v1/articles/{id}", get(get_article).delete(delete_article))
        .route("/v1/articles/{id}/stats", get(events::article_stats))
        .route("/v1/stats", get(events::all_stats))
        .route("/v1/voices", get(listing::voices))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&service), signed))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&service), authorize));
    // Listening events come from browsers, with no token: see `events`.
    let listens = Router::new()
        .route("/v1/events", post(events::post_event))
        .layer(DefaultBodyLimit::max(events::MAX_EVENT_BYTES));
    let mut routes = Router::new().merge(v1).merge(listens);
    // Files in an object store are fetched from the store, at `public_url`.
    if service.output.local_dir().is_some() {
        let audio = Router::new()
            .route("/audio/{*path}", get(audio))
            .layer(middleware::map_response(listing::readable_anywhere));
        routes = routes.merge(audio);
    }
    health(routes, service)
}

/// A `--worker` process's routes: health and metrics only.
pub fn health_router(service: Arc<Service>) -> Router {
    health(Router::new(), service)
}

/// `routes` with health, metrics, JSON errors and the body limit.
fn health(routes: Router<Arc<Service>>, service: Arc<Service>) -> Router {
    routes
        .route("/healthz", get(|| async { axum::Json(json!({ "status": "ok" })) }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this route")
        })
        .layer(DefaultBodyLimit::max(service.max_body_bytes))
        .layer(middleware::from_fn(json_errors))
        .with_state(service)
}

/// Every error answer as JSON, including those no handler wrote (a path that is not
/// UTF-8, a body that timed out, a range that cannot be satisfied): clients parse one shape.
async fn json_errors(request: HttpRequest, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let said = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if said.is_empty() || said.len() > 300 {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        said
    };
    let json = serde_json::to_vec(&json!({ "error": message })).unwrap_or_default();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(json))
}

/// `/v1` only for a bearer of an accepted token.
async fn authorize(
    State(service): State<Arc<Service>>,
    request: HttpRequest,
    next: Next,
) -> Result<Response, ApiError> {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(token) if service.accepts(token.trim()) => Ok(next.run(request).await),
        Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid token")),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing `Authorization: Bearer TOKEN` header",
        )),
    }
}

/// With a webhook secret, a mutating request (POST, DELETE) is carried out only when it is
/// signed with it: `X-Articulate-Signature` over its `X-Articulate-Timestamp`, method, path
/// and body ([`callback::sign_request`]), the timestamp within the window of now, and the
/// signature not seen before (an old or repeated request cannot undo a newer one).
async fn signed(
    State(service): State<Arc<Service>>,
    request: HttpRequest,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(secret) = &service.webhook_secret else { return Ok(next.run(request).await) };
    if matches!(request.method(), &axum::http::Method::GET | &axum::http::Method::HEAD) {
        return Ok(next.run(request).await);
    }
    let unauthorized = |message: String| ApiError::new(StatusCode::UNAUTHORIZED, message);
    let (parts, body) = request.into_parts();
    let header_text =
        |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let Some(signature) = header_text(callback::SIGNATURE_HEADER) else {
        return Err(unauthorized(format!(
            "missing `{}: sha256=HEX` header (with a webhook secret, POST and DELETE are signed)",
            callback::SIGNATURE_HEADER
        )));
    };
    let Some(timestamp) = header_text(callback::TIMESTAMP_HEADER) else {
        return Err(unauthorized(format!(
            "missing `{}: UNIX_SECONDS` header: the signature covers it",
            callback::TIMESTAMP_HEADER
        )));
    };
    let Ok(seconds) = timestamp.parse::<i64>() else {
        return Err(unauthorized(format!("{} is not Unix seconds", callback::TIMESTAMP_HEADER)));
    };
    let window = i64::try_from(service.signature_window.as_secs()).unwrap_or(i64::MAX);
    let skew = (now_ms() / 1000).saturating_sub(seconds);
    if skew.abs() > window {
        return Err(unauthorized(format!(
            "{} is {}s from the server's clock, outside the {window}s window: sign each \
             request when it is sent (and check the clocks)",
            callback::TIMESTAMP_HEADER,
            skew.abs()
        )));
    }
    let bytes = axum::body::to_bytes(body, service.max_body_bytes).await.map_err(body_error)?;
    let path = parts.uri.path_and_query().map_or(parts.uri.path(), |p| p.as_str());
    if !callback::verify_request(secret, timestamp, parts.method.as_str(), path, &bytes, signature)
    {
        return Err(unauthorized("invalid request signature".into()));
    }
    if !service.first_use(signature, seconds) {
        return Err(unauthorized(
            "this signature was already used: sign each request afresh (a replay is refused)"
                .into(),
        ));
    }
    Ok(next.run(HttpRequest::from_parts(parts, bytes.into())).await)
}

/// A body that could not be read: too large, or too slow.
fn body_error(error: axum::Error) -> ApiError {
    let text = crate::errors::one_line(&error);
    if text.contains("length limit") {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
    } else {
        ApiError::new(StatusCode::REQUEST_TIMEOUT, format!("the request body was not read: {text}"))
    }
}

/// Whether `id` can name an article and its directory: `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`,
/// so never empty, never `.` or `..`, never a path.
#[must_use]
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Names the service publishes at the top of its output (the feed): an article id cannot
/// take one, or its directory would stand where the file must go.
pub const RESERVED_IDS: &[&str] = &["feed.xml"];

/// Whether `id` is one of [`RESERVED_IDS`] (in any case: file systems may ignore it).
#[must_use]
pub fn reserved_id(id: &str) -> bool {
    RESERVED_IDS.iter().any(|r| r.eq_ignore_ascii_case(id))
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn check(service: &Service, request: &Request) -> Result<(), ApiError> {
    if !valid_id(&request.id) {
        return Err(unprocessable(
            "id must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a \
             letter or digit",
        ));
    }
    if reserved_id(&request.id) {
        return Err(unprocessable(format!(
            "id {:?} is reserved: the service publishes a file of that name",
            request.id
        )));
    }
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    match (blank(&request.html), blank(&request.text)) {
        (true, true) => {
            return Err(unprocessable(
                "give the article as `html` or `text` (a `url` alone is not fetched)",
            ));
        }
        (false, false) => return Err(unprocessable("give `html` or `text`, not both")),
        _ => {}
    }
    if let Some(voice) = &request.voice
        && !(valid_id(voice) && service.knows_voice(voice))
    {
        let known = listing::voice_names(service).join(", ");
        return Err(unprocessable(format!("unknown voice {voice:?}; available voices: {known}")));
    }
    Ok(())
}

async fn post_article(
    State(service): State<Arc<Service>>,
    body: Result<axum::Json<Request>, JsonRejection>,
) -> Result<Response, ApiError> {
    let axum::Json(request) = body?;
    check(&service, &request)?;
    let (submitted, job) = service.queue(move |q| q.submit(&request, now_ms())).await?;
    let status = match submitted {
        Submitted::Unchanged => StatusCode::OK,
        Submitted::Created | Submitted::Changed => {
            service.wake.notify_one();
            StatusCode::ACCEPTED
        }
    };
    Ok((status, axum::Json(job_json(&service, &job))).into_response())
}

fn known_id(id: &str) -> Result<String, ApiError> {
    if valid_id(id) {
        Ok(id.to_owned())
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "no such article"))
    }
}

async fn get_article(
    State(service): State<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let id = known_id(&id)?;
    match service.queue(move |q| q.get(&id)).await? {
        Some(job) => Ok(axum::Json(job_json(&service, &job))),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "no such article")),
    }
}

async fn delete_article(
    State(service): State<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let id = known_id(&id)?;
    let asked = id.clone();
    let forgotten = service.queue(move |q| q.delete(&asked)).await?;
    // `id` is validated: one plain name, a directory or key prefix in the output.
    let removed = match service.output.remove(&id).await {
        Ok(removed) => removed,
        Err(e) => {
            tracing::error!(%id, "Cannot remove the audio: {e}");
            return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "cannot remove the audio"));
        }
    };
    if !forgotten && !removed {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no such article"));
    }
    if let Err(e) = service.write_feed().await {
        tracing::error!(%id, "Feed not rewritten after a delete: {e}");
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the article was removed but the feed still lists it: {e}"),
        ));
    }
    Ok(axum::Json(json!({ "id": id, "deleted": true })))
}

/// `GET /audio/…`: a file a finished job published (or the feed), from the output
/// directory, with `Range`. Anything else there (a temp file, a file a job did not
/// publish, a symlink) is not found.
async fn audio(
    State(service): State<Arc<Service>>,
    Path(path): Path<String>,
    request: HttpRequest,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "no such file");
    let Some(root) = service.output.local_dir().map(std::path::Path::to_path_buf) else {
        return Err(not_found());
    };
    let parts: Vec<&str> = path.split('/').collect();
    let served = match parts.as_slice() {
        [feed] if *feed == "feed.xml" => Some(Served::Final),
        [id, ..] if valid_id(id) && !reserved_id(id) => {
            let asked = (*id).to_owned();
            let job = service.queue(move |q| q.get(&asked)).await?;
            job.and_then(|job| {
                let live = job.live.as_ref().and_then(|live| streams(live, id, &path, &root));
                let published = job.published.as_ref().is_some_and(|p| publishes(p, id, &path));
                live.or(published.then_some(Served::Final))
            })
        }
        _ => None,
    };
    let Some(served) = served else {
        return Err(not_found());
    };
    // A published name, checked part by part: no link may lead out of the directory.
    let mut file = root.clone();
    for part in &parts {
        file.push(part);
        let is_link = std::fs::symlink_metadata(&file).map(|m| m.file_type().is_symlink());
        if !matches!(is_link, Ok(false)) {
            return Err(not_found());
        }
    }
    match ServeFile::new(&file).try_call(request).await {
        Ok(response) => {
            let mut response = response.map(axum::body::Body::new);
            let headers = response.headers_mut();
            // A player page changes with the narration (a stream's, then the file's).
            if path.ends_with("/index.html") {
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            }
            match served {
                Served::Final => {}
                Served::Playlist => {
                    let kind = HeaderValue::from_static("application/vnd.apple.mpegurl");
                    headers.insert(header::CONTENT_TYPE, kind);
                    // It grows: ask again every time (a 304 when it has not).
                    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                }
                Served::Live => {
                    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=60"));
                }
            }
            Ok(response)
        }
        Err(e) => {
            tracing::warn!(file = %file.display(), "Cannot serve: {e}");
            Err(not_found())
        }
    }
}

/// What kind of file `/audio/` is serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Served {
    /// A finished job's file, or the feed.
    Final,
    /// A playable job's live playlist.
    Playlist,
    /// A segment its playlist lists, or the player page put up with it.
    Live,
}

/// Whether `path` (relative to the output directory `root`) belongs to the live stream of
/// playable article `id`: its playlist, a segment the playlist lists now (one written but
/// not yet listed is not published), or the player page put up with it.
fn streams(
    live: &super::queue::Live,
    id: &str,
    path: &str,
    root: &std::path::Path,
) -> Option<Served> {
    if path == live.playlist {
        return Some(Served::Playlist);
    }
    if let Some(index) = &live.player {
        let dir = index.rsplit_once('/').map_or("", |(d, _)| d);
        let player = [
            index.clone(),
            format!("{dir}/articulate-player.js"),
            format!("{dir}/articulate-player.css"),
        ];
        if player.iter().any(|p| p == path) {
            return Some(Served::Live);
        }
    }
    if !path.starts_with(&live.segments) {
        return None;
    }
    let playlist = std::fs::read_to_string(root.join(&live.playlist)).ok()?;
    playlist
        .lines()
        .filter(|line| !line.starts_with('#'))
        .any(|uri| path.strip_prefix(id).and_then(|p| p.strip_prefix('/')) == Some(uri.trim()))
        .then_some(Served::Live)
}

/// Whether `path` (relative to the output directory) is one of the files article `id`'s
/// publication wrote: its manifest and audio, their chapters and transcripts, the feed's Opus
/// rendition, its player.
fn publishes(published: &super::queue::Published, id: &str, path: &str) -> bool {
    let derived = [
        format!("{id}/{id}.chapters.json"),
        format!("{id}/{id}.chapters.vtt"),
        format!("{id}/{id}.transcript.vtt"),
        format!("{id}/{id}.transcript.json"),
        format!("{id}/{id}.opus"),
    ];
    let player = published.player.as_ref().map(|index| {
        let dir = index.rsplit_once('/').map_or("", |(d, _)| d);
        [
            index.clone(),
            format!("{dir}/articulate-player.js"),
            format!("{dir}/articulate-player.css"),
        ]
    });
    path == published.manifest
        || published.audio.iter().any(|a| a == path)
        || derived.iter().any(|d| d == path)
        || player.iter().flatten().any(|p| p == path)
}

async fn ready(State(service): State<Arc<Service>>) -> Result<axum::Json<Value>, ApiError> {
    service.queue(|q| q.counts()).await?;
    Ok(axum::Json(json!({ "status": "ready" })))
}

async fn metrics(State(service): State<Arc<Service>>) -> Result<Response, ApiError> {
    let counts = service.queue(|q| q.counts()).await?;
    let mut text = service.metrics.render(&counts);
    text.push_str(&service.listens.render());
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

/// A job as the API shows it (and the callback sends it).
#[must_use]
pub fn job_json(service: &Service, job: &Job) -> Value {
    let url = |path: &str| format!("{}{path}", service.public_url);
    let published = job.published.as_ref();
    let live = job.live.as_ref();
    json!({
        "id": job.request.id,
        "state": job.state,
        "error": job.error,
        "generation": job.generation,
        "content_hash": job.hash,
        "voice": job.request.voice,
        "url": job.request.url,
        "title": job.request.title,
        "byline": job.request.byline,
        "published": job.request.published,
        "updated_at": job.request.updated_at,
        "attempts": job.attempts,
        "completions": job.completions,
        "queued_at_ms": job.queued_at,
        "started_at_ms": job.started_at,
        "finished_at_ms": job.finished_at,
        "playable_at_ms": job.playable_at,
        "manifest_url": published.map(|p| url(&p.manifest)),
        "audio_urls": published.map(|p| p.audio.iter().map(|a| url(a)).collect::<Vec<_>>()),
        "player_url": published
            .and_then(|p| p.player.as_deref())
            .or_else(|| live.and_then(|l| l.player.as_deref()))
            .map(url),
        "playlist_url": live.map(|l| url(&l.playlist)),
        "chunks": published.map(|p| p.chunks),
        "cache_hits": published.map(|p| p.cache_hits),
        "requests": published.map(|p| p.requests),
        "flagged": published.and_then(|p| p.verification).map(|v| v.flagged),
        "verification": published.and_then(|p| p.verification),
        "extraction": published.and_then(|p| p.extraction.as_ref()),
        "feed_url": url("feed.xml"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feeds_name_is_reserved_in_any_case() {
        assert!(reserved_id("feed.xml") && reserved_id("FEED.XML"));
        assert!(!reserved_id("feed") && !reserved_id("feed.xml.story"));
    }

    #[test]
    fn ids_are_plain_names_that_cannot_climb_out_of_the_output() {
        for good in ["a", "2026-11-25.story_1", "A.b-c_d", &"x".repeat(128)] {
            assert!(valid_id(good), "{good}");
        }
        for bad in ["", ".", "..", "../etc", "a/b", "a\\b", ".hidden", "-x", "é", &"x".repeat(129)]
        {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
