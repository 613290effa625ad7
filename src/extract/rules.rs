//! The configured patterns, compiled once, and the text-shape tests every format shares:
//! what a heading, a sentence, a list item and a repeated caption look like.

use scraper::{ElementRef, Selector};

use super::ExtractConfig;
use super::config::{SiteConfig, Tables};
use super::pattern::Pattern;
use crate::model::{BlockKind, Metadata};

/// Why a block is spoken or skipped, as `--explain` and the manifest show it.
pub(super) mod reason {
    pub(crate) const HEADLINE: &str = "first block is the headline";
    pub(crate) const HEADLINE_FROM_METADATA: &str = "headline from the page's metadata";
    pub(crate) const HEADING: &str = "short line without a closing full stop";
    pub(crate) const PARAGRAPH: &str = "body paragraph";
    pub(crate) const LIST_ITEM: &str = "list item";
    pub(crate) const QUOTE: &str = "block quote";
    pub(crate) const TABLE_ROW: &str = "table row";
    pub(crate) const STANDFIRST: &str = "standfirst under the headline";

    pub(crate) const WIDGET: &str = "player widget text";
    pub(crate) const VIDEO_LABEL: &str = "embedded video label";
    pub(crate) const RELATED_LABEL: &str = "related-links label";
    pub(crate) const RELATED_LINK: &str = "related link";
    pub(crate) const PROMO: &str = "promo line";
    pub(crate) const FURNITURE: &str = "page furniture (ad, share or comment link)";
    pub(crate) const DATELINE: &str = "dateline";
    pub(crate) const BYLINE: &str = "byline";
    pub(crate) const CAPTION: &str = "image caption";
    pub(crate) const CREDIT: &str = "image credit";
    pub(crate) const ALT_TEXT: &str = "alt text repeated by the caption below";
    pub(crate) const TAIL: &str = "related-content tail after the article ends";
    pub(crate) const ABOVE_HEADLINE: &str = "above the headline (kicker or section label)";
    pub(crate) const REPEATS_HEADLINE: &str = "repeats the headline";
    pub(crate) const PULL_QUOTE: &str = "pull quote (repeats the body text)";
}

/// What the configured patterns say a block is. Every class is skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Class {
    /// The audio player's own text.
    Widget,
    /// An embedded video's label.
    VideoLabel,
    /// A bare "Related" / "More on this story" label; links follow it.
    RelatedLabel,
    /// "READ MORE: ...", a newsletter sign-up.
    Promo,
    /// Advert labels, share and comment buttons.
    Furniture,
    /// A date line, with the dates the pattern captured.
    Dateline {
        /// The `published` group.
        published: Option<String>,
        /// The `modified` group.
        modified: Option<String>,
    },
    /// A byline; no authors means a bare "By" whose names follow on the next lines.
    Byline {
        /// The `authors` group, split into names.
        authors: Vec<String>,
    },
    /// An image caption; `body` is its own words without any credit, for comparing with
    /// the alt text before it.
    Caption {
        /// The caption without its credit.
        body: String,
    },
    /// A photo credit on its own.
    Credit,
}

impl Class {
    /// The reason recorded for a block of this class.
    pub(super) fn reason(&self) -> &'static str {
        match self {
            Class::Widget => reason::WIDGET,
            Class::VideoLabel => reason::VIDEO_LABEL,
            Class::RelatedLabel => reason::RELATED_LABEL,
            Class::Promo => reason::PROMO,
            Class::Furniture => reason::FURNITURE,
            Class::Dateline { .. } => reason::DATELINE,
            Class::Byline { .. } => reason::BYLINE,
            Class::Caption { .. } => reason::CAPTION,
            Class::Credit => reason::CREDIT,
        }
    }

    /// Whether this marks the end of the story proper: what follows the last such block is
    /// a candidate related-content tail.
    pub(super) fn ends_story(&self) -> bool {
        matches!(self, Class::Promo | Class::RelatedLabel)
    }

    /// Keep what a skipped byline or dateline says about the article, unless something
    /// more reliable (the page's metadata, an earlier line) already said it.
    pub(super) fn record(&self, text: &str, meta: &mut Metadata) {
        match self {
            Class::Byline { authors } if meta.byline.is_none() => {
                meta.byline = Some(text.to_owned());
                if meta.authors.is_empty() {
                    meta.authors.clone_from(authors);
                }
            }
            Class::Dateline { published, modified } => {
                if meta.published.is_none() {
                    meta.published.clone_from(published);
                }
                if meta.modified.is_none() {
                    meta.modified.clone_from(modified);
                }
            }
            _ => {}
        }
    }
}

/// `[extract]` compiled: build once, use for any number of articles.
#[derive(Clone, Debug)]
pub(super) struct Rules {
    /// See [`ExtractConfig::heading_max_words`].
    pub(super) heading_max_words: usize,
    /// See [`ExtractConfig::tail_min_teasers`].
    pub(super) tail_min_teasers: usize,
    list_marker: Pattern,
    widget: Vec<Pattern>,
    video_label: Vec<Pattern>,
    related_label: Vec<Pattern>,
    promo: Vec<Pattern>,
    furniture: Vec<Pattern>,
    dateline: Vec<Pattern>,
    byline: Vec<Pattern>,
    caption: Vec<Pattern>,
    credit: Vec<Pattern>,
    /// Whether HTML tables are skipped rather than read row by row.
    pub(super) skip_tables: bool,
    /// The top-level selectors and line patterns.
    global: Extras,
    /// Each `[extract.sites."DOMAIN"]`'s, by domain.
    sites: Vec<(String, Extras)>,
}

/// Configured selectors and line patterns, compiled.
#[derive(Clone, Debug, Default)]
struct Extras {
    skip: Vec<(String, Selector)>,
    keep: Vec<(String, Selector)>,
    lines: Vec<Pattern>,
}

impl Extras {
    fn compile(config: &SiteConfig) -> Result<Extras, Vec<String>> {
        let selectors = |list: &[String]| -> Result<Vec<(String, Selector)>, Vec<String>> {
            list.iter()
                .map(|s| {
                    Selector::parse(s).map(|sel| (s.clone(), sel)).map_err(|e| vec![e.to_string()])
                })
                .collect()
        };
        Ok(Extras {
            skip: selectors(&config.skip_selectors)?,
            keep: selectors(&config.keep_selectors)?,
            lines: config
                .skip_line_patterns
                .iter()
                .map(|p| Pattern::new(p).map_err(|e| vec![e]))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The configured selectors and line patterns that apply to one page: the top-level ones and
/// those of its site.
#[derive(Clone, Debug)]
pub(super) struct SiteRules<'r> {
    parts: Vec<&'r Extras>,
}

impl SiteRules<'_> {
    /// The first skip selector `element` matches.
    pub(super) fn skip_selector(&self, element: ElementRef<'_>) -> Option<&str> {
        self.parts
            .iter()
            .flat_map(|p| &p.skip)
            .find(|(_, sel)| sel.matches(&element))
            .map(|(s, _)| s.as_str())
    }

    /// Whether a keep selector matches `element`.
    pub(super) fn keep_selector(&self, element: ElementRef<'_>) -> bool {
        self.parts.iter().flat_map(|p| &p.keep).any(|(_, sel)| sel.matches(&element))
    }

    /// Whether there are selectors at all (to spare the matching when there are none).
    pub(super) fn has_selectors(&self) -> bool {
        self.parts.iter().any(|p| !p.skip.is_empty() || !p.keep.is_empty())
    }

    /// The first skip line pattern `text` matches.
    pub(super) fn skip_line(&self, text: &str) -> Option<&str> {
        self.parts.iter().flat_map(|p| &p.lines).find(|re| re.is_match(text)).map(Pattern::as_str)
    }
}

impl Rules {
    /// Compile every pattern, or list every problem (as [`ExtractConfig::validate`] does).
    pub(super) fn compile(config: &ExtractConfig) -> Result<Rules, Vec<String>> {
        let mut problems = Vec::new();
        config.validate(&mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let compile = |patterns: &[String]| -> Result<Vec<Pattern>, Vec<String>> {
            patterns.iter().map(|p| Pattern::new(p).map_err(|e| vec![e])).collect()
        };
        Ok(Rules {
            heading_max_words: config.heading_max_words,
            tail_min_teasers: config.tail_min_teasers,
            list_marker: Pattern::new(&config.list_marker_pattern).map_err(|e| vec![e])?,
            widget: compile(&config.widget_patterns)?,
            video_label: compile(&config.video_label_patterns)?,
            related_label: compile(&config.related_label_patterns)?,
            promo: compile(&config.promo_patterns)?,
            furniture: compile(&config.furniture_patterns)?,
            dateline: compile(&config.dateline_patterns)?,
            byline: compile(&config.byline_patterns)?,
            caption: compile(&config.caption_patterns)?,
            credit: compile(&config.credit_patterns)?,
            skip_tables: config.tables == Tables::Skip,
            global: Extras::compile(&config.global())?,
            sites: config
                .sites
                .iter()
                .map(|(domain, site)| {
                    Ok((
                        domain.trim_start_matches("www.").to_ascii_lowercase(),
                        Extras::compile(site)?,
                    ))
                })
                .collect::<Result<_, Vec<String>>>()?,
        })
    }

    /// The selectors and line patterns for a page from `origin` (a path or URL) whose
    /// canonical URL, if it states one, is `canonical`: a site section applies when the
    /// host of either is its domain or a subdomain of it.
    pub(super) fn site(&self, origin: &str, canonical: Option<&str>) -> SiteRules<'_> {
        let hosts: Vec<String> = [Some(origin), canonical]
            .into_iter()
            .flatten()
            .filter_map(|u| url::Url::parse(u).ok())
            .filter_map(|u| u.host_str().map(str::to_ascii_lowercase))
            .collect();
        let mut parts = vec![&self.global];
        for (domain, extras) in &self.sites {
            let matches = hosts.iter().any(|h| {
                h == domain
                    || h.strip_suffix(domain.as_str()).is_some_and(|rest| rest.ends_with('.'))
            });
            if matches {
                parts.push(extras);
            }
        }
        SiteRules { parts }
    }

    /// The first pattern list that matches `text` (whitespace already collapsed), in the
    /// order `config.toml` documents.
    pub(super) fn classify(&self, text: &str) -> Option<Class> {
        let any = |list: &[Pattern]| list.iter().any(|re| re.is_match(text));
        if any(&self.widget) {
            return Some(Class::Widget);
        }
        if any(&self.video_label) {
            return Some(Class::VideoLabel);
        }
        if any(&self.related_label) {
            return Some(Class::RelatedLabel);
        }
        if any(&self.promo) {
            return Some(Class::Promo);
        }
        if any(&self.furniture) {
            return Some(Class::Furniture);
        }
        if let Some(caps) = self.dateline.iter().find_map(|re| re.captures(text)) {
            let group = |name| caps.name(name).map(|m| m.as_str().trim().to_owned());
            return Some(Class::Dateline {
                published: group("published"),
                modified: group("modified"),
            });
        }
        if let Some(caps) = self.byline.iter().find_map(|re| re.captures(text)) {
            let authors = caps.name("authors").map_or_else(Vec::new, |m| split_authors(m.as_str()));
            return Some(Class::Byline { authors });
        }
        if any(&self.caption) {
            return Some(Class::Caption { body: text.to_owned() });
        }
        // The earliest credit decides: a credit at the very start is the whole block.
        let credit = self.credit.iter().filter_map(|re| re.find(text)).map(|m| m.start()).min();
        // A long text ending in a credit is body text with the picture's credit run on
        // (unparagraphed text), not a caption.
        match credit {
            Some(0) => Some(Class::Credit),
            Some(at) if text[..at].split_whitespace().count() <= MAX_CAPTION_WORDS => {
                Some(Class::Caption { body: text[..at].trim().to_owned() })
            }
            _ => None,
        }
    }

    /// The item's text without its marker, if `line` is a list item.
    pub(super) fn list_item<'t>(&self, line: &'t str) -> Option<&'t str> {
        let m = self.list_marker.find(line)?;
        let rest = line[m.end()..].trim();
        (m.start() == 0 && !rest.is_empty()).then_some(rest)
    }

    /// A short line that does not end like a sentence: a section heading.
    pub(super) fn looks_like_heading(&self, text: &str) -> bool {
        let words = text.split_whitespace().count();
        let starts_well = text
            .trim_start_matches(OPENERS)
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_numeric());
        let ends_open =
            !matches!(last_char(text), Some('.' | ',' | ';' | ':' | '!' | '…' | '-' | '–' | '—'));
        (1..=self.heading_max_words).contains(&words)
            && starts_well
            && ends_open
            && text.chars().any(char::is_alphabetic)
    }

    /// Whether `text` reads as running prose (a sentence), rather than a label, heading or
    /// teaser headline. Questions count only when too long to be a heading.
    pub(super) fn reads_as_prose(&self, text: &str) -> bool {
        match last_char(text) {
            Some('.' | '!' | '…') => true,
            Some('?') => text.split_whitespace().count() > self.heading_max_words,
            _ => false,
        }
    }
}

/// Characters that may close a sentence after its full stop.
const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»', '*', '_'];
/// Characters that may open a heading before its first letter.
const OPENERS: &[char] = &['"', '\'', '“', '‘', '(', '[', '«', '*', '_'];

/// The last character that is not a closing quote or bracket.
fn last_char(text: &str) -> Option<char> {
    text.trim_end().trim_end_matches(CLOSERS).chars().next_back()
}

/// Names from a byline's author list: "A, B and C" or "A & B".
fn split_authors(list: &str) -> Vec<String> {
    list.split(',')
        .flat_map(|part| part.split(" and "))
        .flat_map(|part| part.split(" AND "))
        .flat_map(|part| part.split('&'))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a line that follows a bare "By" is an author's name rather than a handle or a date.
pub(super) fn looks_like_name(text: &str) -> bool {
    let words = text.split_whitespace().count();
    (1..=5).contains(&words)
        && text.chars().next().is_some_and(char::is_uppercase)
        && !text.chars().any(|c| c.is_ascii_digit() || c == '@')
}

/// Separates table cells while a block is collected from markup; never in real text.
pub(super) const CELL: char = '\u{1f}';

/// A collected block's spoken text: a table row's non-empty cells joined with ", ", any
/// other block's text with its whitespace collapsed.
pub(super) fn block_text(kind: BlockKind, raw: &str) -> String {
    if kind == BlockKind::TableRow {
        let cells: Vec<String> =
            raw.split(CELL).map(collapse_whitespace).filter(|c| !c.is_empty()).collect();
        cells.join(", ")
    } else {
        collapse_whitespace(&raw.replace(CELL, " "))
    }
}

/// Collapse every run of whitespace to one space and trim, and drop the invisible
/// characters pages put inside words (soft hyphens, zero-width spaces, word joiners), which
/// split a word for every search and every speech engine.
pub(super) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        if word.contains(INVISIBLE) {
            let chars: Vec<char> = word.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                if !INVISIBLE.contains(&c) {
                    out.push(c);
                    continue;
                }
                // A zero-width space between two words keeps them two ("Join\u{200b}us" is
                // not "Joinus"); a soft hyphen, or one at a word's edge, just goes.
                let next = chars[i + 1..].iter().find(|n| !INVISIBLE.contains(n));
                if c != '\u{ad}'
                    && out.chars().last().is_some_and(char::is_alphanumeric)
                    && next.is_some_and(|n| n.is_alphanumeric())
                {
                    out.push(' ');
                }
            }
        } else {
            out.push_str(word);
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// A caption runs to at most this many words before its credit.
const MAX_CAPTION_WORDS: usize = 80;

/// Characters with no width that may sit inside a word.
const INVISIBLE: [char; 4] = ['\u{ad}', '\u{200b}', '\u{2060}', '\u{feff}'];

/// Lower-case runs of letters and digits, the unit the comparisons below count in.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// Whether `caption` repeats `alt`: almost every word of the alt text is in the caption. Alt
/// text is usually the caption minus its credit, or a slightly shorter description.
pub(super) fn repeats(alt: &str, caption: &str) -> bool {
    let caption: std::collections::HashSet<String> = words(caption).collect();
    let (mut total, mut found) = (0usize, 0usize);
    for word in words(alt) {
        total += 1;
        found += usize::from(caption.contains(&word));
    }
    total >= 2 && found * 5 >= total * 4
}

/// The text's words, lower-case and space-separated: for finding one text inside another
/// whatever the punctuation and quotes around it.
pub(super) fn word_string(text: &str) -> String {
    words(text).collect::<Vec<_>>().join(" ")
}

/// Whether two texts say the same words, ignoring case and punctuation.
pub(super) fn same_words(a: &str, b: &str) -> bool {
    words(a).eq(words(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::compile(&ExtractConfig::default()).unwrap()
    }

    fn reason(text: &str) -> Option<&'static str> {
        rules().classify(text).map(|c| c.reason())
    }

    #[test]
    fn invisible_characters_are_dropped_but_a_zero_width_space_still_parts_two_words() {
        assert_eq!(
            collapse_whitespace(" St. Mag\u{ad}da\u{ad}le\u{ad}ner  wine "),
            "St. Magdalener wine"
        );
        assert_eq!(collapse_whitespace("one \u{200b} two\u{2060}\u{feff}"), "one two");
        assert_eq!(collapse_whitespace("\u{200b}"), "");
        assert_eq!(collapse_whitespace("Join\u{200b}us to\u{2060}day"), "Join us to day");
    }

    #[test]
    fn player_widget_text_is_recognised() {
        for text in [
            "Listen to this article",
            "Loading audio...",
            "LISTEN TO THIS STORY 4 min",
            "0:00 / 3:25",
        ] {
            assert_eq!(reason(text), Some(reason::WIDGET), "{text}");
        }
    }

    #[test]
    fn a_date_line_is_a_dateline_and_its_dates_are_captured() {
        let class = rules().classify("25 April 2022, 14:35 | Updated: 2 May 2022, 18:17").unwrap();
        assert_eq!(
            class,
            Class::Dateline {
                published: Some("25 April 2022, 14:35".into()),
                modified: Some("2 May 2022, 18:17".into())
            }
        );
        for text in [
            "17 April 2012 • 2:54pm",
            "19 November 2019",
            "PUBLISHED: November 19, 2019 at 8:59 pm | UPDATED: November 19, 2019 at 10:16 pm",
            "Updated 5 hours ago",
            "Tuesday, 3 March 2020",
        ] {
            assert_eq!(reason(text), Some(reason::DATELINE), "{text}");
        }
        assert_eq!(reason("On 25 April 2022 the council met."), None);
    }

    #[test]
    fn a_byline_is_recognised_with_its_authors() {
        let class = rules().classify("By Jenny Mensah").unwrap();
        assert_eq!(class, Class::Byline { authors: vec!["Jenny Mensah".into()] });
        let class = rules().classify("By Bill Hoppe | Special to the Pioneer Press").unwrap();
        assert_eq!(class, Class::Byline { authors: vec!["Bill Hoppe".into()] });
        let class = rules().classify("By Ann Smith and Tom Jones").unwrap();
        assert_eq!(class, Class::Byline { authors: vec!["Ann Smith".into(), "Tom Jones".into()] });
        assert_eq!(rules().classify("By"), Some(Class::Byline { authors: vec![] }));
    }

    #[test]
    fn a_sentence_that_starts_with_by_is_not_a_byline() {
        assert_eq!(reason("By Tuesday, the crowd had grown to thousands."), None);
        assert_eq!(reason("By using the app you agree to the terms."), None);
    }

    #[test]
    fn a_credit_alone_is_a_credit_and_a_credit_at_the_end_makes_a_caption() {
        for text in [
            "Getty Images",
            "AFP via Getty Images",
            "Credit: Photo: PA",
            "Reuters",
            "Image copyright",
        ] {
            assert_eq!(rules().classify(text), Some(Class::Credit), "{text}");
        }
        let class = rules().classify("Joe Locke and Kit Connor. Picture: Netflix").unwrap();
        assert_eq!(class, Class::Caption { body: "Joe Locke and Kit Connor.".into() });
        assert_eq!(reason("Fans gather in the rain (Getty Images)"), Some(reason::CAPTION));
        assert_eq!(reason("He was speaking to Reuters"), None);
    }

    #[test]
    fn promos_related_labels_and_video_labels_are_told_apart() {
        assert_eq!(
            reason("READ MORE: Heartstopper soundtrack - All the songs"),
            Some(reason::PROMO)
        );
        assert_eq!(reason("Related: Ten things to watch"), Some(reason::PROMO));
        assert_eq!(reason("Sign up to our daily newsletter"), Some(reason::PROMO));
        assert_eq!(reason("Related"), Some(reason::RELATED_LABEL));
        assert_eq!(reason("More on this story"), Some(reason::RELATED_LABEL));
        assert_eq!(
            reason("Watch the full-length trailer for the series"),
            Some(reason::VIDEO_LABEL)
        );
        assert_eq!(reason("Watchdog warns of rising prices"), None);
        assert_eq!(reason("Advertisement"), Some(reason::FURNITURE));
    }

    #[test]
    fn questions_and_short_titles_are_headings_but_lead_ins_are_not() {
        let rules = rules();
        assert!(rules.looks_like_heading("Will there be a Heartstopper season 2?"));
        assert!(rules.looks_like_heading("What happens next"));
        assert!(!rules.looks_like_heading("See the Heartstopper cast below:"));
        assert!(!rules.looks_like_heading("Heartstopper is on Netflix."));
        assert!(!rules.looks_like_heading("\"It was a shock.\""));
        assert!(!rules.looks_like_heading(
            "one two three four five six seven eight nine ten eleven twelve thirteen"
        ));
    }

    #[test]
    fn list_markers_are_stripped_from_items() {
        let rules = rules();
        assert_eq!(
            rules.list_item("  • Joe Locke - Charlie Spring"),
            Some("Joe Locke - Charlie Spring")
        );
        assert_eq!(rules.list_item("- milk"), Some("milk"));
        assert_eq!(rules.list_item("12) eggs"), Some("eggs"));
        assert_eq!(rules.list_item("-5 degrees overnight"), None);
        assert_eq!(rules.list_item("2020. A year like no other"), None);
    }

    #[test]
    fn alt_text_is_repeated_by_its_caption_but_a_paragraph_is_not() {
        let caption = "Netflix's Heartstopper stars Kit Connor and Joe Locke.";
        assert!(repeats("Netflix's Heartstopper stars Kit Connor and Joe Locke", caption));
        assert!(!repeats("Kit Connor has not spoken about the series since it aired.", caption));
        assert!(!repeats("Locke", caption));
    }
}
