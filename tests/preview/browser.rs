//! The player in a real browser: headless Chromium (Debian's), against `articulate preview`
//! and against the `player/` that `narrate --player` writes. The tone voice makes narration
//! instant, so each test costs about a browser start.

use std::future::IntoFuture;
use std::sync::{Mutex, PoisonError};

use serde_json::json;

use super::article;
use super::cdp::Browser;
use super::support::{Preview, screenshot_path};
use crate::util;

/// The player's audio element.
pub(super) const AUDIO: &str = "document.querySelector('.articulate-player audio')";
/// True once the player has fetched the manifest and built itself.
pub(super) const READY: &str = "document.querySelector('[data-articulate-ready]')";

/// Run `test` against a fresh headless Chromium. One browser at a time: several at once on a
/// two-core machine make every page slow.
pub(super) fn in_chromium(test: impl AsyncFnOnce(&Browser)) {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let browser = Browser::launch().await;
        test(&browser).await;
    });
}

/// Open the preview's page and wait for the player.
pub(super) async fn open(browser: &Browser, preview: &Preview) {
    browser.goto(&preview.url).await;
    browser.wait_for(READY, "the player to load its manifest").await;
    browser.wait_for(&format!("{AUDIO}.readyState >= 1"), "the audio's metadata").await;
}

pub(super) async fn current_time(browser: &Browser) -> f64 {
    browser.eval(&format!("{AUDIO}.currentTime")).await.as_f64().unwrap()
}

/// The id of the highlighted segment, if any.
pub(super) async fn highlighted(browser: &Browser) -> Option<u64> {
    let id = browser
        .eval("document.querySelector('.articulate-current')?.dataset.articulateSegment ?? null")
        .await;
    id.as_str().map(|s| s.parse().unwrap())
}

/// Set the position while paused, and wait for the seek to finish.
pub(super) async fn seek(browser: &Browser, seconds: f64) {
    browser
        .eval(&format!(
            "new Promise(done => {{ const a = {AUDIO}; a.addEventListener('seeked', done, \
             {{ once: true }}); a.currentTime = {seconds}; }})"
        ))
        .await;
}

/// Run `action`, then wait for the seek it started to finish. Input events are handled by
/// the time the command that sent them returns, so the seek has started by then.
pub(super) async fn seeked_after(browser: &Browser, action: impl AsyncFnOnce()) {
    action().await;
    let settled = format!("!{AUDIO}.seeking && {AUDIO}.readyState >= 2");
    browser.wait_for(&settled, "the seek to finish").await;
}

#[test]
fn the_page_loads_without_console_errors_and_play_advances_the_time() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &article());
        open(browser, &preview).await;
        let text = |selector: &str| format!("document.querySelector('{selector}').textContent");
        assert_eq!(browser.eval(&text(".articulate-heading")).await, "Listen to this article");
        assert_eq!(
            browser.eval(&text(".articulate-title")).await,
            "Ferry service returns to the island after storm repairs"
        );
        assert_eq!(browser.eval(&text(".articulate-total")).await, "0:44");
        assert_eq!(
            browser.eval("document.querySelectorAll('.articulate-chapter').length").await,
            4
        );
        assert_eq!(browser.eval("document.querySelectorAll('.articulate-tick').length").await, 3);

        browser.click(".articulate-play").await;
        browser.wait_for(&format!("{AUDIO}.currentTime > 1.2"), "playback to advance").await;
        assert_eq!(browser.eval(&format!("{AUDIO}.paused")).await, false);
        let play = "document.querySelector('.articulate-play').getAttribute('aria-label')";
        assert_eq!(browser.eval(play).await, "Pause");
        assert_ne!(browser.eval(&text(".articulate-elapsed")).await, "0:00");
        assert_eq!(highlighted(browser).await, Some(0), "the headline is being read");

        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

#[test]
fn clicking_the_third_chapter_seeks_to_its_start_and_the_highlight_follows() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &article());
        let manifest = util::manifest(&preview.out().join("preview.json"));
        let start = manifest.chapters[2].start_ms.unwrap() as f64 / 1000.0;
        let mut in_chapter = manifest.segments.iter().filter(|s| s.chapter == 2);
        let (first, second) = (in_chapter.next().unwrap(), in_chapter.next().unwrap());
        open(browser, &preview).await;

        browser.click(".articulate-chapters-toggle").await;
        seeked_after(browser, async || {
            browser.click(".articulate-chapter[data-chapter='2']").await
        })
        .await;
        let time = current_time(browser).await;
        assert!((time - start).abs() <= 0.1, "at {time} s, the chapter starts at {start} s");
        assert_eq!(highlighted(browser).await, Some(first.id as u64));
        let current = "document.querySelector('.articulate-chapter[aria-current]').dataset.chapter";
        assert_eq!(browser.eval(current).await, "2");

        // Following along, the highlight moves to the next segment and stays on screen.
        browser.click(".articulate-follow").await;
        let next = second.id;
        browser
            .wait_for(
                &format!("document.querySelector('.articulate-current')?.dataset.articulateSegment === '{next}'"),
                "the highlight to follow the audio",
            )
            .await;
        browser.eval(&format!("{AUDIO}.pause()")).await;
        let visible = "(() => { const r = document.querySelector('.articulate-current')\
                       .getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()";
        browser.wait_for(visible, "the highlighted segment to be scrolled into view").await;

        browser.eval("window.scrollTo(0, 0)").await;
        let shot = screenshot_path("preview-page.png");
        browser.screenshot(&shot).await;
        assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

#[test]
fn clicking_a_paragraph_plays_from_it() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &article());
        let manifest = util::manifest(&preview.out().join("preview.json"));
        let segment = &manifest.segments[10];
        let start = segment.start_ms.unwrap() as f64 / 1000.0;
        open(browser, &preview).await;

        browser.click(&format!("[data-articulate-segment='{}']", segment.id)).await;
        browser.wait_for(&format!("!{AUDIO}.paused"), "playback to start").await;
        let time = current_time(browser).await;
        assert!(
            time >= start - 0.1 && time < start + 2.0,
            "at {time} s, the paragraph at {start} s"
        );
        assert_eq!(highlighted(browser).await, Some(segment.id as u64));
    });
}

#[test]
fn the_player_works_from_the_keyboard_and_names_every_control() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &article());
        open(browser, &preview).await;
        let named = "[...document.querySelectorAll('.articulate-player button, .articulate-player \
                     input, .articulate-player select')].every(c => (c.getAttribute('aria-label') \
                     || c.labels?.[0]?.textContent || c.textContent).trim().length > 0)";
        assert_eq!(browser.eval(named).await, true, "every control has an accessible name");
        let region = "document.querySelector('.articulate-player').getAttribute('aria-labelledby')";
        let heading = format!("document.getElementById({region}).textContent");
        assert_eq!(browser.eval(&heading).await, "Listen to this article");

        browser.focus(".articulate-seekbar").await;
        browser.press(" ").await;
        browser.wait_for(&format!("!{AUDIO}.paused"), "space to start playback").await;
        browser.press(" ").await;
        browser.wait_for(&format!("{AUDIO}.paused"), "space to pause").await;

        seek(browser, 10.0).await;
        seeked_after(browser, async || browser.press("ArrowRight").await).await;
        assert!((current_time(browser).await - 15.0).abs() < 0.01);
        seeked_after(browser, async || browser.press("ArrowLeft").await).await;
        assert!((current_time(browser).await - 10.0).abs() < 0.01);

        let forward = ".articulate-skip[aria-label='Forward 15 seconds']";
        seeked_after(browser, async || browser.click(forward).await).await;
        assert!((current_time(browser).await - 25.0).abs() < 0.01);
        let back = ".articulate-skip[aria-label='Back 15 seconds']";
        seeked_after(browser, async || browser.click(back).await).await;
        assert!((current_time(browser).await - 10.0).abs() < 0.01);

        browser.click(".articulate-chapters-toggle").await;
        browser.focus(".articulate-chapter[data-chapter='0']").await;
        browser.press("ArrowDown").await;
        let focused = "document.activeElement.dataset.chapter";
        assert_eq!(browser.eval(focused).await, "1", "arrows move between chapters");
    });
}

#[test]
fn speed_and_position_are_remembered_when_the_page_is_opened_again() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &article());
        open(browser, &preview).await;
        browser
            .eval(
                "(() => { const s = document.querySelector('.articulate-speed'); s.value = '1.5'; \
                 s.dispatchEvent(new Event('change', { bubbles: true })); })()",
            )
            .await;
        assert_eq!(browser.eval(&format!("{AUDIO}.playbackRate")).await, 1.5);
        let options =
            "[...document.querySelectorAll('.articulate-speed option')].map(o => +o.value)";
        assert_eq!(browser.eval(options).await, json!([0.75, 1, 1.25, 1.5, 1.75, 2]));
        seek(browser, 20.0).await;

        open(browser, &preview).await;
        browser.wait_for(&format!("{AUDIO}.currentTime > 19.9"), "the position to return").await;
        assert!(current_time(browser).await < 20.1);
        assert_eq!(browser.eval("document.querySelector('.articulate-speed').value").await, "1.5");
        assert_eq!(browser.eval(&format!("{AUDIO}.playbackRate")).await, 1.5);
    });
}

#[test]
fn skipped_blocks_show_struck_through_with_their_reason_when_toggled() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &article());
        open(browser, &preview).await;
        let display = "getComputedStyle(document.querySelector('.skipped')).display";
        assert_eq!(browser.eval(display).await, "none");

        browser.click("#toggle-skipped").await;
        assert_eq!(browser.eval(display).await, "block");
        let pressed = "document.querySelector('#toggle-skipped').getAttribute('aria-pressed')";
        assert_eq!(browser.eval(pressed).await, "true");
        let struck = "getComputedStyle(document.querySelector('.skipped del')).textDecorationLine";
        assert_eq!(browser.eval(struck).await, "line-through");
        let reason = "document.querySelector('.skipped .skip-reason').textContent";
        assert_eq!(browser.eval(reason).await, "skipped: player widget text");
    });
}

#[test]
fn saving_the_file_reloads_the_page_with_the_new_narration() {
    in_chromium(async |browser| {
        let preview = Preview::start("preview.txt", &article());
        open(browser, &preview).await;
        browser.eval("window.beforeTheSave = true").await;
        browser.click(".articulate-play").await;
        browser.wait_for(&format!("{AUDIO}.currentTime > 1"), "playback to advance").await;

        let edited = article().replace("village hall", "old fire station");
        std::fs::write(preview.input("preview.txt"), edited).unwrap();

        browser
            .wait_for(
                "!window.beforeTheSave && document.body.dataset.previewVersion === '2' && \
                 document.querySelector('[data-articulate-ready]')",
                "the page to reload itself",
            )
            .await;
        let text = "document.querySelector('article').textContent";
        assert!(browser.eval(text).await.as_str().unwrap().contains("old fire station"));
        // Where it was, still playing.
        browser.wait_for(&format!("!{AUDIO}.paused"), "playback to carry on").await;
        assert!(current_time(browser).await > 1.0);
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

#[test]
fn an_article_containing_script_shows_it_as_text() {
    in_chromium(async |browser| {
        let text = "Council <script>window.pwned = 1</script> votes\n\n\
                    The vote was <img src=x onerror=\"window.pwned = 2\"> close.\n";
        let preview = Preview::start("story.txt", text);
        open(browser, &preview).await;
        assert_eq!(browser.eval("window.pwned === undefined").await, true);
        let headline = "document.querySelector('article h1').textContent";
        assert_eq!(browser.eval(headline).await, "Council <script>window.pwned = 1</script> votes");
        let title = "document.querySelector('.articulate-title').textContent";
        assert_eq!(browser.eval(title).await, "Council <script>window.pwned = 1</script> votes");
        assert_eq!(browser.eval("document.scripts.length").await, 2, "only the page's own");
        assert_eq!(browser.eval("document.querySelectorAll('article img').length").await, 0);
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}

#[test]
fn the_published_player_plays_a_narration_from_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    util::articulate()
        .args(["narrate", "tests/fixtures/articles/preview.txt", "--player", "--voice"])
        .arg(util::fixture("voices/tone.toml"))
        .arg("-o")
        .arg(dir.path())
        .assert()
        .success();
    let manifest = util::manifest(&dir.path().join("preview.json"));
    in_chromium(async |browser| {
        // Any static file server will do; a publisher's would.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let files = tower_http::services::ServeDir::new(dir.path());
        tokio::spawn(
            axum::serve(listener, axum::Router::new().fallback_service(files)).into_future(),
        );

        browser.goto(&format!("http://{addr}/player/index.html")).await;
        browser.wait_for(READY, "the player to load its manifest").await;
        browser.wait_for(&format!("{AUDIO}.readyState >= 1"), "the audio's metadata").await;
        let heading = "document.querySelector('.articulate-heading').textContent";
        assert_eq!(browser.eval(heading).await, "Listen to this article");
        // The headline is the player's title; every other segment is in the transcript.
        let transcript =
            "document.querySelectorAll('.articulate-transcript [data-articulate-segment]').length";
        assert_eq!(browser.eval(transcript).await, json!(manifest.segments.len() - 1));

        browser.click(".articulate-chapters-toggle").await;
        browser.click(".articulate-follow").await;
        seeked_after(browser, async || {
            browser.click(".articulate-chapter[data-chapter='2']").await
        })
        .await;
        let start = manifest.chapters[2].start_ms.unwrap() as f64 / 1000.0;
        browser.wait_for(&format!("{AUDIO}.currentTime > {start} + 0.5"), "playback").await;
        let first = manifest.segments.iter().find(|s| s.chapter == 2).unwrap().id;
        let shown = highlighted(browser).await.unwrap();
        assert!(shown >= first as u64, "highlight {shown}, chapter starts at segment {first}");
        browser.eval(&format!("{AUDIO}.pause()")).await;
        let visible = "(() => { const r = document.querySelector('.articulate-current')\
                       .getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()";
        browser.wait_for(visible, "the highlighted segment to be scrolled into view").await;
        browser.eval("window.scrollTo(0, 0)").await;
        browser.screenshot(&screenshot_path("published-player-page.png")).await;
        assert!(browser.errors().is_empty(), "console errors: {:#?}", browser.errors());
    });
}
