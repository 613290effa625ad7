//! Dates and times as a newsreader says them: "the tenth of May, twenty twenty-four"
//! (British) or "May tenth, twenty twenty-four" (American), "ten thirty p m".

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::English;
use crate::segment::normalize::text::{at_end, re, replace, token_before};

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec";
const WEEKDAYS: &str = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tues|Tue|Wed|Thurs|Thur|Thu|Fri|Sat|Sun";
const FULL_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:\b(?P<wd>{WEEKDAYS})\b\.?,?\s+(?:the\s+)?)?\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s?(?P<j>-|–|to|and)\s?(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)?\s+(?:of\s+)?(?P<m>{MONTHS})\b\.?(?:,?\s+(?P<y>\d{{4}})\b)?"
    ))
});
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:\b(?P<wd>{WEEKDAYS})\b\.?,?\s+)?\b(?P<m>{MONTHS})\b\.?\s+(?:the\s+)?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s?(?:-|–)\s?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b)?(?:,?\s+(?P<y>\d{{4}})\b)?"
    ))
});
static NUMERIC_DATE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4}|\d{2})\b"));
static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{4})([-/])(\d{1,2})([-/])(\d{1,2})\b"));
static WEEKDAY_RANGE: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"\b({WEEKDAYS})\.?\s?(?:-|–|to)\s?({WEEKDAYS})\b\.?")));
static MERIDIEM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s?(?P<ap>[ap]m\b|[ap]\.m\.|[AP]M\b|[AP]\.M\.)(?P<to>\s?[-–]\s?)?",
    )
});
/// Four-digit times with a zone or "hours": "0100 GMT", "1430 hrs".
static HHMM_ZONED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)\s?(?P<z>GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|ET|PT|hrs|hours)\b",
    )
});
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\b(?:\s?(?:-|–)\s?(?P<h2>\d{1,2}):(?P<m2>\d{2})\b)?",
    )
});

impl English<'_> {
    /// Every date and time in `s`, as words.
    pub(super) fn dates_and_times(&self, s: &mut String) {
        replace(s, &ISO_DATE, |_, c| {
            (c[2] == c[4]).then(|| self.numeric_date(&c[5], &c[3], &c[1], false)).flatten()
        });
        replace(s, &NUMERIC_DATE, |_, c| {
            if c[2] != c[4] {
                return None;
            }
            let (first, second) = (&c[1], &c[3]);
            self.numeric_date(first, second, &c[5], true)
        });
        replace(s, &DAY_MONTH, |hay, c| {
            let after_the = token_before(hay, c.get(0)?.start()).eq_ignore_ascii_case("the");
            let mut said = self.date(c, true, after_the)?;
            // The optional dot after the month is an abbreviation's ("3 Dec."), but after a
            // full name, or at the end of the text, it also ends the sentence.
            let whole = c.get(0)?;
            let full_name = FULL_MONTHS.iter().any(|m| m.eq_ignore_ascii_case(&c["m"]));
            if whole.as_str().ends_with('.') && (full_name || at_end(hay, whole.end())) {
                said.push('.');
            }
            Some(said)
        });
        replace(s, &MONTH_DAY, |_, c| self.date(c, false, false));
        replace(s, &MERIDIEM, |hay, c| {
            let h: u32 = c["h"].parse().ok()?;
            let m: u32 = c.name("m").map_or(Some(0), |m| m.as_str().parse().ok())?;
            if !(1..=12).contains(&h) || m > 59 {
                return None;
            }
            let mut out = self.clock(h, m, false);
            out.push_str(if c["ap"].starts_with(['a', 'A']) { " a m" } else { " p m" });
            if c.name("to").is_some() {
                out.push_str(" to ");
            } else if c["ap"].ends_with('.') && at_end(hay, c.get(0)?.end()) {
                out.push('.');
            }
            Some(out)
        });
        replace(s, &HHMM_ZONED, |_, c| {
            let (h, m): (u32, u32) = (c["h"].parse().ok()?, c["m"].parse().ok()?);
            // As a newsreader says the twenty-four-hour clock: "oh one hundred", "fourteen thirty".
            let hour = if h < 10 {
                format!("oh {}", self.words.int(i64::from(h)))
            } else {
                self.words.int(i64::from(h))
            };
            let hour = if h == 0 { "zero".to_owned() } else { hour };
            let minutes = match m {
                0 => "hundred".to_owned(),
                1..=9 => format!("oh {}", self.words.int(i64::from(m))),
                _ => self.words.int(i64::from(m)),
            };
            let zone = if &c["z"] == "hrs" { "hours" } else { &c["z"] };
            Some(format!("{hour} {minutes} {zone}"))
        });
        replace(s, &CLOCK, |_, c| {
            let h: u32 = c["h"].parse().ok()?;
            let m: u32 = c["m"].parse().ok()?;
            if let Some(sec) = c.name("s") {
                return self.duration(h, m, sec.as_str().parse().ok()?);
            }
            if h > 24 || m > 59 {
                return None;
            }
            let mut out = self.clock(h, m, true);
            if let (Some(h2), Some(m2)) = (c.name("h2"), c.name("m2")) {
                let (h2, m2): (u32, u32) = (h2.as_str().parse().ok()?, m2.as_str().parse().ok()?);
                if h2 > 24 || m2 > 59 {
                    return None;
                }
                out = format!("{out} to {}", self.clock(h2, m2, true));
            }
            Some(out)
        });
    }

    /// "Mon-Fri" → "Monday to Friday".
    pub(super) fn weekday_ranges(&self, s: &mut String) {
        replace(s, &WEEKDAY_RANGE, |_, c| {
            Some(format!("{} to {}", weekday(&c[1]), weekday(&c[2])))
        });
    }

    /// "10/05/2024": day first in Britain, month first in America, unless a part can only
    /// be the day. `None` for what is no date.
    fn numeric_date(&self, a: &str, b: &str, year: &str, ambiguous: bool) -> Option<String> {
        let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
        let (day, month) = match (a, b) {
            _ if !ambiguous => (a, b),
            (13..=31, 1..=12) => (a, b),
            (1..=12, 13..=31) => (b, a),
            _ if self.us => (b, a),
            _ => (a, b),
        };
        if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
            return None;
        }
        let year = match year.len() {
            2 => {
                let y: u32 = year.parse().ok()?;
                (if y <= 50 { 2000 + y } else { 1900 + y }).to_string()
            }
            _ => year.to_owned(),
        };
        Some(self.say_date(
            None,
            FULL_MONTHS[month as usize - 1],
            day,
            None,
            Some(&year),
            true,
            false,
        ))
    }

    fn date(&self, c: &Captures<'_>, day_first: bool, after_the: bool) -> Option<String> {
        let d1: u32 = c["d1"].parse().ok()?;
        let d2: Option<u32> = match c.name("d2") {
            Some(d) => Some(d.as_str().parse().ok()?),
            None => None,
        };
        if !(1..=31).contains(&d1) || d2.is_some_and(|d| !(1..=31).contains(&d) || d <= d1) {
            return None;
        }
        let month = month(&c["m"]);
        let weekday = c.name("wd").map(|w| weekday(w.as_str()));
        let year = c.name("y").map(|y| y.as_str());
        let mut said = self.say_date(weekday, month, d1, d2, year, day_first, after_the);
        if c.name("j").is_some_and(|j| j.as_str() == "and") {
            said = said.replacen(" to ", " and ", 1);
        }
        Some(said)
    }

    #[allow(clippy::too_many_arguments)]
    fn say_date(
        &self,
        weekday: Option<&str>,
        month: &str,
        day: u32,
        to_day: Option<u32>,
        year: Option<&str>,
        day_first: bool,
        after_the: bool,
    ) -> String {
        let ord = |d: u32| self.words.ordinal(&d.to_string());
        let year = year.map(|y| format!(", {}", self.words.year(y))).unwrap_or_default();
        if self.us {
            let weekday = weekday.map(|w| format!("{w}, ")).unwrap_or_default();
            let to = to_day.map(|d| format!(" to {}", ord(d))).unwrap_or_default();
            return format!("{weekday}{month} {}{to}{year}", ord(day));
        }
        let weekday = weekday.map(|w| format!("{w} ")).unwrap_or_default();
        let to = to_day.map(|d| format!(" to the {}", ord(d))).unwrap_or_default();
        if day_first {
            let the = if after_the && weekday.is_empty() { "" } else { "the " };
            format!("{weekday}{the}{}{to} of {month}{year}", ord(day))
        } else {
            format!("{weekday}{month} the {}{to}{year}", ord(day))
        }
    }

    /// "10:05" → "ten oh five"; on the hour "seven o'clock", or in 24-hour style
    /// "eighteen hundred".
    fn clock(&self, h: u32, m: u32, twenty_four: bool) -> String {
        let hour = if h == 0 { "zero".to_owned() } else { self.words.int(i64::from(h)) };
        match m {
            0 if !twenty_four => hour,
            0 if h <= 12 && h > 0 => format!("{hour} o'clock"),
            0 => format!("{hour} hundred"),
            1..=9 => format!("{hour} oh {}", self.words.int(i64::from(m))),
            _ => format!("{hour} {}", self.words.int(i64::from(m))),
        }
    }

    /// "2:03:45" → "two hours, three minutes and forty-five seconds".
    fn duration(&self, h: u32, m: u32, s: u32) -> Option<String> {
        if m > 59 || s > 59 {
            return None;
        }
        let part = |n: u32, unit: &str| {
            let plural = if n == 1 { "" } else { "s" };
            format!("{} {unit}{plural}", self.words.int(i64::from(n)))
        };
        Some(format!("{}, {} and {}", part(h, "hour"), part(m, "minute"), part(s, "second")))
    }
}

/// "Dec" → "December".
pub(super) fn month(name: &str) -> &'static str {
    let name = name.trim_end_matches('.');
    FULL_MONTHS.iter().find(|m| m.starts_with(&name[..name.len().min(3)])).copied().unwrap_or("May")
}

fn weekday(name: &str) -> &'static str {
    const DAYS: [&str; 7] =
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    let name = name.trim_end_matches('.');
    DAYS.iter().find(|d| d.starts_with(&name[..name.len().min(3)])).copied().unwrap_or("Monday")
}

/// Whether `word` names a month (in full or abbreviated).
pub(super) fn is_month(word: &str) -> bool {
    let word = word.trim_end_matches(['.', ',']);
    MONTHS.split('|').any(|m| m == word)
}
