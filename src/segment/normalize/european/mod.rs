//! German, French, Spanish and Portuguese: numbers with a decimal comma and a dot (or, in
//! French, a space) between thousands, ordinals, dates, times, money and percentages, in
//! the language's own words.

mod de;
mod romance;

use std::sync::LazyLock;

use regex::Regex;

use super::Lang;
use super::text::{bare, re, replace, token_after, token_before};
use de::German;
use romance::{French, Portuguese, Spanish};

/// Fixed words of one language.
pub(crate) struct Words {
    pub(crate) comma: &'static str,
    pub(crate) percent: &'static str,
    pub(crate) minus: &'static str,
    pub(crate) degrees: &'static str,
    pub(crate) months: [&'static str; 12],
    pub(crate) million: (&'static str, &'static str),
    pub(crate) billion: (&'static str, &'static str),
}

/// How one language says numbers.
pub(crate) trait Tongue {
    /// `n` counted on its own.
    fn cardinal(&self, n: u64) -> String;
    /// `n` before `noun`, agreeing with it ("ein Euro", "veintiún años", "duas pessoas").
    fn before_noun(&self, n: u64, _noun: &str) -> String {
        self.cardinal(n)
    }
    /// The ordinal, with a language-specific `ending` from [`Tongue::ordinal_ending`].
    fn ordinal(&self, n: u64, ending: &str) -> String;
    /// A year.
    fn year(&self, n: u64) -> String {
        self.cardinal(n)
    }
    fn words(&self) -> &'static Words;
    /// A currency's name (singular or plural) and its minor unit.
    fn currency(&self, symbol: &str, plural: bool) -> (&'static str, &'static str);
    /// "five euros fifty".
    fn money(&self, whole: String, unit: &str, cents: Option<String>, minor: &str) -> String;
    /// "millions *of euros*".
    fn of_currency(&self, unit: &str) -> String {
        unit.to_owned()
    }
    /// A date; `before` is the word before it, which German inflects the day for.
    fn date(&self, day: u64, month: &str, year: Option<u64>, before: &str) -> String;
    fn time(&self, h: u64, m: u64) -> String;
    /// The ending an ordinal takes after `before`, written with `marker` ("º", "ª", "re").
    fn ordinal_ending(&self, before: &str, marker: &str) -> &'static str;
}

const NUM: &str = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?";
const NUM_FR: &str = r"\d{1,3}(?: \d{3})+(?:,\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?";
const CURRENCY: &str = r"US\$|R\$|€|\$|£|CHF|EUR|USD";

struct Patterns {
    money_before: Regex,
    money_after: Regex,
    percent: Regex,
    degrees: Regex,
    number: Regex,
}

fn patterns(num: &str, scales: &str) -> Patterns {
    Patterns {
        money_before: re(&format!(
            r"(?P<cur>{CURRENCY})\s?(?P<a>{num})(?:\s(?P<sc>{scales})(?:\s|$|[.,;:!?)]))?"
        )),
        money_after: re(&format!(
            r"\b(?P<a>{num})\s?(?:(?P<sc>{scales})\s?)?(?P<cur>{CURRENCY})(?:\s|$|[.,;:!?)])"
        )),
        percent: re(&format!(r"\b(?P<a>{num})\s?%")),
        degrees: re(&format!(r"\b(?P<a>{num})\s?°C?")),
        number: re(&format!(r"\b(?P<n>{num})\b")),
    }
}

static DE: LazyLock<Patterns> =
    LazyLock::new(|| patterns(NUM, r"Mio\.|Mrd\.|Millionen|Million|Milliarden|Milliarde"));
static FR: LazyLock<Patterns> =
    LazyLock::new(|| patterns(NUM_FR, r"millions|million|milliards|milliard|M|Md"));
static ES: LazyLock<Patterns> = LazyLock::new(|| patterns(NUM, r"millones|millón|mil millones|M"));
static PT: LazyLock<Patterns> =
    LazyLock::new(|| patterns(NUM, r"milhões|milhão|mil milhões|bilhões|bilhão|mi|bi"));

static NEGATIVE: LazyLock<Regex> = LazyLock::new(|| re(r"(^|[\s(])[-−–](\d)"));
static DATE_DOTS: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b"));
static DATE_SLASHES: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b"));
static DE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(\d{1,2})\.\s?(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b(?:\s(\d{4})\b)?",
    )
});
static FR_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(1er|\d{1,2})\s(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)\b(?:\s(\d{4})\b)?",
    )
});
static DE_TIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})(?:[:.](\d{2}))?\s?Uhr\b|\b(\d{1,2}):(\d{2})\b"));
static FR_TIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})\s?h\s?(\d{2})?\b|\b(\d{1,2}):(\d{2})\b"));
static ES_TIME: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{1,2}):(\d{2})(?:\s?h\b)?"));
static PT_TIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})h(\d{2})?\b|\b(\d{1,2}):(\d{2})\b"));
static DE_ORDINAL: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{1,3})\.\s(\p{L})"));
static FR_ORDINAL: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d+)(er|re|ère|e|ème|eme)\b"));
static FR_ROMAN_ORDINAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b([IVXLCDM]{2,}|[VX])(e|ème)\b|\b(I)(er)\b"));
static DE_SCALE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d+(?:,\d+)?)\s(Mio|Mrd|Mill)\.(\s|$)"));
static IBERIAN_ORDINAL: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d+)\.?(º|ª|\.er\b)"));

/// Words before a four-digit number that make it a year in German.
const DE_YEAR_BEFORE: &[&str] = &[
    "im",
    "jahr",
    "jahre",
    "seit",
    "bis",
    "von",
    "ab",
    "um",
    "in",
    "anfang",
    "ende",
    "mitte",
    "frühjahr",
    "sommer",
    "herbst",
    "winter",
];

/// `s` with the rules of `lang` applied.
pub(crate) fn normalize(s: &mut String, lang: Lang) {
    if lang == Lang::French {
        replace(s, &FR_ROMAN_ORDINAL, |_, c| {
            let (numeral, marker) = match c.get(1) {
                Some(n) => (n.as_str(), &c[2]),
                None => (&c[3], &c[4]),
            };
            let n = u64::from(crate::segment::normalize::en::roman(numeral)?);
            Some(French.ordinal(n, French.ordinal_ending("", marker)))
        });
    }
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    if lang == Lang::German {
        replace(s, &DE_SCALE, |_, c| {
            let one = &c[1] == "1";
            let word = match (&c[2], one) {
                ("Mrd", true) => "Milliarde",
                ("Mrd", false) => "Milliarden",
                (_, true) => "Million",
                (_, false) => "Millionen",
            };
            Some(format!("{} {word}{}", &c[1], &c[3]))
        });
    }
    let brazil = matches!(lang, Lang::Portuguese { brazil: true });
    let (tongue, patterns): (&dyn Tongue, &Patterns) = match lang {
        Lang::German => (&German, &DE),
        Lang::French => (&French, &FR),
        Lang::Spanish => (&Spanish, &ES),
        _ if brazil => (&Portuguese { brazil: true }, &PT),
        _ => (&Portuguese { brazil: false }, &PT),
    };
    let words = tongue.words();
    let number = |n: &str| say_number(tongue, lang, n);

    replace(s, &NEGATIVE, |_, c| Some(format!("{}{} {}", &c[1], words.minus, &c[2])));
    for pattern in [&patterns.money_before, &patterns.money_after] {
        replace(s, pattern, |hay, c| {
            let m = c.get(0)?;
            let end = &hay[m.start()..m.end()];
            let tail: String = end
                .chars()
                .last()
                .filter(|ch| !ch.is_alphanumeric() && *ch != '€' && *ch != '$' && *ch != '£')
                .map(String::from)
                .unwrap_or_default();
            let amount = &c["a"];
            let plain = amount.replace(['.', ' '], "");
            let (whole, cents) = match plain.split_once(',') {
                Some((w, f)) => (w.to_owned(), Some(f.to_owned())),
                None => (plain.clone(), None),
            };
            let whole_n: u64 = whole.parse().ok()?;
            let cur = &c["cur"];
            if let Some(scale) = c.name("sc") {
                let (one, many) = scale_words(scale.as_str(), words);
                let value = number(amount);
                let single = whole_n == 1 && cents.is_none();
                // A scale written out ("bilhões", "millones") is said as written.
                let written =
                    scale.as_str().chars().all(char::is_alphabetic) && scale.as_str().len() > 3;
                let scale = match (written, single) {
                    (true, _) => scale.as_str(),
                    (false, true) => one,
                    (false, false) => many,
                };
                let (unit, _) = tongue.currency(cur, true);
                let value = if whole_n == 1 && cents.is_none() {
                    tongue.before_noun(1, scale)
                } else {
                    value
                };
                let value = if matches!(lang, Lang::German) && whole_n == 1 && cents.is_none() {
                    "eine".to_owned()
                } else {
                    value
                };
                return Some(format!("{value} {scale} {}{tail}", tongue.of_currency(unit)));
            }
            let (unit, minor) = tongue.currency(cur, whole_n != 1);
            let cents = match cents {
                Some(c) if c.len() == 2 => {
                    let n: u64 = c.parse().ok()?;
                    (n > 0).then(|| tongue.cardinal(n))
                }
                Some(_) => return Some(format!("{} {unit}{tail}", number(amount))),
                None => None,
            };
            let whole_words = tongue.before_noun(whole_n, unit);
            Some(format!("{}{tail}", tongue.money(whole_words, unit, cents, minor)))
        });
    }
    replace(s, &patterns.percent, |_, c| Some(format!("{} {}", number(&c["a"]), words.percent)));
    replace(s, &patterns.degrees, |_, c| Some(format!("{} {}", number(&c["a"]), words.degrees)));

    // Dates and times.
    let date_pattern: &Regex =
        if matches!(lang, Lang::German) { &DATE_DOTS } else { &DATE_SLASHES };
    replace(s, date_pattern, |hay, c| {
        let day: u64 = c[1].parse().ok()?;
        let month: usize = c[2].parse().ok()?;
        if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
            return None;
        }
        let year: u64 = c[3].parse().ok()?;
        let year =
            if c[3].len() == 2 { if year <= 50 { 2000 + year } else { 1900 + year } } else { year };
        let before = bare(token_before(hay, c.get(0)?.start()));
        Some(tongue.date(day, words.months[month - 1], Some(year), before))
    });
    match lang {
        Lang::German => replace(s, &DE_DATE, |hay, c| {
            let day: u64 = c[1].parse().ok()?;
            let year = c.get(3).and_then(|y| y.as_str().parse().ok());
            let before = bare(token_before(hay, c.get(0)?.start()));
            Some(tongue.date(day, &c[2], year, before))
        }),
        Lang::French => replace(s, &FR_DATE, |_, c| {
            let day: u64 = if &c[1] == "1er" { 1 } else { c[1].parse().ok()? };
            let year = c.get(3).and_then(|y| y.as_str().parse().ok());
            Some(tongue.date(day, &c[2], year, ""))
        }),
        _ => {}
    }
    let time_pattern: &Regex = match lang {
        Lang::German => &DE_TIME,
        Lang::French => &FR_TIME,
        Lang::Spanish => &ES_TIME,
        _ => &PT_TIME,
    };
    replace(s, time_pattern, |_, c| {
        let (h, m) = match (c.get(1), c.get(3)) {
            (Some(h), _) => (h.as_str(), c.get(2).map_or("0", |m| m.as_str())),
            (None, Some(h)) => (h.as_str(), c.get(4).map_or("0", |m| m.as_str())),
            _ => return None,
        };
        let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m <= 59).then(|| tongue.time(h, m))
    });

    // Ordinals.
    match lang {
        Lang::German => replace(s, &DE_ORDINAL, |hay, c| {
            let n: u64 = c[1].parse().ok()?;
            let before = bare(token_before(hay, c.get(0)?.start()));
            Some(format!("{} {}", tongue.ordinal(n, tongue.ordinal_ending(before, ".")), &c[2]))
        }),
        Lang::French => {
            replace(s, &FR_ORDINAL, |_, c| {
                let n: u64 = c[1].parse().ok()?;
                Some(tongue.ordinal(n, tongue.ordinal_ending("", &c[2])))
            });
        }
        _ => replace(s, &IBERIAN_ORDINAL, |_, c| {
            let n: u64 = c[1].parse().ok()?;
            let marker = if &c[2] == ".er" { "er" } else { &c[2] };
            Some(tongue.ordinal(n, tongue.ordinal_ending("", marker)))
        }),
    }

    // Everything else that is a number.
    replace(s, &patterns.number, |hay, c| {
        let m = c.get(0)?;
        let n = &c["n"];
        let after = bare(token_after(hay, m.end()));
        let plain = n.replace(['.', ' '], "");
        // Long ungrouped digit runs are codes and telephone numbers, said digit by digit.
        if plain.len() >= 6 && plain == n {
            return Some(digits(tongue, &plain));
        }
        if !plain.contains(',') && !after.is_empty() && after.chars().all(char::is_alphabetic) {
            let value: u64 = plain.parse().ok()?;
            if plain.len() > 1 && plain.starts_with('0') {
                return Some(digits(tongue, &plain));
            }
            if matches!(lang, Lang::German) && plain.len() == 4 {
                let before = bare(token_before(hay, m.start())).to_lowercase();
                if DE_YEAR_BEFORE.contains(&before.as_str()) {
                    return Some(tongue.year(value));
                }
            }
            return Some(tongue.before_noun(value, after));
        }
        if matches!(lang, Lang::German) && plain.len() == 4 && !plain.contains(',') {
            let before = bare(token_before(hay, m.start())).to_lowercase();
            if DE_YEAR_BEFORE.contains(&before.as_str()) || before.is_empty() {
                return Some(tongue.year(plain.parse().ok()?));
            }
        }
        Some(number(n))
    });
}

/// A number with a decimal comma and thousands dots, in words.
fn say_number(tongue: &dyn Tongue, lang: Lang, n: &str) -> String {
    let plain = n.replace(['.', ' '], "");
    let (whole, fraction) = match plain.split_once(',') {
        Some((w, f)) => (w, Some(f)),
        None => (plain.as_str(), None),
    };
    if whole.len() > 1 && whole.starts_with('0') && fraction.is_none() {
        return digits(tongue, whole);
    }
    let Ok(value) = whole.parse::<u64>() else { return digits(tongue, whole) };
    let head = tongue.cardinal(value);
    match fraction {
        None => head,
        Some(f) => {
            // German reads decimals digit by digit; the Romance languages as a number.
            let tail = if matches!(lang, Lang::German) || f.starts_with('0') || f.len() > 3 {
                digits(tongue, f)
            } else {
                f.parse::<u64>().map_or_else(|_| digits(tongue, f), |v| tongue.cardinal(v))
            };
            format!("{head} {} {tail}", tongue.words().comma)
        }
    }
}

fn digits(tongue: &dyn Tongue, digits: &str) -> String {
    let words: Vec<String> = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| tongue.cardinal(u64::from(d)))
        .collect();
    words.join(" ")
}

fn scale_words(scale: &str, words: &Words) -> (&'static str, &'static str) {
    let lower = scale.to_lowercase();
    if lower.starts_with("mrd")
        || lower.starts_with("milliard")
        || lower == "md"
        || lower.starts_with("mil m")
        || lower.starts_with("bi")
    {
        words.billion
    } else {
        words.million
    }
}
