//! `[extract]`: the patterns that decide what is skipped, and the few numbers the logic uses.
//!
//! Code holds the logic (what a figure, a heading or a related-content tail looks like);
//! configuration holds the words and formats that vary by publisher and language.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::defaults;
use super::pattern::Pattern;

/// `[extract]` settings. Every pattern is a Rust regular expression matched against one
/// block's whitespace-collapsed text; see `config.toml` for what each list is for.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractConfig {
    /// A plain-text line of at most this many words that does not end like a sentence is a
    /// heading. Default: 12.
    pub heading_max_words: usize,
    /// Lines without a sentence among them at the very end of a plain text that make a
    /// related-content tail even with no "Read more" marker before them. Default: 3.
    pub tail_min_teasers: usize,
    /// What starts a list item in plain text; the match is not spoken.
    /// Default: bullets (`•`, `-`, `*`, ...) and `1.`/`1)` numbers.
    pub list_marker_pattern: String,
    /// The "Listen to this article" player's own text. Default: see `config.toml`.
    pub widget_patterns: Vec<String>,
    /// Embedded-video labels. Default: see `config.toml`.
    pub video_label_patterns: Vec<String>,
    /// Bare labels introducing related links ("Related", "More on this story").
    /// Default: see `config.toml`.
    pub related_label_patterns: Vec<String>,
    /// Self-contained promotions ("READ MORE: ...", newsletter sign-ups).
    /// Default: see `config.toml`.
    pub promo_patterns: Vec<String>,
    /// Advert labels, share and comment buttons, tag lists. Default: see `config.toml`.
    pub furniture_patterns: Vec<String>,
    /// Datelines; groups `published` and `modified` go into the metadata.
    /// Default: see `config.toml`.
    pub dateline_patterns: Vec<String>,
    /// Bylines; group `authors` goes into the metadata. Default: see `config.toml`.
    pub byline_patterns: Vec<String>,
    /// Whole-line captions and gallery counters. Default: see `config.toml`.
    pub caption_patterns: Vec<String>,
    /// Photo credits, alone or ending a caption. Default: see `config.toml`.
    pub credit_patterns: Vec<String>,
    /// Tables in an HTML article: read row by row, or skipped. Default: rows.
    pub tables: Tables,
    /// An extraction whose confidence (0 to 1, see [`crate::model::Extraction`]) is below
    /// this is an error rather than a narration. Default: 0 (never).
    pub min_confidence: f64,
    /// CSS selectors of HTML elements never to read. Default: none.
    pub skip_selectors: Vec<String>,
    /// CSS selectors of HTML elements always to read, whatever the furniture rules and the
    /// article finder say (their descendants are still judged). Default: none.
    pub keep_selectors: Vec<String>,
    /// Regexes of whole blocks (lines of plain text, paragraphs of HTML or Markdown) never
    /// to read. Default: none.
    pub skip_line_patterns: Vec<String>,
    /// More of the three lists above for one site, keyed by domain (`example.com` also
    /// covers `www.example.com` and `news.example.com`). Default: none.
    pub sites: BTreeMap<String, SiteConfig>,
}

/// How tables in an HTML article are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tables {
    /// One block per row, cells joined by commas.
    #[default]
    Rows,
    /// Not read; recorded as skipped.
    Skip,
}

/// `[extract.sites."DOMAIN"]`: selectors and patterns added for one site's pages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteConfig {
    /// As [`ExtractConfig::skip_selectors`].
    pub skip_selectors: Vec<String>,
    /// As [`ExtractConfig::keep_selectors`].
    pub keep_selectors: Vec<String>,
    /// As [`ExtractConfig::skip_line_patterns`].
    pub skip_line_patterns: Vec<String>,
}

impl SiteConfig {
    /// Check every selector and pattern, naming each invalid one under `section`.
    fn validate(&self, section: &str, problems: &mut Vec<String>) {
        for (key, list) in
            [("skip_selectors", &self.skip_selectors), ("keep_selectors", &self.keep_selectors)]
        {
            for (i, selector) in list.iter().enumerate() {
                if let Err(e) = scraper::Selector::parse(selector) {
                    problems.push(format!(
                        "{section} {key}[{i}]: invalid CSS selector {selector:?}: {}",
                        one_line(&e.to_string())
                    ));
                }
            }
        }
        for (i, source) in self.skip_line_patterns.iter().enumerate() {
            if let Err(e) = Pattern::new(source) {
                problems.push(format!("{section} skip_line_patterns[{i}]: {}", invalid(&e)));
            }
        }
    }
}

impl Default for ExtractConfig {
    fn default() -> Self {
        let owned = |patterns: &[&str]| patterns.iter().map(|p| (*p).to_owned()).collect();
        ExtractConfig {
            heading_max_words: 12,
            tail_min_teasers: 3,
            list_marker_pattern: defaults::LIST_MARKER_PATTERN.to_owned(),
            widget_patterns: owned(defaults::WIDGET_PATTERNS),
            video_label_patterns: owned(defaults::VIDEO_LABEL_PATTERNS),
            related_label_patterns: owned(defaults::RELATED_LABEL_PATTERNS),
            promo_patterns: owned(defaults::PROMO_PATTERNS),
            furniture_patterns: owned(defaults::FURNITURE_PATTERNS),
            dateline_patterns: owned(defaults::DATELINE_PATTERNS),
            byline_patterns: owned(defaults::BYLINE_PATTERNS),
            caption_patterns: owned(defaults::CAPTION_PATTERNS),
            credit_patterns: owned(defaults::CREDIT_PATTERNS),
            tables: Tables::Rows,
            min_confidence: 0.0,
            skip_selectors: Vec::new(),
            keep_selectors: Vec::new(),
            skip_line_patterns: Vec::new(),
            sites: BTreeMap::new(),
        }
    }
}

/// A named list of patterns, so every problem can say which list and which entry.
pub(super) struct PatternList<'c> {
    /// The key in `[extract]`.
    pub(super) name: &'static str,
    /// Its patterns.
    pub(super) patterns: &'c [String],
}

impl ExtractConfig {
    /// Check the settings without I/O, adding every problem to `problems`: each invalid
    /// regex is reported by its key and index, and every capture group the logic reads must
    /// be spelled right.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.heading_max_words == 0 {
            problems.push("[extract] heading_max_words must be at least 1".into());
        }
        if self.tail_min_teasers < 2 {
            problems.push(
                "[extract] tail_min_teasers must be at least 2, or single closing lines would be \
                 taken for a tail"
                    .into(),
            );
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            problems.push(format!(
                "[extract] min_confidence must be between 0 and 1, not {}",
                self.min_confidence
            ));
        }
        if let Err(e) = Pattern::new(&self.list_marker_pattern) {
            problems.push(format!("[extract] list_marker_pattern: {}", invalid(&e)));
        }
        // Syntax only: compiling every automaton here would cost more than most extractions,
        // and they are compiled when a text first needs them.
        for list in self.pattern_lists() {
            for (i, source) in list.patterns.iter().enumerate() {
                match Pattern::new(source) {
                    Err(e) => {
                        problems.push(format!("[extract] {}[{i}]: {}", list.name, invalid(&e)))
                    }
                    Ok(p) => check_groups(&list, i, p.capture_names(), problems),
                }
            }
        }
        self.global().validate("[extract]", problems);
        for (domain, site) in &self.sites {
            site.validate(&format!("[extract.sites.{domain:?}]"), problems);
        }
    }

    /// The top-level selectors and patterns, as a site section holds them.
    pub(super) fn global(&self) -> SiteConfig {
        SiteConfig {
            skip_selectors: self.skip_selectors.clone(),
            keep_selectors: self.keep_selectors.clone(),
            skip_line_patterns: self.skip_line_patterns.clone(),
        }
    }

    /// Every pattern list, in the order a block is tested against them.
    pub(super) fn pattern_lists(&self) -> [PatternList<'_>; 9] {
        [
            PatternList { name: "widget_patterns", patterns: &self.widget_patterns },
            PatternList { name: "video_label_patterns", patterns: &self.video_label_patterns },
            PatternList { name: "related_label_patterns", patterns: &self.related_label_patterns },
            PatternList { name: "promo_patterns", patterns: &self.promo_patterns },
            PatternList { name: "furniture_patterns", patterns: &self.furniture_patterns },
            PatternList { name: "dateline_patterns", patterns: &self.dateline_patterns },
            PatternList { name: "byline_patterns", patterns: &self.byline_patterns },
            PatternList { name: "caption_patterns", patterns: &self.caption_patterns },
            PatternList { name: "credit_patterns", patterns: &self.credit_patterns },
        ]
    }
}

/// Named groups other than the ones a list's logic reads are almost always typos
/// (`author` for `authors`), which would silently record nothing.
fn check_groups(list: &PatternList<'_>, i: usize, names: &[String], problems: &mut Vec<String>) {
    let known: &[&str] = match list.name {
        "dateline_patterns" => &["published", "modified"],
        "byline_patterns" => &["authors"],
        _ => &[],
    };
    for name in names {
        if !known.contains(&name.as_str()) {
            let expected = if known.is_empty() {
                "this list reads no named groups".to_owned()
            } else {
                format!("this list reads only {}", known.join(", "))
            };
            problems.push(format!(
                "[extract] {}[{i}]: unknown group name {name:?}; {expected}",
                list.name
            ));
        }
    }
}

/// A syntax error, already on one line.
fn invalid(e: &str) -> String {
    format!("invalid regex: {e}")
}

fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_patterns_are_all_valid() {
        let mut problems = Vec::new();
        ExtractConfig::default().validate(&mut problems);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_invalid_regex_is_reported_by_its_list_and_index() {
        let mut config = ExtractConfig::default();
        config.caption_patterns.push("(unclosed".into());
        config.promo_patterns.insert(0, "[z-a]".into());
        config.list_marker_pattern = "*".into();
        let mut problems = Vec::new();
        config.validate(&mut problems);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        let caption = format!(
            "[extract] caption_patterns[{}]: invalid regex",
            config.caption_patterns.len() - 1
        );
        assert!(problems.iter().any(|p| p.starts_with(&caption)), "{problems:#?}");
        assert!(
            problems.iter().any(|p| p.starts_with("[extract] promo_patterns[0]: invalid regex"))
        );
        assert!(
            problems.iter().any(|p| p.starts_with("[extract] list_marker_pattern: invalid regex"))
        );
        assert!(problems.iter().all(|p| !p.contains('\n')), "{problems:#?}");
    }

    #[test]
    fn a_misspelt_capture_group_is_reported() {
        let config = ExtractConfig {
            byline_patterns: vec![r"^By (?P<author>.+)$".into()],
            ..ExtractConfig::default()
        };
        let mut problems = Vec::new();
        config.validate(&mut problems);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("byline_patterns[0]") && problems[0].contains("\"author\""));
    }

    #[test]
    fn invalid_selectors_and_line_patterns_are_named_with_their_section() {
        let mut config = toml::from_str::<ExtractConfig>(
            r#"
            skip_selectors = ["div..x"]
            skip_line_patterns = ["(open"]
            [sites."example.com"]
            keep_selectors = [".ok", "p[" ]
            "#,
        )
        .unwrap();
        let mut problems = Vec::new();
        config.validate(&mut problems);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(
            problems[0].starts_with("[extract] skip_selectors[0]: invalid CSS selector \"div..x\"")
        );
        assert!(problems[1].starts_with("[extract] skip_line_patterns[0]: invalid regex"));
        assert!(
            problems[2].starts_with(
                "[extract.sites.\"example.com\"] keep_selectors[1]: invalid CSS selector"
            ),
            "{problems:#?}"
        );
        config.sites.clear();
        config.skip_selectors.clear();
        config.skip_line_patterns.clear();
        problems.clear();
        config.validate(&mut problems);
        assert!(problems.is_empty());
    }

    #[test]
    fn unknown_keys_in_a_site_section_are_rejected() {
        let err =
            toml::from_str::<ExtractConfig>("[sites.\"a.com\"]\nskip_selector = []").unwrap_err();
        assert!(err.to_string().contains("skip_selector"), "{err}");
        let err = toml::from_str::<ExtractConfig>("tables = \"columns\"").unwrap_err();
        assert!(err.to_string().contains("columns"), "{err}");
    }

    #[test]
    fn unknown_keys_in_the_section_are_rejected() {
        let err = toml::from_str::<ExtractConfig>("widget_patern = []").unwrap_err();
        assert!(err.to_string().contains("widget_patern"), "{err}");
    }
}
