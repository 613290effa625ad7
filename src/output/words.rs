//! Word-level files beside the audio, from the manifest's word timings (already whole
//! milliseconds of the same frame counts as the chapters):
//!
//! | file                   | what                                                       |
//! |------------------------|------------------------------------------------------------|
//! | `NAME.words.vtt`       | WebVTT, one cue per segment, a karaoke timestamp per word  |
//! | `NAME.transcript.json` | Podcasting 2.0 JSON transcript, one segment per timed word |
//! | `NAME.smil`, `NAME.xhtml` | EPUB 3 Media Overlay and the text it points into (`--format smil`) |

use std::fmt::Write;

use serde_json::json;

use crate::model::{Manifest, ManifestSegment, ManifestWord};

fn timestamp(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

fn timed(manifest: &Manifest) -> impl Iterator<Item = (&ManifestSegment, &[ManifestWord])> {
    manifest
        .segments
        .iter()
        .filter_map(|s| s.words.as_deref().filter(|w| !w.is_empty()).map(|w| (s, w)))
}

/// Whether the manifest times any word.
pub(super) fn any(manifest: &Manifest) -> bool {
    timed(manifest).next().is_some()
}

fn escape_cue(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace(['\r', '\n'], " ")
}

/// WebVTT with one cue per segment, its text carrying a `<timestamp>` before each word after
/// the first (karaoke style), so a player highlights word by word.
pub(super) fn webvtt(manifest: &Manifest) -> String {
    let mut out = String::from("WEBVTT\n");
    for (n, (segment, words)) in timed(manifest).enumerate() {
        let start = segment.start_ms.unwrap_or(words[0].start_ms).min(words[0].start_ms);
        let last = words.last().map_or(start, |w| w.end_ms);
        let end = segment.end_ms.unwrap_or(last).max(last).max(start + 1);
        let chars: Vec<char> = segment.text.chars().collect();
        let mut text = String::new();
        let mut at = 0;
        for (k, word) in words.iter().enumerate() {
            let from = word.char_start.min(chars.len()).max(at);
            text.push_str(&escape_cue(&chars[at..from].iter().collect::<String>()));
            if k > 0 {
                let _ = write!(text, "<{}>", timestamp(word.start_ms.clamp(start, end)));
            }
            at = from;
        }
        text.push_str(&escape_cue(&chars[at..].iter().collect::<String>()));
        let text = text.replace("-->", "--&gt;");
        let _ = write!(
            out,
            "\n{}\n{} --> {}\n{}\n",
            n + 1,
            timestamp(start),
            timestamp(end),
            text.trim()
        );
    }
    out
}

/// The Podcasting 2.0 JSON transcript (`<podcast:transcript type="application/json">`,
/// version 1.0.0): one transcript segment per timed word, or one per spoken segment where its
/// words are not timed; times in seconds with millisecond precision. Untimed segments (a dry
/// run's) are left out. The one writer of `NAME.transcript.json`, for narrations and feeds.
#[must_use]
pub fn transcript_json(manifest: &Manifest) -> String {
    #[allow(clippy::cast_precision_loss)] // milliseconds stay far below 2^53
    let seconds = |ms: u64| ms as f64 / 1000.0;
    let mut segments = Vec::new();
    for segment in &manifest.segments {
        let (Some(start), Some(end)) = (segment.start_ms, segment.end_ms) else { continue };
        match segment.words.as_deref() {
            Some(words) if !words.is_empty() => {
                segments.extend(words.iter().map(|w| {
                    json!({"startTime": seconds(w.start_ms), "endTime": seconds(w.end_ms), "body": w.text})
                }));
            }
            _ => segments.push(
                json!({"startTime": seconds(start), "endTime": seconds(end), "body": segment.text}),
            ),
        }
    }
    let mut text =
        serde_json::to_string_pretty(&json!({ "version": "1.0.0", "segments": segments }))
            .unwrap_or_default();
    text.push('\n');
    text
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An EPUB 3 Media Overlay for `audio_file`: `NAME.xhtml`, the article's spoken text with a
/// `<span id="wN">` per word, and `NAME.smil`, a `<par>` per word pairing its span with its
/// clip of the audio. Returns (smil, xhtml).
pub(super) fn media_overlay(manifest: &Manifest, stem: &str, audio_file: &str) -> (String, String) {
    let xhtml_file = format!("{stem}.xhtml");
    let mut body = String::new();
    let mut pars = String::new();
    let mut n = 0;
    for segment in &manifest.segments {
        let chars: Vec<char> = segment.text.chars().collect();
        let words = segment.words.as_deref().unwrap_or_default();
        let _ = write!(body, "    <p id=\"s{}\">", segment.id);
        let mut at = 0;
        for word in words {
            let from = word.char_start.min(chars.len()).max(at);
            let to = word.char_end.min(chars.len()).max(from);
            body.push_str(&escape_xml(&chars[at..from].iter().collect::<String>()));
            let _ = write!(
                body,
                "<span id=\"w{n}\">{}</span>",
                escape_xml(&chars[from..to].iter().collect::<String>())
            );
            let _ = writeln!(
                pars,
                "      <par id=\"p{n}\"><text src=\"{}#w{n}\"/><audio src=\"{}\" clipBegin=\"{:.3}s\" clipEnd=\"{:.3}s\"/></par>",
                escape_xml(&xhtml_file),
                escape_xml(audio_file),
                word.start_ms as f64 / 1000.0,
                word.end_ms as f64 / 1000.0,
            );
            at = to;
            n += 1;
        }
        body.push_str(&escape_xml(&chars[at..].iter().collect::<String>()));
        body.push_str("</p>\n");
    }
    let language = manifest.language.as_deref().unwrap_or("en");
    let xhtml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" \
         xmlns:epub=\"http://www.idpf.org/2007/ops\" xml:lang=\"{lang}\" lang=\"{lang}\">\n  <head><title>{title}</title></head>\n  <body>\n{body}  </body>\n</html>\n",
        lang = escape_xml(language),
        title = escape_xml(&manifest.title),
    );
    let smil = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<smil xmlns=\"http://www.w3.org/ns/SMIL\" \
         xmlns:epub=\"http://www.idpf.org/2007/ops\" version=\"3.0\">\n  <body>\n    <seq id=\"article\" epub:textref=\"{}\">\n{pars}    </seq>\n  </body>\n</smil>\n",
        escape_xml(&xhtml_file),
    );
    (smil, xhtml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BlockKind, Metadata, SourceRef};

    fn manifest() -> Manifest {
        let word = |text: &str, s, e, a, b| ManifestWord {
            text: text.into(),
            start_ms: s,
            end_ms: e,
            char_start: a,
            char_end: b,
        };
        Manifest {
            version: 2,
            title: "T & <b>".into(),
            byline: None,
            language: Some("en".into()),
            metadata: Metadata::default(),
            source: SourceRef { path: "x".into(), sha256: String::new(), url: None },
            backend: "tone".into(),
            voice: "tone".into(),
            fallback: None,
            synthetic: true,
            disclosure: None,
            duration_ms: Some(3000),
            audio: vec![],
            chapters: vec![],
            segments: vec![crate::model::ManifestSegment {
                id: 0,
                chapter: 0,
                kind: BlockKind::Paragraph,
                text: "It cost £1.5m <here>.".into(),
                speak: None,
                start_ms: Some(1000),
                end_ms: Some(2500),
                verification: None,
                words: Some(vec![
                    word("It", 1000, 1100, 0, 2),
                    word("cost", 1150, 1400, 3, 7),
                    word("£1.5m", 1450, 2100, 8, 13),
                    word("here", 2150, 2400, 15, 19),
                ]),
            }],
            skipped: vec![],
            extraction: None,
            cost: None,
            settings_hash: None,
        }
    }

    #[test]
    fn word_vtt_has_a_timestamp_before_each_later_word() {
        let vtt = webvtt(&manifest());
        assert_eq!(
            vtt,
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nIt <00:00:01.150>cost <00:00:01.450>£1.5m &lt;<00:00:02.150>here&gt;.\n"
        );
    }

    #[test]
    fn the_podcast_transcript_has_a_segment_per_word() {
        let json: serde_json::Value = serde_json::from_str(&transcript_json(&manifest())).unwrap();
        assert_eq!(json["version"], "1.0.0");
        assert_eq!(json["segments"][2]["body"], "£1.5m");
        assert_eq!(json["segments"][2]["startTime"], 1.45);
        assert_eq!(json["segments"][2]["endTime"], 2.1);
    }

    #[test]
    fn the_media_overlay_pairs_each_word_span_with_its_clip() {
        let (smil, xhtml) = media_overlay(&manifest(), "story", "story.mp3");
        assert!(xhtml.contains("<p id=\"s0\"><span id=\"w0\">It</span> <span id=\"w1\">cost</span> <span id=\"w2\">£1.5m</span> &lt;<span id=\"w3\">here</span>&gt;.</p>"), "{xhtml}");
        assert!(smil.contains("<par id=\"p2\"><text src=\"story.xhtml#w2\"/><audio src=\"story.mp3\" clipBegin=\"1.450s\" clipEnd=\"2.100s\"/></par>"), "{smil}");
        assert!(
            roxmltree::Document::parse(&smil).is_ok() && roxmltree::Document::parse(&xhtml).is_ok()
        );
    }

    /// A manifest as an older writer or another tool may have left it: one segment with
    /// timed words, one without, one untimed.
    fn mixed() -> Manifest {
        serde_json::from_value(serde_json::json!({
            "version": 1, "title": "T", "byline": null, "language": "en",
            "source": {"path": "a.txt", "sha256": "00"}, "backend": "tone", "voice": "tone",
            "duration_ms": 4000, "audio": [], "chapters": [], "skipped": [],
            "segments": [
                {"id": 0, "chapter": 0, "kind": "headline", "text": "Big news", "start_ms": 0, "end_ms": 1500,
                 "words": [
                    {"text": "Big", "start_ms": 0, "end_ms": 600, "char_start": 0, "char_end": 3},
                    {"text": "news", "start_ms": 700, "end_ms": 1500, "char_start": 4, "char_end": 8}
                 ]},
                {"id": 1, "chapter": 0, "kind": "paragraph", "text": "A \"line\".", "start_ms": 2000, "end_ms": 3250},
                {"id": 2, "chapter": 0, "kind": "paragraph", "text": "Untimed.", "start_ms": null, "end_ms": null}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_segment_without_timed_words_stays_one_transcript_segment() {
        let parsed: serde_json::Value = serde_json::from_str(&transcript_json(&mixed())).unwrap();
        assert_eq!(parsed["version"], "1.0.0");
        assert_eq!(
            parsed["segments"],
            serde_json::json!([
                {"startTime": 0.0, "endTime": 0.6, "body": "Big"},
                {"startTime": 0.7, "endTime": 1.5, "body": "news"},
                {"startTime": 2.0, "endTime": 3.25, "body": "A \"line\"."}
            ])
        );
    }

    #[test]
    fn without_any_timed_word_each_timed_segment_is_a_transcript_segment() {
        let mut manifest = mixed();
        manifest.segments[0].words = None;
        let parsed: serde_json::Value = serde_json::from_str(&transcript_json(&manifest)).unwrap();
        assert_eq!(
            parsed["segments"],
            serde_json::json!([
                {"startTime": 0.0, "endTime": 1.5, "body": "Big news"},
                {"startTime": 2.0, "endTime": 3.25, "body": "A \"line\"."}
            ])
        );
    }
}
