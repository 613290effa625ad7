//! Small tools the rule sets share: compiled patterns, replacement with context, the words
//! around a match, and tidying what is sent.

use regex::{Captures, Regex};

/// Compile a built-in pattern.
pub(crate) fn re(pattern: &str) -> Regex {
    // The patterns are constants, each exercised by the normalisation tests.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("valid built-in pattern")
}

/// Replace every match of `pattern` in `text` by what `f` returns for it; `None` keeps the
/// match as it is. `f` also gets the whole text, to look at the words around the match.
pub(crate) fn replace(
    text: &mut String,
    pattern: &Regex,
    mut f: impl FnMut(&str, &Captures<'_>) -> Option<String>,
) {
    let replaced = {
        let hay = text.as_str();
        let mut out: Option<String> = None;
        let mut last = 0;
        for c in pattern.captures_iter(hay) {
            let Some(m) = c.get(0) else { continue };
            if let Some(with) = f(hay, &c) {
                let o = out.get_or_insert_with(|| String::with_capacity(hay.len() + 32));
                o.push_str(&hay[last..m.start()]);
                o.push_str(&with);
                last = m.end();
            }
        }
        out.map(|mut o| {
            o.push_str(&hay[last..]);
            o
        })
    };
    if let Some(r) = replaced {
        *text = r;
    }
}

/// The whitespace-separated token just before byte `pos` (punctuation included), or "".
pub(crate) fn token_before(hay: &str, pos: usize) -> &str {
    let head = hay[..pos].trim_end();
    head.rsplit(char::is_whitespace).next().unwrap_or_default()
}

/// The whitespace-separated token starting after byte `end`, or "".
pub(crate) fn token_after(hay: &str, end: usize) -> &str {
    hay[end..].split_whitespace().next().unwrap_or_default()
}

/// `token` without punctuation around it: `"(Smith,"` → `Smith`.
pub(crate) fn bare(token: &str) -> &str {
    token.trim_matches(|c: char| !c.is_alphanumeric())
}

/// Whether `token` is one capitalised word with nothing after it: "Baker" (not "Baker,").
pub(crate) fn is_capitalised_word(token: &str) -> bool {
    let token = token.trim_start_matches(['(', '"', '“', '‘', '\'']);
    token.chars().next().is_some_and(char::is_uppercase)
        && token.chars().last().is_some_and(|c| c.is_alphanumeric() || c == '\'' || c == '’')
}

/// Whether only closing punctuation and spaces follow byte `end`: the match ends the text.
pub(crate) fn at_end(hay: &str, end: usize) -> bool {
    hay[end..].chars().all(|c| c.is_whitespace() || matches!(c, '"' | '”' | '’' | '\'' | ')' | ']'))
}

/// Split a run-together name for saying: "TravelCorridor" → "Travel Corridor",
/// "my_name" → "my name", "BBCNews" → "BBC News".
pub(crate) fn split_words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            out.push(' ');
            continue;
        }
        if i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = (c.is_uppercase() && (prev.is_lowercase() || prev.is_ascii_digit()))
                || (c.is_uppercase() && prev.is_uppercase() && next_lower)
                || (c.is_ascii_digit() && prev.is_alphabetic())
                || (c.is_alphabetic() && prev.is_ascii_digit());
            if boundary {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

const ONSETS: &[&str] = &[
    "bl", "br", "ch", "cl", "cr", "dr", "dw", "fl", "fr", "gl", "gr", "kl", "kn", "kr", "ph", "pl",
    "pr", "qu", "sc", "sh", "sk", "sl", "sm", "sn", "sp", "st", "sw", "th", "tr", "tw", "wh", "wr",
    "chr", "sch", "scr", "shr", "spl", "spr", "str", "thr", "squ",
];
const CODAS: &[&str] = &[
    "ch", "ck", "ct", "ds", "ft", "ld", "lf", "lk", "ll", "lm", "lp", "ls", "lt", "mb", "mp", "ms",
    "nd", "ng", "nk", "ns", "nt", "ps", "pt", "rb", "rc", "rd", "rf", "rg", "rk", "rl", "rm", "rn",
    "rp", "rs", "rt", "sh", "sk", "sp", "ss", "st", "th", "ts", "tz", "xt", "ws", "wn", "gs", "ks",
    "bs", "ys", "lls", "nds", "nts", "rts", "rds", "sts", "nch", "rch", "tch", "lds", "sks", "ngs",
];

/// Whether a word in capitals can be said as a word ("NATO", "SCORES") rather than spelled
/// ("RSPCA", "OECD"): English-looking onsets, codas and vowel runs.
pub(crate) fn pronounceable(word: &str) -> bool {
    let w: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    if w.len() >= 7 {
        return true;
    }
    let is_vowel = |i: usize| matches!(w[i], 'a' | 'e' | 'i' | 'o' | 'u') || (w[i] == 'y' && i > 0);
    let mut runs: Vec<(bool, String)> = Vec::new();
    for (i, c) in w.iter().enumerate() {
        let v = is_vowel(i);
        match runs.last_mut() {
            Some((kind, run)) if *kind == v => run.push(*c),
            _ => runs.push((v, c.to_string())),
        }
    }
    if !runs.iter().any(|(v, _)| *v) {
        return false;
    }
    let last = runs.len() - 1;
    runs.iter().enumerate().all(|(i, (vowel, run))| {
        let n = run.chars().count();
        if *vowel {
            return n <= 2;
        }
        if n == 1 {
            return true;
        }
        if i == 0 {
            ONSETS.contains(&run.as_str())
        } else if i == last {
            CODAS.contains(&run.as_str())
        } else {
            n <= 3
        }
    })
}

/// `text` with its first letter in capitals.
pub(crate) fn capitalise_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Single spaces, no space before a comma or full stop, no doubled or leading commas.
pub(crate) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        let word_starts_with_stop = word.starts_with([',', '.', ';', ':', '!', '?']);
        if word_starts_with_stop && !out.is_empty() {
            // " , x" → ", x"; ", , x" → ", x"
            if word.starts_with(',') && out.ends_with([',', '.', ';', ':', '!', '?']) {
                let rest = word.trim_start_matches(',');
                if rest.is_empty() {
                    continue;
                }
                out.push(' ');
                out.push_str(rest);
                continue;
            }
            if out.ends_with(',') && word.starts_with(['.', '!', '?', ';', ':']) {
                out.pop();
            }
            out.push_str(word);
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    let out = out.trim_start_matches([',', ';', ' ']).trim_end_matches([',', ';', ' ']);
    out.replace(",,", ",").replace(",.", ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_together_names_are_split_at_capitals_and_underscores() {
        assert_eq!(split_words("TravelCorridor"), "Travel Corridor");
        assert_eq!(split_words("MethWeAreOnIt"), "Meth We Are On It");
        assert_eq!(split_words("_orabora"), "orabora");
        assert_eq!(split_words("BBCNews"), "BBC News");
    }

    #[test]
    fn capitals_that_read_as_words_are_told_from_those_to_spell() {
        for word in ["NASA", "NATO", "OPEC", "UEFA", "AIDS", "CERN", "SCORES", "UKIP", "FALLS"] {
            assert!(pronounceable(word), "{word}");
        }
        for word in ["RSPCA", "OECD", "NSPCC", "HMRC", "IAEA", "LGBTQ", "FTSE", "DVLA"] {
            assert!(!pronounceable(word), "{word}");
        }
    }

    #[test]
    fn tidying_leaves_single_spaces_and_no_stray_commas() {
        assert_eq!(tidy(" , Actor ,  Role , ."), "Actor, Role.");
        assert_eq!(tidy("a ,, b"), "a, b");
    }
}
