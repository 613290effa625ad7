//! The Podcasting 2.0 JSON transcript (`application/json`, version 1.0.0), written from the
//! manifest: one segment per spoken segment, at its time in the audio, or one per word where
//! the manifest times words.

use serde_json::{Value, json};

use crate::model::Manifest;

/// `NAME.transcript.json` for a manifest.
#[must_use]
pub fn transcript_json(manifest: &Manifest, words: Option<&Value>) -> String {
    let seconds = |ms: u64| (ms as f64) / 1000.0;
    let mut segments = Vec::new();
    for (index, segment) in manifest.segments.iter().enumerate() {
        let (Some(start), Some(end)) = (segment.start_ms, segment.end_ms) else { continue };
        let timed = words.and_then(|w| timed_words(w, index));
        match timed {
            Some(timed) if !timed.is_empty() => {
                for (text, start, end) in timed {
                    segments.push(json!({
                        "startTime": seconds(start), "endTime": seconds(end), "body": text,
                    }));
                }
            }
            _ => segments.push(json!({
                "startTime": seconds(start), "endTime": seconds(end), "body": segment.text,
            })),
        }
    }
    let mut text =
        serde_json::to_string_pretty(&json!({ "version": "1.0.0", "segments": segments }))
            .unwrap_or_default();
    text.push('\n');
    text
}

/// The words of the `index`th segment of a manifest read as JSON, where they are timed
/// (`segments[].words[] {text, start_ms, end_ms}`): manifests from before word timings, or
/// from a backend that gives none, have no such field.
fn timed_words(manifest: &Value, index: usize) -> Option<Vec<(String, u64, u64)>> {
    let words = manifest.get("segments")?.get(index)?.get("words")?.as_array()?;
    words
        .iter()
        .map(|w| {
            Some((
                w.get("text")?.as_str()?.to_owned(),
                w.get("start_ms")?.as_u64()?,
                w.get("end_ms")?.as_u64()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> (Manifest, Value) {
        let value = json!({
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
        });
        (serde_json::from_value(value.clone()).unwrap(), value)
    }

    #[test]
    fn each_timed_segment_is_a_transcript_segment_in_seconds() {
        let (manifest, _) = manifest();
        let parsed: Value = serde_json::from_str(&transcript_json(&manifest, None)).unwrap();
        assert_eq!(parsed["version"], "1.0.0");
        assert_eq!(
            parsed["segments"],
            json!([
                {"startTime": 0.0, "endTime": 1.5, "body": "Big news"},
                {"startTime": 2.0, "endTime": 3.25, "body": "A \"line\"."}
            ])
        );
    }

    #[test]
    fn timed_words_become_one_transcript_segment_each() {
        let (manifest, value) = manifest();
        let parsed: Value =
            serde_json::from_str(&transcript_json(&manifest, Some(&value))).unwrap();
        let segments = parsed["segments"].as_array().unwrap();
        assert_eq!(segments.len(), 3);
        assert_eq!(segments[0], json!({"startTime": 0.0, "endTime": 0.6, "body": "Big"}));
        assert_eq!(segments[1], json!({"startTime": 0.7, "endTime": 1.5, "body": "news"}));
        assert_eq!(segments[2]["body"], "A \"line\".", "a segment without words stays whole");
    }
}
