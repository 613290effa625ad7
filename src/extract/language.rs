//! A last-resort guess at the article's language from its most common words, for pages and
//! texts that do not declare one: enough to pick a voice, not a general detector.

/// Very common words that are rare in the other languages listed.
const LANGUAGES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "of", "to", "is", "that", "with", "was", "for", "it", "he", "she",
            "this", "have",
        ],
    ),
    (
        "pt",
        &[
            "não", "uma", "com", "os", "das", "dos", "foi", "para", "que", "mais", "pelo", "ao",
            "são", "também",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "del", "una", "por", "con", "para", "que", "fue", "pero", "más",
            "está", "también",
        ],
    ),
    (
        "fr",
        &[
            "le", "les", "des", "une", "est", "dans", "pour", "pas", "qui", "sur", "avec", "été",
            "aussi", "mais",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "nicht", "ein", "eine", "mit", "auf", "für", "auch",
            "sich", "wird",
        ],
    ),
    (
        "it",
        &[
            "il", "della", "che", "di", "non", "una", "per", "con", "gli", "sono", "anche",
            "questo", "nel", "è",
        ],
    ),
    (
        "nl",
        &[
            "het", "een", "van", "niet", "zijn", "voor", "met", "op", "ook", "maar", "dat",
            "wordt", "naar", "bij",
        ],
    ),
];

/// The language whose common words clearly dominate `text`, if one does: at least eight
/// hits and half as many again as the runner-up.
pub(super) fn guess(text: &str) -> Option<&'static str> {
    let mut counts = vec![0usize; LANGUAGES.len()];
    for word in text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).take(2000) {
        let word = word.to_lowercase();
        for (i, (_, words)) in LANGUAGES.iter().enumerate() {
            counts[i] += usize::from(words.contains(&word.as_str()));
        }
    }
    let mut ranked: Vec<(usize, usize)> = counts.into_iter().enumerate().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let (best, hits) = ranked[0];
    let runner_up = ranked.get(1).map_or(0, |r| r.1);
    (hits >= 8 && hits * 2 >= runner_up * 3).then_some(LANGUAGES[best].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_tell_english_portuguese_and_german_apart() {
        let en = "The council said that the bridge was closed for the day and it is not known when the road will open, as the work is slow.";
        let pt = "O piloto não foi para a corrida, mas a equipe disse que ele também está pronto para a próxima etapa, com mais força e uma nova estratégia dos engenheiros.";
        let de = "Der Rat sagt, dass die Brücke nicht mehr sicher ist und auch für den Verkehr gesperrt wird, bis eine neue Prüfung mit der Stadt auf dem Plan steht.";
        assert_eq!(guess(en), Some("en"));
        assert_eq!(guess(pt), Some("pt"));
        assert_eq!(guess(de), Some("de"));
    }

    #[test]
    fn too_little_text_is_no_guess() {
        assert_eq!(guess("Storm closes bridge"), None);
        assert_eq!(guess(""), None);
    }
}
