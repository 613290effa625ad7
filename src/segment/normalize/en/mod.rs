//! English: every number, date, sum and abbreviation into the words a newsreader would
//! say, in British or American style.
//!
//! The rules run in a fixed order, most specific first (a date before a range before a
//! plain number), and each rewrites digits into words, so no later rule sees them again.

mod dates;
mod measures;
pub(crate) mod numbers;
mod words;

pub(crate) use words::roman;

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::NormalizeConfig;
use super::text::{bare, re, replace, token_after, token_before};
use numbers::{Words, denominator, digit_string, plural_number};

/// The English rule set for one article.
pub(crate) struct English<'a> {
    pub(crate) words: Words,
    pub(crate) us: bool,
    pub(crate) config: &'a NormalizeConfig,
    pub(crate) protected: &'a HashSet<String>,
    pub(crate) abbreviations: Option<&'a Regex>,
}

const NUM: &str = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?";

static NEGATIVE: LazyLock<Regex> = LazyLock::new(|| re(r"(^|[\s(\[:/])[-−–](\d)"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\+\d{1,3}(?:[\s.-]?(?:\(0\)|\(\d{1,4}\)|\d{1,5})){2,6}|\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b|\b\d{3}[.-]\d{3}[.-]\d{4}\b|\b0\d{2,4}(?:[\s-]\d{3,6}){1,2}\b",
    )
});
static EMERGENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(call|calls|calling|called|dial|dialled|dialed|dialling|ring|rang|phone|phoned|text|texted)(\s+(?:on\s+)?)(\d{3,4})\b",
    )
});
static YEAR_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(1[1-9]\d\d|20\d\d)\s?[-–/]\s?(\d\d|1[1-9]\d\d|20\d\d)\b(?P<end>[^-\d]|$)")
});
static DASHED: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(r"\b(?P<a>{NUM})\s?[-–]\s?(?P<b>{NUM})\b(?P<tb>\s?\(\d{{1,2}}(?:-\d{{1,2}})?\))?"))
});
static SLASHED: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:(?P<w>\d+)\s)?(?P<n>\d+)/(?P<d>\d+)\b"));
static VULGAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\b(?P<w>\d+)\s?)?(?P<f>[½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])"));
static DECADE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(1[0-9]\d0|20\d0)(?:s|'s|’s)\b|(?:['’]|\b)([1-9]0)s\b"));
static YEAR: LazyLock<Regex> = LazyLock::new(|| re(r"\b(1[0-9]\d\d|20\d\d)\b(?P<next>[.,]\d)?"));
static ORDINAL: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d+)(st|nd|rd|th)\b"));
static ALPHA_DASH_NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z][A-Za-z]*)-(\d{1,3})\b"));
static ALPHA_NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z]{1,4})(\d{1,3})\b"));
static NUMBER_ALPHA: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{1,2})([A-Z]{1,3})\b"));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<sign>[+~≈])?\b(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+)\b|(?P<lead>^|\s)(?P<point>\.\d+)\b",
    )
});
static PLUS: LazyLock<Regex> = LazyLock::new(|| re(r"(\w)\+"));

/// Words before a four-digit number that make it a year.
const YEAR_BEFORE: &[&str] = &[
    "in",
    "since",
    "from",
    "by",
    "until",
    "till",
    "to",
    "of",
    "during",
    "before",
    "after",
    "early",
    "late",
    "mid",
    "spring",
    "summer",
    "autumn",
    "fall",
    "winter",
    "year",
    "the",
    "between",
    "and",
    "circa",
    "c",
    "est",
    "established",
    "born",
    "died",
    "season",
    "class",
    "vintage",
    "around",
    "election",
    "census",
    "olympics",
    "cup",
    "euro",
    "expo",
    "about",
    "through",
    "throughout",
];
/// Of those, the ones that keep a year even before a counted noun ("in 2019 cases rose").
const STRONG_YEAR_BEFORE: &[&str] =
    &["in", "since", "until", "till", "during", "before", "after", "by", "circa", "born", "died"];
/// Words before a score.
const SCORE_WORDS: &[&str] = &[
    "won",
    "win",
    "wins",
    "winning",
    "beat",
    "beats",
    "beaten",
    "lost",
    "lose",
    "loses",
    "losing",
    "defeated",
    "defeat",
    "drew",
    "draw",
    "drawn",
    "trail",
    "trailed",
    "trailing",
    "led",
    "lead",
    "leads",
    "leading",
    "score",
    "scored",
    "scoreline",
    "victory",
    "triumph",
    "thrashed",
    "thrashing",
    "edged",
    "routed",
    "final",
    "set",
    "sets",
    "tiebreak",
    "result",
    "ended",
    "finished",
    "stood",
    "aggregate",
    "record",
    "series",
    "thumped",
    "hammered",
    "downed",
    "overcame",
    "came",
];
const SCORE_AFTER: &[&str] = &[
    "win",
    "victory",
    "defeat",
    "loss",
    "lead",
    "draw",
    "home",
    "away",
    "aggregate",
    "scoreline",
    "thrashing",
    "triumph",
    "success",
    "reverse",
    "advantage",
    "deficit",
    "first-leg",
    "second-leg",
    "penalty",
    "penalties",
    "shootout",
];

impl English<'_> {
    /// `s` with English rules applied.
    pub(crate) fn normalize(&self, s: &mut String) {
        self.dotted_acronyms(s);
        if s.bytes().any(|b| b.is_ascii_digit()) || s.contains(['½', '⅓', '⅔', '¼', '¾', '⅛'])
        {
            self.numbers(s);
        }
        self.weekday_ranges(s);
        self.roman_numerals(s);
        self.abbreviations(s);
        self.ampersands(s);
        self.acronyms(s);
        if s.contains('+') {
            replace(s, &PLUS, |_, c| Some(format!("{} plus", &c[1])));
        }
        self.symbols(s);
    }

    fn numbers(&self, s: &mut String) {
        replace(s, &NEGATIVE, |_, c| Some(format!("{}minus {}", &c[1], &c[2])));
        self.money(s);
        self.percentages(s);
        self.phone_numbers(s);
        self.dates_and_times(s);
        self.year_ranges(s);
        self.dashed(s);
        self.slashed(s);
        replace(s, &ORDINAL, |_, c| {
            let n: u64 = c[1].parse().ok()?;
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            (suffix == &c[2]).then(|| self.words.ordinal(&c[1]))
        });
        self.units(s);
        replace(s, &DECADE, |_, c| match (c.get(1), c.get(2)) {
            (Some(y), _) => Some(self.words.decade(y.as_str())),
            (_, Some(d)) => Some(plural_number(&self.words.cardinal(d.as_str()))),
            _ => None,
        });
        self.years(s);
        replace(s, &ALPHA_DASH_NUMBER, |_, c| {
            Some(format!("{} {}", &c[1], self.words.cardinal(&c[2])))
        });
        replace(s, &ALPHA_NUMBER, |_, c| {
            let n = &c[2];
            let said = if n.len() >= 3 { digit_string(n, "zero") } else { self.words.cardinal(n) };
            Some(format!("{} {said}", &c[1]))
        });
        replace(s, &NUMBER_ALPHA, |_, c| Some(format!("{} {}", self.words.cardinal(&c[1]), &c[2])));
        replace(s, &VULGAR, |_, c| {
            let (n, d) = vulgar(&c["f"])?;
            Some(self.fraction(c.name("w").map(|w| w.as_str()), n, d))
        });
        replace(s, &NUMBER, |_, c| {
            if let Some(point) = c.name("point") {
                return Some(format!("{}{}", &c["lead"], self.words.decimal(point.as_str())));
            }
            let n = &c["n"];
            let said = if n.len() > 1 && n.starts_with('0') && !n.contains('.') {
                digit_string(n, "zero")
            } else {
                self.number(n)
            };
            let sign = match c.name("sign").map(|m| m.as_str()) {
                Some("+") => "plus ",
                Some(_) => "about ",
                None => "",
            };
            Some(format!("{sign}{said}"))
        });
    }

    /// A plain number, with decimals: "1,234.5" → "one thousand two hundred and thirty-four
    /// point five".
    pub(crate) fn number(&self, n: &str) -> String {
        if n.contains('.') { self.words.decimal(n) } else { self.words.cardinal(n) }
    }

    fn phone_numbers(&self, s: &mut String) {
        replace(s, &PHONE, |_, c| {
            let number = c.get(0)?.as_str();
            if number.chars().filter(char::is_ascii_digit).count() < 8 {
                return None;
            }
            let number = number.replace("(0)", " ");
            let groups: Vec<String> = number
                .split(|ch: char| !ch.is_ascii_digit() && ch != '+')
                .filter(|g| !g.is_empty())
                .map(|g| match g.strip_prefix('+') {
                    Some(rest) => format!("plus {}", digit_string(rest, "oh")),
                    None => digit_string(g, "oh"),
                })
                .collect();
            Some(groups.join(", "))
        });
        replace(s, &EMERGENCY, |_, c| {
            Some(format!("{}{}{}", &c[1], &c[2], digit_string(&c[3], "oh")))
        });
    }

    /// "2024-25" → "twenty twenty-four to twenty-five"; "1939-1945" likewise.
    fn year_ranges(&self, s: &mut String) {
        replace(s, &YEAR_RANGE, |hay, c| {
            let m = c.get(0)?;
            let (a, b) = (&c[1], &c[2]);
            let ya: u32 = a.parse().ok()?;
            let yb: u32 = b.parse().ok()?;
            let later = if b.len() == 2 { yb > ya % 100 } else { yb > ya && yb - ya <= 200 };
            let end = &c["end"];
            let after = bare(token_after(hay, m.end() - end.len()));
            if !later || counted_noun(after) {
                return None;
            }
            let second = if b.len() == 2 { self.words.cardinal(b) } else { self.words.year(b) };
            Some(format!("{} to {second}{end}", self.words.year(a)))
        });
    }

    /// "3-2" a score, "10-12" a range, by the words around it.
    fn dashed(&self, s: &mut String) {
        let hay_has_scores = s.matches('-').count() >= 2;
        replace(s, &DASHED, |hay, c| {
            let m = c.get(0)?;
            let (a, b) = (&c["a"], &c["b"]);
            let before: Vec<String> = hay[..m.start()]
                .split_whitespace()
                .rev()
                .take(4)
                .map(|w| bare(w).to_lowercase())
                .collect();
            let after = bare(token_after(hay, m.end())).to_lowercase();
            let tiebreak = c.name("tb").is_some();
            let rest = hay[m.end()..].trim_start_matches([',', ' ']);
            let next_is_score = hay_has_scores && starts_with_score(rest);
            let prev_is_score =
                hay_has_scores && ends_with_score(hay[..m.start()].trim_end_matches([',', ' ']));
            let whole = !a.contains('.') && !b.contains('.') && a.len() <= 3 && b.len() <= 3;
            let score = whole
                && (tiebreak
                    || next_is_score
                    || prev_is_score
                    || SCORE_AFTER.contains(&after.as_str())
                    || before.iter().any(|w| SCORE_WORDS.contains(&w.as_str())));
            if score {
                let set_scores = next_is_score || prev_is_score || tiebreak;
                return Some(self.score(a, b, set_scores));
            }
            Some(format!("{} to {}", self.number(a), self.number(b)))
        });
    }

    fn score(&self, a: &str, b: &str, tennis: bool) -> String {
        let side = |n: &str| match n {
            "0" if tennis => "love".to_owned(),
            "0" if self.us => "nothing".to_owned(),
            "0" => "nil".to_owned(),
            _ => self.words.cardinal(n),
        };
        format!("{}-{}", side(a), side(b))
    }

    /// "24/7", "9/11", "50/50", fractions, and "7/10" ratings.
    fn slashed(&self, s: &mut String) {
        replace(s, &SLASHED, |hay, c| {
            let (n_str, d_str) = (&c["n"], &c["d"]);
            let whole = c.name("w").map(|w| w.as_str());
            let prefix = whole.map(|w| format!("{} ", self.words.cardinal(w))).unwrap_or_default();
            let n: u32 = n_str.parse().ok()?;
            let d: u32 = d_str.parse().ok()?;
            let after = token_after(hay, c.get(0)?.end());
            match (n_str, d_str) {
                ("24", "7") => return Some(format!("{prefix}twenty-four seven")),
                ("9", "11") => return Some(format!("{prefix}nine eleven")),
                _ if n == d && whole.is_none() => {
                    let w = self.words.cardinal(n_str);
                    return Some(format!("{w}-{w}"));
                }
                _ => {}
            }
            if d == 10 && n <= 10 && whole.is_none() && after != "of" {
                return Some(format!("{} out of ten", self.words.cardinal(n_str)));
            }
            if n < d && denominator(d, false).is_some() {
                return Some(self.fraction(whole, n, d));
            }
            None
        });
    }

    /// "2 1/2" → "two and a half", "3/4" → "three quarters".
    fn fraction(&self, whole: Option<&str>, n: u32, d: u32) -> String {
        let Some(unit) = denominator(d, n != 1) else {
            return format!("{} over {}", self.words.int(n.into()), self.words.int(d.into()));
        };
        let part = if n == 1 {
            match (whole, d) {
                (None, 2) => unit.to_owned(),
                (Some(_), _) => format!("a {unit}"),
                (None, _) => format!("one {unit}"),
            }
        } else {
            format!("{} {unit}", self.words.int(n.into()))
        };
        match whole {
            Some(w) => format!("{} and {part}", self.words.cardinal(w)),
            None => part,
        }
    }

    /// Four-digit numbers that are years by their context ("in 1985", "the 2019 election")
    /// rather than quantities ("3248 cases").
    fn years(&self, s: &mut String) {
        replace(s, &YEAR, |hay, c| {
            if c.name("next").is_some() {
                return None;
            }
            let m = c.get(0)?;
            let before_token = token_before(hay, m.start());
            let before = bare(before_token).to_lowercase();
            let after = bare(token_after(hay, m.end()));
            let strong = STRONG_YEAR_BEFORE.contains(&before.as_str())
                || dates::is_month(bare(before_token));
            let yearish = strong
                || YEAR_BEFORE.contains(&before.as_str())
                || before.is_empty()
                || before_token.ends_with([',', '(', '.'])
                || !after.chars().next().is_some_and(char::is_lowercase);
            let quantity = counted_noun(after) && !strong;
            Some(if yearish && !quantity {
                self.words.year(&c[1])
            } else {
                self.words.cardinal(&c[1])
            })
        });
    }

    /// Symbols left after the rules: "%", "°", "=", "@" and "#".
    fn symbols(&self, s: &mut String) {
        if !s.contains(['%', '°', '=', '@', '#', '×', '~', '+']) {
            return;
        }
        let per_cent = if self.us { " percent" } else { " per cent" };
        let mut out = String::with_capacity(s.len() + 16);
        for ch in s.chars() {
            match ch {
                '%' => out.push_str(per_cent),
                '°' => out.push_str(" degrees"),
                '=' => out.push_str(" equals "),
                '@' => out.push_str(" at "),
                '×' => out.push_str(" times "),
                '~' => out.push_str(" about "),
                '+' => out.push_str(" plus "),
                '#' => out.push(' '),
                _ => out.push(ch),
            }
        }
        *s = out;
    }
}

/// Whether `word` is a plural noun that a number before it counts ("cases", "people").
fn counted_noun(word: &str) -> bool {
    const NOT_NOUNS: &[&str] = &[
        "was",
        "is",
        "has",
        "as",
        "its",
        "this",
        "thus",
        "plus",
        "his",
        "yes",
        "us",
        "does",
        "was",
        "always",
        "afterwards",
        "towards",
        "whereas",
        "perhaps",
        "sometimes",
        "series",
        "news",
        "olympics",
        "games",
        "elections",
        "championships",
        "finals",
        "awards",
        "oscars",
        "polls",
        "accounts",
        "results",
        "figures",
        "levels",
        "rates",
        "prices",
        "budgets",
    ];
    const COUNTED: &[&str] = &[
        "people",
        "children",
        "men",
        "women",
        "staff",
        "police",
        "sheep",
        "cattle",
        "deer",
        "fish",
        "personnel",
        "troops",
        "feet",
        "teeth",
        "mice",
        "geese",
        "kilometres",
        "miles",
    ];
    if COUNTED.contains(&word) {
        return true;
    }
    word.len() > 3
        && word.ends_with('s')
        && word.chars().all(|c| c.is_ascii_lowercase())
        && !NOT_NOUNS.contains(&word)
        && !word.ends_with("ss")
        && !word.ends_with("us")
}

fn starts_with_score(text: &str) -> bool {
    let mut parts = text.splitn(2, ['-', '–']);
    let a = parts.next().unwrap_or_default();
    let b: String =
        parts.next().unwrap_or_default().chars().take_while(char::is_ascii_digit).collect();
    !a.is_empty() && a.len() <= 2 && a.chars().all(|c| c.is_ascii_digit()) && !b.is_empty()
}

fn ends_with_score(text: &str) -> bool {
    let text = strip_tiebreak(text);
    let last = text.rsplit(char::is_whitespace).next().unwrap_or_default();
    let last = last.trim_end_matches(',');
    match last.split_once(['-', '–']) {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_digit())
                && b.chars().all(|c| c.is_ascii_digit())
        }
        None => last.contains("-love") || last.contains("-nil") || words_score(last),
    }
}

/// A score already said: "six-four".
fn words_score(token: &str) -> bool {
    const SMALL: &[&str] =
        &["love", "nil", "nothing", "one", "two", "three", "four", "five", "six", "seven"];
    token.split_once('-').is_some_and(|(a, b)| SMALL.contains(&a) && SMALL.contains(&b))
}

/// "7-6 (7)," → "7-6".
fn strip_tiebreak(text: &str) -> &str {
    let t = text.trim_end_matches([',', ' ']);
    if t.ends_with(')')
        && let Some(open) = t.rfind('(')
    {
        return t[..open].trim_end();
    }
    t
}

fn vulgar(f: &str) -> Option<(u32, u32)> {
    Some(match f {
        "½" => (1, 2),
        "⅓" => (1, 3),
        "⅔" => (2, 3),
        "¼" => (1, 4),
        "¾" => (3, 4),
        "⅕" => (1, 5),
        "⅖" => (2, 5),
        "⅗" => (3, 5),
        "⅘" => (4, 5),
        "⅙" => (1, 6),
        "⅚" => (5, 6),
        "⅛" => (1, 8),
        "⅜" => (3, 8),
        "⅝" => (5, 8),
        "⅞" => (7, 8),
        _ => return None,
    })
}
