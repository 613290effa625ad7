use super::*;
use crate::extract::ExtractConfig;

fn draft(html: &str) -> Draft {
    extract(html, &Rules::compile(&ExtractConfig::default()).unwrap(), "page.html")
}

fn fixture() -> Draft {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/articles/sample.html");
    draft(&std::fs::read_to_string(path).unwrap())
}

fn spoken(d: &Draft) -> Vec<(BlockKind, &str)> {
    d.blocks.iter().filter(|b| b.is_spoken()).map(|b| (b.kind, b.text.as_str())).collect()
}

fn reason_of<'d>(d: &'d Draft, needle: &str) -> &'d str {
    d.blocks
        .iter()
        .find(|b| b.text == needle)
        .or_else(|| d.blocks.iter().find(|b| b.text.contains(needle)))
        .and_then(Block::skip_reason)
        .unwrap_or_else(|| panic!("{needle:?} is not a skipped block"))
}

#[test]
fn the_sample_page_speaks_the_story_in_reading_order() {
    let d = fixture();
    let s = spoken(&d);
    assert_eq!(s[0], (BlockKind::Headline, "River park approved after two-year campaign"));
    assert_eq!(s[1].0, BlockKind::Standfirst);
    assert!(s[2].1.starts_with("The city council has approved plans"));
    assert_eq!(s[4], (BlockKind::Heading, "What will the park include?"));
    let items: Vec<&str> =
        s.iter().filter(|(k, _)| *k == BlockKind::ListItem).map(|(_, t)| *t).collect();
    assert_eq!(
        items,
        ["a wildflower meadow", "a children's play area", "a boardwalk along the water's edge"]
    );
    assert!(s.iter().any(|(k, t)| *k == BlockKind::Quote && t.contains("victory for everyone")));
    assert!(s.contains(&(BlockKind::TableRow, "Meadow, Spring 2025")));
    assert_eq!(
        s.last().map(|(_, t)| *t),
        Some("Residents will be asked to choose a name for the park in a public vote.")
    );
}

#[test]
fn the_sample_page_skips_its_furniture_each_with_a_reason() {
    let d = fixture();
    assert_eq!(reason_of(&d, "Picture: Riverside Council"), "figure (image, caption and credit)");
    assert_eq!(reason_of(&d, "READ MORE"), reason::PROMO);
    assert_eq!(reason_of(&d, "Listen to this article"), reason::WIDGET);
    assert_eq!(reason_of(&d, "By Priya Shah"), reason::BYLINE);
    assert_eq!(reason_of(&d, "5 March 2024"), reason::DATELINE);
    assert_eq!(reason_of(&d, "Gasworks clean-up"), "aside (sidebar or pull-out box)");
    assert_eq!(reason_of(&d, "Subscriber-only"), "hidden element");
    assert_eq!(reason_of(&d, "Invisible tracking"), "hidden element");
    assert_eq!(reason_of(&d, "Sign up to our newsletter"), "form or button");
    assert_eq!(reason_of(&d, "Tags: parks"), "article footer (tags, author box)");
    assert_eq!(reason_of(&d, "Local"), reason::ABOVE_HEADLINE);
    let all: String = d.blocks.iter().map(|b| b.text.as_str()).collect();
    assert!(
        !all.contains("analytics") && !all.contains("display: none"),
        "script or style text read"
    );
    assert_eq!(reason_of(&d, "News Sport"), "navigation");
    assert!(spoken(&d).iter().all(|(_, t)| !t.contains("Sport")), "navigation spoken");
}

#[test]
fn metadata_comes_from_json_ld_and_meta_tags() {
    let meta = fixture().meta;
    assert_eq!(meta.title, "River park approved after two-year campaign");
    assert_eq!(meta.authors, ["Priya Shah", "Tom Ellis"]);
    assert_eq!(meta.byline.as_deref(), Some("By Priya Shah and Tom Ellis"));
    assert_eq!(meta.publication.as_deref(), Some("The Riverside Gazette"));
    assert_eq!(meta.published.as_deref(), Some("2024-03-05T09:30:00Z"));
    assert_eq!(meta.modified.as_deref(), Some("2024-03-05T12:10:00Z"));
    assert_eq!(meta.language.as_deref(), Some("en-GB"));
    assert_eq!(
        meta.canonical_url.as_deref(),
        Some("https://gazette.example/news/river-park-approved")
    );
}

#[test]
fn without_json_ld_the_h1_is_the_headline_even_when_the_title_carries_the_site_name() {
    let d = draft(
        "<title>Storm closes bridge | Daily Paper</title><body><h1>Storm closes bridge</h1><p>The bridge shut at noon.</p></body>",
    );
    assert_eq!(
        spoken(&d),
        [
            (BlockKind::Headline, "Storm closes bridge"),
            (BlockKind::Paragraph, "The bridge shut at noon.")
        ]
    );
    assert_eq!(d.meta.title, "Storm closes bridge");
}

#[test]
fn a_page_whose_body_has_no_headline_gets_one_from_its_metadata() {
    let d = draft(
        r#"<head><meta property="og:title" content="Storm closes bridge"></head><body><article><p>The bridge shut at noon.</p></article></body>"#,
    );
    assert_eq!(d.blocks[0].kind, BlockKind::Headline);
    assert_eq!(
        d.blocks[0].decision,
        Decision::Speak { rule: reason::HEADLINE_FROM_METADATA.into() }
    );
}

#[test]
fn without_an_article_element_the_body_is_read_minus_page_header_footer_and_nav() {
    let d = draft(
        "<body><header>Site name</header><nav>Home News</nav><h1>Storm closes bridge</h1><p>The bridge shut at noon.</p><footer>Contact us</footer></body>",
    );
    assert_eq!(spoken(&d).len(), 2);
    assert_eq!(reason_of(&d, "Site name"), reason::ABOVE_HEADLINE);
    assert_eq!(reason_of(&d, "Home News"), "navigation");
    assert_eq!(reason_of(&d, "Contact us"), "page footer");
}

#[test]
fn the_article_with_the_most_text_is_the_one_read() {
    let d = draft(
        "<body><article><p>Teaser.</p></article><article><h1>Main story</h1><p>The real story has far more words in it than the teaser does.</p></article></body>",
    );
    let texts: Vec<&str> = spoken(&d).into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        texts,
        ["Main story", "The real story has far more words in it than the teaser does."]
    );
}

#[test]
fn aria_hidden_elements_and_inline_text_between_blocks_are_handled() {
    let d = draft(
        "<article><h1>Title</h1><div>Loose text in a div.<p>A paragraph.</p>Tail text.</div><span aria-hidden=\"true\">icon</span></article>",
    );
    let texts: Vec<&str> = spoken(&d).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, ["Title", "Loose text in a div.", "A paragraph.", "Tail text."]);
    assert_eq!(reason_of(&d, "icon"), "hidden element");
}

#[test]
fn a_hundred_thousand_nested_elements_do_not_overflow_the_stack() {
    let depth = 100_000;
    let page = format!(
        "<html><body>{}<p>Deep text.</p>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let d = draft(&page);
    assert!(d.blocks.iter().any(|b| b.text == "Deep text."));
}

#[test]
fn malformed_html_still_yields_its_text() {
    let d = draft("<h1>Broken page<p>First para<p>Second para</b></i><li>item");
    let texts: Vec<&str> = spoken(&d).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, ["Broken page", "First para", "Second para", "item"]);
}

fn draft_with(html: &str, config: &ExtractConfig, origin: &str) -> Draft {
    extract(html, &Rules::compile(config).unwrap(), origin)
}

/// A page whose article is plain to find, with `extra` inside it.
fn page_with(extra: &str) -> String {
    format!(
        "<html><body><article><h1>Storm closes bridge</h1>\
         <p>The bridge over the river shut at noon on Tuesday, the council said.</p>\
         {extra}\
         <p>Engineers will inspect it, the council added, before it reopens next week.</p>\
         </article></body></html>"
    )
}

#[test]
fn every_publisher_marker_keeps_its_element_from_being_read() {
    for (marker, why) in [
        (r#"data-tts="skip""#, "data-tts=\"skip\""),
        (r#"class="tts-skip""#, "tts-skip"),
        (r#"class="trinity-skip-it""#, "trinity-skip-it"),
        (r#"class="audio-skip""#, "audio-skip"),
        (r#"data-audio-skip="""#, "audio-skip"),
    ] {
        let d =
            draft(&page_with(&format!("<p {marker}>Photo: Jane Doe for the Gazette, 2024.</p>")));
        assert!(reason_of(&d, "Jane Doe").contains(why), "{marker}: {}", reason_of(&d, "Jane Doe"));
        assert!(spoken(&d).iter().all(|(_, t)| !t.contains("Jane Doe")), "{marker}");
    }
}

#[test]
fn audio_only_text_is_spoken_though_the_page_hides_it() {
    let d = draft(&page_with(
        r#"<p data-tts="only-audio" style="display:none">The minister is pronounced Sha-VONE.</p>"#,
    ));
    let block = d.blocks.iter().find(|b| b.text.contains("Sha-VONE")).unwrap();
    assert!(block.is_spoken());
    assert_eq!(block.decision, Decision::Speak { rule: AUDIO_ONLY.into() });
}

#[test]
fn amazon_polly_markers_hide_words_from_the_audio_and_are_never_spoken() {
    let d = draft(&page_with(
        "<p>Traffic was diverted -AMAZONPOLLY-ONLYWORDS-START-(see map below)\
         -AMAZONPOLLY-ONLYWORDS-END- through the town -AMAZONPOLLY-ONLYAUDIO-START-centre\
         -AMAZONPOLLY-ONLYAUDIO-END- all afternoon.</p>",
    ));
    let texts: Vec<&str> = spoken(&d).into_iter().map(|(_, t)| t).collect();
    assert!(
        texts.contains(&"Traffic was diverted through the town centre all afternoon."),
        "{texts:#?}"
    );
    assert_eq!(reason_of(&d, "(see map below)"), POLLY_WORDS);
    assert!(texts.iter().all(|t| !t.contains("AMAZONPOLLY")));
}

#[test]
fn configured_selectors_skip_and_keep_and_site_sections_apply_only_to_their_site() {
    let mut config =
        ExtractConfig { skip_selectors: vec!["p.note".into()], ..ExtractConfig::default() };
    config.sites.insert(
        "gazette.example".into(),
        crate::extract::SiteConfig {
            keep_selectors: vec!["aside.factbox".into()],
            ..Default::default()
        },
    );
    let html = page_with(
        "<p class=note>Corrections appended below the story.</p>\
         <aside class=factbox><p>The bridge was built in 1889.</p></aside>",
    );
    let here = draft_with(&html, &config, "https://www.gazette.example/news/bridge");
    assert_eq!(reason_of(&here, "Corrections"), "configured skip selector \"p.note\"");
    assert!(spoken(&here).iter().any(|(_, t)| *t == "The bridge was built in 1889."));
    let elsewhere = draft_with(&html, &config, "https://other.example/bridge");
    assert_eq!(reason_of(&elsewhere, "built in 1889"), "aside (sidebar or pull-out box)");
}

#[test]
fn tables_are_read_by_row_or_skipped_as_configured() {
    let html = page_with(
        "<table><tr><th>Lane</th><th>Status</th></tr><tr><td>North</td><td>Closed</td></tr></table>",
    );
    assert!(spoken(&draft(&html)).contains(&(BlockKind::TableRow, "North, Closed")));
    let config = ExtractConfig { tables: crate::extract::Tables::Skip, ..Default::default() };
    let d = draft_with(&html, &config, "page.html");
    assert_eq!(reason_of(&d, "North"), "table (tables = \"skip\")");
}

#[test]
fn related_boxes_share_bars_and_newsletters_inside_the_article_are_skipped_by_class() {
    let d = draft(&page_with(
        "<div class=\"related-stories\"><h3>More news</h3><p>Ferry fares to rise in spring, operators warn.</p></div>\
         <div class=share-bar><span>Share this story with your friends and family today</span></div>\
         <div class=newsletter-signup><p>Get our morning briefing in your inbox, every weekday.</p></div>\
         <div class=author-bio><p>Priya Shah has covered transport for the Gazette since 2015.</p></div>",
    ));
    assert_eq!(reason_of(&d, "Ferry fares"), "related or recommended stories");
    assert_eq!(reason_of(&d, "Share this story"), "share or follow buttons");
    assert_eq!(reason_of(&d, "morning briefing"), "newsletter or subscription box");
    assert_eq!(reason_of(&d, "covered transport"), "author bio box");
    assert_eq!(spoken(&d).len(), 3);
}

#[test]
fn an_embedded_post_is_read_without_its_author_line() {
    let d = draft(&page_with(
        r#"<div class="social-embed"><blockquote class="twitter-tweet"><p>The bridge is shut, use the ferry.</p>— City Council (@citycouncil) <a href="/x">May 2, 2024</a></blockquote></div>"#,
    ));
    assert!(spoken(&d).contains(&(BlockKind::Quote, "The bridge is shut, use the ferry.")));
    assert_eq!(reason_of(&d, "(@citycouncil)"), reason::FURNITURE);
}

#[test]
fn the_article_is_found_among_navigation_and_link_lists() {
    let links: String = (0..30)
        .map(|i| format!("<li><a href=/s{i}>Another story number {i} here</a></li>"))
        .collect();
    let body: String = (0..6)
        .map(|i| format!("<p>Paragraph {i} of the story, with commas, clauses, and enough words to count.</p>"))
        .collect();
    let html = format!(
        "<body><div id=top><ul>{links}</ul></div><div id=main><h1>Storm</h1>{body}</div><div><ul>{links}</ul></div></body>"
    );
    let d = draft(&html);
    let texts: Vec<&str> = spoken(&d).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts.len(), 7, "{texts:#?}");
    assert_eq!(reason_of(&d, "Another story number 29"), OUTSIDE);
}

#[test]
fn a_pop_up_card_over_a_name_is_skipped_and_its_sentence_kept_whole() {
    let d = draft(&page_with(
        "<p><span>Rep. <span class=people><a href=/p/ann>Ann Lee</a><span class=card><span>\
         <img src=a.jpg><a href=/p/ann>Ann Lee</a><a href=/s/1>Budget vote delayed again</a>\
         <a href=/s/2>Lee backs rail plan</a></span></span></span> said the bridge must reopen.</span></p>",
    ));
    assert!(
        spoken(&d).contains(&(BlockKind::Paragraph, "Rep. Ann Lee said the bridge must reopen."))
    );
    assert_eq!(reason_of(&d, "Budget vote delayed"), "pop-up card inside the text");
}

#[test]
fn a_junk_json_ld_headline_gives_way_to_the_title_a_heading_says() {
    let d = draft(
        r#"<head><script type="application/ld+json">{"@type":"NewsArticle","headline":"escenic"}</script>
        <meta property="og:title" content="Storm closes bridge | Daily Paper"></head>
        <body><h1>Storm closes bridge</h1><p>The bridge shut at noon on Tuesday, the council said.</p></body>"#,
    );
    assert_eq!(spoken(&d)[0], (BlockKind::Headline, "Storm closes bridge"));
    assert_eq!(d.meta.title, "Storm closes bridge");
}
