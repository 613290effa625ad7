//! Words that are not said as written: abbreviations decided by context (St, Dr, v),
//! Roman numerals after names and before numbered things, acronyms spelled or said.

use std::sync::LazyLock;

use regex::Regex;

use super::English;
use crate::segment::normalize::text::{
    at_end, bare, is_capitalised_word, pronounceable, re, replace, token_after, token_before,
};

static DOTTED: LazyLock<Regex> = LazyLock::new(|| re(r"\b(?:[A-Z]\.){2,}(?:[A-Z]\b)?"));
static STREET_OR_SAINT: LazyLock<Regex> = LazyLock::new(|| re(r"\b(St|Dr|Mt|Ave|Rd|Blvd)\b(\.?)"));
static VERSUS: LazyLock<Regex> = LazyLock::new(|| re(r"(\b[A-Z][\w'’.-]*\s+)v\.?(\s+[A-Z])"));
static NUMBER_SIGN: LazyLock<Regex> = LazyLock::new(|| re(r"\b(No|Nos)\.?\s?(\d)"));
static CIRCA: LazyLock<Regex> = LazyLock::new(|| re(r"\b(?:c|ca)\.\s?(\d)"));
static ROMAN: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z][\w'’]*)\s+([IVXLCDM]+)\b(\.?)"));
static AMPERSAND: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z]{1,3})\s?&\s?([A-Z]{1,3})\b"));
static CAPITALS: LazyLock<Regex> = LazyLock::new(|| re(r"\b([A-Z]{2,})(s|'s|’s)?\b"));
static GENERATION: LazyLock<Regex> = LazyLock::new(|| re(r"\bGen\s([XYZ])\b"));

/// Said with a cardinal: "World War Two", "Super Bowl fifty-eight", "Type One".
const NUMBERED: &[&str] = &[
    "War", "Episode", "Part", "Chapter", "Act", "Scene", "Volume", "Vol", "Book", "Phase", "Type",
    "Stage", "Grade", "Class", "Category", "Schedule", "Title", "Bowl", "Vatican", "Season",
    "Series", "Level", "Tier", "Section", "Article", "Division", "Apollo", "Rocky", "Mark",
];
/// Where a single-letter V or X is a numeral too ("Episode V", "Super Bowl X").
const NUMBERED_LETTERS: &[&str] = &["Episode", "Part", "Chapter", "Act", "Volume", "Book", "Bowl"];
/// Said with "the" and an ordinal: "Henry the Eighth".
const REGNAL: &[&str] = &[
    "Henry",
    "Edward",
    "George",
    "William",
    "Elizabeth",
    "Charles",
    "James",
    "Richard",
    "Mary",
    "Anne",
    "John",
    "Louis",
    "Philip",
    "Felipe",
    "Carlos",
    "Alexander",
    "Nicholas",
    "Peter",
    "Catherine",
    "Frederick",
    "Ferdinand",
    "Benedict",
    "Pius",
    "Leo",
    "Gregory",
    "Innocent",
    "Clement",
    "Paul",
    "Francis",
    "Urban",
    "Boniface",
    "Sixtus",
    "Emmanuel",
    "Wilhelm",
    "Ludwig",
    "Napoleon",
    "Ramesses",
    "Constantine",
    "Harald",
    "Olav",
    "Haakon",
    "Gustaf",
    "Gustav",
    "Christian",
    "Frederik",
    "Margrethe",
    "Albert",
    "Rainier",
    "Hassan",
    "Abdullah",
    "Hussein",
    "Rama",
    "Robert",
    "David",
    "Alfonso",
    "Manuel",
    "Pedro",
    "Isabella",
    "Joseph",
    "Otto",
    "Leopold",
    "Rudolf",
    "Maximilian",
    "Stephen",
    "Harold",
    "Edmund",
    "Victor",
    "Juan",
    "Willem",
    "Kamehameha",
    "Selim",
    "Suleiman",
    "Mehmed",
    "Cyrus",
    "Darius",
    "Xerxes",
    "Ptolemy",
    "Cleopatra",
    "Amenhotep",
    "Thutmose",
    "Tsar",
    "Ivan",
];
/// Capitalised at the start of a sentence, but no place name: "The St Andrews course".
const FUNCTION_WORDS: &[&str] = &[
    "The", "A", "An", "In", "On", "At", "From", "To", "By", "And", "But", "Near", "Outside",
    "Inside", "Of", "For", "With", "Like", "Visit", "Visiting", "Said", "Says", "Meet", "Then",
];
/// A title before a name makes any numeral after it regnal: "King Charles III".
const TITLES: &[&str] = &[
    "King", "Queen", "Pope", "Emperor", "Empress", "Tsar", "Tsarina", "Prince", "Princess",
    "Kaiser", "Sultan", "Pharaoh", "Saint", "St", "Duke", "Earl",
];

impl English<'_> {
    /// "U.S." → "US" (spelled later); the sentence's full stop is kept.
    pub(super) fn dotted_acronyms(&self, s: &mut String) {
        replace(s, &DOTTED, |hay, c| {
            let m = c.get(0)?;
            let letters: String = m.as_str().chars().filter(char::is_ascii_uppercase).collect();
            let stop = if m.as_str().ends_with('.') && at_end(hay, m.end()) { "." } else { "" };
            Some(format!("{letters}{stop}"))
        });
        replace(s, &CIRCA, |_, c| Some(format!("circa {}", &c[1])));
        replace(s, &NUMBER_SIGN, |_, c| {
            Some(format!("{} {}", if &c[1] == "No" { "number" } else { "numbers" }, &c[2]))
        });
    }

    /// Abbreviations that mean one thing before a name and another after one: St (Saint or
    /// Street), Dr (Doctor or Drive), Mt, Ave, Rd; "v" between names; then the configured
    /// table, wherever its words stand.
    pub(super) fn abbreviations(&self, s: &mut String) {
        replace(s, &STREET_OR_SAINT, |hay, c| {
            let m = c.get(0)?;
            let before = token_before(hay, m.start());
            let after = token_after(hay, m.end());
            let stop = !c[2].is_empty();
            let ends = stop && at_end(hay, m.end());
            // A place name before ("Baker St", "10 Downing St") and no name after it, or
            // the sentence ending there: a street.
            let place_before = (is_capitalised_word(before) && !FUNCTION_WORDS.contains(&before))
                || before.ends_with(|c: char| c.is_ascii_digit());
            let name_after = after.chars().next().is_some_and(char::is_uppercase);
            let (place, person) = match &c[1] {
                "St" => ("Street", "Saint"),
                "Dr" => ("Drive", "Doctor"),
                "Mt" => ("Mount", "Mount"),
                "Ave" => ("Avenue", ""),
                "Rd" => ("Road", ""),
                _ => ("Boulevard", ""),
            };
            let word = if place_before && (!name_after || ends) {
                place
            } else if name_after && !person.is_empty() {
                person
            } else if place_before {
                place
            } else {
                return None;
            };
            Some(format!("{word}{}", if ends { "." } else { "" }))
        });
        replace(s, &VERSUS, |_, c| Some(format!("{}versus{}", &c[1], &c[2])));
        replace(s, &GENERATION, |_, c| Some(format!("Generation {}", &c[1])));
        if let Some(pattern) = &self.abbreviations {
            replace(s, pattern, |hay, c| {
                let m = c.get(0)?;
                let short = m.as_str().trim_end_matches('.');
                let long = self.config.abbreviations.get(short)?;
                let stop = m.as_str().ends_with('.') && at_end(hay, m.end());
                Some(format!("{long}{}", if stop { "." } else { "" }))
            });
        }
    }

    /// Roman numerals where context says they are numbers: "World War II" → "World War
    /// Two", "Henry VIII" → "Henry the Eighth". The pronoun "I" stays a pronoun.
    pub(super) fn roman_numerals(&self, s: &mut String) {
        replace(s, &ROMAN, |hay, c| {
            let m = c.get(0)?;
            let (word, numeral) = (&c[1], &c[2]);
            let value = roman(numeral)?;
            let before = bare(token_before(hay, m.start()));
            let titled = TITLES.contains(&before);
            let single = numeral.len() == 1;
            let stop = &c[3];
            let said = if NUMBERED.contains(&word) {
                if single && numeral != "I" && !NUMBERED_LETTERS.contains(&word) {
                    return None;
                }
                capitalise(&self.words.int(i64::from(value)))
            } else if REGNAL.contains(&word) || titled {
                if numeral == "I"
                    && !titled
                    && !at_end(hay, m.end())
                    && !followed_by_of(hay, m.end())
                {
                    return None;
                }
                if single && !matches!(numeral, "I" | "V" | "X") {
                    return None;
                }
                format!("the {}", capitalise(&self.words.ordinal(&value.to_string())))
            } else if matches!(numeral, "II" | "III" | "IV") && is_capitalised_word(before) {
                // A generational suffix after a full name: "Robert Griffin III".
                format!("the {}", capitalise(&self.words.ordinal(&value.to_string())))
            } else {
                return None;
            };
            Some(format!("{word} {said}{stop}"))
        });
    }

    /// "AT&T" → "A T and T", "Q&A" → "Q and A"; any other "&" → "and".
    pub(super) fn ampersands(&self, s: &mut String) {
        replace(s, &AMPERSAND, |_, c| Some(format!("{} and {}", spell(&c[1]), spell(&c[2]))));
        if s.contains('&') {
            *s = s.replace('&', " and ");
        }
    }

    /// Words in capitals: spelled letter by letter ("BBC" → "B B C") unless said as words
    /// (configured, or pronounceable and four letters or more: "NATO" → "Nato"). A line
    /// mostly in capitals is a shouted headline: its words are said.
    pub(super) fn acronyms(&self, s: &mut String) {
        let words = s.split_whitespace().count();
        let capitals = s
            .split_whitespace()
            .filter(|w| {
                let w = bare(w);
                w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase())
            })
            .count();
        let shouted = capitals >= 3 && capitals * 2 >= words;
        replace(s, &CAPITALS, |_, c| {
            let word = &c[1];
            let suffix = c.get(2).map_or("", |m| m.as_str());
            if self.protected.contains(word) {
                return None;
            }
            if self.config.acronyms_as_words.iter().any(|w| w == word) {
                return Some(format!("{}{suffix}", capitalise(&word.to_lowercase())));
            }
            if !self.config.spell_acronyms {
                return None;
            }
            if (word.len() >= 4 && pronounceable(word)) || (shouted && pronounceable(word)) {
                return Some(format!("{}{suffix}", capitalise(&word.to_lowercase())));
            }
            if shouted && word.len() >= 3 && is_common_word(word) {
                return Some(format!("{}{suffix}", capitalise(&word.to_lowercase())));
            }
            let spelled = spell(word);
            Some(match suffix {
                "s" => format!("{spelled}s"),
                "" => spelled,
                possessive => format!("{spelled}{possessive}"),
            })
        });
    }
}

/// "BBC" → "B B C".
fn spell(word: &str) -> String {
    let letters: Vec<String> = word.chars().map(String::from).collect();
    letters.join(" ")
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn followed_by_of(hay: &str, end: usize) -> bool {
    matches!(token_after(hay, end), "of" | "and" | "was" | "had" | "died" | "reigned" | "in")
        || hay[end..].starts_with([',', ';', ')'])
}

/// Short capitalised function words a shouted headline uses.
fn is_common_word(word: &str) -> bool {
    const COMMON: &[&str] = &[
        "THE", "AND", "FOR", "BUT", "NOT", "ARE", "WAS", "HAS", "HAD", "HIS", "HER", "OUT", "NEW",
        "OLD", "WIN", "WON", "OFF", "TOP", "BIG", "GET", "GOT", "SAY", "MAN", "MEN", "DAY", "WAR",
        "ONE", "TWO", "SIX", "TEN", "YOU", "WHY", "HOW", "ALL", "NOW", "SET", "RUN", "CUP",
    ];
    COMMON.contains(&word)
}

/// The value of a well-formed Roman numeral ("XIV" → 14), `None` for anything else.
pub(crate) fn roman(numeral: &str) -> Option<u32> {
    let value = |c: char| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        'C' => Some(100),
        'D' => Some(500),
        'M' => Some(1000),
        _ => None,
    };
    let digits: Vec<u32> = numeral.chars().map(value).collect::<Option<_>>()?;
    let mut total = 0;
    for (i, d) in digits.iter().enumerate() {
        match digits.get(i + 1) {
            Some(next) if next > d => total -= *d as i64,
            _ => total += *d as i64,
        }
    }
    let total = u32::try_from(total).ok().filter(|t| (1..4000).contains(t))?;
    (to_roman(total) == numeral).then_some(total)
}

fn to_roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, letters) in TABLE {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}
