//! The completion callback: each finished job's JSON, POSTed and signed.
//!
//! The receiver checks `X-Articulate-Signature: sha256=HEX`, the HMAC-SHA256 of the exact
//! body bytes under the shared secret, before trusting the body. Delivery is retried with
//! backoff (1 s, 2 s, 4 s …) on connection errors and non-2xx answers; it is not durable:
//! a callback still being retried when the server stops is lost (the job status holds the
//! same result).

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Articulate-Signature";

/// The environment variable holding the shared secret callbacks are signed with.
pub const SECRET_ENV: &str = "ARTICULATE_CALLBACK_SECRET";

/// The environment variable holding the secret inbound webhooks must be signed with, when
/// set ([`sign_request`]).
pub const WEBHOOK_SECRET_ENV: &str = "ARTICULATE_WEBHOOK_SECRET";

/// The header carrying the Unix time (seconds) a webhook request was signed at.
pub const TIMESTAMP_HEADER: &str = "X-Articulate-Timestamp";

/// What a webhook request's signature covers: `TIMESTAMP\nMETHOD\nPATH\n` and then the
/// body's bytes, so a signature says when, what and to which article, and is good for
/// nothing else.
fn request_message(timestamp: &str, method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}\n{method}\n{path}\n").into_bytes();
    message.extend_from_slice(body);
    message
}

/// The `X-Articulate-Signature` value for a webhook request: `sha256=` and the hex
/// HMAC-SHA256 under `secret` of `TIMESTAMP\nMETHOD\nPATH\nBODY` (`timestamp` as sent in
/// `X-Articulate-Timestamp`, `path` as in the request line, `/v1/articles/ID`).
#[must_use]
pub fn sign_request(
    secret: &[u8],
    timestamp: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> String {
    sign(secret, &request_message(timestamp, method, path, body))
}

/// Whether `header` is [`sign_request`]'s signature of this request (in constant time).
#[must_use]
pub fn verify_request(
    secret: &[u8],
    timestamp: &str,
    method: &str,
    path: &str,
    body: &[u8],
    header: &str,
) -> bool {
    verify(secret, &request_message(timestamp, method, path, body), header)
}

/// The header value for `body`: `sha256=` and the hex HMAC-SHA256 under `secret`.
#[must_use]
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is `sha256=HEX`, the HMAC-SHA256 of `body` under `secret` (compared in
/// constant time).
#[must_use]
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(Ok(expected)) = header.trim().strip_prefix("sha256=").map(hex::decode) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Where callbacks go and how they are signed.
#[derive(Clone)]
pub struct Callback {
    /// The receiver.
    pub url: String,
    /// The shared secret (never logged).
    pub secret: Vec<u8>,
    /// Attempts before giving up.
    pub attempts: u32,
    /// The first wait between attempts; it doubles.
    pub backoff: Duration,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Callback {
    /// Deliver `body`; whether the receiver accepted it within the attempts.
    pub async fn deliver(&self, client: &reqwest::Client, body: Vec<u8>) -> bool {
        let signature = sign(&self.secret, &body);
        let mut wait = self.backoff;
        for attempt in 1..=self.attempts {
            let sent = client
                .post(&self.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, &signature)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => return true,
                Ok(response) => {
                    tracing::warn!(attempt, status = %response.status(), "Callback refused.");
                }
                Err(error) => tracing::warn!(attempt, %error, "Callback not delivered."),
            }
            if attempt < self.attempts {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_rfc_4231_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_the_signature_of_these_bytes_under_this_secret_verifies() {
        let signature = sign(b"secret", b"{\"id\":\"a\"}");
        assert!(verify(b"secret", b"{\"id\":\"a\"}", &signature));
        assert!(!verify(b"secret", b"{\"id\":\"b\"}", &signature));
        assert!(!verify(b"other", b"{\"id\":\"a\"}", &signature));
        let bare = signature.trim_start_matches("sha256=");
        for bad in [bare, "sha256=", "sha256=zz", "", &signature[..20]] {
            assert!(!verify(b"secret", b"{\"id\":\"a\"}", bad), "{bad}");
        }
    }
}
