//! The API's listings: `GET /v1/articles` (jobs, newest first, paged, filtered by state),
//! `GET /v1/voices` (the profiles a request may name), and the cross-origin header of the
//! published files under `/audio/`, which players on the publisher's own site fetch.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::Service;
use super::api::{ApiError, job_json};
use super::queue::State as JobState;
use crate::config::VoiceProfile;

/// Jobs in a page when the request does not say.
const DEFAULT_LIMIT: usize = 50;
/// The most jobs in a page.
const MAX_LIMIT: usize = 500;

/// What `GET /v1/articles` was asked for.
#[derive(Debug, PartialEq, Eq)]
struct Page {
    state: Option<JobState>,
    limit: usize,
    offset: usize,
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// `state=…&limit=…&offset=…`, every parameter optional and none other allowed.
fn page(query: Option<&str>) -> Result<Page, ApiError> {
    let mut page = Page { state: None, limit: DEFAULT_LIMIT, offset: 0 };
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| unprocessable(format!("{key} must be a whole number, not {value:?}")))
        };
        match &*key {
            "state" => {
                let found = JobState::ALL.into_iter().find(|s| s.as_str() == value);
                page.state = Some(found.ok_or_else(|| {
                    let states: Vec<_> = JobState::ALL.iter().map(|s| s.as_str()).collect();
                    unprocessable(format!("unknown state {value:?}; one of {}", states.join(", ")))
                })?);
            }
            "limit" => {
                page.limit = number()?;
                if !(1..=MAX_LIMIT).contains(&page.limit) {
                    return Err(unprocessable(format!("limit must be 1 to {MAX_LIMIT}")));
                }
            }
            "offset" => page.offset = number()?,
            other => {
                return Err(unprocessable(format!(
                    "unknown query parameter {other:?}; use state, limit and offset"
                )));
            }
        }
    }
    Ok(page)
}

/// `GET /v1/articles`: a page of jobs, the most recently queued first.
pub(super) async fn articles(
    State(service): State<Arc<Service>>,
    RawQuery(query): RawQuery,
) -> Result<axum::Json<Value>, ApiError> {
    let page = page(query.as_deref())?;
    let (state, limit, offset) = (page.state, page.limit, page.offset);
    let (jobs, total) = service.queue(move |q| q.list(state, limit, offset)).await?;
    let end = offset.saturating_add(jobs.len());
    let next = (u64::try_from(end).unwrap_or(u64::MAX) < total).then(|| {
        let state = state.map(|s| format!("state={}&", s.as_str())).unwrap_or_default();
        format!("/v1/articles?{state}limit={limit}&offset={end}")
    });
    Ok(axum::Json(json!({
        "articles": jobs.iter().map(|job| job_json(&service, job)).collect::<Vec<_>>(),
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": next,
    })))
}

/// The names of the voice profiles a request may name.
pub(super) fn voice_names(service: &Service) -> Vec<String> {
    VoiceProfile::available(&service.config.voices_dir()).into_iter().map(|(n, _)| n).collect()
}

/// `GET /v1/voices`: every profile a request may name, and which one speaks by default.
pub(super) async fn voices(State(service): State<Arc<Service>>) -> axum::Json<Value> {
    let dir = service.config.voices_dir();
    let voices: Vec<Value> = voice_names(&service)
        .into_iter()
        .filter_map(|name| VoiceProfile::resolve(&name, &dir).ok())
        .map(|p| {
            json!({
                "name": p.name,
                "backend": p.backend,
                "languages": p.languages,
                "description": p.description,
            })
        })
        .collect();
    let default = service.default_voice.as_deref().unwrap_or(&service.config.narrate.voice);
    // A profile given by path is named by its file stem: the server's paths stay its own.
    let default =
        VoiceProfile::resolve(default, &dir).map_or_else(|_| default.to_owned(), |p| p.name);
    axum::Json(json!({ "default": default, "voices": voices }))
}

/// A published file's answer, readable from any origin: the files are public, and a player
/// on the publisher's site fetches the manifest from this server.
pub(super) async fn readable_anywhere(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_fifty_of_any_state_from_the_newest_unless_asked_otherwise() {
        assert_eq!(page(None).unwrap(), Page { state: None, limit: 50, offset: 0 });
        let asked = page(Some("state=failed&limit=10&offset=20")).unwrap();
        assert_eq!(asked, Page { state: Some(JobState::Failed), limit: 10, offset: 20 });
    }

    #[test]
    fn a_bad_page_request_says_what_is_wrong() {
        let message = |q: &str| page(Some(q)).unwrap_err().message().to_owned();
        assert!(message("state=finished").contains("queued, running, playable, done, failed"));
        assert!(message("limit=0").contains("1 to 500"));
        assert!(message("limit=9999").contains("1 to 500"));
        assert!(message("offset=-1").contains("whole number"));
        assert!(message("sort=title").contains("unknown query parameter \"sort\""));
    }
}
