//! Signs that a word is not English, or that espeak-ng's rules guessed it badly. Each is
//! weak alone; `names` flags a word only when espeak-ng also had no dictionary entry for it.

use std::sync::LazyLock;

use regex::Regex;

/// Letter patterns English spelling seldom has, each with what it suggests.
static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"^x", "x at the start (said /ʃ/ in Chinese pinyin, /s/ or /ʃ/ elsewhere)"),
        (r"q(?:[^u]|$)", "q without u"),
        (
            r"^(?:ng|mb|nd|nk|mw|ts|tz|dz|zh|zv|sr|tl|hl|hr|bh|dh|kh|vl|pf|cs)",
            "a consonant cluster no English word starts with",
        ),
        (r"cz|sz|zs|rz|tx|xh|zh|kh|gj|jj|ij|aa|ii|uu|ao", "letters that rarely meet in English"),
        (r"[^aeiouy]y[aeiou]", "consonant, y and vowel together (as in Pandya)"),
        (r"[^e][iou]$|^[iou]$", "a final -i, -o or -u (as in Spanish, Italian, Japanese or West African names)"),
        (
            r"^[aeiou]?(?:[bcdfghjklmnprstvwyz][aeiou]){3,}$",
            "one consonant and one vowel per syllable throughout (as in Yoruba, Japanese or Italian names)",
        ),
    ]
    .into_iter()
    .filter_map(|(pattern, why)| Some((Regex::new(pattern).ok()?, why)))
    .collect()
});

/// Signs in a word's letters.
pub(super) fn letters(word: &str) -> Vec<String> {
    let lower = word.to_lowercase();
    let mut signs = Vec::new();
    if let Some(c) = lower.chars().find(|c| c.is_alphabetic() && !c.is_ascii()) {
        signs.push(format!("a letter English does not use ({c})"));
    }
    for part in lower.split(['-', '‐', '\'', '’']).filter(|p| p.len() > 1) {
        for (pattern, why) in PATTERNS.iter() {
            if pattern.is_match(part) && !signs.iter().any(|s| s == why) {
                signs.push((*why).to_owned());
            }
        }
    }
    signs
}

/// espeak-ng puts a secondary stress on a late syllable of words it spells out by rule
/// ("Donovan" dˈɒnəvˌan, "Julio" dʒˈuːlɪˌəʊ), which English names seldom have.
pub(super) fn stress(said: &str) -> Option<String> {
    let last = said.rfind(['ˈ', 'ˌ'])?;
    (said[last..].starts_with('ˌ') && said[..last].contains('ˈ')).then(|| {
        format!("stressed late ({said}), as espeak-ng's rules do with words they do not know")
    })
}

/// Vowel groups, roughly syllables: "Oshunremi" 4, "Heartstopper" 3 (a final silent e is not one).
pub(super) fn syllables(word: &str) -> usize {
    word.split(['-', '‐']).map(part_syllables).max().unwrap_or(0)
}

fn part_syllables(word: &str) -> usize {
    let lower = word.to_lowercase();
    let letters: Vec<char> = lower.chars().filter(|c| c.is_alphabetic()).collect();
    let vowel = |i: usize| {
        let c = letters[i];
        "aeiouáéíóúàèìòùâêîôûäëïöü".contains(c)
            || (c == 'y' && i > 0 && !"aeiou".contains(letters[i - 1]))
    };
    let mut count = 0;
    for i in 0..letters.len() {
        if vowel(i) && (i == 0 || !vowel(i - 1)) {
            count += 1;
        }
    }
    let silent_e = letters.len() > 2 && letters.ends_with(&['e']) && !vowel(letters.len() - 2);
    if silent_e && count > 1 { count - 1 } else { count }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_other_languages_show_signs_and_english_ones_do_not() {
        for foreign in [
            "Xu",
            "Akinade",
            "Fisayo",
            "Oshunremi",
            "Ajayi",
            "Pandya",
            "Julio",
            "Siobhán",
            "Nguyen",
            "Qin",
            "Przybylski",
        ] {
            assert!(!letters(foreign).is_empty(), "{foreign} shows no sign");
        }
        for english in [
            "Connor",
            "Locke",
            "Henderson",
            "Olivia",
            "Oseman",
            "Turkington",
            "Jenny",
            "Walters",
            "Spring",
            "Nelson",
            "Hyde-Corrin",
            "O'Brien",
        ] {
            assert_eq!(letters(english), Vec::<String>::new(), "{english}");
        }
    }

    #[test]
    fn a_late_secondary_stress_is_a_sign_but_an_early_one_is_not() {
        assert!(stress("dˈɒnəvˌan").is_some());
        assert!(stress("bˌɔːldɪɹˈɑːmə").is_none());
        assert!(stress("kˈɒnə").is_none());
    }

    #[test]
    fn syllables_are_counted_without_a_silent_final_e() {
        let counts: Vec<usize> = [
            "Oshunremi",
            "Heartstopper",
            "Locke",
            "Marylebone",
            "Akinade",
            "Yasmin",
            "Hyde-Corrin",
        ]
        .iter()
        .map(|w| syllables(w))
        .collect();
        assert_eq!(counts, [4, 3, 1, 4, 3, 2, 2]);
    }
}
