//! Configured regular expressions, compiled only when a text could match them.
//!
//! Compiling the regex crate's automata for the default patterns costs tens of milliseconds
//! (Unicode classes under counted repetition are the expensive part), far more than reading
//! a short article. Most patterns can only match a text that starts with, or contains, one
//! of a few literals ("Listen to", "Picture:", "©"): those literals are taken from the
//! pattern's syntax tree, which is cheap to build, and the automaton is compiled the first
//! time a text passes that test. A one-line input compiles almost nothing; a long page
//! compiles what its blocks need, once per process (clones share the compiled regex).
//!
//! Parsing is not free either: the configuration is checked when it is loaded and again when
//! an extractor is built, so a pattern is parsed once per process and kept by its source.
//! The literal automaton, too, is built only once a pattern has been tested often enough
//! for it to pay: a short input tests each pattern a few times, directly.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, StartKind};
use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind, Look};

/// A pattern checked for syntax, compiled on first need.
#[derive(Clone, Debug)]
pub(super) struct Pattern(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    source: String,
    /// The names of its capture groups.
    capture_names: Vec<String>,
    gate: Gate,
    regex: OnceLock<Option<Regex>>,
}

/// What a text must hold before the pattern is worth running on it.
#[derive(Debug)]
enum Gate {
    /// Nothing cheaper to test: run the regex.
    Always,
    /// Every match starts at the start of the text with one of these literals.
    StartsWith(Literals),
    /// Every match starts with one of these literals, somewhere in the text.
    Contains(Literals),
}

/// A set of literals, searched one by one until the set has been tested often enough to be
/// worth an automaton.
#[derive(Debug)]
struct Literals {
    list: Vec<Vec<u8>>,
    tests: AtomicU32,
    automaton: OnceLock<Option<AhoCorasick>>,
}

/// Tests of a literal set before its automaton is built.
const DIRECT_TESTS: u32 = 16;

impl Literals {
    fn new(list: Vec<Vec<u8>>) -> Literals {
        Literals { list, tests: AtomicU32::new(0), automaton: OnceLock::new() }
    }

    /// Whether `text` starts with (`anchored`) or contains one of the literals.
    fn found_in(&self, text: &str, anchored: bool) -> bool {
        let text = text.as_bytes();
        if self.tests.load(Ordering::Relaxed) < DIRECT_TESTS {
            self.tests.fetch_add(1, Ordering::Relaxed);
            return if anchored {
                self.list.iter().any(|l| text.starts_with(l))
            } else {
                self.list.iter().any(|l| contains(text, l))
            };
        }
        match self.automaton.get_or_init(|| build(&self.list, anchored)) {
            Some(ac) if anchored => ac.is_match(Input::new(text).anchored(Anchored::Yes)),
            Some(ac) => ac.is_match(text),
            // Too many literals for an automaton: search them directly.
            None if anchored => self.list.iter().any(|l| text.starts_with(l)),
            None => self.list.iter().any(|l| contains(text, l)),
        }
    }
}

/// Parse a pattern as the regex crate does, without compiling it.
///
/// # Errors
///
/// The syntax error, on one line.
pub(super) fn parse(pattern: &str) -> Result<Hir, String> {
    regex_syntax::parse(pattern).map_err(|e| one_line(&e.to_string()))
}

/// The names of a pattern's capture groups.
pub(super) fn capture_names(hir: &Hir) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![hir];
    while let Some(hir) = stack.pop() {
        match hir.kind() {
            HirKind::Capture(capture) => {
                names.extend(capture.name.as_deref().map(str::to_owned));
                stack.push(&capture.sub);
            }
            HirKind::Repetition(rep) => stack.push(&rep.sub),
            HirKind::Concat(subs) | HirKind::Alternation(subs) => stack.extend(subs),
            _ => {}
        }
    }
    names
}

impl Pattern {
    /// Check `source`'s syntax and work out its literal gate; the regex itself is compiled
    /// when first needed. The same source gives the same pattern, parsed once per process.
    ///
    /// # Errors
    ///
    /// The syntax error, on one line.
    pub(super) fn new(source: &str) -> Result<Pattern, String> {
        static KNOWN: OnceLock<Mutex<HashMap<String, Pattern>>> = OnceLock::new();
        let known = KNOWN.get_or_init(Mutex::default);
        if let Some(pattern) = known.lock().unwrap_or_else(|e| e.into_inner()).get(source) {
            return Ok(pattern.clone());
        }
        let hir = parse(source)?;
        let pattern = Pattern(Arc::new(Inner {
            source: source.to_owned(),
            capture_names: capture_names(&hir),
            gate: gate(&hir),
            regex: OnceLock::new(),
        }));
        known.lock().unwrap_or_else(|e| e.into_inner()).insert(source.to_owned(), pattern.clone());
        Ok(pattern)
    }

    /// The names of its capture groups.
    pub(super) fn capture_names(&self) -> &[String] {
        &self.0.capture_names
    }

    /// The pattern as configured.
    pub(super) fn as_str(&self) -> &str {
        &self.0.source
    }

    /// The compiled regex, if `text` could match at all.
    fn regex_for(&self, text: &str) -> Option<&Regex> {
        let possible = match &self.0.gate {
            Gate::Always => true,
            Gate::StartsWith(literals) => literals.found_in(text, true),
            Gate::Contains(literals) => literals.found_in(text, false),
        };
        if !possible {
            return None;
        }
        self.0
            .regex
            .get_or_init(|| match Regex::new(&self.0.source) {
                Ok(re) => Some(re),
                Err(e) => {
                    // Only a size limit can fail here: the syntax was checked with the config.
                    tracing::warn!(
                        "pattern {:?} cannot be compiled and never matches: {}",
                        self.0.source,
                        one_line(&e.to_string())
                    );
                    None
                }
            })
            .as_ref()
    }

    /// Whether the pattern matches somewhere in `text`.
    pub(super) fn is_match(&self, text: &str) -> bool {
        self.regex_for(text).is_some_and(|re| re.is_match(text))
    }

    /// The leftmost match in `text`.
    pub(super) fn find<'t>(&self, text: &'t str) -> Option<regex::Match<'t>> {
        self.regex_for(text)?.find(text)
    }

    /// The leftmost match's groups.
    pub(super) fn captures<'t>(&self, text: &'t str) -> Option<regex::Captures<'t>> {
        self.regex_for(text)?.captures(text)
    }
}

/// The literals every match must begin with (at the start of the text, when the pattern
/// is anchored there), or else the literals every match must contain: those a required
/// part of the pattern begins with. The longest shortest literal wins, as the rarest.
fn gate(hir: &Hir) -> Gate {
    let anchored = hir.properties().look_set_prefix().contains(Look::Start);
    let prefixes = literals(hir);
    if anchored && let Some(prefixes) = prefixes {
        return Gate::StartsWith(Literals::new(prefixes));
    }
    let mut best = prefixes;
    let mut parts = vec![hir];
    while let Some(part) = parts.pop() {
        match part.kind() {
            HirKind::Concat(subs) => parts.extend(subs),
            HirKind::Capture(capture) => parts.push(&capture.sub),
            _ => {
                let found = literals(part);
                if found.as_deref().map(shortest) > best.as_deref().map(shortest) {
                    best = found;
                }
            }
        }
    }
    best.map_or(Gate::Always, |l| Gate::Contains(Literals::new(l)))
}

/// The finite set of literals every match of `hir` begins with, if it has one and none is
/// empty.
fn literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

fn shortest(literals: &[Vec<u8>]) -> usize {
    literals.iter().map(Vec::len).min().unwrap_or(0)
}

fn build(literals: &[Vec<u8>], anchored: bool) -> Option<AhoCorasick> {
    // The non-contiguous NFA is the quickest to build, and the texts tested are short.
    let mut builder = AhoCorasick::builder();
    builder.kind(Some(AhoCorasickKind::NoncontiguousNFA));
    if anchored {
        builder.start_kind(StartKind::Anchored);
    }
    builder.build(literals).ok()
}

fn contains(text: &[u8], literal: &[u8]) -> bool {
    literal.is_empty() || text.windows(literal.len()).any(|w| w == literal)
}

fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate_of(pattern: &str) -> &'static str {
        match Pattern::new(pattern).unwrap().0.gate {
            Gate::Always => "always",
            Gate::StartsWith(_) => "starts with",
            Gate::Contains(_) => "contains",
        }
    }

    #[test]
    fn a_pattern_is_not_compiled_until_a_text_could_match_it() {
        // A source no other test uses: patterns are shared by source within the process.
        let p = Pattern::new(r"(?i)^listen to (?:this|the) bulletin\b[^.!?]{0,40}$").unwrap();
        assert!(!p.is_match("The council met on Tuesday."));
        assert!(p.0.regex.get().is_none());
        assert!(p.is_match("LISTEN TO THIS BULLETIN 4 min"));
        assert!(p.0.regex.get().is_some());
    }

    #[test]
    fn anchored_patterns_test_the_start_and_others_the_whole_text() {
        assert_eq!(gate_of(r"(?i)^(?:play|pause)$"), "starts with");
        assert_eq!(gate_of(r"(?:Picture|Credit)s?\s*:\s*\S+$"), "contains");
        assert_eq!(gate_of(r"^.{0,120}[.!?]\s+subscribe"), "contains");
        assert_eq!(gate_of(r"(?i)^(?:published)?\s*\d+ days ago$"), "contains");
        assert_eq!(gate_of(r"^.{0,120}[.!?]\s+\w+$"), "contains");
        assert_eq!(gate_of(r"^\w+$"), "always");
    }

    #[test]
    fn the_gate_never_hides_a_match() {
        let cases = [
            (r"(?i)^(?:watch|video)\b[^.!?]{0,120}$", "Vidéo WATCH", false),
            (r"(?i)^(?:watch|video)\b[^.!?]{0,120}$", "wAtCh the trailer", true),
            (r"(?i)^kommentare?$", "KOMMENTARE", true),
            (r"(?:Picture|Photo)s?\s*:\s*[^.]{1,80}$", "Fans at the gate. Photos: PA", true),
            (r"©\s*[^.!?©]{1,80}$", "Text © 2020 Gazette", true),
            (r"(?i)^straße", "STRASSE", false),
            (r"(?i)^ſtraße", "Straße", true),
            (r"^.{0,20}[.!?]\s+subscribe\b", "Great read. subscribe now", true),
            (r"(?i)^(?:posted)?\s*\d+ days? ago$", "3 DAYS AGO", true),
            (r"(?i)^(?:posted)?\s*\d+ days? ago$", "3 weeks ago", false),
        ];
        for (pattern, text, expected) in cases {
            let p = Pattern::new(pattern).unwrap();
            // Searched directly at first, then by the automaton.
            for _ in 0..DIRECT_TESTS + 2 {
                assert_eq!(p.is_match(text), expected, "{pattern} on {text}");
            }
            assert_eq!(Regex::new(pattern).unwrap().is_match(text), expected, "{pattern}");
        }
    }

    #[test]
    fn a_pattern_is_parsed_once_and_shared_by_its_source() {
        let a = Pattern::new(r"(?i)^(?:tap|click) to (?:hear|play) this\b").unwrap();
        let b = Pattern::new(r"(?i)^(?:tap|click) to (?:hear|play) this\b").unwrap();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        let named = Pattern::new(r"^by (?P<authors>.+)$").unwrap();
        assert_eq!(named.capture_names(), ["authors"]);
    }

    #[test]
    fn capture_names_are_found_at_any_depth() {
        let hir = parse(r"^(?:a(?P<one>b)|(?P<two>c(?P<three>d)+))").unwrap();
        let mut names = capture_names(&hir);
        names.sort();
        assert_eq!(names, ["one", "three", "two"]);
    }

    #[test]
    fn a_syntax_error_is_one_line() {
        let err = Pattern::new("(unclosed").unwrap_err();
        assert!(!err.contains('\n') && err.contains("unclosed"), "{err}");
    }
}
