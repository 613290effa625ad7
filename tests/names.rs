//! `articulate names`: an article's names, as the voice will say them, with the ones to fix.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::articulate;

const ARTICLE: &str = "\
Heartstopper star Kit Connor talks to Alice Oseman

The drama, based on Alice Oseman's novels, stars Kit Connor and Joe Locke in Heartstopper. \
Fisayo Akinade plays Mr. Ajayi and William Gao plays Tao Xu.

Oseman told Digital Spy that a second season is likely. Kit Connor agreed.
";

/// A config with a house dictionary, an espeak-ng profile with a lexicon of its own, and
/// the article.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[narrate]\nlexicon = \"house.toml\"\n").unwrap();
    std::fs::write(dir.path().join("house.toml"), "[lexicon]\nOseman = \"Ozeman\"\n").unwrap();
    let profile = dir.path().join("british.toml");
    std::fs::write(
        &profile,
        "backend = \"espeak-ng\"\nlanguage = \"en-GB\"\nvoice = \"en-gb\"\n\n\
         [lexicon]\nLocke = \"Lokk\"\n",
    )
    .unwrap();
    let article = dir.path().join("article.txt");
    std::fs::write(&article, ARTICLE).unwrap();
    (dir, config, profile, article)
}

fn names(config: &Path, article: &Path, voice: &Path, json: bool) -> String {
    let mut cmd = articulate();
    cmd.arg("--config").arg(config).arg("names").arg(article).arg("--voice").arg(voice);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// What espeak-ng itself says, asked directly.
fn espeak_ipa(text: &str, voice: &str) -> String {
    let out =
        Command::new("espeak-ng").args(["-q", "-x", "--ipa", "-v", voice, text]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn find<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["names"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {report:#}"))
}

fn word<'a>(name: &'a Value, word: &str) -> &'a Value {
    name["words"].as_array().unwrap().iter().find(|w| w["word"] == word).unwrap()
}

#[test]
fn names_lists_the_proper_nouns_of_an_article_in_order_with_their_counts() {
    let (_dir, config, profile, article) = setup();
    let report: Value = serde_json::from_str(&names(&config, &article, &profile, true)).unwrap();
    let listed: Vec<(&str, u64)> = report["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["name"].as_str().unwrap(), n["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("Heartstopper", 2),
            ("Kit Connor", 3),
            ("Alice Oseman", 3),
            ("Joe Locke", 1),
            ("Fisayo Akinade", 1),
            ("Ajayi", 1),
            ("William Gao", 1),
            ("Tao Xu", 1),
            ("Digital Spy", 1)
        ]
    );
}

#[test]
fn names_shows_the_phonemes_espeak_ng_will_use_after_the_house_and_profile_lexicons() {
    let (_dir, config, profile, article) = setup();
    let report: Value = serde_json::from_str(&names(&config, &article, &profile, true)).unwrap();
    assert_eq!(report["phonemizer"], "espeak-ng -v en-gb");
    let oseman = find(&report, "Alice Oseman");
    assert_eq!(oseman["sent"], "Alice Ozeman");
    assert_eq!(oseman["phonemes"], espeak_ipa("Alice Ozeman", "en-gb"));
    assert_eq!(oseman["covered_by"][0]["layer"], "house");
    assert_eq!(oseman["covered_by"][0]["key"], "Oseman");
    let locke = find(&report, "Joe Locke");
    assert_eq!(locke["sent"], "Joe Lokk");
    assert_eq!(locke["covered_by"][0]["layer"], "profile");
    assert_eq!(find(&report, "Kit Connor")["phonemes"], espeak_ipa("Kit Connor", "en-gb"));
}

#[test]
fn names_flags_words_espeak_ng_guesses_that_look_foreign_and_suggests_a_dictionary_line() {
    let (_dir, config, profile, article) = setup();
    let report: Value = serde_json::from_str(&names(&config, &article, &profile, true)).unwrap();
    let akinade = word(find(&report, "Fisayo Akinade"), "Akinade");
    assert_eq!(akinade["in_dictionary"], false);
    assert_eq!(akinade["likely_wrong"], true);
    assert_eq!(akinade["suggestion"], "Akinade = \"Akinade\"");
    assert_eq!(word(find(&report, "Tao Xu"), "Xu")["likely_wrong"], true);
    let connor = word(find(&report, "Kit Connor"), "Connor");
    assert_eq!(
        (&connor["in_dictionary"], &connor["likely_wrong"]),
        (&Value::Bool(true), &Value::Bool(false))
    );
    // Covered by the lexicon: never flagged, whatever its letters.
    assert_eq!(find(&report, "Alice Oseman")["likely_wrong"], false);
}

#[test]
fn names_prints_an_aligned_table_and_the_lines_to_add_to_the_house_dictionary() {
    let (dir, config, profile, article) = setup();
    let table = names(&config, &article, &profile, false);
    let lines: Vec<&str> = table.lines().collect();
    let header = lines.iter().position(|l| l.starts_with("NAME")).unwrap();
    let column = |line: &str, at: &str| line.find(at).map(|b| line[..b].chars().count());
    let phonemes_at = column(lines[header], "PHONEMES").unwrap();
    let connor = lines.iter().find(|l| l.starts_with("Kit Connor")).unwrap();
    let ipa = espeak_ipa("Kit Connor", "en-gb");
    assert_eq!(column(connor, &ipa), Some(phonemes_at), "{table}");
    let xu = lines.iter().find(|l| l.starts_with("Tao Xu")).unwrap();
    assert!(xu.contains("LIKELY WRONG") && xu.contains("Xu: x at the start"), "{table}");
    let oseman = lines.iter().find(|l| l.starts_with("Alice Oseman")).unwrap();
    assert!(oseman.contains("house: Oseman") && !oseman.contains("LIKELY"), "{table}");
    let house = dir.path().join("house.toml").display().to_string();
    assert!(table.contains(&format!("add its line to the [lexicon] table in {house}")), "{table}");
    assert!(lines.contains(&"  Akinade = \"Akinade\""), "{table}");
}

#[test]
fn names_for_piper_phonemises_with_the_espeak_ng_voice_piper_uses() {
    let (_dir, config, _, article) = setup();
    let report: Value =
        serde_json::from_str(&names(&config, &article, Path::new("piper-en-us"), true)).unwrap();
    assert_eq!(report["backend"], "piper");
    assert_eq!(report["phonemizer"], "espeak-ng -v en-us");
    assert_eq!(find(&report, "Kit Connor")["phonemes"], espeak_ipa("Kit Connor", "en-us"));
}

#[test]
fn names_for_a_cloud_voice_says_its_phonemes_are_unknown_and_still_judges_the_letters() {
    let (_dir, config, _, article) = setup();
    let cloud = crate::util::root().join("voices/azure-example.toml");
    let report: Value = serde_json::from_str(&names(&config, &article, &cloud, true)).unwrap();
    assert_eq!(report["phonemizer"], Value::Null);
    assert!(report["phonemes_unknown"].as_str().unwrap().contains("azure"), "{report:#}");
    assert_eq!(find(&report, "Kit Connor")["phonemes"], Value::Null);
    let xu = word(find(&report, "Tao Xu"), "Xu");
    assert_eq!((&xu["in_dictionary"], &xu["likely_wrong"]), (&Value::Null, &Value::Bool(true)));
}
