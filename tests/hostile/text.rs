//! Findings 6 and 7: odd text in an article is said sensibly, never refused.

use crate::cache::Counting;
use crate::util::articulate;

/// Narrates `html` as an article with a voice that logs what its engine is sent.
fn sent_to_engine(html: &str) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("story.html");
    std::fs::write(&page, html).unwrap();
    let counting = Counting::new(&tmp.path().join("voice"), "0");
    articulate()
        .args(["narrate", "--no-cache", "--voice", counting.voice()])
        .arg(&page)
        .arg("-o")
        .arg(tmp.path().join("out"))
        .assert()
        .success();
    counting.requests()
}

fn page(body: &str) -> String {
    format!(
        "<html><head><title>Hostile text</title></head><body><article>\
         <h1>Hostile text</h1><p>{body}</p></article></body></html>"
    )
}

/// Finding 6.
#[test]
fn a_1650_character_tracking_url_is_said_as_its_domain_and_the_article_is_narrated() {
    let url = format!("https://www.example.com/track?id={}", "a1b2c3".repeat(275));
    assert!(url.len() > 1650);
    let sent = sent_to_engine(&page(&format!(
        "The report is online at {url} for anyone who wants to read it."
    )))
    .join(" ");
    assert!(sent.contains("example dot com"), "{sent}");
    assert!(sent.split_whitespace().all(|w| w.chars().count() < 40), "{sent}");
}

/// Finding 7.
#[test]
fn words_joined_by_zero_width_characters_or_emoji_are_spoken_apart() {
    let sent = sent_to_engine(&page(
        "Join\u{200b}us to\u{2060}night, and\u{1F600}share the\u{feff}news with friends.",
    ))
    .join(" ");
    for apart in ["Join us", "to night", "and share", "the news"] {
        assert!(sent.contains(apart), "{apart:?} not in {sent:?}");
    }
}
