//! Narrating the example article with the default voice (Piper), and checking every output
//! against the manifest with independent readers.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use articulate::model::{BlockKind, Manifest};

use crate::util::{self, articulate};

const CHAPTERS: [&str; 7] = [
    "Netflix's Heartstopper: Will there be a season 2?",
    "Will there be a Heartstopper season 2?",
    "What is Heartstopper based on?",
    "Who's in the Heartstopper cast?",
    "Is Kit Connor straight?",
    "Is Joe Locke gay?",
    "Is Elle from Heartstopper trans?",
];

/// The example narrated once (MP3 and WAV) for every test in this file.
fn example() -> &'static (PathBuf, Manifest) {
    static DONE: OnceLock<(tempfile::TempDir, PathBuf, Manifest)> = OnceLock::new();
    let (_, dir, manifest) = DONE.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        articulate()
            .args(["narrate", "examples/heartstopper.txt", "--format", "mp3,wav", "-o"])
            .arg(&dir)
            .assert()
            .success();
        let manifest = util::manifest(&dir.join("heartstopper.json"));
        (tmp, dir, manifest)
    });
    // The TempDir lives in the static, so the directory outlives every test.
    let leaked: &'static (PathBuf, Manifest) = Box::leak(Box::new((dir.clone(), manifest.clone())));
    leaked
}

/// `[audio] lead_in_ms` in config.toml.
const LEAD_IN_MS: u64 = 250;

fn ms(frames: u64, rate: u32) -> u64 {
    frames * 1000 / u64::from(rate)
}

#[test]
fn the_example_has_exactly_the_seven_chapters() {
    let (_, manifest) = example();
    let titles: Vec<&str> = manifest.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, CHAPTERS);
    assert_eq!(manifest.title, CHAPTERS[0]);
}

#[test]
fn every_body_paragraph_and_cast_line_is_spoken() {
    let (_, manifest) = example();
    let spoken: String =
        manifest.segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n");
    for sentence in [
        "Heartstopper only recently dropped on Netflix and it's already delighting TV fans.",
        "The first season of Heartstopper only covers the first two volumes",
        "I'll definitely want to be bringing in the themes of mental health",
        "Heartstopper is based on the graphic novel by Alice Oseman.",
        "See the Heartstopper cast below:",
        "Like his co-star, Locke has remained fairly tight-lipped",
        "Heartstopper is available to stream now on Netflix.",
    ] {
        assert!(spoken.contains(sentence), "not spoken: {sentence}");
    }
    let cast: Vec<_> = manifest.segments.iter().filter(|s| s.kind == BlockKind::ListItem).collect();
    assert_eq!(cast.len(), 19, "{cast:#?}");
    assert!(cast.iter().any(|s| s.text.contains("Richard Stemp - Mr. Budd")));
}

#[test]
fn captions_promos_widget_text_and_the_related_tail_are_skipped_not_spoken() {
    let (_, manifest) = example();
    let spoken: String =
        manifest.segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n");
    let skipped: String =
        manifest.skipped.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n");
    for text in [
        "Picture: Netflix",
        "READ MORE",
        "Listen to this article",
        "Loading audio",
        "Watch the full-length trailer",
        "25 April 2022, 14:35",
        "albums of 1985",
        "Oasis",
        "Beatles",
    ] {
        assert!(!spoken.contains(text), "spoken but should not be: {text}");
        assert!(skipped.contains(text), "not recorded as skipped: {text}");
    }
    assert!(manifest.skipped.iter().all(|s| !s.reason.is_empty()));
}

#[test]
fn chapters_agree_across_mp3_wav_vtt_json_and_the_manifest() {
    let (dir, manifest) = example();
    let expected: Vec<(u64, u64, String)> = manifest
        .chapters
        .iter()
        .map(|c| (c.start_ms.unwrap(), c.end_ms.unwrap(), c.title.clone()))
        .collect();
    assert_eq!(expected.last().unwrap().1, manifest.duration_ms.unwrap());

    assert_eq!(util::ffprobe_chapters(&dir.join("heartstopper.mp3")), expected, "MP3 CHAP frames");
    assert_eq!(util::vtt_cues(&dir.join("heartstopper.chapters.vtt")), expected, "WebVTT");

    let rate = manifest.audio.iter().find(|a| a.format == "wav").unwrap().sample_rate;
    let cues: Vec<(u64, String)> = util::wav_cues(&dir.join("heartstopper.wav"))
        .into_iter()
        .map(|(offset, title)| (ms(u64::from(offset), rate), title))
        .collect();
    let starts: Vec<(u64, String)> = expected.iter().map(|(s, _, t)| (*s, t.clone())).collect();
    assert_eq!(cues, starts, "WAV cue points");

    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("heartstopper.chapters.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["version"], "1.2.0");
    let chapters: Vec<(u64, String)> = json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (c["startTime"].as_f64().unwrap() * 1000.0).round() as u64,
                c["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(chapters, starts, "Podcasting 2.0 chapters");
}

#[test]
fn the_decoded_audio_is_exactly_as_long_as_the_manifest_says() {
    let (dir, manifest) = example();
    let duration = manifest.duration_ms.unwrap();
    for file in ["heartstopper.wav", "heartstopper.mp3"] {
        let (frames, rate, _) = util::decode(&dir.join(file));
        assert_eq!(ms(frames, rate), duration, "{file}: {frames} frames at {rate} Hz");
    }
    let last = manifest.segments.last().unwrap();
    assert!(last.end_ms.unwrap() <= duration);
}

#[test]
fn the_narration_opens_with_a_lead_in_and_every_chapter_mark_sits_a_lead_in_before_its_heading() {
    let (dir, manifest) = example();
    let (_, rate, samples) = util::decode(&dir.join("heartstopper.wav"));
    let at = |ms: u64| (ms * u64::from(rate) / 1000) as usize;
    let first_segment = |chapter: usize| manifest.segments.iter().find(|s| s.chapter == chapter);
    assert_eq!(manifest.chapters[0].start_ms, Some(0));
    assert_eq!(manifest.segments[0].start_ms, Some(LEAD_IN_MS));
    assert!(
        util::rms_db(&samples[..at(LEAD_IN_MS - 10)]) < -60.0,
        "no silence before the first word"
    );
    for (i, chapter) in manifest.chapters.iter().enumerate().skip(1) {
        let start = chapter.start_ms.unwrap();
        let heading = first_segment(i).unwrap().start_ms.unwrap();
        assert_eq!(heading - start, LEAD_IN_MS, "{}", chapter.title);
        let before = &samples[at(start) - at(300)..at(start)];
        let breath = &samples[at(start)..at(heading - 10)];
        let after = &samples[at(heading)..at(heading + 300)];
        assert!(util::rms_db(before) < -60.0, "{}: not silent before", chapter.title);
        assert!(util::rms_db(breath) < -60.0, "{}: not silent in the lead-in", chapter.title);
        assert!(util::rms_db(after) > -40.0, "{}: no speech after", chapter.title);
    }
}

#[test]
fn the_example_is_read_by_the_default_neural_voice() {
    if !crate::voice::piper_installed() {
        return;
    }
    let (_, manifest) = example();
    assert_eq!((manifest.voice.as_str(), manifest.backend.as_str()), ("piper-en-us", "piper"));
    assert!(manifest.fallback.is_none());
}

#[test]
fn segments_are_in_order_and_do_not_overlap() {
    let (_, manifest) = example();
    let mut previous_end = 0;
    for (i, s) in manifest.segments.iter().enumerate() {
        assert_eq!(s.id, i);
        let (start, end) = (s.start_ms.unwrap(), s.end_ms.unwrap());
        assert!(
            previous_end <= start && start < end,
            "segment {i}: {start}..{end} after {previous_end}"
        );
        previous_end = end;
    }
}

#[test]
fn the_dry_run_manifest_matches_its_snapshot() {
    let out =
        articulate().args(["narrate", "--dry-run", "examples/heartstopper.txt"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(manifest["duration_ms"].is_null());
    assert!(manifest["chapters"][0]["start_ms"].is_null());
    insta::assert_json_snapshot!("dry_run_manifest", manifest);
}

#[test]
fn a_second_engine_narrates_through_the_command_backend() {
    let tmp = tempfile::tempdir().unwrap();
    articulate()
        .args(["narrate", "tests/fixtures/articles/short.txt", "--voice", "flite", "-o"])
        .arg(tmp.path())
        .assert()
        .success();
    let manifest = util::manifest(&tmp.path().join("short.json"));
    assert_eq!(manifest.backend, "command");
    let (frames, rate, _) = util::decode(&tmp.path().join("short.mp3"));
    assert_eq!(ms(frames, rate), manifest.duration_ms.unwrap());
    assert!(manifest.duration_ms.unwrap() > 2000);
}

#[test]
fn stdin_is_read_when_the_input_is_a_dash() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(util::fixture("articles/short.txt")).unwrap();
    articulate()
        .args(["narrate", "-", "--voice", "tests/fixtures/voices/tone.toml", "-o"])
        .arg(tmp.path())
        .write_stdin(text)
        .assert()
        .success();
    assert!(Path::new(&tmp.path().join("stdin.mp3")).is_file());
}
