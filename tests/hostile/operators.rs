//! Findings 13–19: what an operator sees and pays for.

use std::path::Path;

use super::{cloud_profile, mp3, spoken_seconds, stub_tts};
use crate::batch::report;
use crate::cache::Counting;
use crate::serve::{Site, article};
use crate::util::{articulate, root, tone_wav};

const TONE: &str = "tests/fixtures/voices/tone.toml";

/// Finding 13.
#[test]
fn backend_failures_are_counted_in_metrics_by_their_final_status_or_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, _heard) = stub_tts(|request, _| match request.text().contains("busy") {
        true => (503, "application/json", br#"{"error":{"message":"overloaded"}}"#.to_vec()),
        false => (200, "text/html", b"<html>Just a moment...</html>".to_vec()),
    });
    let mut site = Site::new("");
    site.voice = cloud_profile(tmp.path(), "openai", &base, "").into();
    let server = site.start(&[("ARTICULATE_TEST_KEY", "sk-test")]);
    assert_eq!(server.post(&article("a", "The service is busy.")).status, 202);
    assert_eq!(server.wait_for("a")["state"], "failed");
    assert_eq!(server.post(&article("b", "A page instead of audio.")).status, 202);
    assert_eq!(server.wait_for("b")["state"], "failed");
    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    let errors: Vec<&str> =
        metrics.lines().filter(|l| l.starts_with("articulate_backend_errors_total{")).collect();
    assert_eq!(
        errors,
        [
            "articulate_backend_errors_total{status=\"503\"} 1",
            "articulate_backend_errors_total{status=\"bad_audio\"} 1"
        ],
        "{metrics}"
    );
}

/// Finding 14.
#[test]
fn an_output_directory_that_cannot_be_written_is_found_before_anything_is_synthesized() {
    let tmp = tempfile::tempdir().unwrap();
    let counting = Counting::new(&tmp.path().join("voice"), "0");
    std::fs::write(tmp.path().join("file"), "a file where a directory should be").unwrap();
    let run = articulate()
        .args(["narrate", "examples/heartstopper.txt", "--no-cache", "--voice", counting.voice()])
        .arg("-o")
        .arg(tmp.path().join("file/out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("file/out"), "{stderr}");
    assert_eq!(counting.requests(), Vec::<String>::new(), "nothing was synthesized (or paid)");
}

/// The `error:` lines of a run's stderr.
fn error_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr).lines().map(str::to_owned).collect()
}

/// Finding 15.
#[test]
fn every_error_is_one_line_saying_each_cause_once_as_the_readme_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let korean = tmp.path().join("ko.html");
    std::fs::write(
        &korean,
        "<html lang=\"ko\"><body><h1>다리 건설 승인</h1><p>시의회는 화요일 강에 다리를 건설하기로 \
         의결했다.</p></body></html>",
    )
    .unwrap();
    let run = articulate().args(["narrate", "--dry-run"]).arg(&korean).output().unwrap();
    let lines = error_lines(&run.stderr);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].matches("no voice profile speaks").count(), 1, "{}", lines[0]);

    // The README's examples are what articulate prints for them.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## Errors").nth(1).unwrap();
    let block = section.split("```").nth(1).unwrap();
    let shown: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();

    std::fs::write(tmp.path().join("article.txt"), "Listen to this article\n\nLoading audio...\n")
        .unwrap();
    let nothing = articulate()
        .current_dir(tmp.path())
        .args(["narrate", "article.txt", "--voice"])
        .arg(root().join(TONE))
        .arg("--config")
        .arg(root().join("config.toml"))
        .output()
        .unwrap();
    std::fs::write(
        tmp.path().join("article.txt"),
        "Storm closes the bridge\n\nThe bridge closed at noon.\n\nFerries ran instead.\n\n\
         The Klaxon sounded at six.\n",
    )
    .unwrap();
    let wav = tmp.path().join("reply.wav");
    std::fs::write(&wav, tone_wav(22_050, 6615)).unwrap();
    let script = format!(
        "text=$(cat); case \"$text\" in *Klaxon*) echo 'segfault in voice' >&2; exit 139;; \
         esac; cat '{}'",
        wav.display()
    );
    std::fs::write(
        tmp.path().join("crashing.toml"),
        format!("backend = \"command\"\nprogram = \"sh\"\nargs = [\"-c\", {script:?}]\n"),
    )
    .unwrap();
    let crashed = articulate()
        .current_dir(tmp.path())
        .args(["narrate", "article.txt", "--no-cache", "--voice", "crashing.toml", "--config"])
        .arg(root().join("config.toml"))
        .output()
        .unwrap();
    let unknown = articulate().args(["narrate", "article.txt", "--voice", "klingon"]).output();
    let mut real = Vec::new();
    for run in [nothing, crashed, unknown.unwrap()] {
        assert!(!run.status.success());
        let lines = error_lines(&run.stderr);
        assert_eq!(lines.len(), 1, "{lines:?}");
        real.push(lines[0].clone());
    }
    assert_eq!(shown, real);
}

/// Finding 16.
#[test]
fn logs_to_a_pipe_have_no_colour_codes_and_verbose_flags_say_what_happens() {
    let tmp = tempfile::tempdir().unwrap();
    let narrate = |flag: &str| {
        let run = articulate()
            .args(["narrate", "tests/fixtures/articles/short.txt", "--no-cache", flag, "--voice"])
            .arg(TONE)
            .arg("-o")
            .arg(tmp.path())
            .output()
            .unwrap();
        assert!(run.status.success());
        String::from_utf8(run.stderr).unwrap()
    };
    let info = narrate("-v");
    assert!(!info.contains('\u{1b}'), "colour codes in a pipe: {info:?}");
    for said in ["Narrating.", "Synthesized.", "Written.", "short.txt"] {
        assert!(info.contains(said), "-v does not say {said:?}: {info}");
    }
    assert!(!info.contains("DEBUG"), "{info}");
    let debug = narrate("-vv");
    assert!(!debug.contains('\u{1b}'));
    assert!(debug.contains("DEBUG") && debug.contains("chunk="), "{debug}");
}

/// Finding 17.
#[test]
fn a_local_voice_bills_nothing_and_a_cloud_estimate_needs_no_key() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = tmp.path().join("tiny.txt");
    std::fs::write(&tiny, "Hello.\n").unwrap();
    for dry in [true, false] {
        let mut command = articulate();
        command.args(["narrate", "--voice", "espeak-en-gb", "--no-cache", "--max-chars", "1"]);
        if dry {
            command.arg("--dry-run");
        }
        let run = command.arg("-o").arg(tmp.path()).arg(&tiny).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "dry run {dry}: {stderr}");
        if dry {
            assert!(stderr.contains("espeak-ng): 0 billed characters"), "{stderr}");
        }
    }
    let run = articulate()
        .env_remove("OPENAI_API_KEY")
        .args(["narrate", "--dry-run", "--voice", "openai-example"])
        .arg(&tiny)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("(openai): 6 billed characters in 1 requests"), "{stderr}");
    let manifest: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(manifest["cost"][0]["billed_chars"], 6);
}

/// Finding 18.
#[test]
fn a_json_feed_items_text_is_read_as_text_whatever_its_url_says() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("feed.json");
    let json = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "News",
        "items": [
            {"id": "1", "url": "https://example.com/news/markup.html", "title": "Markup",
             "content_text": "Markup\n\nThe <b> tag makes text bold, the editor said.\n"},
            {"id": "2", "url": "https://example.com/news/plain.txt", "title": "Plain",
             "content_html": "<h1>Plain</h1><p>Seen <em>as</em> HTML.</p><aside>Ad</aside>"},
        ]
    });
    std::fs::write(&feed, json.to_string()).unwrap();
    let out = tmp.path().join("out");
    articulate()
        .args(["batch", "--voice", TONE, "--no-cache", "-o"])
        .arg(&out)
        .arg(&feed)
        .assert()
        .success();
    let said = |name: &str| {
        let manifest = crate::util::manifest(&out.join(format!("{name}.json")));
        manifest.segments.iter().map(|s| s.text.clone()).collect::<Vec<_>>().join(" | ")
    };
    assert!(said("markup").contains("The <b> tag makes text bold"), "{}", said("markup"));
    assert_eq!(said("plain"), "Plain | Seen as HTML.");
}

/// Requests and cache hits of one batch run of `input` through `voice`.
fn batch_counts(tmp: &Path, voice: &str, input: &Path, env: &[(&str, &str)]) -> (u64, u64) {
    let report_file = tmp.join("report.jsonl");
    let run = articulate()
        .envs(env.iter().copied())
        .args(["batch", "--voice", voice, "--cache-dir"])
        .arg(tmp.join("cache"))
        .arg("--report")
        .arg(&report_file)
        .arg("-o")
        .arg(tmp.join("out"))
        .arg(input)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let line = &report(&report_file)[0];
    (line["requests"].as_u64().unwrap(), line["cache_hits"].as_u64().unwrap())
}

/// Finding 19.
#[test]
fn the_cache_key_holds_the_engines_version_and_the_context_a_backend_sends() {
    let tmp = tempfile::tempdir().unwrap();
    let story = tmp.path().join("story.txt");
    let text = |last: &str| {
        format!(
            "Bridge approved\n\nThe council voted on Tuesday.\n\nWork starts in spring.\n\n{last}\n"
        )
    };
    std::fs::write(&story, text("Residents cheered.")).unwrap();

    // espeak-ng, upgraded between two runs (a wrapper that says another version).
    let version = tmp.path().join("version");
    std::fs::write(&version, "1.51").unwrap();
    let wrapper = tmp.path().join("espeak-wrapper");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo \"eSpeak NG text-to-speech: \
             $(cat '{}')  Data at: /usr/share\"; exit 0; fi\nexec espeak-ng \"$@\"\n",
            version.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let espeak = tmp.path().join("espeak.toml");
    std::fs::write(
        &espeak,
        format!(
            "backend = \"espeak-ng\"\nlanguage = \"en\"\nprogram = {:?}\n",
            wrapper.display().to_string()
        ),
    )
    .unwrap();
    let voice = espeak.display().to_string();
    let espeak_dir = tmp.path().join("espeak");
    std::fs::create_dir_all(&espeak_dir).unwrap();
    assert_eq!(batch_counts(&espeak_dir, &voice, &story, &[]), (4, 0));
    assert_eq!(batch_counts(&espeak_dir, &voice, &story, &[]), (0, 4));
    std::fs::write(&version, "1.52").unwrap();
    assert_eq!(batch_counts(&espeak_dir, &voice, &story, &[]), (4, 0), "the new version speaks");

    // ElevenLabs hears its neighbours' text: an edit to the last paragraph changes the one
    // before it too.
    let (base, _heard) =
        stub_tts(|request, _| (200, "audio/mpeg", mp3(spoken_seconds(&request.text()))));
    let eleven_dir = tmp.path().join("eleven");
    std::fs::create_dir_all(&eleven_dir).unwrap();
    let voice = cloud_profile(&eleven_dir, "elevenlabs", &base, "");
    let key = [("ARTICULATE_TEST_KEY", "el-test")];
    std::fs::write(&story, text("Residents cheered.")).unwrap();
    assert_eq!(batch_counts(&eleven_dir, &voice, &story, &key), (4, 0));
    std::fs::write(&story, text("Residents cheered loudly.")).unwrap();
    assert_eq!(batch_counts(&eleven_dir, &voice, &story, &key), (2, 2));
}
