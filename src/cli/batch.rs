//! `articulate batch`: many articles, in parallel, only what changed, safe to stop.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::batch::{self, ArticleReport, BatchOptions, Observer, Progress, Shard, Status, Summary};
use crate::config::Config;
use crate::narrate::Casting;

/// `articulate batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Articles: files, directories (searched recursively for .txt, .html, .md), URLs, a
    /// JSON Feed (.json) or a sitemap (.xml).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// A file listing inputs, one per line (`#` comments); `-` reads the list from stdin.
    #[arg(long, value_name = "FILE")]
    pub list: Vec<PathBuf>,
    /// Output directory. Default: `[narrate] output_dir` (audio_out).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Where each article's files go, without extension: {stem}, {dir}, {hash}.
    /// Default: `[batch] out_template` ({stem}).
    #[arg(long, value_name = "TEMPLATE")]
    pub out_template: Option<String>,
    /// Voice profile: a name in voices/ or a path to a .toml file.
    #[arg(long, value_name = "NAME|PATH")]
    pub voice: Option<String>,
    /// Audio formats to write, comma-separated: mp3, wav. Default: `[output] formats`.
    #[arg(long, value_delimiter = ',', value_name = "FORMATS")]
    pub format: Vec<String>,
    /// Articles narrated at once. Default: `[batch] articles`.
    #[arg(short = 'j', long, value_name = "N")]
    pub articles: Option<usize>,
    /// Skip articles whose manifest records the same source and settings.
    #[arg(long)]
    pub changed_only: bool,
    /// Write one JSON line per article: status, chunks, cache hits, requests, characters
    /// billed, duration, error.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Narrate only part I of N (0 <= I < N) of the batch, split by a hash of each input.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Chunk cache directory. Default: `[narrate] cache_dir`.
    #[arg(long, value_name = "DIR", conflicts_with = "cache_url")]
    pub cache_dir: Option<PathBuf>,
    /// Chunk cache URL (`s3://bucket/prefix`). Default: `[narrate] cache_url`.
    #[arg(long, value_name = "URL")]
    pub cache_url: Option<String>,
    /// Synthesize every chunk afresh, neither reading nor writing the cache.
    #[arg(long, conflicts_with_all = ["cache_dir", "cache_url"])]
    pub no_cache: bool,
    /// Refuse to start an article whose backends would bill more than N characters.
    #[arg(long, value_name = "N")]
    pub max_chars: Option<usize>,
    /// Listen to every chunk with the offline recogniser before publishing; a chunk that
    /// does not say its text is synthesized once more, then flagged (`[narrate] verify`).
    #[arg(long)]
    pub verify: bool,
    /// With verification: an article with a flagged chunk fails, and none of its files are
    /// written.
    #[arg(long)]
    pub strict: bool,
    /// Time every word (from the engine, else by aligning with the recogniser).
    #[arg(long)]
    pub words: bool,
    /// Fail an article whose extraction confidence (0 to 1) is below this. Default:
    /// `[extract] min_confidence`.
    #[arg(long, value_name = "0..1", value_parser = super::confidence)]
    pub min_confidence: Option<f64>,
}

pub(super) fn run(args: &BatchArgs, config: &Config) -> anyhow::Result<()> {
    let config = &super::narrate::with_verify_flags(config, args.verify, args.strict, args.words)?;
    let config = &*super::with_min_confidence(config, args.min_confidence);
    // Everything that can be checked is checked before the first article is touched.
    let cache = super::cache::open(
        config,
        args.cache_dir.as_deref(),
        args.cache_url.as_deref(),
        config.narrate.cache && !args.no_cache,
    )?;
    let casting = Casting::with_cache(config, args.voice.clone(), cache);
    casting.check()?;
    let formats = super::output_formats(&args.format, config)?;
    anyhow::ensure!(
        !args.inputs.is_empty() || !args.list.is_empty(),
        "nothing to narrate: give files, directories, URLs, a feed or a sitemap, or --list FILE"
    );
    let options = BatchOptions {
        output_dir: args
            .output
            .clone()
            .unwrap_or_else(|| config.resolve(&config.narrate.output_dir)),
        formats,
        articles: args.articles.unwrap_or(config.batch.articles).max(1),
        changed_only: args.changed_only,
        max_chars: args.max_chars,
        out_template: args
            .out_template
            .clone()
            .unwrap_or_else(|| config.batch.out_template.clone()),
        shard: args.shard,
    };
    let items = batch::collect(&args.inputs, &args.list)?;
    let planned = batch::plan(items, &options)?;
    let report = match &args.report {
        Some(path) => Some(Mutex::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        ))),
        None => None,
    };
    let observer = Arc::new(Terminal::new(planned.len(), report));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let started = Instant::now();
    let summary = runtime.block_on(batch::run(
        planned,
        options,
        Arc::new(config.clone()),
        Arc::new(casting),
        Arc::clone(&observer) as Arc<dyn Observer>,
        stop_signal(
            "Stopping: no new articles; abandoning those in progress (their chunks are cached).",
        ),
    ));
    observer.bar.finish_and_clear();
    eprintln!("{}", summary_line(&summary, started.elapsed()));
    if let Some(e) = observer.report_error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e).context("cannot write the --report file");
    }
    if summary.interrupted > 0 || summary.not_started > 0 {
        anyhow::bail!(
            "stopped: {} finished, {} interrupted, {} not started; run the same command again \
             to carry on (every chunk already synthesized is cached)",
            summary.narrated + summary.unchanged + summary.failed,
            summary.interrupted,
            summary.not_started
        );
    }
    anyhow::ensure!(
        summary.failed == 0,
        "{} of {} failed",
        summary.failed,
        super::count(summary.articles, "article", "articles")
    );
    Ok(())
}

/// Completes on Ctrl-C, or on SIGTERM (what Kubernetes and most job runners send first),
/// saying `message`.
pub(super) async fn stop_signal(message: &str) {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
    eprintln!("{message}");
}

fn summary_line(summary: &Summary, elapsed: Duration) -> String {
    use super::count;
    let flagged = if summary.flagged > 0 {
        format!("; {} flagged by verification", count(summary.flagged, "segment", "segments"))
    } else {
        String::new()
    };
    format!(
        "{}: {} narrated, {} unchanged, {} failed; {} ({} from the cache), {}, {} \
         billed{flagged}; {:.1} s",
        count(summary.articles, "article", "articles"),
        summary.narrated,
        summary.unchanged,
        summary.failed,
        count(summary.chunks, "chunk", "chunks"),
        summary.cache_hits,
        count(summary.requests, "request", "requests"),
        count(summary.billed_chars, "character", "characters"),
        elapsed.as_secs_f64()
    )
}

/// A progress bar on a terminal (nothing when stderr is piped), errors as they happen, and
/// the JSON lines report.
struct Terminal {
    bar: ProgressBar,
    report: Option<Mutex<BufWriter<File>>>,
    report_error: Mutex<Option<std::io::Error>>,
}

impl Terminal {
    fn new(articles: usize, report: Option<Mutex<BufWriter<File>>>) -> Terminal {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(articles as u64);
            let style =
                ProgressStyle::with_template("[{bar:30}] {pos}/{len} articles, {msg} ({eta} left)")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        } else {
            ProgressBar::hidden()
        };
        Terminal { bar, report, report_error: Mutex::new(None) }
    }
}

impl Observer for Terminal {
    fn progress(&self, progress: &Progress) {
        self.bar.set_length(progress.articles as u64);
        self.bar.set_position(progress.finished as u64);
        self.bar.set_message(format!(
            "{} ({} synthesized, {} from the cache)",
            super::count(progress.chunks, "chunk", "chunks"),
            progress.requests,
            progress.cache_hits
        ));
    }

    fn finished(&self, report: &ArticleReport) {
        if report.status == Status::Failed {
            let error = report.error.as_deref().unwrap_or("failed");
            // Most errors name their input already.
            let line = if error.contains(&report.input) {
                format!("error: {error}")
            } else {
                format!("error: {}: {error}", report.input)
            };
            self.bar.suspend(|| eprintln!("{line}"));
        }
        let Some(file) = &self.report else { return };
        let written =
            serde_json::to_string(report).map_err(std::io::Error::from).and_then(|line| {
                let mut file =
                    file.lock().map_err(|_| std::io::Error::other("report lock poisoned"))?;
                // Flushed per article, so a killed batch leaves the lines of what finished.
                writeln!(file, "{line}")?;
                file.flush()
            });
        if let Err(e) = written
            && let Ok(mut slot) = self.report_error.lock()
        {
            slot.get_or_insert(e);
        }
    }
}
