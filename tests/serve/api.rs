//! The webhook's life of an article: posted, narrated, served with ranges, reposted
//! unchanged and changed, listed in the feed, deleted.

use super::{Site, article, check_published, heartstopper};

#[test]
fn an_article_is_narrated_published_served_with_ranges_and_unpublished() {
    let site = Site::new("");
    let server = site.start(&[]);
    let text = heartstopper();

    let posted = server.post(&article("heartstopper-s2", &text));
    assert_eq!(posted.status, 202, "{:?}", posted.json());
    assert_eq!(posted.json()["state"], "queued");
    let job = server.wait_for("heartstopper-s2");
    assert_eq!(job["state"], "done", "{job}");
    let chunks = job["chunks"].as_u64().unwrap();
    assert_eq!(job["requests"].as_u64().unwrap(), chunks, "a fresh cache: every chunk asked");
    let manifest = check_published(&site.path("out"), "heartstopper-s2");
    assert!(manifest.title.contains("Heartstopper"), "{}", manifest.title);

    // The published files, as a player fetches them.
    let served = server.get(&server.local(&job["manifest_url"]));
    assert_eq!(served.status, 200);
    let served: articulate::model::Manifest = serde_json::from_slice(&served.body).unwrap();
    assert_eq!(served.duration_ms, manifest.duration_ms);
    // The player is published beside the audio, with a page for this article.
    let page = server.get(&server.local(&job["player_url"]));
    assert_eq!(page.status, 200, "{job}");
    let page = String::from_utf8(page.body).unwrap();
    assert!(page.contains("data-articulate-manifest=\"../heartstopper-s2.json\""), "{page}");
    let script = server.local(&job["player_url"]).replace("index.html", "articulate-player.js");
    assert_eq!(server.get(&script).status, 200);
    let mp3 = server.local(&job["audio_urls"][0]);
    assert!(mp3.ends_with("/heartstopper-s2.mp3"), "{mp3}");
    let whole = server.get(&mp3);
    assert_eq!(whole.status, 200);
    let range = server.raw(&format!("GET {mp3} HTTP/1.1\r\nRange: bytes=100-1123"), b"");
    assert_eq!(range.status, 206);
    assert_eq!(range.body, whole.body[100..1124]);
    let total = whole.body.len();
    assert_eq!(range.header("content-range"), Some(format!("bytes 100-1123/{total}").as_str()));
    let feed = String::from_utf8(server.get("/audio/feed.xml").body).unwrap();
    assert!(feed.contains("heartstopper-s2/heartstopper-s2.mp3"), "{feed}");

    // The same content again (a CMS re-saving it): nothing to do.
    let mut resaved = article("heartstopper-s2", &text);
    resaved["updated_at"] = "2026-11-25T09:00:00Z".into();
    let again = server.post(&resaved);
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["state"], "done");
    assert_eq!(again.json()["generation"], 1);

    // One sentence edited: a new generation, and only the chunk holding it is synthesized.
    let edited = text
        .replace("it's already delighting TV fans", "it's already delighting TV fans everywhere");
    assert_ne!(edited, text);
    let changed = server.post(&article("heartstopper-s2", &edited));
    assert_eq!(changed.status, 202);
    assert_eq!(changed.json()["generation"], 2);
    let job = server.wait_for("heartstopper-s2");
    assert_eq!((job["state"].as_str(), job["completions"].as_u64()), (Some("done"), Some(2)));
    assert_eq!(job["requests"], 1, "{job}");
    assert_eq!(job["cache_hits"].as_u64().unwrap(), job["chunks"].as_u64().unwrap() - 1);
    check_published(&site.path("out"), "heartstopper-s2");

    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    for line in [
        "articulate_jobs{state=\"done\"} 1",
        "articulate_jobs_finished_total{outcome=\"done\"} 2",
        &format!("articulate_backend_requests_total {}", chunks + 1),
        &format!("articulate_cache_hits_total {}", chunks - 1),
        "articulate_publish_latency_seconds_count 2",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} missing from\n{metrics}");
    }
    assert_eq!(server.get("/healthz").status, 200);
    assert_eq!(server.get("/readyz").status, 200);

    let deleted = server.call("DELETE", "/v1/articles/heartstopper-s2", None);
    assert_eq!(deleted.status, 200, "{:?}", deleted.json());
    assert_eq!(server.call("GET", "/v1/articles/heartstopper-s2", None).status, 404);
    assert_eq!(server.get(&mp3).status, 404);
    assert!(!site.path("out/heartstopper-s2").exists());
    let feed = String::from_utf8(server.get("/audio/feed.xml").body).unwrap();
    assert!(!feed.contains("heartstopper-s2.mp3"), "{feed}");
    assert_eq!(server.call("DELETE", "/v1/articles/heartstopper-s2", None).status, 404);
}

#[test]
fn an_article_that_cannot_be_narrated_fails_with_its_reason_and_others_carry_on() {
    let site = Site::new("workers = 2");
    let server = site.start(&[]);
    // Only furniture: nothing to speak.
    assert_eq!(server.post(&article("empty", "Advertisement\n\nShare this\n")).status, 202);
    let html = "<html><body><article><h1>Council approves the bridge</h1>\
                <p>A story with one sentence.</p></article></body></html>";
    let fine = serde_json::json!({ "id": "fine", "html": html });
    assert_eq!(server.post(&fine).status, 202);
    let failed = server.wait_for("empty");
    assert_eq!(failed["state"], "failed");
    assert!(failed["error"].as_str().unwrap().contains("empty"), "{failed}");
    assert_eq!(server.wait_for("fine")["state"], "done");
    let manifest = check_published(&site.path("out"), "fine");
    assert_eq!(manifest.title, "Council approves the bridge", "read as HTML");
    // Posting it again unchanged retries it (the failure may have been passing).
    let retried = server.post(&article("empty", "Advertisement\n\nShare this\n"));
    assert_eq!((retried.status, &retried.json()["generation"]), (202, &2.into()));
}
