//! Faults over real HTTP on loopback: rate limiting, outages, timeouts, cut-off and wrong
//! answers, refused keys; and the concurrency and rate caps. The OpenAI backend carries the
//! requests; the behaviour under test is the shared transport and retry policy.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;

use super::openai;
use super::testing::{Reply, Request, Server, env, mp3, profile};
use crate::model::{BlockKind, Chunk, Pause};
use crate::tts::{SynthError, Synthesizer, synthesize_stream};

const KEY: &str = "sk-test-0123456789abcdef";

/// What a healthy server answers: MP3 of the input.
fn speech(req: &Request) -> Reply {
    Reply::ok("audio/mpeg", mp3(req.json()["input"].as_str().unwrap_or_default(), 16_000))
}

fn backend(server_url: &str, extra: &str) -> Arc<dyn Synthesizer> {
    // A short timeout unless the test sets its own: no test should hang.
    let timeout = if extra.contains("timeout_secs") { "" } else { "timeout_secs = 5\n" };
    let text = format!(
        "backend = \"openai\"\nbase_url = \"{server_url}\"\nretry_base_ms = 10\n\
         {timeout}{extra}"
    );
    Arc::new(openai::build_with(&profile(&text), &env(&[("OPENAI_API_KEY", KEY)])).unwrap())
}

fn chunks(texts: &[&str]) -> Vec<Chunk> {
    texts
        .iter()
        .enumerate()
        .map(|(id, text)| Chunk {
            id,
            block: id,
            chapter: 0,
            kind: BlockKind::Paragraph,
            text: (*text).into(),
            speak: (*text).into(),
            ssml: (*text).into(),
            pause_before: Pause::Paragraph,
            voice: 0,
            audio_file: None,
        })
        .collect()
}

const TEXTS: &[&str] = &["The first paragraph.", "The second one.", "And the third."];

/// Every chunk's audio, in order, through the real concurrent stream.
async fn narrate(
    backend: Arc<dyn Synthesizer>,
    texts: &[&str],
    concurrency: usize,
) -> Result<Vec<Vec<u8>>, SynthError> {
    let replies: Vec<_> =
        synthesize_stream(&[backend], &chunks(texts), None, concurrency).collect().await;
    replies.into_iter().map(|r| r.map(|a| a.bytes)).collect()
}

/// The audio a fault-free server gives for [`TEXTS`].
async fn fault_free() -> Vec<Vec<u8>> {
    let server = Server::start(|req, _| speech(req)).await;
    narrate(backend(&server.url, ""), TEXTS, 1).await.unwrap()
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_the_output_matches_a_fault_free_run() {
    let server = Server::start(|req, n| {
        if n == 0 {
            Reply::status(429, "application/json", r#"{"error":{"message":"Rate limit"}}"#)
                .with("Retry-After", "1")
        } else {
            speech(req)
        }
    })
    .await;
    let start = Instant::now();
    let audio = narrate(backend(&server.url, ""), TEXTS, 1).await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1), "{:?}", start.elapsed());
    assert_eq!(audio, fault_free().await);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_retry_after_given_as_an_http_date_is_honoured() {
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let server = Server::start(move |req, n| {
        if n == 0 {
            Reply::status(503, "text/plain", "").with("Retry-After", &at)
        } else {
            speech(req)
        }
    })
    .await;
    let start = Instant::now();
    narrate(backend(&server.url, ""), &TEXTS[..1], 1).await.unwrap();
    // The date has whole seconds, so "in two seconds" is at least one from now.
    assert!(start.elapsed() >= Duration::from_secs(1), "{:?}", start.elapsed());
}

#[tokio::test]
async fn three_503s_then_success_give_the_same_audio_as_a_fault_free_run() {
    let server = Server::start(|req, n| {
        if n < 3 {
            Reply::status(503, "text/html", "<h1>Service Unavailable</h1>")
        } else {
            speech(req)
        }
    })
    .await;
    let audio = narrate(backend(&server.url, ""), TEXTS, 1).await.unwrap();
    assert_eq!(audio, fault_free().await);
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn an_outage_longer_than_the_retries_fails_naming_the_attempts_and_the_last_status() {
    let server = Server::start(|_, _| Reply::status(502, "text/plain", "bad gateway")).await;
    let err = narrate(backend(&server.url, "max_retries = 2"), &TEXTS[..1], 1).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("backend openai: chunk 0: HTTP 502: bad gateway"), "{msg}");
    assert!(msg.contains("gave up after 3 attempts"), "{msg}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_server_that_answers_too_late_is_retried_and_the_output_is_unchanged() {
    let server =
        Server::start(
            |req, n| {
                if n == 0 { Reply::Silence(Duration::from_secs(5)) } else { speech(req) }
            },
        )
        .await;
    let audio = narrate(backend(&server.url, "timeout_secs = 0.3"), TEXTS, 1).await.unwrap();
    assert_eq!(audio, fault_free().await);
}

#[tokio::test]
async fn a_server_that_never_answers_gives_a_timeout_naming_the_chunk() {
    let server = Server::start(|_, _| Reply::Silence(Duration::from_secs(5))).await;
    let extra = "timeout_secs = 0.2\nmax_retries = 1";
    let start = Instant::now();
    let err = narrate(backend(&server.url, extra), &TEXTS[..1], 1).await.unwrap_err();
    let SynthError::GaveUp { last, .. } = &err else { panic!("{err}") };
    assert!(matches!(**last, SynthError::Timeout { chunk: 0, .. }), "{err}");
    assert!(err.to_string().contains("no answer after 200ms"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

#[tokio::test]
async fn a_truncated_body_is_retried_and_the_output_is_whole() {
    let server = Server::start(|req, n| match (n, speech(req)) {
        (0, Reply::Full { body, .. }) => {
            Reply::Truncated { content_type: "audio/mpeg".into(), body }
        }
        (_, reply) => reply,
    })
    .await;
    let audio = narrate(backend(&server.url, ""), TEXTS, 1).await.unwrap();
    assert_eq!(audio, fault_free().await);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_connection_reset_before_any_answer_is_retried_and_the_output_is_unchanged() {
    let server = Server::start(|req, n| if n < 2 { Reply::Reset } else { speech(req) }).await;
    let audio = narrate(backend(&server.url, ""), TEXTS, 1).await.unwrap();
    assert_eq!(audio, fault_free().await);
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test]
async fn a_body_that_keeps_breaking_off_fails_as_a_broken_connection() {
    let server = Server::start(|_, _| Reply::Truncated {
        content_type: "audio/mpeg".into(),
        body: mp3("cut", 16_000),
    })
    .await;
    let err = narrate(backend(&server.url, "max_retries = 1"), &TEXTS[..1], 1).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("chunk 0") && msg.contains("broke off"), "{msg}");
}

/// The last failure under a `GaveUp`, or the error itself.
fn last(err: &SynthError) -> &SynthError {
    match err {
        SynthError::GaveUp { last, .. } => last,
        other => other,
    }
}

#[tokio::test]
async fn a_200_with_an_html_page_is_retried_as_passing_and_then_an_error() {
    // A CDN's challenge or maintenance page passes; asked again, the service may answer.
    let page = "<html><body><h1>Scheduled maintenance</h1><p>Back soon.</p></body></html>";
    let server =
        Server::start(move |_, _| Reply::ok("text/html; charset=utf-8", page.into())).await;
    let err = narrate(backend(&server.url, "max_retries = 1"), &TEXTS[..1], 1).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(last(&err), SynthError::BadAudio { chunk: 0, .. }), "{msg}");
    assert!(msg.contains("text/html") && msg.contains("Scheduled maintenance"), "{msg}");
    assert_eq!(server.requests().len(), 2);
    let server =
        Server::start(
            move |req, n| {
                if n == 0 { Reply::ok("text/html", page.into()) } else { speech(req) }
            },
        )
        .await;
    let audio = narrate(backend(&server.url, ""), &TEXTS[..1], 1).await.unwrap();
    assert_eq!(audio, fault_free().await[..1]);
}

#[tokio::test]
async fn a_200_with_audio_that_does_not_decode_is_an_error() {
    let server =
        Server::start(|_, _| Reply::ok("audio/mpeg", b"<html>not audio</html>".to_vec())).await;
    let err = narrate(backend(&server.url, "max_retries = 1"), &TEXTS[..1], 1).await.unwrap_err();
    assert!(matches!(last(&err), SynthError::BadAudio { .. }), "{err}");
    let server = Server::start(|_, _| Reply::ok("audio/mpeg", Vec::new())).await;
    let err = narrate(backend(&server.url, "max_retries = 1"), &TEXTS[..1], 1).await.unwrap_err();
    assert!(err.to_string().contains("the answer was empty"), "{err}");
}

#[tokio::test]
async fn a_401_fails_at_once_with_the_providers_message() {
    let body = r#"{"error":{"message":"Incorrect API key provided: sk-test-***cdef.","type":"invalid_request_error","code":"invalid_api_key"}}"#;
    let server = Server::start(move |_, _| Reply::status(401, "application/json", body)).await;
    let chunks = chunks(&["a", "b", "c", "d", "e", "f", "g", "h"]);
    let start = Instant::now();
    let first = synthesize_stream(&[backend(&server.url, "")], &chunks[7..], None, 1)
        .collect::<Vec<_>>()
        .await;
    let err = first.into_iter().next().unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "backend openai: chunk 7: HTTP 401: Incorrect API key provided: sk-test-***cdef.; \
         check the key in OPENAI_API_KEY"
    );
    assert_eq!(server.requests().len(), 1);
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for status in [400, 401, 403, 404, 422] {
        let server = Server::start(move |_, _| {
            Reply::status(status, "application/json", r#"{"detail":"no"}"#)
        })
        .await;
        let err = narrate(backend(&server.url, ""), &TEXTS[..1], 1).await.unwrap_err();
        assert!(matches!(err, SynthError::Http { status: s, retryable: false, .. } if s == status));
        assert_eq!(server.requests().len(), 1, "{status}");
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_a_network_failure() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let err = narrate(backend(&closed, "max_retries = 2"), &TEXTS[..1], 1).await.unwrap_err();
    let SynthError::GaveUp { last, attempts, .. } = &err else { panic!("{err}") };
    assert!(matches!(**last, SynthError::Network { chunk: 0, .. }), "{err}");
    assert_eq!(*attempts, 3);
}

#[tokio::test]
async fn a_server_that_echoes_the_key_cannot_leak_it_into_our_errors() {
    let server = Server::start(|req, _| {
        let auth = req.header("authorization").unwrap_or_default().to_owned();
        let body = format!(r#"{{"error":{{"message":"Key {auth} is revoked"}}}}"#);
        Reply::status(403, "application/json", body)
    })
    .await;
    let backend = backend(&server.url, "");
    let err = narrate(Arc::clone(&backend), &TEXTS[..1], 1).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(server.requests()[0].header("authorization").unwrap().contains(KEY));
    assert!(!shown.contains(KEY) && shown.contains("Key Bearer *** is revoked"), "{shown}");
    let settings = backend.settings().to_string();
    assert!(!settings.contains(KEY), "{settings}");
}

#[test]
fn a_missing_key_fails_when_the_backend_is_built_naming_the_variable() {
    let p = profile("backend = \"openai\"\nbase_url = \"http://127.0.0.1:9\"\n");
    let err = openai::build_with(&p, &env(&[])).err().unwrap();
    assert!(matches!(&err, SynthError::MissingKey { var, .. } if var == "OPENAI_API_KEY"));
    assert!(err.to_string().contains("OPENAI_API_KEY is not set"), "{err}");
}

#[tokio::test]
async fn no_more_requests_are_in_flight_than_the_backends_concurrency() {
    let server =
        Server::start(|req, _| Reply::Delayed(Duration::from_millis(100), Box::new(speech(req))))
            .await;
    let texts: Vec<String> = (0..12).map(|i| format!("Chunk number {i}.")).collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    narrate(backend(&server.url, "concurrency = 3"), &texts, 16).await.unwrap();
    assert_eq!(server.max_in_flight(), 3);
}

#[tokio::test]
async fn the_backend_keeps_its_cap_even_when_called_outside_the_stream() {
    let server =
        Server::start(|req, _| Reply::Delayed(Duration::from_millis(100), Box::new(speech(req))))
            .await;
    let backend = backend(&server.url, "concurrency = 2");
    let texts: Vec<String> = (0..6).map(|i| format!("Direct {i}.")).collect();
    let calls = texts.iter().enumerate().map(|(i, t)| {
        let backend = Arc::clone(&backend);
        async move { backend.synthesize(super::testing::request(i, t, t)).await }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(server.max_in_flight(), 2);
}

#[tokio::test]
async fn requests_per_minute_spaces_the_starts_of_requests() {
    let server = Server::start(|req, _| speech(req)).await;
    let texts = ["One.", "Two.", "Three.", "Four.", "Five."];
    narrate(backend(&server.url, "requests_per_minute = 600\nconcurrency = 5"), &texts, 5)
        .await
        .unwrap();
    let mut starts: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    starts.sort();
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(90), "{gap:?}");
    }
}

/// Voice lists go through the same transport: the same timeouts, retries and redaction,
/// with errors that name no chunk.
#[tokio::test]
async fn a_voice_list_that_never_comes_gives_a_timeout_line_naming_no_chunk() {
    let server = Server::start(|_, _| Reply::Silence(Duration::from_secs(5))).await;
    let extra = "timeout_secs = 0.2\nmax_retries = 1";
    let start = Instant::now();
    let err = backend(&server.url, extra).voices().await.unwrap_err();
    let SynthError::GaveUp { last, attempts: 2, .. } = &err else { panic!("{err}") };
    assert!(matches!(**last, SynthError::Voices { status: None, .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.starts_with("backend openai: cannot list voices: no answer after 200ms"), "{msg}");
    assert!(!msg.contains("chunk"), "{msg}");
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

#[tokio::test]
async fn a_voice_list_cut_short_is_asked_for_again_and_arrives_whole() {
    let list = serde_json::json!({ "voices": ["af_bella", "am_adam", "bf_emma"] });
    let server = Server::start(move |_, n| match n {
        0 => Reply::Truncated {
            content_type: "application/json".into(),
            body: list.to_string().into_bytes(),
        },
        _ => Reply::json(&list),
    })
    .await;
    let voices = backend(&server.url, "").voices().await.unwrap();
    assert_eq!(voices, ["af_bella", "am_adam", "bf_emma"]);
    assert_eq!(server.requests().len(), 2);
}
