//! The HTTP API.
//!
//! | route                       | what                                                  |
//! |-----------------------------|-------------------------------------------------------|
//! | `POST /v1/articles`         | queue an article (202), or answer the current job (200) when unchanged |
//! | `GET /v1/articles/{id}`     | the job: state, error, manifest and audio URLs        |
//! | `DELETE /v1/articles/{id}`  | unpublish the article and forget the job              |
//! | `GET /audio/…`              | the published files, read-only, with `Range`          |
//! | `GET /healthz`, `/readyz`   | alive; ready (the job database answers)               |
//! | `GET /metrics`              | Prometheus text                                       |
//!
//! `/v1` needs a bearer token. Every error is JSON (`{"error": "…"}`) with a 4xx status
//! saying whose fault it is; only a failing database answers 5xx.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Request as HttpRequest, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tower_http::services::ServeDir;

use super::callback;
use super::queue::{Job, QueueError, Request, Submitted};
use super::{Service, now_ms};

/// An error answer: a status and a message, as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
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
        .route(
            "/v1/articles",
            post(post_article)
                .route_layer(middleware::from_fn_with_state(Arc::clone(&service), signed)),
        )
        .route("/v1/articles/{id}", get(get_article).delete(delete_article))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&service), authorize));
    let mut routes = Router::new().merge(v1);
    // Files in an object store are fetched from the store, at `public_url`.
    if let Some(dir) = service.output.local_dir() {
        routes = routes.nest_service("/audio", ServeDir::new(dir));
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
        .with_state(service)
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

/// With a webhook secret, only a body signed with it (`X-Articulate-Signature`) is read.
async fn signed(
    State(service): State<Arc<Service>>,
    request: HttpRequest,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(secret) = &service.webhook_secret else { return Ok(next.run(request).await) };
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, service.max_body_bytes)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"))?;
    let signature = parts.headers.get(callback::SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    match signature {
        Some(signature) if callback::verify(secret, &bytes, signature) => {
            Ok(next.run(HttpRequest::from_parts(parts, bytes.into())).await)
        }
        Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid body signature")),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!("missing `{}: sha256=HEX` header", callback::SIGNATURE_HEADER),
        )),
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
        return Err(unprocessable(format!("unknown voice {voice:?}")));
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
    service.write_feed().await;
    Ok(axum::Json(json!({ "id": id, "deleted": true })))
}

async fn ready(State(service): State<Arc<Service>>) -> Result<axum::Json<Value>, ApiError> {
    service.queue(|q| q.counts()).await?;
    Ok(axum::Json(json!({ "status": "ready" })))
}

async fn metrics(State(service): State<Arc<Service>>) -> Result<Response, ApiError> {
    let counts = service.queue(|q| q.counts()).await?;
    let text = service.metrics.render(&counts);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

/// A job as the API shows it (and the callback sends it).
#[must_use]
pub fn job_json(service: &Service, job: &Job) -> Value {
    let url = |path: &str| format!("{}{path}", service.public_url);
    let published = job.published.as_ref();
    json!({
        "id": job.request.id,
        "state": job.state,
        "error": job.error,
        "generation": job.generation,
        "content_hash": job.hash,
        "voice": job.request.voice,
        "url": job.request.url,
        "updated_at": job.request.updated_at,
        "attempts": job.attempts,
        "completions": job.completions,
        "queued_at_ms": job.queued_at,
        "started_at_ms": job.started_at,
        "finished_at_ms": job.finished_at,
        "manifest_url": published.map(|p| url(&p.manifest)),
        "audio_urls": published.map(|p| p.audio.iter().map(|a| url(a)).collect::<Vec<_>>()),
        "player_url": published.and_then(|p| p.player.as_deref()).map(url),
        "chunks": published.map(|p| p.chunks),
        "cache_hits": published.map(|p| p.cache_hits),
        "requests": published.map(|p| p.requests),
        "extraction": published.and_then(|p| p.extraction.as_ref()),
        "feed_url": url("feed.xml"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
