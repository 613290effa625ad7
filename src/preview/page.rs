//! The preview page: the article as it will be heard, under the player.
//!
//! Rendered on the server from the extracted [`Article`] (every block in reading order,
//! skipped ones included) and the [`Script`] (which chunk came from which block), so the
//! page shows exactly what was narrated. Each chunk's words sit in an element carrying
//! `data-articulate-segment="ID"`, which is how the player highlights and seeks; the player
//! itself is the same script publishers embed.
//!
//! Everything taken from the article goes through [`escape`]: an article is untrusted text.

use std::fmt::Write;

use std::collections::HashMap;

use crate::model::{Article, Block, BlockKind, Chunk, Manifest, ManifestVerification, Script};
use crate::verify::Status;

/// The flagged segments' verifications, by segment id.
type Flagged<'a> = HashMap<usize, &'a ManifestVerification>;

/// What a page shows besides the article.
pub(super) struct PageContext<'a> {
    /// The input as the user named it.
    pub(super) input: &'a str,
    /// The narration's number, which the page reports to know when it is stale.
    pub(super) version: u64,
    /// Where the player fetches the manifest.
    pub(super) manifest_url: &'a str,
    /// Why the latest re-narration failed, when it did (the page then shows the last good one).
    pub(super) error: Option<&'a str>,
    /// Whether saving the input re-narrates.
    pub(super) watching: bool,
    /// The HLS playlist of the narration while it is being made: the player plays it, then
    /// the manifest's audio.
    pub(super) live_url: Option<&'a str>,
}

/// The whole HTML page for a narration.
pub(super) fn render(
    context: &PageContext<'_>,
    article: &Article,
    script: &Script,
    manifest: &Manifest,
) -> String {
    let language = article.meta.language.as_deref().unwrap_or("en");
    let skipped = article.skipped().count();
    let mut html = String::with_capacity(16 * 1024);
    // `write!` into a String cannot fail; the results are ignored throughout.
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · articulate preview</title>\n\
         <link rel=\"icon\" href=\"/player/icon.svg\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"/player/preview.css\">\n</head>\n\
         <body data-preview-version=\"{version}\">\n",
        lang = escape(language),
        title = escape(&manifest.title),
        version = context.version,
    );
    let _ = write!(
        html,
        "<header class=\"preview-bar\">\n<span class=\"preview-name\">articulate preview</span>\n\
         <span class=\"preview-input\">{input}</span>\n\
         <span class=\"preview-voice\">voice {voice} ({backend})</span>\n\
         <span class=\"preview-watch\">{watch}</span>\n</header>\n",
        input = escape(context.input),
        voice = escape(&manifest.voice),
        backend = escape(&manifest.backend),
        watch = if context.watching {
            "saving the file re-narrates it"
        } else {
            "not watching for changes"
        },
    );
    html.push_str("<main class=\"preview-main\">\n");
    if let Some(error) = context.error {
        let _ = writeln!(
            html,
            "<div class=\"preview-error\" role=\"alert\"><strong>The latest change could not be \
             narrated.</strong> You are hearing the last good version.<pre>{}</pre></div>",
            escape(error)
        );
    }
    let live = context
        .live_url
        .map(|url| {
            format!(
                " data-articulate-live=\"{}\" data-articulate-title=\"{}\"",
                escape(url),
                escape(&manifest.title)
            )
        })
        .unwrap_or_default();
    let flagged: HashMap<usize, &ManifestVerification> = manifest
        .segments
        .iter()
        .filter_map(|s| s.verification.as_ref().map(|v| (s.id, v)))
        .filter(|(_, v)| v.status == Status::Flagged)
        .collect();
    let verified = manifest.segments.iter().filter(|s| s.verification.is_some()).count();
    if !flagged.is_empty() {
        let _ = writeln!(
            html,
            "<div class=\"preview-flagged-summary\" role=\"status\"><strong>{count} of \
             {verified} segments do not say their text.</strong> They are underlined below, \
             each followed by what the recogniser heard.</div>",
            count = flagged.len(),
        );
    }
    let _ = writeln!(
        html,
        "<div class=\"preview-player\" data-articulate-manifest=\"{manifest}\" \
         data-articulate-text=\"#article\" data-articulate-id=\"preview:{id}\"{live}></div>",
        manifest = escape(context.manifest_url),
        id = escape(context.input),
    );
    if skipped > 0 {
        let _ = writeln!(
            html,
            "<p class=\"preview-tools\"><button type=\"button\" id=\"toggle-skipped\" \
             aria-pressed=\"false\" aria-controls=\"article\">Show skipped blocks ({skipped})\
             </button></p>"
        );
    }
    html.push_str("<article id=\"article\" class=\"preview-article\">\n");
    render_article(&mut html, article, script, &flagged);
    html.push_str("</article>\n</main>\n");
    html.push_str(
        "<script src=\"/player/articulate-player.js\"></script>\n\
         <script src=\"/player/preview.js\"></script>\n</body>\n</html>\n",
    );
    html
}

/// Every block in reading order, with the intro before and the outro after.
fn render_article(html: &mut String, article: &Article, script: &Script, flagged: &Flagged<'_>) {
    let interludes =
        |kind| script.chunks.iter().filter(move |c| c.kind == kind && !c.text.is_empty());
    for chunk in interludes(BlockKind::Intro) {
        render_interlude(html, chunk, flagged);
    }
    let mut in_list = false;
    for (index, block) in article.blocks.iter().enumerate() {
        let is_item = block.is_spoken() && block.kind == BlockKind::ListItem;
        if is_item != in_list {
            html.push_str(if is_item { "<ul>\n" } else { "</ul>\n" });
            in_list = is_item;
        }
        match block.skip_reason() {
            Some(reason) => render_skipped(html, block, reason),
            None => {
                let chunks = script.chunks.iter().filter(|c| c.block == index);
                render_spoken(html, block, chunks, flagged);
            }
        }
    }
    if in_list {
        html.push_str("</ul>\n");
    }
    for chunk in interludes(BlockKind::Outro) {
        render_interlude(html, chunk, flagged);
    }
}

/// A spoken block: its element by kind, each chunk's words marked with the chunk's id.
fn render_spoken<'a>(
    html: &mut String,
    block: &Block,
    chunks: impl Iterator<Item = &'a Chunk>,
    flagged: &Flagged<'_>,
) {
    let (open, close) = match block.kind {
        BlockKind::Headline => ("<h1>", "</h1>"),
        BlockKind::Standfirst => ("<p class=\"standfirst\">", "</p>"),
        BlockKind::Heading => ("<h2>", "</h2>"),
        BlockKind::ListItem => ("<li>", "</li>"),
        BlockKind::Quote => ("<blockquote><p>", "</p></blockquote>"),
        BlockKind::TableRow => ("<p class=\"table-row\">", "</p>"),
        _ => ("<p>", "</p>"),
    };
    html.push_str(open);
    let mut any = false;
    for chunk in chunks {
        if any {
            html.push(' ');
        }
        render_segment(html, chunk, flagged);
        any = true;
    }
    if !any {
        // Spoken, yet cut into no chunk (nothing speakable after normalisation): show it as is.
        html.push_str(&escape(&block.text));
    }
    html.push_str(close);
    html.push('\n');
}

/// A skipped block: struck through, with the rule that skipped it; hidden until asked for.
fn render_skipped(html: &mut String, block: &Block, reason: &str) {
    let _ = writeln!(
        html,
        "<div class=\"skipped\"><del>{}</del> <span class=\"skip-reason\">skipped: {}</span></div>",
        escape(&block.text),
        escape(reason)
    );
}

/// Spoken intro or outro text, which belongs to no block of the article.
fn render_interlude(html: &mut String, chunk: &Chunk, flagged: &Flagged<'_>) {
    html.push_str("<p class=\"interlude\">");
    render_segment(html, chunk, flagged);
    html.push_str("</p>\n");
}

/// One chunk's words, marked with its id; a flagged one underlined and followed by what
/// the recogniser heard (outside the segment, so the player neither times nor highlights
/// it as the article's words).
fn render_segment(html: &mut String, chunk: &Chunk, flagged: &Flagged<'_>) {
    let Some(verification) = flagged.get(&chunk.id) else {
        let _ = write!(
            html,
            "<span data-articulate-segment=\"{}\">{}</span>",
            chunk.id,
            escape(&chunk.text)
        );
        return;
    };
    let failed = if verification.failed.is_empty() {
        String::new()
    } else {
        format!("; not heard: {}", escape(&verification.failed.join(", ")))
    };
    let heard = if verification.heard.trim().is_empty() {
        "nothing".to_owned()
    } else {
        format!("“{}”", escape(verification.heard.trim()))
    };
    let _ = write!(
        html,
        "<span data-articulate-segment=\"{id}\" class=\"preview-flagged\" \
         aria-describedby=\"heard-{id}\">{text}</span> <span class=\"preview-heard\" \
         id=\"heard-{id}\">(flagged: heard {heard}{failed})</span>",
        id = chunk.id,
        text = escape(&chunk.text),
    );
}

/// Text made safe for HTML element content and quoted attribute values alike: the XML
/// escaping SSML gets (HTML5 knows `&apos;` too).
pub(super) use crate::model::ssml::escape;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Metadata, Pause, ScriptChapter, SourceRef};

    fn chunk(id: usize, block: usize, kind: BlockKind, text: &str) -> Chunk {
        Chunk {
            id,
            block,
            chapter: 0,
            kind,
            text: text.into(),
            speak: text.into(),
            ssml: text.into(),
            pause_before: Pause::Paragraph,
            voice: 0,
            audio_file: None,
        }
    }

    fn page(blocks: Vec<Block>, chunks: Vec<Chunk>) -> String {
        let article = Article {
            meta: Metadata { title: "T".into(), ..Metadata::default() },
            source: SourceRef { path: "story.txt".into(), sha256: String::new(), url: None },
            blocks,
        };
        let script =
            Script { chapters: vec![ScriptChapter { title: "T".into(), first_chunk: 0 }], chunks };
        let manifest = crate::output::build_manifest(&article, &script, None, "tone", "t", vec![]);
        let context = PageContext {
            input: "story.txt",
            version: 3,
            manifest_url: "/v/3/story.json",
            error: None,
            watching: true,
            live_url: None,
        };
        render(&context, &article, &script, &manifest)
    }

    #[test]
    fn markup_in_text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            escape(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &apos;y&apos;&lt;/script&gt;"
        );
    }

    #[test]
    fn each_chunk_is_a_segment_inside_its_blocks_element() {
        let html = page(
            vec![
                Block::speak(BlockKind::Headline, "Big news", "first"),
                Block::speak(BlockKind::Paragraph, "One. Two.", "body"),
            ],
            vec![
                chunk(0, 0, BlockKind::Headline, "Big news"),
                chunk(1, 1, BlockKind::Paragraph, "One."),
                chunk(2, 1, BlockKind::Paragraph, "Two."),
            ],
        );
        assert!(html.contains("<h1><span data-articulate-segment=\"0\">Big news</span></h1>"));
        assert!(html.contains(
            "<p><span data-articulate-segment=\"1\">One.</span> \
             <span data-articulate-segment=\"2\">Two.</span></p>"
        ));
    }

    #[test]
    fn skipped_blocks_are_struck_through_with_their_reason_behind_a_toggle() {
        let html = page(
            vec![
                Block::speak(BlockKind::Headline, "Big news", "first"),
                Block::skip(BlockKind::Other, "Listen to this <b>", "player widget text"),
            ],
            vec![chunk(0, 0, BlockKind::Headline, "Big news")],
        );
        assert!(html.contains(
            "<div class=\"skipped\"><del>Listen to this &lt;b&gt;</del> \
             <span class=\"skip-reason\">skipped: player widget text</span></div>"
        ));
        assert!(html.contains("Show skipped blocks (1)"));
    }

    #[test]
    fn consecutive_list_items_share_one_list() {
        let html = page(
            vec![
                Block::speak(BlockKind::Headline, "H", "first"),
                Block::speak(BlockKind::ListItem, "a", "item"),
                Block::speak(BlockKind::ListItem, "b", "item"),
                Block::speak(BlockKind::Paragraph, "c", "body"),
            ],
            vec![
                chunk(0, 0, BlockKind::Headline, "H"),
                chunk(1, 1, BlockKind::ListItem, "a"),
                chunk(2, 2, BlockKind::ListItem, "b"),
                chunk(3, 3, BlockKind::Paragraph, "c"),
            ],
        );
        assert_eq!(html.matches("<ul>").count(), 1, "{html}");
        assert!(html.contains("</li>\n</ul>\n<p>"), "{html}");
    }

    #[test]
    fn a_flagged_segment_is_underlined_and_followed_by_what_was_heard() {
        let blocks = vec![
            Block::speak(BlockKind::Headline, "Big news", "first"),
            Block::speak(BlockKind::Paragraph, "It has 8 episodes. Fans <3 it.", "body"),
        ];
        let chunks = vec![
            chunk(0, 0, BlockKind::Headline, "Big news"),
            chunk(1, 1, BlockKind::Paragraph, "It has 8 episodes."),
            chunk(2, 1, BlockKind::Paragraph, "Fans <3 it."),
        ];
        let article = Article {
            meta: Metadata { title: "T".into(), ..Metadata::default() },
            source: SourceRef { path: "story.txt".into(), sha256: String::new(), url: None },
            blocks,
        };
        let script =
            Script { chapters: vec![ScriptChapter { title: "T".into(), first_chunk: 0 }], chunks };
        let mut manifest =
            crate::output::build_manifest(&article, &script, None, "tone", "t", vec![]);
        for (segment, (status, heard)) in manifest.segments.iter_mut().zip([
            (Status::Ok, "Big news."),
            (Status::Flagged, "It has <12> episodes."),
            (Status::Retried, "Fans love it."),
        ]) {
            segment.verification = Some(ManifestVerification {
                wer: 0.0,
                heard: heard.into(),
                status,
                failed: if status == Status::Flagged { vec!["8".into()] } else { vec![] },
                retry: None,
            });
        }
        let context = PageContext {
            input: "story.txt",
            version: 1,
            manifest_url: "/v/1/story.json",
            error: None,
            watching: false,
            live_url: None,
        };
        let html = render(&context, &article, &script, &manifest);
        assert!(html.contains("1 of 3 segments do not say their text"), "{html}");
        assert!(
            html.contains(
                "<span data-articulate-segment=\"1\" class=\"preview-flagged\" \
             aria-describedby=\"heard-1\">It has 8 episodes.</span> <span \
             class=\"preview-heard\" id=\"heard-1\">(flagged: heard “It has &lt;12&gt; \
             episodes.”; not heard: 8)</span>"
            ),
            "{html}"
        );
        assert!(html.contains("<span data-articulate-segment=\"2\">Fans &lt;3 it.</span>"));
        assert_eq!(html.matches("preview-heard").count(), 1);
    }

    #[test]
    fn the_player_is_headed_above_the_article_and_points_at_the_manifest() {
        let html = page(
            vec![Block::speak(BlockKind::Headline, "H", "first")],
            vec![chunk(0, 0, BlockKind::Headline, "H")],
        );
        let player = html.find("data-articulate-manifest=\"/v/3/story.json\"").unwrap();
        assert!(player < html.find("<article").unwrap());
        assert!(html.contains("data-preview-version=\"3\""));
    }
}
