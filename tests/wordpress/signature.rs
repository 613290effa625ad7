//! The plugin signs its requests and checks serve's callbacks exactly as serve does: the
//! plugin's PHP (`Articulate_Signature`) run by `php` against serve's own functions.

use std::io::Write;
use std::process::{Command, Stdio};

use articulate::serve::callback;
use serde_json::{Value, json};

use crate::util;

/// Run `Articulate_Signature` over each case (`{timestamp?, method, path, body, secret,
/// callback_signature}`): the request headers it makes and whether it takes the callback.
fn plugin_answers(cases: &Value) -> Vec<Value> {
    let class = util::root()
        .join("integrations/wordpress/articulate/includes/class-articulate-signature.php");
    let script = format!(
        "define('ABSPATH', '/'); require {class:?};
         $out = array();
         foreach (json_decode(stream_get_contents(STDIN), true) as $c) {{
             $out[] = array(
                 'headers' => (object) Articulate_Signature::request_headers(
                     $c['method'], $c['path'], $c['body'], $c['secret'], $c['timestamp'] ?? null),
                 'verified' => Articulate_Signature::verify(
                     $c['body'], array('x-articulate-signature' => $c['callback_signature']),
                     $c['secret']),
             );
         }}
         echo json_encode($out);",
        class = class.display().to_string()
    );
    let mut php = Command::new("php")
        .args(["-r", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("php runs; scripts/install-deps.sh --test installs it");
    php.stdin.take().unwrap().write_all(cases.to_string().as_bytes()).unwrap();
    let output = php.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn the_plugin_signs_requests_and_checks_callbacks_exactly_as_serve_does() {
    let secret = "articulate-shared-secret";
    let body = json!({ "id": "wp-7", "title": "Café — “quoted”", "html": "<p>a\nb</p>" });
    let body = body.to_string();
    let good = callback::sign(secret.as_bytes(), body.as_bytes());
    let cases = json!([
        { "timestamp": 1_767_225_600, "method": "POST", "path": "/v1/articles", "body": body,
          "secret": secret, "callback_signature": good },
        { "timestamp": 1_767_225_601, "method": "DELETE", "path": "/v1/articles/wp-7",
          "body": "", "secret": "another secret, with spaces",
          "callback_signature": callback::sign(b"another secret, with spaces", b"") },
        // A callback body changed on the way, and one signed with another secret.
        { "method": "POST", "path": "/v1/articles", "body": format!("{body} "), "secret": secret,
          "callback_signature": good },
        { "method": "POST", "path": "/v1/articles", "body": body, "secret": secret,
          "callback_signature": callback::sign(b"not the secret", body.as_bytes()) },
        // No secret: nothing signed, nothing trusted.
        { "method": "POST", "path": "/v1/articles", "body": body, "secret": "",
          "callback_signature": callback::sign(b"", body.as_bytes()) },
    ]);
    let answers = plugin_answers(&cases);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let now = i64::try_from(now.as_secs()).unwrap();

    for (case, answer) in cases.as_array().unwrap().iter().zip(&answers) {
        let secret = case["secret"].as_str().unwrap();
        let headers = &answer["headers"];
        if secret.is_empty() {
            assert_eq!(headers, &json!({}), "unsigned without a secret");
            continue;
        }
        let timestamp = headers[callback::TIMESTAMP_HEADER].as_str().unwrap();
        match case["timestamp"].as_i64() {
            Some(given) => assert_eq!(timestamp, given.to_string()),
            // Signed when sent: now.
            None => assert!((timestamp.parse::<i64>().unwrap() - now).abs() <= 5, "{timestamp}"),
        }
        let (method, path) = (case["method"].as_str().unwrap(), case["path"].as_str().unwrap());
        let body = case["body"].as_str().unwrap().as_bytes();
        assert_eq!(
            headers[callback::SIGNATURE_HEADER],
            callback::sign_request(secret.as_bytes(), timestamp, method, path, body),
            "{case}"
        );
    }
    let verified: Vec<&Value> = answers.iter().map(|a| &a["verified"]).collect();
    assert_eq!(verified, [&json!(true), &json!(true), &json!(false), &json!(false), &json!(false)]);
}
