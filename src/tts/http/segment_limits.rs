//! The real segmenter, given each cloud backend's capabilities, never produces a request
//! over that provider's limit: CJK (three bytes a character), emoji (four), and text full of
//! markup characters that SSML escaping lengthens (`&` becomes five bytes).

use proptest::prelude::*;

use super::testing::{env, profile};
use super::{azure, elevenlabs, google, openai, polly};
use crate::model::{Article, Block, BlockKind, Metadata, SourceRef};
use crate::segment::{Lexicon, SegmentConfig, segment};
use crate::tts::{SynthRequest, Synthesizer};

/// A word: Latin, CJK, emoji, digits, or something SSML would have to escape.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z]{1,12}",
        "[\u{4e00}-\u{9fff}]{1,8}",
        "[\u{1F600}-\u{1F64F}\u{1F680}-\u{1F6C5}]{1,3}",
        "[0-9]{1,4}",
        prop::sample::select(vec![
            "<", ">", "&", "\"", "'", "</speak>", "&amp;", "<break/>", "]]>"
        ])
        .prop_map(str::to_owned),
    ]
}

/// One or two paragraphs of sentences of words, with clause punctuation inside sentences.
///
/// Sentences are long (up to 60 words) because the normaliser costs tens of milliseconds a
/// call in a debug build and is called once per sentence; long paragraphs still make every
/// limit bind.
fn article() -> impl Strategy<Value = Article> {
    let separator = prop::sample::select(vec![" ", " ", " ", " ", ", ", "; "]);
    let sentence = prop::collection::vec((word(), separator), 1..60).prop_map(|words| {
        let text: String = words.into_iter().map(|(w, s)| format!("{w}{s}")).collect();
        format!("{}.", text.trim_end_matches([' ', ',', ';']))
    });
    let paragraph = prop::collection::vec(sentence, 1..36).prop_map(|s| s.join(" "));
    prop::collection::vec(paragraph, 1..3).prop_map(|paragraphs| Article {
        meta: Metadata { title: "T".into(), language: Some("en".into()), ..Metadata::default() },
        source: SourceRef { path: "p".into(), sha256: String::new(), url: None },
        blocks: paragraphs
            .into_iter()
            .map(|p| Block::speak(BlockKind::Paragraph, p, "paragraph"))
            .collect(),
    })
}

/// Every request the segmenter's chunks for `backend` would send.
fn requests(
    article: &Article,
    backend: &dyn Synthesizer,
    each: &mut dyn FnMut(&SynthRequest<'_>) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    // No chunk cap of our own: the backend's limit is the only one that binds.
    let config = SegmentConfig { max_chunk_chars: usize::MAX, ..SegmentConfig::default() };
    let script = segment(article, backend.capabilities(), &config, &Lexicon::default())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    for chunk in &script.chunks {
        let request = SynthRequest {
            chunk: chunk.id,
            text: &chunk.speak,
            ssml: &chunk.ssml,
            language: Some("en"),
            previous: None,
            next: None,
        };
        each(&request)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn no_request_exceeds_its_providers_limit(article in article()) {
        let keys = env(&[
            ("OPENAI_API_KEY", "k"), ("ELEVENLABS_API_KEY", "k"), ("GOOGLE_API_KEY", "k"),
            ("AZURE_SPEECH_KEY", "k"), ("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "k"),
        ]);

        let openai = openai::build_with(&profile("backend = \"openai\""), &keys).unwrap();
        requests(&article, &openai, &mut |r| {
            prop_assert!(openai.sent_text(r).chars().count() <= openai::MAX_INPUT_CHARS);
            Ok(())
        })?;

        let v3 = "backend = \"elevenlabs\"\nvoice_id = \"v\"\nmodel_id = \"eleven_v3\"";
        let eleven = elevenlabs::build_with(&profile(v3), &keys).unwrap();
        requests(&article, &eleven, &mut |r| {
            prop_assert!(eleven.sent_text(r).chars().count() <= 3000);
            Ok(())
        })?;

        let google = google::build_with(&profile("backend = \"google\""), &keys).unwrap();
        requests(&article, &google, &mut |r| {
            prop_assert!(google.sent_text(r).len() <= google::MAX_INPUT_BYTES);
            Ok(())
        })?;

        let azure_profile = profile("backend = \"azure\"\nregion = \"westeurope\"\nrate = \"-10%\"");
        let azure = azure::build_with(&azure_profile, &keys).unwrap();
        requests(&article, &azure, &mut |r| {
            prop_assert!(azure.sent_text(r).len() <= azure::MAX_SSML_BYTES);
            prop_assert!(r.text.chars().count() <= azure::DEFAULT_MAX_CHARS);
            Ok(())
        })?;

        let polly = polly::build_with(&profile("backend = \"polly\""), &keys).unwrap();
        requests(&article, &polly, &mut |r| {
            prop_assert!(polly.billed_chars(r) <= polly::MAX_BILLED_CHARS);
            prop_assert!(polly.sent_text(r).chars().count() <= polly::MAX_TOTAL_CHARS);
            Ok(())
        })?;
    }
}

#[test]
fn the_limits_bind_for_long_cjk_text_so_the_property_is_not_vacuous() {
    let keys = env(&[("GOOGLE_API_KEY", "k")]);
    let google = google::build_with(&profile("backend = \"google\""), &keys).unwrap();
    // Sentences of 60 CJK characters, each with an `&` that escaping makes five bytes.
    let sentence = format!("{} & {}.", "東京は晴れ時々雨".repeat(4), "大阪は曇り".repeat(5));
    let text = vec![sentence; 40].join(" ");
    let article = Article {
        meta: Metadata { title: "T".into(), ..Metadata::default() },
        source: SourceRef { path: "p".into(), sha256: String::new(), url: None },
        blocks: vec![Block::speak(BlockKind::Paragraph, text, "p")],
    };
    let mut sizes = Vec::new();
    requests(&article, &google, &mut |r| {
        sizes.push(google.sent_text(r).len());
        Ok(())
    })
    .unwrap();
    assert!(sizes.len() >= 2, "{sizes:?}");
    assert!(sizes.iter().all(|s| *s <= 5000) && sizes.iter().any(|s| *s > 4500), "{sizes:?}");
}
