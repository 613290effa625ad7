use super::*;
use crate::extract::ExtractConfig;

fn draft(md: &str) -> Draft {
    extract(md, &Rules::compile(&ExtractConfig::default()).unwrap())
}

fn spoken(d: &Draft) -> Vec<(BlockKind, &str)> {
    d.blocks.iter().filter(|b| b.is_spoken()).map(|b| (b.kind, b.text.as_str())).collect()
}

fn reason_of<'d>(d: &'d Draft, needle: &str) -> &'d str {
    d.blocks
        .iter()
        .find(|b| b.text.contains(needle))
        .and_then(Block::skip_reason)
        .unwrap_or_else(|| panic!("{needle:?} is not a skipped block"))
}

/// The fixture as the whole extractor sees it (standfirst marking included).
fn fixture() -> Draft {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/articles/sample.md");
    let mut d = draft(&std::fs::read_to_string(path).unwrap());
    crate::extract::mark_standfirst(&mut d.blocks);
    d
}

#[test]
fn the_first_heading_is_the_headline_and_later_ones_are_headings() {
    let d = draft("# Title\n\nBody text.\n\n## Section\n\nMore.\n\n# Another\n\nEnd.");
    let kinds: Vec<BlockKind> = spoken(&d).into_iter().map(|(k, _)| k).collect();
    use BlockKind::{Heading, Headline, Paragraph};
    assert_eq!(kinds, [Headline, Paragraph, Heading, Paragraph, Heading, Paragraph]);
    assert_eq!(d.meta.title, "Title");
}

#[test]
fn the_sample_document_speaks_the_story_and_skips_the_rest_with_reasons() {
    let d = fixture();
    let s = spoken(&d);
    assert_eq!(s[0], (BlockKind::Headline, "River park approved after two-year campaign"));
    assert_eq!(s[1].0, BlockKind::Standfirst);
    assert_eq!(s.iter().filter(|(k, _)| *k == BlockKind::ListItem).count(), 3);
    assert!(s.contains(&(BlockKind::TableRow, "Meadow, Spring 2025")));
    assert!(s.iter().any(|(k, _)| *k == BlockKind::Quote));
    assert_eq!(reason_of(&d, "An artist's impression of the new riverside park"), "image alt text");
    assert_eq!(reason_of(&d, "Picture: Riverside Council"), reason::CAPTION);
    assert_eq!(reason_of(&d, "READ MORE"), reason::PROMO);
    assert_eq!(reason_of(&d, "By Priya Shah"), reason::BYLINE);
    assert_eq!(reason_of(&d, "Listen to this article"), reason::WIDGET);
    assert_eq!(reason_of(&d, "newsletter"), "raw HTML in Markdown");
    assert_eq!(reason_of(&d, "not narrated"), "code block");
}

#[test]
fn front_matter_names_the_title_and_author() {
    let d = fixture();
    assert_eq!(d.meta.authors, ["Priya Shah"]);
    assert_eq!(d.meta.published.as_deref(), Some("2024-03-05"));
    let untitled =
        draft("---\ntitle: From the front matter\n---\n\nA first paragraph of body text.\n");
    assert_eq!(spoken(&untitled)[0], (BlockKind::Headline, "From the front matter"));
}

#[test]
fn nested_list_items_are_each_one_block() {
    let d = draft("# T\n\n- one\n  - one a\n  - one b\n- two\n");
    let items: Vec<&str> =
        spoken(&d).into_iter().filter(|(k, _)| *k == BlockKind::ListItem).map(|(_, t)| t).collect();
    assert_eq!(items, ["one", "one a", "one b", "two"]);
}

#[test]
fn an_image_inside_a_paragraph_is_recorded_after_it() {
    let d = draft("# T\n\nText before ![a chart](c.png) and after.\n");
    assert_eq!(d.blocks[1].text, "Text before and after.");
    assert_eq!(d.blocks[2].skip_reason(), Some("image alt text"));
}

#[test]
fn deeply_nested_quotes_do_not_overflow_the_stack() {
    let md = format!("# T\n\n{}deep\n", "> ".repeat(10_000));
    let d = draft(&md);
    assert!(d.blocks.iter().any(|b| b.text == "deep"));
}
