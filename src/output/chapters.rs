//! Chapter files: WebVTT chapters and Podcasting 2.0 JSON chapters.

use std::fmt::Write;

use crate::model::Timeline;

/// `HH:MM:SS.mmm`.
fn timestamp(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// WebVTT with one cue per chapter.
pub(super) fn webvtt(timeline: &Timeline) -> String {
    let mut out = String::from("WEBVTT\n");
    for (i, chapter) in timeline.chapters.iter().enumerate() {
        let start = chapter.span.start.to_ms(timeline.rate);
        let end = chapter.span.end.to_ms(timeline.rate);
        // Cue text cannot hold "-->" or blank lines; titles are one line already.
        let title = chapter.title.replace("-->", "->").replace('\n', " ");
        let _ = write!(out, "\n{}\n{} --> {}\n{title}\n", i + 1, timestamp(start), timestamp(end));
    }
    out
}

/// Podcasting 2.0 JSON chapters, version 1.2.0; times in seconds.
pub(super) fn podcasting_json(timeline: &Timeline) -> String {
    #[allow(clippy::cast_precision_loss)] // milliseconds below 2^53
    let seconds = |ms: u64| ms as f64 / 1000.0;
    let chapters: Vec<serde_json::Value> = timeline
        .chapters
        .iter()
        .map(|c| {
            serde_json::json!({
                "startTime": seconds(c.span.start.to_ms(timeline.rate)),
                "endTime": seconds(c.span.end.to_ms(timeline.rate)),
                "title": c.title,
            })
        })
        .collect();
    let doc = serde_json::json!({ "version": "1.2.0", "chapters": chapters });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
