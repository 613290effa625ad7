//! The preview serves its own files and nothing else, to this machine only, and never lets
//! an article's text become markup.

use super::article;
use super::support::Preview;

/// Whether a response leaks a file from outside what the server means to serve.
fn leaks(body: &str) -> bool {
    body.contains("[package]") // Cargo.toml, the working directory's
        || body.contains("root:") // /etc/passwd
        || body.contains("Crews worked through the night") // the article's source file
}

#[test]
fn paths_that_climb_out_with_dot_dot_in_any_encoding_are_not_served() {
    let preview = Preview::start("preview.txt", &article());
    for path in [
        "/../Cargo.toml",
        "/../../../../etc/passwd",
        "/player/../../Cargo.toml",
        "/player/../preview.txt",
        "/player/%2e%2e/%2e%2e/Cargo.toml",
        "/player/%2E%2E/%2E%2E/etc/passwd",
        "/player/..%2f..%2fCargo.toml",
        "/player/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/v/1/../preview.txt",
        "/v/1/..%2fpreview.txt",
        "/v/1/%2e%2e%2fpreview.txt",
        "/v/1/%2e%2e/preview.txt",
        "/v/1/.%2e/preview.txt",
        "/v/1/%252e%252e%252fpreview.txt",
        "/v/1/..%5cpreview.txt",
        "/v/..%2f..%2f/preview.txt",
        "/v/1/%2fetc%2fpasswd",
    ] {
        let response = preview.get(path);
        assert!(
            matches!(response.status, 400 | 404),
            "{path}: {} {}",
            response.status,
            response.text()
        );
        assert!(!leaks(&response.text()), "{path} leaked: {}", response.text());
    }
}

#[test]
fn files_beside_the_narration_or_the_article_are_not_served() {
    let preview = Preview::start("preview.txt", &article());
    for path in [
        "/preview.txt",
        "/Cargo.toml",
        "/out/preview.mp3",
        "/preview.mp3",
        "/v/1/preview.txt",
        "/v/1/preview.chapters.vtt",
        "/v/1/stderr.txt",
        "/v/2/preview.mp3",
        "/player/",
        "/player/index.html",
        "/player/mod.rs",
    ] {
        let response = preview.get(path);
        assert_eq!(response.status, 404, "{path}");
        assert!(!leaks(&response.text()), "{path} leaked");
    }
}

#[test]
fn requests_naming_another_host_are_refused() {
    let preview = Preview::start("preview.txt", &article());
    let port = preview.addr.port();
    for host in [format!("evil.example:{port}"), format!("127.0.0.1.nip.example:{port}")] {
        let response = preview.request("/", &[("Host", &host)]);
        assert_eq!(response.status, 403, "{host}");
        assert!(!leaks(&response.text()));
    }
    assert_eq!(preview.request("/", &[("Host", &format!("localhost:{port}"))]).status, 200);
}

#[test]
fn the_page_may_run_only_its_own_scripts() {
    let preview = Preview::start("preview.txt", &article());
    let page = preview.get("/");
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn markup_in_the_article_and_its_file_name_reaches_the_page_as_text() {
    let text = "Council <script>window.pwned = 1</script> votes\n\n\
                The vote was <img src=x onerror=\"window.pwned = 2\"> close, said the \"clerk\" & \
                the mayor's aide.\n";
    let name = "<b>\"story'.txt";
    let preview = Preview::start(name, text);
    let html = preview.get("/").text();
    assert!(html.contains("Council &lt;script&gt;window.pwned = 1&lt;/script&gt; votes"), "{html}");
    assert!(html.contains("&lt;img src=x onerror=&quot;window.pwned = 2&quot;&gt;"), "{html}");
    assert!(html.contains("&amp; the mayor&apos;s aide."), "{html}");
    assert!(html.contains("&lt;b&gt;&quot;story&apos;.txt"), "{html}");
    assert!(!html.contains("<script>window"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>"));
}
