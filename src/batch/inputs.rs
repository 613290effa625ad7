//! What a batch narrates: files, directories walked recursively, list files, JSON Feeds and
//! sitemaps, each turned into [`Item`]s with a stable id.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::BatchError;
use super::names;

/// Extensions of files a directory walk picks up: the formats `ingest` reads.
const ARTICLE_EXTENSIONS: &[&str] =
    &["txt", "text", "html", "htm", "xhtml", "md", "markdown", "mdown", "mkd"];

/// One article of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Stable across machines and runs given the same arguments: the path as given or found
    /// under a directory argument, or the URL. Shards and collision suffixes hash it.
    pub id: String,
    /// Where the article comes from.
    pub origin: Origin,
    /// The name outputs take before the template: the file stem, or a slug of the title.
    /// `None` for a URL whose title is known only once it is read.
    pub stem: Option<String>,
    /// The directory it was found in, relative to the directory argument (`{dir}`).
    pub dir: String,
}

/// Where an item's text comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A local file.
    File(PathBuf),
    /// A URL, read by `ingest`.
    Url(String),
    /// A feed item's own content; `id` is its URL.
    Inline {
        /// The content as HTML or text.
        content: String,
        /// Whether it is HTML.
        html: bool,
    },
}

/// Expand inputs and list files into items, in order, without repeats.
///
/// An input is a URL, a directory (walked recursively for article files, in name order),
/// a JSON Feed (`.json`), a sitemap (`.xml`), or an article file. A list file holds one such
/// input per line; blank lines and `#` comments are ignored.
///
/// # Errors
///
/// A missing input, an unreadable list, feed or directory, or a feed or sitemap that cannot
/// be parsed.
pub fn collect(inputs: &[String], lists: &[PathBuf]) -> Result<Vec<Item>, BatchError> {
    let mut all = inputs.to_vec();
    for list in lists {
        let text = if list.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin()).map_err(BatchError::io(list))?
        } else {
            std::fs::read_to_string(list).map_err(BatchError::io(list))?
        };
        all.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    let mut items = Vec::new();
    for input in &all {
        expand(input, &mut items)?;
    }
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.id.clone()));
    Ok(items)
}

fn expand(input: &str, items: &mut Vec<Item>) -> Result<(), BatchError> {
    if is_url(input) {
        items.push(url_item(input, None));
        return Ok(());
    }
    let path = Path::new(input);
    // A missing file is that article's failure (ingest says what is wrong), not the batch's.
    let Ok(meta) = std::fs::metadata(path) else {
        items.push(file_item(path, String::new()));
        return Ok(());
    };
    if meta.is_dir() {
        let mut found = Vec::new();
        let root = path.canonicalize().map_err(BatchError::io(path))?;
        walk(&root, path, &mut found)?;
        found.sort();
        for file in found {
            let dir = file
                .parent()
                .and_then(|p| p.strip_prefix(path).ok())
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            items.push(file_item(&file, dir));
        }
        return Ok(());
    }
    match extension(path).as_deref() {
        Some("json") => items.extend(json_feed(path)?),
        Some("xml") => items.extend(sitemap(path)?),
        _ => items.push(file_item(path, String::new())),
    }
    Ok(())
}

/// Article files under `dir`, which is under `root` (canonical). A link is followed only to
/// a file inside `root`: one leading out (to `/etc/passwd`, a home directory) is left out
/// with a warning, and links to directories are never walked (no loops, no escapes).
fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), BatchError> {
    for entry in std::fs::read_dir(dir).map_err(BatchError::io(dir))? {
        let entry = entry.map_err(BatchError::io(dir))?;
        let path = entry.path();
        // Hidden files and directories (.git, editor swap files, our own temp files) are
        // never articles.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(BatchError::io(&path))?;
        let article = || extension(&path).is_some_and(|e| ARTICLE_EXTENSIONS.contains(&e.as_str()));
        if kind.is_dir() {
            walk(root, &path, found)?;
        } else if kind.is_symlink() {
            if !article() {
                continue;
            }
            match path.canonicalize() {
                Ok(target) if target.starts_with(root) && target.is_file() => found.push(path),
                _ => tracing::warn!(
                    link = %path.display(),
                    "Not narrated: the link leads out of the directory being narrated."
                ),
            }
        } else if article() {
            found.push(path);
        }
    }
    Ok(())
}

fn extension(path: &Path) -> Option<String> {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase())
}

fn file_item(path: &Path, dir: String) -> Item {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    Item {
        id: path.to_string_lossy().into_owned(),
        origin: Origin::File(path.to_path_buf()),
        stem: Some(names::component(stem.as_deref().unwrap_or_default())),
        dir,
    }
}

fn url_item(url: &str, title: Option<&str>) -> Item {
    Item {
        id: url.to_owned(),
        origin: Origin::Url(url.to_owned()),
        stem: title.map(names::slug).filter(|s| !s.is_empty()),
        dir: String::new(),
    }
}

/// Anything with a scheme is a URL (as `ingest` decides).
fn is_url(input: &str) -> bool {
    input.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// A JSON Feed (<https://jsonfeed.org/version/1.1>): the fields a batch uses.
#[derive(Deserialize)]
struct JsonFeed {
    items: Vec<JsonFeedItem>,
}

#[derive(Deserialize)]
struct JsonFeedItem {
    id: serde_json::Value,
    url: Option<String>,
    external_url: Option<String>,
    title: Option<String>,
    content_html: Option<String>,
    content_text: Option<String>,
}

/// Items of a JSON Feed. An item that carries its content (`content_html` or
/// `content_text`) is narrated from it; otherwise its URL is read.
fn json_feed(path: &Path) -> Result<Vec<Item>, BatchError> {
    let text = std::fs::read_to_string(path).map_err(BatchError::io(path))?;
    let feed: JsonFeed = serde_json::from_str(&text).map_err(|e| BatchError::List {
        path: path.to_path_buf(),
        message: format!("not a JSON Feed: {e}"),
    })?;
    let mut items = Vec::new();
    for (i, entry) in feed.items.into_iter().enumerate() {
        let id_text = match &entry.id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let Some(url) =
            entry.url.or(entry.external_url).or_else(|| is_url(&id_text).then(|| id_text.clone()))
        else {
            return Err(BatchError::List {
                path: path.to_path_buf(),
                message: format!("item {i} ({id_text}) has no url"),
            });
        };
        let title = entry.title.as_deref();
        let mut item = url_item(&url, title);
        let content = match (entry.content_html, entry.content_text) {
            (Some(html), _) => Some((html, true)),
            (None, Some(text)) => Some((text, false)),
            (None, None) => None,
        };
        if let Some((content, html)) = content {
            // Without a title to name it by, the URL's last path segment will do.
            item.stem = item.stem.or_else(|| Some(names::slug(url_tail(&url))));
            item.origin = Origin::Inline { content, html };
        }
        items.push(item);
    }
    Ok(items)
}

/// The last non-empty path segment of a URL, without its extension.
fn url_tail(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or(path);
    last.rsplit_once('.').map_or(last, |(stem, _)| stem)
}

/// The `<loc>` of every `<url>` in a sitemap (<https://www.sitemaps.org/protocol.html>),
/// named by the Google News `<news:title>` when there is one.
fn sitemap(path: &Path) -> Result<Vec<Item>, BatchError> {
    let text = std::fs::read_to_string(path).map_err(BatchError::io(path))?;
    let fail = |message: String| BatchError::List { path: path.to_path_buf(), message };
    let doc = roxmltree::Document::parse(&text).map_err(|e| fail(format!("not XML: {e}")))?;
    let root = doc.root_element();
    match root.tag_name().name() {
        "urlset" => {}
        "sitemapindex" => {
            return Err(fail(
                "a sitemap index; give the sitemaps it lists (or their articles) instead".into(),
            ));
        }
        other => return Err(fail(format!("not a sitemap: the root element is <{other}>"))),
    }
    let child_text = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.descendants()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    Ok(root
        .children()
        .filter(|n| n.tag_name().name() == "url")
        .filter_map(|url| {
            let loc = child_text(url, "loc")?;
            Some(url_item(&loc, child_text(url, "title").as_deref()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_walked_recursively_in_name_order_for_article_files_only() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("b/deep")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for file in ["z.txt", "a.html", "b/deep/c.md", "b/notes.pdf", ".git/x.txt", "b/.y.txt"] {
            std::fs::write(root.join(file), "Text.").unwrap();
        }
        let items = collect(&[root.display().to_string()], &[]).unwrap();
        let found: Vec<(String, String)> =
            items.iter().map(|i| (i.stem.clone().unwrap(), i.dir.clone())).collect();
        assert_eq!(
            found,
            [
                ("a".into(), String::new()),
                ("c".into(), "b/deep".into()),
                ("z".into(), String::new())
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_directory_are_not_followed_and_links_within_it_are() {
        let tmp = tempfile::tempdir().unwrap();
        let (root, outside) = (tmp.path().join("articles"), tmp.path().join("private"));
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.txt"), "Embargoed.").unwrap();
        std::fs::write(root.join("sub/real.txt"), "Text.").unwrap();
        std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("away")).unwrap();
        std::os::unix::fs::symlink(root.join("sub/real.txt"), root.join("alias.txt")).unwrap();
        let items = collect(&[root.display().to_string()], &[]).unwrap();
        let stems: Vec<_> = items.iter().map(|i| i.stem.clone().unwrap()).collect();
        assert_eq!(stems, ["alias", "real"]);
    }

    #[test]
    fn a_list_file_names_inputs_and_repeats_are_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let article = tmp.path().join("one.txt");
        std::fs::write(&article, "Text.").unwrap();
        let list = tmp.path().join("list");
        let a = article.display();
        std::fs::write(&list, format!("# articles\n{a}\n\n{a}\nhttps://example.com/x\n")).unwrap();
        let items = collect(&[], &[list]).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].origin, Origin::Url("https://example.com/x".into()));
        assert_eq!(items[1].stem, None, "named once its title is known");
    }

    #[test]
    fn a_json_feed_gives_urls_named_by_title_and_inline_content() {
        let tmp = tempfile::tempdir().unwrap();
        let feed = tmp.path().join("feed.json");
        let json = serde_json::json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": "News",
            "items": [
                {"id": "1", "url": "https://example.com/a", "title": "Rates Rise: What Now?"},
                {"id": "https://example.com/b.html", "content_html": "<p>Hello.</p>"},
            ]
        });
        std::fs::write(&feed, json.to_string()).unwrap();
        let items = collect(&[feed.display().to_string()], &[]).unwrap();
        assert_eq!(items[0].stem.as_deref(), Some("rates-rise-what-now"));
        assert_eq!(items[0].origin, Origin::Url("https://example.com/a".into()));
        assert_eq!(items[1].stem.as_deref(), Some("b"));
        assert!(matches!(items[1].origin, Origin::Inline { html: true, .. }));
    }

    #[test]
    fn a_sitemap_gives_its_locations_and_an_index_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let map = tmp.path().join("sitemap.xml");
        std::fs::write(
            &map,
            r#"<?xml version="1.0"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
                    xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
              <url><loc> https://example.com/one </loc></url>
              <url><loc>https://example.com/two</loc>
                <news:news><news:title>Second Story</news:title></news:news></url>
            </urlset>"#,
        )
        .unwrap();
        let items = collect(&[map.display().to_string()], &[]).unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["https://example.com/one", "https://example.com/two"]);
        assert_eq!(items[1].stem.as_deref(), Some("second-story"));
        std::fs::write(&map, "<sitemapindex><sitemap><loc>x</loc></sitemap></sitemapindex>")
            .unwrap();
        let err = collect(&[map.display().to_string()], &[]).unwrap_err().to_string();
        assert!(err.contains("sitemap index"), "{err}");
    }

    #[test]
    fn a_missing_input_is_kept_to_fail_as_an_article_but_a_missing_list_stops_the_batch() {
        let items = collect(&["no/such/file.txt".into()], &[]).unwrap();
        assert_eq!(items[0].origin, Origin::File("no/such/file.txt".into()));
        let err = collect(&[], &["no/such/list".into()]).unwrap_err().to_string();
        assert!(err.contains("no/such/list"), "{err}");
    }
}
