//! English number words: cardinals, ordinals, years, decimals and digit strings, in British
//! ("one hundred and five") or American ("one hundred five") style.
//!
//! Words come from `num2words`; this module only settles its "and" (which it places
//! inconsistently) and reads what it does not cover (digit strings, decimals).

use num2words::Num2Words;

/// Number words in one English style.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Words {
    /// British: "and" after hundreds ("one hundred and five").
    pub(crate) gb: bool,
}

const SCALES: &[&str] = &["thousand", "million", "billion", "trillion", "quadrillion"];
const DIGITS: [&str; 10] =
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

impl Words {
    /// "1,234" or "1234" → "one thousand two hundred and thirty-four". Digits only (commas
    /// allowed); anything else, or a number too long to say, is read digit by digit.
    pub(crate) fn cardinal(self, digits: &str) -> String {
        let plain: String = digits.chars().filter(|c| *c != ',').collect();
        match plain.parse::<i64>() {
            Ok(n) if plain.len() <= 15 => self.int(n),
            _ => digit_string(&plain, "zero"),
        }
    }

    /// `n` in words.
    pub(crate) fn int(self, n: i64) -> String {
        let words = Num2Words::new(n).to_words().unwrap_or_else(|_| n.to_string());
        self.settle_and(&words)
    }

    /// "21" → "twenty-first".
    pub(crate) fn ordinal(self, digits: &str) -> String {
        match digits.parse::<i64>() {
            Ok(n) if digits.len() <= 15 => {
                let words =
                    Num2Words::new(n).ordinal().to_words().unwrap_or_else(|_| n.to_string());
                self.settle_and(&words)
            }
            _ => digits.to_owned(),
        }
    }

    /// "12.05" → "twelve point zero five"; "1,234.5" too; ".5" → "point five".
    pub(crate) fn decimal(self, number: &str) -> String {
        match number.split_once('.') {
            Some((whole, fraction)) => {
                let whole =
                    if whole.is_empty() { String::new() } else { self.cardinal(whole) + " " };
                format!("{whole}point {}", digit_string(fraction, "zero"))
            }
            None => self.cardinal(number),
        }
    }

    /// A year: "1985" → "nineteen eighty-five", "2005" → "two thousand and five",
    /// "2024" → "twenty twenty-four", "1905" → "nineteen oh five".
    pub(crate) fn year(self, digits: &str) -> String {
        let Ok(n) = digits.parse::<i64>() else { return digits.to_owned() };
        if !(1000..10000).contains(&n) {
            return self.int(n);
        }
        let words = Num2Words::new(n).year().to_words().unwrap_or_else(|_| n.to_string());
        self.settle_and(&words.replace("oh-", "oh "))
    }

    /// "1980" → "nineteen eighties", "2000" → "two thousands", "1300" → "thirteen hundreds".
    pub(crate) fn decade(self, digits: &str) -> String {
        plural_number(&self.year(digits))
    }

    /// The British "and" after a hundred, or the American none.
    fn settle_and(self, words: &str) -> String {
        if !self.gb {
            return words.replace(" and ", " ");
        }
        let mut out = String::with_capacity(words.len() + 8);
        let mut tokens = words.split(' ').peekable();
        while let Some(token) = tokens.next() {
            out.push_str(token);
            if let Some(next) = tokens.peek() {
                out.push(' ');
                if token == "hundred" && *next != "and" && !SCALES.contains(next) {
                    out.push_str("and ");
                }
            }
        }
        out
    }
}

/// Digits one by one: "007" → "zero zero seven" (or "oh oh seven" with `zero = "oh"`).
pub(crate) fn digit_string(digits: &str, zero: &str) -> String {
    let words: Vec<&str> = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| if d == 0 { zero } else { DIGITS[d as usize] })
        .collect();
    words.join(" ")
}

/// "eighty" → "eighties", "six" → "sixes", "hundred" → "hundreds": the plural of a number's
/// last word.
pub(crate) fn plural_number(words: &str) -> String {
    if let Some(stem) = words.strip_suffix('y') {
        format!("{stem}ies")
    } else if words.ends_with('x') {
        format!("{words}es")
    } else {
        format!("{words}s")
    }
}

/// "three" → "thirds" for a fraction's denominator, `None` past tenths.
pub(crate) fn denominator(d: u32, plural: bool) -> Option<&'static str> {
    let (one, many) = match d {
        2 => ("half", "halves"),
        3 => ("third", "thirds"),
        4 => ("quarter", "quarters"),
        5 => ("fifth", "fifths"),
        6 => ("sixth", "sixths"),
        7 => ("seventh", "sevenths"),
        8 => ("eighth", "eighths"),
        9 => ("ninth", "ninths"),
        10 => ("tenth", "tenths"),
        _ => return None,
    };
    Some(if plural { many } else { one })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: Words = Words { gb: true };
    const US: Words = Words { gb: false };

    #[test]
    fn british_numbers_say_and_after_hundreds_and_american_ones_do_not() {
        assert_eq!(GB.cardinal("120"), "one hundred and twenty");
        assert_eq!(GB.cardinal("449,000"), "four hundred and forty-nine thousand");
        assert_eq!(GB.cardinal("1,001"), "one thousand and one");
        assert_eq!(GB.cardinal("100,000"), "one hundred thousand");
        assert_eq!(US.cardinal("120"), "one hundred twenty");
        assert_eq!(US.cardinal("1001"), "one thousand one");
    }

    #[test]
    fn years_decimals_and_decades() {
        assert_eq!(GB.year("1905"), "nineteen oh five");
        assert_eq!(GB.year("2005"), "two thousand and five");
        assert_eq!(US.year("2005"), "two thousand five");
        assert_eq!(GB.decimal("0.05"), "zero point zero five");
        assert_eq!(GB.decade("1980"), "nineteen eighties");
        assert_eq!(GB.decade("2000"), "two thousands");
        assert_eq!(
            GB.cardinal("12345678901234567890"),
            digit_string("12345678901234567890", "zero")
        );
    }
}
