//! `articulate feed`: the RSS a podcast app reads, parsed back with an XML parser.

use std::path::Path;

use crate::util::{self, articulate};

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
        let transcripts: Vec<_> =
            item.children().filter(|n| n.has_tag_name((podcast, "transcript"))).collect();
        assert_eq!(transcripts.len(), 2, "WebVTT and JSON");
        let vtt = transcripts.iter().find(|t| t.attribute("type") == Some("text/vtt")).unwrap();
        let vtt = local(vtt.attribute("url").unwrap());
        assert!(std::fs::read_to_string(&vtt).unwrap().starts_with("WEBVTT"));
        let json = transcripts.iter().find(|t| t.attribute("type") == Some("application/json"));
        let json = local(json.unwrap().attribute("url").unwrap());
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(json["version"], "1.0.0");
        let segments = json["segments"].as_array().unwrap();
        assert!(!segments.is_empty());
        assert!(
            segments
                .iter()
                .all(|s| s["startTime"].as_f64().unwrap() <= s["endTime"].as_f64().unwrap()
                    && !s["body"].as_str().unwrap().is_empty())
        );

        // The low-bandwidth rendition: Ogg Opus, listed after the MP3 as the default.
        let alternates: Vec<_> =
            item.children().filter(|n| n.has_tag_name((podcast, "alternateEnclosure"))).collect();
        assert_eq!(alternates.len(), 2);
        assert_eq!(alternates[0].attribute("default"), Some("true"));
        let opus = alternates[1];
        assert_eq!(
            (opus.attribute("type"), opus.attribute("codecs")),
            (Some("audio/ogg"), Some("opus"))
        );
        let source = opus.children().find(|n| n.has_tag_name((podcast, "source"))).unwrap();
        let file = local(source.attribute("uri").unwrap());
        let length: u64 = opus.attribute("length").unwrap().parse().unwrap();
        assert_eq!(length, std::fs::metadata(&file).unwrap().len());
        assert!(
            length * 2
                < std::fs::metadata(local(enclosure.attribute("url").unwrap())).unwrap().len()
        );
        assert_eq!(ffprobe_codec(&file).as_deref(), Some("opus"));

        // Synthetic, for machines and for people.
        let person = item.children().find(|n| n.has_tag_name((podcast, "person"))).unwrap();
        assert_eq!(person.attribute("role"), Some("narrator"));
        assert!(person.text().unwrap().starts_with("Synthetic voice"));
        let note = item.children().find(|n| n.has_tag_name((podcast, "txt"))).unwrap();
        assert_eq!(note.attribute("purpose"), Some("synthetic-voice"));
        assert!(note.text().unwrap().starts_with("Narrated by a synthetic voice"));
        assert!(text(*item, "description").unwrap().ends_with(note.text().unwrap()));
        // Undated articles are published when they were narrated, to the second.
        let date = text(*item, "pubDate").unwrap();
        assert!(rfc2822(&date), "{date}");
        let duration: u64 = text(*item, "duration").unwrap().parse().unwrap();
        assert!(duration >= 1);
        assert!(text(*item, "guid").is_some());
    }
    assert!(local_exists(&out, "world/ferry-story.mp3"), "spaces in names became dashes");
    let problems = podcast_namespace_problems(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The codec of a file's first audio stream, as ffprobe reads it.
fn ffprobe_codec(path: &Path) -> Option<String> {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name"])
        .args(["-of", "default=noprint_wrappers=1:nokey=1"])
        .arg(path)
        .output()
        .expect("ffprobe runs (scripts/install-deps.sh --test installs it)");
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `Mon, 25 Apr 2022 10:30:00 +0000`: RFC 2822, with the time of day.
fn rfc2822(date: &str) -> bool {
    let pattern = r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$";
    regex::Regex::new(pattern).unwrap().is_match(date)
}

/// What breaks the Podcasting 2.0 namespace's rules among the feed's `podcast:` elements:
/// only tags it defines, where it allows them, with the attributes it requires.
fn podcast_namespace_problems(doc: &roxmltree::Document<'_>) -> Vec<String> {
    const NS: &str = "https://podcastindex.org/namespace/1.0";
    // The roles of the podcast taxonomy's "cast" group.
    const CAST: [&str; 8] = [
        "host",
        "co-host",
        "guest host",
        "guest",
        "voice actor",
        "narrator",
        "announcer",
        "reporter",
    ];
    let mut problems = Vec::new();
    let rss = doc.root_element();
    if rss.lookup_namespace_uri(Some("podcast")) != Some(NS) {
        problems.push("the podcast prefix is not bound to the namespace".to_owned());
    }
    for node in doc.descendants().filter(|n| n.tag_name().namespace() == Some(NS)) {
        let name = node.tag_name().name();
        let parent = node.parent_element().map(|p| p.tag_name().name()).unwrap_or_default();
        let has = |attribute: &str| node.attribute(attribute).is_some_and(|v| !v.is_empty());
        let numeric = |attribute: &str| {
            node.attribute(attribute).is_none_or(|v| v.parse::<f64>().is_ok_and(|n| n >= 0.0))
        };
        let url = |attribute: &str| {
            node.attribute(attribute)
                .is_some_and(|v| url::Url::parse(v).is_ok_and(|u| u.scheme() == "https"))
        };
        let ok = match name {
            "chapters" => {
                parent == "item"
                    && url("url")
                    && node.attribute("type") == Some("application/json+chapters")
            }
            "transcript" => {
                parent == "item"
                    && url("url")
                    && matches!(
                        node.attribute("type"),
                        Some(
                            "text/vtt"
                                | "application/json"
                                | "text/html"
                                | "application/x-subrip"
                                | "text/plain"
                        )
                    )
                    && node.attribute("rel").is_none_or(|r| r == "captions")
            }
            "alternateEnclosure" => {
                parent == "item"
                    && has("type")
                    && numeric("length")
                    && numeric("bitrate")
                    && node.attribute("default").is_none_or(|d| d == "true" || d == "false")
                    && node.children().any(|c| c.has_tag_name((NS, "source")))
            }
            "source" => parent == "alternateEnclosure" && url("uri"),
            "person" => {
                matches!(parent, "item" | "channel")
                    && node.text().is_some_and(|t| !t.trim().is_empty() && t.len() <= 128)
                    && node.attribute("group").is_none_or(|g| g == "cast")
                    && node
                        .attribute("role")
                        .is_none_or(|r| CAST.contains(&r.to_lowercase().as_str()))
            }
            "txt" => {
                matches!(parent, "item" | "channel")
                    && node.text().is_some_and(|t| t.len() <= 4000)
                    && node.attribute("purpose").is_none_or(|p| p.len() <= 128)
            }
            _ => false,
        };
        if !ok {
            let attributes: Vec<String> =
                node.attributes().map(|a| format!("{}={:?}", a.name(), a.value())).collect();
            problems.push(format!("podcast:{name} in <{parent}> {}", attributes.join(" ")));
        }
    }
    problems
}

#[test]
fn an_article_with_a_publication_time_is_dated_to_the_second_in_its_zone() {
    let tmp = tempfile::tempdir().unwrap();
    let page = "<html><head><title>Harbour reopens</title>\
                <meta property=\"article:published_time\" content=\"2026-11-25T08:30:15+01:00\">\
                </head><body><article><h1>Harbour reopens</h1><p>The ferry sails again on Monday \
                morning, three weeks after the storm.</p></article></body></html>";
    std::fs::write(tmp.path().join("harbour.html"), page).unwrap();
    let out = tmp.path().join("out");
    articulate()
        .args(["narrate", "--voice", TONE, "--no-cache", "-o"])
        .arg(&out)
        .arg(tmp.path().join("harbour.html"))
        .assert()
        .success();
    articulate()
        .args(["feed", "--no-opus", "--base-url", "https://example.com/a/"])
        .arg(&out)
        .assert()
        .success();
    let xml = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(xml.contains("<pubDate>Wed, 25 Nov 2026 07:30:15 +0000</pubDate>"), "{xml}");
    assert!(!out.join("harbour.opus").exists(), "--no-opus makes none");
    assert!(!xml.contains("alternateEnclosure"), "and lists none");
}

#[test]
fn without_ffmpeg_the_feed_lists_the_mp3_alone_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    articulate()
        .args(["narrate", "--voice", TONE, "--no-cache", "-o"])
        .arg(&out)
        .arg("tests/fixtures/articles/short.txt")
        .assert()
        .success();
    // A PATH with no ffmpeg on it.
    let empty = tmp.path().join("bin");
    std::fs::create_dir_all(&empty).unwrap();
    articulate()
        .env("PATH", &empty)
        .args(["feed", "--base-url", "https://example.com/a/"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "no low-bandwidth Opus rendition: ffmpeg is not installed",
        ));
    let xml = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(xml.contains("<enclosure ") && !xml.contains("alternateEnclosure"), "{xml}");
}

#[test]
fn the_mp3_says_it_is_a_synthetic_voice_in_its_id3_tag() {
    let tmp = tempfile::tempdir().unwrap();
    articulate()
        .args(["narrate", "--voice", TONE, "--no-cache", "-o"])
        .arg(tmp.path())
        .arg("tests/fixtures/articles/short.txt")
        .assert()
        .success();
    let tag = id3::Tag::read_from_path(tmp.path().join("short.mp3")).unwrap();
    let marked: Vec<_> = tag
        .extended_texts()
        .filter(|t| t.description == articulate::output::SYNTHETIC_VOICE)
        .collect();
    assert_eq!(marked.len(), 1);
    assert!(marked[0].value.starts_with("backend=tone; voice="), "{}", marked[0].value);
    let comment = tag.comments().next().unwrap();
    assert!(comment.text.starts_with("Narrated by a synthetic voice"), "{}", comment.text);
    let manifest = util::manifest(&tmp.path().join("short.json"));
    assert!(manifest.synthetic);
    assert_eq!(manifest.disclosure.as_deref(), Some(comment.text.as_str()));
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
