//! Guess the format of input that has no telling extension (stdin, `article.out`).

use crate::model::SourceFormat;

/// How much of the text the guess looks at; the start of a document is enough.
const SAMPLE_CHARS: usize = 64 * 1024;

/// Tags that mark a document as HTML when several appear, even without `<html>`: a CMS
/// export is often a bare fragment of paragraphs.
const HTML_TAGS: &[&str] = &[
    "a",
    "article",
    "b",
    "blockquote",
    "body",
    "br",
    "div",
    "em",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "html",
    "i",
    "img",
    "li",
    "link",
    "main",
    "meta",
    "ol",
    "p",
    "script",
    "section",
    "span",
    "strong",
    "style",
    "table",
    "td",
    "title",
    "tr",
    "ul",
];

/// Known HTML tags needed to call a fragment HTML (a Markdown text may hold a stray `<br>`).
const MIN_HTML_TAGS: usize = 6;
/// Markdown evidence needed; a bulleted list alone is not enough, since scraped plain text
/// uses `*` and `-` bullets too.
const MIN_MARKDOWN_SCORE: usize = 3;

/// HTML if it starts like a document or is full of tags; Markdown if it has headings,
/// links, images or code fences (or lists with emphasis); plain text otherwise.
pub(super) fn sniff(text: &str) -> SourceFormat {
    let sample = match text.char_indices().nth(SAMPLE_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let start = sample.trim_start().get(..64).unwrap_or(sample.trim_start()).to_ascii_lowercase();
    let starts_as_document =
        ["<!doctype html", "<html", "<?xml"].iter().any(|p| start.starts_with(p));
    if starts_as_document || html_tag_count(sample) >= MIN_HTML_TAGS {
        SourceFormat::Html
    } else if markdown_score(sample) >= MIN_MARKDOWN_SCORE {
        SourceFormat::Markdown
    } else {
        SourceFormat::Text
    }
}

/// Opening or closing tags of known HTML elements.
fn html_tag_count(text: &str) -> usize {
    text.match_indices('<')
        .filter(|(at, _)| {
            let rest = text[at + 1..].strip_prefix('/').unwrap_or(&text[at + 1..]);
            let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
            let after = rest[name_len..].chars().next();
            let name = rest[..name_len].to_ascii_lowercase();
            HTML_TAGS.contains(&name.as_str())
                && matches!(after, Some('>' | '/' | ' ' | '\t' | '\n' | '\r'))
        })
        .count()
}

/// Points for each kind of Markdown syntax seen, strong signs weighing more.
fn markdown_score(text: &str) -> usize {
    let mut score = 0;
    let mut list_points = 0;
    let mut previous_blank = true;
    let mut previous = "";
    for line in text.lines() {
        let trimmed = line.trim_start();
        let hashes = trimmed.len() - trimmed.trim_start_matches('#').len();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            score += 3;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            score += 3;
        }
        if line.find('[').is_some_and(|open| line[open..].contains("](")) {
            score += 3; // a link or an image
        }
        if line.matches("**").count() >= 2 || line.matches("__").count() >= 2 {
            score += 1;
        }
        if trimmed.starts_with("* ") || trimmed.starts_with("+ ") {
            list_points += 1;
        }
        let underline = !trimmed.is_empty() && trimmed.trim_end().chars().all(|c| c == '=');
        if underline && !previous_blank && !previous.trim().is_empty() && trimmed.len() >= 3 {
            score += 2;
        }
        previous_blank = trimmed.is_empty();
        previous = line;
    }
    score + list_points.min(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doctype_or_html_root_means_html() {
        assert_eq!(sniff("\n  <!DOCTYPE html>\n<title>x</title>"), SourceFormat::Html);
        assert_eq!(sniff("<html lang=\"en\">hello</html>"), SourceFormat::Html);
    }

    #[test]
    fn a_fragment_full_of_tags_is_html() {
        let fragment = "<p>One.</p>\n<p>Two <em>three</em>.</p>\n<ul><li>a</li></ul>";
        assert_eq!(sniff(fragment), SourceFormat::Html);
    }

    #[test]
    fn headings_or_links_mean_markdown() {
        assert_eq!(sniff("# Title\n\nBody."), SourceFormat::Markdown);
        assert_eq!(sniff("Title\n\nSee [the report](https://x.org/r)."), SourceFormat::Markdown);
        assert_eq!(sniff("Title\n=====\n\nBody **bold** text."), SourceFormat::Markdown);
    }

    #[test]
    fn scraped_text_with_bullets_and_stray_angle_brackets_stays_text() {
        let text = "Headline\n\n* one\n* two\n- three\n\nIf a < b then b > a.\n\n#hashtag";
        assert_eq!(sniff(text), SourceFormat::Text);
        assert_eq!(
            sniff(&std::fs::read_to_string("examples/heartstopper.txt").unwrap()),
            SourceFormat::Text
        );
    }
}
