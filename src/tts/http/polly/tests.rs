//! Polly against a loopback server that checks requests as AWS does, signature included.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::*;
use crate::tts::http::testing::{
    self, Reply, Request, Server, elements, env, mp3, pcm, profile, request, text_of,
};
use crate::tts::ssml;

const ACCESS: &str = "AKIDLOOPBACK";
const SECRET: &str = "loopback/Secret+Key0123456789";
const TOKEN: &str = "session-token-xyz";

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Check a request's SigV4 signature the way AWS does: rebuild the canonical request from
/// what arrived and recompute the signature with the secret. Written apart from the signer.
fn verify(req: &Request, secret: &str, token: Option<&str>) -> Result<(), String> {
    let auth = req.header("authorization").ok_or("no Authorization")?;
    let fields = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or("not SigV4")?;
    let field = |name: &str| {
        fields
            .split(", ")
            .find_map(|f| f.strip_prefix(&format!("{name}=")))
            .ok_or(format!("no {name}"))
    };
    let (credential, signed, signature) =
        (field("Credential")?, field("SignedHeaders")?, field("Signature")?);
    let parts: Vec<&str> = credential.split('/').collect();
    let date = req.header("x-amz-date").ok_or("no x-amz-date")?;
    if parts != [ACCESS, &date[..8], "us-east-1", "polly", "aws4_request"] {
        return Err(format!("bad credential scope {credential}"));
    }
    let names: Vec<&str> = signed.split(';').collect();
    // A GET has no body, so no content type to sign.
    let required: &[&str] = if req.method == "POST" {
        &["content-type", "host", "x-amz-date"]
    } else {
        &["host", "x-amz-date"]
    };
    for required in required {
        if !names.contains(required) {
            return Err(format!("{required} is not signed"));
        }
    }
    if token.is_some() != names.contains(&"x-amz-security-token")
        || req.header("x-amz-security-token") != token
    {
        return Err("session token missing, unsigned or wrong".into());
    }
    let mut canonical = format!("{}\n{}\n{}\n", req.method, req.path, req.query);
    for name in &names {
        canonical
            .push_str(&format!("{name}:{}\n", req.header(name).ok_or("signed header missing")?));
    }
    canonical.push_str(&format!("\n{signed}\n{}", hex::encode(Sha256::digest(&req.body))));
    let scope = parts[1..].join("/");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [&date[..8], "us-east-1", "polly", "aws4_request"] {
        key = hmac(&key, part);
    }
    if hex::encode(hmac(&key, &to_sign)) == signature {
        Ok(())
    } else {
        Err("SignatureDoesNotMatch".into())
    }
}

/// A Polly stand-in: verifies the signature and the body, answers with audio of the text.
async fn polly(token: Option<&'static str>) -> Server {
    Server::start(move |req, _| {
        if req.method != "POST" || req.path != "/v1/speech" {
            return Reply::status(404, "application/json", r#"{"message":"Not found"}"#);
        }
        if let Err(why) = verify(req, SECRET, token) {
            let body = format!(r#"{{"message":"{why}"}}"#);
            return Reply::status(403, "application/json", body)
                .with("x-amzn-ErrorType", "InvalidSignatureException:http://internal/");
        }
        let json = req.json();
        let text = json["Text"].as_str().unwrap_or_default();
        let valid = req.header("content-type") == Some("application/json")
            && json["VoiceId"] == "Joanna"
            && json["Engine"] == "neural"
            && (json["TextType"] == "ssml") == text.starts_with("<speak>");
        match json["OutputFormat"].as_str() {
            _ if !valid => Reply::status(400, "application/json", r#"{"message":"bad request"}"#)
                .with("x-amzn-ErrorType", "ValidationException"),
            Some("pcm") => Reply::ok("audio/pcm", pcm(text, 16_000)),
            _ => Reply::ok("audio/mpeg", mp3(text, 22_050)),
        }
    })
    .await
}

fn backend(server: &Server, extra: &str, vars: &[(&str, &str)]) -> Polly {
    let p = profile(&format!(
        "backend = \"polly\"\nbase_url = \"{}\"\nretry_base_ms = 5\n{extra}",
        server.url
    ));
    build_with(&p, &env(vars)).unwrap()
}

fn credentials() -> Vec<(&'static str, &'static str)> {
    vec![("AWS_ACCESS_KEY_ID", ACCESS), ("AWS_SECRET_ACCESS_KEY", SECRET)]
}

#[tokio::test]
async fn a_signed_request_passes_a_server_that_recomputes_the_signature() {
    let server = polly(None).await;
    let polly = backend(&server, "", &credentials());
    let audio = polly.synthesize(request(2, "Good morning.", "Good morning.")).await.unwrap();
    assert_eq!(audio.bytes, mp3("<speak>Good morning.</speak>", 22_050));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn temporary_credentials_sign_and_send_the_session_token() {
    let server = polly(Some(TOKEN)).await;
    let mut vars = credentials();
    vars.push(("AWS_SESSION_TOKEN", TOKEN));
    let polly = backend(&server, "", &vars);
    polly.synthesize(request(0, "Hi.", "Hi.")).await.unwrap();
}

#[tokio::test]
async fn a_wrong_secret_fails_the_servers_check_at_once_with_awss_message() {
    let server = polly(None).await;
    let polly = backend(
        &server,
        "",
        &[("AWS_ACCESS_KEY_ID", ACCESS), ("AWS_SECRET_ACCESS_KEY", "not-the-secret")],
    );
    let err = polly.synthesize(request(5, "Hi.", "Hi.")).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SynthError::Http { status: 403, retryable: false, .. }), "{msg}");
    assert!(msg.contains("chunk 5") && msg.contains("SignatureDoesNotMatch"), "{msg}");
    assert!(msg.contains("AWS_SECRET_ACCESS_KEY") && !msg.contains("not-the-secret"), "{msg}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn throttling_sent_as_a_400_is_retried_because_polly_says_so() {
    let server = Server::start(|req, n| {
        if n == 0 {
            Reply::status(400, "application/json", r#"{"message":"Rate exceeded"}"#)
                .with("x-amzn-ErrorType", "ThrottlingException:http://internal/")
        } else {
            Reply::ok("audio/mpeg", mp3(&req.json()["Text"].to_string(), 22_050))
        }
    })
    .await;
    let polly = backend(&server, "", &credentials());
    polly.synthesize(request(0, "Hi.", "Hi.")).await.unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_validation_error_is_not_retried_and_names_its_type() {
    let headers = {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-amzn-errortype", "TextLengthExceededException:http://x/".parse().unwrap());
        h
    };
    let failure = Failure {
        status: reqwest::StatusCode::BAD_REQUEST,
        headers: &headers,
        body: r#"{"message":"Maximum text length has been exceeded"}"#,
    };
    let verdict = classify(&failure);
    assert!(!verdict.retryable);
    assert_eq!(
        verdict.message,
        "TextLengthExceededException: Maximum text length has been exceeded"
    );
}

#[tokio::test]
async fn hostile_text_cannot_add_ssml_elements() {
    let server = polly(None).await;
    let polly = backend(&server, "", &credentials());
    let escaped = ssml::escape(testing::HOSTILE);
    polly.synthesize(request(0, testing::HOSTILE, &escaped)).await.unwrap();
    let sent = server.requests()[0].json()["Text"].as_str().unwrap().to_owned();
    assert_eq!(elements(&sent), ["speak", "/speak"]);
    assert_eq!(text_of(&sent), testing::HOSTILE);
}

#[tokio::test]
async fn raw_pcm_comes_back_as_16_khz_pcm() {
    let server = polly(None).await;
    let polly = backend(&server, "output_format = \"pcm\"\nssml = false\n", &credentials());
    let audio = polly.synthesize(request(0, "Hi.", "Hi.")).await.unwrap();
    assert_eq!(audio.format, AudioFormat::Pcm16 { rate: 16_000 });
    assert_eq!(audio.bytes, pcm("Hi.", 16_000));
}

#[test]
fn missing_credentials_fail_when_built_naming_the_variable() {
    let p = profile("backend = \"polly\"\n");
    let err = build_with(&p, &env(&[("AWS_ACCESS_KEY_ID", ACCESS)])).err().unwrap();
    assert!(matches!(&err, SynthError::MissingKey { var, .. } if var == "AWS_SECRET_ACCESS_KEY"));
}

#[test]
fn billing_counts_the_text_without_ssml_and_limits_follow_polly() {
    let p = profile("backend = \"polly\"\n");
    let polly = build_with(&p, &env(&credentials())).unwrap();
    let req = request(0, "Fish & chips", "Fish &amp; chips");
    assert_eq!(polly.billed_chars(&req), 12);
    let caps = polly.capabilities();
    assert_eq!((caps.max_billed_chars, caps.max_chars), (Some(3000), Some(6000)));
    let debug = format!("{polly:?}");
    assert!(!debug.contains(SECRET) && !debug.contains("Secret+Key"), "{debug}");
    assert!(!polly.settings().to_string().contains(ACCESS));
}

/// `DescribeVoices` as AWS answers it: signature checked, two pages joined by a token that
/// needs encoding.
async fn describe_voices(token: Option<&'static str>) -> Server {
    const NEXT: &str = "page/2+more=";
    Server::start(move |req, _| {
        if req.method != "GET" || req.path != "/v1/voices" {
            return Reply::status(404, "application/json", r#"{"message":"Not found"}"#);
        }
        if let Err(why) = verify(req, SECRET, token) {
            let body = format!(r#"{{"message":"{why}"}}"#);
            return Reply::status(403, "application/json", body)
                .with("x-amzn-ErrorType", "InvalidSignatureException:http://internal/");
        }
        match req.query.as_str() {
            "" => Reply::json(&serde_json::json!({
                "Voices": [{"Gender": "Female", "Id": "Joanna", "LanguageCode": "en-US",
                            "LanguageName": "US English", "Name": "Joanna",
                            "SupportedEngines": ["neural", "standard"]}],
                "NextToken": NEXT,
            })),
            "NextToken=page%2F2%2Bmore%3D" => Reply::json(&serde_json::json!({
                "Voices": [{"Gender": "Male", "Id": "Brian", "LanguageCode": "en-GB",
                            "SupportedEngines": ["standard"]}],
            })),
            other => Reply::status(
                400,
                "application/json",
                format!(r#"{{"message":"bad token {other}"}}"#),
            )
            .with("x-amzn-ErrorType", "InvalidNextTokenException"),
        }
    })
    .await
}

#[tokio::test]
async fn every_page_of_voices_is_fetched_and_signed() {
    let server = describe_voices(None).await;
    let lines = backend(&server, "", &credentials()).voices().await.unwrap();
    assert_eq!(lines, ["Joanna — en-US, Female, neural/standard", "Brian — en-GB, Male, standard"]);
    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| r.header("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256 ")))
    );
    assert_eq!(sent[1].query, "NextToken=page%2F2%2Bmore%3D");
}

#[tokio::test]
async fn temporary_credentials_sign_the_voice_list_too() {
    let server = describe_voices(Some(TOKEN)).await;
    let mut vars = credentials();
    vars.push(("AWS_SESSION_TOKEN", TOKEN));
    assert_eq!(backend(&server, "", &vars).voices().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_rejected_signature_gives_one_line_without_the_credentials() {
    let server = describe_voices(None).await;
    let wrong = "wrong/Secret+Key9876543210";
    let polly =
        backend(&server, "", &[("AWS_ACCESS_KEY_ID", ACCESS), ("AWS_SECRET_ACCESS_KEY", wrong)]);
    let err = polly.voices().await.unwrap_err();
    assert!(matches!(err, SynthError::Voices { status: Some(403), retryable: false, .. }));
    let msg = err.to_string();
    assert!(msg.starts_with("backend polly: cannot list voices: HTTP 403"), "{msg}");
    assert!(
        msg.contains("InvalidSignatureException") && msg.contains("AWS_SECRET_ACCESS_KEY"),
        "{msg}"
    );
    assert!(!msg.contains(wrong) && !msg.contains(ACCESS) && !msg.contains('\n'), "{msg}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_list_that_never_ends_is_an_error_not_a_hang() {
    let server = Server::start(|_, i| {
        Reply::json(&serde_json::json!({ "Voices": [], "NextToken": format!("t{i}") }))
    })
    .await;
    let err = backend(&server, "", &credentials()).voices().await.unwrap_err().to_string();
    assert!(err.contains("did not end"), "{err}");
    assert_eq!(server.requests().len(), MAX_VOICE_PAGES);
}
