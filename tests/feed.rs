//! `articulate feed`: the RSS a podcast app reads, parsed back with an XML parser.

use std::path::Path;

use crate::util::articulate;

const TONE: &str = "tests/fixtures/voices/tone.toml";

#[test]
fn the_feed_lists_every_narration_with_enclosures_chapters_and_transcripts_that_exist() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("world")).unwrap();
    std::fs::write(
        input.join("bridge.txt"),
        "Bridge & tunnel: a <plan>\n\nThe council voted for a bridge.\n\nIt opens in 2027.\n",
    )
    .unwrap();
    std::fs::write(input.join("world/ferry story.md"), "# Ferry returns\n\nThe ferry is back.\n")
        .unwrap();
    let out = tmp.path().join("out");
    articulate()
        .args(["batch", "--voice", TONE, "--no-cache", "--out-template", "{dir}/{stem}", "-o"])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    articulate()
        .args(["feed", "--base-url", "https://example.com/listen", "--title", "Local News"])
        .arg(&out)
        .assert()
        .success();

    let xml = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let rss = doc.root_element();
    assert_eq!(rss.tag_name().name(), "rss");
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
    let podcast = "https://podcastindex.org/namespace/1.0";
    let channel = rss.children().find(|n| n.has_tag_name("channel")).unwrap();
    let text = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).map(str::to_owned)
    };
    assert_eq!(text(channel, "title").as_deref(), Some("Local News"));
    assert!(channel.children().any(|n| n.has_tag_name((itunes, "category"))));
    let items: Vec<_> = channel.children().filter(|n| n.has_tag_name("item")).collect();
    assert_eq!(items.len(), 2);
    let titles: Vec<String> = items.iter().filter_map(|i| text(*i, "title")).collect();
    assert!(titles.contains(&"Bridge & tunnel: a <plan>".to_owned()), "{titles:?}");

    let local = |url: &str| -> std::path::PathBuf {
        let relative = url.strip_prefix("https://example.com/listen/").unwrap();
        out.join(relative.replace("%20", " "))
    };
    for item in &items {
        let enclosure = item.children().find(|n| n.has_tag_name("enclosure")).unwrap();
        let file = local(enclosure.attribute("url").unwrap());
        assert!(file.is_file(), "{} is missing", file.display());
        let length: u64 = enclosure.attribute("length").unwrap().parse().unwrap();
        assert_eq!(length, std::fs::metadata(&file).unwrap().len());
        assert_eq!(enclosure.attribute("type"), Some("audio/mpeg"));
        let chapters = item.children().find(|n| n.has_tag_name((podcast, "chapters"))).unwrap();
        assert_eq!(chapters.attribute("type"), Some("application/json+chapters"));
        assert!(local(chapters.attribute("url").unwrap()).is_file());
        let transcript = item.children().find(|n| n.has_tag_name((podcast, "transcript"))).unwrap();
        let vtt = local(transcript.attribute("url").unwrap());
        assert!(std::fs::read_to_string(&vtt).unwrap().starts_with("WEBVTT"));
        let duration: u64 = text(*item, "duration").unwrap().parse().unwrap();
        assert!(duration >= 1);
        assert!(text(*item, "guid").is_some());
    }
    assert!(local_exists(&out, "world/ferry-story.mp3"), "spaces in names became dashes");
}

fn local_exists(out: &Path, relative: &str) -> bool {
    out.join(relative).is_file()
}

#[test]
fn the_same_narrations_always_give_the_same_feed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    articulate()
        .args(["batch", "--voice", TONE, "--no-cache", "-o"])
        .arg(&out)
        .arg("tests/fixtures/articles/short.txt")
        .assert()
        .success();
    let feed = || {
        articulate()
            .args(["feed", "--base-url", "https://example.com/a/"])
            .arg(&out)
            .assert()
            .success();
        std::fs::read(out.join("feed.xml")).unwrap()
    };
    assert_eq!(feed(), feed());
}
