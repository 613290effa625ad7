//! Cost before spend: the characters a job will be billed for, and what they will cost,
//! computed from the script alone, before any request.
//!
//! Each backend says how it counts ([`Synthesizer::billed_chars`]: Polly and Azure do not
//! bill SSML markup, Azure bills a Chinese character as two, OpenAI and ElevenLabs bill the
//! input) and what a million characters cost ([`Synthesizer::price`], from the profile's
//! `price_per_million_chars`).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::{SynthRequest, Synthesizer};
use crate::model::Chunk;

/// What a million billed characters cost, as the voice profile states it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Price {
    /// The price of a million billed characters.
    pub per_million_chars: f64,
    /// Its currency, e.g. `USD`.
    pub currency: String,
}

/// What one backend will bill for a script.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostEstimate {
    /// The backend kind.
    pub backend: String,
    /// Characters the provider will bill.
    pub billed_chars: usize,
    /// Requests that will be sent (one per chunk, retries not counted).
    pub requests: usize,
    /// The price, when the profile gives one.
    pub price: Option<Price>,
    /// `billed_chars` at `price`, when there is a price.
    pub estimated_cost: Option<f64>,
}

impl fmt::Display for CostEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} billed characters in {} requests",
            self.backend, self.billed_chars, self.requests
        )?;
        match (&self.price, self.estimated_cost) {
            (Some(price), Some(cost)) => write!(
                f,
                ", about {cost:.4} {} (at {} {} per million characters)",
                price.currency, price.per_million_chars, price.currency
            ),
            _ => write!(f, " (no price: set price_per_million_chars in the voice profile)"),
        }
    }
}

/// Estimate what `backend` will bill for every chunk of a script (intro and outro files,
/// which are played rather than spoken, are free).
#[must_use]
pub fn estimate(
    chunks: &[Chunk],
    backend: &dyn Synthesizer,
    language: Option<&str>,
) -> CostEstimate {
    let spoken = chunks.iter().filter(|c| c.audio_file.is_none());
    tally(spoken, backend, language)
}

/// Estimate per voice of a cast: entry `i` covers the chunks spoken by `backends[i]`
/// (chunks whose [`Chunk::voice`] is `i`), as [`crate::tts::synthesize_stream`] sends them.
#[must_use]
pub fn estimate_cast(
    chunks: &[Chunk],
    backends: &[Arc<dyn Synthesizer>],
    language: Option<&str>,
) -> Vec<CostEstimate> {
    let last = backends.len().saturating_sub(1);
    backends
        .iter()
        .enumerate()
        .map(|(i, backend)| {
            let own = chunks.iter().filter(|c| c.audio_file.is_none() && c.voice.min(last) == i);
            tally(own, backend.as_ref(), language)
        })
        .collect()
}

fn tally<'a>(
    chunks: impl Iterator<Item = &'a Chunk>,
    backend: &dyn Synthesizer,
    language: Option<&str>,
) -> CostEstimate {
    let (mut billed_chars, mut requests) = (0, 0);
    for chunk in chunks {
        let request = SynthRequest {
            chunk: chunk.id,
            text: &chunk.speak,
            ssml: &chunk.ssml,
            language,
            previous: None,
            next: None,
        };
        billed_chars += backend.billed_chars(&request);
        requests += 1;
    }
    let price = backend.price();
    #[allow(clippy::cast_precision_loss)] // exact below 2^52 characters
    let estimated_cost = price.as_ref().map(|p| billed_chars as f64 * p.per_million_chars / 1e6);
    CostEstimate {
        backend: backend.name().to_owned(),
        billed_chars,
        requests,
        price,
        estimated_cost,
    }
}

/// A job that would bill more characters than `--max-chars` allows.
#[derive(Debug, thiserror::Error)]
#[error(
    "this job would bill {billed} characters, more than --max-chars {max}; raise the cap, \
     shorten the article, or use a local voice"
)]
pub struct OverCap {
    /// Characters the job would bill, over all backends.
    pub billed: usize,
    /// The cap.
    pub max: usize,
}

/// Refuse a job whose billed characters, over all backends, exceed `max`.
///
/// # Errors
///
/// [`OverCap`] with the total and the cap.
pub fn check_max_chars(estimates: &[CostEstimate], max: usize) -> Result<usize, OverCap> {
    let billed = estimates.iter().map(|e| e.billed_chars).sum();
    if billed > max { Err(OverCap { billed, max }) } else { Ok(billed) }
}

/// The characters of SSML content that are spoken: markup removed and each entity (`&amp;`)
/// counted as the one character it stands for. This is what Polly and Azure bill.
#[must_use]
pub fn spoken_chars(ssml: &str) -> usize {
    spoken_text(ssml).chars().count()
}

/// The text of SSML content: markup removed and entities decoded.
#[must_use]
pub fn spoken_text(ssml: &str) -> String {
    let mut out = String::with_capacity(ssml.len());
    let mut rest = ssml;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => match rest.find('>') {
                Some(end) => rest = &rest[end + 1..],
                None => break,
            },
            '&' => {
                // An entity is short and ends in ';'; anything else is a literal '&'.
                let entity = rest.char_indices().take(12).find(|&(_, c)| c == ';');
                match entity.and_then(|(end, _)| Some((end, entity_char(&rest[1..end])?))) {
                    Some((end, decoded)) => {
                        out.push(decoded);
                        rest = &rest[end + 1..];
                    }
                    None => {
                        out.push('&');
                        rest = &rest[1..];
                    }
                }
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The character an XML entity name (`amp`, `#38`, `#x26`) stands for.
fn entity_char(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::model::{BlockKind, Pause, SpeechAudio};
    use crate::tts::{Capabilities, SynthError};

    struct Billing {
        caps: Capabilities,
        price: Option<Price>,
        markup_free: bool,
    }

    #[async_trait]
    impl Synthesizer for Billing {
        fn name(&self) -> &str {
            "billing"
        }
        fn capabilities(&self) -> &Capabilities {
            &self.caps
        }
        fn settings(&self) -> serde_json::Value {
            serde_json::Value::Null
        }
        fn billed_chars(&self, request: &SynthRequest<'_>) -> usize {
            if self.markup_free {
                spoken_chars(request.ssml)
            } else {
                request.body(&self.caps).chars().count()
            }
        }
        fn price(&self) -> Option<Price> {
            self.price.clone()
        }
        async fn synthesize(&self, _: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
            unreachable!("estimates send nothing")
        }
    }

    fn backend(ssml: bool, markup_free: bool, price: Option<f64>) -> Arc<dyn Synthesizer> {
        Arc::new(Billing {
            caps: Capabilities {
                max_chars: None,
                max_bytes: None,
                max_billed_chars: None,
                ssml,
                formats: vec![],
                concurrency: 1,
            },
            price: price.map(|p| Price { per_million_chars: p, currency: "USD".into() }),
            markup_free,
        })
    }

    fn chunk(id: usize, voice: usize, speak: &str, ssml: &str) -> Chunk {
        Chunk {
            id,
            block: 0,
            chapter: 0,
            kind: BlockKind::Paragraph,
            text: speak.into(),
            speak: speak.into(),
            ssml: ssml.into(),
            pause_before: Pause::None,
            voice,
            audio_file: None,
        }
    }

    #[test]
    fn markup_and_entities_are_not_counted_as_spoken_characters() {
        assert_eq!(spoken_chars("Fish &amp; chips"), 12);
        assert_eq!(spoken_chars(r#"<sub alias="doctor">Dr</sub> Who &lt;3"#), 9);
        assert_eq!(spoken_chars("東京 & 🙂"), 6);
    }

    #[test]
    fn spoken_text_decodes_named_and_numeric_entities_and_keeps_bare_ampersands() {
        let ssml = r#"<p>A &amp; B &lt;3 &#233;t&#xE9; &bogus; R&D</p>"#;
        assert_eq!(spoken_text(ssml), "A & B <3 été &bogus; R&D");
    }

    #[test]
    fn the_estimate_counts_billed_characters_requests_and_cost() {
        let chunks = [chunk(0, 0, "Fish & chips.", "Fish &amp; chips."), chunk(1, 0, "Hi.", "Hi.")];
        let plain = estimate(&chunks, backend(false, false, Some(15.0)).as_ref(), None);
        assert_eq!((plain.billed_chars, plain.requests), (16, 2));
        assert!((plain.estimated_cost.unwrap() - 16.0 * 15.0 / 1e6).abs() < 1e-12);
        let ssml = estimate(&chunks, backend(true, true, None).as_ref(), Some("en"));
        assert_eq!(ssml.billed_chars, 16, "SSML markup is free on this backend");
        assert_eq!(ssml.estimated_cost, None);
        assert!(ssml.to_string().contains("set price_per_million_chars"), "{ssml}");
    }

    #[test]
    fn a_cast_is_estimated_per_voice_and_files_are_free() {
        let mut file = chunk(0, 0, "", "");
        file.audio_file = Some("intro.mp3".into());
        let chunks = [file, chunk(1, 0, "One.", "One."), chunk(2, 1, "Three.", "Three.")];
        let cast = [backend(false, false, Some(1.0)), backend(false, false, Some(2.0))];
        let estimates = estimate_cast(&chunks, &cast, None);
        let billed: Vec<_> = estimates.iter().map(|e| (e.billed_chars, e.requests)).collect();
        assert_eq!(billed, [(4, 1), (6, 1)]);
    }

    #[test]
    fn a_job_over_the_cap_is_refused_with_both_numbers() {
        let chunks = [chunk(0, 0, "Twelve chars", "Twelve chars")];
        let estimates = [estimate(&chunks, backend(false, false, None).as_ref(), None)];
        assert_eq!(check_max_chars(&estimates, 12).unwrap(), 12);
        let err = check_max_chars(&estimates, 11).unwrap_err().to_string();
        assert!(err.contains("12 characters") && err.contains("--max-chars 11"), "{err}");
    }
}
