//! What an element is before its text is read: code, the publisher's own markers, hidden,
//! page furniture by tag or role, or page furniture by the words of its class and id.

use scraper::node::Element;

use super::dom;

/// Elements whose contents are code or markup, never narration: dropped without a record.
/// (`title` too: a parser may leave it in the body when the head is cut short, and no
/// browser shows it there.)
const NOT_TEXT: &[&str] = &[
    "script", "style", "template", "head", "svg", "math", "link", "meta", "img", "source", "title",
];

/// What to do with an element and everything in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Read it (its descendants are judged on their own).
    Read,
    /// Not text at all: drop it without a record.
    NotText,
    /// Skip it, recording its text with this reason.
    Skip(String),
    /// The publisher marked it spoken though not shown: read it even if hidden.
    AudioOnly,
}

/// Markers publishers put on what must not be read, with the product each comes from.
pub(super) fn publisher_skip(el: &Element) -> Option<&'static str> {
    let attr_is = |name: &str, value: &str| {
        el.attr(name).is_some_and(|v| v.trim().eq_ignore_ascii_case(value))
    };
    let class = |name: &str| el.has_class(name, scraper::CaseSensitivity::AsciiCaseInsensitive);
    if attr_is("data-tts", "skip") {
        Some("publisher marked it not to be read (data-tts=\"skip\")")
    } else if class("tts-skip") {
        Some("publisher marked it not to be read (class tts-skip)")
    } else if class("trinity-skip-it") {
        Some("publisher marked it not to be read (class trinity-skip-it)")
    } else if class("audio-skip") || el.attr("data-audio-skip").is_some_and(|v| v != "false") {
        Some("publisher marked it not to be read (audio-skip)")
    } else {
        None
    }
}

/// Whether the publisher marked the element as spoken but not shown.
pub(super) fn publisher_audio_only(el: &Element) -> bool {
    el.attr("data-tts").is_some_and(|v| v.trim().eq_ignore_ascii_case("only-audio"))
}

/// What no amount of text inside overrides: code, the publisher's own markers, hidden
/// elements, and embedded media (whose text is only a fallback for old browsers).
pub(super) fn hard(el: &Element) -> Verdict {
    let name = el.name();
    if NOT_TEXT.contains(&name) {
        return Verdict::NotText;
    }
    if let Some(why) = publisher_skip(el) {
        return Verdict::Skip(why.into());
    }
    if publisher_audio_only(el) {
        return Verdict::AudioOnly;
    }
    if is_hidden(el) {
        return Verdict::Skip("hidden element".into());
    }
    match name {
        "iframe" | "embed" | "object" | "video" | "audio" | "canvas" | "map" => {
            Verdict::Skip("embedded media".into())
        }
        "noscript" => Verdict::Skip("fallback for pages without JavaScript".into()),
        _ => Verdict::Read,
    }
}

/// Furniture by tag or ARIA role: what the element usually is. A page may wrap its whole
/// article in one (a `<form>` around everything), so the caller lets an element holding
/// most of the page's text through.
pub(super) fn by_tag(el: &Element, inside: bool) -> Option<&'static str> {
    let why = match el.name() {
        "figure" | "picture" => "figure (image, caption and credit)",
        "figcaption" => super::reason::CAPTION,
        "nav" | "menu" => "navigation",
        "aside" => "aside (sidebar or pull-out box)",
        "footer" if inside => "article footer (tags, author box)",
        "footer" => "page footer",
        "form" | "button" | "input" | "select" | "textarea" | "dialog" | "label" | "option" => {
            "form or button"
        }
        _ => match el.attr("role").map(str::to_ascii_lowercase).as_deref() {
            Some("navigation" | "menu" | "menubar" | "search") => "navigation",
            Some("contentinfo") => "page footer",
            Some("complementary") => "aside (sidebar or pull-out box)",
            Some("dialog" | "alertdialog") => "pop-up",
            _ => return None,
        },
    };
    Some(why)
}

/// `hidden`, `aria-hidden="true"`, or an inline style that hides it.
fn is_hidden(el: &Element) -> bool {
    let style = el.attr("style").map(|s| s.to_ascii_lowercase().replace(char::is_whitespace, ""));
    el.attr("hidden").is_some()
        || el.attr("aria-hidden").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || style.is_some_and(|s| s.contains("display:none") || s.contains("visibility:hidden"))
}

/// Why a comment section is skipped.
pub(super) const COMMENTS: &str = "comments";

/// Words (or consecutive words) in a class or id that name page furniture, and why it is
/// skipped. Whole words only: `ad` skips `ad-slot`, never `header` or `loaded`.
const NAMED: &[(&[&str], &str)] = &[
    (&["comment", "comments", "disqus", "replies", "respond", "discussion"], COMMENTS),
    (
        &[
            "related",
            "recommended",
            "recommendations",
            "recirc",
            "recirculation",
            "outbrain",
            "taboola",
            "more stories",
            "read more",
            "readmore",
            "read next",
            "most read",
            "most popular",
            "popular",
            "trending",
            "also read",
            "more from",
            "more on",
            "up next",
            "you may like",
            "mostread",
            "further reading",
            "more news",
            "teaser",
            "teasers",
        ],
        "related or recommended stories",
    ),
    (
        &["newsletter", "newsletters", "subscribe", "subscription", "signup", "sign up"],
        "newsletter or subscription box",
    ),
    (
        &[
            "share",
            "shares",
            "sharing",
            "sharebar",
            "social",
            "addthis",
            "sharethis",
            "follow us",
            "socials",
        ],
        "share or follow buttons",
    ),
    (
        &[
            "ad",
            "ads",
            "advert",
            "adverts",
            "advertisement",
            "advertising",
            "adslot",
            "adunit",
            "dfp",
            "gpt",
            "sponsor",
            "sponsored",
            "promo",
            "promos",
            "promotion",
            "commercial",
            "banner ad",
            "affiliate",
        ],
        "advertisement or promotion",
    ),
    (
        &[
            "nav",
            "navigation",
            "navbar",
            "menu",
            "breadcrumb",
            "breadcrumbs",
            "pagination",
            "pager",
            "skip link",
        ],
        "navigation",
    ),
    (&["sidebar", "rail", "widget", "widgets"], "sidebar or widget"),
    (&["footer", "site footer"], "page footer"),
    (
        &["caption", "captions", "credit", "credits", "figcaption", "image credit", "photo credit"],
        super::reason::CAPTION,
    ),
    (&["gallery", "carousel", "slideshow", "lightbox", "slider"], "gallery"),
    (
        &["listen", "tts", "speechkit", "trinity", "beyondwords", "audio player"],
        super::reason::WIDGET,
    ),
    (&["video", "videos", "video player", "podcast", "jwplayer", "brightcove"], "embedded media"),
    (
        &[
            "author bio",
            "bio",
            "author box",
            "about author",
            "about the author",
            "author info",
            "author card",
            "authorbox",
            "author details",
            "contributor",
        ],
        "author bio box",
    ),
    (&["tags", "tag list", "taglist", "tag cloud", "keywords", "topics", "categories"], "tag list"),
    (&["byline", "dateline", "timestamp"], "byline or date"),
    (
        &["modal", "popup", "cookie", "cookies", "consent", "gdpr", "toolbar", "print"],
        "pop-up or page tools",
    ),
    (
        &["sr only", "visually hidden", "screen reader text", "screenreader", "offscreen"],
        "hidden element",
    ),
];

/// The furniture an element's class and id name, if any.
pub(super) fn by_name(el: &Element) -> Option<&'static str> {
    // Rows and cells carry classes about their data ("player-2020"), not their role.
    let never = [
        "html", "body", "main", "article", "p", "h1", "h2", "h3", "a", "tr", "td", "th", "tbody",
        "thead",
    ];
    // The page's own markup for the article's text and its description (the standfirst,
    // often in a "teaser" class) outranks a class name.
    let itemprop = el.attr("itemprop").unwrap_or_default();
    if never.contains(&el.name())
        || itemprop.split_whitespace().any(|p| p == "articleBody" || p == "description")
    {
        return None;
    }
    let words = dom::name_words(el);
    if words.is_empty() {
        return None;
    }
    NAMED
        .iter()
        .find(|(phrases, _)| {
            phrases
                .iter()
                .any(|p| dom::phrase_at(&words, p).any(|i| !dom::describes_contents(&words, i)))
        })
        .map(|(_, why)| *why)
}

/// A social-media post embedded as markup (a tweet's `blockquote`, an Instagram post):
/// quoted text, not page furniture.
pub(super) fn is_social_post(el: &Element) -> bool {
    const NAMES: &[&str] = &[
        "twitter tweet",
        "twitter video",
        "instagram media",
        "tiktok embed",
        "fb post",
        "bluesky embed",
        "text post media",
        "reddit card",
        "mastodon embed",
    ];
    if !matches!(el.name(), "blockquote" | "div") {
        return false;
    }
    let words = dom::name_words(el);
    NAMES.iter().any(|n| dom::has_phrase(&words, n))
}

/// Whether the element's class or id names it the standfirst (dek, strapline, summary).
pub(super) fn is_standfirst(el: &Element) -> bool {
    if el.attr("itemprop").is_some_and(|p| p.split_whitespace().any(|p| p == "description")) {
        return true;
    }
    const NAMES: &[&str] = &[
        "standfirst",
        "dek",
        "deck",
        "subtitle",
        "subheadline",
        "sub headline",
        "subhead",
        "strapline",
        "strap",
        "summary",
        "intro",
        "lede",
        "excerpt",
        "description",
        "sell",
        "article summary",
        "sub title",
    ];
    let words = dom::name_words(el);
    NAMES.iter().any(|n| dom::has_phrase(&words, n))
}

/// How much a class or id says "this is the article" (positive) or "this is not" (negative),
/// as Readability weighs it.
pub(super) fn name_weight(el: &Element) -> f32 {
    let words = dom::name_words(el);
    let any = |list: &[&str]| {
        (0..words.len())
            .any(|i| list.contains(&words[i].as_str()) && !dom::describes_contents(&words, i))
    };
    let mut weight = 0.0;
    if any(&[
        "article", "body", "content", "entry", "hentry", "main", "page", "post", "text", "blog",
        "story", "prose",
    ]) {
        weight += 25.0;
    }
    if any(&[
        "comment", "comments", "meta", "footer", "footnote", "related", "share", "sidebar",
        "sponsor", "promo", "widget", "tags", "masthead", "media", "outbrain", "shopping", "ad",
        "ads", "nav", "menu", "header", "hidden", "banner",
    ]) {
        weight -= 25.0;
    }
    weight
}

#[cfg(test)]
mod tests {
    use super::super::dom::tests::element;
    use super::*;

    #[test]
    fn every_publisher_skip_marker_is_honoured() {
        for html in [
            r#"<div data-tts="skip">x</div>"#,
            r#"<div class="a tts-skip">x</div>"#,
            r#"<div class="trinity-skip-it">x</div>"#,
            r#"<div class="audio-skip">x</div>"#,
            r#"<div data-audio-skip>x</div>"#,
        ] {
            assert!(publisher_skip(&element(html)).is_some(), "{html}");
        }
        assert_eq!(publisher_skip(&element(r#"<div class="tts">x</div>"#)), None);
    }

    #[test]
    fn audio_only_text_is_read_even_when_hidden() {
        let el = element(r#"<span data-tts="only-audio" style="display:none">x</span>"#);
        assert_eq!(hard(&el), Verdict::AudioOnly);
    }

    #[test]
    fn hidden_elements_are_skipped_however_they_are_hidden() {
        for html in [
            r#"<div hidden>x</div>"#,
            r#"<div aria-hidden="true">x</div>"#,
            r#"<div style="DISPLAY: none">x</div>"#,
        ] {
            assert_eq!(hard(&element(html)), Verdict::Skip("hidden element".into()));
        }
    }

    #[test]
    fn class_names_name_furniture_by_whole_words_only() {
        assert_eq!(
            by_name(&element(r#"<div class="ad-slot">x</div>"#)),
            Some("advertisement or promotion")
        );
        assert_eq!(
            by_name(&element(r#"<div class="relatedLinks">x</div>"#)),
            Some("related or recommended stories")
        );
        assert_eq!(by_name(&element(r#"<div class="header loaded">x</div>"#)), None);
        assert_eq!(by_name(&element(r#"<div id="article-body">x</div>"#)), None);
        assert_eq!(by_name(&element(r#"<article class="share">x</article>"#)), None);
    }

    #[test]
    fn a_class_saying_what_an_element_holds_does_not_make_it_furniture() {
        for html in [
            r#"<section class="o-section o-section--has-ads">x</section>"#,
            r#"<div class="layout-with-sidebar">x</div>"#,
            r#"<div class="post no-comments">x</div>"#,
        ] {
            assert_eq!(by_name(&element(html)), None, "{html}");
            assert!(name_weight(&element(html)) >= 0.0, "{html}");
        }
        assert_eq!(
            by_name(&element(r#"<div class="has-ads ad-slot">x</div>"#)),
            Some("advertisement or promotion")
        );
    }
}
