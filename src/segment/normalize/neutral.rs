//! Rules for every language: invisible characters and emoji, links, handles and hashtags,
//! dashes and bullets, and tokens too long to say.

use std::sync::LazyLock;

use regex::Regex;

use super::text::{re, replace, split_words, token_after, token_before};
use super::{LinkMode, NormalizeConfig};

/// The few words the language-neutral rules say.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LinkWords {
    pub(crate) dot: &'static str,
    pub(crate) at: &'static str,
    pub(crate) hashtag: &'static str,
    pub(crate) number: &'static str,
}

static EMOJI: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u{FE0F}\u{20E3}\u{E0020}-\u{E007F}]+",
    )
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| re(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"));
static URL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(?:https?://|www\.)[^\s<>]+"));
static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|edu|gov|io|co|uk|us|ca|au|de|fr|es|pt|it|nl|eu|info|biz|tv|me|ly|ai|app|dev|news|int|ie|nz|in|br)\b(?:/[^\s<>]*)?",
    )
});
static HANDLE: LazyLock<Regex> = LazyLock::new(|| re(r"(^|[^\w@/])@(\w{1,30})\b"));
static HASHTAG: LazyLock<Regex> = LazyLock::new(|| re(r"(^|[^\w&#/])#(\w+)"));
static SPACED_DASH: LazyLock<Regex> = LazyLock::new(|| re(r"(\S?)\s+[-–—―]+\s+(\S?)"));
static TIGHT_DASH: LazyLock<Regex> = LazyLock::new(|| re(r"(\w)[—―](\w)"));
static EN_DASH: LazyLock<Regex> = LazyLock::new(|| re(r"(\d)–(\d)"));
static LEADING_MARK: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(?:[-–—―•·▪►◦‣*]+\s+|[•▪►◦‣]+)"));
static BULLET: LazyLock<Regex> = LazyLock::new(|| re(r"\s+[•·▪►◦‣|]+\s+"));
static LONG_TOKEN: LazyLock<Regex> = LazyLock::new(|| re(r"\S{65,}"));

/// Links that carry nothing a listener can use: a tweet's picture and its short links.
const UNSPOKEN_HOSTS: &[&str] = &["pic.twitter.com", "t.co"];
/// Domain labels said as words although short.
const SAID_LABELS: &[&str] =
    &["co", "com", "org", "net", "gov", "edu", "info", "news", "app", "int"];

/// Zero-width characters between two words become a space ("Join\u{200B}us" is two
/// words); a soft hyphen disappears; emoji become a space so the words around them stay
/// apart; unusual spaces become plain ones.
pub(crate) fn invisible_and_emoji(s: &mut String) {
    if s.is_ascii() {
        return;
    }
    replace(s, &EMOJI, |_, _| Some(" ".to_owned()));
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\u{00AD}' => {}
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {
                let prev = out.chars().last();
                let next = chars[i + 1..].iter().find(|n| !is_zero_width(**n)).copied();
                let joins_words = prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric);
                let joins_latin = prev.is_some_and(is_latin) && next.is_some_and(is_latin);
                if joins_words
                    && (c == '\u{200B}' || c == '\u{2060}' || c == '\u{FEFF}' || joins_latin)
                {
                    out.push(' ');
                } else if !joins_words && c == '\u{200D}' {
                    // A joiner left from an emoji sequence: nothing.
                }
            }
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                out.push(' ')
            }
            _ => out.push(c),
        }
    }
    *s = out;
}

fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_alphabetic() && (c as u32) < 0x0250)
}

/// E-mail addresses, URLs (their domain only: a path is no use to a listener), @handles and
/// #hashtags.
pub(crate) fn links(s: &mut String, config: &NormalizeConfig, words: LinkWords) {
    if s.contains('@') {
        replace(s, &EMAIL, |_, c| {
            Some(match config.emails {
                LinkMode::Read => {
                    let (local, domain) = c.get(0)?.as_str().split_once('@')?;
                    format!(
                        "{} {} {}",
                        say_local(local, words),
                        words.at,
                        say_domain(domain, words)
                    )
                }
                LinkMode::Drop => String::new(),
            })
        });
    }
    if s.contains('.') {
        let link = |address: &str| -> Option<String> {
            let (address, tail) = trim_link(address);
            let host = address
                .split_once("://")
                .map_or(address, |(_, rest)| rest)
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default();
            let host = host.rsplit('@').next().unwrap_or(host).split(':').next().unwrap_or(host);
            let host = host.strip_prefix("www.").unwrap_or(host);
            if host.is_empty() {
                return None;
            }
            let said = match config.urls {
                LinkMode::Read if !UNSPOKEN_HOSTS.contains(&host.to_ascii_lowercase().as_str()) => {
                    say_domain(host, words)
                }
                _ => String::new(),
            };
            Some(format!("{said}{tail}"))
        };
        replace(s, &URL, |_, c| link(c.get(0)?.as_str()));
        replace(s, &DOMAIN, |hay, c| {
            let m = c.get(0)?;
            // Not part of an abbreviation ("e.g.") or a file name: the letter before is no dot.
            if hay[..m.start()].ends_with(['.', '@', '/']) {
                return None;
            }
            link(m.as_str())
        });
    }
    if s.contains('@') {
        replace(s, &HANDLE, |_, c| Some(format!("{}{} {}", &c[1], words.at, split_words(&c[2]))));
    }
    if s.contains('#') {
        replace(s, &HASHTAG, |hay, c| {
            let m = c.get(0)?;
            let tag = &c[2];
            if tag.chars().all(|ch| ch.is_ascii_digit()) {
                return Some(format!("{}{} {tag}", &c[1], words.number));
            }
            // Used as a word in running prose ("the #TravelCorridor list"): just the words.
            let before = token_before(hay, m.start() + c[1].len());
            let after = token_after(hay, m.end());
            let in_prose = before.chars().next().is_some_and(char::is_lowercase)
                && after.chars().next().is_some_and(char::is_lowercase);
            let words_of = split_words(tag);
            Some(if in_prose {
                format!("{}{words_of}", &c[1])
            } else {
                format!("{}{} {words_of}", &c[1], words.hashtag)
            })
        });
    }
}

/// A link without the punctuation that ends the sentence around it.
fn trim_link(address: &str) -> (&str, &str) {
    let trimmed =
        address.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'', '’', '”', '"']);
    (trimmed, &address[trimmed.len()..])
}

/// "bbc.co.uk" → "B B C dot co dot U K".
fn say_domain(host: &str, words: LinkWords) -> String {
    let labels: Vec<String> = host
        .split('.')
        .filter(|l| !l.is_empty())
        .map(|label| {
            let plain = label.replace('-', " ");
            let letters_only = label.chars().all(|c| c.is_ascii_alphabetic());
            let lower = label.to_ascii_lowercase();
            if letters_only
                && !SAID_LABELS.contains(&lower.as_str())
                && (label.len() <= 3 || !super::text::pronounceable(label))
                && label.len() <= 5
            {
                let letters: Vec<String> =
                    lower.to_ascii_uppercase().chars().map(String::from).collect();
                letters.join(" ")
            } else {
                plain
            }
        })
        .collect();
    labels.join(&format!(" {} ", words.dot))
}

/// "john.smith" → "john dot smith".
fn say_local(local: &str, words: LinkWords) -> String {
    let mut out = String::new();
    for c in local.chars() {
        match c {
            '.' => out.push_str(&format!(" {} ", words.dot)),
            '_' | '-' | '+' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Dashes between words are a pause ("Actor - Role" → "Actor, Role"); between figures a
/// range stays a hyphen for the number rules; bullets and a leading dash go.
pub(crate) fn dashes(s: &mut String) {
    if !s.contains(['-', '–', '—', '―', '•', '·', '▪', '►', '◦', '‣', '|', '*']) {
        return;
    }
    replace(s, &LEADING_MARK, |_, _| Some(String::new()));
    replace(s, &SPACED_DASH, |_, c| {
        let (a, b) = (&c[1], &c[2]);
        let digits = a.chars().all(|c| c.is_ascii_digit()) && b.chars().all(|c| c.is_ascii_digit());
        Some(if digits && !a.is_empty() && !b.is_empty() {
            format!("{a}-{b}")
        } else {
            format!("{a}, {b}")
        })
    });
    replace(s, &TIGHT_DASH, |_, c| Some(format!("{}, {}", &c[1], &c[2])));
    replace(s, &EN_DASH, |_, c| Some(format!("{}-{}", &c[1], &c[2])));
    replace(s, &BULLET, |_, _| Some(", ".to_owned()));
}

/// A token too long to be a word (a tracking code, a run-together string) is split at its
/// punctuation, and what is still too long into pieces, so no request is refused for it.
pub(crate) fn long_tokens(s: &mut String) {
    if s.len() < 65 {
        return;
    }
    replace(s, &LONG_TOKEN, |_, c| {
        let m = c.get(0)?;
        let (token, tail) = trim_link(m.as_str());
        let mut pieces = Vec::new();
        for part in
            token.split(|ch: char| !ch.is_alphanumeric() && ch != '\'').filter(|p| !p.is_empty())
        {
            let chars: Vec<char> = part.chars().collect();
            for piece in chars.chunks(32) {
                pieces.push(piece.iter().collect::<String>());
            }
        }
        Some(format!("{}{tail}", pieces.join(" ")))
    });
}
