//! The everyday rough edges a publisher trips on: the article's metadata as webhook fields,
//! listing jobs, naming voices that exist, where the job database lives, and the published
//! files readable by a player on the publisher's own site.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::json;

use super::{Server, Site, TOKEN, article};
use crate::util;

#[test]
fn the_webhooks_title_byline_published_and_url_reach_the_manifest_and_the_feed() {
    let site = Site::new("");
    let server = site.start(&[]);
    // No headline in the content: the title is spoken first, as a headline would be.
    let first = json!({
        "id": "harbour",
        "html": "<p>The harbour wall will be rebuilt next spring.</p><p>Work takes six months.</p>",
        "title": "Harbour wall to be rebuilt",
        "byline": "By Jo Bloggs",
        "published": "2026-11-25T08:00:00Z",
        "url": "https://news.example.com/2026/11/harbour",
    });
    let posted = server.post(&first);
    assert_eq!(posted.status, 202, "{:?}", posted.json());
    let job = server.wait_for("harbour");
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["title"], "Harbour wall to be rebuilt");
    assert_eq!(job["byline"], "By Jo Bloggs");

    let manifest = util::manifest(&site.path("out/harbour/harbour.json"));
    assert_eq!(manifest.title, "Harbour wall to be rebuilt", "not the job id");
    assert_eq!(manifest.byline.as_deref(), Some("By Jo Bloggs"));
    assert_eq!(manifest.metadata.published.as_deref(), Some("2026-11-25T08:00:00Z"));
    assert_eq!(manifest.source.url.as_deref(), Some("https://news.example.com/2026/11/harbour"));
    assert_eq!(manifest.segments[0].text, "Harbour wall to be rebuilt");
    let feed = std::fs::read_to_string(site.path("out/feed.xml")).unwrap();
    assert!(feed.contains("<title>Harbour wall to be rebuilt</title>"), "{feed}");
    assert!(feed.contains("<link>https://news.example.com/2026/11/harbour</link>"), "{feed}");

    // The metadata is part of what makes an article changed: a new title, a new narration.
    let mut renamed = first.clone();
    renamed["title"] = json!("Harbour wall: work starts in spring");
    assert_eq!(server.post(&renamed).status, 202);
    assert_eq!(server.wait_for("harbour")["generation"], 2);
    renamed["updated_at"] = json!("2026-11-26T08:00:00Z");
    assert_eq!(server.post(&renamed).status, 200, "a new updated_at alone changes nothing");
}

#[test]
fn articles_are_listed_newest_first_a_page_at_a_time_and_by_state() {
    let site = Site::new("");
    let server = site.start(&[]);
    for n in 0..5 {
        let posted = server.post(&article(
            &format!("story-{n}"),
            &format!("Story {n}.\n\nIt happened on day {n}."),
        ));
        assert_eq!(posted.status, 202);
        server.wait_for(&format!("story-{n}"));
    }
    let failed = server.post(&json!({ "id": "broken", "text": "Advertisement\n\nShare this\n" }));
    assert_eq!(failed.status, 202);
    assert_eq!(server.wait_for("broken")["state"], "failed");

    let page = server.call("GET", "/v1/articles?limit=2", None);
    assert_eq!(page.status, 200, "{:?}", page.json());
    let page = page.json();
    assert_eq!(page["total"], 6);
    let ids: Vec<&str> =
        page["articles"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["broken", "story-4"], "newest first");
    assert_eq!(page["next"], "/v1/articles?limit=2&offset=2");
    let next = server.call("GET", page["next"].as_str().unwrap(), None).json();
    let ids: Vec<&str> =
        next["articles"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["story-3", "story-2"]);

    let done = server.call("GET", "/v1/articles?state=done&offset=4", None).json();
    assert_eq!(done["total"], 5);
    assert_eq!(done["articles"].as_array().unwrap().len(), 1);
    assert_eq!(done["articles"][0]["id"], "story-0");
    assert_eq!(done["next"], serde_json::Value::Null);
    let failed = server.call("GET", "/v1/articles?state=failed", None).json();
    assert_eq!(failed["articles"][0]["id"], "broken");

    let bad = server.call("GET", "/v1/articles?state=finished", None);
    assert_eq!(bad.status, 422);
    assert!(
        bad.json()["error"].as_str().unwrap().contains("queued, running, playable, done, failed")
    );
    let anonymous = server.raw("GET /v1/articles HTTP/1.1", b"");
    assert_eq!(anonymous.status, 401, "listing needs a token too");
}

#[test]
fn an_unknown_voice_in_a_request_is_refused_listing_the_voices_that_exist() {
    let site = Site::new("");
    let server = site.start(&[]);
    let mut request = article("a", "Hello.\n\nWorld.");
    request["voice"] = json!("klingon");
    let refused = server.post(&request);
    assert_eq!(refused.status, 422);
    let error = refused.json()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("unknown voice \"klingon\"; available voices: "), "{error}");
    assert!(error.contains("espeak-en-gb") && error.contains("flite"), "{error}");

    let voices = server.call("GET", "/v1/voices", None);
    assert_eq!(voices.status, 200);
    let voices = voices.json();
    assert_eq!(voices["default"], "tone", "the profile's name, not the server's path to it");
    let names: Vec<&str> =
        voices["voices"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"espeak-en-gb") && names.contains(&"piper-en-us"), "{names:?}");
    let espeak =
        voices["voices"].as_array().unwrap().iter().find(|v| v["name"] == "espeak-en-gb").unwrap();
    assert_eq!(espeak["backend"], "espeak-ng");
    assert_eq!(espeak["languages"], json!(["en-GB"]));
}

#[test]
fn an_unknown_voice_on_the_command_line_is_refused_listing_the_voices_that_exist() {
    let mut site = Site::new("");
    site.voice = "klingon".into();
    let mut command = site.command(&[]);
    command.stderr(Stdio::piped()).stdout(Stdio::null());
    let output = command.output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown voice \"klingon\"; available voices: "), "{stderr}");
    assert!(stderr.contains("espeak-en-gb"), "{stderr}");
}

#[test]
fn published_files_can_be_fetched_by_a_player_on_another_origin() {
    let site = Site::new("");
    let server = site.start(&[]);
    assert_eq!(server.post(&article("a", "Hello.\n\nWorld.")).status, 202);
    let job = server.wait_for("a");
    let manifest = server.raw(
        &format!(
            "GET {} HTTP/1.1\r\nOrigin: https://news.example.com",
            server.local(&job["manifest_url"])
        ),
        b"",
    );
    assert_eq!(manifest.status, 200);
    assert_eq!(manifest.header("access-control-allow-origin"), Some("*"));
    let api = server.call("GET", "/v1/articles/a", None);
    assert_eq!(api.header("access-control-allow-origin"), None, "the API is not for browsers");
}

#[test]
fn the_default_job_database_is_in_the_users_data_directory_not_the_current_one() {
    let site = Site::new("");
    let cwd = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("articulate"))
        .current_dir(cwd.path())
        .env_remove("ARTICULATE_LOG")
        .env_remove("ARTICULATE_DATABASE_URL")
        .env("ARTICULATE_API_TOKENS", TOKEN)
        .env("XDG_DATA_HOME", data.path())
        .arg("--config")
        .arg(site.path("config.toml"))
        .args(["serve", "--listen", "127.0.0.1:0", "--voice"])
        .arg(&site.voice)
        .arg("-o")
        .arg(site.path("out"))
        .arg("--cache-dir")
        .arg(site.path("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr =
        line.split_whitespace().find_map(|w| w.strip_prefix("http://")).unwrap().parse().unwrap();
    let server = Server { child, addr };
    assert_eq!(server.post(&article("a", "Hello.\n\nWorld.")).status, 202);
    assert_eq!(server.wait_for("a")["state"], "done");
    drop(server);
    assert!(data.path().join("articulate/serve.sqlite3").is_file());
    let left: Vec<_> = std::fs::read_dir(cwd.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing in the current directory: {left:?}");
}
