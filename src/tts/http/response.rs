//! Reading what a service said: error messages, `Retry-After`, content types.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};

/// An error answer, as a provider's classifier sees it.
pub(crate) struct Failure<'a> {
    /// The status.
    pub(crate) status: StatusCode,
    /// The headers.
    pub(crate) headers: &'a HeaderMap,
    /// The body, as text (possibly cut short).
    pub(crate) body: &'a str,
}

/// A provider's reading of an error answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// The provider's message.
    pub(crate) message: String,
    /// Whether the same request may succeed later.
    pub(crate) retryable: bool,
}

/// The usual reading: the message from the body, and retry only on statuses that mean
/// "later" (408 request timeout, 429 too many requests, 500, 502, 503, 504). 400, 401,
/// 403, 404 and 422 will fail the same way every time.
pub(crate) fn classify(failure: &Failure<'_>) -> Verdict {
    Verdict {
        message: message(failure.status, failure.body),
        retryable: retry_status(failure.status),
    }
}

/// Whether a status means the request may succeed later.
pub(crate) fn retry_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// The provider's own message from an error body. Understands the JSON shapes the
/// providers use (`{"error": {"message"}}` for OpenAI and Google, `{"detail": {"message"}}`
/// and `{"detail": [..]}` for ElevenLabs and FastAPI servers, `{"message"}` for AWS) and
/// falls back to the start of the text, or the status's reason when the body is empty.
pub(crate) fn message(status: StatusCode, body: &str) -> String {
    let from_json =
        serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| json_message(&v));
    let text = from_json.unwrap_or_else(|| plain_text(body));
    if text.is_empty() {
        status.canonical_reason().unwrap_or("no message").to_owned()
    } else {
        shorten(&text, 300)
    }
}

fn json_message(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(json_message).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Value::Object(map) => {
            for key in ["message", "Message", "msg", "error_description"] {
                if let Some(m) = map.get(key).and_then(json_message) {
                    return Some(m);
                }
            }
            ["error", "detail", "errors"].iter().find_map(|k| map.get(*k).and_then(json_message))
        }
        _ => None,
    }
}

/// Text with any markup removed and whitespace collapsed (an HTML error page's words).
pub(crate) fn plain_text(body: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `text`, marking a cut with `…`.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// How long `Retry-After` asks us to wait: whole seconds, or an HTTP date (relative to
/// `now`; a date in the past means "now").
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The media type (`audio/mpeg`), lowercased and without parameters, if there is one.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// Whether `media_type` is one of `accepted`; an entry ending in `/` accepts a whole top-level
/// type (`audio/`).
pub(crate) fn accepts(accepted: &[&str], media_type: &str) -> bool {
    accepted
        .iter()
        .any(|a| if a.ends_with('/') { media_type.starts_with(a) } else { media_type == *a })
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(name: reqwest::header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_in_seconds_is_read() {
        let h = headers(RETRY_AFTER, "7");
        assert_eq!(retry_after(&h, SystemTime::now()), Some(Duration::from_secs(7)));
    }

    #[test]
    fn retry_after_as_an_http_date_is_relative_to_now() {
        let h = headers(RETRY_AFTER, "Sun, 30 Aug 2015 12:36:10 GMT");
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 12:36:00
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(10)));
        let later = now + Duration::from_secs(60);
        assert_eq!(retry_after(&h, later), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(RETRY_AFTER, "soon"), now), None);
    }

    #[test]
    fn provider_messages_are_found_in_each_providers_json_shape() {
        let cases = [
            (
                r#"{"error":{"message":"Invalid voice","type":"invalid_request_error"}}"#,
                "Invalid voice",
            ),
            (
                r#"{"error":{"code":400,"message":"Bad SSML","status":"INVALID_ARGUMENT"}}"#,
                "Bad SSML",
            ),
            (
                r#"{"detail":{"status":"quota_exceeded","message":"Out of credits"}}"#,
                "Out of credits",
            ),
            (r#"{"detail":[{"loc":["body","speed"],"msg":"too fast"}]}"#, "too fast"),
            (r#"{"message":"1 validation error detected"}"#, "1 validation error detected"),
            (r#"{"Message":"Throttled"}"#, "Throttled"),
        ];
        for (body, expected) in cases {
            assert_eq!(message(StatusCode::BAD_REQUEST, body), expected, "{body}");
        }
    }

    #[test]
    fn html_and_empty_bodies_give_their_words_or_the_status_reason() {
        let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        assert_eq!(message(StatusCode::BAD_GATEWAY, page), "502 Bad Gateway nginx");
        assert_eq!(message(StatusCode::UNAUTHORIZED, ""), "Unauthorized");
        assert!(message(StatusCode::BAD_REQUEST, &"x".repeat(1000)).ends_with('…'));
    }

    #[test]
    fn only_statuses_that_mean_later_are_retried() {
        let retried: Vec<u16> =
            (400..600).filter(|s| retry_status(StatusCode::from_u16(*s).unwrap())).collect();
        assert_eq!(retried, [408, 429, 500, 502, 503, 504]);
    }

    #[test]
    fn content_types_match_exactly_or_by_top_level_type() {
        let h = headers(CONTENT_TYPE, "Audio/MPEG; charset=binary");
        let media = content_type(&h).unwrap();
        assert_eq!(media, "audio/mpeg");
        assert!(accepts(&["audio/"], &media));
        assert!(!accepts(&["audio/"], "text/html"));
        assert!(accepts(&["application/json"], "application/json"));
        assert!(!accepts(&["application/json"], "application/jsonp"));
    }
}
