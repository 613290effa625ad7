//! Comparing what was heard with what was meant: words of the display text, word error
//! rates after the same normalisation on both sides, and which words failed.

use std::sync::LazyLock;

use regex::Regex;

use super::english;

/// One word of a segment's display text: what a reader sees, where it is, and how it is
/// compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextWord {
    /// The word as the article has it, without surrounding quotes and punctuation.
    pub text: String,
    /// What the recogniser is asked to align: the whitespace-separated token, punctuation
    /// included, typographic quotes made plain.
    pub token: String,
    /// First character (Unicode scalar value) of `text` in the segment's text.
    pub char_start: usize,
    /// One past its last character.
    pub char_end: usize,
    /// Its normalised form for comparisons (empty when normalisation leaves nothing).
    pub unit: String,
    /// Whether it is a plain word a recogniser can be held to: not a URL, handle, hashtag,
    /// e-mail address or emoji string, which are timed but never judged.
    pub judged: bool,
}

/// Characters trimmed from either end of a token to get the word a reader sees.
fn is_edge_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '…'
            | '"'
            | '\''
            | '“'
            | '”'
            | '‘'
            | '’'
            | '«'
            | '»'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '*'
            | '-'
            | '–'
            | '—'
    )
}

static UNJUDGED: LazyLock<Regex> = LazyLock::new(|| {
    // A constant pattern, covered by the tests below.
    #[allow(clippy::expect_used)]
    Regex::new(r"(?i)://|^www\.|@|#|\.(?:com|org|net|co|uk|gov)\b|[\p{Extended_Pictographic}]")
        .expect("valid built-in pattern")
});

/// The words of a segment's display text: whitespace-separated tokens holding a letter or
/// digit (a lone dash or bullet is no word), with their character offsets.
#[must_use]
pub fn display_words(text: &str, english: bool) -> Vec<TextWord> {
    let mut words = Vec::new();
    let mut chars = text.char_indices().enumerate().peekable();
    while let Some((i, (_, c))) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut token = String::from(c);
        let start = i;
        let mut end = i + 1;
        while let Some(&(j, (_, d))) = chars.peek() {
            if d.is_whitespace() {
                break;
            }
            token.push(d);
            end = j + 1;
            chars.next();
        }
        if !token.chars().any(char::is_alphanumeric) {
            continue;
        }
        let lead = token.chars().take_while(|c| is_edge_punctuation(*c)).count();
        let trail = token.chars().rev().take_while(|c| is_edge_punctuation(*c)).count();
        let length = token.chars().count();
        let word: String = token.chars().skip(lead).take(length - lead - trail).collect();
        let plain_token = token.replace(['’', '‘'], "'").replace(['“', '”'], "\"");
        words.push(TextWord {
            unit: unit(&word, english),
            judged: !UNJUDGED.is_match(&token),
            text: word,
            token: plain_token,
            char_start: start + lead,
            char_end: end - trail,
        });
    }
    words
}

/// A word's normalised form, spaces removed ("twenty-two" → "22", "can't" → "cannot").
#[must_use]
pub fn unit(word: &str, english: bool) -> String {
    let normalised = if english { english::normalize(word) } else { basic(word) };
    normalised.split_whitespace().collect()
}

/// The words of normalised text.
#[must_use]
pub fn words(text: &str, english: bool) -> Vec<String> {
    if english {
        english::words(text)
    } else {
        basic(text).split_whitespace().map(str::to_owned).collect()
    }
}

static BRACKETED: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"[<\[][^>\]]*[>\]]|\([^)]+?\)").expect("valid built-in pattern")
});
static SYMBOLS: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"[\p{M}\p{S}\p{P}]").expect("valid built-in pattern")
});

/// Whisper's basic normaliser, for languages other than English: lower case, bracketed
/// asides dropped, marks, symbols and punctuation turned into spaces.
fn basic(text: &str) -> String {
    let lower = text.to_lowercase();
    let unbracketed = BRACKETED.replace_all(&lower, "");
    SYMBOLS.replace_all(&unbracketed, " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How alike two normalised words are: 1 for equal, 0 for nothing in common (one minus
/// the edit distance over the longer length, in characters).
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn similarity(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    1.0 - edit_distance(&a, &b) as f32 / longest as f32
}

fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(x != y);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Word error rate of `heard` against `reference`, both normalised: substitutions,
/// deletions and insertions over the reference's words.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn wer(reference: &[String], heard: &[String]) -> f32 {
    if reference.is_empty() {
        return if heard.is_empty() { 0.0 } else { 1.0 };
    }
    edit_distance(reference, heard) as f32 / reference.len() as f32
}

/// What an expected word was matched with in a transcript.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// Index of the first heard unit it was aligned with.
    pub heard: usize,
    /// How alike they are, 0 to 1.
    pub similarity: f32,
}

/// Align expected units with heard units, word for word: a substitution costs how unalike
/// the two are, a deletion or insertion 1, and a word written as two ("heart stopper") or
/// two as one costs nothing when the letters agree. Returns each expected unit's match.
#[must_use]
pub fn align(expected: &[String], heard: &[String]) -> Vec<Option<Match>> {
    #[derive(Clone, Copy)]
    enum Step {
        Start,
        Delete,
        Insert,
        Substitute,
        Merge,
        Split,
    }
    let (n, m) = (expected.len(), heard.len());
    let mut cost = vec![vec![f32::INFINITY; m + 1]; n + 1];
    let mut step = vec![vec![Step::Start; m + 1]; n + 1];
    cost[0][0] = 0.0;
    let mut relax = |cost: &mut Vec<Vec<f32>>, i: usize, j: usize, c: f32, s: Step| {
        if c < cost[i][j] {
            cost[i][j] = c;
            step[i][j] = s;
        }
    };
    for i in 0..=n {
        for j in 0..=m {
            let here = cost[i][j];
            if !here.is_finite() {
                continue;
            }
            if i < n {
                relax(&mut cost, i + 1, j, here + 1.0, Step::Delete);
            }
            if j < m {
                relax(&mut cost, i, j + 1, here + 1.0, Step::Insert);
            }
            if i < n && j < m {
                let c = 1.0 - similarity(&expected[i], &heard[j]);
                relax(&mut cost, i + 1, j + 1, here + c, Step::Substitute);
                if j + 1 < m
                    && !expected[i].is_empty()
                    && expected[i] == format!("{}{}", heard[j], heard[j + 1])
                {
                    relax(&mut cost, i + 1, j + 2, here, Step::Merge);
                }
                if i + 1 < n
                    && !heard[j].is_empty()
                    && heard[j] == format!("{}{}", expected[i], expected[i + 1])
                {
                    relax(&mut cost, i + 2, j + 1, here, Step::Split);
                }
            }
        }
    }
    let mut matches = vec![None; n];
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        match step[i][j] {
            Step::Start => break,
            Step::Delete => i -= 1,
            Step::Insert => j -= 1,
            Step::Substitute => {
                i -= 1;
                j -= 1;
                matches[i] =
                    Some(Match { heard: j, similarity: similarity(&expected[i], &heard[j]) });
            }
            Step::Merge => {
                i -= 1;
                j -= 2;
                matches[i] = Some(Match { heard: j, similarity: 1.0 });
            }
            Step::Split => {
                i -= 2;
                j -= 1;
                matches[i] = Some(Match { heard: j, similarity: 1.0 });
                matches[i + 1] = Some(Match { heard: j, similarity: 1.0 });
            }
        }
    }
    matches
}

/// Where each expected unit falls in the heard units: the heard index it was aligned with,
/// or, when it was aligned with nothing, the index where it would have been.
#[must_use]
pub fn places(expected: &[String], heard: &[String]) -> Vec<usize> {
    let matches = align(expected, heard);
    let mut places = vec![0; expected.len()];
    let mut next = 0;
    for (i, found) in matches.iter().enumerate() {
        if let Some(found) = found {
            next = found.heard + 1;
            places[i] = found.heard;
        } else {
            places[i] = next.min(heard.len().saturating_sub(1));
        }
    }
    places
}

/// How alike `unit` is to the most alike heard unit within `reach` of `place`, or two
/// neighbouring heard units written together ("we can" for "weakened"). Numbers count only
/// when equal: a different number is a different number, however alike its digits. An
/// ordinal suffix does not count ("18th" for "18"), as dates are read as ordinals.
#[must_use]
pub fn nearby(unit: &str, heard: &[String], place: usize, reach: usize) -> f64 {
    if heard.is_empty() {
        return 0.0;
    }
    let from = place.saturating_sub(reach);
    let to = (place + reach + 1).min(heard.len());
    let mut best = 0.0f64;
    for i in from..to {
        best = best.max(word_similarity(unit, &heard[i]));
        if i + 1 < to {
            best = best.max(word_similarity(unit, &format!("{}{}", heard[i], heard[i + 1])));
        }
    }
    best
}

static ORDINAL: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"^(\d+)(?:st|nd|rd|th)$").expect("valid built-in pattern")
});

fn word_similarity(a: &str, b: &str) -> f64 {
    let a = ORDINAL.replace(a, "$1");
    let b = ORDINAL.replace(b, "$1");
    if a.chars().any(|c| c.is_ascii_digit()) || b.chars().any(|c| c.is_ascii_digit()) {
        return if a == b { 1.0 } else { 0.0 };
    }
    f64::from(similarity(&a, &b))
}

/// Share a transcript of several segments out among them: each heard word goes to the
/// segment of the expected word it was aligned with, and words aligned with nothing go with
/// the word before them (or, at the start, after them). Returns the heard words of each
/// segment, as written.
#[must_use]
pub fn share_out(heard: &str, segments: &[Vec<String>], english: bool) -> Vec<Vec<String>> {
    let written: Vec<&str> = heard.split_whitespace().collect();
    let heard_units: Vec<String> = written.iter().map(|w| unit(w, english)).collect();
    let mut expected = Vec::new();
    let mut owner = Vec::new();
    for (k, units) in segments.iter().enumerate() {
        expected.extend(units.iter().cloned());
        owner.extend(std::iter::repeat_n(k, units.len()));
    }
    let mut assigned: Vec<Option<usize>> = vec![None; written.len()];
    for (i, found) in align(&expected, &heard_units).into_iter().enumerate() {
        if let Some(found) = found {
            assigned[found.heard] = Some(owner[i]);
            // The second half of a word heard as two goes with it.
            if found.heard + 1 < written.len()
                && expected[i]
                    == format!("{}{}", heard_units[found.heard], heard_units[found.heard + 1])
            {
                assigned[found.heard + 1] = Some(owner[i]);
            }
        }
    }
    let mut last = None;
    for a in &mut assigned {
        match a {
            Some(k) => last = Some(*k),
            None => *a = last,
        }
    }
    let mut next = None;
    for a in assigned.iter_mut().rev() {
        match a {
            Some(k) => next = Some(*k),
            None => *a = next,
        }
    }
    let mut out = vec![Vec::new(); segments.len()];
    for (word, a) in written.iter().zip(assigned) {
        if let Some(k) = a.or(segments.len().checked_sub(1)) {
            out[k].push((*word).to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn display_words_skip_dashes_and_trim_quotes_keeping_offsets() {
        let text = "Joe Locke - “Charlie” £1.5m, co-star's";
        let words = display_words(text, true);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["Joe", "Locke", "Charlie", "£1.5m", "co-star's"]);
        let chars: Vec<char> = text.chars().collect();
        for w in &words {
            let slice: String = chars[w.char_start..w.char_end].iter().collect();
            assert_eq!(slice, w.text);
        }
        assert_eq!(words[2].token, "\"Charlie\"");
        assert_eq!(words[3].unit, "£1500000");
    }

    #[test]
    fn links_handles_and_emoji_are_timed_but_not_judged() {
        let words = display_words("See https://t.co/x @someone #tag 🎉yes plain", true);
        let judged: Vec<bool> = words.iter().map(|w| w.judged).collect();
        assert_eq!(judged, [true, false, false, false, false, true]);
    }

    #[test]
    fn wer_counts_edits_over_the_reference() {
        let r = strings(&["the", "cat", "sat"]);
        assert!((wer(&r, &strings(&["the", "cat", "sat"])) - 0.0).abs() < 1e-6);
        assert!((wer(&r, &strings(&["the", "dog", "sat", "down"])) - 2.0 / 3.0).abs() < 1e-6);
        assert!((wer(&r, &[]) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_word_heard_as_two_still_matches() {
        let e = strings(&["heartstopper", "is", "on"]);
        let h = strings(&["heart", "stopper", "is", "on"]);
        let m = align(&e, &h);
        assert_eq!(m[0], Some(Match { heard: 0, similarity: 1.0 }));
        assert_eq!(m[1].as_ref().map(|m| m.heard), Some(2));
    }

    #[test]
    fn a_swapped_word_matches_badly_and_a_dropped_one_not_at_all() {
        let e = strings(&["only", "recently", "dropped", "on", "netflix"]);
        let h = strings(&["government", "recently", "on", "netflix"]);
        let m = align(&e, &h);
        assert!(m[0].as_ref().is_some_and(|m| m.similarity < 0.3));
        assert_eq!(m[2], None);
    }

    #[test]
    fn a_transcript_is_shared_out_among_its_segments() {
        let segments = vec![strings(&["hello", "world"]), strings(&["second", "one"])];
        let parts = share_out("Hello, world! Uh second one.", &segments, true);
        assert_eq!(parts, vec![strings(&["Hello,", "world!", "Uh"]), strings(&["second", "one."])]);
    }
}
