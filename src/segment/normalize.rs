//! Text normalisation: rewrite what engines misread (dates, times, money, units, ordinals,
//! abbreviations, acronyms, URLs, emoji) into words, before the text is sent.
//!
//! English (`en`, with `en-US` and `en-GB` conventions) has the full rule set; other
//! languages get the language-neutral rules (emoji, URLs, e-mail addresses), since their
//! engines read numbers in their own language. Number words come from `num2words`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use num2words::Num2Words;
use regex::{Captures, Regex};
use serde::Deserialize;

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
    /// stop). "St" is resolved by context (Saint before a name, Street after one), as is
    /// "No" (number, only before a figure).
    pub abbreviations: BTreeMap<String, String>,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        let words = [
            "NASA", "NATO", "UNESCO", "UNICEF", "FIFA", "UEFA", "OPEC", "COVID", "AIDS", "SARS",
            "OFCOM", "OFSTED", "NAFTA", "ASEAN", "LASER", "RADAR", "SCUBA", "GIF", "JPEG", "PIN",
            "SIM", "ISIS",
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
        }
    }
}

/// Rewrites text for one language.
#[derive(Clone, Debug)]
pub struct Normalizer {
    config: NormalizeConfig,
    english: bool,
    american: bool,
    /// All abbreviations as one pattern, compiled once.
    abbreviations: Option<Regex>,
}

static EMOJI: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u{FE0F}\u{200D}\u{20E3}]+\s?",
    )
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:https?://|www\.)[^\s<>]+[^\s<>.,;:!?)\]'’”]"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| re(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"));
static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)([£€$])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?:\s?(bn|billion|m|million|k|thousand|tn|trillion)\b)?",
    )
});
static PENCE: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d+)p\b"));
static PERCENT: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+(?:\.\d+)?)\s?%"));
static DATE_DMY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(r"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTHS})(?:,?\s+(\d{{4}}))?\b"))
});
static DATE_MDY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(r"\b({MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*(\d{{4}}))?\b"))
});
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(\d{1,2}):(\d{2})(?:\s?(am\b|pm\b|a\.m\.|p\.m\.))?|\b(\d{1,2})\.(\d{2})\s?(am\b|pm\b|a\.m\.|p\.m\.)",
    )
});
static CLOCK: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(\d{1,2})\s?(am\b|pm\b|a\.m\.|p\.m\.)"));
static ORDINAL: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d+)(st|nd|rd|th)\b"));
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:in|of|since|from|by|until|to|year|summer|spring|autumn|winter|the)\s+(1[1-9]\d\d|20\d\d)\b|\b(1[1-9]\d\d|20\d\d)s\b",
    )
});
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(\d+(?:\.\d+)?)\s?(km/h|mph|kph|km|cm|mm|kg|mg|g|lbs?|ft|mi|ml|°C|°F|kW|MW|GW|GB|MB|TB)(?:\b|$)",
    )
});
static ACRONYM: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z]{2,6})(s?)\b(\+?)"));
static SAINT: LazyLock<Regex> = LazyLock::new(|| re(r"\bSt\.?\s+([A-Z])"));
static STREET: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z][a-z]+)\s+St\b\.?"));
static NUMBER_SIGN: LazyLock<Regex> = LazyLock::new(|| re(r"\bNo\.?\s+(\d)"));

const MONTHS: &str =
    "January|February|March|April|May|June|July|August|September|October|November|December";

fn re(pattern: &str) -> Regex {
    // The patterns are constants, covered by the tests below.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("valid built-in pattern")
}

impl Normalizer {
    /// A normaliser for `language` (BCP 47; `None` is treated as English).
    #[must_use]
    pub fn new(config: &NormalizeConfig, language: Option<&str>) -> Normalizer {
        let lang = language.unwrap_or("en").to_ascii_lowercase();
        let alternatives: Vec<String> =
            config.abbreviations.keys().map(|k| regex::escape(k)).collect();
        let abbreviations = (!alternatives.is_empty())
            .then(|| Regex::new(&format!(r"\b(?:{})\b\.?", alternatives.join("|"))).ok())
            .flatten();
        Normalizer {
            config: config.clone(),
            english: lang == "en" || lang.starts_with("en-") || lang.starts_with("en_"),
            american: lang == "en-us",
            abbreviations,
        }
    }

    /// Leave these words alone (a lexicon says how to say them).
    #[must_use]
    pub fn protecting<'w>(mut self, words: impl Iterator<Item = &'w str>) -> Normalizer {
        self.config.acronyms_as_words.extend(words.map(str::to_owned));
        self
    }

    /// `text` as the engine should read it.
    #[must_use]
    pub fn normalize(&self, text: &str) -> String {
        if !self.config.enabled {
            return text.to_owned();
        }
        let mut s = EMOJI.replace_all(text, "").into_owned();
        s = EMAIL
            .replace_all(&s, |c: &Captures| match self.config.emails {
                LinkMode::Read => speak_address(&c[0]),
                LinkMode::Drop => String::new(),
            })
            .into_owned();
        s = URL
            .replace_all(&s, |c: &Captures| match self.config.urls {
                LinkMode::Read => speak_address(&c[0]),
                LinkMode::Drop => String::new(),
            })
            .into_owned();
        if self.english {
            s = self.english_rules(&s);
        }
        collapse_spaces(&s)
    }

    fn english_rules(&self, text: &str) -> String {
        let mut s = MONEY.replace_all(text, |c: &Captures| money(c)).into_owned();
        s = PENCE.replace_all(&s, |c: &Captures| format!("{} pence", cardinal(&c[1]))).into_owned();
        let per_cent = if self.american { "percent" } else { "per cent" };
        s = PERCENT
            .replace_all(&s, |c: &Captures| format!("{} {per_cent}", number(&c[1])))
            .into_owned();
        s = DATE_DMY.replace_all(&s, |c: &Captures| self.date(&c[2], &c[1], c.get(3))).into_owned();
        s = DATE_MDY.replace_all(&s, |c: &Captures| self.date(&c[1], &c[2], c.get(3))).into_owned();
        s = TIME.replace_all(&s, |c: &Captures| time(c)).into_owned();
        s = CLOCK
            .replace_all(&s, |c: &Captures| format!("{} {}", cardinal(&c[1]), meridiem(&c[2])))
            .into_owned();
        s = ORDINAL.replace_all(&s, |c: &Captures| ordinal(&c[1])).into_owned();
        s = YEAR
            .replace_all(&s, |c: &Captures| {
                let (year, m) = match (c.get(1), c.get(2)) {
                    (Some(y), _) => (y.as_str(), c[0].trim_end_matches(y.as_str()).to_owned()),
                    (None, Some(y)) => (y.as_str(), String::new()),
                    (None, None) => return c[0].to_owned(),
                };
                let words = year_words(year);
                if c.get(2).is_some() { decade(&words) } else { format!("{m}{words}") }
            })
            .into_owned();
        s = UNIT
            .replace_all(&s, |c: &Captures| {
                let plural = &c[1] != "1";
                format!("{} {}", number(&c[1]), unit(&c[2], plural, self.american))
            })
            .into_owned();
        s = SAINT.replace_all(&s, "Saint $1").into_owned();
        s = STREET.replace_all(&s, "$1 Street").into_owned();
        s = NUMBER_SIGN.replace_all(&s, "number $1").into_owned();
        s = self.abbreviations(&s);
        if self.config.spell_acronyms {
            s = self.acronyms(&s);
        }
        s
    }

    fn date(&self, month: &str, day: &str, year: Option<regex::Match<'_>>) -> String {
        let day = ordinal(day);
        let year = year.map(|y| format!(", {}", year_words(y.as_str()))).unwrap_or_default();
        if self.american {
            format!("{month} {day}{year}")
        } else {
            format!("the {day} of {month}{year}")
        }
    }

    fn abbreviations(&self, text: &str) -> String {
        let Some(pattern) = &self.abbreviations else { return text.to_owned() };
        pattern
            .replace_all(text, |c: &Captures| {
                let short = c[0].trim_end_matches('.');
                self.config.abbreviations.get(short).cloned().unwrap_or_else(|| c[0].to_owned())
            })
            .into_owned()
    }

    fn acronyms(&self, text: &str) -> String {
        // A headline in capitals is not a string of acronyms.
        let capitals = text
            .split_whitespace()
            .filter(|w| w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()))
            .count();
        if capitals >= 3 && capitals * 2 >= text.split_whitespace().count() {
            return text.to_owned();
        }
        ACRONYM
            .replace_all(text, |c: &Captures| {
                let word = &c[1];
                if self.config.acronyms_as_words.iter().any(|w| w == word) {
                    return c[0].to_owned();
                }
                let mut spelled = word.chars().map(String::from).collect::<Vec<_>>().join(" ");
                if !c[2].is_empty() {
                    spelled.push('s');
                }
                if !c[3].is_empty() {
                    spelled.push_str(" plus");
                }
                spelled
            })
            .into_owned()
    }
}

fn money(c: &Captures) -> String {
    let (unit, units, minor) = match &c[1] {
        "£" => ("pound", "pounds", "pence"),
        "€" => ("euro", "euros", "cents"),
        _ => ("dollar", "dollars", "cents"),
    };
    let whole = c[2].replace(',', "");
    if let Some(scale) = c.get(4) {
        let scale = match scale.as_str().to_ascii_lowercase().as_str() {
            "bn" | "billion" => "billion",
            "m" | "million" => "million",
            "k" | "thousand" => "thousand",
            _ => "trillion",
        };
        let amount = c.get(3).map_or_else(|| whole.clone(), |f| format!("{whole}.{}", f.as_str()));
        return format!("{} {scale} {units}", number(&amount));
    }
    let name = if whole == "1" { unit } else { units };
    match c.get(3).map(|f| f.as_str()) {
        Some(f) if f.trim_start_matches('0').is_empty() => format!("{} {name}", cardinal(&whole)),
        Some(f) => {
            let cents = if f.len() == 1 { format!("{f}0") } else { f.to_owned() };
            format!("{} {name} {}", cardinal(&whole), cardinal(cents.trim_start_matches('0')))
                .replace(&format!(" {minor}"), "")
        }
        None => format!("{} {name}", cardinal(&whole)),
    }
}

fn time(c: &Captures) -> String {
    // Either `14:35 [pm]` (groups 1–3) or `2.35pm` (groups 4–6).
    let (h, m, suffix) = match c.get(1) {
        Some(h) => (h.as_str(), &c[2], c.get(3)),
        None => (&c[4], &c[5], c.get(6)),
    };
    let (Ok(h), Ok(m)) = (h.parse::<u32>(), m.parse::<u32>()) else { return c[0].to_owned() };
    if h > 24 || m > 59 {
        return c[0].to_owned();
    }
    let minutes = match m {
        0 if suffix.is_some() => String::new(),
        0 => " hundred".to_owned(),
        1..=9 => format!(" oh {}", cardinal(&m.to_string())),
        _ => format!(" {}", cardinal(&m.to_string())),
    };
    let hour =
        if h == 0 && suffix.is_none() { "zero".to_owned() } else { cardinal(&h.to_string()) };
    let suffix = suffix.map(|s| format!(" {}", meridiem(s.as_str()))).unwrap_or_default();
    format!("{hour}{minutes}{suffix}")
}

fn meridiem(s: &str) -> &'static str {
    if s.to_ascii_lowercase().starts_with('a') { "a m" } else { "p m" }
}

fn unit(u: &str, plural: bool, american: bool) -> Cow<'static, str> {
    let (one, many) = match u {
        "km" => (if american { "kilometer" } else { "kilometre" }, ""),
        "cm" => (if american { "centimeter" } else { "centimetre" }, ""),
        "mm" => (if american { "millimeter" } else { "millimetre" }, ""),
        "ml" => (if american { "milliliter" } else { "millilitre" }, ""),
        "kg" => ("kilogram", ""),
        "mg" => ("milligram", ""),
        "g" => ("gram", ""),
        "lb" | "lbs" => ("pound", ""),
        "ft" => ("foot", "feet"),
        "mi" => ("mile", ""),
        "mph" => ("mile per hour", "miles per hour"),
        "km/h" | "kph" => (
            if american { "kilometer per hour" } else { "kilometre per hour" },
            if american { "kilometers per hour" } else { "kilometres per hour" },
        ),
        "°C" => ("degree Celsius", "degrees Celsius"),
        "°F" => ("degree Fahrenheit", "degrees Fahrenheit"),
        "kW" => ("kilowatt", ""),
        "MW" => ("megawatt", ""),
        "GW" => ("gigawatt", ""),
        "GB" => ("gigabyte", ""),
        "MB" => ("megabyte", ""),
        _ => ("terabyte", ""),
    };
    match (plural, many) {
        (false, _) => Cow::Borrowed(one),
        (true, "") => Cow::Owned(format!("{one}s")),
        (true, many) => Cow::Borrowed(many),
    }
}

/// Say a URL or address: "bbc dot co dot uk slash news".
fn speak_address(address: &str) -> String {
    let trimmed = address.trim_start_matches("https://").trim_start_matches("http://");
    let trimmed = trimmed.trim_start_matches("www.").trim_end_matches('/');
    let mut out = String::new();
    for c in trimmed.chars() {
        match c {
            '.' => out.push_str(" dot "),
            '/' => out.push_str(" slash "),
            '@' => out.push_str(" at "),
            '-' => out.push_str(" dash "),
            '_' => out.push_str(" underscore "),
            '?' | '=' | '&' | '#' => out.push(' '),
            c => out.push(c),
        }
    }
    collapse_spaces(&out)
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for c in s.chars() {
        if c == ' ' {
            if !last_space {
                out.push(c);
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim().replace(" ,", ",").replace(" .", ".")
}

fn cardinal(digits: &str) -> String {
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| Num2Words::new(n).to_words().ok())
        .unwrap_or_else(|| digits.to_owned())
}

fn number(s: &str) -> String {
    match s.split_once('.') {
        Some((whole, frac)) => {
            let digits: Vec<String> = frac.chars().map(|d| cardinal(&d.to_string())).collect();
            format!("{} point {}", cardinal(whole), digits.join(" "))
        }
        None => cardinal(s),
    }
}

fn ordinal(digits: &str) -> String {
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| Num2Words::new(n).ordinal().to_words().ok())
        .unwrap_or_else(|| digits.to_owned())
}

fn year_words(digits: &str) -> String {
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| Num2Words::new(n).prefer("oh").year().to_words().ok())
        .unwrap_or_else(|| digits.to_owned())
}

/// "nineteen eighty" → "nineteen eighties".
fn decade(words: &str) -> String {
    if let Some(stem) = words.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{words}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gb(text: &str) -> String {
        Normalizer::new(&NormalizeConfig::default(), Some("en-GB")).normalize(text)
    }

    fn us(text: &str) -> String {
        Normalizer::new(&NormalizeConfig::default(), Some("en-US")).normalize(text)
    }

    #[test]
    fn dates_read_the_british_or_american_way() {
        assert_eq!(gb("on 25 April 2022."), "on the twenty-fifth of April, twenty twenty-two.");
        assert_eq!(us("on April 25, 2022."), "on April twenty-fifth, twenty twenty-two.");
        assert_eq!(gb("by 2 May"), "by the second of May");
    }

    #[test]
    fn times_read_as_a_clock_would() {
        assert_eq!(gb("at 14:35 today"), "at fourteen thirty-five today");
        assert_eq!(gb("at 9:05am."), "at nine oh five a m.");
        assert_eq!(gb("at 18:00"), "at eighteen hundred");
        assert_eq!(gb("from 9am to 5pm."), "from nine a m to five p m.");
    }

    #[test]
    fn money_in_pounds_euros_and_dollars() {
        assert_eq!(gb("It cost £5.50."), "It cost five pounds fifty.");
        assert_eq!(gb("a €20 ticket"), "a twenty euros ticket");
        assert_eq!(gb("a $1.5bn deal"), "a one point five billion dollars deal");
        assert_eq!(gb("£1 and 50p"), "one pound and fifty pence");
        assert_eq!(gb("$1,200"), "one thousand two hundred dollars");
    }

    #[test]
    fn units_percentages_and_ordinals() {
        assert_eq!(gb("a 5km run at 20°C"), "a five kilometres run at twenty degrees Celsius");
        assert_eq!(us("5km"), "five kilometers");
        assert_eq!(gb("up 3.5%"), "up three point five per cent");
        assert_eq!(us("up 3%"), "up three percent");
        assert_eq!(gb("the 21st century"), "the twenty-first century");
    }

    #[test]
    fn years_read_as_years_in_context() {
        assert_eq!(gb("albums of 1985"), "albums of nineteen eighty-five");
        assert_eq!(gb("in the 1960s"), "in the nineteen sixties");
        assert_eq!(gb("in 2005"), "in two thousand and five");
    }

    #[test]
    fn abbreviations_and_saints_and_streets() {
        assert_eq!(gb("Mr Brightside met Dr. Who"), "Mister Brightside met Doctor Who");
        assert_eq!(gb("St Paul's on Baker St."), "Saint Paul's on Baker Street");
        assert_eq!(gb("Arsenal vs Chelsea"), "Arsenal versus Chelsea");
        assert_eq!(gb("No, he lives at No. 10"), "No, he lives at number 10");
    }

    #[test]
    fn acronyms_are_spelled_unless_said_as_words() {
        assert_eq!(gb("the BBC and NASA"), "the B B C and NASA");
        assert_eq!(gb("LGBTQ+ drama"), "L G B T Q plus drama");
        assert_eq!(gb("SCORES QUARANTINED IN LAB"), "SCORES QUARANTINED IN LAB");
    }

    #[test]
    fn urls_and_emails_are_read_or_dropped() {
        assert_eq!(
            gb("see https://www.bbc.co.uk/news now"),
            "see bbc dot co dot uk slash news now"
        );
        assert_eq!(gb("mail tips@example.com."), "mail tips at example dot com.");
        let config = NormalizeConfig { urls: LinkMode::Drop, ..NormalizeConfig::default() };
        let n = Normalizer::new(&config, Some("en"));
        assert_eq!(n.normalize("see https://example.com now"), "see now");
    }

    #[test]
    fn emoji_are_dropped_in_every_language() {
        assert_eq!(gb("Great news 🎉👍🏽 for fans ❤️"), "Great news for fans");
        let de = Normalizer::new(&NormalizeConfig::default(), Some("de"));
        assert_eq!(de.normalize("Am 25. April 🎉"), "Am 25. April");
    }

    #[test]
    fn disabled_normalisation_changes_nothing() {
        let config = NormalizeConfig { enabled: false, ..NormalizeConfig::default() };
        assert_eq!(Normalizer::new(&config, None).normalize("£5 🎉"), "£5 🎉");
    }
}
