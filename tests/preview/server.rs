//! The preview server over plain HTTP: the page, the manifest, ranged audio, and narrating
//! again when the file is saved.

use articulate::model::Manifest;

use super::article;
use super::support::{Events, Preview};

/// The manifest URL the page's player element points at.
fn manifest_url(page: &str) -> String {
    let start = page.find("data-articulate-manifest=\"").unwrap() + 26;
    page[start..].split('"').next().unwrap().to_owned()
}

#[test]
fn the_page_shows_the_article_as_heard_with_the_player_above_it() {
    let preview = Preview::start("preview.txt", &article());
    let page = preview.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let html = page.text();
    let player = html.find("data-articulate-manifest").unwrap();
    let article = html.find("<article").unwrap();
    assert!(player < article, "the player comes first");
    assert!(html.contains(
        "<h1><span data-articulate-segment=\"0\">Ferry service returns to the island after storm \
         repairs</span></h1>"
    ));
    assert!(html.contains("<h2><span data-articulate-segment=\"7\">Who pays for the rebuild?"));
    assert!(html.contains("<script src=\"/player/articulate-player.js\"></script>"));
}

#[test]
fn skipped_blocks_are_in_the_page_struck_through_with_their_reasons() {
    let preview = Preview::start("preview.txt", &article());
    let html = preview.get("/").text();
    assert!(html.contains(
        "<div class=\"skipped\"><del>Listen to this article</del> \
         <span class=\"skip-reason\">skipped: player widget text</span></div>"
    ));
    assert!(html.contains("<del>Advertisement</del>"));
    assert!(
        html.contains("aria-pressed=\"false\" aria-controls=\"article\">Show skipped blocks (2)")
    );
}

#[test]
fn the_manifest_and_its_audio_are_served_as_narrated() {
    let preview = Preview::start("preview.txt", &article());
    let url = manifest_url(&preview.get("/").text());
    assert_eq!(url, "/v/1/preview.json");
    let response = preview.get(&url);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let manifest: Manifest = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(manifest.chapters.len(), 4);
    assert_eq!(response.body, std::fs::read(preview.out().join("preview.json")).unwrap());

    let audio = preview.get("/v/1/preview.mp3");
    assert_eq!(audio.status, 200);
    assert_eq!(audio.header("content-type"), Some("audio/mpeg"));
    assert_eq!(audio.header("accept-ranges"), Some("bytes"));
    assert_eq!(audio.body, std::fs::read(preview.out().join("preview.mp3")).unwrap());
}

#[test]
fn audio_is_served_in_byte_ranges_so_the_player_can_seek() {
    let preview = Preview::start("preview.txt", &article());
    let mp3 = std::fs::read(preview.out().join("preview.mp3")).unwrap();
    let len = mp3.len();

    let middle = preview.request("/v/1/preview.mp3", &[("Range", "bytes=1000-1999")]);
    assert_eq!(middle.status, 206);
    assert_eq!(middle.header("content-range"), Some(format!("bytes 1000-1999/{len}").as_str()));
    assert_eq!(middle.body, &mp3[1000..2000]);

    let tail = preview.request("/v/1/preview.mp3", &[("Range", "bytes=-100")]);
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, &mp3[len - 100..]);

    let open_ended = preview.request("/v/1/preview.mp3", &[("Range", "bytes=5000-")]);
    assert_eq!(open_ended.status, 206);
    assert_eq!(open_ended.body, &mp3[5000..]);

    let beyond = preview.request("/v/1/preview.mp3", &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(beyond.status, 416);
}

#[test]
fn saving_the_file_narrates_only_the_changed_chunk_and_tells_open_pages() {
    let preview = Preview::start("preview.txt", &article());
    let mut events = Events::open(preview.addr);
    assert_eq!(events.next_version(), 1, "a page learns the current version at once");
    let cached = preview.cache_entries();

    let edited = article().replace(
        "A public meeting about the rebuild will be held in the village hall next Thursday evening.",
        "A public meeting about the rebuild will be held in the school next Friday evening.",
    );
    std::fs::write(preview.input("preview.txt"), edited).unwrap();

    assert_eq!(events.next_version(), 2);
    // The tone voice reports word marks, cached beside each chunk's audio: one chunk
    // synthesized is two entries.
    assert_eq!(preview.cache_entries(), cached + 2, "one chunk changed, one synthesized");
    assert!(preview.stderr().contains("saved; 1 of 13 chunks new"), "{}", preview.stderr());
    let html = preview.get("/").text();
    assert!(html.contains("held in the school next Friday evening."));
    assert_eq!(manifest_url(&html), "/v/2/preview.json");
    assert_eq!(preview.get("/v/1/preview.json").status, 404, "an old page's files are gone");
    assert_eq!(preview.get("/v/2/preview.mp3").status, 200);
}

#[test]
fn a_save_that_cannot_be_narrated_keeps_the_last_good_narration_and_shows_why() {
    let preview = Preview::start("preview.txt", &article());
    let mut events = Events::open(preview.addr);
    assert_eq!(events.next_version(), 1);

    std::fs::write(preview.input("preview.txt"), "\n\n").unwrap();

    assert_eq!(events.next_version(), 2);
    let html = preview.get("/").text();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("nothing to narrate"), "{html}");
    assert!(html.contains("Who pays for the rebuild?"), "the last good narration stays");
    assert_eq!(preview.get("/v/2/preview.mp3").status, 200);
}

#[test]
fn after_a_bad_save_a_good_one_takes_the_could_not_be_narrated_banner_away() {
    for good in [
        // Undoing the bad edit: back to what was last narrated.
        article(),
        // Or saving something new that narrates.
        article().replace("next Thursday evening", "next Friday evening"),
    ] {
        let preview = Preview::start("preview.txt", &article());
        let mut events = Events::open(preview.addr);
        assert_eq!(events.next_version(), 1);
        std::fs::write(preview.input("preview.txt"), "\n\n").unwrap();
        assert_eq!(events.next_version(), 2);
        assert!(preview.get("/").text().contains("could not be narrated"));

        std::fs::write(preview.input("preview.txt"), &good).unwrap();
        assert_eq!(events.next_version(), 3);
        let html = preview.get("/").text();
        assert!(!html.contains("could not be narrated"), "{html}");
        assert!(!html.contains("role=\"alert\""), "{html}");
        assert_eq!(manifest_url(&html), "/v/3/preview.json");
        assert_eq!(preview.get("/v/3/preview.mp3").status, 200);
    }
}

#[test]
fn it_listens_on_loopback_by_default() {
    let preview = Preview::start("preview.txt", &article());
    assert!(preview.addr.ip().is_loopback(), "{}", preview.addr);
    assert!(preview.url.starts_with("http://127.0.0.1:"), "{}", preview.url);
}

#[test]
fn previewing_something_that_is_not_a_file_is_an_error_saying_so() {
    crate::util::articulate()
        .args(["preview", "no-such-article.txt", "--port", "0"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("no-such-article.txt: not a file"));
}
