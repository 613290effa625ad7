//! The acceptance example end to end, and what holds for every format.

use super::*;
use crate::model::{BlockKind, Decision, SourceFormat};

fn source(origin: &str, format: SourceFormat, text: &str) -> Source {
    Source {
        origin: origin.into(),
        stem: "story".into(),
        format,
        text: text.into(),
        sha256: "00".into(),
        content_language: None,
    }
}

fn heartstopper() -> Article {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/heartstopper.txt");
    let text = std::fs::read_to_string(path).unwrap();
    extract(
        &source("examples/heartstopper.txt", SourceFormat::Text, &text),
        &ExtractConfig::default(),
    )
    .unwrap()
}

/// Every block on one line, as `articulate extract --explain` lists them, untruncated.
fn explain(article: &Article) -> String {
    let mut out = String::new();
    for block in &article.blocks {
        let (mark, why) = match &block.decision {
            Decision::Speak { rule } => ("speak", rule),
            Decision::Skip { reason } => ("skip ", reason),
        };
        out.push_str(&format!(
            "{mark} {:<10} [{why}] {}\n",
            format!("{:?}", block.kind),
            block.text
        ));
    }
    out
}

#[test]
fn the_example_has_exactly_the_seven_chapters_of_the_issue() {
    let article = heartstopper();
    let chapters: Vec<&str> = article
        .spoken()
        .filter(|(_, b)| b.kind.starts_chapter())
        .map(|(_, b)| b.text.as_str())
        .collect();
    assert_eq!(
        chapters,
        [
            "Netflix's Heartstopper: Will there be a season 2?",
            "Will there be a Heartstopper season 2?",
            "What is Heartstopper based on?",
            "Who's in the Heartstopper cast?",
            "Is Kit Connor straight?",
            "Is Joe Locke gay?",
            "Is Elle from Heartstopper trans?",
        ]
    );
    assert_eq!(article.blocks[0].kind, BlockKind::Headline);
    assert_eq!(article.meta.title, chapters[0]);
}

#[test]
fn the_example_speaks_every_body_paragraph_and_all_nineteen_cast_lines() {
    let article = heartstopper();
    let spoken: Vec<&Block> = article.spoken().map(|(_, b)| b).collect();
    let items: Vec<&str> =
        spoken.iter().filter(|b| b.kind == BlockKind::ListItem).map(|b| b.text.as_str()).collect();
    assert_eq!(items.len(), 19);
    assert_eq!(items[0], "Joe Locke - Charlie Spring");
    assert_eq!(items[18], "Richard Stemp - Mr. Budd");
    let text: Vec<&str> = spoken.iter().map(|b| b.text.as_str()).collect();
    for paragraph in [
        "The teen LGBTQ+ drama has gone down a storm on Netflix. Find out everything we know about Heartstopper and what we know about a season 2.",
        "Heartstopper only recently dropped on Netflix and it's already delighting TV fans.",
        "Find out everything we know about the series so far and if there will be a season two.",
        "See the Heartstopper cast below:",
        "Like his co-star, Locke has remained fairly tight-lipped about his sexual orientation.",
        "Heartstopper is available to stream now on Netflix.",
    ] {
        assert!(text.contains(&paragraph), "not spoken: {paragraph}");
    }
    let paragraphs = spoken
        .iter()
        .filter(|b| matches!(b.kind, BlockKind::Paragraph | BlockKind::Standfirst))
        .count();
    assert_eq!(paragraphs, 15);
}

#[test]
fn the_example_speaks_none_of_the_captions_promos_widget_dateline_or_tail() {
    let article = heartstopper();
    let spoken: String = article.spoken().map(|(_, b)| format!("{}\n", b.text)).collect();
    for gone in [
        "Picture: Netflix",
        "Netflix's Heartstopper stars Kit Connor and Joe Locke",
        "Elle Argent is played by Yasmin Finney in Heartstopper",
        "READ MORE",
        "Listen to this article",
        "Loading audio",
        "Watch the full-length trailer",
        "25 April 2022",
        "By Jenny Mensah",
        "albums of 1985",
        "Oasis",
        "Beatles",
        "Brightside",
        "Noel Gallagher",
    ] {
        assert!(!spoken.contains(gone), "spoken: {gone}");
    }
    let reasons: Vec<&str> = article.skipped().filter_map(Block::skip_reason).collect();
    for reason in [
        "dateline",
        "embedded video label",
        "byline",
        "player widget text",
        "alt text repeated by the caption below",
        "image caption",
        "promo line",
        "related-content tail after the article ends",
    ] {
        assert!(reasons.contains(&reason), "no block skipped as {reason:?}");
    }
}

#[test]
fn the_example_records_its_byline_author_and_dates() {
    let meta = heartstopper().meta;
    assert_eq!(meta.byline.as_deref(), Some("By Jenny Mensah"));
    assert_eq!(meta.authors, ["Jenny Mensah"]);
    assert_eq!(meta.published.as_deref(), Some("25 April 2022, 14:35"));
    assert_eq!(meta.modified.as_deref(), Some("2 May 2022, 18:17"));
}

#[test]
fn the_example_explained_block_by_block() {
    insta::assert_snapshot!(explain(&heartstopper()));
}

/// The HTML fixture's every block, spoken or skipped with its reason: what `--explain`
/// shows an editor for a real-looking page.
#[test]
fn the_sample_page_explained_block_by_block() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/articles/sample.html");
    let text = std::fs::read_to_string(path).unwrap();
    let article = extract(
        &source("https://gazette.example/news/river-park-approved", SourceFormat::Html, &text),
        &ExtractConfig::default(),
    )
    .unwrap();
    insta::assert_snapshot!(explain(&article));
}

#[test]
fn the_article_records_where_it_came_from() {
    let article = heartstopper();
    assert_eq!(article.source.path, "examples/heartstopper.txt");
    assert_eq!(article.source.sha256, "00");
}

#[test]
fn an_article_of_nothing_but_widget_text_has_nothing_to_narrate() {
    let err = extract(
        &source("widget.txt", SourceFormat::Text, "Listen to this article\n\nLoading audio...\n"),
        &ExtractConfig::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ExtractError::NothingSpeakable { .. }));
    assert_eq!(err.to_string(), "widget.txt: nothing to narrate: no headline or body text found");
}

#[test]
fn invalid_settings_are_an_error_not_a_panic() {
    let config = ExtractConfig { promo_patterns: vec!["(".into()], ..ExtractConfig::default() };
    let err = Extractor::new(&config).unwrap_err();
    assert!(err.to_string().contains("promo_patterns[0]"), "{err}");
}

#[test]
fn a_standfirst_set_apart_by_a_byline_is_tagged_but_a_first_paragraph_is_not() {
    let rules = ExtractConfig::default();
    let with_byline =
        "Title here\n\nA summary of the story.\n\nBy Ann Smith\n\nFirst paragraph.\n\nSecond.";
    let article = extract(&source("a.txt", SourceFormat::Text, with_byline), &rules).unwrap();
    assert_eq!(article.blocks[1].kind, BlockKind::Standfirst);
    let plain = "Title here\n\nFirst paragraph.\n\nSecond paragraph.";
    let article = extract(&source("a.txt", SourceFormat::Text, plain), &rules).unwrap();
    assert_eq!(article.blocks[1].kind, BlockKind::Paragraph);
}

#[test]
fn the_title_falls_back_to_the_file_stem_when_nothing_names_the_article() {
    let md = "This opening sentence is long and plainly a paragraph, not a heading.\n\nMore.";
    let article =
        extract(&source("a.md", SourceFormat::Markdown, md), &ExtractConfig::default()).unwrap();
    assert_eq!(article.meta.title, "story");
}

#[test]
fn a_long_text_extracts_in_linear_time() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/heartstopper.txt");
    let one = std::fs::read_to_string(path).unwrap();
    let body: String = one.split("\n\n").skip(1).take(50).collect::<Vec<_>>().join("\n\n");
    let long = format!("Headline\n\n{}", vec![body; 400].join("\n\n"));
    let extractor = Extractor::new(&ExtractConfig::default()).unwrap();
    let started = std::time::Instant::now();
    let article = extractor.extract(&source("long.txt", SourceFormat::Text, &long)).unwrap();
    assert!(article.blocks.len() > 20_000);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

#[test]
fn skip_line_patterns_apply_to_plain_text_and_per_site_only_on_that_site() {
    let mut config = ExtractConfig {
        skip_line_patterns: vec!["^Our journalism relies on".into()],
        ..ExtractConfig::default()
    };
    config.sites.insert(
        "gazette.example".into(),
        SiteConfig { skip_line_patterns: vec!["^Gazette Plus:".into()], ..Default::default() },
    );
    let text = "Storm closes bridge\n\nThe bridge shut at noon on Tuesday.\n\n\
                Our journalism relies on readers like you.\n\nGazette Plus: the best of the week.\n";
    let here =
        extract(&source("https://gazette.example/a", SourceFormat::Text, text), &config).unwrap();
    let spoken: Vec<&str> = here.spoken().map(|(_, b)| b.text.as_str()).collect();
    assert_eq!(spoken, ["Storm closes bridge", "The bridge shut at noon on Tuesday."]);
    let skipped = here.skipped().find(|b| b.text.starts_with("Our journalism")).unwrap();
    assert_eq!(
        skipped.skip_reason(),
        Some("configured skip line pattern \"^Our journalism relies on\"")
    );
    let elsewhere = extract(&source("story.txt", SourceFormat::Text, text), &config).unwrap();
    assert!(elsewhere.spoken().any(|(_, b)| b.text.starts_with("Gazette Plus")));
}

#[test]
fn amazon_polly_markers_work_in_plain_text_and_markdown_too() {
    let text = "Storm closes bridge\n\nThe bridge shut -AMAZONPOLLY-ONLYWORDS-START-(map)\
                -AMAZONPOLLY-ONLYWORDS-END-at noon.\n";
    for format in [SourceFormat::Text, SourceFormat::Markdown] {
        let article = extract(&source("s", format, text), &ExtractConfig::default()).unwrap();
        let spoken: Vec<&str> = article.spoken().map(|(_, b)| b.text.as_str()).collect();
        assert_eq!(spoken, ["Storm closes bridge", "The bridge shut at noon."], "{format:?}");
        assert_eq!(
            article.skipped().find(|b| b.text == "(map)").and_then(Block::skip_reason),
            Some(markers::WORDS_REASON)
        );
    }
}

#[test]
fn a_pull_quote_repeating_the_body_is_read_once_where_the_body_says_it() {
    let page = "<html><body><article><h1>Park approved</h1>\
        <p>The council approved the park on Tuesday night after a long debate.</p>\
        <blockquote class=pullquote>\u{201c}This is a victory for everyone who signed\u{201d}</blockquote>\
        <p>Campaigner Ruth Obi said: \u{201c}This is a victory for everyone who signed the petition.\u{201d}</p>\
        <blockquote><p>A quote said only once stays in the story, as it should.</p></blockquote>\
        </article></body></html>";
    let article =
        extract(&source("p.html", SourceFormat::Html, page), &ExtractConfig::default()).unwrap();
    let pull = article.blocks.iter().find(|b| b.text.starts_with('\u{201c}')).unwrap();
    assert_eq!(pull.skip_reason(), Some(rules::reason::PULL_QUOTE));
    assert!(article.spoken().any(|(_, b)| b.text.starts_with("A quote said only once")));
    assert!(article.spoken().any(|(_, b)| b.text.starts_with("Campaigner Ruth Obi")));
}
