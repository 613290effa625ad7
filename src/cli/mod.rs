//! The command line: clap arguments, and the glue from them to the library.
//!
//! This is the only module (besides `main.rs`) that uses `anyhow`: library errors carry
//! their own context, and here they only gain the words a user needs at the terminal.

mod batch;
mod cache;
mod extract;
mod feed;
mod lexicon;
mod names;
mod narrate;
mod preview;
mod serve;
mod verify;
mod voices;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;

pub use batch::BatchArgs;
pub use cache::{CacheArgs, CacheCommand};
pub use feed::FeedArgs;
pub use lexicon::{LexiconArgs, LexiconCommand};
pub use names::NamesArgs;
pub use preview::PreviewArgs;
pub use serve::ServeArgs;

/// Turn news articles into narrated audio with chapters.
#[derive(Debug, Parser)]
#[command(name = "articulate", version, about, propagate_version = true)]
pub struct Args {
    /// Configuration file. Default: ./config.toml if present, else built-in defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log what happens (-v for info, -vv for debug) to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Narrate articles into audio, chapters and a manifest.
    Narrate(NarrateArgs),
    /// Show what would be spoken (and what skipped) without synthesizing.
    Extract(ExtractArgs),
    /// Hear an article in the web player; saving the file narrates it again.
    Preview(PreviewArgs),
    /// Narrate many articles in parallel: only what changed, safe to stop, split by --shard.
    Batch(BatchArgs),
    /// Show or prune the chunk cache.
    Cache(CacheArgs),
    /// Narrate articles a CMS posts to an HTTP API, publish them, keep the feed current.
    Serve(ServeArgs),
    /// Write a podcast RSS feed for the narrations in a directory.
    Feed(FeedArgs),
    /// Listen to a narration again: list its worst segments, exit 1 if any is flagged.
    Verify(VerifyArgs),
    /// List an article's names with the phonemes the voice will use, and flag the ones it
    /// is likely to get wrong, with the house dictionary line that fixes each.
    Names(NamesArgs),
    /// Export the house pronunciation dictionary as W3C PLS, or import a PLS file into it.
    Lexicon(LexiconArgs),
    /// List voice profiles and which engines are installed.
    Voices {
        /// Also list the voices each installed engine offers.
        #[arg(long)]
        engines: bool,
    },
}

/// `n` and the noun for that many: "1 article", "2 articles", "0 entries".
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `articulate narrate`.
#[derive(Debug, clap::Args)]
pub struct NarrateArgs {
    /// Articles: files (.txt, .html, .md), URLs, or `-` for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Output directory. Default: `[narrate] output_dir` (audio_out).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Voice profile: a name in voices/ or a path to a .toml file.
    #[arg(long, value_name = "NAME|PATH")]
    pub voice: Option<String>,
    /// Audio formats to write, comma-separated: mp3, wav. Default: `[output] formats`.
    #[arg(long, value_delimiter = ',', value_name = "FORMATS")]
    pub format: Vec<String>,
    /// Print the manifest that would be written (timings null) without synthesizing.
    #[arg(long)]
    pub dry_run: bool,
    /// Chunk cache directory. Default: `[narrate] cache_dir`.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Synthesize every chunk afresh, neither reading nor writing the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Refuse to start an article whose backends would bill more than N characters.
    #[arg(long, value_name = "N")]
    pub max_chars: Option<usize>,
    /// Also write a self-contained web player to `player/` in the output directory.
    #[arg(long, conflicts_with = "dry_run")]
    pub player: bool,
    /// The voice's rate, pitch and volume.
    #[command(flatten)]
    pub knobs: KnobArgs,
    /// Listen to every chunk with the offline recogniser before publishing; a chunk that
    /// does not say its text is synthesized once more, then flagged (`[narrate] verify`).
    #[arg(long, conflicts_with = "dry_run")]
    pub verify: bool,
    /// With verification (--verify or `[narrate] verify`): a flagged chunk is an error, and
    /// nothing is written.
    #[arg(long, conflicts_with = "dry_run")]
    pub strict: bool,
    /// Time every word (from the engine, else by aligning with the recogniser), for
    /// NAME.words.vtt, NAME.transcript.json and the manifest's `words`.
    #[arg(long, conflicts_with = "dry_run")]
    pub words: bool,
    /// Fail an input whose extraction confidence (0 to 1) is below this. Default:
    /// `[extract] min_confidence`.
    #[arg(long, value_name = "0..1", value_parser = confidence)]
    pub min_confidence: Option<f64>,
}

/// `articulate verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A narration's manifest (NAME.json) with its audio beside it.
    #[arg(value_name = "NARRATION.json")]
    pub manifest: PathBuf,
    /// How many of the worst segments to list. Default: 10.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub worst: usize,
}

/// `--rate`, `--pitch`, `--volume`: in the voice backend's own units, where it has them.
#[derive(Debug, Default, clap::Args)]
pub struct KnobArgs {
    /// Speaking rate in the backend's units: espeak-ng words per minute (165), Piper
    /// length_scale (>1 slower), OpenAI/ElevenLabs speed, Google speaking_rate, Azure rate
    /// ("+10%").
    #[arg(long, value_name = "RATE", allow_hyphen_values = true)]
    pub rate: Option<String>,
    /// Pitch in the backend's units: espeak-ng 0–99 (50), Google semitones, Azure ("-2st").
    #[arg(long, value_name = "PITCH", allow_hyphen_values = true)]
    pub pitch: Option<String>,
    /// Volume in the backend's units: Google volume_gain_db.
    #[arg(long, value_name = "VOLUME", allow_hyphen_values = true)]
    pub volume: Option<String>,
}

impl KnobArgs {
    /// The knobs as the voices take them.
    #[must_use]
    pub fn knobs(&self) -> crate::narrate::Knobs {
        crate::narrate::Knobs {
            rate: self.rate.clone(),
            pitch: self.pitch.clone(),
            volume: self.volume.clone(),
        }
    }
}

/// `articulate extract`.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// An article: a file, a URL, or `-` for stdin.
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Print exactly what will be spoken, blocks separated by blank lines (the default).
    #[arg(long, conflicts_with_all = ["json", "explain"])]
    pub text: bool,
    /// Print the article model as JSON.
    #[arg(long, conflicts_with = "explain")]
    pub json: bool,
    /// List every block in reading order, kept or skipped, with the rule that decided it.
    #[arg(long)]
    pub explain: bool,
    /// Fail when the extraction's confidence (0 to 1) is below this. Default:
    /// `[extract] min_confidence`.
    #[arg(long, value_name = "0..1", value_parser = confidence)]
    pub min_confidence: Option<f64>,
    /// Print exactly what each chunk sends to the engine (after normalisation and the
    /// lexicon), chunks separated by blank lines.
    #[arg(long, conflicts_with_all = ["json", "explain", "text"])]
    pub spoken: bool,
    /// With --spoken: the voice profile whose engine, limits and lexicon apply.
    #[arg(long, value_name = "NAME|PATH", requires = "spoken")]
    pub voice: Option<String>,
}

/// `--min-confidence`: a number from 0 to 1.
fn confidence(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{text:?} is not a confidence from 0 to 1")),
    }
}

/// The configuration with `--min-confidence`, when given, in place of the configured one.
fn with_min_confidence(
    config: &Config,
    min_confidence: Option<f64>,
) -> std::borrow::Cow<'_, Config> {
    match min_confidence {
        Some(minimum) => {
            let mut config = config.clone();
            config.extract.min_confidence = minimum;
            std::borrow::Cow::Owned(config)
        }
        None => std::borrow::Cow::Borrowed(config),
    }
}

/// Tell the user, on stderr, when an extraction may have missed part of the story.
fn warn_extraction(input: &str, extraction: Option<&crate::model::Extraction>) {
    if let Some(e) = extraction
        && let Some(warning) = &e.warning
    {
        eprintln!(
            "warning: {input}: {warning} (extraction confidence {:.2}; see `articulate extract \
             {input} --explain`)",
            e.confidence
        );
    }
}

/// Run a parsed command line.
///
/// # Errors
///
/// Whatever failed, with enough context to act on; the caller prints it and exits non-zero.
pub fn run(args: Args) -> anyhow::Result<()> {
    init_logging(args.verbose);
    let config = Config::load(args.config.as_deref())?;
    match args.command {
        Command::Narrate(narrate_args) => narrate::run(&narrate_args, &config),
        Command::Extract(extract_args) => extract::run(&extract_args, &config),
        Command::Preview(preview_args) => preview::run(&preview_args, &config),
        Command::Batch(batch_args) => batch::run(&batch_args, &config),
        Command::Cache(cache_args) => cache::run(&cache_args, &config),
        Command::Feed(feed_args) => feed::run(&feed_args, &config),
        Command::Verify(verify_args) => verify::run(&verify_args, &config),
        Command::Serve(serve_args) => serve::run(&serve_args, &config),
        Command::Names(names_args) => names::run(&names_args, &config),
        Command::Lexicon(lexicon_args) => lexicon::run(&lexicon_args, &config),
        Command::Voices { engines } => voices::run(&config, engines),
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ARTICULATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("articulate={level}")));
    // Colour only for a person at a terminal: a log file or a CI page shows escape codes raw.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
}

/// The formats `--format` asks for (default `[output] formats`), checked against the output
/// settings before any work starts.
fn output_formats(
    requested: &[String],
    config: &Config,
) -> anyhow::Result<Vec<crate::output::OutputFormat>> {
    let formats = if requested.is_empty() {
        config.output.formats.clone()
    } else {
        requested.iter().map(|f| f.parse()).collect::<Result<Vec<_>, _>>()?
    };
    let mut problems = Vec::new();
    let rate = crate::model::SampleRate(config.audio.sample_rate);
    config.output.validate_for(&formats, rate, &mut problems);
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("; "));
    Ok(formats)
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_of_a_thing_is_singular_and_any_other_number_plural() {
        assert_eq!(count(1, "article", "articles"), "1 article");
        assert_eq!(count(0, "chunk", "chunks"), "0 chunks");
        assert_eq!(count(41, "chunk", "chunks"), "41 chunks");
    }
}
