//! Bad input gets one clear line on stderr, a non-zero exit, and no output touched.

use std::path::Path;

use crate::util::{articulate, fixture};

const TONE: &str = "tests/fixtures/voices/tone.toml";

/// Run `narrate` into `dir` and return (success, stderr).
fn narrate(input: &str, voice: &str, dir: &Path) -> (bool, String) {
    let out =
        articulate().args(["narrate", input, "--voice", voice, "-o"]).arg(dir).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The failure is reported on one line starting "error:", with no panic.
fn assert_one_line_error(stderr: &str, mentions: &[&str]) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for m in mentions {
        assert!(lines[0].contains(m), "{m:?} not in: {stderr}");
    }
}

fn write_profile(dir: &Path, script: &str) -> String {
    let path = dir.join("broken.toml");
    std::fs::write(
        &path,
        format!("backend = \"command\"\nprogram = \"sh\"\nargs = [\"-c\", {script:?}]\n"),
    )
    .unwrap();
    path.display().to_string()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_missing_file_is_named_in_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stderr) = narrate("no/such/article.txt", TONE, tmp.path());
    assert!(!ok);
    assert_one_line_error(&stderr, &["no/such/article.txt"]);
    assert!(files_in(tmp.path()).is_empty());
}

#[test]
fn an_empty_file_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("empty.txt");
    std::fs::write(&input, "  \n\n").unwrap();
    let (ok, stderr) = narrate(input.to_str().unwrap(), TONE, tmp.path());
    assert!(!ok);
    assert_one_line_error(&stderr, &["empty.txt", "empty"]);
    assert_eq!(files_in(tmp.path()), ["empty.txt"]);
}

#[test]
fn a_binary_file_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("image.txt");
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 256) as u8).collect();
    std::fs::write(&input, bytes).unwrap();
    let (ok, stderr) = narrate(input.to_str().unwrap(), TONE, tmp.path());
    assert!(!ok);
    assert_one_line_error(&stderr, &["image.txt", "binary"]);
}

#[test]
fn an_article_with_nothing_speakable_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("widget.txt");
    std::fs::write(&input, "Listen to this article\n\nLoading audio...\n").unwrap();
    let (ok, stderr) = narrate(input.to_str().unwrap(), TONE, tmp.path());
    assert!(!ok);
    assert_one_line_error(&stderr, &["widget.txt", "nothing to narrate"]);
}

#[test]
fn an_unknown_voice_lists_the_available_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stderr) = narrate("examples/heartstopper.txt", "klingon", tmp.path());
    assert!(!ok);
    assert_one_line_error(&stderr, &["klingon", "espeak-en-gb", "flite"]);
    assert!(files_in(tmp.path()).is_empty());
}

#[test]
fn an_engine_that_crashes_is_named_with_its_chunk_and_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let voice = write_profile(tmp.path(), "echo 'segfault in voice' >&2; exit 139");
    let input = fixture("articles/short.txt");
    let (ok, stderr) = narrate(input.to_str().unwrap(), &voice, tmp.path());
    assert!(!ok);
    assert_one_line_error(
        &stderr,
        &["short.txt", "backend command", "chunk ", "segfault in voice"],
    );
    assert_eq!(files_in(tmp.path()), ["broken.toml"]);
}

#[test]
fn an_engine_that_returns_garbage_is_named_with_its_chunk() {
    let tmp = tempfile::tempdir().unwrap();
    let voice = write_profile(tmp.path(), "cat >/dev/null; echo '<html>not audio</html>'");
    let input = fixture("articles/short.txt");
    let (ok, stderr) = narrate(input.to_str().unwrap(), &voice, tmp.path());
    assert!(!ok);
    assert_one_line_error(&stderr, &["short.txt", "command", "chunk 0"]);
    assert_eq!(files_in(tmp.path()), ["broken.toml"]);
}

#[test]
fn a_failed_narration_leaves_an_earlier_good_output_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let input = fixture("articles/short.txt");
    let (ok, stderr) = narrate(input.to_str().unwrap(), TONE, tmp.path());
    assert!(ok, "{stderr}");
    let before: Vec<(String, Vec<u8>)> = files_in(tmp.path())
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(tmp.path().join(&f)).unwrap()))
        .collect();
    let voice = write_profile(tmp.path(), "exit 1");
    let (ok, _) = narrate(input.to_str().unwrap(), &voice, tmp.path());
    assert!(!ok);
    // The first run's files (the audio, its manifest, chapters and, from the tone voice's
    // word marks, the transcripts) are all still there, byte for byte, and nothing else
    // but the broken profile.
    assert!(before.iter().any(|(name, _)| name == "short.mp3"), "{before:?}");
    let mut expected: Vec<String> = before.iter().map(|(name, _)| name.clone()).collect();
    for (name, bytes) in before {
        assert_eq!(std::fs::read(tmp.path().join(&name)).unwrap(), bytes, "{name} changed");
    }
    expected.push("broken.toml".to_owned());
    expected.sort();
    assert_eq!(files_in(tmp.path()), expected);
}

#[test]
fn an_invalid_config_reports_every_problem_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "[narrate]\nvoise = 1\n[audio]\nsample_rate = 5\n[nope]\n").unwrap();
    let out = articulate()
        .args(["narrate", "examples/heartstopper.txt", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_one_line_error(&stderr, &["voise", "sample_rate", "[nope]"]);
}

#[test]
fn a_voice_knob_the_backend_lacks_is_refused_before_any_work_naming_those_that_have_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = articulate()
        .args(["narrate", "tests/fixtures/articles/short.txt", "--voice", "espeak-en-gb"])
        .args(["--volume", "3", "-o"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_one_line_error(&stderr, &["--volume", "espeak-ng", "no volume setting", "google"]);
    assert!(files_in(tmp.path()).is_empty());
}

#[test]
fn a_voice_knob_the_backend_has_changes_the_narration() {
    if !crate::util::installed("espeak-ng") {
        eprintln!("SKIPPED: espeak-ng is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let length = |rate: &str| {
        let dir = tmp.path().join(rate);
        articulate()
            .args(["narrate", "tests/fixtures/articles/short.txt", "--voice", "espeak-en-gb"])
            .args(["--no-cache", "--rate", rate, "-o"])
            .arg(&dir)
            .assert()
            .success();
        crate::util::manifest(&dir.join("short.json")).duration_ms.unwrap()
    };
    let (slow, fast) = (length("120"), length("240"));
    assert!(slow > fast * 3 / 2, "120 wpm takes {slow} ms, 240 wpm {fast} ms");
}
