//! The house pronunciation dictionary: layered under every voice's own lexicon, checked with
//! the configuration, and converted to and from W3C PLS.

use std::path::{Path, PathBuf};

use crate::util::articulate;

/// A directory with a config.toml naming `house` (relative to it) as the house dictionary.
fn config_dir(house: Option<(&str, &str)>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("[narrate]\ncache = false\n");
    if let Some((name, text)) = house {
        config.push_str(&format!("lexicon = {name:?}\n"));
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    (dir, path)
}

/// A `command` voice that appends the text of each request to `requests.log`, with
/// `lexicon` as its own [lexicon] table.
fn recording_voice(dir: &Path, lexicon: &str) -> (PathBuf, PathBuf) {
    let wav = dir.join("reply.wav");
    std::fs::write(&wav, crate::util::tone_wav(24_000, 2_400)).unwrap();
    let log = dir.join("requests.log");
    let script =
        format!("cat >> '{}'; echo >> '{}'; cat '{}'", log.display(), log.display(), wav.display());
    let profile = dir.join("recording.toml");
    std::fs::write(
        &profile,
        format!(
            "backend = \"command\"\nlanguage = \"en\"\nprogram = \"sh\"\nargs = [\"-c\", {}]\n\
             format = \"wav\"\nconcurrency = 1\n\n[lexicon]\n{lexicon}",
            toml::Value::String(script)
        ),
    )
    .unwrap();
    (profile, log)
}

fn narrate_sent(config: Option<&Path>, profile: &Path, article: &str, dir: &Path) -> String {
    let input = dir.join("article.txt");
    std::fs::write(&input, article).unwrap();
    let mut cmd = articulate();
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    cmd.args(["narrate", "--no-cache", "--voice"])
        .arg(profile)
        .arg(&input)
        .arg("-o")
        .arg(dir.join("out"))
        .assert()
        .success();
    std::fs::read_to_string(dir.join("requests.log")).unwrap()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_house_dictionary_applies_under_the_voice_lexicon_whose_entries_win() {
    let house = "[lexicon]\nOseman = \"Ozeman\"\nLocke = \"Lock\"\n";
    let (dir, config) = config_dir(Some(("house.toml", house)));
    let (profile, _) = recording_voice(dir.path(), "Oseman = \"Ohseman\"\n");
    let sent = narrate_sent(Some(&config), &profile, "Alice Oseman met Joe Locke.\n", dir.path());
    assert!(sent.contains("Alice Ohseman met Joe Lock."), "{sent}");
    assert!(!sent.contains("Ozeman"), "{sent}");
}

#[test]
fn the_shipped_house_dictionary_at_the_root_applies_to_every_voice() {
    let dir = tempfile::tempdir().unwrap();
    let (profile, _) = recording_voice(dir.path(), "");
    let sent = narrate_sent(None, &profile, "Niamh flew to Kyiv.\n", dir.path());
    assert!(sent.contains("Neev flew to Keev."), "{sent}");
}

#[test]
fn a_missing_default_house_dictionary_is_no_house_dictionary() {
    let (dir, config) = config_dir(None);
    let (profile, _) = recording_voice(dir.path(), "");
    let sent = narrate_sent(Some(&config), &profile, "Niamh flew to Kyiv.\n", dir.path());
    assert!(sent.contains("Niamh flew to Kyiv."), "{sent}");
}

#[test]
fn a_bad_house_entry_is_reported_by_file_line_and_key_with_the_other_config_errors() {
    let house = "# names\n[lexicon]\nOseman = \"Ozeman\"\nLocke = 3\nNiamh = { ipa = \"NEEV\" }\n";
    let (dir, config) = config_dir(Some(("house.toml", house)));
    let text = std::fs::read_to_string(&config).unwrap() + "voise = \"x\"\n";
    std::fs::write(&config, text).unwrap();
    let out = articulate()
        .arg("--config")
        .arg(&config)
        .args(["narrate", "--dry-run", "examples/heartstopper.txt"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = stderr_of(&out);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let house = dir.path().join("house.toml").display().to_string();
    for expected in [
        "voise",
        &format!("{house} line 4: lexicon entry \"Locke\": expected a respelling"),
        "found integer",
        &format!("{house} line 5: lexicon entry \"Niamh\": ipa \"NEEV\" is not IPA"),
    ] {
        assert!(lines[0].contains(expected), "{expected:?} not in {stderr}");
    }
}

#[test]
fn a_configured_house_dictionary_that_is_missing_is_an_error_naming_it() {
    let (dir, config) = config_dir(None);
    std::fs::write(&config, "[narrate]\nlexicon = \"names/house.toml\"\n").unwrap();
    let out = articulate().arg("--config").arg(&config).args(["voices"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = stderr_of(&out);
    assert!(stderr.starts_with("error: invalid pronunciation lexicon: "), "{stderr}");
    assert!(
        stderr.contains(&dir.path().join("names/house.toml").display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("[narrate] lexicon"), "{stderr}");
}

#[test]
fn a_syntax_error_in_the_house_dictionary_names_its_line() {
    let (_dir, config) =
        config_dir(Some(("house.toml", "[lexicon]\nOseman = \"Ozeman\"\nLocke = \n")));
    let out = articulate().arg("--config").arg(&config).args(["voices"]).output().unwrap();
    let stderr = stderr_of(&out);
    assert!(!out.status.success() && stderr.contains("house.toml line 3: "), "{stderr}");
}

const HOUSE: &str = "\
# Our house names.
[lexicon]
# Authors
Oseman = \"Ozeman\"   # checked with her agent
Locke = { say = \"Lock\", ipa = \"lɒk\" }
Niamh = { ipa = \"niːv\" }
\"AT&T\" = \"A T and T\"
\"re:\\\\bSt\\\\.? Pancras\\\\b\" = \"Saint Pancras\"
";

#[test]
fn the_house_dictionary_round_trips_through_pls() {
    let (dir, config) = config_dir(Some(("house.toml", HOUSE)));
    let out = articulate()
        .arg("--config")
        .arg(&config)
        .args(["lexicon", "export", "--lang", "en-GB"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let pls = String::from_utf8(out.stdout.clone()).unwrap();
    let doc = roxmltree::Document::parse(&pls).unwrap();
    let root = doc.root_element();
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/01/pronunciation-lexicon")
    );
    assert_eq!(root.attribute("alphabet"), Some("ipa"));
    assert_eq!(root.attribute(("http://www.w3.org/XML/1998/namespace", "lang")), Some("en-GB"));
    let graphemes: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("grapheme")).filter_map(|n| n.text()).collect();
    assert_eq!(graphemes, ["Oseman", "Locke", "Niamh", "AT&T"]);
    assert!(stderr_of(&out).contains("re:\\bSt\\.? Pancras\\b"), "the regex entry is named");

    // Into a new dictionary, and out again: the same document.
    let (other, other_config) = config_dir(None);
    std::fs::write(&other_config, "[narrate]\nlexicon = \"new.toml\"\n").unwrap();
    std::fs::write(other.path().join("new.toml"), "").unwrap();
    let pls_file = dir.path().join("house.pls");
    std::fs::write(&pls_file, &pls).unwrap();
    articulate()
        .arg("--config")
        .arg(&other_config)
        .args(["lexicon", "import"])
        .arg(&pls_file)
        .assert()
        .success();
    let again = articulate()
        .arg("--config")
        .arg(&other_config)
        .args(["lexicon", "export", "--lang", "en-GB"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), pls);
}

#[test]
fn an_import_keeps_comments_and_order_adds_new_entries_at_the_end_and_keeps_differing_ones() {
    let (dir, config) = config_dir(Some(("house.toml", HOUSE)));
    let pls = dir.path().join("vendor.pls");
    std::fs::write(
        &pls,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="en-GB">
  <lexeme><grapheme>Oseman</grapheme><alias>Ohseman</alias></lexeme>
  <lexeme><grapheme>Locke</grapheme><phoneme>lɒk</phoneme><alias>Lock</alias></lexeme>
  <lexeme><grapheme>Saoirse</grapheme><alias>Seersha</alias></lexeme>
  <lexeme><grapheme>tomato</grapheme><phoneme alphabet="x-sampa">t@"mA:t@U</phoneme></lexeme>
</lexicon>
"#,
    )
    .unwrap();
    let out = articulate()
        .arg("--config")
        .arg(&config)
        .args(["lexicon", "import"])
        .arg(&pls)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let house = std::fs::read_to_string(dir.path().join("house.toml")).unwrap();
    assert_eq!(house, format!("{HOUSE}Saoirse = \"Seersha\"\n"));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("line 7: tomato: phonemes in x-sampa are not IPA: skipped"),
        "{stderr}"
    );
    assert!(stderr.contains("kept Oseman = \"Ozeman\""), "{stderr}");
    assert!(stderr.contains("1 added, 0 replaced, 1 already there, 1 kept"), "{stderr}");

    articulate()
        .arg("--config")
        .arg(&config)
        .args(["lexicon", "import", "--replace"])
        .arg(&pls)
        .assert()
        .success();
    let house = std::fs::read_to_string(dir.path().join("house.toml")).unwrap();
    assert!(house.contains("Oseman = \"Ohseman\"   # checked with her agent\n"), "{house}");
    assert!(house.starts_with("# Our house names.\n[lexicon]\n# Authors\n"), "{house}");
}

#[test]
fn an_import_can_print_the_entries_instead_of_changing_the_dictionary() {
    let (dir, config) = config_dir(Some(("house.toml", HOUSE)));
    let pls = dir.path().join("vendor.pls");
    std::fs::write(
        &pls,
        "<lexicon version=\"1.0\" xmlns=\"http://www.w3.org/2005/01/pronunciation-lexicon\" \
         alphabet=\"ipa\" xml:lang=\"en\"><lexeme><grapheme>Niamh</grapheme>\
         <phoneme>niːv</phoneme><alias>Neev</alias></lexeme></lexicon>",
    )
    .unwrap();
    let out = articulate()
        .arg("--config")
        .arg(&config)
        .args(["lexicon", "import", "--print"])
        .arg(&pls)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "[lexicon]\nNiamh = { say = \"Neev\", ipa = \"niːv\" }\n"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("house.toml")).unwrap(), HOUSE);
}

#[test]
fn a_file_that_is_not_pls_is_refused_and_the_dictionary_left_alone() {
    let (dir, config) = config_dir(Some(("house.toml", HOUSE)));
    let bad = dir.path().join("bad.pls");
    std::fs::write(&bad, "<?xml version=\"1.0\"?>\n<speak>Oseman</speak>\n").unwrap();
    let out = articulate()
        .arg("--config")
        .arg(&config)
        .args(["lexicon", "import"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = stderr_of(&out);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("bad.pls is not a PLS lexicon: line 2: the root element is <speak>"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("house.toml")).unwrap(), HOUSE);
}
