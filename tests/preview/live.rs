//! `preview` plays its first narration while it is made, as `serve` does: the page is up at
//! once, the player plays the stream, then moves to the finished file.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::browser::in_chromium;
use super::support::request;
use crate::util;

#[test]
fn the_first_narration_plays_in_the_preview_while_it_is_made_then_the_finished_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("story.txt");
    std::fs::write(
        &input,
        std::fs::read_to_string(util::root().join("examples/heartstopper.txt")).unwrap(),
    )
    .unwrap();
    let stderr = dir.path().join("stderr.txt");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("articulate"))
        .current_dir(util::root())
        .env_remove("ARTICULATE_LOG")
        .arg("preview")
        .arg(&input)
        .arg("--voice")
        .arg(util::fixture("voices/slow-espeak.toml"))
        .args(["--port", "0", "-o"])
        .arg(dir.path().join("out"))
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    // stdout says when the narration is finished; stderr, before that, where it plays.
    let (said, finished) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = said.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        let text = std::fs::read_to_string(&stderr).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("while it is narrated")) {
            let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap();
            break url.to_owned();
        }
        assert!(Instant::now() < deadline, "preview never became playable: {text}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(finished.try_recv().is_err(), "playable before the narration is finished");
    let addr = url.trim_start_matches("http://").trim_end_matches('/').parse().unwrap();
    let page = request(addr, "/", &[]).text();
    assert!(page.contains("data-articulate-live=\"/v/1/story.m3u8\""), "{page}");
    assert_eq!(request(addr, "/v/1/story.json", &[]).status, 404, "no manifest before it is made");

    in_chromium(async |browser| {
        browser.goto(&url).await;
        let player = "document.querySelector('[data-articulate-manifest]')";
        let audio = "document.querySelector('.articulate-player audio')";
        browser.wait_for(&format!("{player}.dataset.articulateMode === 'live'"), "live").await;
        browser.eval("document.querySelector('.articulate-play').click()").await;
        browser.wait_for(&format!("{audio}.currentTime > 0.5"), "the stream to play").await;
        assert!(finished.try_recv().is_err(), "heard before the narration was finished");
        browser.wait_for(&format!("{player}.dataset.articulateMode === 'final'"), "the file").await;
        let src = browser.eval(&format!("{audio}.src")).await;
        assert!(src.as_str().unwrap().ends_with("/v/1/story.mp3"), "{src}");
        browser.wait_for(&format!("!{audio}.paused"), "playing on").await;
        // Words are highlighted in the page's own text once the manifest times them.
        browser
            .wait_for("document.querySelector('.articulate-current') !== null", "a highlight")
            .await;
        let errors: Vec<String> = browser
            .errors()
            .into_iter()
            .filter(|e| !(e.contains("404") && e.contains("/v/1/story.m3u8")))
            .collect();
        assert!(errors.is_empty(), "console errors: {errors:#?}");
    });
    let line = finished.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(line.starts_with("Previewing") && line.contains(&url), "{line}");
    assert_eq!(request(addr, "/v/1/story.m3u8", &[]).status, 404, "the stream is taken down");
    assert!(!dir.path().join("out/story.m3u8").exists() && !dir.path().join("out/live").exists());
    let _ = child.kill();
    let _ = child.wait();
}
