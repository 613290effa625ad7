//! Whisper's English text normaliser, in Rust: what both sides of a comparison pass through
//! so that "twenty twenty-two" and "2022", "colour" and "color", "can't" and "can not"
//! count as the same words.
//!
//! A faithful port of `EnglishTextNormalizer` from OpenAI's Whisper (MIT; Appendix C of the
//! Whisper paper): brackets and fillers dropped, contractions and titles expanded, symbols
//! and diacritics removed, spelled-out numbers and currencies turned into figures, British
//! spellings made American (the 1,739-word list `english.json` that ships with it). One
//! rule is ours, applied after Whisper's: letters spelled one by one ("b b c") are joined
//! into the word they spell ("bbc"), since our text normalisation spells acronyms out and a
//! recogniser writes them whole.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use unicode_normalization::UnicodeNormalization;

static SPELLINGS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    // The table is a constant compiled in; a test checks it parses.
    serde_json::from_str(include_str!("english.json")).unwrap_or_default()
});

fn re(pattern: &str) -> Regex {
    // The patterns are constants, covered by the tests below.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("valid built-in pattern")
}

static BRACKETS: LazyLock<Regex> = LazyLock::new(|| re(r"[<\[][^>\]]*[>\]]"));
static PARENTHESES: LazyLock<Regex> = LazyLock::new(|| re(r"\(([^)]+?)\)"));
static FILLERS: LazyLock<Regex> = LazyLock::new(|| re(r"\b(hmm|mm|mhm|mmm|uh|um)\b"));
static SPACE_APOSTROPHE: LazyLock<Regex> = LazyLock::new(|| re(r"\s+'"));
static DIGIT_COMMA: LazyLock<Regex> = LazyLock::new(|| re(r"(\d),(\d)"));
static PERIOD: LazyLock<Regex> = LazyLock::new(|| re(r"\.([^0-9]|$)"));
static MARKS: LazyLock<Regex> = LazyLock::new(|| re(r"\p{Mn}"));
static SYMBOLS: LazyLock<Regex> = LazyLock::new(|| re(r"[[\p{M}\p{S}\p{P}]--[.%$¢€£]]"));
static LOOSE_PREFIX: LazyLock<Regex> = LazyLock::new(|| re(r"[.$¢€£]([^0-9])"));
static LOOSE_PERCENT: LazyLock<Regex> = LazyLock::new(|| re(r"([^0-9])%"));
static SPACES: LazyLock<Regex> = LazyLock::new(|| re(r"\s+"));
static HALF: LazyLock<Regex> = LazyLock::new(|| re(r"\band\s+a\s+half\b"));
static LETTER_DIGIT: LazyLock<Regex> = LazyLock::new(|| re(r"([a-z])([0-9])"));
static DIGIT_LETTER: LazyLock<Regex> = LazyLock::new(|| re(r"([0-9])([a-z])"));
static NUMBER_SUFFIX: LazyLock<Regex> = LazyLock::new(|| re(r"([0-9])\s+(st|nd|rd|th|s)\b"));
static CENTS: LazyLock<Regex> = LazyLock::new(|| re(r"([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})\b"));
static ONLY_CENTS: LazyLock<Regex> = LazyLock::new(|| re(r"[€£$]0.([0-9]{1,2})\b"));
static PENCE: LazyLock<Regex> = LazyLock::new(|| re(r"([€£$])([0-9]+) ([0-9]{2})\b"));
static SCALED: LazyLock<Regex> = LazyLock::new(|| re(r"([€£$][0-9]+(?:\.[0-9]+)?)(m|bn|k)\b"));
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| re(r"^\d+(\.\d+)?$"));

/// Contractions, titles and perfect tenses, in Whisper's order.
static REPLACERS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\bwon't\b", "will not"),
        (r"\bcan't\b", "can not"),
        (r"\blet's\b", "let us"),
        (r"\bain't\b", "aint"),
        (r"\by'all\b", "you all"),
        (r"\bwanna\b", "want to"),
        (r"\bkinda\b", "kind of"),
        (r"\bsorta\b", "sort of"),
        (r"\bdunno\b", "do not know"),
        (r"\bgotta\b", "got to"),
        (r"\bgonna\b", "going to"),
        (r"\bi'ma\b", "i am going to"),
        (r"\bimma\b", "i am going to"),
        (r"\bwoulda\b", "would have"),
        (r"\bcoulda\b", "could have"),
        (r"\bshoulda\b", "should have"),
        (r"\bcause\b", "because"),
        (r"\bma'am\b", "madam"),
        (r"\bmr\b", "mister "),
        (r"\bmrs\b", "missus "),
        (r"\bst\b", "saint "),
        (r"\bdr\b", "doctor "),
        (r"\bprof\b", "professor "),
        (r"\bcapt\b", "captain "),
        (r"\bgov\b", "governor "),
        (r"\bald\b", "alderman "),
        (r"\bgen\b", "general "),
        (r"\bsen\b", "senator "),
        (r"\brep\b", "representative "),
        (r"\bpres\b", "president "),
        (r"\brev\b", "reverend "),
        (r"\bhon\b", "honorable "),
        (r"\basst\b", "assistant "),
        (r"\bassoc\b", "associate "),
        (r"\blt\b", "lieutenant "),
        (r"\bcol\b", "colonel "),
        (r"\bjr\b", "junior "),
        (r"\bsr\b", "senior "),
        (r"\besq\b", "esquire "),
        (r"'d been\b", " had been"),
        (r"'s been\b", " has been"),
        (r"'d gone\b", " had gone"),
        (r"'s gone\b", " has gone"),
        (r"'d done\b", " had done"),
        (r"'s got\b", " has got"),
        (r"n't\b", " not"),
        (r"'re\b", " are"),
        (r"'s\b", " is"),
        (r"'d\b", " would"),
        (r"'ll\b", " will"),
        (r"'t\b", " not"),
        (r"'ve\b", " have"),
        (r"'m\b", " am"),
    ]
    .into_iter()
    .map(|(pattern, replacement)| (re(pattern), replacement))
    .collect()
});

/// Normalise English text the way Whisper's evaluation does, then join spelled-out letters.
#[must_use]
pub fn normalize(text: &str) -> String {
    let mut s = text.to_lowercase().replace(['’', '‘'], "'");
    s = BRACKETS.replace_all(&s, "").into_owned();
    s = PARENTHESES.replace_all(&s, "").into_owned();
    s = FILLERS.replace_all(&s, "").into_owned();
    s = SPACE_APOSTROPHE.replace_all(&s, "'").into_owned();
    for (pattern, replacement) in REPLACERS.iter() {
        s = pattern.replace_all(&s, *replacement).into_owned();
    }
    s = DIGIT_COMMA.replace_all(&s, "$1$2").into_owned();
    s = PERIOD.replace_all(&s, " $1").into_owned();
    s = remove_symbols_and_diacritics(&s);
    s = numbers(&s);
    s = s
        .split_whitespace()
        .map(|w| SPELLINGS.get(w).map_or(w, String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    s = LOOSE_PREFIX.replace_all(&s, " $1").into_owned();
    s = LOOSE_PERCENT.replace_all(&s, "$1 ").into_owned();
    s = SPACES.replace_all(&s, " ").into_owned();
    join_letters(s.trim())
}

/// The words of [`normalize`]d text.
#[must_use]
pub fn words(text: &str) -> Vec<String> {
    normalize(text).split_whitespace().map(str::to_owned).collect()
}

/// "b b c news" → "bbc news": a run of two or more single letters is one spelled word.
fn join_letters(s: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut run = String::new();
    let single = |w: &str| w.chars().count() == 1 && w.chars().all(char::is_alphabetic);
    for w in s.split_whitespace() {
        if single(w) {
            run.push_str(w);
            continue;
        }
        if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
        out.push(w.to_owned());
    }
    if !run.is_empty() {
        out.push(run);
    }
    out.join(" ")
}

/// Drop diacritics and replace symbols, marks and punctuation with spaces, keeping what the
/// number rules need (`.`, `%` and currency signs).
fn remove_symbols_and_diacritics(s: &str) -> String {
    let decomposed: String = s
        .nfkd()
        .flat_map(|c| {
            let mapped: Option<&str> = match c {
                'œ' => Some("oe"),
                'Œ' => Some("OE"),
                'ø' | 'Ø' => Some(if c == 'ø' { "o" } else { "O" }),
                'æ' => Some("ae"),
                'Æ' => Some("AE"),
                'ß' => Some("ss"),
                'ẞ' => Some("SS"),
                'đ' | 'ð' => Some("d"),
                'Đ' | 'Ð' => Some("D"),
                'þ' | 'Þ' => Some("th"),
                'ł' => Some("l"),
                'Ł' => Some("L"),
                _ => None,
            };
            match mapped {
                Some(m) => m.chars().collect::<Vec<_>>(),
                None => vec![c],
            }
        })
        .collect();
    let unmarked = MARKS.replace_all(&decomposed, "");
    SYMBOLS.replace_all(&unmarked, " ").into_owned()
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// A number being read: a whole number, or digits kept as written (decimals, "one oh one").
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Int(i128),
    Str(String),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Str(s) => s.clone(),
        }
    }

    /// Python's `str(value or "")`: zero and the empty string are falsy.
    fn or_empty(value: Option<&Value>) -> String {
        match value {
            None | Some(Value::Int(0)) => String::new(),
            Some(v) => v.text(),
        }
    }
}

const ONES: [&str; 19] = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [(&str, i128); 8] = [
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];
const MULTIPLIERS: [(&str, i128); 12] = [
    ("hundred", 100),
    ("thousand", 1_000),
    ("million", 1_000_000),
    ("billion", 1_000_000_000),
    ("trillion", 1_000_000_000_000),
    ("quadrillion", 1_000_000_000_000_000),
    ("quintillion", 1_000_000_000_000_000_000),
    ("sextillion", 1_000_000_000_000_000_000_000),
    ("septillion", 1_000_000_000_000_000_000_000_000),
    ("octillion", 1_000_000_000_000_000_000_000_000_000),
    ("nonillion", 1_000_000_000_000_000_000_000_000_000_000),
    ("decillion", 1_000_000_000_000_000_000_000_000_000_000_000),
];

/// The word tables of Whisper's `EnglishNumberNormalizer`.
struct NumberWords {
    ones: HashMap<String, i128>,
    ones_suffixed: HashMap<String, (i128, &'static str)>,
    tens: HashMap<String, i128>,
    tens_suffixed: HashMap<String, (i128, &'static str)>,
    multipliers: HashMap<String, i128>,
    multipliers_suffixed: HashMap<String, (i128, &'static str)>,
    preceding_prefixers: HashMap<&'static str, &'static str>,
    following_prefixers: HashMap<&'static str, &'static str>,
    words: std::collections::HashSet<String>,
}

const ZEROS: [&str; 3] = ["o", "oh", "zero"];
const SPECIALS: [&str; 4] = ["and", "double", "triple", "point"];
const PREFIXES: [char; 6] = ['-', '+', '£', '€', '$', '¢'];

static NUMBER_WORDS: LazyLock<NumberWords> = LazyLock::new(|| {
    let ones: HashMap<String, i128> =
        ONES.iter().zip(1..).map(|(name, value)| ((*name).to_owned(), value)).collect();
    let mut ones_suffixed: HashMap<String, (i128, &'static str)> = HashMap::new();
    for (name, &value) in &ones {
        let plural = if name == "six" { "sixes".to_owned() } else { format!("{name}s") };
        ones_suffixed.insert(plural, (value, "s"));
    }
    for (name, value, suffix) in [
        ("zeroth", 0, "th"),
        ("first", 1, "st"),
        ("second", 2, "nd"),
        ("third", 3, "rd"),
        ("fifth", 5, "th"),
        ("twelfth", 12, "th"),
    ] {
        ones_suffixed.insert(name.to_owned(), (value, suffix));
    }
    for (name, &value) in &ones {
        if value > 3 && value != 5 && value != 12 {
            let ordinal =
                if name.ends_with('t') { format!("{name}h") } else { format!("{name}th") };
            ones_suffixed.insert(ordinal, (value, "th"));
        }
    }
    let tens: HashMap<String, i128> = TENS.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect();
    let mut tens_suffixed = HashMap::new();
    for (name, value) in TENS {
        tens_suffixed.insert(name.replace('y', "ies"), (value, "s"));
        tens_suffixed.insert(name.replace('y', "ieth"), (value, "th"));
    }
    let multipliers: HashMap<String, i128> =
        MULTIPLIERS.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect();
    let mut multipliers_suffixed = HashMap::new();
    for (name, value) in MULTIPLIERS {
        multipliers_suffixed.insert(format!("{name}s"), (value, "s"));
        multipliers_suffixed.insert(format!("{name}th"), (value, "th"));
    }
    let preceding_prefixers: HashMap<&str, &str> =
        [("minus", "-"), ("negative", "-"), ("plus", "+"), ("positive", "+")].into();
    let following_prefixers: HashMap<&str, &str> = [
        ("pound", "£"),
        ("pounds", "£"),
        ("euro", "€"),
        ("euros", "€"),
        ("dollar", "$"),
        ("dollars", "$"),
        ("cent", "¢"),
        ("cents", "¢"),
    ]
    .into();
    let mut words: std::collections::HashSet<String> = std::collections::HashSet::new();
    words.extend(ZEROS.iter().map(|w| (*w).to_owned()));
    words.extend(ones.keys().cloned());
    words.extend(ones_suffixed.keys().cloned());
    words.extend(tens.keys().cloned());
    words.extend(tens_suffixed.keys().cloned());
    words.extend(multipliers.keys().cloned());
    words.extend(multipliers_suffixed.keys().cloned());
    words.extend(preceding_prefixers.keys().map(|w| (*w).to_owned()));
    words.extend(following_prefixers.keys().map(|w| (*w).to_owned()));
    words.extend(["per", "percent"].iter().map(|w| (*w).to_owned()));
    words.extend(SPECIALS.iter().map(|w| (*w).to_owned()));
    NumberWords {
        ones,
        ones_suffixed,
        tens,
        tens_suffixed,
        multipliers,
        multipliers_suffixed,
        preceding_prefixers,
        following_prefixers,
        words,
    }
});

/// A decimal string as a fraction (numerator, denominator), as Python's `Fraction(s)`.
fn fraction(s: &str) -> Option<(i128, i128)> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let den = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let digits = format!("{whole}{frac}");
    let num: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    Some((num, den))
}

/// `value × multiplier` when that is a whole number.
fn times(value: &Value, multiplier: i128) -> Option<i128> {
    let (num, den) = match value {
        Value::Int(n) => (*n, 1),
        Value::Str(s) => fraction(s)?,
    };
    let product = num.checked_mul(multiplier)?;
    (product % den == 0).then_some(product / den)
}

/// Spelled-out numbers into figures (Whisper's `EnglishNumberNormalizer`).
fn numbers(s: &str) -> String {
    // Ours: news writes money in millions as "£1.5m" and says "one point five million".
    let s = SCALED.replace_all(s, |c: &Captures| {
        let scale = match &c[2] {
            "m" => "million",
            "bn" => "billion",
            _ => "thousand",
        };
        format!("{} {scale}", &c[1])
    });
    let s = preprocess(&s);
    let words: Vec<&str> = s.split_whitespace().collect();
    let out = process_words(&words);
    postprocess(&out.join(" "))
}

fn preprocess(s: &str) -> String {
    let t = &*NUMBER_WORDS;
    let segments: Vec<&str> = HALF.split(s).collect();
    let mut results: Vec<String> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        if segment.trim().is_empty() {
            continue;
        }
        results.push((*segment).to_owned());
        if i + 1 < segments.len() {
            let last = segment.split_whitespace().last().unwrap_or_default();
            let decimal = t.ones.contains_key(last)
                || t.tens.contains_key(last)
                || ZEROS.contains(&last)
                || t.multipliers.contains_key(last);
            results.push(if decimal { "point five" } else { "and a half" }.to_owned());
        }
    }
    let s = results.join(" ");
    let s = LETTER_DIGIT.replace_all(&s, "$1 $2");
    let s = DIGIT_LETTER.replace_all(&s, "$1 $2");
    NUMBER_SUFFIX.replace_all(&s, "$1$2").into_owned()
}

fn postprocess(s: &str) -> String {
    let s = CENTS.replace_all(s, |c: &Captures| match c[3].parse::<u32>() {
        Ok(cents) => format!("{}{}.{cents:02}", &c[1], &c[2]),
        Err(_) => c[0].to_owned(),
    });
    let s = ONLY_CENTS.replace_all(&s, |c: &Captures| match c[1].parse::<u32>() {
        Ok(cents) => format!("¢{cents}"),
        Err(_) => c[0].to_owned(),
    });
    // Ours: "five pounds fifty" is £5.50, as the text writes it.
    let s = PENCE.replace_all(&s, "$1$2.$3");
    // Whisper writes a lone "1" as "one"; its pattern (`\b1(s?)\b`) also rewrote the 1 of
    // "1.5", so here only a whole word is.
    s.split(' ')
        .map(|w| match w {
            "1" => "one",
            "1s" => "ones",
            w => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The state machine of Whisper's `process_words`, kept line for line so the two agree.
#[allow(clippy::too_many_lines)]
fn process_words(words: &[&str]) -> Vec<String> {
    let t = &*NUMBER_WORDS;
    let mut out: Vec<String> = Vec::new();
    let mut prefix: Option<String> = None;
    let mut value: Option<Value> = None;
    let mut skip = false;
    // Emit `result` with the pending prefix, clearing the number being read.
    let output = |result: String, prefix: &mut Option<String>, value: &mut Option<Value>| {
        let text = match prefix.take() {
            Some(p) => format!("{p}{result}"),
            None => result,
        };
        *value = None;
        text
    };
    let in_ones = |w: Option<&str>| w.is_some_and(|w| t.ones.contains_key(w));
    let in_tens = |w: Option<&str>| w.is_some_and(|w| t.tens.contains_key(w));
    for i in 0..words.len() {
        if skip {
            skip = false;
            continue;
        }
        let prev = i.checked_sub(1).map(|p| words[p]);
        let current = words[i];
        let next = words.get(i + 1).copied();
        let next_is_numeric = next.is_some_and(|n| NUMERIC.is_match(n));
        let first = current.chars().next().unwrap_or(' ');
        let has_prefix = PREFIXES.contains(&first);
        let without_prefix = if has_prefix { &current[first.len_utf8()..] } else { current };
        let figure = NUMERIC.is_match(without_prefix).then(|| fraction(without_prefix)).flatten();
        if let Some((num, den)) = figure {
            if let Some(v) = &value {
                if let Value::Str(s) = v
                    && s.ends_with('.')
                {
                    value = Some(Value::Str(format!("{s}{current}")));
                    continue;
                }
                let v = v.text();
                out.push(output(v, &mut prefix, &mut value));
            }
            if has_prefix {
                prefix = Some(first.to_string());
            }
            value = Some(if den == 1 || num % den == 0 {
                Value::Int(num / den)
            } else {
                Value::Str(without_prefix.to_owned())
            });
        } else if !t.words.contains(current) {
            if let Some(v) = value.take() {
                out.push(output(v.text(), &mut prefix, &mut value));
            }
            out.push(output(current.to_owned(), &mut prefix, &mut value));
        } else if ZEROS.contains(&current) {
            value = Some(Value::Str(format!("{}0", Value::or_empty(value.as_ref()))));
        } else if let Some(&ones) = t.ones.get(current) {
            value = Some(match value.take() {
                None => Value::Int(ones),
                Some(Value::Str(s)) if in_tens(prev) && ones < 10 => {
                    Value::Str(format!("{}{ones}", s.strip_suffix('0').unwrap_or(&s)))
                }
                Some(v @ Value::Str(_)) => Value::Str(format!("{}{ones}", v.text())),
                Some(Value::Int(v)) if in_ones(prev) => Value::Str(format!("{v}{ones}")),
                Some(Value::Int(v)) if ones < 10 && v % 10 == 0 => Value::Int(v + ones),
                Some(Value::Int(v)) if ones >= 10 && v % 100 == 0 => Value::Int(v + ones),
                Some(Value::Int(v)) => Value::Str(format!("{v}{ones}")),
            });
        } else if let Some(&(ones, suffix)) = t.ones_suffixed.get(current) {
            let text = match value.take() {
                None => format!("{ones}{suffix}"),
                Some(Value::Str(s)) if in_tens(prev) && ones < 10 => {
                    format!("{}{ones}{suffix}", s.strip_suffix('0').unwrap_or(&s))
                }
                Some(v @ Value::Str(_)) => format!("{}{ones}{suffix}", v.text()),
                Some(Value::Int(v)) if in_ones(prev) => format!("{v}{ones}{suffix}"),
                Some(Value::Int(v)) if ones < 10 && v % 10 == 0 => format!("{}{suffix}", v + ones),
                Some(Value::Int(v)) if ones >= 10 && v % 100 == 0 => {
                    format!("{}{suffix}", v + ones)
                }
                Some(Value::Int(v)) => format!("{v}{ones}{suffix}"),
            };
            out.push(output(text, &mut prefix, &mut value));
        } else if let Some(&tens) = t.tens.get(current) {
            value = Some(match value.take() {
                None => Value::Int(tens),
                Some(Value::Str(s)) => Value::Str(format!("{s}{tens}")),
                Some(Value::Int(v)) if v % 100 == 0 => Value::Int(v + tens),
                Some(Value::Int(v)) => Value::Str(format!("{v}{tens}")),
            });
        } else if let Some(&(tens, suffix)) = t.tens_suffixed.get(current) {
            let text = match value.take() {
                None => format!("{tens}{suffix}"),
                Some(Value::Str(s)) => format!("{s}{tens}{suffix}"),
                Some(Value::Int(v)) if v % 100 == 0 => format!("{}{suffix}", v + tens),
                Some(Value::Int(v)) => format!("{v}{tens}{suffix}"),
            };
            out.push(output(text, &mut prefix, &mut value));
        } else if let Some(&multiplier) = t.multipliers.get(current) {
            match value.take() {
                None => value = Some(Value::Int(multiplier)),
                Some(v @ (Value::Str(_) | Value::Int(0))) => match times(&v, multiplier) {
                    Some(p) => value = Some(Value::Int(p)),
                    None => {
                        out.push(output(v.text(), &mut prefix, &mut value));
                        value = Some(Value::Int(multiplier));
                    }
                },
                Some(Value::Int(v)) => {
                    let before = v / 1000 * 1000;
                    let residual = v % 1000;
                    value = Some(Value::Int(before + residual.saturating_mul(multiplier)));
                }
            }
        } else if let Some(&(multiplier, suffix)) = t.multipliers_suffixed.get(current) {
            match value.take() {
                None => out.push(output(format!("{multiplier}{suffix}"), &mut prefix, &mut value)),
                Some(v @ Value::Str(_)) => match times(&v, multiplier) {
                    Some(p) => out.push(output(format!("{p}{suffix}"), &mut prefix, &mut value)),
                    None => {
                        out.push(output(v.text(), &mut prefix, &mut value));
                        out.push(output(format!("{multiplier}{suffix}"), &mut prefix, &mut value));
                    }
                },
                Some(Value::Int(v)) => {
                    let n = v / 1000 * 1000 + (v % 1000).saturating_mul(multiplier);
                    out.push(output(format!("{n}{suffix}"), &mut prefix, &mut value));
                }
            }
            value = None;
        } else if let Some(&sign) = t.preceding_prefixers.get(current) {
            if let Some(v) = value.take() {
                out.push(output(v.text(), &mut prefix, &mut value));
            }
            if next.is_some_and(|n| t.words.contains(n)) || next_is_numeric {
                prefix = Some(sign.to_owned());
            } else {
                out.push(output(current.to_owned(), &mut prefix, &mut value));
            }
        } else if let Some(&sign) = t.following_prefixers.get(current) {
            match value.take() {
                Some(v) => {
                    prefix = Some(sign.to_owned());
                    out.push(output(v.text(), &mut prefix, &mut value));
                }
                None => out.push(output(current.to_owned(), &mut prefix, &mut value)),
            }
        } else if current == "per" || current == "percent" {
            match value.take() {
                Some(v) if current == "percent" => {
                    out.push(output(format!("{}%", v.text()), &mut prefix, &mut value));
                }
                Some(v) if next == Some("cent") => {
                    out.push(output(format!("{}%", v.text()), &mut prefix, &mut value));
                    skip = true;
                }
                Some(v) => {
                    out.push(output(v.text(), &mut prefix, &mut value));
                    out.push(output(current.to_owned(), &mut prefix, &mut value));
                }
                None => out.push(output(current.to_owned(), &mut prefix, &mut value)),
            }
        } else {
            // "and", "double", "triple", "point"
            let next_in_words = next.is_some_and(|n| t.words.contains(n));
            if !next_in_words && !next_is_numeric {
                if let Some(v) = value.take() {
                    out.push(output(v.text(), &mut prefix, &mut value));
                }
                out.push(output(current.to_owned(), &mut prefix, &mut value));
            } else if current == "and" {
                if !prev.is_some_and(|p| t.multipliers.contains_key(p)) {
                    if let Some(v) = value.take() {
                        out.push(output(v.text(), &mut prefix, &mut value));
                    }
                    out.push(output(current.to_owned(), &mut prefix, &mut value));
                }
            } else if current == "double" || current == "triple" {
                let repeated = next.filter(|n| t.ones.contains_key(*n) || ZEROS.contains(n));
                if let Some(n) = repeated {
                    let repeats = if current == "double" { 2 } else { 3 };
                    let ones = t.ones.get(n).copied().unwrap_or(0);
                    let digits = ones.to_string().repeat(repeats);
                    value =
                        Some(Value::Str(format!("{}{digits}", Value::or_empty(value.as_ref()))));
                    skip = true;
                } else {
                    if let Some(v) = value.take() {
                        out.push(output(v.text(), &mut prefix, &mut value));
                    }
                    out.push(output(current.to_owned(), &mut prefix, &mut value));
                }
            } else if next.is_some_and(|n| {
                t.ones.contains_key(n) || t.tens.contains_key(n) || ZEROS.contains(&n)
            }) || next_is_numeric
            {
                // "point"
                value = Some(Value::Str(format!("{}.", Value::or_empty(value.as_ref()))));
            }
        }
    }
    if let Some(v) = value.take() {
        out.push(output(v.text(), &mut prefix, &mut value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spelling_table_is_whispers() {
        assert_eq!(SPELLINGS.len(), 1739);
        assert_eq!(normalize("The colour of the theatre"), "the color of the theater");
    }

    #[test]
    fn spelled_numbers_become_figures() {
        assert_eq!(normalize("twenty twenty-two"), "2022");
        assert_eq!(normalize("two thousand and five"), "2005");
        assert_eq!(normalize("one point five million pounds"), "£1500000");
        assert_eq!(normalize("£1.5 million"), "£1500000");
        assert_eq!(normalize("It cost five pounds fifty."), "it cost £5.50");
        assert_eq!(normalize("up three point five per cent"), "up 3.5%");
        assert_eq!(normalize("the twenty-first century"), "the 21st century");
        assert_eq!(normalize("in the nineteen sixties"), "in the 1960s");
        assert_eq!(normalize("an eighteen-year-old"), "an 18 year old");
        assert_eq!(normalize("one oh one"), "101");
        assert_eq!(normalize("Season 2"), "season 2");
        assert_eq!(normalize("season two"), "season 2");
        assert_eq!(normalize("£1.5m"), "£1500000");
        assert_eq!(normalize("a $2bn deal"), "a $2000000000 deal");
        assert_eq!(normalize("1 in 1.5"), "one in 1.5");
    }

    #[test]
    fn contractions_titles_and_symbols() {
        assert_eq!(
            normalize("Mr. Smith can't go, he's tired."),
            "mister smith can not go he is tired"
        );
        assert_eq!(
            normalize("Netflix's Heartstopper: [laughs] (aside) uh yes"),
            "netflix is heartstopper yes"
        );
        assert_eq!(normalize("Café naïve—co-star"), "cafe naive co star");
        assert_eq!(normalize("It’s 100%!"), "it is 100%");
    }

    #[test]
    fn spelled_letters_are_one_word() {
        assert_eq!(normalize("The teen L G B T Q plus drama"), "the teen lgbtq plus drama");
        assert_eq!(normalize("the B B C and a dog"), "the bbc and a dog");
    }
}
