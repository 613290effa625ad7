//! Intros and outros: an audio file and/or a spoken template before and after the article.

use std::path::PathBuf;

use serde::Deserialize;

use super::Rendered;
use crate::model::{Article, BlockKind, Chunk, Pause, Script, ScriptChapter};

/// `[intro]` or `[outro]` settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InterludeConfig {
    /// Audio to play (any format symphonia decodes), e.g. a jingle; empty for none.
    /// Default: `""`.
    pub file: PathBuf,
    /// Words to say in the article's voice: `{title}`, `{author}` and `{publication}` are
    /// filled in, and a `[bracketed part]` is left out when a field in it is unknown.
    /// Default: `""`.
    pub text: String,
    /// Whether it is a chapter of its own, or part of the first (intro) or last (outro)
    /// chapter. Default: false.
    pub chapter: bool,
}

impl InterludeConfig {
    /// Check the template without I/O.
    pub fn validate(&self, section: &str, problems: &mut Vec<String>) {
        if self.text.matches('[').count() != self.text.matches(']').count() {
            problems.push(format!("[{section}] text has unbalanced [brackets]"));
        }
        for field in placeholders(&self.text) {
            if !matches!(field.as_str(), "title" | "author" | "publication") {
                problems.push(format!(
                    "[{section}] text uses {{{field}}}; known fields: {{title}}, {{author}}, {{publication}}"
                ));
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.file.as_os_str().is_empty() && self.text.trim().is_empty()
    }
}

fn placeholders(template: &str) -> Vec<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// Fill a template from the article's metadata, dropping `[parts]` whose fields are unknown.
#[must_use]
pub fn fill(template: &str, article: &Article) -> String {
    let author =
        if article.meta.authors.is_empty() {
            article.meta.byline.as_deref().map(|b| {
                b.trim().trim_start_matches("By ").trim_start_matches("by ").trim().to_owned()
            })
        } else {
            Some(article.meta.authors.join(" and "))
        };
    let value = |field: &str| -> Option<String> {
        match field {
            "title" => Some(article.meta.title.clone()).filter(|t| !t.is_empty()),
            "author" => author.clone().filter(|a| !a.is_empty()),
            "publication" => article.meta.publication.clone(),
            _ => None,
        }
    };
    let substitute = |part: &str| -> Option<String> {
        let mut out = part.to_owned();
        for field in placeholders(part) {
            out = out.replace(&format!("{{{field}}}"), &value(&field)?);
        }
        Some(out)
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('[') {
        out.push_str(&substitute(&rest[..open]).unwrap_or_default());
        let Some(close) = rest[open..].find(']') else { break };
        out.push_str(&substitute(&rest[open + 1..open + close]).unwrap_or_default());
        rest = &rest[open + close + 1..];
    }
    out.push_str(&substitute(rest).unwrap_or_default());
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Put the intro before the script and the outro after it, renumbering chunks and chapters.
/// `voice_of` picks the voice for the intro and outro; `speak` turns template text into
/// what that voice is sent (normalisation and lexicon).
#[must_use]
pub fn frame(
    script: Script,
    article: &Article,
    intro: &InterludeConfig,
    outro: &InterludeConfig,
    voice_of: &dyn Fn(BlockKind) -> usize,
    speak: &dyn Fn(usize, &str) -> Rendered,
) -> Script {
    if intro.is_empty() && outro.is_empty() {
        return script;
    }
    let mut chunks = interlude(intro, BlockKind::Intro, article, voice_of, speak);
    let intro_chunks = chunks.len();
    let mut chapters = Vec::new();
    if intro.chapter && intro_chunks > 0 {
        chapters.push(ScriptChapter { title: "Intro".into(), first_chunk: 0 });
    }
    let shift = chapters.len();
    for (i, chapter) in script.chapters.into_iter().enumerate() {
        // Without its own chapter, the intro opens the article's first one.
        let first_chunk = if i == 0 && shift == 0 { 0 } else { chapter.first_chunk + intro_chunks };
        chapters.push(ScriptChapter { title: chapter.title, first_chunk });
    }
    for mut chunk in script.chunks {
        chunk.chapter += shift;
        if chunk.pause_before == Pause::None && intro_chunks > 0 {
            chunk.pause_before = if shift > 0 { Pause::Chapter } else { Pause::Paragraph };
        }
        chunks.push(chunk);
    }
    let outro_chunks = interlude(outro, BlockKind::Outro, article, voice_of, speak);
    if outro.chapter && !outro_chunks.is_empty() {
        chapters.push(ScriptChapter { title: "Outro".into(), first_chunk: chunks.len() });
    }
    let last_chapter = chapters.len().saturating_sub(1);
    for (i, mut chunk) in outro_chunks.into_iter().enumerate() {
        chunk.chapter = last_chapter;
        if i == 0 {
            chunk.pause_before = Pause::Chapter;
        }
        chunks.push(chunk);
    }
    for (id, chunk) in chunks.iter_mut().enumerate() {
        chunk.id = id;
    }
    Script { chapters, chunks }
}

/// The chunks of one interlude: its file, then its text. Their `block` is `usize::MAX`
/// (they come from no block of the article).
fn interlude(
    config: &InterludeConfig,
    kind: BlockKind,
    article: &Article,
    voice_of: &dyn Fn(BlockKind) -> usize,
    speak: &dyn Fn(usize, &str) -> Rendered,
) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let voice = voice_of(kind);
    let base = Chunk {
        id: 0,
        block: usize::MAX,
        chapter: 0,
        kind,
        text: String::new(),
        speak: String::new(),
        ssml: String::new(),
        pause_before: Pause::None,
        voice,
        audio_file: None,
    };
    if !config.file.as_os_str().is_empty() {
        chunks.push(Chunk { audio_file: Some(config.file.clone()), ..base.clone() });
    }
    let text = fill(&config.text, article);
    if !text.is_empty() {
        let speech = speak(voice, &text);
        let pause_before = if chunks.is_empty() { Pause::None } else { Pause::Sentence };
        chunks.push(Chunk { text, speak: speech.plain, ssml: speech.ssml, pause_before, ..base });
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Metadata, SourceRef};

    fn article(byline: Option<&str>) -> Article {
        Article {
            meta: Metadata {
                title: "Big news".into(),
                byline: byline.map(str::to_owned),
                ..Metadata::default()
            },
            source: SourceRef { path: "x".into(), sha256: String::new(), url: None },
            blocks: vec![],
        }
    }

    fn main_voice(_: BlockKind) -> usize {
        0
    }

    fn same(_: usize, text: &str) -> Rendered {
        Rendered { plain: text.to_owned(), ssml: text.to_owned() }
    }

    fn script() -> Script {
        let chunk = |id, chapter, pause_before| Chunk {
            id,
            block: id,
            chapter,
            kind: BlockKind::Paragraph,
            text: format!("c{id}"),
            speak: format!("c{id}"),
            ssml: format!("c{id}"),
            pause_before,
            voice: 0,
            audio_file: None,
        };
        Script {
            chapters: vec![
                ScriptChapter { title: "Big news".into(), first_chunk: 0 },
                ScriptChapter { title: "Part two".into(), first_chunk: 1 },
            ],
            chunks: vec![chunk(0, 0, Pause::None), chunk(1, 1, Pause::Chapter)],
        }
    }

    #[test]
    fn templates_fill_known_fields_and_drop_parts_with_unknown_ones() {
        let template = "{title}[, by {author}]. Narrated by articulate.";
        assert_eq!(
            fill(template, &article(Some("By Jo Bloggs"))),
            "Big news, by Jo Bloggs. Narrated by articulate."
        );
        assert_eq!(fill(template, &article(None)), "Big news. Narrated by articulate.");
    }

    #[test]
    fn an_intro_without_its_own_chapter_opens_the_first_one() {
        let intro =
            InterludeConfig { file: "jingle.mp3".into(), text: "{title}.".into(), chapter: false };
        let framed = frame(
            script(),
            &article(None),
            &intro,
            &InterludeConfig::default(),
            &main_voice,
            &same,
        );
        assert_eq!(framed.chunks.len(), 4);
        assert_eq!(
            framed.chunks[0].audio_file.as_deref(),
            Some(std::path::Path::new("jingle.mp3"))
        );
        assert_eq!(framed.chunks[1].text, "Big news.");
        let starts: Vec<_> = framed.chapters.iter().map(|c| c.first_chunk).collect();
        assert_eq!(starts, [0, 3]);
        assert_eq!(framed.chunks[2].pause_before, Pause::Paragraph);
        assert!(framed.chunks.iter().enumerate().all(|(i, c)| c.id == i));
    }

    #[test]
    fn intro_and_outro_chapters_shift_the_others() {
        let intro =
            InterludeConfig { text: "Hello.".into(), chapter: true, ..InterludeConfig::default() };
        let outro = InterludeConfig {
            text: "Goodbye.".into(),
            chapter: true,
            ..InterludeConfig::default()
        };
        let framed = frame(script(), &article(None), &intro, &outro, &main_voice, &same);
        let chapters: Vec<_> =
            framed.chapters.iter().map(|c| (c.title.as_str(), c.first_chunk)).collect();
        assert_eq!(chapters, [("Intro", 0), ("Big news", 1), ("Part two", 2), ("Outro", 3)]);
        let kinds: Vec<_> = framed.chunks.iter().map(|c| (c.kind, c.chapter)).collect();
        assert_eq!(kinds[0], (BlockKind::Intro, 0));
        assert_eq!(kinds[3], (BlockKind::Outro, 3));
        assert_eq!(framed.chunks[1].pause_before, Pause::Chapter);
    }

    #[test]
    fn unknown_template_fields_are_reported() {
        let mut problems = Vec::new();
        InterludeConfig { text: "{titel} [by {author}".into(), ..InterludeConfig::default() }
            .validate("intro", &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
