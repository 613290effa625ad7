//! What a page says about itself: JSON-LD, `<meta>` tags, `<title>`, `<html lang>`.

use ego_tree::NodeRef;
use scraper::{Html, Node};
use serde_json::Value;

use super::visible_text;
use crate::model::Metadata;

/// A page's own description of its article, before the body is read.
#[derive(Debug, Default)]
pub(super) struct PageMeta {
    /// JSON-LD `headline`.
    pub(super) ld_headline: Option<String>,
    /// `og:title`.
    pub(super) og_title: Option<String>,
    /// The first `<h1>` anywhere in the page.
    pub(super) first_h1: Option<String>,
    /// `<title>`.
    pub(super) title_tag: Option<String>,
    /// `og:description` or `description`: often the standfirst word for word.
    pub(super) description: Option<String>,
    /// Authors, publication, times, language and canonical URL.
    pub(super) meta: Metadata,
    /// JSON-LD `inLanguage`.
    pub(super) ld_language: Option<String>,
}

impl PageMeta {
    /// The headline, from the most to the least reliable source.
    pub(super) fn title(&self) -> Option<&str> {
        [&self.ld_headline, &self.og_title, &self.first_h1, &self.title_tag]
            .into_iter()
            .find_map(|t| t.as_deref().filter(|t| !t.is_empty()))
    }

    /// Every title the page gives, most reliable first, each with whether it may carry the
    /// site's name after it (as `<title>` and `og:title` often do).
    pub(super) fn titles(&self) -> Vec<(&str, bool)> {
        [
            (&self.ld_headline, false),
            (&self.og_title, true),
            (&self.first_h1, true),
            (&self.title_tag, true),
        ]
        .into_iter()
        .filter_map(|(t, suffix)| t.as_deref().filter(|t| !t.is_empty()).map(|t| (t, suffix)))
        .collect()
    }
}

/// The heading that says the page's title, if one does: the most reliable title that any
/// heading says wins (a CMS may fill one title with junk no heading repeats).
pub(super) fn headline_node(doc: &Html, page: &PageMeta) -> Option<ego_tree::NodeId> {
    let headings: Vec<(ego_tree::NodeId, String)> = doc
        .tree
        .root()
        .descendants()
        .filter(|n| {
            n.value()
                .as_element()
                .is_some_and(|e| matches!(e.name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"))
        })
        .take(500)
        .map(|n| (n.id(), visible_text(n)))
        .collect();
    page.titles().into_iter().find_map(|(title, may_have_suffix)| {
        let title_words = crate::extract::rules::word_string(title);
        headings.iter().find_map(|(id, text)| {
            let words = crate::extract::rules::word_string(text);
            let says = crate::extract::rules::same_words(text, title)
                || (may_have_suffix && words.len() >= 10 && title_words.starts_with(&words));
            says.then_some(*id)
        })
    })
}

/// Read a page's metadata in one pass over its elements.
pub(super) fn read(doc: &Html) -> PageMeta {
    let mut page = PageMeta::default();
    let mut description = None;
    let mut og_description = None;
    let mut content_language = None;
    let mut locale: Option<String> = None;
    for node in doc.tree.root().descendants() {
        let Node::Element(el) = node.value() else { continue };
        match el.name() {
            "html" if page.meta.language.is_none() => {
                page.meta.language =
                    el.attr("lang").map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
            }
            "meta" => {
                let key = el
                    .attr("property")
                    .or_else(|| el.attr("name"))
                    .or_else(|| el.attr("http-equiv"))
                    .unwrap_or_default();
                let Some(content) = el.attr("content").map(str::trim).filter(|c| !c.is_empty())
                else {
                    continue;
                };
                let content = content.to_owned();
                let slot = match key.to_ascii_lowercase().as_str() {
                    "og:title" => &mut page.og_title,
                    "og:site_name" => &mut page.meta.publication,
                    "og:description" => &mut og_description,
                    "description" => &mut description,
                    "article:published_time" => &mut page.meta.published,
                    "article:modified_time" | "og:updated_time" => &mut page.meta.modified,
                    "og:url" => &mut page.meta.canonical_url,
                    "content-language" | "language" | "dc.language" => &mut content_language,
                    "og:locale" => &mut locale,
                    "author" => {
                        if page.meta.authors.is_empty() {
                            page.meta.authors.push(content);
                        }
                        continue;
                    }
                    _ => continue,
                };
                slot.get_or_insert(content);
            }
            "link" => {
                let canonical = el.attr("rel").is_some_and(|r| {
                    r.split_whitespace().any(|r| r.eq_ignore_ascii_case("canonical"))
                });
                if let (true, Some(href)) = (canonical, el.attr("href")) {
                    page.meta.canonical_url = Some(href.trim().to_owned());
                }
            }
            "title" if page.title_tag.is_none() => page.title_tag = non_empty(visible_text(node)),
            "h1" if page.first_h1.is_none() => page.first_h1 = non_empty(visible_text(node)),
            "script" if el.attr("type").is_some_and(|t| t.contains("ld+json")) => {
                read_json_ld(node, &mut page);
            }
            _ => {}
        }
    }
    page.description = og_description.or(description);
    // `<html lang>` first, then what the page declares in its head; `og:locale` is en_GB.
    let content_language =
        content_language.and_then(|l| l.split(',').next().map(|l| l.trim().to_owned()));
    let locale = locale.map(|l| l.replace('_', "-"));
    if page.meta.language.is_none() {
        page.meta.language = content_language.or(page.ld_language.take()).or(locale);
    }
    page
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// The first JSON-LD object with a `headline` is the article; `@graph` and nested objects
/// are searched without recursion.
fn read_json_ld(script: NodeRef<'_, Node>, page: &mut PageMeta) {
    if page.ld_headline.is_some() {
        return;
    }
    let json: String =
        script.children().filter_map(|c| c.value().as_text().map(|t| t.to_string())).collect();
    let Ok(value) = serde_json::from_str::<Value>(&json) else { return };
    let mut stack = vec![&value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(map) => {
                if let Some(headline) = map.get("headline").and_then(Value::as_str) {
                    page.ld_headline = Some(crate::extract::rules::collapse_whitespace(headline));
                    let meta = &mut page.meta;
                    let authors = map.get("author").map(names).unwrap_or_default();
                    if !authors.is_empty() {
                        meta.authors = authors;
                    }
                    let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
                    meta.published = text("datePublished").or(meta.published.take());
                    meta.modified = text("dateModified").or(meta.modified.take());
                    page.ld_language = text("inLanguage");
                    if let Some(name) =
                        map.get("publisher").map(names).and_then(|n| n.into_iter().next())
                    {
                        meta.publication = Some(name);
                    }
                    return;
                }
                stack.extend(map.values().filter(|v| v.is_object() || v.is_array()));
            }
            _ => {}
        }
    }
}

/// Names from a JSON-LD `author` or `publisher`: a string, an object with a `name`, or a
/// list of either.
fn names(value: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Object(o) => o.get("name").and_then(Value::as_str).map(|s| s.trim().to_owned()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().filter_map(one).filter(|s| !s.is_empty()).collect(),
        other => one(other).filter(|s| !s.is_empty()).into_iter().collect(),
    }
}
