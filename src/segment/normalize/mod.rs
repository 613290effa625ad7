//! Text normalisation: rewrite what engines misread (numbers, dates, times, money, units,
//! abbreviations, Roman numerals, acronyms, links, emoji) into the words a newsreader would
//! say, before the text is sent.
//!
//! English (`en`, with `en-GB` and `en-US` conventions) has the full rule set; German,
//! French, Spanish and Portuguese have numbers, ordinals, dates, times, money and
//! percentages; every language gets the neutral rules (invisible characters, emoji, links,
//! dashes, over-long tokens). The expected output for each rule lives in data files under
//! `tests/normalize/`, checked by the table test below.

mod en;
mod european;
mod neutral;
mod text;

use std::collections::{BTreeMap, HashSet};

use regex::Regex;
use serde::Deserialize;

use en::English;
use en::numbers::Words;
use neutral::LinkWords;

/// What to do with URLs and e-mail addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkMode {
    /// Say them: "example dot com".
    Read,
    /// Leave them out.
    Drop,
}

/// `[normalize]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormalizeConfig {
    /// Rewrite text before synthesis at all. Default: true.
    pub enabled: bool,
    /// URLs: `"read"` (host and path in words) or `"drop"`. Default: `"read"`.
    pub urls: LinkMode,
    /// E-mail addresses: `"read"` or `"drop"`. Default: `"read"`.
    pub emails: LinkMode,
    /// Spell out all-capital acronyms letter by letter ("BBC" → "B B C"). Default: true.
    pub spell_acronyms: bool,
    /// Acronyms said as words, never spelled. Default: a list (NASA, NATO, ...).
    pub acronyms_as_words: Vec<String>,
    /// Abbreviations expanded wherever they stand as whole words (with or without a full
    /// stop). "St" is resolved by context (Saint before a name, Street after one), as are
    /// "Dr" (Doctor or Drive), "Mt", "Ave", "Rd", "v" (versus between names) and "No"
    /// (number, only before a figure).
    pub abbreviations: BTreeMap<String, String>,
    /// Conventions for an article whose language is only "en": `"en-GB"` (day-first
    /// numeric dates, "per cent", "metre") or `"en-US"`. Default: `"en-GB"`.
    pub english: String,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        let words = [
            "NASA", "NATO", "UNESCO", "UNICEF", "FIFA", "UEFA", "OPEC", "COVID", "AIDS", "SARS",
            "OFCOM", "OFSTED", "NAFTA", "ASEAN", "LASER", "RADAR", "SCUBA", "GIF", "JPEG", "PIN",
            "SIM", "ISIS", "TED", "COP", "BAFTA", "FTSE",
        ];
        let abbreviations = [
            ("Mr", "Mister"),
            ("Mrs", "Missus"),
            ("Dr", "Doctor"),
            ("Prof", "Professor"),
            ("Rev", "Reverend"),
            ("Sgt", "Sergeant"),
            ("Capt", "Captain"),
            ("Gen", "General"),
            ("Lt", "Lieutenant"),
            ("vs", "versus"),
            ("etc", "et cetera"),
            ("approx", "approximately"),
            ("e.g", "for example"),
            ("i.e", "that is"),
            ("aka", "also known as"),
            ("a.k.a", "also known as"),
            ("et al", "and others"),
            ("Ms", "Miz"),
            ("Mx", "Mix"),
            ("Jr", "Junior"),
            ("Cllr", "Councillor"),
            ("Supt", "Superintendent"),
            ("Insp", "Inspector"),
            ("Det", "Detective"),
            ("Col", "Colonel"),
            ("Cpl", "Corporal"),
            ("Gov", "Governor"),
            ("Sen", "Senator"),
            ("Rep", "Representative"),
            ("Fr", "Father"),
            ("Ltd", "Limited"),
            ("Bros", "Brothers"),
            ("Dept", "Department"),
            ("Govt", "Government"),
            ("Corp", "Corporation"),
        ];
        NormalizeConfig {
            enabled: true,
            urls: LinkMode::Read,
            emails: LinkMode::Read,
            spell_acronyms: true,
            acronyms_as_words: words.iter().map(|w| (*w).to_owned()).collect(),
            abbreviations: abbreviations
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            english: "en-GB".to_owned(),
        }
    }
}

impl NormalizeConfig {
    /// Check the settings, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if !matches!(self.english.as_str(), "en-GB" | "en-US") {
            problems.push(format!(
                "[segment.normalize] english = {:?}: use \"en-GB\" or \"en-US\"",
                self.english
            ));
        }
        for key in self.abbreviations.keys() {
            if key.is_empty() || key.ends_with('.') {
                problems.push(format!(
                    "[segment.normalize.abbreviations] {key:?}: write the abbreviation without its final full stop"
                ));
            }
        }
    }
}

/// The rule set a language gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lang {
    English { us: bool },
    German,
    French,
    Spanish,
    Portuguese { brazil: bool },
    Other,
}

impl Lang {
    fn parse(tag: &str, english: &str) -> Lang {
        let tag = tag.to_ascii_lowercase().replace('_', "-");
        let primary = tag.split('-').next().unwrap_or_default();
        match primary {
            "en" if tag == "en" => Lang::English { us: english.eq_ignore_ascii_case("en-US") },
            "en" => Lang::English { us: matches!(tag.as_str(), "en-us" | "en-ca" | "en-ph") },
            "de" => Lang::German,
            "fr" => Lang::French,
            "es" => Lang::Spanish,
            "pt" => Lang::Portuguese { brazil: tag == "pt-br" },
            _ => Lang::Other,
        }
    }

    fn link_words(self) -> LinkWords {
        let (dot, at, hashtag, number) = match self {
            Lang::German => ("Punkt", "at", "Hashtag", "Nummer"),
            Lang::French => ("point", "arobase", "hashtag", "numéro"),
            Lang::Spanish => ("punto", "arroba", "hashtag", "número"),
            Lang::Portuguese { .. } => ("ponto", "arroba", "hashtag", "número"),
            Lang::English { .. } | Lang::Other => ("dot", "at", "hashtag", "number"),
        };
        LinkWords { dot, at, hashtag, number }
    }
}

/// Rewrites text for one language.
#[derive(Clone, Debug)]
pub struct Normalizer {
    config: NormalizeConfig,
    lang: Lang,
    /// Words a lexicon says how to say: left exactly as written.
    protected: HashSet<String>,
    /// All configured abbreviations as one pattern, compiled once.
    abbreviations: Option<Regex>,
}

impl Normalizer {
    /// A normaliser for `language` (BCP 47; `None` is treated as English).
    #[must_use]
    pub fn new(config: &NormalizeConfig, language: Option<&str>) -> Normalizer {
        let alternatives: Vec<String> =
            config.abbreviations.keys().map(|k| regex::escape(k)).collect();
        let abbreviations = (!alternatives.is_empty())
            .then(|| Regex::new(&format!(r"\b(?:{})\b\.?", alternatives.join("|"))).ok())
            .flatten();
        Normalizer {
            config: config.clone(),
            lang: Lang::parse(language.unwrap_or("en"), &config.english),
            protected: HashSet::new(),
            abbreviations,
        }
    }

    /// Leave these words alone (a lexicon says how to say them).
    #[must_use]
    pub fn protecting<'w>(mut self, words: impl Iterator<Item = &'w str>) -> Normalizer {
        self.protected.extend(words.map(str::to_owned));
        self
    }

    /// `text` as the engine should read it.
    #[must_use]
    pub fn normalize(&self, text: &str) -> String {
        if !self.config.enabled {
            return text.to_owned();
        }
        let mut s = text.to_owned();
        neutral::invisible_and_emoji(&mut s);
        neutral::links(&mut s, &self.config, self.lang.link_words());
        neutral::dashes(&mut s);
        neutral::long_tokens(&mut s);
        match self.lang {
            Lang::English { us } => English {
                words: Words { gb: !us },
                us,
                config: &self.config,
                protected: &self.protected,
                abbreviations: self.abbreviations.as_ref(),
            }
            .normalize(&mut s),
            Lang::Other => {}
            lang => european::normalize(&mut s, lang),
        }
        let mut said = text::tidy(&s);
        // "2019 was…" → "Twenty nineteen was…": a sentence still starts with a capital.
        if text.trim_start().starts_with(|c: char| c.is_ascii_digit())
            && text.trim_end().ends_with(['.', '!', '?'])
            && said.starts_with(|c: char| c.is_lowercase())
        {
            said = text::capitalise_first(&said);
        }
        said
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line of a data file: `locale<TAB>input<TAB>expected`.
    struct Case {
        file: &'static str,
        line: usize,
        locale: String,
        input: String,
        expected: String,
    }

    const DATA: &[(&str, &str)] = &[
        ("en.tsv", include_str!("../../../tests/normalize/en.tsv")),
        ("de.tsv", include_str!("../../../tests/normalize/de.tsv")),
        ("fr.tsv", include_str!("../../../tests/normalize/fr.tsv")),
        ("es.tsv", include_str!("../../../tests/normalize/es.tsv")),
        ("pt.tsv", include_str!("../../../tests/normalize/pt.tsv")),
    ];

    /// `\u{200B}` in a data file stands for that character.
    fn unescape(field: &str) -> String {
        let mut out = String::new();
        let mut rest = field;
        while let Some(i) = rest.find("\\u{") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 3..];
            let end = after.find('}').unwrap_or(0);
            match u32::from_str_radix(&after[..end], 16).ok().and_then(char::from_u32) {
                Some(c) => out.push(c),
                None => out.push_str(&rest[i..i + 3 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    fn cases() -> Vec<Case> {
        let mut cases = Vec::new();
        for (file, data) in DATA {
            for (i, line) in data.lines().enumerate() {
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let fields: Vec<&str> = line.split('\t').collect();
                assert_eq!(fields.len(), 3, "{file}:{}: want locale, input, expected", i + 1);
                cases.push(Case {
                    file,
                    line: i + 1,
                    locale: fields[0].to_owned(),
                    input: unescape(fields[1]),
                    expected: unescape(fields[2]),
                });
            }
        }
        cases
    }

    #[test]
    fn every_case_in_the_normalisation_set_reads_as_a_newsreader_would() {
        let config = NormalizeConfig::default();
        let mut failures = Vec::new();
        let cases = cases();
        for case in &cases {
            // "en" cases hold for both British and American English.
            let locales: Vec<&str> = match case.locale.as_str() {
                "en" => vec!["en-GB", "en-US"],
                other => vec![other],
            };
            for locale in locales {
                let got = Normalizer::new(&config, Some(locale)).normalize(&case.input);
                if got != case.expected {
                    failures.push(format!(
                        "{}:{} [{locale}] {:?}\n    want {:?}\n    got  {:?}",
                        case.file, case.line, case.input, case.expected, got
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} normalisation cases fail:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn the_set_has_enough_cases_for_each_language() {
        let cases = cases();
        let count = |prefix: &str| cases.iter().filter(|c| c.locale.starts_with(prefix)).count();
        assert!(count("en") >= 400, "English: {}", count("en"));
        for lang in ["de", "fr", "es", "pt"] {
            assert!(count(lang) >= 40, "{lang}: {}", count(lang));
        }
    }

    #[test]
    fn disabled_normalisation_changes_nothing() {
        let config = NormalizeConfig { enabled: false, ..NormalizeConfig::default() };
        assert_eq!(Normalizer::new(&config, None).normalize("£5 🎉"), "£5 🎉");
    }

    #[test]
    fn links_can_be_dropped() {
        let config = NormalizeConfig {
            urls: LinkMode::Drop,
            emails: LinkMode::Drop,
            ..NormalizeConfig::default()
        };
        let n = Normalizer::new(&config, Some("en"));
        assert_eq!(n.normalize("see https://example.com/a now"), "see now");
        assert_eq!(n.normalize("mail a@b.com today"), "mail today");
    }

    #[test]
    fn words_a_lexicon_covers_are_left_as_written() {
        let n = Normalizer::new(&NormalizeConfig::default(), Some("en-GB"))
            .protecting(["NHS", "ABBA"].into_iter());
        assert_eq!(n.normalize("The NHS and ABBA and the BBC"), "The NHS and ABBA and the B B C");
    }

    #[test]
    fn acronyms_are_left_alone_when_spelling_is_off() {
        let config = NormalizeConfig { spell_acronyms: false, ..NormalizeConfig::default() };
        let n = Normalizer::new(&config, Some("en-GB"));
        assert_eq!(n.normalize("The BBC said"), "The BBC said");
    }

    #[test]
    fn an_unknown_english_convention_is_a_config_error() {
        let config = NormalizeConfig { english: "en-AU".into(), ..NormalizeConfig::default() };
        let mut problems = Vec::new();
        config.validate(&mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
