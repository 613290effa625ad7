//! The recogniser sidecar: one Python process per run with the Whisper model loaded once,
//! asked window after window over stdin/stdout, restarted once when it crashes, hangs or
//! answers nonsense.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::compare::{self, TextWord};
use super::windows;
use super::{RATE, VerifyConfig, VerifyError};

const DRIVER: &str = include_str!("driver.py");

/// One chunk to listen to.
#[derive(Clone, Copy, Debug)]
pub struct Listen<'a> {
    /// Its audio, mono at [`RATE`].
    pub audio: &'a [f32],
    /// Its display words, to align.
    pub words: &'a [TextWord],
}

/// Where the recogniser found one display word.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeardWord {
    /// Start in seconds from the start of the chunk's audio.
    pub start: f64,
    /// End in seconds.
    pub end: f64,
    /// The probability the model gives the word there: its first token with a letter or
    /// digit (later tokens of a word follow from the first).
    pub probability: f64,
}

/// What the recogniser made of one chunk.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Heard {
    /// The transcript, as written.
    pub text: String,
    /// One entry per display word, in order.
    pub words: Vec<HeardWord>,
}

/// The request line the driver reads.
#[derive(Serialize)]
struct Request<'a> {
    key: &'a str,
    samples: usize,
    language: &'a str,
    transcribe: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    hotwords: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    align: Option<Vec<&'a str>>,
}

/// The answer line it writes.
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    words: Option<Vec<(f64, f64, f64)>>,
    #[serde(default)]
    error: Option<String>,
}

/// A running driver.
struct Sidecar {
    child: Child,
    /// Requests for the thread that writes them to the process's stdin: a process that
    /// stops reading must not block us past the timeout.
    input: Sender<Vec<u8>>,
    lines: Receiver<std::io::Result<String>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why one request failed; the first failure of a request is retried on a fresh process.
#[derive(Debug)]
enum Fault {
    /// Not installed: retrying will not help.
    Missing(String),
    /// Crashed, hung, or answered nonsense.
    Broken(String),
}

/// The speech recogniser of a run: started on first use, shared by every article.
pub struct Recogniser {
    python: PathBuf,
    model: PathBuf,
    threads: usize,
    timeout: Duration,
    sidecar: Mutex<Option<Sidecar>>,
    identity: OnceLock<String>,
}

impl std::fmt::Debug for Recogniser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recogniser").field("model", &self.model).finish_non_exhaustive()
    }
}

impl Recogniser {
    /// A recogniser as configured, checking that its Python and model are there (the process
    /// starts on first use).
    ///
    /// # Errors
    ///
    /// [`VerifyError::NotInstalled`] naming what is missing.
    pub fn new(config: &VerifyConfig) -> Result<Recogniser, VerifyError> {
        let python = config.python_path();
        let model = config.model_dir();
        let is_program = python.components().count() > 1 || python.is_file();
        if is_program && !python.is_file() {
            return Err(VerifyError::NotInstalled { missing: format!("no {}", python.display()) });
        }
        for file in ["model.bin", "config.json", "tokenizer.json"] {
            if !model.join(file).is_file() {
                return Err(VerifyError::NotInstalled {
                    missing: format!("no Whisper model in {}", model.display()),
                });
            }
        }
        Ok(Recogniser {
            python,
            model,
            threads: config.threads.max(1),
            timeout: Duration::from_secs(config.timeout_secs.max(1)),
            sidecar: Mutex::new(None),
            identity: OnceLock::new(),
        })
    }

    /// What identifies the recogniser's answers, for cache keys: a hash of the model's files
    /// and of the driver.
    pub fn identity(&self) -> &str {
        self.identity.get_or_init(|| {
            let mut hasher = blake3::Hasher::new();
            hasher.update(DRIVER.as_bytes());
            for file in ["config.json", "tokenizer.json", "model.bin"] {
                if let Ok(mut f) = std::fs::File::open(self.model.join(file)) {
                    let _ = std::io::copy(&mut f, &mut hasher);
                }
            }
            hasher.finalize().to_hex().to_string()
        })
    }

    /// Listen to chunks in `language` (BCP 47; Whisper's code is its primary subtag):
    /// transcribe each and align its words. Short chunks are packed several to a window.
    ///
    /// # Errors
    ///
    /// The recogniser is missing, or failed twice on one window.
    pub fn listen(
        &self,
        items: &[Listen<'_>],
        language: Option<&str>,
    ) -> Result<Vec<Heard>, VerifyError> {
        self.listen_with(items, language, true)
    }

    /// A second opinion: one chunk in a window of its own, transcribed with its own hot
    /// words (`hinted`) or none. In a window shared with other short chunks Whisper
    /// sometimes skips one (a list of names, say); and it takes a prompt as text already
    /// said, so a short chunk made mostly of names ("Is Joe Locke gay?") can lose them
    /// to its hot words.
    ///
    /// # Errors
    ///
    /// As [`Recogniser::listen`].
    pub fn listen_again(
        &self,
        item: Listen<'_>,
        language: Option<&str>,
        hinted: bool,
    ) -> Result<Heard, VerifyError> {
        Ok(self.listen_with(&[item], language, hinted)?.pop().unwrap_or_default())
    }

    fn listen_with(
        &self,
        items: &[Listen<'_>],
        language: Option<&str>,
        hinted: bool,
    ) -> Result<Vec<Heard>, VerifyError> {
        let language = whisper_language(language);
        let language = language.as_str();
        let english = language == "en";
        let mut heard: Vec<Option<Heard>> = vec![None; items.len()];
        let lengths: Vec<(usize, usize)> =
            items.iter().enumerate().map(|(i, item)| (i, item.audio.len())).collect();
        let windows = windows::pack(&lengths, RATE);
        for window in &windows {
            let mut audio = vec![0f32; window.length];
            let mut tokens = Vec::new();
            for &(i, at) in &window.items {
                audio[at..at + items[i].audio.len()].copy_from_slice(items[i].audio);
                tokens.extend(items[i].words.iter().map(|w| w.token.as_str()));
            }
            let hotwords = if hinted {
                hotwords(window.items.iter().flat_map(|(i, _)| items[*i].words))
            } else {
                String::new()
            };
            let (text, found) = self.ask_window(&audio, language, Some(hotwords), Some(tokens))?;
            let units: Vec<Vec<String>> = window
                .items
                .iter()
                .map(|(i, _)| items[*i].words.iter().map(|w| w.unit.clone()).collect())
                .collect();
            let shares = compare::share_out(&text, &units, english);
            let mut found = found.into_iter();
            for (&(i, at), share) in window.items.iter().zip(shares) {
                let offset = at as f64 / f64::from(RATE);
                let words = found
                    .by_ref()
                    .take(items[i].words.len())
                    .map(|w| shifted(w, offset, items[i].audio.len()))
                    .collect();
                heard[i] = Some(Heard { text: share.join(" "), words });
            }
        }
        for (i, item) in items.iter().enumerate() {
            if heard[i].is_none() {
                heard[i] = Some(self.listen_long(item, language, hinted)?);
            }
        }
        Ok(heard.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// A chunk longer than a window: cut it at quiet moments, transcribe each piece, give
    /// each piece the words its transcript matches, and align them piece by piece.
    fn listen_long(
        &self,
        item: &Listen<'_>,
        language: &str,
        hinted: bool,
    ) -> Result<Heard, VerifyError> {
        let english = language == "en";
        let points = windows::cut_points(item.audio, RATE);
        let pieces: Vec<&[f32]> = points.windows(2).map(|p| &item.audio[p[0]..p[1]]).collect();
        let hot = if hinted { hotwords(item.words.iter()) } else { String::new() };
        let mut texts = Vec::new();
        for piece in &pieces {
            texts.push(self.ask_window(piece, language, Some(hot.clone()), None)?.0);
        }
        // Which piece each heard word is in, then which piece each display word is in.
        let mut heard_units = Vec::new();
        let mut heard_piece = Vec::new();
        for (p, text) in texts.iter().enumerate() {
            for w in text.split_whitespace() {
                heard_units.push(compare::unit(w, english));
                heard_piece.push(p);
            }
        }
        let units: Vec<String> = item.words.iter().map(|w| w.unit.clone()).collect();
        let matches = compare::align(&units, &heard_units);
        let mut piece_of = Vec::with_capacity(units.len());
        let mut last = 0;
        for found in &matches {
            if let Some(found) = found {
                last = heard_piece[found.heard].max(last);
            }
            piece_of.push(last);
        }
        let mut words = Vec::with_capacity(units.len());
        for (p, piece) in pieces.iter().enumerate() {
            let mine: Vec<&str> = item
                .words
                .iter()
                .zip(&piece_of)
                .filter(|(_, q)| **q == p)
                .map(|(w, _)| w.token.as_str())
                .collect();
            if mine.is_empty() {
                continue;
            }
            let count = mine.len();
            let offset = points[p] as f64 / f64::from(RATE);
            let (_, found) = self.ask_window(piece, language, None, Some(mine))?;
            words.extend(
                found.into_iter().take(count).map(|w| shifted(w, offset, item.audio.len())),
            );
        }
        Ok(Heard { text: texts.join(" ").trim().to_owned(), words })
    }

    /// One window: transcribe it (with `hotwords`) and/or align `tokens` in it. Retried once
    /// on a fresh process.
    fn ask_window(
        &self,
        audio: &[f32],
        language: &str,
        hotwords: Option<String>,
        tokens: Option<Vec<&str>>,
    ) -> Result<(String, Vec<HeardWord>), VerifyError> {
        let pcm: Vec<u8> = audio
            .iter()
            .flat_map(|s| {
                #[allow(clippy::cast_possible_truncation)]
                let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
                v.to_le_bytes()
            })
            .collect();
        let count = tokens.as_ref().map_or(0, Vec::len);
        let request = Request {
            key: "window",
            samples: audio.len(),
            language,
            transcribe: hotwords.is_some(),
            hotwords: hotwords.filter(|h| !h.is_empty()),
            align: tokens,
        };
        let transcribe = request.transcribe;
        let mut line = serde_json::to_string(&request).unwrap_or_default();
        line.push('\n');
        let seconds = audio.len() as f64 / f64::from(RATE);
        let mut last = String::new();
        for attempt in 0..2 {
            match self.exchange(&line, &pcm) {
                Ok(answer) => match check(answer, transcribe, count, seconds) {
                    Ok(result) => return Ok(result),
                    Err(message) => last = message,
                },
                Err(Fault::Missing(missing)) => return Err(VerifyError::NotInstalled { missing }),
                Err(Fault::Broken(message)) => last = message,
            }
            tracing::warn!(attempt, "The speech recogniser failed ({last}); restarting it.");
            self.stop();
        }
        Err(VerifyError::Failed { message: last })
    }

    /// Send one request and read its answer, starting the process if need be.
    fn exchange(&self, line: &str, pcm: &[u8]) -> Result<Answer, Fault> {
        let mut guard = self.sidecar.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.is_none() {
            *guard = Some(self.start()?);
        }
        let Some(sidecar) = guard.as_mut() else {
            return Err(Fault::Broken("the recogniser did not start".into()));
        };
        let mut bytes = Vec::with_capacity(line.len() + pcm.len());
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(pcm);
        if sidecar.input.send(bytes).is_err() {
            return Err(Fault::Broken(format!("it stopped reading{}", tail(&sidecar.stderr))));
        }
        match sidecar.lines.recv_timeout(self.timeout) {
            Ok(Ok(answer)) => serde_json::from_str(&answer)
                .map_err(|_| Fault::Broken(format!("it answered {:?}", clip(&answer)))),
            Ok(Err(e)) => Err(Fault::Broken(format!("cannot read its answer: {e}"))),
            Err(RecvTimeoutError::Timeout) => {
                Err(Fault::Broken(format!("no answer within {} s", self.timeout.as_secs())))
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = sidecar.child.wait().map(|s| s.to_string()).unwrap_or_default();
                std::thread::sleep(Duration::from_millis(50));
                Err(Fault::Broken(format!("it exited ({status}){}", tail(&sidecar.stderr))))
            }
        }
    }

    fn start(&self) -> Result<Sidecar, Fault> {
        let mut child = Command::new(&self.python)
            .arg("-u")
            .arg("-c")
            .arg(DRIVER)
            .arg(&self.model)
            .arg(self.threads.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Fault::Missing(format!("cannot run {}: {e}", self.python.display())))?;
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(pipe) = child.stderr.take() {
            let keep = Arc::clone(&stderr);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let mut lines = keep.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    if lines.len() == 3 {
                        lines.pop_front();
                    }
                    lines.push_back(line);
                }
            });
        }
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Fault::Broken("no pipes to the recogniser".into()));
        };
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let end = line.is_err();
                if send.send(line).is_err() || end {
                    break;
                }
            }
        });
        let (input, requests) = channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let mut stdin: ChildStdin = stdin;
            for bytes in requests {
                if stdin.write_all(&bytes).and_then(|()| stdin.flush()).is_err() {
                    break;
                }
            }
        });
        let sidecar = Sidecar { child, input, lines, stderr };
        let ready = match sidecar.lines.recv_timeout(self.timeout) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(Fault::Broken(format!("it did not start: {e}"))),
            Err(RecvTimeoutError::Timeout) => {
                return Err(Fault::Broken(format!(
                    "it did not load its model within {} s",
                    self.timeout.as_secs()
                )));
            }
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(50));
                return Err(Fault::Broken(format!(
                    "it exited while starting{}",
                    tail(&sidecar.stderr)
                )));
            }
        };
        let answer: serde_json::Value = serde_json::from_str(&ready).unwrap_or_default();
        if let Some(missing) = answer.get("missing").and_then(|m| m.as_str()) {
            return Err(Fault::Missing(format!("{missing} in {}", self.python.display())));
        }
        if answer.get("ready").and_then(serde_json::Value::as_bool) != Some(true) {
            let error = answer.get("error").and_then(|e| e.as_str()).unwrap_or(&ready);
            return Err(Fault::Broken(format!(
                "it could not load {}: {}",
                self.model.display(),
                clip(error)
            )));
        }
        Ok(sidecar)
    }

    /// Stop the process; the next request starts a fresh one.
    fn stop(&self) {
        let mut guard = self.sidecar.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = None;
    }
}

/// Whether an answer is what was asked for, and its parts if so.
fn check(
    answer: Answer,
    transcribe: bool,
    count: usize,
    seconds: f64,
) -> Result<(String, Vec<HeardWord>), String> {
    if let Some(error) = answer.error {
        return Err(format!("it reported {}", clip(&error)));
    }
    let text = match (transcribe, answer.text) {
        (true, Some(text)) => text,
        (true, None) => return Err("its answer has no transcript".into()),
        (false, _) => String::new(),
    };
    let found = answer.words.unwrap_or_default();
    if found.len() != count {
        return Err(format!("it aligned {} words of {count}", found.len()));
    }
    let mut words = Vec::with_capacity(count);
    for (start, end, probability) in found {
        let sane = start.is_finite()
            && end.is_finite()
            && (0.0..=seconds + 1.0).contains(&start)
            && (start..=seconds + 1.0).contains(&end)
            && (0.0..=1.0).contains(&probability);
        if !sane {
            return Err(format!(
                "it answered a word at {start}–{end} s in a {seconds:.1} s window"
            ));
        }
        words.push(HeardWord { start, end, probability });
    }
    Ok((text, words))
}

/// A word found in a window, moved to its chunk's own clock and kept inside the chunk.
fn shifted(word: HeardWord, offset: f64, samples: usize) -> HeardWord {
    let length = samples as f64 / f64::from(RATE);
    let start = (word.start - offset).clamp(0.0, length);
    let end = (word.end - offset).clamp(start, length);
    HeardWord { start, end, ..word }
}

/// The capitalised words of some display words, once each: names and acronyms the
/// recogniser should spell as the article does.
fn hotwords<'a>(words: impl Iterator<Item = &'a TextWord>) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<&str> = Vec::new();
    for w in words {
        if w.judged && w.text.chars().any(char::is_uppercase) && seen.insert(w.text.as_str()) {
            out.push(&w.text);
        }
    }
    out.truncate(60);
    out.join(" ")
}

/// Whisper's language code: the primary subtag of a BCP 47 tag.
fn whisper_language(language: Option<&str>) -> String {
    language
        .and_then(|l| l.split(['-', '_']).next())
        .filter(|l| l.len() == 2 || l.len() == 3)
        .unwrap_or("en")
        .to_ascii_lowercase()
}

fn tail(stderr: &Arc<Mutex<VecDeque<String>>>) -> String {
    let lines = stderr.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    lines.back().map(|l| format!(": {}", clip(l))).unwrap_or_default()
}

fn clip(s: &str) -> String {
    let line = s.replace(['\n', '\r'], " ");
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line
    }
}
