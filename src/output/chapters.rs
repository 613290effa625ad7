//! Chapter files beside the audio: WebVTT chapters (for `<track kind="chapters">`) and
//! Podcasting 2.0 JSON chapters. Both take their times from [`Samples::to_ms`], as the ID3
//! tag, the WAV cues and the manifest do, so every format agrees to the millisecond.

use std::fmt::Write;

use serde::Serialize;

use crate::model::{Samples, Timeline};

/// `HH:MM:SS.mmm`, hours not wrapping.
fn timestamp(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// WebVTT with one cue per chapter, numbered from 1.
pub(super) fn webvtt(timeline: &Timeline) -> String {
    let mut out = String::from("WEBVTT\n");
    for (i, chapter) in timeline.chapters.iter().enumerate() {
        let start = timestamp(chapter.span.start.to_ms(timeline.rate));
        let end = timestamp(chapter.span.end.to_ms(timeline.rate));
        // A cue's text ends at a blank line and may not hold "-->"; a title is one line.
        let title = chapter.title.replace("-->", "->").replace(['\r', '\n'], " ");
        let _ = write!(out, "\n{}\n{start} --> {end}\n{title}\n", i + 1);
    }
    out
}

/// The Podcasting 2.0 chapters document, keys in the order the spec lists them.
#[derive(Serialize)]
struct PodcastChapters<'a> {
    version: &'static str,
    chapters: Vec<PodcastChapter<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodcastChapter<'a> {
    start_time: f64,
    end_time: f64,
    title: &'a str,
}

/// Podcasting 2.0 JSON chapters, version 1.2.0: times in seconds with millisecond
/// precision, pretty-printed, with a trailing newline.
pub(super) fn podcasting_json(timeline: &Timeline) -> String {
    // Whole milliseconds over 1000 print as the shortest decimal, e.g. 1.234.
    #[allow(clippy::cast_precision_loss)] // milliseconds stay far below 2^53
    let seconds = |s: Samples| s.to_ms(timeline.rate) as f64 / 1000.0;
    let doc = PodcastChapters {
        version: "1.2.0",
        chapters: timeline
            .chapters
            .iter()
            .map(|c| PodcastChapter {
                start_time: seconds(c.span.start),
                end_time: seconds(c.span.end),
                title: &c.title,
            })
            .collect(),
    };
    // Serializing plain numbers and strings into a String cannot fail.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Chapter, SampleRate, Span};

    fn timeline() -> Timeline {
        let rate = SampleRate(24_000);
        let at = |ms: u64| Samples(ms * 24 + 23); // 23 frames short of the next millisecond
        Timeline {
            rate,
            total: at(3_725_042),
            chapters: vec![
                Chapter {
                    title: "Intro --> here".into(),
                    span: Span { start: Samples(0), end: at(1_234) },
                },
                Chapter {
                    title: "Two\nlines".into(),
                    span: Span { start: at(1_234), end: at(3_725_042) },
                },
            ],
            segments: vec![],
        }
    }

    #[test]
    fn webvtt_cues_cover_each_chapter_in_milliseconds_rounded_down() {
        assert_eq!(
            webvtt(&timeline()),
            "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.234\nIntro -> here\n\n\
             2\n00:00:01.234 --> 01:02:05.042\nTwo lines\n"
        );
    }

    #[test]
    fn podcasting_json_has_version_1_2_0_and_times_in_seconds() {
        let text = podcasting_json(&timeline());
        assert!(text.starts_with("{\n  \"version\": \"1.2.0\",\n  \"chapters\": ["), "{text}");
        assert!(text.ends_with("}\n"));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let second = &json["chapters"][1];
        assert_eq!(second["startTime"].as_f64(), Some(1.234));
        assert_eq!(second["endTime"].as_f64(), Some(3725.042));
        assert_eq!(second["title"], "Two\nlines");
        assert!(text.contains("\"startTime\": 1.234,"), "printed exactly: {text}");
    }
}
