use super::*;
use crate::extract::ExtractConfig;

fn blocks(text: &str) -> Vec<Block> {
    extract(text, &Rules::compile(&ExtractConfig::default()).unwrap()).blocks
}

/// (spoken, text, reason or rule) for each block, for compact assertions.
fn summary(text: &str) -> Vec<(bool, String, String)> {
    blocks(text)
        .into_iter()
        .map(|b| {
            let why = match &b.decision {
                crate::model::Decision::Speak { rule } => rule.clone(),
                crate::model::Decision::Skip { reason } => reason.clone(),
            };
            (b.is_spoken(), b.text, why)
        })
        .collect()
}

fn spoken(text: &str) -> Vec<String> {
    blocks(text).into_iter().filter(|b| b.is_spoken()).map(|b| b.text).collect()
}

fn reason_of(text: &str, line: &str) -> String {
    summary(text)
        .into_iter()
        .find(|(_, t, _)| t == line)
        .map(|(_, _, why)| why)
        .unwrap_or_else(|| panic!("no block {line:?}"))
}

#[test]
fn the_first_block_is_the_headline_and_short_unstopped_lines_are_headings() {
    let b =
        blocks("A headline here\n\nA paragraph of body text.\n\nWhat happens next?\n\nMore text.");
    let kinds: Vec<BlockKind> = b.iter().map(|b| b.kind).collect();
    assert_eq!(
        kinds,
        [BlockKind::Headline, BlockKind::Paragraph, BlockKind::Heading, BlockKind::Paragraph]
    );
}

#[test]
fn a_lead_in_ending_in_a_colon_stays_a_paragraph() {
    let b = blocks("Title\n\nBody text here.\n\nSee the cast below:\n\n• One\n• Two");
    assert_eq!(b[2].kind, BlockKind::Paragraph);
    assert_eq!(b[3].kind, BlockKind::ListItem);
    assert_eq!(b[3].text, "One");
}

#[test]
fn every_kind_of_bullet_makes_one_list_item_per_line() {
    let text = "Title\n\nIntro text.\n\n• a\n- b\n* c\n1. d\n2) e";
    let items: Vec<String> = blocks(text)
        .into_iter()
        .filter(|b| b.kind == BlockKind::ListItem)
        .map(|b| b.text)
        .collect();
    assert_eq!(items, ["a", "b", "c", "d", "e"]);
}

#[test]
fn an_indented_line_under_a_bullet_continues_the_item() {
    let text = "Title\n\nIntro text.\n\n- first item that wraps\n  onto a second line\n- second";
    let items: Vec<String> = blocks(text)
        .into_iter()
        .filter(|b| b.kind == BlockKind::ListItem)
        .map(|b| b.text)
        .collect();
    assert_eq!(items, ["first item that wraps onto a second line", "second"]);
}

#[test]
fn a_hard_wrapped_paragraph_is_joined_into_one_block() {
    let text = "Title\n\nThe council approved the plans on Tuesday after a long\n\
                debate in which several members raised concerns about the\n\
                cost of the scheme.\n\nNext paragraph.";
    assert_eq!(
        spoken(text)[1],
        "The council approved the plans on Tuesday after a long debate in which several members \
         raised concerns about the cost of the scheme."
    );
}

#[test]
fn a_caption_and_the_alt_text_before_it_are_skipped_together() {
    let text = "Title\n\nBody text.\n\nKit Connor and Joe Locke\nKit Connor and Joe Locke. Picture: Netflix\n\nMore body.";
    let s = summary(text);
    assert_eq!(s[2], (false, "Kit Connor and Joe Locke".into(), reason::ALT_TEXT.into()));
    assert_eq!(
        s[3],
        (false, "Kit Connor and Joe Locke. Picture: Netflix".into(), reason::CAPTION.into())
    );
}

#[test]
fn alt_text_in_the_block_before_a_caption_is_skipped_too() {
    let text = "Title\n\nBody text.\n\nKit Connor and Joe Locke\n\nKit Connor and Joe Locke in the show (Getty Images)\n\nMore body.";
    assert_eq!(reason_of(text, "Kit Connor and Joe Locke"), reason::ALT_TEXT);
    assert_eq!(spoken(text), ["Title", "Body text.", "More body."]);
}

#[test]
fn a_paragraph_before_an_unrelated_caption_is_kept() {
    let text =
        "Title\n\nThe minister spoke for an hour.\n\nCrowds in the square. Photo: AP\n\nMore body.";
    assert_eq!(spoken(text), ["Title", "The minister spoke for an hour.", "More body."]);
}

#[test]
fn every_line_of_a_figure_block_is_skipped_with_its_part() {
    let text = "Title\n\nBody text.\n\nA boiler in a house\nA boiler in a house\nCredit: Photo: PA\n\nMore.";
    let s = summary(text);
    let reasons: Vec<&str> = s[2..5].iter().map(|(_, _, why)| why.as_str()).collect();
    assert_eq!(reasons, [reason::ALT_TEXT, reason::CAPTION, reason::CREDIT]);
}

#[test]
fn promo_widget_video_and_dateline_lines_are_skipped_with_their_reasons() {
    let text = "Title\n\n3 March 2021\n\nWatch the trailer for the film\n\nListen to this article\n\n\
                Body text.\n\nREAD MORE: Something else entirely\n\nSign up to our newsletter\n\nEnd.";
    assert_eq!(reason_of(text, "3 March 2021"), reason::DATELINE);
    assert_eq!(reason_of(text, "Watch the trailer for the film"), reason::VIDEO_LABEL);
    assert_eq!(reason_of(text, "Listen to this article"), reason::WIDGET);
    assert_eq!(reason_of(text, "READ MORE: Something else entirely"), reason::PROMO);
    assert_eq!(reason_of(text, "Sign up to our newsletter"), reason::PROMO);
    assert_eq!(spoken(text), ["Title", "Body text.", "End."]);
}

#[test]
fn the_links_after_a_related_label_are_skipped() {
    let text = "Title\n\nBody text.\n\nRelated\n\n  • Another story entirely\n  • And one more\n\n\
                Read more\n\nA teaser headline for another story\n\nBody continues here.";
    let s = summary(text);
    assert_eq!(reason_of(text, "Related"), reason::RELATED_LABEL);
    assert_eq!(reason_of(text, "Another story entirely"), reason::RELATED_LINK);
    assert_eq!(reason_of(text, "And one more"), reason::RELATED_LINK);
    assert_eq!(reason_of(text, "A teaser headline for another story"), reason::RELATED_LINK);
    assert!(s.iter().any(|(spoken, t, _)| *spoken && t == "Body continues here."));
}

#[test]
fn teasers_after_the_last_promo_are_the_tail_but_body_text_after_it_is_not() {
    let tail = "Title\n\nBody one.\n\nREAD MORE: Elsewhere\n\nLast body line.\n\nTen albums you must hear\n\nSinger reunites band\n\nWhy the song still matters";
    assert_eq!(spoken(tail), ["Title", "Body one.", "Last body line."].map(String::from));
    assert_eq!(reason_of(tail, "Singer reunites band"), reason::TAIL);
    let body = "Title\n\nBody one.\n\nREAD MORE: Elsewhere\n\nA heading\n\nMore body text.\n\nAnd the end of it.";
    assert_eq!(spoken(body).len(), 5);
}

#[test]
fn a_run_of_teasers_at_the_end_is_a_tail_even_without_a_marker() {
    let text = "Title\n\nThe story in one sentence.\n\nSecond sentence here.\n\nTeaser one\n\nTeaser two\n\nTeaser three";
    assert_eq!(spoken(text), ["Title", "The story in one sentence.", "Second sentence here."]);
    let short = "Title\n\nThe story in one sentence.\n\nA heading\n\nSign-off line";
    assert_eq!(spoken(short).len(), 4);
}

#[test]
fn a_list_at_the_end_of_the_story_is_not_taken_for_a_tail() {
    let text = "Title\n\nThe ingredients are:\n\n• flour\n• eggs\n• milk\n• sugar";
    assert_eq!(spoken(text).len(), 6);
}

#[test]
fn a_bare_by_takes_the_names_on_the_lines_after_it() {
    let text = "Title\n\nBy\nApril Roach\n@aprilroach28\nDaniel O'Mahony\n\nBody text.";
    let draft = extract(text, &Rules::compile(&ExtractConfig::default()).unwrap());
    assert_eq!(draft.meta.authors, ["April Roach", "Daniel O'Mahony"]);
    assert_eq!(draft.meta.byline.as_deref(), Some("By April Roach, Daniel O'Mahony"));
    let spoken: Vec<&str> =
        draft.blocks.iter().filter(|b| b.is_spoken()).map(|b| b.text.as_str()).collect();
    assert_eq!(spoken, ["Title", "Body text."]);
}

#[test]
fn windows_line_endings_and_stray_whitespace_make_no_difference() {
    let text = "Title\r\n\r\n  Body   text\there.  \r\n \r\nWhat next?\r\n";
    assert_eq!(spoken(text), ["Title", "Body text here.", "What next?"]);
}

#[test]
fn a_most_read_rail_of_kickers_and_headlines_is_skipped_until_the_story_resumes() {
    let text = "Bridge shut\n\nThe bridge shut at noon, the council said.\n\n\
                Most read in local news\n\nRANDY ANDY\n\nPrince parties in unearthed pics\n\n\
                TIME TRAVELLER\n\nTheorists spot star in old photo\n\n\
                Engineers will inspect the bridge on Monday, the council added.\n\n\
                Comments are subject to our community guidelines, which can be viewed here.\n";
    assert_eq!(
        spoken(text),
        [
            "Bridge shut",
            "The bridge shut at noon, the council said.",
            "Engineers will inspect the bridge on Monday, the council added."
        ]
    );
    assert_eq!(reason_of(text, "TIME TRAVELLER"), reason::RELATED_LINK);
}

#[test]
fn a_heading_right_after_a_read_more_label_still_heads_the_prose_below_it() {
    let text = "Bridge shut\n\nThe bridge shut at noon, the council said.\n\nRead more\n\n\
                What happens next\n\nEngineers will inspect the bridge on Monday, the council added.\n";
    assert!(
        spoken(text).contains(
            &"Engineers will inspect the bridge on Monday, the council added.".to_owned()
        )
    );
}
