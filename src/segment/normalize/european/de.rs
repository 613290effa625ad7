//! German number words ("einundzwanzig", "neunzehnhundertfünfundachtzig", "dritten").

use super::Tongue;

pub(crate) struct German;

const SMALL: [&str; 20] = [
    "null",
    "eins",
    "zwei",
    "drei",
    "vier",
    "fünf",
    "sechs",
    "sieben",
    "acht",
    "neun",
    "zehn",
    "elf",
    "zwölf",
    "dreizehn",
    "vierzehn",
    "fünfzehn",
    "sechzehn",
    "siebzehn",
    "achtzehn",
    "neunzehn",
];
const TENS: [&str; 10] = [
    "", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig",
];

/// 1..999 as the first part of a compound: "ein" for one ("einhundert", "eintausend").
fn below_thousand(n: u64, last: bool) -> String {
    let (h, rest) = (n / 100, n % 100);
    let mut out = String::new();
    if h > 0 {
        out.push_str(if h == 1 { "ein" } else { SMALL[h as usize] });
        out.push_str("hundert");
    }
    if rest > 0 {
        out.push_str(&below_hundred(rest, last));
    }
    out
}

fn below_hundred(n: u64, last: bool) -> String {
    match n {
        1 if last => "eins".to_owned(),
        1 => "ein".to_owned(),
        0..=19 => SMALL[n as usize].to_owned(),
        _ => {
            let (t, u) = (n / 10, n % 10);
            if u == 0 {
                TENS[t as usize].to_owned()
            } else {
                let unit = if u == 1 { "ein" } else { SMALL[u as usize] };
                format!("{unit}und{}", TENS[t as usize])
            }
        }
    }
}

fn cardinal(n: u64) -> String {
    if n == 0 {
        return "null".into();
    }
    let mut parts = Vec::new();
    let mut rest = n;
    for (value, one, many) in [
        (1_000_000_000_000, "Billion", "Billionen"),
        (1_000_000_000, "Milliarde", "Milliarden"),
        (1_000_000, "Million", "Millionen"),
    ] {
        let count = rest / value;
        if count > 0 {
            parts.push(if count == 1 {
                format!("eine {one}")
            } else {
                format!("{} {many}", cardinal(count))
            });
            rest %= value;
        }
    }
    let mut small = String::new();
    if rest >= 1000 {
        small.push_str(&below_thousand(rest / 1000, false));
        small.push_str("tausend");
        rest %= 1000;
    }
    if rest > 0 {
        small.push_str(&below_thousand(rest, true));
    }
    if !small.is_empty() {
        parts.push(small);
    }
    parts.join(" ")
}

impl Tongue for German {
    fn cardinal(&self, n: u64) -> String {
        cardinal(n)
    }

    fn before_noun(&self, n: u64, noun: &str) -> String {
        // "ein Euro", "eine Million": the bare "eins" only counts.
        const FEMININE: &[&str] = &[
            "Million",
            "Milliarde",
            "Stunde",
            "Woche",
            "Person",
            "Frau",
            "Minute",
            "Sekunde",
            "Tonne",
        ];
        match n {
            1 if FEMININE.contains(&noun) => "eine".into(),
            1 => "ein".into(),
            _ => cardinal(n),
        }
    }

    fn ordinal(&self, n: u64, ending: &str) -> String {
        let r = n % 100;
        let stem = if (1..=19).contains(&r) {
            let head = if n > r { cardinal(n - r) } else { String::new() };
            let small = match r {
                1 => "erst".to_owned(),
                3 => "dritt".to_owned(),
                7 => "siebt".to_owned(),
                8 => "acht".to_owned(),
                _ => format!("{}t", SMALL[r as usize]),
            };
            format!("{head}{small}")
        } else {
            format!("{}st", cardinal(n))
        };
        format!("{stem}{ending}")
    }

    fn year(&self, n: u64) -> String {
        if (1100..2000).contains(&n) {
            let rest = n % 100;
            let tail = if rest == 0 { String::new() } else { below_hundred(rest, true) };
            return format!("{}hundert{tail}", SMALL[(n / 100) as usize]);
        }
        cardinal(n)
    }

    fn words(&self) -> &'static super::Words {
        &super::Words {
            comma: "Komma",
            percent: "Prozent",
            minus: "minus",
            degrees: "Grad Celsius",
            months: [
                "Januar",
                "Februar",
                "März",
                "April",
                "Mai",
                "Juni",
                "Juli",
                "August",
                "September",
                "Oktober",
                "November",
                "Dezember",
            ],
            million: ("Million", "Millionen"),
            billion: ("Milliarde", "Milliarden"),
        }
    }

    fn currency(&self, symbol: &str, plural: bool) -> (&'static str, &'static str) {
        let _ = plural;
        match symbol {
            "£" => ("Pfund", "Pence"),
            "$" | "US$" | "USD" => ("Dollar", "Cent"),
            "CHF" | "Fr." => ("Franken", "Rappen"),
            _ => ("Euro", "Cent"),
        }
    }

    fn money(&self, whole: String, unit: &str, cents: Option<String>, _minor: &str) -> String {
        match cents {
            Some(c) => format!("{whole} {unit} {c}"),
            None => format!("{whole} {unit}"),
        }
    }

    fn date(&self, day: u64, month: &str, year: Option<u64>, before: &str) -> String {
        let ending = match before.to_lowercase().as_str() {
            "am" | "vom" | "zum" | "im" | "beim" | "dem" | "den" | "seit" | "bis" | "ab"
            | "des" => "en",
            "der" | "die" | "das" => "e",
            _ => "er",
        };
        let year = year.map(|y| format!(" {}", self.year(y))).unwrap_or_default();
        format!("{} {month}{year}", self.ordinal(day, ending))
    }

    fn time(&self, h: u64, m: u64) -> String {
        let hour = if h == 1 { "ein".to_owned() } else { cardinal(h) };
        if m == 0 { format!("{hour} Uhr") } else { format!("{hour} Uhr {}", cardinal(m)) }
    }

    fn ordinal_ending(&self, before: &str, _marker: &str) -> &'static str {
        match before.to_lowercase().as_str() {
            "der" | "die" | "das" => "e",
            "ein" => "er",
            "am" | "vom" | "zum" | "im" | "beim" | "dem" | "den" | "des" | "zur" | "einen"
            | "seinem" | "ihrem" => "en",
            _ => "e",
        }
    }
}
