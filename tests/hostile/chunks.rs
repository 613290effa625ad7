//! Finding 5: a chunk is checked before it is cached, and a bad one is asked for again.

use super::{cloud_profile, mp3, spoken_seconds, stub_tts};
use crate::util::{articulate, decode};

const HEADLINE: &str = "Council approves the bridge";
const BODY: &str = "The city council voted on Tuesday to build a bridge across the river.";

/// Finding 5.
#[test]
fn a_chunk_cut_short_or_answered_with_a_web_page_is_asked_for_again_and_never_cached() {
    let tmp = tempfile::tempdir().unwrap();
    // The first answer for each text is bad: a CDN's challenge page with a 200 for the
    // headline, a well-formed MP3 cut to a tenth for the body. Then the real thing.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let answered = std::sync::Arc::clone(&seen);
    let (base, heard) = stub_tts(move |request, _| {
        let text = request.text();
        let first = {
            let mut seen = answered.lock().unwrap();
            let first = !seen.contains(&text);
            seen.push(text.clone());
            first
        };
        match (first, text.contains("council voted")) {
            (true, false) => {
                (200, "text/html", b"<html><title>Just a moment...</title></html>".to_vec())
            }
            (true, true) => (200, "audio/mpeg", mp3(spoken_seconds(&text) / 10.0)),
            (false, _) => (200, "audio/mpeg", mp3(spoken_seconds(&text))),
        }
    });
    let profile = cloud_profile(tmp.path(), "openai", &base, "");
    let article = tmp.path().join("bridge.txt");
    std::fs::write(&article, format!("{HEADLINE}\n\n{BODY}\n")).unwrap();
    let narrate = |out: &str| {
        let run = articulate()
            .env("ARTICULATE_TEST_KEY", "sk-test")
            .args(["narrate", "--voice", &profile, "--cache-dir"])
            .arg(tmp.path().join("cache"))
            .arg("-o")
            .arg(tmp.path().join(out))
            .arg(&article)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    };
    narrate("first");
    assert_eq!(heard.lock().unwrap().len(), 4, "each chunk asked for twice");
    let (frames, rate, _) = decode(&tmp.path().join("first/bridge.mp3"));
    let seconds = frames as f64 / f64::from(rate);
    let whole = spoken_seconds(HEADLINE) + spoken_seconds(BODY);
    assert!(seconds > whole * 0.9, "{seconds} s of audio, {whole} s said");

    // What the cache kept is the whole answer: a second narration asks nothing and matches.
    narrate("second");
    assert_eq!(heard.lock().unwrap().len(), 4);
    assert_eq!(
        std::fs::read(tmp.path().join("first/bridge.mp3")).unwrap(),
        std::fs::read(tmp.path().join("second/bridge.mp3")).unwrap()
    );
}
