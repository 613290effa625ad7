//! Findings 1–4: data that must never be published or lost.

use super::temp_files;
use crate::serve::{Site, article};
use crate::util::{articulate, fixture};

fn assert_json_404(answer: &crate::serve::Answer, what: &str) {
    assert_eq!(answer.status, 404, "{what}: {}", String::from_utf8_lossy(&answer.body));
    assert!(answer.json()["error"].is_string(), "{what}");
}

/// Finding 1.
#[test]
fn temp_files_left_by_a_killed_run_are_removed_and_audio_serves_only_what_a_job_published() {
    let site = Site::new("");
    let out = site.path("out");
    let server = site.start(&[]);
    assert_eq!(server.post(&article("a", "Published words. And more of them.")).status, 202);
    assert_eq!(server.wait_for("a")["state"], "done");
    drop(server);

    // What a SIGKILL mid-publish leaves: whole, playable audio of the next generation under
    // temp names, beside an article's files and at the top.
    let audio = std::fs::read(out.join("a/a.mp3")).unwrap();
    for leftover in [".articulate-Xy12Ab", "player/.articulate-Q9w8E7"] {
        std::fs::write(out.join("a").join(leftover), &audio).unwrap();
    }
    std::fs::write(out.join(".articulate-feed00"), "<rss>").unwrap();
    // Files no finished job published: a stray one beside an article, and a whole article
    // directory without a job.
    std::fs::write(out.join("a/embargoed.mp3"), &audio).unwrap();
    std::fs::create_dir_all(out.join("b")).unwrap();
    std::fs::write(out.join("b/b.mp3"), &audio).unwrap();
    std::fs::write(out.join("b/b.json"), "{}").unwrap();

    let server = site.start(&[]);
    assert_eq!(temp_files(&out), Vec::<String>::new(), "the restart cleans them up");
    // One left while it runs (another process's, say) is not served either.
    std::fs::write(out.join("a/.articulate-late01"), &audio).unwrap();
    for path in [
        "/audio/a/.articulate-late01",
        "/audio/a/.articulate-Xy12Ab",
        "/audio/a/embargoed.mp3",
        "/audio/b/b.mp3",
        "/audio/b/b.json",
        "/audio/a/",
        "/audio/a",
    ] {
        assert_json_404(&server.get(path), path);
    }
    for path in [
        "/audio/a/a.mp3",
        "/audio/a/a.json",
        "/audio/a/a.chapters.vtt",
        "/audio/a/a.transcript.vtt",
        "/audio/a/player/index.html",
        "/audio/feed.xml",
    ] {
        assert_eq!(server.get(path).status, 200, "{path}");
    }

    // The command line cleans its output directory as well.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".articulate-dead99"), &audio).unwrap();
    articulate()
        .args(["narrate", "--voice", "tests/fixtures/voices/tone.toml", "--no-cache", "-o"])
        .arg(tmp.path())
        .arg(fixture("articles/short.txt"))
        .assert()
        .success();
    assert_eq!(temp_files(tmp.path()), Vec::<String>::new());
}

/// Finding 2.
#[test]
fn a_job_database_inside_the_public_output_directory_is_refused_at_start() {
    let mut site = Site::new("");
    std::fs::create_dir_all(site.path("out/private")).unwrap();
    for database in ["out/jobs.sqlite3", "out/private/../private/jobs.sqlite3"] {
        site.database_file = Some(site.path(database));
        let run = site.command(&[]).output().unwrap();
        assert!(!run.status.success(), "{database}: it started");
    }
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    for line in lines {
        assert!(line.starts_with("error: the job database "), "{line}");
        assert!(line.contains("inside the output directory"), "{line}");
    }
    assert!(!site.path("out/jobs.sqlite3").exists(), "nothing was created there");
    site.database_file = Some(site.path("elsewhere.sqlite3"));
    drop(site.start(&[]));
}

/// Finding 3.
#[test]
fn the_feeds_name_cannot_be_an_article_id_and_a_feed_that_cannot_be_written_fails_the_job() {
    let site = Site::new("");
    let server = site.start(&[]);
    for id in ["feed.xml", "Feed.XML"] {
        let answer = server.post(&article(id, "An article that would hide the feed."));
        assert_eq!(answer.status, 422, "{id}");
        assert!(answer.json()["error"].as_str().unwrap().contains("reserved"), "{id}");
    }
    assert_eq!(server.post(&article("fine", "A first story.")).status, 202);
    assert_eq!(server.wait_for("fine")["state"], "done");

    // Something in the feed's way (as an article named feed.xml once was): a job cannot
    // finish its work, and says so rather than reporting `done`.
    let feed = site.path("out/feed.xml");
    std::fs::remove_file(&feed).unwrap();
    std::fs::create_dir_all(feed.join("in-the-way")).unwrap();
    assert_eq!(server.post(&article("next", "A second story.")).status, 202);
    let job = server.wait_for("next");
    assert_eq!(job["state"], "failed", "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(error.contains("feed") && error.contains("feed.xml"), "{error}");
    assert!(!error.contains('\n'));
}

/// Finding 4.
#[test]
fn narrating_two_inputs_that_share_a_name_writes_both_and_says_how_they_are_told_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(a.join("story.html"), "<h1>First story</h1><p>The first one speaks.</p>")
        .unwrap();
    std::fs::write(b.join("story.html"), "<h1>Second story</h1><p>The second one speaks.</p>")
        .unwrap();
    std::fs::write(b.join("story.txt"), "Third story\n\nThe third one speaks.\n").unwrap();
    let out = tmp.path().join("out");
    let run = articulate()
        .args(["narrate", "--voice", "tests/fixtures/voices/tone.toml", "--no-cache", "-o"])
        .arg(&out)
        .arg(a.join("story.html"))
        .arg(b.join("story.html"))
        .arg(b.join("story.txt"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let manifests: Vec<String> = super::tree(&out)
        .into_iter()
        .filter(|f| {
            f.ends_with(".json")
                && !f.ends_with(".chapters.json")
                && !f.ends_with(".transcript.json")
        })
        .collect();
    assert_eq!(manifests.len(), 3, "nothing overwritten: {manifests:?}");
    let mut titles: Vec<String> =
        manifests.iter().map(|m| crate::util::manifest(&out.join(m)).title).collect();
    titles.sort();
    assert_eq!(titles, ["First story", "Second story", "Third story"]);
    for manifest in &manifests {
        let name = manifest.trim_end_matches(".json");
        assert!(stderr.contains(&format!("{name}.*")), "the note names {name}: {stderr}");
    }
    assert_eq!(stderr.lines().filter(|l| l.starts_with("note: ")).count(), 3, "{stderr}");
}
