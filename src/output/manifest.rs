//! Building the manifest from the pipeline's data.

use crate::model::{
    Article, MANIFEST_VERSION, Manifest, ManifestAudio, ManifestChapter, ManifestSegment,
    ManifestSkip, Script, Timeline,
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
                start_ms: span.and_then(|s| ms(s.start)),
                end_ms: span.and_then(|s| ms(s.end)),
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
        metadata: article.meta.clone(),
        source: article.source.clone(),
        backend: backend.to_owned(),
        voice: voice.to_owned(),
        duration_ms: timeline.map(|t| t.total.to_ms(t.rate)),
        audio,
        chapters,
        segments,
        skipped,
    }
}
