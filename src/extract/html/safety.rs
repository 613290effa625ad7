//! The safety net: the article finder's choice is checked against the independent
//! content-density estimate ([`crate::extract::density`]) before anything is decided.
//!
//! Running text under the headline just before the chosen article is its lede, cut off
//! by a box the page put between (share buttons, a newsletter sign-up): it is read too. A
//! choice holding under [`SMALL`] of the page's main text is not the article (a comment,
//! a teaser, a caption): the estimate's main text is read instead. Either way the
//! extraction carries a warning, and a confidence: the share of the main text, as either
//! method saw it, that ends up spoken.

use super::{Candidate, furniture};
use crate::extract::density::{self, Estimate, Seen, WARN_BELOW};
use crate::extract::rules::Rules;
use crate::model::{BlockKind, Extraction};

/// A choice holding less than this share of the estimated main text is too small.
const SMALL: f64 = 0.4;
/// A lede this share of the chosen text or more was cut off by the page, not a standfirst.
const LEDE_WARN: f64 = 0.15;
/// ... and at least this many words.
const MIN_LEDE_WARN_WORDS: usize = 40;
/// The estimate must find at least this many words of running text to overrule a choice.
const MIN_MAIN_WORDS: usize = 60;
/// A choice apart from the main text is replaced when it holds less than this share of it.
const ELSEWHERE: f64 = 0.8;

/// Why a block the article finder left out is read after all.
pub(super) const LEDE: &str = "body paragraph (running text under the headline, before the \
                               article's container: its lede)";
/// Why the article finder's choice is not read when the main text is elsewhere.
pub(super) const SET_ASIDE: &str = "the article finder's choice, set aside: the page's main \
                                    text by content density is elsewhere";
pub(super) const FALLBACK: &str =
    "body paragraph (main text by content density; the article finder's choice was too small)";

/// Check the candidates' article against the content-density estimate, correct it, and
/// say how sure the result is. `headline` is the headline's candidate, `anchor` the same
/// when it says the title the page declares, `chosen` describes the article finder's choice.
pub(super) fn check(
    candidates: &mut [Candidate],
    headline: Option<usize>,
    anchor: Option<usize>,
    chosen: &str,
    rules: &Rules,
) -> Extraction {
    // The estimate reads every block, inside the finder's choice or outside it, whatever
    // class names say; it believes only what no reader sees, the page's own tags and roles
    // for navigation, footers and asides, comment sections, and that an article follows
    // its headline.
    let seen: Vec<Seen<'_>> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| Seen {
            text: &c.text,
            link_density: c.link_density,
            unseen: c.hard,
            furniture: by_tag_or_comments(c) || headline.is_some_and(|h| i <= h),
        })
        .collect();
    let estimate = density::estimate(&seen, rules);
    drop(seen);
    let spoken = |c: &Candidate| c.inside && c.skip.is_none();
    let chosen_running: Vec<usize> =
        (0..candidates.len()).filter(|&i| spoken(&candidates[i]) && estimate.running[i]).collect();
    let main_words = estimate.main_words();
    let words = |list: &[usize]| list.iter().map(|&i| estimate.words[i]).sum::<usize>();
    let chosen_words = words(&chosen_running);
    let mut decision = vec![
        format!("article finder: {chosen}, {chosen_words} words of running text"),
        format!(
            "content density: main text of {main_words} words of running text in blocks {}–{}",
            estimate.span.start,
            estimate.span.end.saturating_sub(1)
        ),
    ];
    let mut warning = None;
    // Only blocks the article finder left outside its choice can be brought back as a
    // lede: never one it skipped as furniture, or one no reader sees.
    let outside = |c: &Candidate| !c.inside && c.skip.is_none() && !c.hard;
    // Falling back, the main text may also come from inside elements skipped for their
    // class name alone, all for the same reason (a wrapper named like a widget or a
    // teaser, or a page builder's nested "widget" elements).
    let recoverable = |c: &Candidate| {
        outside(c)
            || (!c.hard
                && !by_tag_or_comments(c)
                && c.group.as_ref().is_some_and(|g| g.uniform && c.skip.as_deref() == Some(&g.why)))
    };
    // Lists, tables and headings count towards the choice's size: a calendar or a results
    // table is an article with little running text, not a small choice.
    let chosen_all: usize =
        (0..candidates.len()).filter(|&i| spoken(&candidates[i])).map(|i| estimate.words[i]).sum();
    let too_small = main_words >= MIN_MAIN_WORDS && (chosen_all as f64) < SMALL * main_words as f64;
    // A choice sharing no running text with a larger main text is something else: an
    // overlay, a template's placeholder, a teaser above the story.
    // Not when the choice holds the page's headline, or follows it with no running text
    // between: a short post under its title, with a longer text in a sidebar.
    let under_headline = anchor.is_some_and(|h| {
        spoken(&candidates[h])
            || (h + 1..candidates.len())
                .find(|&i| spoken(&candidates[i]))
                .is_some_and(|first| (h + 1..first).all(|i| !estimate.running[i]))
    });
    let elsewhere = main_words >= MIN_MAIN_WORDS
        && (chosen_words as f64) < ELSEWHERE * main_words as f64
        && !under_headline
        && !chosen_running.iter().any(|&i| estimate.is_main(i));
    if elsewhere && !too_small {
        let rescued = fall_back(candidates, &estimate, &recoverable);
        // What the choice held above the main text is set aside; what follows it may be
        // the rest of the story after a box, and stays.
        let mut set_aside = 0;
        for c in candidates.iter_mut().take(estimate.span.start) {
            if spoken(c) && c.rescued.is_none() {
                c.skip = Some(SET_ASIDE.into());
                set_aside += 1;
            }
        }
        decision.push(format!(
            "the choice ({chosen_words} words) shares no running text with the main text: \
             read the main text instead ({} words), {set_aside} blocks of the choice above it \
             set aside",
            words(&rescued)
        ));
        warning = Some(format!(
            "the article finder chose {chosen_words} words of running text apart from the \
             page's main text ({main_words} words); read the main text found by content \
             density instead"
        ));
    } else if too_small {
        let rescued = fall_back(candidates, &estimate, &recoverable);
        decision.push(format!(
            "the choice holds {:.0}% of the main text: read the main text instead ({} words)",
            percent(chosen_words, main_words),
            words(&rescued)
        ));
        warning = Some(format!(
            "the article finder's choice held only {:.0}% of the page's main text; read the \
             main text found by content density instead",
            percent(chosen_words, main_words)
        ));
    } else if let Some(start) = candidates.iter().position(spoken)
        && chosen_running.first().is_some_and(|&first| estimate.span.contains(&first))
    {
        let from = headline.map_or(estimate.span.start, |h| h + 1).max(estimate.span.start);
        // Back from the choice's first paragraph: running text left outside it, with
        // nothing between but furniture (the box that split the article). Any other text
        // (a label, a verdict, a heading) means what is above is something else.
        let mut lede = Vec::new();
        for i in (from..start).rev() {
            let c = &candidates[i];
            if estimate.running[i] && outside(c) {
                lede.push(i);
            } else if !(c.hard
                || c.skip.is_some()
                || c.link_density > 0.5
                || rules.classify(&c.text).is_some())
            {
                break;
            }
        }
        let lede_words = words(&lede);
        if !lede.is_empty() {
            for &i in &lede {
                candidates[i].inside = true;
                candidates[i].rescued = Some(LEDE);
            }
            decision.push(format!(
                "{lede_words} words of running text under the headline come before the \
                 choice, only furniture between: read them as its lede"
            ));
            // A paragraph or two is what a standfirst is; more is a story cut in two.
            if lede_words >= MIN_LEDE_WARN_WORDS
                && lede_words as f64 >= LEDE_WARN * chosen_words as f64
            {
                warning = Some(format!(
                    "the article finder's choice started after {lede_words} words of running \
                     text under the headline; they were read as its lede"
                ));
            }
        }
    }
    // The main text as either method saw it, and how much of it is spoken now.
    let union: Vec<usize> = (0..candidates.len())
        .filter(|&i| estimate.is_main(i) || chosen_running.contains(&i))
        .collect();
    let covered: Vec<usize> = union.iter().copied().filter(|&i| spoken(&candidates[i])).collect();
    let confidence = if union.is_empty() {
        1.0
    } else {
        (words(&covered) as f64 / words(&union).max(1) as f64 * 100.0).round() / 100.0
    };
    decision.push(format!("confidence {confidence:.2}"));
    if warning.is_none() && confidence < WARN_BELOW {
        warning = Some(format!(
            "only {:.0}% of the page's main text is narrated: the article finder and the \
             content-density estimate disagree",
            confidence * 100.0
        ));
    }
    Extraction { confidence, warning, decision }
}

/// Read the estimate's main stretch: its running text, and the headings among it, that
/// the article finder left outside. Returns the running text brought back.
fn fall_back(
    candidates: &mut [Candidate],
    estimate: &Estimate,
    outside: &dyn Fn(&Candidate) -> bool,
) -> Vec<usize> {
    let mut rescued = Vec::new();
    for i in estimate.span.clone() {
        let c = &candidates[i];
        let heading = c.kind == BlockKind::Heading && c.link_density < 0.5;
        if outside(c) && (estimate.running[i] || heading) {
            rescued.push(i);
        }
    }
    // Headings only between running text, never dangling at the edges.
    while rescued.first().is_some_and(|&i| !estimate.running[i]) {
        rescued.remove(0);
    }
    while rescued.last().is_some_and(|&i| !estimate.running[i]) {
        rescued.pop();
    }
    // What the finder chose stays: it is small, and may be the part of the story the
    // estimate cannot see (a table, a list).
    for &i in &rescued {
        let c = &mut candidates[i];
        c.inside = true;
        c.skip = None;
        c.group = None;
        c.rescued = Some(FALLBACK);
    }
    rescued.into_iter().filter(|&i| estimate.running[i]).collect()
}

/// Skipped for what the page's tags or roles say (navigation, footer, aside, figure), or
/// as a comment section.
fn by_tag_or_comments(c: &Candidate) -> bool {
    c.group.as_ref().is_some_and(|g| g.by_tag || g.why == furniture::COMMENTS)
}

fn percent(part: usize, whole: usize) -> f64 {
    part as f64 * 100.0 / whole.max(1) as f64
}
