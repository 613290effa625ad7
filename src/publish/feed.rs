//! A podcast feed for a directory of narrations: RSS 2.0 with the iTunes and Podcasting 2.0
//! tags podcast apps read.
//!
//! Every `NAME.json` manifest under the directory becomes an episode: its audio is the
//! enclosure (with its length in bytes and MIME type), `NAME.chapters.json` its
//! `podcast:chapters`, and `NAME.transcript.vtt` and `NAME.transcript.json` (the Podcasting
//! 2.0 JSON transcript) — written here from the manifest's timed segments, or words — its
//! `podcast:transcript`s. `NAME.opus`, a low-bandwidth Opus rendition made here with ffmpeg
//! when it is installed, is its `podcast:alternateEnclosure`. Every episode says it is a
//! synthetic voice: `podcast:person` (role narrator), a `podcast:txt` note and a line in the
//! description. `pubDate` is the article's publication time (RFC 2822, with the time of day
//! when the article gives one), else when it was narrated. The feed carries no wall-clock
//! time of its own (no `lastBuildDate`), so the same narrations always give the same bytes.
//!
//! ```no_run
//! use articulate::feed::{FeedOptions, write_feed};
//!
//! let options = FeedOptions::new("https://example.com/audio/", "Listen: Example News");
//! let written = write_feed(std::path::Path::new("audio_out"), &options)?;
//! println!("{} episodes in {}", written.episodes, written.path.display());
//! # Ok::<(), articulate::feed::FeedError>(())
//! ```

mod objects;
pub mod opus;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::model::ssml::escape;
use crate::model::{BlockKind, Manifest};
use crate::output::{OutputError, write_atomic};

pub use crate::output::transcript_json;
pub use objects::StoreFeed;
pub use opus::OpusError;

/// A feed that cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The directory cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `--base-url` is not an absolute http(s) URL.
    #[error(
        "base url {url:?}: {message}; give where DIR is published, e.g. https://example.com/audio/"
    )]
    BaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// Writing a file failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An object store refused to list, read or write.
    #[error(
        "feed {location}: {source}; check that the store is reachable and that its credentials \
         (AWS_* variables) may list, read and write it"
    )]
    Store {
        /// The store's URL and the key involved.
        location: String,
        /// Why.
        source: object_store::Error,
    },
}

/// The channel's own details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedOptions {
    /// Where the directory is published: enclosure and chapter URLs are relative to it.
    pub base_url: String,
    /// The podcast's title.
    pub title: String,
    /// Its description. Default: the title.
    pub description: Option<String>,
    /// Its website. Default: `base_url`.
    pub link: Option<String>,
    /// Its author or publisher (`itunes:author`).
    pub author: Option<String>,
    /// Artwork URL (`itunes:image`).
    pub image: Option<String>,
    /// Language tag. Default: the most common language among the episodes.
    pub language: Option<String>,
    /// Apple Podcasts category. Default: `News`.
    pub category: String,
    /// Where the feed is written, relative to the directory. Default: `feed.xml`.
    pub file_name: String,
    /// Make the low-bandwidth Opus rendition of each episode that lacks one (with ffmpeg).
    /// Default: true. Renditions already there are listed either way.
    pub opus: bool,
}

impl FeedOptions {
    /// Options with defaults for everything but the base URL and title.
    #[must_use]
    pub fn new(base_url: &str, title: &str) -> FeedOptions {
        FeedOptions {
            base_url: base_url.to_owned(),
            title: title.to_owned(),
            description: None,
            link: None,
            author: None,
            image: None,
            language: None,
            category: "News".to_owned(),
            file_name: "feed.xml".to_owned(),
            opus: true,
        }
    }
}

/// What [`write_feed`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The feed file.
    pub path: PathBuf,
    /// Episodes in it.
    pub episodes: usize,
    /// Why episodes have no Opus rendition, when they were to get one and did not.
    pub opus_problem: Option<String>,
}

/// One narration to list, however it was found (a directory walk, an object store listing).
#[derive(Clone, Debug)]
pub struct Episode {
    /// The manifest's path relative to the published root, without `.json` (`world/story`).
    pub name: String,
    /// The manifest.
    pub manifest: Manifest,
    /// The enclosure: its path relative to the root, size in bytes and MIME type.
    pub audio: (String, u64, &'static str),
    /// The chapters file's path relative to the root, if there is one.
    pub chapters: Option<String>,
    /// The Opus rendition's path relative to the root and size in bytes, if there is one.
    pub opus: Option<(String, u64)>,
    /// When it was narrated (the manifest's modification time), for an undated article.
    pub narrated_at: Option<SystemTime>,
}

impl Episode {
    /// The episode a manifest named `name` describes, given the size of each file beside it
    /// (`None` when there is no such file); `None` when none of its audio is there (a dry
    /// run's manifest, or files moved away).
    pub fn new(
        name: String,
        manifest: Manifest,
        size_of: impl Fn(&str) -> Option<u64>,
    ) -> Option<Episode> {
        let folder = name.rsplit_once('/').map_or("", |(d, _)| d);
        let relative = |file: &str| {
            if folder.is_empty() { file.to_owned() } else { format!("{folder}/{file}") }
        };
        // MP3 is what every app plays; WAV only when it is all there is.
        let mut audio = manifest.audio.clone();
        audio.sort_by_key(|a| a.format != "mp3");
        let (chosen, size) = audio.into_iter().find_map(|a| {
            let size = size_of(&relative(&a.file))?;
            Some((a, size))
        })?;
        let mime = if chosen.format == "mp3" { "audio/mpeg" } else { "audio/wav" };
        let chapters = format!("{name}.chapters.json");
        let chapters = size_of(&chapters).is_some().then_some(chapters);
        let opus =
            relative(&std::path::Path::new(&chosen.file).with_extension("opus").to_string_lossy());
        let opus = size_of(&opus).map(|size| (opus, size));
        Some(Episode {
            audio: (relative(&chosen.file), size, mime),
            name,
            manifest,
            chapters,
            opus,
            narrated_at: None,
        })
    }

    /// Where its WebVTT transcript goes, relative to the root.
    #[must_use]
    pub fn transcript(&self) -> String {
        format!("{}.transcript.vtt", self.name)
    }

    /// Where its JSON transcript goes, relative to the root.
    #[must_use]
    pub fn transcript_json(&self) -> String {
        format!("{}.transcript.json", self.name)
    }

    /// When it was published: the article's time, else when it was narrated.
    fn published(&self) -> Option<SystemTime> {
        self.manifest.metadata.published.as_deref().and_then(parse_date).or(self.narrated_at)
    }
}

/// Write `dir/NAME.transcript.vtt` for every narration and the feed itself.
///
/// # Errors
///
/// An unreadable directory, a bad base URL, or a file that cannot be written.
pub fn write_feed(dir: &Path, options: &FeedOptions) -> Result<Written, FeedError> {
    base_url(&options.base_url)?;
    let mut manifests = Vec::new();
    find_manifests(dir, dir, &mut manifests)?;
    manifests.sort();
    let mut episodes = Vec::new();
    let mut opus_problem = None;
    let mut encoder = true;
    for relative in manifests {
        let path = dir.join(&relative);
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        // Other JSON (a report, a feed) is not an episode; nor is a dry run's manifest.
        let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else { continue };
        let Some(name) = relative.strip_suffix(".json").map(str::to_owned) else { continue };
        let size_of = |file: &str| {
            std::fs::metadata(dir.join(file))
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
        };
        let Some(mut episode) = Episode::new(name.clone(), manifest.clone(), size_of) else {
            continue;
        };
        if options.opus && encoder && episode.audio.2 == "audio/mpeg" {
            match opus::ensure(&dir.join(&episode.audio.0), &manifest) {
                Ok(_) => episode = Episode::new(name, manifest, size_of).unwrap_or(episode),
                Err(e) => {
                    // Without an encoder there is no point asking again for the next one.
                    encoder = !matches!(e, OpusError::NoEncoder);
                    opus_problem = Some(e.to_string());
                }
            }
        }
        episode.narrated_at = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        write_atomic(
            &dir.join(episode.transcript()),
            transcript_vtt(&episode.manifest).as_bytes(),
        )?;
        let json = transcript_json(&episode.manifest);
        write_atomic(&dir.join(episode.transcript_json()), json.as_bytes())?;
        episodes.push(episode);
    }
    let count = episodes.len();
    let xml = render_feed(episodes, options)?;
    let path = dir.join(&options.file_name);
    write_atomic(&path, xml.as_bytes())?;
    Ok(Written { path, episodes: count, opus_problem })
}

/// The feed for `episodes`, newest first (undated ones after, by name), as apps expect.
///
/// # Errors
///
/// A bad base URL.
pub fn render_feed(mut episodes: Vec<Episode>, options: &FeedOptions) -> Result<String, FeedError> {
    let base = base_url(&options.base_url)?;
    episodes.sort_by(|a, b| b.published().cmp(&a.published()).then_with(|| a.name.cmp(&b.name)));
    Ok(render(&episodes, options, &base))
}

fn find_manifests(root: &Path, dir: &Path, found: &mut Vec<String>) -> Result<(), FeedError> {
    let io = |source| FeedError::Io { path: dir.to_path_buf(), source };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type().map_err(io)?.is_dir() {
            find_manifests(root, &path, found)?;
        } else if name.ends_with(".json")
            && !name.ends_with(".chapters.json")
            && !name.ends_with(".transcript.json")
            && let Ok(relative) = path.strip_prefix(root)
        {
            let parts: Vec<String> =
                relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            found.push(parts.join("/"));
        }
    }
    Ok(())
}

/// A WebVTT transcript: one cue per spoken segment, at its time in the audio.
#[must_use]
pub fn transcript_vtt(manifest: &Manifest) -> String {
    let mut vtt = String::from("WEBVTT\n");
    for segment in &manifest.segments {
        let (Some(start), Some(end)) = (segment.start_ms, segment.end_ms) else { continue };
        let text = segment.text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        // A blank line ends a cue, so the text must not hold one.
        let text = text.split('\n').filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("\n");
        let _ = write!(vtt, "\n{} --> {}\n{text}\n", vtt_time(start), vtt_time(end));
    }
    vtt
}

fn vtt_time(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

fn base_url(text: &str) -> Result<url::Url, FeedError> {
    let fail = |message: &str| FeedError::BaseUrl { url: text.to_owned(), message: message.into() };
    let with_slash = if text.ends_with('/') { text.to_owned() } else { format!("{text}/") };
    let url = url::Url::parse(&with_slash).map_err(|e| fail(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(fail("podcast apps fetch over http or https"));
    }
    Ok(url)
}

/// `relative` (`/`-separated) under `base`, each segment percent-encoded.
fn url_for(base: &url::Url, relative: &str) -> String {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty();
        segments.extend(relative.split('/'));
    }
    url.to_string()
}

fn render(episodes: &[Episode], options: &FeedOptions, base: &url::Url) -> String {
    let mut xml = String::new();
    let link = options.link.clone().unwrap_or_else(|| base.to_string());
    let description = options.description.as_deref().unwrap_or(&options.title);
    let language = options.language.clone().or_else(|| common_language(episodes));
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(
        "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\" \
         xmlns:podcast=\"https://podcastindex.org/namespace/1.0\" \
         xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n",
    );
    element(&mut xml, 1, "title", &options.title);
    element(&mut xml, 1, "link", &link);
    element(&mut xml, 1, "description", description);
    let self_url = url_for(base, &options.file_name);
    let _ = writeln!(
        xml,
        "  <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>",
        escape(&self_url)
    );
    if let Some(language) = &language {
        element(&mut xml, 1, "language", language);
    }
    element(&mut xml, 1, "generator", concat!("articulate ", env!("CARGO_PKG_VERSION")));
    if let Some(newest) = episodes.iter().find_map(Episode::published) {
        element(&mut xml, 1, "pubDate", &rfc2822(newest));
    }
    if let Some(author) = &options.author {
        element(&mut xml, 1, "itunes:author", author);
    }
    if let Some(image) = &options.image {
        let _ = writeln!(xml, "  <itunes:image href=\"{}\"/>", escape(image));
    }
    let _ = writeln!(xml, "  <itunes:category text=\"{}\"/>", escape(&options.category));
    element(&mut xml, 1, "itunes:explicit", "false");
    element(&mut xml, 1, "itunes:type", "episodic");
    for episode in episodes {
        item(&mut xml, episode, base);
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

fn item(xml: &mut String, episode: &Episode, base: &url::Url) {
    let m = &episode.manifest;
    let disclosure = crate::output::disclosure_of(m);
    xml.push_str("  <item>\n");
    element(xml, 2, "title", &m.title);
    // Apps that read no podcast: tag still show the description.
    let description = match summary(m) {
        Some(summary) => format!("{summary}\n\n{disclosure}"),
        None => disclosure.clone(),
    };
    element(xml, 2, "description", &description);
    let guid = m.metadata.canonical_url.clone().unwrap_or_else(|| episode.name.clone());
    let _ = writeln!(xml, "    <guid isPermaLink=\"false\">{}</guid>", escape(&guid));
    if let Some(link) = &m.metadata.canonical_url {
        element(xml, 2, "link", link);
    }
    if let Some(published) = episode.published() {
        element(xml, 2, "pubDate", &rfc2822(published));
    }
    let (audio, length, mime) = &episode.audio;
    let _ = writeln!(
        xml,
        "    <enclosure url=\"{}\" length=\"{length}\" type=\"{mime}\"/>",
        escape(&url_for(base, audio))
    );
    if let Some(seconds) = m.duration_ms.map(|ms| ms.div_ceil(1000)) {
        element(xml, 2, "itunes:duration", &seconds.to_string());
    }
    let author = if m.metadata.authors.is_empty() {
        m.byline.clone()
    } else {
        Some(m.metadata.authors.join(", "))
    };
    if let Some(author) = author {
        element(xml, 2, "itunes:author", &author);
    }
    element(xml, 2, "itunes:explicit", "false");
    if let Some(chapters) = &episode.chapters {
        let _ = writeln!(
            xml,
            "    <podcast:chapters url=\"{}\" type=\"application/json+chapters\"/>",
            escape(&url_for(base, chapters))
        );
    }
    let _ = writeln!(
        xml,
        "    <podcast:transcript url=\"{}\" type=\"text/vtt\" rel=\"captions\"/>",
        escape(&url_for(base, &episode.transcript()))
    );
    let _ = writeln!(
        xml,
        "    <podcast:transcript url=\"{}\" type=\"application/json\"/>",
        escape(&url_for(base, &episode.transcript_json()))
    );
    alternate_enclosures(xml, episode, base);
    // The narrator is a synthetic voice: the cast says so, and a note says it in words.
    let _ = writeln!(
        xml,
        "    <podcast:person role=\"narrator\" group=\"cast\">{}</podcast:person>",
        escape(&format!("Synthetic voice ({}, {})", m.backend, m.voice))
    );
    let _ = writeln!(
        xml,
        "    <podcast:txt purpose=\"{SYNTHETIC_PURPOSE}\">{}</podcast:txt>",
        escape(&disclosure)
    );
    xml.push_str("  </item>\n");
}

/// The `podcast:txt` purpose of the synthetic-voice note.
pub const SYNTHETIC_PURPOSE: &str = "synthetic-voice";

/// The MP3 (the default) and the low-bandwidth Opus rendition, where there is one, as
/// `podcast:alternateEnclosure`s: apps that understand them offer the choice.
fn alternate_enclosures(xml: &mut String, episode: &Episode, base: &url::Url) {
    let Some((opus, opus_length)) = &episode.opus else { return };
    let seconds = episode.manifest.duration_ms.map(|ms| ms as f64 / 1000.0).filter(|s| *s > 0.0);
    let bitrate =
        |length: u64| seconds.map(|s| format!(" bitrate=\"{:.0}\"", length as f64 * 8.0 / s));
    let (audio, length, mime) = &episode.audio;
    let _ = writeln!(
        xml,
        "    <podcast:alternateEnclosure type=\"{mime}\" length=\"{length}\"{} default=\"true\" \
         title=\"Standard\">\n      <podcast:source uri=\"{}\"/>\n    </podcast:alternateEnclosure>",
        bitrate(*length).unwrap_or_default(),
        escape(&url_for(base, audio))
    );
    let _ = writeln!(
        xml,
        "    <podcast:alternateEnclosure type=\"{}\" codecs=\"opus\" length=\"{opus_length}\"{} \
         title=\"Low bandwidth\">\n      <podcast:source uri=\"{}\"/>\n    </podcast:alternateEnclosure>",
        opus::MIME,
        bitrate(*opus_length).unwrap_or_default(),
        escape(&url_for(base, opus))
    );
}

/// A time as RFC 2822 (`Mon, 25 Apr 2022 10:30:00 +0000`), as RSS dates are written.
fn rfc2822(time: SystemTime) -> String {
    let http = httpdate::fmt_http_date(time);
    match http.strip_suffix(" GMT") {
        Some(rest) => format!("{rest} +0000"),
        None => http,
    }
}

/// The standfirst, else the first paragraph.
fn summary(manifest: &Manifest) -> Option<String> {
    let find = |kind| manifest.segments.iter().find(|s| s.kind == kind).map(|s| s.text.clone());
    find(BlockKind::Standfirst).or_else(|| find(BlockKind::Paragraph))
}

fn common_language(episodes: &[Episode]) -> Option<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for episode in episodes {
        if let Some(language) = &episode.manifest.language {
            *counts.entry(language).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(l, _)| l.to_owned())
}

fn element(xml: &mut String, depth: usize, name: &str, text: &str) {
    let _ = writeln!(xml, "{}<{name}>{}</{name}>", "  ".repeat(depth), escape(text));
}

/// A publication time as articles write it: ISO 8601 (`2022-04-25`, `2022-04-25T10:30:00Z`,
/// `2022-04-25T10:30+01:00`, `2022-04-25 10:30:00`), `25 April 2022` or `April 25, 2022`.
/// A time without a zone is taken as UTC; a date without a time is midnight UTC.
fn parse_date(text: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let text = text.trim();
    if let (Some(y), Some(m), Some(d)) = (text.get(0..4), text.get(5..7), text.get(8..10))
        && text.as_bytes().get(4) == Some(&b'-')
        && text.as_bytes().get(7) == Some(&b'-')
    {
        let day = civil(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
        let time = text.get(10..).and_then(time_of_day).unwrap_or(0);
        return if time >= 0 {
            day.checked_add(Duration::from_secs(time.unsigned_abs()))
        } else {
            day.checked_sub(Duration::from_secs(time.unsigned_abs()))
        };
    }
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let month = |w: &str| MONTHS.iter().position(|m| w.starts_with(m)).map(|i| i as u32 + 1);
    let day = |w: &str| w.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse::<u32>().ok();
    for window in words.windows(3) {
        let (a, b, c) = (&window[0], &window[1], &window[2]);
        let Ok(year) = c.parse::<i64>() else { continue };
        if let (Some(d), Some(m)) = (day(a), month(b)) {
            return civil(year, m, d);
        }
        if let (Some(m), Some(d)) = (month(a), day(b)) {
            return civil(year, m, d);
        }
    }
    None
}

/// Seconds after midnight UTC (negative when a zone ahead of UTC puts it the day before) of
/// an ISO 8601 time after a date: `T10:30`, `T10:30:05.250Z`, ` 10:30:05+01:00`, `T1030-0500`.
fn time_of_day(text: &str) -> Option<i64> {
    let text = text.strip_prefix(['T', 't', ' '])?;
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    let number = |s: &str| s.parse::<i64>().ok();
    let (clock, zone) = match text.find(['Z', 'z', '+', '-']) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let clock = clock.split(['.', ',']).next()?;
    let parts: Vec<&str> = if clock.contains(':') {
        clock.split(':').collect()
    } else {
        (0..clock.len()).step_by(2).filter_map(|i| clock.get(i..i + 2)).collect()
    };
    if !(2..=3).contains(&parts.len()) || !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let (hours, minutes) = (number(parts[0])?, number(parts[1])?);
    let seconds = parts.get(2).and_then(|s| number(s)).unwrap_or(0);
    if hours > 23 || minutes > 59 || seconds > 60 {
        return None;
    }
    let offset = match zone.chars().next() {
        None | Some('Z' | 'z') => 0,
        Some(sign) => {
            let zone = zone[1..].replace(':', "");
            let (h, m) = (zone.get(0..2)?, zone.get(2..4).unwrap_or("00"));
            let minutes = number(h)? * 60 + number(m)?;
            if sign == '+' { minutes * 60 } else { -minutes * 60 }
        }
    };
    Some(hours * 3600 + minutes * 60 + seconds - offset)
}

/// Midnight UTC on a calendar day (Howard Hinnant's `days_from_civil`).
fn civil(year: i64, month: u32, day: u32) -> Option<SystemTime> {
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(days * 86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publication_dates_in_the_usual_forms_are_read() {
        let day = |y, m, d| civil(y, m, d).unwrap();
        let at = |y, m, d, seconds| day(y, m, d) + Duration::from_secs(seconds);
        assert_eq!(parse_date("2022-04-25"), Some(day(2022, 4, 25)));
        assert_eq!(parse_date("2022-04-25T10:30:00Z"), Some(at(2022, 4, 25, 37_800)));
        assert_eq!(parse_date("2022-04-25T10:30:05.250Z"), Some(at(2022, 4, 25, 37_805)));
        assert_eq!(parse_date("2022-04-25T10:30+01:00"), Some(at(2022, 4, 25, 34_200)));
        assert_eq!(parse_date("2022-04-25 10:30:00-0500"), Some(at(2022, 4, 25, 55_800)));
        assert_eq!(parse_date("2022-04-25T00:30:00+02:00"), Some(at(2022, 4, 24, 81_000)));
        assert_eq!(
            parse_date("2022-04-25T10:30:00"),
            Some(at(2022, 4, 25, 37_800)),
            "no zone: UTC"
        );
        assert_eq!(parse_date("2022-04-25Tnonsense"), Some(day(2022, 4, 25)), "the date holds");
        assert_eq!(rfc2822(at(2022, 4, 25, 37_800)), "Mon, 25 Apr 2022 10:30:00 +0000");
        assert_eq!(parse_date("25 April 2022"), Some(day(2022, 4, 25)));
        assert_eq!(parse_date("Monday, April 25th, 2022"), Some(day(2022, 4, 25)));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(httpdate::fmt_http_date(day(2022, 4, 25)), "Mon, 25 Apr 2022 00:00:00 GMT");
    }

    #[test]
    fn text_is_escaped_and_urls_are_percent_encoded() {
        assert_eq!(escape("Q&A: <\"x\">\u{1}"), "Q&amp;A: &lt;&quot;x&quot;&gt;");
        let base = base_url("https://example.com/audio").unwrap();
        assert_eq!(
            url_for(&base, "world/a b?.mp3"),
            "https://example.com/audio/world/a%20b%3F.mp3"
        );
        assert!(base_url("ftp://example.com").is_err());
        assert!(base_url("audio/").is_err());
    }

    #[test]
    fn a_transcript_has_one_cue_per_timed_segment() {
        let mut manifest: Manifest = serde_json::from_value(serde_json::json!({
            "version": 2, "title": "T", "byline": null, "language": "en",
            "source": {"path": "a.txt", "sha256": "00"}, "backend": "tone", "voice": "tone",
            "duration_ms": 4000, "audio": [], "chapters": [], "skipped": [],
            "segments": [
                {"id": 0, "chapter": 0, "kind": "headline", "text": "T & <b>", "start_ms": 0, "end_ms": 1500},
                {"id": 1, "chapter": 0, "kind": "paragraph", "text": "Line.", "start_ms": 3_661_001, "end_ms": 3_662_000}
            ]
        }))
        .unwrap();
        let vtt = transcript_vtt(&manifest);
        assert_eq!(
            vtt,
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nT &amp; &lt;b&gt;\n\n\
             01:01:01.001 --> 01:01:02.000\nLine.\n"
        );
        manifest.segments[0].start_ms = None;
        assert!(!transcript_vtt(&manifest).contains("T &amp;"));
    }
}
