//! AWS Signature Version 4: how Polly knows a request came from the key's owner and was not
//! changed on the way. A canonical form of the request is hashed, and the hash is signed
//! with a key derived from the secret, the date, the region and the service.
//!
//! Only what Polly needs (header signing of a request whose body is in hand) is here; it is
//! checked against AWS's published test vectors.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use url::Url;

use super::secret::Secret;

/// AWS credentials, as the standard environment variables give them.
#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub(crate) access_key: Secret,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub(crate) secret_key: Secret,
    /// `AWS_SESSION_TOKEN`, for temporary credentials.
    pub(crate) session_token: Option<Secret>,
}

/// Where and when a signature is valid.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scope<'a> {
    /// `YYYYMMDDTHHMMSSZ`, as sent in `x-amz-date`.
    pub(crate) amz_date: &'a str,
    /// e.g. `us-east-1`.
    pub(crate) region: &'a str,
    /// e.g. `polly`.
    pub(crate) service: &'a str,
}

impl Scope<'_> {
    /// `date/region/service/aws4_request`.
    fn credential_scope(&self) -> String {
        let date = self.amz_date.get(..8).unwrap_or_default();
        format!("{date}/{}/{}/aws4_request", self.region, self.service)
    }
}

/// The `Authorization` header for a request. `headers` are the headers to sign, `host`
/// included, exactly as they will be sent.
pub(crate) fn authorization(
    credentials: &Credentials,
    scope: Scope<'_>,
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let (canonical, signed_headers) = canonical_request(method, url, headers, body);
    let to_sign = string_to_sign(scope, &canonical);
    let date = scope.amz_date.get(..8).unwrap_or_default();
    let key = signing_key(&credentials.secret_key, date, scope.region, scope.service);
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={signed_headers}, Signature={}",
        credentials.access_key.expose(),
        scope.credential_scope(),
        hex::encode(hmac(&key, to_sign.as_bytes()))
    )
}

/// The canonical request and the signed-header list (`host;x-amz-date`).
pub(crate) fn canonical_request(
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (String, String) {
    // Services other than S3 sign each path segment encoded twice: `url` holds it encoded
    // once already.
    let path = if url.path().is_empty() { "/" } else { url.path() };
    let path: Vec<String> = path.split('/').map(uri_encode).collect();
    let mut query: Vec<(String, String)> =
        url.query_pairs().map(|(k, v)| (uri_encode(&k), uri_encode(&v))).collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut canonical_headers: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match canonical_headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => canonical_headers.push((name, value)),
        }
    }
    canonical_headers.sort();
    let signed: Vec<&str> = canonical_headers.iter().map(|(n, _)| n.as_str()).collect();
    let signed = signed.join(";");
    let mut out = format!("{method}\n{}\n{}\n", path.join("/"), query.join("&"));
    for (name, value) in &canonical_headers {
        let _ = writeln!(out, "{name}:{value}");
    }
    let _ = write!(out, "\n{signed}\n{}", sha256_hex(body));
    (out, signed)
}

/// The string that is signed: algorithm, time, scope and the canonical request's hash.
pub(crate) fn string_to_sign(scope: Scope<'_>, canonical_request: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{}\n{}\n{}",
        scope.amz_date,
        scope.credential_scope(),
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The key a day's requests to one service in one region are signed with.
pub(crate) fn signing_key(secret: &Secret, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{}", secret.expose()).as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// Hex SHA-256.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// RFC 3986 encoding as AWS specifies it: unreserved characters kept, everything else
/// `%XX` in upper case.
pub(crate) fn uri_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A time as `x-amz-date` writes it: `20150830T123600Z` (UTC).
pub(crate) fn amz_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The credentials AWS's documentation and test suite use.
    fn example() -> Credentials {
        Credentials {
            access_key: Secret::new("AKIDEXAMPLE"),
            secret_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: None,
        }
    }

    #[test]
    fn the_test_suites_get_vanilla_case_signs_as_published() {
        let url = Url::parse("https://example.amazonaws.com/").unwrap();
        let scope = Scope { amz_date: "20150830T123600Z", region: "us-east-1", service: "service" };
        let headers = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")];
        let (canonical, signed) = canonical_request("GET", &url, &headers, b"");
        assert_eq!(
            canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(signed, "host;x-amz-date");
        let auth = authorization(&example(), scope, "GET", &url, &headers, b"");
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn the_documented_iam_list_users_request_signs_as_published() {
        let url =
            Url::parse("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08").unwrap();
        let scope = Scope { amz_date: "20150830T123600Z", region: "us-east-1", service: "iam" };
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("Host", "iam.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
        ];
        let (canonical, _) = canonical_request("GET", &url, &headers, b"");
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        let key = signing_key(&example().secret_key, "20150830", "us-east-1", "iam");
        assert_eq!(
            hex::encode(key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        let auth = authorization(&example(), scope, "GET", &url, &headers, b"");
        assert!(
            auth.ends_with(
                "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
            ),
            "{auth}"
        );
    }

    #[test]
    fn the_documented_signing_key_derivation_matches() {
        let key = signing_key(&example().secret_key, "20120215", "us-east-1", "iam");
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn query_parameters_are_sorted_and_header_values_trimmed() {
        let url = Url::parse("https://h.example/a%20b/?b=2&a=x%2Fy&a=1").unwrap();
        let headers = [("Host", "h.example"), ("X-Odd", "  two   spaces  ")];
        let (canonical, _) = canonical_request("POST", &url, &headers, b"{}");
        let lines: Vec<&str> = canonical.lines().collect();
        assert_eq!(lines[1], "/a%2520b/");
        assert_eq!(lines[2], "a=1&a=x%2Fy&b=2");
        assert_eq!(lines[4], "x-odd:two spaces");
    }

    #[test]
    fn times_are_written_in_utc_as_amz_date() {
        let t = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        assert_eq!(amz_date(t), "20150830T123600Z");
        assert_eq!(amz_date(UNIX_EPOCH + Duration::from_secs(951_782_400)), "20000229T000000Z");
        assert_eq!(amz_date(UNIX_EPOCH), "19700101T000000Z");
    }
}
