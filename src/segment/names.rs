//! The proper nouns of an article: the names an editor should check a voice says right.
//!
//! A name is a capitalised word, or a run of them ("Alice Oseman", "Ludwig van Beethoven"),
//! that is not just capitalised because it starts a sentence: it appears capitalised
//! mid-sentence, or is several words long, or recurs and is never written in lower case.
//! Function words, titles, days and months are not names ("Mr Ajayi" lists "Ajayi"), nor are
//! all-capital acronyms, which normalisation reads by its own rules. A word seen alone that
//! is part of a longer name ("Oseman" beside "Alice Oseman") is counted with that name.

use std::collections::{HashMap, HashSet};

use crate::model::{Article, BlockKind};

use super::SentenceSplitter;

/// One name and how often it occurs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProperNoun {
    /// As written, without a possessive `'s`.
    pub name: String,
    /// Occurrences, including those of its words alone.
    pub count: usize,
}

/// Words that are capitalised only at the start of a sentence, and titles before a name.
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    "A", "About", "After", "Again", "Against", "All", "Almost", "Already", "Also", "Although",
    "Always", "Am", "Among", "An", "And", "Another", "Any", "Are", "Around", "As", "At",
    "Because", "Been", "Before", "Being", "Below", "Between", "Both", "But", "By", "Can",
    "Could", "Did", "Do", "Does", "Doing", "Down", "During", "Each", "Either", "Even", "Ever",
    "Every", "Few", "For", "From", "Had", "Has", "Have", "Having", "He", "Her", "Here", "Hers",
    "Herself", "Him", "Himself", "His", "How", "However", "I", "If", "In", "Indeed", "Instead",
    "Into", "Is", "It", "Its", "Itself", "Just", "Like", "Many", "May", "Maybe", "Me",
    "Meanwhile", "Might", "Mine", "More", "Moreover", "Most", "Much", "Must", "My", "Myself",
    "Neither", "Never", "Nevertheless", "No", "Nor", "Not", "Now", "Of", "Off", "Often", "On",
    "Once", "Only", "Or", "Other", "Our", "Ours", "Out", "Over", "Perhaps", "Please", "Rather",
    "Several", "Shall", "She", "Should", "Since", "So", "Some", "Still", "Such", "Than",
    "That", "The", "Their", "Theirs", "Them", "Then", "There", "Therefore", "These", "They",
    "This", "Those", "Though", "Through", "Thus", "To", "Too", "Under", "Unlike", "Until", "Up",
    "Upon", "Us", "Very", "Was", "We", "Were", "What", "Whatever", "When", "Whenever", "Where",
    "Whether", "Which", "While", "Who", "Whom", "Whose", "Why", "Will", "With", "Within",
    "Without", "Would", "Yes", "Yet", "You", "Your", "Yours", "Yourself",
    // Verbs and adverbs that start sentences (and headings, and promo lines) in the news.
    "Find", "Read", "Watch", "See", "Listen", "Look", "Click", "Sign", "Get", "Take", "Make",
    "Let", "Follow", "Share", "Subscribe", "Today", "Tonight", "Yesterday", "Tomorrow", "Last",
    "Next", "Earlier", "Later", "Here's", "There's", "Update", "Updated", "Breaking", "Live",
    // Titles: the name is what follows.
    "Mr", "Mrs", "Ms", "Mx", "Miss", "Dr", "Prof", "Professor", "Sir", "Dame", "Lord", "Lady",
    "Rev", "Reverend", "Coach", "Captain", "Capt", "Sgt", "Sergeant", "Gen", "General",
    "President", "Prime", "Minister", "Chancellor", "Secretary", "Senator", "Sen", "Rep",
    "Governor", "Gov", "Mayor", "Judge", "Justice", "King", "Queen", "Prince", "Princess",
    "Pope", "Father", "Sister", "Brother", "Uncle", "Aunt", "Detective", "Inspector", "Officer",
    // Days and months are names nobody needs to check.
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "June", "July", "August", "September", "October",
    "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
    "Oct", "Nov", "Dec",
];

/// Lower-case words that join the parts of one name.
#[rustfmt::skip]
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "dos", "das", "le", "la",
    "bin", "ibn", "al", "el", "ter", "zu",
];

/// A word of the text and where it stands.
struct Token<'t> {
    text: &'t str,
    /// First word of a sentence or clause, or right after an opening quote.
    initial: bool,
    /// Joined to the previous word by whitespace alone (no punctuation between).
    joined: bool,
}

/// The proper nouns of `article`'s spoken blocks, in order of first appearance.
#[must_use]
pub fn proper_nouns(article: &Article, splitter: &SentenceSplitter) -> Vec<ProperNoun> {
    let mut lower: HashSet<String> = HashSet::new();
    // Each run of capitalised words: its words, whether it starts a sentence or clause, and
    // whether it is in a Title Case heading.
    let mut found: Vec<(Vec<&str>, bool, bool)> = Vec::new();
    for (_, block) in article.spoken() {
        let title_case = matches!(block.kind, BlockKind::Headline | BlockKind::Heading)
            && looks_title_cased(&block.text);
        for sentence in splitter.split(&block.text) {
            let tokens = tokenize(sentence);
            for t in &tokens {
                if t.text.starts_with(char::is_lowercase) {
                    lower.insert(t.text.to_owned());
                }
            }
            for run in runs(&tokens) {
                found.push((run.iter().map(|t| t.text).collect(), run[0].initial, title_case));
            }
        }
    }
    // Words seen capitalised where a sentence start cannot explain it.
    let mid: HashSet<&str> = found
        .iter()
        .filter(|(_, _, title_case)| !title_case)
        .flat_map(|(words, initial, _)| words.iter().skip(usize::from(*initial)))
        .copied()
        .collect();
    // (name, strong): strong when it cannot be a capitalised sentence start.
    let mut seen: Vec<(String, bool)> = Vec::new();
    for (mut words, mut initial, title_case) in found {
        // "Creator Oseman said": a capital that only starts sentences, of a word also
        // written in lower case, is no part of the name ("Keir Starmer said" keeps "Keir").
        if initial
            && words.len() > 1
            && !mid.contains(words[0])
            && lower.contains(&words[0].to_lowercase())
        {
            words.remove(0);
            initial = false;
        }
        let strong = !title_case && (words.len() > 1 || !initial);
        seen.push((words.join(" "), strong));
    }
    let strong: HashSet<&str> = seen.iter().filter(|(_, s)| *s).map(|(n, _)| n.as_str()).collect();
    let mut occurrences: HashMap<&str, usize> = HashMap::new();
    for (name, _) in &seen {
        *occurrences.entry(name.as_str()).or_default() += 1;
    }
    // "Starmer said" at the start of a sentence, after "Keir Starmer" elsewhere.
    let name_words: HashSet<&str> =
        strong.iter().filter(|n| n.contains(' ')).flat_map(|n| n.split(' ')).collect();
    let is_name = |name: &str| {
        strong.contains(name)
            || name_words.contains(name)
            || (occurrences.get(name).copied().unwrap_or(0) > 1
                && !lower.contains(&name.to_lowercase()))
    };
    let mut names: Vec<ProperNoun> = Vec::new();
    for (name, _) in &seen {
        if !is_name(name) {
            continue;
        }
        match names.iter_mut().find(|n| n.name == *name) {
            Some(n) => n.count += 1,
            None => names.push(ProperNoun { name: name.clone(), count: 1 }),
        }
    }
    // A word alone that is part of a longer name counts as that name (the first one).
    let mut folded: Vec<ProperNoun> = Vec::new();
    for name in &names {
        let alone = !name.name.contains(' ');
        let host = names.iter().position(|n| {
            n.name.contains(' ') && n.name.split(' ').any(|w| alone && w == name.name)
        });
        match host {
            Some(h) => {
                let host = &names[h].name;
                match folded.iter_mut().find(|f| f.name == *host) {
                    Some(f) => f.count += name.count,
                    None => folded.push(ProperNoun { name: host.clone(), count: name.count }),
                }
            }
            None => match folded.iter_mut().find(|f| f.name == name.name) {
                Some(f) => f.count += name.count,
                None => folded.push(name.clone()),
            },
        }
    }
    folded
}

/// A heading in Title Case capitalises ordinary words, so its capitals prove nothing. In
/// one, only short function words stay in lower case; any other lower-case word means it is
/// written in sentence case.
fn looks_title_cased(text: &str) -> bool {
    const MINOR: &[&str] = &[
        "a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "of", "in", "on", "at",
        "to", "by", "up", "as", "via", "vs", "v", "from", "into", "with", "over",
    ];
    let words: Vec<&str> =
        text.split_whitespace().filter(|w| w.starts_with(char::is_alphabetic)).collect();
    words.len() >= 3
        && words.iter().all(|w| {
            !w.starts_with(char::is_lowercase)
                || MINOR.contains(&w.trim_end_matches(|c: char| !c.is_alphabetic()))
        })
}

fn tokenize(sentence: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut initial = true;
    let mut joined = false;
    let chars: Vec<(usize, char)> = sentence.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_alphanumeric() {
            let mut j = i + 1;
            // Apostrophes and hyphens inside a word: O'Brien, Hyde-Corrin, Oseman's.
            while j < chars.len()
                && (chars[j].1.is_alphanumeric()
                    || (matches!(chars[j].1, '\'' | '’' | '-' | '‐')
                        && chars.get(j + 1).is_some_and(|(_, n)| n.is_alphabetic())))
            {
                j += 1;
            }
            let end = chars.get(j).map_or(sentence.len(), |&(p, _)| p);
            tokens.push(Token { text: &sentence[start..end], initial, joined });
            initial = false;
            joined = true;
            i = j;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Clause openers: what follows may be capitalised for that reason alone.
        if matches!(c, ':' | ';' | '"' | '“' | '‘' | '(' | '[' | '–' | '—' | '•')
            || (c == '-' && chars.get(i + 1).is_some_and(|(_, n)| n.is_whitespace()))
        {
            initial = true;
        }
        joined = false;
        i += 1;
    }
    tokens
}

/// Runs of capitalised words that may be names, with leading function words and titles,
/// possessives, and trailing particles taken off.
fn runs<'a, 't>(tokens: &'a [Token<'t>]) -> Vec<Vec<Token<'t>>> {
    let capitalised = |t: &str| {
        t.starts_with(char::is_uppercase)
            && t.chars().any(char::is_lowercase)
            && !t.chars().any(|c| c.is_ascii_digit())
            && !contraction(t)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !capitalised(tokens[i].text) {
            i += 1;
            continue;
        }
        let mut run =
            vec![Token { text: tokens[i].text, initial: tokens[i].initial, joined: false }];
        let mut j = i + 1;
        while j < tokens.len() && tokens[j].joined && !possessive(run[run.len() - 1].text) {
            let t = &tokens[j];
            let particle = PARTICLES.contains(&t.text)
                && tokens.get(j + 1).is_some_and(|n| n.joined && capitalised(n.text));
            if !(capitalised(t.text) || particle) {
                break;
            }
            run.push(Token { text: t.text, initial: false, joined: true });
            j += 1;
        }
        i = j;
        // "The", "In", "Mr" before a name are not part of it, but do make it mid-sentence.
        let lead =
            run.iter().take_while(|t| FUNCTION_WORDS.contains(&strip_possessive(t.text))).count();
        let mut rest: Vec<Token<'t>> = run.into_iter().skip(lead).collect();
        if rest.is_empty() {
            continue;
        }
        if lead > 0 {
            rest[0].initial = false;
        }
        for t in &mut rest {
            t.text = strip_possessive(t.text);
        }
        out.push(rest);
    }
    out
}

/// "I'll", "Don't", "We've": a word with its verb, not a name.
fn contraction(word: &str) -> bool {
    let Some((_, tail)) = word.rsplit_once(['\'', '’']) else { return false };
    matches!(tail, "ll" | "ve" | "re" | "d" | "m" | "t")
}

fn possessive(word: &str) -> bool {
    strip_possessive(word).len() != word.len()
}

fn strip_possessive(word: &str) -> &str {
    word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Block, Metadata, SourceRef};

    fn article(blocks: &[(BlockKind, &str)]) -> Article {
        Article {
            meta: Metadata::default(),
            source: SourceRef { path: "test.txt".into(), sha256: String::new(), url: None },
            blocks: blocks.iter().map(|(kind, text)| Block::speak(*kind, *text, "test")).collect(),
        }
    }

    fn names(blocks: &[(BlockKind, &str)]) -> Vec<(String, usize)> {
        let splitter = SentenceSplitter::new(&["Mr", "Dr"]);
        proper_nouns(&article(blocks), &splitter).into_iter().map(|n| (n.name, n.count)).collect()
    }

    fn p(text: &str) -> (BlockKind, &str) {
        (BlockKind::Paragraph, text)
    }

    #[test]
    fn multiword_names_and_mid_sentence_capitals_are_names_but_sentence_starts_are_not() {
        let got = names(&[p("The drama is based on Alice Oseman's novels. Its creator is \
                             famous. Creator Oseman and Patrick Walters teased Netflix viewers. \
                             Keir Starmer watched. Starmer liked it.")]);
        assert_eq!(
            got,
            [
                ("Alice Oseman".into(), 2),
                ("Patrick Walters".into(), 1),
                ("Netflix".into(), 1),
                ("Keir Starmer".into(), 2)
            ]
        );
    }

    #[test]
    fn a_word_that_only_starts_sentences_is_a_name_when_it_recurs_and_is_never_lower_case() {
        let got = names(&[p("Heartstopper is a hit. Heartstopper returns. Will it? Will we? \
                             It will.")]);
        assert_eq!(got, [("Heartstopper".into(), 2)]);
    }

    #[test]
    fn titles_function_words_days_and_acronyms_are_left_out() {
        let got = names(&[p("On Monday Mr. Ajayi met the BBC and Coach Singh. In London, \
                             Dr Xu spoke. I agree. I'll go. Don't.")]);
        assert_eq!(
            got,
            [("Ajayi".into(), 1), ("Singh".into(), 1), ("London".into(), 1), ("Xu".into(), 1)]
        );
    }

    #[test]
    fn particles_join_a_name_and_hyphens_and_apostrophes_stay_inside_words() {
        let got = names(&[p("A concert of Ludwig van Beethoven with Cormac Hyde-Corrin and \
                             Siobhan O'Brien, then van trips.")]);
        assert_eq!(
            got,
            [
                ("Ludwig van Beethoven".into(), 1),
                ("Cormac Hyde-Corrin".into(), 1),
                ("Siobhan O'Brien".into(), 1)
            ]
        );
    }

    #[test]
    fn list_items_after_a_dash_give_both_names() {
        let got = names(&[
            (BlockKind::ListItem, "Fisayo Akinade - Mr. Ajayi"),
            (BlockKind::ListItem, "Joe Locke - Charlie Spring"),
        ]);
        assert_eq!(
            got,
            [
                ("Fisayo Akinade".into(), 1),
                ("Ajayi".into(), 1),
                ("Joe Locke".into(), 1),
                ("Charlie Spring".into(), 1)
            ]
        );
    }

    #[test]
    fn a_title_cased_heading_proves_nothing_but_a_sentence_cased_one_does() {
        let got = names(&[
            (BlockKind::Heading, "Everything We Know About Season Two"),
            (BlockKind::Heading, "Will there be a Heartstopper season 2?"),
            (BlockKind::Headline, "Keir Starmer met Xi Jinping in Kyiv"),
        ]);
        assert_eq!(
            got,
            [
                ("Heartstopper".into(), 1),
                ("Keir Starmer".into(), 1),
                ("Xi Jinping".into(), 1),
                ("Kyiv".into(), 1)
            ]
        );
    }
}
