//! The "Listen to this article" player: its files, compiled into the binary, and the
//! publishable `player/` directory `narrate --player` writes.
//!
//! The player is plain JavaScript and CSS with no build step and no dependencies. A page
//! embeds it with one element and one script:
//!
//! ```html
//! <div data-articulate-manifest="story.json"></div>
//! <script src="player/articulate-player.js"></script>
//! ```
//!
//! The script loads its stylesheet from beside itself, fetches the manifest, and plays the
//! first audio file the manifest lists (resolved against the manifest's URL).

use std::path::{Path, PathBuf};

use crate::output::{OutputError, write_atomic};

/// The player script publishers embed.
pub const PLAYER_JS: &str = include_str!("player/articulate-player.js");
/// The player's stylesheet, loaded by the script from beside itself.
pub const PLAYER_CSS: &str = include_str!("player/articulate-player.css");
/// A page with one player per manifest, where `<!-- players -->` marks where they go.
const INDEX_HTML: &str = include_str!("player/index.html");

/// The name of the directory [`write_player`] creates in the output directory.
pub const PLAYER_DIR: &str = "player";

/// What the players on a published page are told besides their manifests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlayerPage<'a> {
    /// The article's id (`data-articulate-id`), for a page with one player.
    pub id: Option<&'a str>,
    /// Where to POST listening events (`data-articulate-events`), e.g. `/v1/events`.
    pub events_url: Option<&'a str>,
    /// The HLS playlist of the narration while it is being made (`data-articulate-live`),
    /// relative to the page: the player plays it while it is there, then the manifest's audio.
    pub live: Option<&'a str>,
    /// The article's title (`data-articulate-title`), shown before there is a manifest.
    pub title: Option<&'a str>,
}

/// Write `player/` into `output_dir`: the script, its stylesheet, and an `index.html` with a
/// player for each of `manifests` (files in `output_dir`). Each file is written atomically.
///
/// # Errors
///
/// When the directory or a file cannot be written.
pub fn write_player(output_dir: &Path, manifests: &[PathBuf]) -> Result<PathBuf, OutputError> {
    write_player_page(output_dir, manifests, PlayerPage::default())
}

/// [`write_player`], with the page's players given an article id and a collector for their
/// listening events.
///
/// # Errors
///
/// When the directory or a file cannot be written.
pub fn write_player_page(
    output_dir: &Path,
    manifests: &[PathBuf],
    page: PlayerPage<'_>,
) -> Result<PathBuf, OutputError> {
    let dir = output_dir.join(PLAYER_DIR);
    crate::output::prepare_dir(&dir)?;
    write_atomic(&dir.join("articulate-player.js"), PLAYER_JS.as_bytes())?;
    write_atomic(&dir.join("articulate-player.css"), PLAYER_CSS.as_bytes())?;
    write_atomic(&dir.join("index.html"), index_html(manifests, page).as_bytes())?;
    Ok(dir)
}

/// `index.html`: one player element per manifest, each pointing one level up.
fn index_html(manifests: &[PathBuf], page: PlayerPage<'_>) -> String {
    let escape = crate::model::ssml::escape;
    let mut extra = String::new();
    if let Some(id) = page.id {
        extra.push_str(&format!(" data-articulate-id=\"{}\"", escape(id)));
    }
    if let Some(url) = page.events_url {
        extra.push_str(&format!(" data-articulate-events=\"{}\"", escape(url)));
    }
    if let Some(url) = page.live {
        extra.push_str(&format!(" data-articulate-live=\"{}\"", escape(url)));
    }
    if let Some(title) = page.title {
        extra.push_str(&format!(" data-articulate-title=\"{}\"", escape(title)));
    }
    let players: String = manifests
        .iter()
        .filter_map(|m| m.file_name())
        .map(|name| {
            // File names become URL paths: percent-encode what a URL path cannot hold, then
            // escape for the attribute.
            let url = format!("../{}", encode_path_segment(&name.to_string_lossy()));
            format!(
                "<div class=\"articulate-embed\" data-articulate-manifest=\"{}\"{extra}></div>\n",
                escape(&url)
            )
        })
        .collect();
    INDEX_HTML.replace("<!-- players -->\n", &players)
}

/// A file name as one URL path segment.
pub fn encode_path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The manifest among the files a narration wrote: `NAME.json`, as opposed to
/// `NAME.chapters.json`, is the shorter of the two JSON paths.
#[must_use]
pub fn manifest_file(files: &[PathBuf]) -> Option<PathBuf> {
    files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
        .min_by_key(|f| f.as_os_str().len())
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_has_one_player_per_manifest_with_names_encoded() {
        let manifests = [PathBuf::from("out/story.json"), PathBuf::from("out/a b&c.json")];
        let html = index_html(&manifests, PlayerPage::default());
        assert!(html.contains("data-articulate-manifest=\"../story.json\""), "{html}");
        assert!(html.contains("data-articulate-manifest=\"../a%20b%26c.json\""), "{html}");
        assert!(html.contains("<script src=\"articulate-player.js\"></script>"));
        assert!(!html.contains("<!-- players -->"));
    }

    #[test]
    fn a_published_page_tells_its_player_the_article_and_the_collector() {
        let page = PlayerPage {
            id: Some("story-1"),
            events_url: Some("/v1/events"),
            ..PlayerPage::default()
        };
        let html = index_html(&[PathBuf::from("story-1.json")], page);
        assert!(html.contains(
            "data-articulate-manifest=\"../story-1.json\" data-articulate-id=\"story-1\" \
             data-articulate-events=\"/v1/events\""
        ));
    }

    #[test]
    fn a_page_published_with_a_stream_names_its_playlist_and_title() {
        let page = PlayerPage {
            id: Some("s"),
            live: Some("../s.m3u8"),
            title: Some("Cats & \"dogs\""),
            ..PlayerPage::default()
        };
        let html = index_html(&[PathBuf::from("s.json")], page);
        assert!(html.contains(" data-articulate-live=\"../s.m3u8\""), "{html}");
        assert!(html.contains(" data-articulate-title=\"Cats &amp; &quot;dogs&quot;\""), "{html}");
    }

    #[test]
    fn the_manifest_is_told_apart_from_the_chapters_json() {
        let files = [
            PathBuf::from("o/x.mp3"),
            PathBuf::from("o/x.chapters.json"),
            PathBuf::from("o/x.chapters.vtt"),
            PathBuf::from("o/x.json"),
        ];
        assert_eq!(manifest_file(&files), Some(PathBuf::from("o/x.json")));
    }

    #[test]
    fn the_player_loads_nothing_from_other_sites() {
        for asset in [PLAYER_JS, PLAYER_CSS, INDEX_HTML] {
            // The SVG namespace is a name, never fetched.
            let asset = asset.replace("http://www.w3.org/2000/svg", "");
            assert!(!asset.contains("://") && !asset.contains("@import"), "{asset}");
            assert!(!asset.contains("innerHTML"), "markup is built with the DOM, never parsed");
        }
    }
}
