//! Money, percentages and units: "£1.5m" → "one point five million pounds", "5-10%" →
//! "five to ten per cent", "20°C" → "twenty degrees Celsius".

use std::sync::LazyLock;

use regex::Regex;

use super::English;
use crate::segment::normalize::text::{bare, re, replace, token_after, token_before};

const NUM: &str = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?";
const SCALE: &str = r"bn|billion|mn|m|million|k|thousand|tn|trillion";
const CURRENCY: &str = r"US\$|A\$|AU\$|C\$|CA\$|NZ\$|HK\$|S\$|R\$|£|€|\$|¥|₹|₩|₽|₺|₦|(?:USD|EUR|GBP|JPY|CHF|AUD|CAD|CNY|INR)\s?";

static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    let amount = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+,\d\d\b|\d+(?:\.\d+)?";
    re(&format!(
        r"(?P<cur>{CURRENCY})(?P<a>{amount})(?:\s?(?P<as>{SCALE})\b)?(?:\s?(?:-|–|to)\s?(?:{CURRENCY})?(?P<b>{amount})(?:\s?(?P<bs>{SCALE})\b)?)?"
    ))
});
static MINOR: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d+)(?:(p|c)\b|¢)"));
static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?P<a>{NUM})(?:\s?(?:-|–|to)\s?(?P<b>{NUM}))?\s?(?:%|per\s?cent\b|percent\b)(?P<pts>\s(?:percentage\s)?points?\b)?"
    ))
});
static POINTS: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"\b(?P<a>{NUM})\s?(?:pp|ppt|ppts)\b")));
/// Units; single letters only written against the number ("20C", "5g").
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    let spaced = r"km/h|km²|m²|ft²|sq\s?ft|sq\s?m|kWh|MWh|GWh|TWh|mAh|Mbps|Gbps|kbps|mph|kph|mpg|bhp|hp|psi|ppm|dB|kHz|MHz|GHz|Hz|kW|MW|GW|kV|km|cm|mm|mi|ft|yd|kg|mg|lbs|lb|oz|ml|°C|°F|ºC|ºF|KB|kB|MB|GB|TB|mins|min|hrs|hr|secs|sec|ms";
    let attached = r"°|st|m|g|l|L|C|F|W|V|h|s";
    re(&format!(
        r"\b(?P<a>{NUM})(?:\s?(?:-|–|to)\s?(?P<b>{NUM}))?(?:\s?(?P<u>{spaced})|(?P<v>{attached}))(?P<end>[^\w²]|$)"
    ))
});

/// Nouns counted in millions when written "3m people".
const MILLIONS_OF: &[&str] = &[
    "people",
    "users",
    "customers",
    "viewers",
    "listeners",
    "readers",
    "residents",
    "homes",
    "households",
    "voters",
    "jobs",
    "subscribers",
    "tonnes",
    "barrels",
    "years",
    "visitors",
    "passengers",
    "workers",
    "children",
    "adults",
    "patients",
    "cases",
    "doses",
    "copies",
    "downloads",
    "followers",
    "fans",
    "streams",
    "views",
    "votes",
    "tickets",
    "members",
    "migrants",
    "refugees",
    "pupils",
    "students",
    "animals",
    "trees",
    "litres",
    "gallons",
];

impl English<'_> {
    pub(super) fn money(&self, s: &mut String) {
        replace(s, &MONEY, |_, c| {
            let (one, many, minor) = currency(c["cur"].trim(), self.us);
            let a_scale = c.name("as").map(|m| scale(m.as_str()));
            let b_scale = c.name("bs").map(|m| scale(m.as_str()));
            let Some(b) = c.name("b") else {
                return Some(self.amount(&c["a"], a_scale, one, many, minor));
            };
            // "£5-10m": the scale and the currency are said once, after the range.
            let a = match a_scale {
                Some(sc) if Some(sc) != b_scale => format!("{} {sc}", self.number(&c["a"])),
                _ => self.number(&c["a"]),
            };
            let b = match b_scale {
                Some(sc) => format!("{} {sc}", self.number(b.as_str())),
                None => self.number(b.as_str()),
            };
            Some(format!("{a} to {b} {many}"))
        });
        replace(s, &MINOR, |_, c| {
            let n = &c[1];
            let unit = match (c.get(2).map(|m| m.as_str()), n == "1") {
                (Some("p"), true) => "penny",
                (Some("p"), false) => "pence",
                (_, true) => "cent",
                (_, false) => "cents",
            };
            Some(format!("{} {unit}", self.words.cardinal(n)))
        });
    }

    /// An amount in one currency, with its minor unit for two decimals: "£5.50" → "five
    /// pounds fifty", "$0.99" → "ninety-nine cents".
    fn amount(
        &self,
        amount: &str,
        scale: Option<&str>,
        one: &str,
        many: &str,
        minor: Option<(&str, &str)>,
    ) -> String {
        let amount = match amount.split_once(',') {
            // "€3,50": a decimal comma (a thousands comma has three digits after it).
            Some((whole, cents)) if cents.len() == 2 => format!("{whole}.{cents}"),
            _ => amount.to_owned(),
        };
        if let Some(scale) = scale {
            return format!("{} {scale} {many}", self.number(&amount));
        }
        let (whole, cents) = match amount.split_once('.') {
            Some((w, c)) if c.len() == 2 && minor.is_some() => (w, Some(c)),
            Some(_) => return format!("{} {many}", self.number(&amount)),
            None => (amount.as_str(), None),
        };
        let whole_digits = whole.replace(',', "");
        let name = if whole_digits == "1" { one } else { many };
        let cents = cents.map(|c| c.trim_start_matches('0')).filter(|c| !c.is_empty());
        match (cents, minor) {
            (Some(c), Some((minor_one, minor_many)))
                if whole_digits.trim_start_matches('0').is_empty() =>
            {
                let unit = if c == "1" { minor_one } else { minor_many };
                format!("{} {unit}", self.words.cardinal(c))
            }
            (Some(c), Some((minor_one, minor_many))) if c.len() == 1 => {
                let unit = if c == "1" { minor_one } else { minor_many };
                format!(
                    "{} {name} and {} {unit}",
                    self.words.cardinal(whole),
                    self.words.cardinal(c)
                )
            }
            (Some(c), _) => {
                format!("{} {name} {}", self.words.cardinal(whole), self.words.cardinal(c))
            }
            (None, _) => format!("{} {name}", self.words.cardinal(whole)),
        }
    }

    pub(super) fn percentages(&self, s: &mut String) {
        let per_cent = if self.us { "percent" } else { "per cent" };
        replace(s, &PERCENT, |_, c| {
            let a = self.number(&c["a"]);
            let range = c.name("b").map(|b| format!(" to {}", self.number(b.as_str())));
            let tail = if c.name("pts").is_some() { "percentage points" } else { per_cent };
            Some(format!("{a}{} {tail}", range.unwrap_or_default()))
        });
        replace(s, &POINTS, |_, c| Some(format!("{} percentage points", self.number(&c["a"]))));
    }

    pub(super) fn units(&self, s: &mut String) {
        replace(s, &UNIT, |hay, c| {
            let whole = c.get(0)?;
            let (symbol, attached) = match (c.name("u"), c.name("v")) {
                (Some(u), _) => (u.as_str(), false),
                (_, Some(v)) => (v.as_str(), true),
                _ => return None,
            };
            let a = &c["a"];
            let b = c.name("b").map(|b| b.as_str());
            let value = b.unwrap_or(a);
            if attached && symbol == "s" && !value.contains('.') {
                return None;
            }
            let after = bare(token_after(hay, whole.end() - c["end"].len()));
            if symbol == "m" && (value.contains('.') || MILLIONS_OF.contains(&after)) {
                let range = b.map(|b| format!(" to {}", self.number(b))).unwrap_or_default();
                return Some(format!("{}{range} million{}", self.number(a), &c["end"]));
            }
            let before = token_before(hay, whole.start());
            let adjectival = matches!(before, "a" | "an" | "A" | "An") && b.is_none();
            let singular = value == "1" || adjectival;
            let name = unit_name(symbol, singular, self.us)?;
            let range = b.map(|b| format!(" to {}", self.number(b))).unwrap_or_default();
            Some(format!("{}{range} {name}{}", self.number(a), &c["end"]))
        });
    }
}

fn scale(s: &str) -> &'static str {
    match s {
        "bn" | "billion" => "billion",
        "m" | "mn" | "million" => "million",
        "k" | "thousand" => "thousand",
        _ => "trillion",
    }
}

/// A currency's names: one, many, and its minor unit (one, many) if amounts with two
/// decimals are said in it.
fn currency(
    symbol: &str,
    us: bool,
) -> (&'static str, &'static str, Option<(&'static str, &'static str)>) {
    const CENTS: Option<(&str, &str)> = Some(("cent", "cents"));
    match symbol {
        "£" | "GBP" => ("pound", "pounds", Some(("penny", "pence"))),
        "€" | "EUR" => ("euro", "euros", CENTS),
        "US$" | "USD" => ("US dollar", "US dollars", CENTS),
        "A$" | "AU$" | "AUD" => ("Australian dollar", "Australian dollars", CENTS),
        "C$" | "CA$" | "CAD" => ("Canadian dollar", "Canadian dollars", CENTS),
        "NZ$" => ("New Zealand dollar", "New Zealand dollars", CENTS),
        "HK$" => ("Hong Kong dollar", "Hong Kong dollars", CENTS),
        "S$" => ("Singapore dollar", "Singapore dollars", CENTS),
        "R$" => ("real", "reais", None),
        "¥" | "JPY" => ("yen", "yen", None),
        "CNY" => ("yuan", "yuan", None),
        "₹" | "INR" => ("rupee", "rupees", None),
        "₩" => ("won", "won", None),
        "₽" if us => ("ruble", "rubles", None),
        "₽" => ("rouble", "roubles", None),
        "₺" => ("lira", "lira", None),
        "₦" => ("naira", "naira", None),
        "CHF" => ("Swiss franc", "Swiss francs", None),
        _ => ("dollar", "dollars", CENTS),
    }
}

fn unit_name(symbol: &str, singular: bool, us: bool) -> Option<String> {
    let metre = |prefix: &str| {
        let stem = if us { "meter" } else { "metre" };
        format!("{prefix}{stem}")
    };
    let litre = |prefix: &str| {
        let stem = if us { "liter" } else { "litre" };
        format!("{prefix}{stem}")
    };
    // (singular, plural); an empty plural adds "s".
    let (one, many): (String, &str) = match symbol {
        "km/h" | "kph" if singular => (metre("kilo") + " per hour", ""),
        "km/h" | "kph" => return Some(metre("kilo") + "s per hour"),
        "km²" => ("square ".to_owned() + &metre("kilo"), ""),
        "m²" | "sq m" | "sqm" => ("square ".to_owned() + &metre(""), ""),
        "ft²" | "sq ft" | "sqft" => ("square foot".into(), "square feet"),
        "kWh" => ("kilowatt hour".into(), ""),
        "MWh" => ("megawatt hour".into(), ""),
        "GWh" => ("gigawatt hour".into(), ""),
        "TWh" => ("terawatt hour".into(), ""),
        "mAh" => ("milliamp hour".into(), ""),
        "Mbps" => ("megabit per second".into(), "megabits per second"),
        "Gbps" => ("gigabit per second".into(), "gigabits per second"),
        "kbps" => ("kilobit per second".into(), "kilobits per second"),
        "mph" => ("mile per hour".into(), "miles per hour"),
        "mpg" => ("mile per gallon".into(), "miles per gallon"),
        "bhp" => ("brake horsepower".into(), "brake horsepower"),
        "hp" => ("horsepower".into(), "horsepower"),
        "psi" => ("pound per square inch".into(), "pounds per square inch"),
        "ppm" => ("part per million".into(), "parts per million"),
        "dB" => ("decibel".into(), ""),
        "kHz" => ("kilohertz".into(), "kilohertz"),
        "MHz" => ("megahertz".into(), "megahertz"),
        "GHz" => ("gigahertz".into(), "gigahertz"),
        "Hz" => ("hertz".into(), "hertz"),
        "kW" => ("kilowatt".into(), ""),
        "MW" => ("megawatt".into(), ""),
        "GW" => ("gigawatt".into(), ""),
        "kV" => ("kilovolt".into(), ""),
        "W" => ("watt".into(), ""),
        "V" => ("volt".into(), ""),
        "km" => (metre("kilo"), ""),
        "cm" => (metre("centi"), ""),
        "mm" => (metre("milli"), ""),
        "m" => (metre(""), ""),
        "mi" => ("mile".into(), ""),
        "ft" => ("foot".into(), "feet"),
        "yd" => ("yard".into(), ""),
        "kg" => ("kilogram".into(), ""),
        "g" => ("gram".into(), ""),
        "mg" => ("milligram".into(), ""),
        "lb" | "lbs" => ("pound".into(), ""),
        "oz" => ("ounce".into(), ""),
        "st" => ("stone".into(), "stone"),
        "ml" => (litre("milli"), ""),
        "l" | "L" => (litre(""), ""),
        "°C" | "ºC" | "C" => ("degree Celsius".into(), "degrees Celsius"),
        "°F" | "ºF" | "F" => ("degree Fahrenheit".into(), "degrees Fahrenheit"),
        "°" => ("degree".into(), ""),
        "KB" | "kB" => ("kilobyte".into(), ""),
        "MB" => ("megabyte".into(), ""),
        "GB" => ("gigabyte".into(), ""),
        "TB" => ("terabyte".into(), ""),
        "min" | "mins" => ("minute".into(), ""),
        "hr" | "hrs" | "h" => ("hour".into(), ""),
        "sec" | "secs" | "s" => ("second".into(), ""),
        "ms" => ("millisecond".into(), ""),
        _ => return None,
    };
    Some(match (singular, many) {
        (true, _) => one,
        (false, "") => one + "s",
        (false, many) => many.to_owned(),
    })
}
