//! Ingest and extract on hostile input: random bytes, tag soup, absurd nesting, huge pages,
//! pages with no article. Nothing may panic or overflow the stack; the answer is text or a
//! clear error.
//!
//! The property tests run a few hundred cases in the normal suite. For a long session:
//! `PROPTEST_CASES=200000 cargo test --lib extract::robustness -- --test-threads=2`.

use proptest::prelude::*;

use super::{ExtractConfig, Extractor};
use crate::ingest;
use crate::model::Block;

/// Compiled once: compiling the default patterns costs more than most extractions.
fn extractor() -> &'static Extractor {
    static EXTRACTOR: std::sync::OnceLock<Extractor> = std::sync::OnceLock::new();
    EXTRACTOR.get_or_init(|| Extractor::new(&ExtractConfig::default()).unwrap())
}

/// 64 cases in the normal suite; `PROPTEST_CASES` for a long session.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
}

/// Read `bytes` as if from a file called `name`, and extract; the result must hold together.
fn check(name: &str, bytes: &[u8]) {
    let Ok(source) = ingest::from_bytes(name, bytes) else { return };
    if let Ok(article) = extractor().extract(&source) {
        assert!(article.blocks.iter().any(Block::is_spoken));
        for (_, block) in article.spoken() {
            assert!(!block.text.trim().is_empty(), "an empty block is spoken");
            assert!(!block.text.contains("-AMAZONPOLLY-"), "a marker is spoken: {}", block.text);
        }
    }
}

/// Fragments of real and broken markup, furniture and markers, for tag soup.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<div>".to_owned()),
        Just("</div>".to_owned()),
        Just("<p>".to_owned()),
        Just("</p>".to_owned()),
        Just("<article>".to_owned()),
        Just("<h1>".to_owned()),
        Just("</h1>".to_owned()),
        Just("<table><tr><td>".to_owned()),
        Just("</td></tr>".to_owned()),
        Just("<ul><li>".to_owned()),
        Just("<a href=/x>".to_owned()),
        Just("</a>".to_owned()),
        Just("<span class=\"share-bar tts-skip\">".to_owned()),
        Just("<div class=\"related\" hidden>".to_owned()),
        Just("<p data-tts=\"only-audio\" style=\"display:none\">".to_owned()),
        Just("<blockquote class=\"twitter-tweet\">".to_owned()),
        Just("<figure><figcaption>".to_owned()),
        Just("<script>var x = '</p>';</script>".to_owned()),
        Just("<!-- comment".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("-AMAZONPOLLY-ONLYWORDS-START-".to_owned()),
        Just("-AMAZONPOLLY-ONLYWORDS-END-".to_owned()),
        Just("-AMAZONPOLLY-ONLYAUDIO-START-".to_owned()),
        Just("&amp;&#0;&#x110000;&bogus;".to_owned()),
        Just("Listen to this article".to_owned()),
        Just("Picture: Getty Images".to_owned()),
        "[a-zA-Z ,.'é日本]{1,80}",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_whatever_the_name(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        name in prop_oneof![Just("page.html"), Just("story.txt"), Just("notes.md"), Just("-")],
    ) {
        check(name, &bytes);
    }

    #[test]
    fn tag_soup_never_panics_and_never_speaks_a_marker(
        parts in proptest::collection::vec(fragment(), 0..120),
    ) {
        let page = parts.concat();
        check("page.html", page.as_bytes());
        check("page.txt", page.as_bytes());
        check("page.md", page.as_bytes());
    }

    #[test]
    fn words_marked_only_for_reading_are_never_spoken(
        before in "[A-Z][a-z]{3,10} [a-z]{3,10} [a-z]{3,10}\\.",
        hidden in "[a-z]{6,12}qz",
        format in prop_oneof![Just("page.html"), Just("story.txt")],
    ) {
        let body = format!(
            "Headline here\n\n{before} -AMAZONPOLLY-ONLYWORDS-START-{hidden}-AMAZONPOLLY-ONLYWORDS-END- end.\n"
        );
        let bytes = if format == "page.html" {
            format!("<html><body><h1>Headline here</h1><p>{body}</p></body></html>")
        } else {
            body
        };
        let source = ingest::from_bytes(format, bytes.as_bytes()).unwrap();
        let article = extractor().extract(&source).unwrap();
        prop_assert!(article.spoken().all(|(_, b)| !b.text.contains(&hidden)));
        prop_assert!(article.skipped().any(|b| b.text.contains(&hidden)));
    }
}

#[test]
fn a_hundred_thousand_nested_spans_tables_and_lists_do_not_overflow_the_stack() {
    for (open, close) in [
        ("<span>", "</span>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<ul><li>", "</li></ul>"),
    ] {
        let depth = 100_000;
        let page = format!(
            "<html><body><h1>Deep</h1>{}<p>Deep text, with a comma, and a sentence that is long enough to count.</p>{}</body></html>",
            open.repeat(depth),
            close.repeat(depth)
        );
        let source = ingest::from_bytes("deep.html", page.as_bytes()).unwrap();
        let article = extractor().extract(&source).unwrap();
        assert!(article.spoken().any(|(_, b)| b.text.starts_with("Deep text")), "{open}");
    }
}

#[test]
fn a_twenty_megabyte_page_is_read_whole() {
    let paragraph = "<p>The council met again tonight, and the vote, once more, was close.</p>\n";
    let count = 20 * 1024 * 1024 / paragraph.len();
    let page = format!(
        "<html><body><nav><a href=/>Home</a></nav><article><h1>Long night</h1>{}</article></body></html>",
        paragraph.repeat(count)
    );
    assert!(page.len() > 20 * 1024 * 1024);
    let source = ingest::from_bytes("big.html", page.as_bytes()).unwrap();
    let article = extractor().extract(&source).unwrap();
    assert_eq!(article.spoken().count(), count + 1);
}

#[test]
fn a_page_with_no_article_is_a_clear_error_not_a_guess() {
    let page = "<html><head><title></title></head><body><nav><a href=/>Home</a></nav>\
                <footer>© Gazette</footer><script>app()</script></body></html>";
    let source = ingest::from_bytes("empty.html", page.as_bytes()).unwrap();
    let err = extractor().extract(&source).unwrap_err();
    assert_eq!(err.to_string(), "empty.html: nothing to narrate: no headline or body text found");
}

#[test]
fn a_page_in_a_legacy_charset_without_a_declaration_is_read_as_windows_1252() {
    let page = b"<html><body><h1>Caf\xe9 closes</h1><p>The caf\xe9 shut after forty years \x96 the owner retires.</p></body></html>";
    let source = ingest::from_bytes("old.html", page).unwrap();
    let article = extractor().extract(&source).unwrap();
    let spoken: Vec<&str> = article.spoken().map(|(_, b)| b.text.as_str()).collect();
    assert_eq!(spoken, ["Café closes", "The café shut after forty years – the owner retires."]);
}

#[test]
fn a_page_whose_meta_charset_lies_is_still_read_as_utf8_when_it_is() {
    let page = "<html><head><meta charset=\"iso-8859-1\"></head><body><h1>Zürich</h1><p>Straße gesperrt.</p></body></html>";
    let source = ingest::from_bytes("lies.html", page.as_bytes()).unwrap();
    let article = extractor().extract(&source).unwrap();
    assert!(article.spoken().any(|(_, b)| b.text == "Straße gesperrt."));
}
