//! The API's defences: tokens, body cap, ids, and a JSON 4xx for every mistake.

use super::{Answer, OTHER_TOKEN, Site, TOKEN, article};
use crate::util::postgres::Scratch;

fn assert_error(answer: &Answer, status: u16, words: &str) {
    assert_eq!(answer.status, status, "{}", String::from_utf8_lossy(&answer.body));
    let message = answer.json()["error"].as_str().unwrap().to_owned();
    assert!(message.contains(words), "{status}: {message}");
}

#[test]
fn every_bad_request_gets_its_4xx_with_a_json_error_and_never_a_500() {
    let site = Site::new("max_body_bytes = 2000");
    let server = site.start(&[]);
    let json = "Content-Type: application/json";
    let body = article("a", "Text.").to_string();
    let post = |auth: &str| {
        server.raw(&format!("POST /v1/articles HTTP/1.1\r\n{auth}{json}"), body.as_bytes())
    };

    assert_error(&post(""), 401, "Authorization");
    assert_error(&post("Authorization: Bearer wrong\r\n"), 401, "invalid token");
    assert_error(&post(&format!("Authorization: Basic {TOKEN}\r\n")), 401, "Bearer");
    assert_error(&post(&format!("Authorization: Bearer {TOKEN}x\r\n")), 401, "invalid");
    let other = format!("Authorization: Bearer {OTHER_TOKEN}\r\n");
    assert_eq!(post(&other).status, 202, "either token works");
    assert_eq!(post("").header("www-authenticate"), Some("Bearer"));
    assert_error(&server.raw("GET /v1/articles/a HTTP/1.1", b""), 401, "Authorization");

    let auth = format!("POST /v1/articles HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n{json}");
    assert_error(&server.raw(&auth, b"{\"id\": \"a\","), 400, "JSON");
    assert_error(&server.raw(&auth, b"[1, 2]"), 422, "");
    assert_error(&server.raw(&auth, b"{\"text\": \"Words.\"}"), 422, "missing field `id`");
    let plain = format!("POST /v1/articles HTTP/1.1\r\nAuthorization: Bearer {TOKEN}");
    assert_error(&server.raw(&plain, body.as_bytes()), 415, "Content-Type");
    let big = article("big", &"Words and more words. ".repeat(200));
    assert_error(&server.post(&big), 413, "too large");
    for id in ["../escape", "a/b", ".hidden", "", "x".repeat(129).as_str()] {
        assert_error(&server.post(&article(id, "Text.")), 422, "id must be");
    }
    assert_error(&server.post(&serde_json::json!({"id": "u", "url": "https://x"})), 422, "html");
    let both = serde_json::json!({"id": "b", "text": "T.", "html": "<p>T.</p>"});
    assert_error(&server.post(&both), 422, "not both");
    let voiced = serde_json::json!({"id": "v", "text": "T.", "voice": "../../etc/passwd"});
    assert_error(&server.post(&voiced), 422, "unknown voice");

    assert_error(&server.call("GET", "/v1/articles/nobody", None), 404, "no such article");
    assert_error(&server.call("GET", "/v1/articles/..%2F..%2Fetc", None), 404, "no such");
    assert_error(&server.call("DELETE", "/v1/articles/nobody", None), 404, "no such article");
    assert_error(&server.call("PUT", "/v1/articles", None), 405, "not allowed");
    assert_error(&server.get("/v2/whatever"), 404, "no such route");
    assert_ne!(server.get("/audio/../jobs.sqlite3").status, 200);
    assert_ne!(server.get("/audio/%2e%2e/jobs.sqlite3").status, 200);
}

#[test]
fn the_server_refuses_to_start_without_a_token_and_never_prints_one() {
    let site = Site::new("");
    for tokens in ["", " , "] {
        let out = site.command(&[("ARTICULATE_API_TOKENS", tokens)]).output().unwrap();
        assert!(!out.status.success());
    }
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    assert!(stderr.contains("no API token: set ARTICULATE_API_TOKENS"), "{stderr}");

    let server = site.start(&[("ARTICULATE_LOG", "articulate=debug")]);
    assert_eq!(server.post(&article("a", "One sentence.")).status, 202);
    server.wait_for("a");
    drop(server);
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    assert!(!stderr.contains(TOKEN), "a token was logged:\n{stderr}");
}

#[test]
fn with_a_webhook_secret_only_signed_posts_are_read() {
    use articulate::serve::callback::sign_request;
    let site = Site::new("max_body_bytes = 2000");
    let server = site.start(&[("ARTICULATE_WEBHOOK_SECRET", "inbound-secret")]);
    let body = article("signed", "One signed sentence.").to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let head = |headers: &str| {
        format!(
            "POST /v1/articles HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json{headers}"
        )
    };
    let signed = |secret: &[u8], body: &str| {
        let signature = sign_request(secret, &now, "POST", "/v1/articles", body.as_bytes());
        format!("\r\nX-Articulate-Timestamp: {now}\r\nX-Articulate-Signature: {signature}")
    };
    assert_error(&server.raw(&head(""), body.as_bytes()), 401, "X-Articulate-Signature");
    let forged = head(&signed(b"guess", &body));
    assert_error(&server.raw(&forged, body.as_bytes()), 401, "invalid request signature");
    let good = head(&signed(b"inbound-secret", &body));
    let tampered = body.replace("One", "Two");
    assert_error(&server.raw(&good, tampered.as_bytes()), 401, "invalid request signature");
    let big = "x".repeat(3000);
    let big_signed = head(&signed(b"inbound-secret", &big));
    assert_error(&server.raw(&big_signed, big.as_bytes()), 413, "too large");
    assert_eq!(server.raw(&good, body.as_bytes()).status, 202);
    assert_eq!(server.wait_for("signed")["state"], "done");
}

#[test]
fn serve_reaches_postgres_over_tls_and_will_not_start_on_a_certificate_it_cannot_verify() {
    let Some(database) = Scratch::new("serve_tls") else { return };
    let mut site = Site::new("");
    site.database_url = Some(database.untrusted_tls_url());
    let out = site.command(&[]).output().unwrap();
    assert!(!out.status.success());
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    let said = stderr.lines().filter(|l| l.contains("invalid peer certificate")).count();
    assert_eq!(said, 1, "one line, said once:\n{stderr}");
    assert_eq!(stderr.matches("invalid peer certificate").count(), 1, "{stderr}");

    // The user the test server admits only over TLS: a narrated article proves TLS worked.
    site.database_url = Some(database.tls_url());
    let server = site.start(&[]);
    assert_eq!(server.post(&article("tls", "Over TLS. Verified.")).status, 202);
    assert_eq!(server.wait_for("tls")["state"], "done");
}
