//! Building the manifest from the pipeline's data.

use crate::model::{
    Article, Extraction, MANIFEST_VERSION, Manifest, ManifestAudio, ManifestChapter,
    ManifestSegment, ManifestSkip, Metadata, Script, Timeline,
};

/// The manifest for a narration; times are `None` when there is no timeline (a dry run).
#[must_use]
pub fn build_manifest(
    article: &Article,
    script: &Script,
    timeline: Option<&Timeline>,
    backend: &str,
    voice: &str,
    audio: Vec<ManifestAudio>,
) -> Manifest {
    let ms = |s: crate::model::Samples| timeline.map(|t| s.to_ms(t.rate));
    let chapters = script
        .chapters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let span = timeline.and_then(|t| t.chapters.get(i)).map(|c| c.span);
            ManifestChapter {
                title: c.title.clone(),
                start_ms: span.and_then(|s| ms(s.start)),
                end_ms: span.and_then(|s| ms(s.end)),
            }
        })
        .collect();
    let segments = script
        .chunks
        .iter()
        .map(|chunk| {
            let span = timeline.and_then(|t| t.segments.get(chunk.id)).copied();
            ManifestSegment {
                id: chunk.id,
                chapter: chunk.chapter,
                kind: chunk.kind,
                text: chunk.text.clone(),
                speak: None,
                start_ms: span.and_then(|s| ms(s.start)),
                end_ms: span.and_then(|s| ms(s.end)),
                verification: None,
                words: None,
            }
        })
        .collect();
    let skipped = article
        .blocks
        .iter()
        .filter_map(|b| {
            b.skip_reason().map(|r| ManifestSkip { text: b.text.clone(), reason: r.to_owned() })
        })
        .collect();
    Manifest {
        version: MANIFEST_VERSION,
        title: article.meta.title.clone(),
        byline: article.meta.byline.clone(),
        language: article.meta.language.clone(),
        metadata: Metadata { extraction: None, ..article.meta.clone() },
        source: article.source.clone(),
        backend: backend.to_owned(),
        voice: voice.to_owned(),
        fallback: None,
        synthetic: true,
        disclosure: Some(disclosure(backend, voice)),
        duration_ms: timeline.map(|t| t.total.to_ms(t.rate)),
        audio,
        chapters,
        segments,
        skipped,
        cost: None,
        settings_hash: None,
        extraction: article
            .meta
            .extraction
            .as_ref()
            .map(|e| Extraction { decision: Vec::new(), ..e.clone() }),
    }
}

/// The disclosure that a narration is synthetic, in words: the manifest's `disclosure`, the
/// MP3's comment, the feed's note.
#[must_use]
pub fn disclosure(backend: &str, voice: &str) -> String {
    format!("Narrated by a synthetic voice ({backend}, voice {voice}), not a person.")
}

/// A manifest's disclosure, made from its backend and voice when it predates the field.
#[must_use]
pub fn disclosure_of(manifest: &Manifest) -> String {
    manifest.disclosure.clone().unwrap_or_else(|| disclosure(&manifest.backend, &manifest.voice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Block, BlockKind, Chapter, Chunk, Metadata, Pause, SampleRate, Samples, ScriptChapter,
        SourceRef, Span,
    };

    fn article() -> Article {
        Article {
            meta: Metadata {
                title: "Headline".into(),
                byline: Some("By Jo Bloggs".into()),
                language: Some("en".into()),
                ..Metadata::default()
            },
            source: SourceRef { path: "story.txt".into(), sha256: "ab".repeat(32), url: None },
            blocks: vec![
                Block::speak(BlockKind::Headline, "Headline", "first block is the headline"),
                Block::skip(BlockKind::Other, "Picture: Netflix", "image credit"),
                Block::speak(BlockKind::Paragraph, "Dr. Who's 1st line.", "body text"),
            ],
        }
    }

    fn chunk(id: usize, block: usize, kind: BlockKind, text: &str) -> Chunk {
        Chunk {
            id,
            block,
            chapter: 0,
            kind,
            text: text.into(),
            speak: format!("rewritten {text}"),
            ssml: String::new(),
            pause_before: Pause::None,
            voice: 0,
            audio_file: None,
        }
    }

    fn script() -> Script {
        Script {
            chapters: vec![ScriptChapter { title: "Headline".into(), first_chunk: 0 }],
            chunks: vec![
                chunk(0, 0, BlockKind::Headline, "Headline"),
                chunk(1, 2, BlockKind::Paragraph, "Dr. Who's 1st line."),
            ],
        }
    }

    fn timeline() -> Timeline {
        let span = |a, b| Span { start: Samples(a), end: Samples(b) };
        Timeline {
            rate: SampleRate(24_000),
            total: Samples(48_000),
            chapters: vec![Chapter { title: "Headline".into(), span: span(0, 48_000) }],
            segments: vec![span(0, 12_000), span(26_400, 47_999)],
        }
    }

    #[test]
    fn segments_carry_the_articles_own_words_and_their_times() {
        let m = build_manifest(&article(), &script(), Some(&timeline()), "tone", "tone", vec![]);
        assert_eq!(m.version, MANIFEST_VERSION);
        assert_eq!(m.duration_ms, Some(2000));
        assert_eq!(m.segments.len(), 2);
        assert_eq!(m.segments[1].text, "Dr. Who's 1st line.", "not the rewritten text");
        assert_eq!((m.segments[1].start_ms, m.segments[1].end_ms), (Some(1100), Some(1999)));
        assert_eq!(m.segments[1].kind, BlockKind::Paragraph);
        assert!(m.synthetic, "every narration says it is synthetic");
        assert_eq!(
            m.disclosure.as_deref(),
            Some("Narrated by a synthetic voice (tone, voice tone), not a person.")
        );
        assert_eq!((m.chapters[0].start_ms, m.chapters[0].end_ms), (Some(0), Some(2000)));
        assert_eq!(m.skipped.len(), 1);
        assert_eq!(
            (m.skipped[0].text.as_str(), m.skipped[0].reason.as_str()),
            ("Picture: Netflix", "image credit")
        );
    }

    #[test]
    fn a_dry_run_manifest_has_null_times_everywhere() {
        let m = build_manifest(&article(), &script(), None, "espeak-ng", "espeak-en-gb", vec![]);
        assert_eq!(m.duration_ms, None);
        assert!(m.chapters.iter().all(|c| c.start_ms.is_none() && c.end_ms.is_none()));
        assert!(m.segments.iter().all(|s| s.start_ms.is_none() && s.end_ms.is_none()));
        let json = serde_json::to_value(&m).unwrap();
        assert!(json["duration_ms"].is_null() && json["segments"][0]["start_ms"].is_null());
        assert_eq!(json["chapters"][0]["title"], "Headline");
    }

    #[test]
    fn manifest_keys_come_in_the_documented_order() {
        let m = build_manifest(&article(), &script(), Some(&timeline()), "tone", "tone", vec![]);
        let text = serde_json::to_string(&m).unwrap();
        let keys = [
            "\"version\"",
            "\"title\"",
            "\"byline\"",
            "\"language\"",
            "\"metadata\"",
            "\"source\"",
            "\"backend\"",
            "\"voice\"",
            "\"synthetic\"",
            "\"disclosure\"",
            "\"duration_ms\"",
            "\"audio\"",
            "\"chapters\"",
            "\"segments\"",
            "\"skipped\"",
        ];
        let at: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    }
}
