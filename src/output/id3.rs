//! The MP3's ID3v2 tag: title, artist and album, and the chapters as `CHAP` frames under a
//! `CTOC` table of contents (the ID3v2 Chapter Frame Addendum), which podcast apps and
//! `ffprobe -show_chapters` read.
//!
//! The narration says it is synthetic: a `TXXX:SYNTHETIC_VOICE` frame naming the backend and
//! voice (for machines) and a `COMM` frame with the disclosure in words (which players show
//! as the comment).
//!
//! ID3v2.3 rather than 2.4: every player that reads chapters reads 2.3, and not all of them
//! read 2.4.

use ::id3::frame::{Chapter, Comment, ExtendedText, TableOfContents};
use ::id3::{Frame, Tag, TagLike};

use crate::model::{Manifest, Samples, Timeline};

/// The `TXXX` description that marks a narration as a synthetic voice.
pub const SYNTHETIC_VOICE: &str = "SYNTHETIC_VOICE";

/// A `CTOC` frame lists at most this many children: its entry count is one byte.
const CTOC_MAX: usize = 255;

/// The tag for a narration: text frames from the manifest, chapters from the timeline.
///
/// Chapter element ids are `chp0`, `chp1`, … in order, each with a `TIT2` sub-frame holding
/// its title. One top-level, ordered `CTOC` (`toc`) lists them all; past 255 chapters it
/// lists sub-tables (`toc0`, `toc1`, …) of up to 255 each instead.
pub(super) fn tag(timeline: &Timeline, manifest: &Manifest) -> Tag {
    let mut tag = Tag::new();
    tag.set_title(manifest.title.clone());
    if let Some(artist) = artist(manifest) {
        tag.set_artist(artist);
    }
    tag.set_album(manifest.metadata.publication.clone().unwrap_or_else(|| "articulate".into()));
    if manifest.synthetic {
        tag.add_frame(ExtendedText {
            description: SYNTHETIC_VOICE.into(),
            value: format!("backend={}; voice={}", manifest.backend, manifest.voice),
        });
        tag.add_frame(Comment {
            lang: "eng".into(),
            description: String::new(),
            text: super::disclosure_of(manifest),
        });
    }

    // CHAP times are whole milliseconds, the same conversion every other chapter file uses.
    let ms = |s: Samples| u32::try_from(s.to_ms(timeline.rate)).unwrap_or(u32::MAX);
    let ids: Vec<String> = (0..timeline.chapters.len()).map(|i| format!("chp{i}")).collect();
    for (chapter, id) in timeline.chapters.iter().zip(&ids) {
        tag.add_frame(Chapter {
            element_id: id.clone(),
            start_time: ms(chapter.span.start),
            end_time: ms(chapter.span.end),
            // All ones: "use the times", the byte offsets are not given.
            start_offset: u32::MAX,
            end_offset: u32::MAX,
            frames: vec![Frame::text("TIT2", chapter.title.clone())],
        });
    }
    if ids.is_empty() {
        return tag;
    }
    let top = if ids.len() <= CTOC_MAX {
        ids
    } else {
        let groups: Vec<String> =
            ids.chunks(CTOC_MAX).enumerate().map(|(i, _)| format!("toc{i}")).collect();
        for (group, elements) in groups.iter().zip(ids.chunks(CTOC_MAX)) {
            tag.add_frame(TableOfContents {
                element_id: group.clone(),
                top_level: false,
                ordered: true,
                elements: elements.to_vec(),
                frames: vec![],
            });
        }
        groups
    };
    tag.add_frame(TableOfContents {
        element_id: "toc".into(),
        top_level: true,
        ordered: true,
        elements: top,
        frames: vec![Frame::text("TIT2", manifest.title.clone())],
    });
    tag
}

/// The artist: the authors, else the byline without its "By", else the publication.
fn artist(manifest: &Manifest) -> Option<String> {
    if !manifest.metadata.authors.is_empty() {
        return Some(manifest.metadata.authors.join(", "));
    }
    let byline = manifest.byline.as_deref().map(str::trim).filter(|b| !b.is_empty());
    byline
        .map(|b| match b.get(..3) {
            Some(by) if by.eq_ignore_ascii_case("by ") => b[3..].trim_start().to_owned(),
            _ => b.to_owned(),
        })
        .or_else(|| manifest.metadata.publication.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Chapter as TimelineChapter, SampleRate, Span};
    use crate::output::tests::{programme, programme_manifest};

    fn read_back(tag: &Tag) -> Tag {
        let mut bytes = Vec::new();
        tag.write_to(&mut bytes, ::id3::Version::Id3v23).unwrap();
        Tag::read_from2(std::io::Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn id3_has_a_chap_frame_per_chapter_under_one_ordered_top_level_ctoc() {
        let (_, timeline) = programme(SampleRate(24_000));
        let tag = read_back(&tag(&timeline, &programme_manifest(&timeline)));
        let chapters: Vec<&Chapter> = tag.chapters().collect();
        assert_eq!(chapters.len(), timeline.chapters.len());
        for (i, (chap, expected)) in chapters.iter().zip(&timeline.chapters).enumerate() {
            assert_eq!(chap.element_id, format!("chp{i}"));
            assert_eq!(u64::from(chap.start_time), expected.span.start.to_ms(timeline.rate));
            assert_eq!(u64::from(chap.end_time), expected.span.end.to_ms(timeline.rate));
            assert_eq!(chap.frames[0].id(), "TIT2");
            assert_eq!(chap.frames[0].content().text(), Some(expected.title.as_str()));
        }
        let tocs: Vec<&TableOfContents> = tag.tables_of_contents().collect();
        assert_eq!(tocs.len(), 1);
        assert!(tocs[0].top_level && tocs[0].ordered);
        assert_eq!(tocs[0].elements, ["chp0", "chp1", "chp2"]);
    }

    #[test]
    fn title_artist_and_album_come_from_the_manifest() {
        let (_, timeline) = programme(SampleRate(24_000));
        let mut manifest = programme_manifest(&timeline);
        let read = read_back(&tag(&timeline, &manifest));
        assert_eq!(read.title(), Some("A title"));
        assert_eq!(read.artist(), Some("Jo Bloggs"), "the byline without its By");
        assert_eq!(read.album(), Some("articulate"), "no publication");
        manifest.metadata.authors = vec!["Ann Author".into(), "Bo Writer".into()];
        manifest.metadata.publication = Some("The Daily".into());
        let read = read_back(&tag(&timeline, &manifest));
        assert_eq!(read.artist(), Some("Ann Author, Bo Writer"));
        assert_eq!(read.album(), Some("The Daily"));
        manifest.metadata.authors.clear();
        manifest.byline = None;
        assert_eq!(artist(&manifest).as_deref(), Some("The Daily"));
    }

    #[test]
    fn the_tag_discloses_a_synthetic_voice_for_machines_and_people() {
        let (_, timeline) = programme(SampleRate(24_000));
        let manifest = programme_manifest(&timeline);
        let read = read_back(&tag(&timeline, &manifest));
        let marked: Vec<&ExtendedText> =
            read.extended_texts().filter(|t| t.description == SYNTHETIC_VOICE).collect();
        assert_eq!(marked.len(), 1);
        assert_eq!(
            marked[0].value,
            format!("backend={}; voice={}", manifest.backend, manifest.voice)
        );
        let comment = read.comments().next().unwrap();
        assert_eq!(comment.text, super::super::disclosure_of(&manifest));
        assert!(comment.text.starts_with("Narrated by a synthetic voice"), "{}", comment.text);
    }

    #[test]
    fn more_than_255_chapters_are_grouped_under_sub_tables() {
        let rate = SampleRate(24_000);
        let chapters = (0..300u64)
            .map(|i| TimelineChapter {
                title: format!("Chapter {i}"),
                span: Span { start: Samples(i * 100), end: Samples(i * 100 + 100) },
            })
            .collect();
        let timeline = Timeline { rate, total: Samples(30_000), chapters, segments: vec![] };
        let tag = read_back(&tag(&timeline, &programme_manifest(&timeline)));
        assert_eq!(tag.chapters().count(), 300);
        let tocs: Vec<&TableOfContents> = tag.tables_of_contents().collect();
        let top: Vec<_> = tocs.iter().filter(|t| t.top_level).collect();
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].elements, ["toc0", "toc1"]);
        let listed: usize = tocs.iter().filter(|t| !t.top_level).map(|t| t.elements.len()).sum();
        assert_eq!(listed, 300);
    }
}
