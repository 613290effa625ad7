//! Verification and word timing in a narration: listen to chunks as synthesis returns them,
//! synthesize a failed chunk once more, and time every word on the narration's clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::audio::{Resampler, decode};
use crate::cache::ChunkCache;
use crate::config::Config;
use crate::model::{
    Article, Chunk, ManifestVerification, ManifestWord, SampleRate, Samples, Span, SpeechAudio,
};
use crate::segment::lexicon::{LexiconTable, TableEntry};
use crate::segment::{self, Lexicon};
use crate::tts::{Marked, SynthRequest, WordMark};
use crate::verify::{
    self, Heard, Listen, Recogniser, Status, Strategy, TextWord, Verdict, VerifyError, VerifyMode,
    WordTimings, display_words, timing,
};

use super::Cast;

/// Chunks are listened to in batches of about this much audio, so short ones share
/// Whisper's windows.
pub(super) const BATCH_SECONDS: f64 = 60.0;

/// What became of one chunk: the audio to use, and what is known about its words.
pub(super) struct Settled {
    pub(super) audio: SpeechAudio,
    /// The engine's word marks, when they match the text the engine was sent.
    pub(super) marks: Option<Vec<WordMark>>,
    /// What the recogniser heard, when it listened.
    pub(super) heard: Option<Heard>,
    pub(super) verification: Option<ManifestVerification>,
}

/// How chunks are listened to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Listening {
    /// Short ones several to a window, with their names as hot words.
    Packed,
    /// Each in a window of its own, with its own names as hot words.
    Alone,
    /// Each in a window of its own, without hot words.
    Plain,
}

/// A chunk ready to be listened to.
struct Pending<'a> {
    chunk: &'a Chunk,
    words: Vec<TextWord>,
    audio: Vec<f32>,
}

/// Listens for one narration.
pub(super) struct Listener<'a> {
    pub(super) config: &'a Config,
    pub(super) article: &'a Article,
    pub(super) cast: &'a Cast,
    pub(super) english: bool,
    /// Chunks the recogniser listened to, and chunks whose hearing came from the cache.
    pub(super) listened: AtomicUsize,
    pub(super) heard_cached: AtomicUsize,
}

impl Listener<'_> {
    /// Whether anything is listened to at all.
    pub(super) fn active(&self) -> bool {
        self.config.narrate.verify != VerifyMode::Off
            || self.config.narrate.word_timings == WordTimings::Always
    }

    fn verifying(&self) -> bool {
        self.config.narrate.verify != VerifyMode::Off
    }

    /// Settle a batch of synthesized chunks: listen to those that need it, judge them, and
    /// synthesize each failed one once more with the next strategy.
    pub(super) async fn settle(
        &self,
        batch: Vec<(&Chunk, Marked)>,
    ) -> Result<Vec<Settled>, VerifyError> {
        let always = self.config.narrate.word_timings == WordTimings::Always;
        let mut settled = Vec::with_capacity(batch.len());
        let mut pending = Vec::new();
        for (chunk, (audio, marks)) in batch {
            let words = display_words(&chunk.text, self.english);
            let listen = chunk.audio_file.is_none()
                && !words.is_empty()
                && (self.verifying() || (always && marks.is_none()));
            if listen && let Some(pcm) = at_recogniser_rate(&audio) {
                pending.push(settled.len());
                settled.push((
                    Settled { audio, marks, heard: None, verification: None },
                    Some(Pending { chunk, words, audio: pcm }),
                ));
            } else {
                settled.push((Settled { audio, marks, heard: None, verification: None }, None));
            }
        }
        let Some(recogniser) = &self.cast.recogniser else {
            return Ok(settled
                .into_iter()
                .map(|(mut s, p)| {
                    if p.is_some() && self.verifying() {
                        s.verification = Some(unverified());
                    }
                    s
                })
                .collect());
        };
        let listens: Vec<&Pending<'_>> =
            pending.iter().filter_map(|&i| settled[i].1.as_ref()).collect();
        let heard = match self.listen(recogniser, &listens, Listening::Packed).await {
            Ok(heard) => heard,
            Err(e) if self.config.narrate.verify == VerifyMode::BestEffort => {
                tracing::warn!("Segments marked unverified: {e}");
                return Ok(settled
                    .into_iter()
                    .map(|(mut s, p)| {
                        if p.is_some() {
                            s.verification = Some(unverified());
                        }
                        s
                    })
                    .collect());
            }
            Err(e) => return Err(e),
        };
        let mut out = Vec::with_capacity(settled.len());
        let mut heard = heard.into_iter();
        for (mut s, p) in settled {
            let Some(p) = p else {
                out.push(s);
                continue;
            };
            let Some(first) = heard.next() else {
                out.push(s);
                continue;
            };
            if !self.verifying() {
                s.heard = Some(first);
                out.push(s);
                continue;
            }
            let verdict = self.judge(&p, &first);
            let (first, verdict) = match self.second_opinion(recogniser, &p, first, verdict).await {
                Ok(judged) => judged,
                Err(e) if self.config.narrate.verify == VerifyMode::BestEffort => {
                    tracing::warn!(chunk = p.chunk.id, "Segment marked unverified: {e}");
                    s.verification = Some(unverified());
                    out.push(s);
                    continue;
                }
                Err(e) => return Err(e),
            };
            if verdict.pass {
                s.verification = Some(record(&p, &first, &verdict, Status::Ok, None));
                s.heard = Some(first);
                out.push(s);
                continue;
            }
            match self.retry(recogniser, &p, &verdict).await {
                Ok(Some((strategy, (audio, _), again, second))) if second.pass => {
                    s.verification =
                        Some(record(&p, &again, &second, Status::Retried, Some(strategy)));
                    s.audio = audio;
                    s.marks = None;
                    s.heard = Some(again);
                }
                Ok(Some((strategy, (audio, _), again, second)))
                    if second.failed.len() < verdict.failed.len() =>
                {
                    s.verification =
                        Some(record(&p, &again, &second, Status::Flagged, Some(strategy)));
                    s.audio = audio;
                    s.marks = None;
                    s.heard = Some(again);
                }
                Ok(retried) => {
                    let strategy = retried.map(|r| r.0);
                    s.verification = Some(record(&p, &first, &verdict, Status::Flagged, strategy));
                    s.heard = Some(first);
                }
                Err(e) => {
                    tracing::warn!(chunk = p.chunk.id, "Could not synthesize the chunk again: {e}");
                    s.verification = Some(record(&p, &first, &verdict, Status::Flagged, None));
                    s.heard = Some(first);
                }
            }
            out.push(s);
        }
        Ok(out)
    }

    /// A failed chunk heard again ([`Recogniser::listen_again`]): alone, then alone without
    /// hot words, until it passes; a word fails only when it failed every time. What was
    /// heard is kept from the listen with the fewest failed words.
    async fn second_opinion(
        &self,
        recogniser: &Arc<Recogniser>,
        p: &Pending<'_>,
        heard: Heard,
        verdict: Verdict,
    ) -> Result<(Heard, Verdict), VerifyError> {
        let (mut heard, mut verdict, mut fewest) = (heard, verdict.clone(), verdict.failed.len());
        for how in [Listening::Alone, Listening::Plain] {
            if verdict.pass {
                break;
            }
            let again = self.listen(recogniser, &[p], how).await?.pop().unwrap_or_default();
            let second = self.judge(p, &again);
            verdict = verdict.agreed(&second, &self.config.verify);
            if second.failed.len() < fewest {
                fewest = second.failed.len();
                heard = again;
            }
        }
        Ok((heard, verdict))
    }

    fn judge(&self, p: &Pending<'_>, heard: &Heard) -> Verdict {
        verify::judge(
            &p.words,
            heard,
            &[&p.chunk.text, &p.chunk.speak],
            self.english,
            &self.config.verify,
        )
    }

    /// What the recogniser heard in each chunk, from the cache where it has listened to the
    /// same audio before.
    async fn listen(
        &self,
        recogniser: &Arc<Recogniser>,
        pending: &[&Pending<'_>],
        how: Listening,
    ) -> Result<Vec<Heard>, VerifyError> {
        let language = self.article.meta.language.as_deref();
        let keys: Vec<String> =
            pending.iter().map(|p| heard_key(recogniser, language, p, how)).collect();
        let mut found: Vec<Option<Heard>> = Vec::with_capacity(pending.len());
        for key in &keys {
            found.push(match &self.cast.cache {
                Some(cache) => cached(cache, key).await,
                None => None,
            });
        }
        let missing: Vec<usize> = (0..pending.len()).filter(|&i| found[i].is_none()).collect();
        self.heard_cached.fetch_add(pending.len() - missing.len(), Ordering::Relaxed);
        self.listened.fetch_add(missing.len(), Ordering::Relaxed);
        if !missing.is_empty() {
            let items: Vec<Listen<'_>> = missing
                .iter()
                .map(|&i| Listen { audio: &pending[i].audio, words: &pending[i].words })
                .collect();
            let heard = tokio::task::block_in_place(|| match how {
                Listening::Packed => recogniser.listen(&items, language),
                Listening::Alone | Listening::Plain => items
                    .iter()
                    .map(|item| recogniser.listen_again(*item, language, how == Listening::Alone))
                    .collect(),
            })?;
            for (&i, h) in missing.iter().zip(heard) {
                if let Some(cache) = &self.cast.cache {
                    let blob = serde_json::to_vec(&h).unwrap_or_default();
                    if let Err(e) = cache.put_blob(&keys[i], blob).await {
                        tracing::warn!("What the recogniser heard was not cached: {e}");
                    }
                }
                found[i] = Some(h);
            }
        }
        Ok(found.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// Synthesize a failed chunk once more with the first strategy that applies, and listen
    /// to it. `None` when no strategy applies.
    async fn retry(
        &self,
        recogniser: &Arc<Recogniser>,
        p: &Pending<'_>,
        verdict: &Verdict,
    ) -> Result<Option<(Strategy, Marked, Heard, Verdict)>, Box<dyn std::error::Error + Send + Sync>>
    {
        let language = self.article.meta.language.as_deref();
        for strategy in &self.config.verify.retry {
            let request = match strategy {
                Strategy::Respell => {
                    let Some((text, ssml)) = self.respelled(p, verdict)? else { continue };
                    let backend = Arc::clone(
                        &self.cast.voices[p.chunk.voice.min(self.cast.voices.len() - 1)].backend,
                    );
                    (backend, text, ssml)
                }
                Strategy::Voice => {
                    let Some(voice) = &self.cast.fallback else { continue };
                    (Arc::clone(&voice.backend), p.chunk.speak.clone(), p.chunk.ssml.clone())
                }
            };
            let (backend, text, ssml) = request;
            let marked = backend
                .synthesize_marked(SynthRequest {
                    chunk: p.chunk.id,
                    text: &text,
                    ssml: &ssml,
                    language,
                    previous: None,
                    next: None,
                })
                .await?;
            let Some(audio) = at_recogniser_rate(&marked.0) else { continue };
            let again = Pending { chunk: p.chunk, words: p.words.clone(), audio };
            // Alone in its window already, as the first opinion.
            let heard = self
                .listen(recogniser, &[&again], Listening::Packed)
                .await?
                .pop()
                .unwrap_or_default();
            let second = self.judge(&again, &heard);
            let (heard, second) = self.second_opinion(recogniser, &again, heard, second).await?;
            return Ok(Some((*strategy, marked, heard, second)));
        }
        Ok(None)
    }

    /// The chunk's text with its failed words respelled: from `[verify] respellings`, or,
    /// for a word in capitals, letter by letter. `None` when no failed word has a
    /// respelling.
    fn respelled(
        &self,
        p: &Pending<'_>,
        verdict: &Verdict,
    ) -> Result<Option<(String, String)>, Box<dyn std::error::Error + Send + Sync>> {
        let table = self.respellings()?;
        let mut entries = Vec::new();
        for &i in &verdict.failed {
            let word = &p.words[i].text;
            if entries.iter().any(|e: &TableEntry| &e.key == word) {
                continue;
            }
            if let Some(entry) = table.entries.iter().find(|e| &e.key == word) {
                entries.push(entry.clone());
            } else if word.chars().count() > 1 && word.chars().all(char::is_uppercase) {
                let letters: Vec<String> = word.chars().map(String::from).collect();
                let value = toml::Value::String(letters.join(" "));
                entries.push(TableEntry { key: word.clone(), value, line: None });
            }
        }
        if entries.is_empty() {
            return Ok(None);
        }
        // On top of the voice's own lexicon (the house dictionary and the profile's), so
        // the retry changes only the words that failed.
        let voice = &self.cast.voices[p.chunk.voice.min(self.cast.voices.len() - 1)];
        let tables = [
            self.config.house_lexicon.clone(),
            LexiconTable::from_table(&voice.profile.origin(), &voice.profile.lexicon),
            LexiconTable { origin: table.origin, entries },
        ];
        let ignore_case =
            voice.profile.lexicon_ignore_case.unwrap_or(self.config.narrate.lexicon_ignore_case);
        let lexicon =
            Lexicon::compile(&tables, ignore_case).map_err(|problems| problems.join("; "))?;
        let speak = segment::speaker(self.article, &self.config.segment, &lexicon);
        let rendered = speak(&p.chunk.text);
        Ok(Some((rendered.plain, rendered.ssml)))
    }

    /// `[verify] respellings`, read.
    fn respellings(&self) -> Result<LexiconTable, Box<dyn std::error::Error + Send + Sync>> {
        let path = &self.config.verify.respellings;
        if path.as_os_str().is_empty() {
            return Ok(LexiconTable { origin: "[verify] respellings".into(), entries: Vec::new() });
        }
        let path = self.config.resolve(path);
        let origin = path.display().to_string();
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {origin}: {e}"))?;
        Ok(LexiconTable::parse_file(&origin, &text).map_err(|e| format!("{origin} {e}"))?)
    }

    /// Every word of a chunk, placed on the timeline: from the engine's marks when it gave
    /// them for the text it was sent, else from what the recogniser heard.
    pub(super) fn words(
        &self,
        chunk: &Chunk,
        marks: Option<&Vec<WordMark>>,
        heard: Option<&Heard>,
        span: Span,
        trim: Samples,
        rate: SampleRate,
    ) -> Option<Vec<ManifestWord>> {
        if self.config.narrate.word_timings == WordTimings::Off || chunk.audio_file.is_some() {
            return None;
        }
        let words = display_words(&chunk.text, self.english);
        if words.is_empty() {
            return None;
        }
        let spoken = chunk.speak.split_whitespace().count();
        let times: Vec<(f64, f64)> = match (marks, heard) {
            (Some(marks), _) if marks.len() == spoken => {
                let lexicon =
                    &self.cast.voices[chunk.voice.min(self.cast.voices.len() - 1)].lexicon;
                let speaker = segment::speaker(self.article, &self.config.segment, lexicon);
                let speak = |text: &str| speaker(text).plain;
                let ranges = timing::spoken_ranges(&chunk.text, &words, &speak, spoken);
                let marks: Vec<(f64, f64)> = marks.iter().map(|m| (m.start, m.end)).collect();
                timing::from_marks(&ranges, &marks)
            }
            (_, Some(heard)) if heard.words.len() == words.len() => {
                heard.words.iter().map(|w| (w.start, w.end)).collect()
            }
            _ => return None,
        };
        let spans = timing::place(&times, span, trim, rate);
        Some(
            words
                .iter()
                .zip(spans)
                .map(|(w, s)| ManifestWord {
                    text: w.text.clone(),
                    start_ms: s.start.to_ms(rate),
                    end_ms: s.end.to_ms(rate),
                    char_start: w.char_start,
                    char_end: w.char_end,
                })
                .collect(),
        )
    }
}

fn unverified() -> ManifestVerification {
    ManifestVerification {
        wer: 0.0,
        heard: String::new(),
        status: Status::Unverified,
        failed: Vec::new(),
        retry: None,
    }
}

fn record(
    p: &Pending<'_>,
    heard: &Heard,
    verdict: &Verdict,
    status: Status,
    retry: Option<Strategy>,
) -> ManifestVerification {
    ManifestVerification {
        wer: (verdict.wer * 1000.0).round() / 1000.0,
        heard: heard.text.clone(),
        status,
        failed: verdict.failed.iter().map(|&i| p.words[i].text.clone()).collect(),
        retry,
    }
}

/// The chunk's audio as the recogniser hears it: mono at 16 kHz, from its start as the
/// engine returned it (so times agree with the engine's clock).
fn at_recogniser_rate(audio: &SpeechAudio) -> Option<Vec<f32>> {
    let pcm = decode(audio).ok()?;
    Resampler::new(SampleRate(verify::RATE)).process(&pcm.samples, pcm.rate).ok()
}

/// What the recogniser heard is keyed by the audio it heard, the recogniser (model and
/// driver), the language and the words it aligned.
fn heard_key(
    recogniser: &Recogniser,
    language: Option<&str>,
    p: &Pending<'_>,
    how: Listening,
) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(match how {
        Listening::Packed => b"articulate heard 1\0".as_slice(),
        Listening::Alone => b"articulate heard alone 1\0",
        Listening::Plain => b"articulate heard plain 1\0",
    });
    hasher.update(recogniser.identity().as_bytes());
    hasher.update(language.unwrap_or("").as_bytes());
    for w in &p.words {
        hasher.update(b"\0");
        hasher.update(w.token.as_bytes());
    }
    hasher.update(b"\0");
    for s in &p.audio {
        hasher.update(&s.to_le_bytes());
    }
    hasher.finalize().to_hex().to_string()
}

async fn cached(cache: &ChunkCache, key: &str) -> Option<Heard> {
    let blob = cache.get_blob(key).await?;
    serde_json::from_slice(&blob).ok()
}
