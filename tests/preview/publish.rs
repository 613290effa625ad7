//! `narrate --player`: a player directory a publisher can copy next to the narration.

use crate::util::{self, articulate};

#[test]
fn narrate_with_player_writes_a_self_contained_player_beside_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    articulate()
        .args(["narrate", "tests/fixtures/articles/preview.txt", "--player", "--voice"])
        .arg(util::fixture("voices/tone.toml"))
        .arg("-o")
        .arg(dir.path())
        .assert()
        .success();
    let player = dir.path().join("player");
    let mut names: Vec<String> = std::fs::read_dir(&player)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["articulate-player.css", "articulate-player.js", "index.html"]);

    let index = std::fs::read_to_string(player.join("index.html")).unwrap();
    assert!(index.contains(
        "<div class=\"articulate-embed\" data-articulate-manifest=\"../preview.json\"></div>"
    ));
    assert_eq!(index.matches("<script").count(), 1, "one script tag embeds it: {index}");
    assert!(index.contains("<script src=\"articulate-player.js\"></script>"));
    assert!(dir.path().join("preview.json").is_file());
}

#[test]
fn the_player_is_not_written_without_being_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    articulate()
        .args(["narrate", "tests/fixtures/articles/short.txt", "--voice"])
        .arg(util::fixture("voices/tone.toml"))
        .arg("-o")
        .arg(dir.path())
        .assert()
        .success();
    assert!(!dir.path().join("player").exists());
}

#[test]
fn a_dry_run_cannot_write_a_player() {
    articulate()
        .args(["narrate", "tests/fixtures/articles/short.txt", "--dry-run", "--player"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("cannot be used with"));
}
