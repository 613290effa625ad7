//! Batch narration: many articles at once, only what changed, safe to kill, split across
//! machines.
//!
//! ```text
//! inputs::collect  files, directories, list files, JSON Feeds, sitemaps → [Item]
//! plan             output names (template, collisions settled over the whole batch), shard
//! run              articles in parallel over one Casting: each backend's concurrency cap
//!                  holds across all of them, and every chunk goes through the shared cache
//! ```
//!
//! Every chunk is committed to the cache as soon as it is synthesized and every output file
//! is renamed into place only when complete, so a batch killed at any point and run again
//! pays for no chunk twice and ends with the same files as an uninterrupted run. Shards
//! (`--shard I/N`) split the same item list by a hash of each item's id, so N workers given
//! the same arguments narrate every article exactly once between them; with a shared cache
//! (`cache_url = "s3://…"`) they also share every chunk.

mod inputs;
pub mod names;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

pub use inputs::{Item, Origin, collect};

use crate::cache::Counts;
use crate::config::Config;
use crate::model::{Manifest, SourceFormat};
use crate::narrate::{self, Casting, Job, NarrateError, Prepared};
use crate::output::OutputFormat;

/// `[batch]`: what `articulate batch` does when no flag says otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchConfig {
    /// Articles narrated at once. Their chunks share each backend's concurrency, so more
    /// mainly overlaps one article's encoding with another's synthesis. Default: 2.
    pub articles: usize,
    /// Where each article's files go under the output directory, without extension:
    /// `{stem}` (the input's file stem, or a slug of a URL's title), `{dir}` (the input's
    /// directory relative to the directory argument it was found under), `{hash}` (a short
    /// hash of the input). Default: `"{stem}"`.
    pub out_template: String,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig { articles: 2, out_template: "{stem}".into() }
    }
}

impl BatchConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.articles == 0 {
            problems.push("[batch] articles must be at least 1".into());
        }
        if let Err(e) = names::check_template(&self.out_template) {
            problems.push(format!("[batch] out_template: {e}"));
        }
    }
}

/// A batch that cannot start: its inputs cannot be listed or its options are wrong.
/// (An article that fails is reported, not an error.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A list, feed or sitemap is malformed.
    #[error("{}: {message}", path.display())]
    List {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `--out-template` is unusable.
    #[error("{0}")]
    Template(String),
    /// `--shard` is malformed.
    #[error("--shard {0:?}: expected I/N with 0 <= I < N, e.g. 0/4 … 3/4")]
    Shard(String),
}

impl BatchError {
    fn io(path: &Path) -> impl Fn(std::io::Error) -> BatchError + '_ {
        move |source| BatchError::Io { path: path.to_path_buf(), source }
    }
}

/// One of N deterministic parts of a batch: `I/N`, counting from 0 (as Kubernetes'
/// `JOB_COMPLETION_INDEX` does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This worker's part, `0..count`.
    pub index: u64,
    /// How many parts.
    pub count: u64,
}

impl FromStr for Shard {
    type Err = BatchError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BatchError::Shard(s.to_owned());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether the item with this id is this shard's: a hash of the id, so the split
    /// depends only on the ids, never on order, machine or time.
    #[must_use]
    pub fn includes(&self, id: &str) -> bool {
        let hash = blake3::hash(id.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        u64::from_le_bytes(first) % self.count == self.index
    }
}

/// How a batch runs.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// The output directory; names from the template are relative to it.
    pub output_dir: PathBuf,
    /// Audio formats to write.
    pub formats: Vec<OutputFormat>,
    /// Articles narrated at once.
    pub articles: usize,
    /// Skip articles whose manifest records the same source hash and settings hash.
    pub changed_only: bool,
    /// Refuse an article whose backends would bill more than this.
    pub max_chars: Option<usize>,
    /// The output name template ([`BatchConfig::out_template`]).
    pub out_template: String,
    /// Only this part of the batch.
    pub shard: Option<Shard>,
}

/// An item with its output name, ready to run.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The item.
    pub item: Item,
    /// Its output path relative to the output directory, without extension; `None` until
    /// a URL's title is known.
    pub name: Option<String>,
}

/// Name every item (collisions settled over the whole list, before sharding, so every
/// worker agrees) and keep this shard's.
///
/// # Errors
///
/// An unusable template.
pub fn plan(items: Vec<Item>, options: &BatchOptions) -> Result<Vec<Planned>, BatchError> {
    names::check_template(&options.out_template).map_err(BatchError::Template)?;
    let mut named: Vec<(String, String)> = items
        .iter()
        .filter_map(|item| {
            let stem = item.stem.as_deref()?;
            Some((names::render(&options.out_template, stem, &item.dir, &item.id), item.id.clone()))
        })
        .collect();
    names::settle_collisions(&mut named);
    let mut named = named.into_iter();
    Ok(items
        .into_iter()
        .map(|item| {
            let name = item.stem.is_some().then(|| named.next().map(|(n, _)| n)).flatten();
            Planned { item, name }
        })
        .filter(|p| options.shard.is_none_or(|s| s.includes(&p.item.id)))
        .collect())
}

/// What happened to one article.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Narrated and written.
    Narrated,
    /// Skipped by `--changed-only`: its files are current.
    Unchanged,
    /// Failed; the error says why.
    Failed,
    /// Stopped by Ctrl-C before it finished; nothing of it was written.
    Interrupted,
}

/// One line of `--report`: an article's outcome and what it cost.
#[derive(Clone, Debug, Serialize)]
pub struct ArticleReport {
    /// The input (path or URL).
    pub input: String,
    /// The manifest written (or found current), if any.
    pub output: Option<String>,
    /// What happened.
    pub status: Status,
    /// Chunks in its script.
    pub chunks: usize,
    /// Chunks answered from the cache.
    pub cache_hits: usize,
    /// Requests sent to backends.
    pub requests: usize,
    /// Characters those requests bill.
    pub billed_chars: usize,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Why it failed.
    pub error: Option<String>,
    /// Segments verified, retried, flagged and unverified (`[narrate] verify`); absent when
    /// the article was not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::verify::Tally>,
    /// How sure extraction is that the narration holds the story, with a warning when it
    /// may not (as in the manifest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extraction: Option<crate::model::Extraction>,
}

/// The whole batch's outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Articles in this batch (this shard's).
    pub articles: usize,
    /// Narrated.
    pub narrated: usize,
    /// Current already (`--changed-only`).
    pub unchanged: usize,
    /// Failed.
    pub failed: usize,
    /// Stopped mid-way by Ctrl-C.
    pub interrupted: usize,
    /// Never started because of Ctrl-C.
    pub not_started: usize,
    /// Chunks across the narrated articles.
    pub chunks: usize,
    /// Of those, answered from the cache.
    pub cache_hits: usize,
    /// Requests sent.
    pub requests: usize,
    /// Characters billed.
    pub billed_chars: usize,
    /// Segments flagged by verification across the narrated articles.
    pub flagged: usize,
}

impl Summary {
    fn add(&mut self, report: &ArticleReport) {
        match report.status {
            Status::Narrated => self.narrated += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Failed => self.failed += 1,
            Status::Interrupted => self.interrupted += 1,
        }
        self.chunks += report.chunks;
        self.cache_hits += report.cache_hits;
        self.requests += report.requests;
        self.billed_chars += report.billed_chars;
        self.flagged += report.verification.map_or(0, |v| v.flagged);
    }

    /// Whether every article ended narrated or unchanged.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.interrupted == 0 && self.not_started == 0
    }
}

/// Live totals for a progress display.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Articles in the batch.
    pub articles: usize,
    /// Articles finished, however they ended.
    pub finished: usize,
    /// Chunks placed so far.
    pub chunks: usize,
    /// Of those, answered from the cache.
    pub cache_hits: usize,
    /// Requests sent so far.
    pub requests: usize,
}

/// Watches a batch. Called from many tasks at once.
pub trait Observer: Send + Sync {
    /// The totals changed.
    fn progress(&self, _progress: &Progress) {}
    /// An article finished (in any state).
    fn finished(&self, _report: &ArticleReport) {}
}

/// An observer that watches nothing.
pub struct Quiet;

impl Observer for Quiet {}

#[derive(Default)]
struct Totals {
    articles: usize,
    finished: AtomicUsize,
    chunks: AtomicUsize,
    cache_hits: AtomicUsize,
    requests: AtomicUsize,
}

impl Totals {
    fn snapshot(&self) -> Progress {
        Progress {
            articles: self.articles,
            finished: self.finished.load(Ordering::Relaxed),
            chunks: self.chunks.load(Ordering::Relaxed),
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
        }
    }
}

/// What every article task shares.
struct Shared {
    config: Arc<Config>,
    casting: Arc<Casting>,
    options: BatchOptions,
    observer: Arc<dyn Observer>,
    totals: Totals,
    /// Names taken, lowercased: late names (URLs named by their title) must not reuse one.
    taken: Mutex<HashSet<String>>,
}

/// Run a planned batch: articles in parallel, each failure reported and the rest carried
/// on. When `stop` completes (Ctrl-C), no article is started, the running ones are
/// abandoned (their partial files are temp files, removed), and the summary says what
/// finished.
pub async fn run(
    planned: Vec<Planned>,
    options: BatchOptions,
    config: Arc<Config>,
    casting: Arc<Casting>,
    observer: Arc<dyn Observer>,
    stop: impl Future<Output = ()> + Send,
) -> Summary {
    let taken = planned.iter().filter_map(|p| p.name.as_ref()).map(|n| n.to_lowercase()).collect();
    let shared = Arc::new(Shared {
        config,
        casting,
        observer,
        totals: Totals { articles: planned.len(), ..Totals::default() },
        taken: Mutex::new(taken),
        options,
    });
    // Temp files of a killed run are never renamed into place: clear them before starting.
    let output_dir = shared.options.output_dir.clone();
    let swept =
        tokio::task::spawn_blocking(move || crate::output::sweep_temp_files(&output_dir, true))
            .await
            .unwrap_or(0);
    if swept > 0 {
        tracing::info!(swept, "Removed temp files left by a stopped run.");
    }
    let mut summary = Summary { articles: planned.len(), ..Summary::default() };
    let limit = shared.options.articles.max(1);
    let mut queue = planned.into_iter();
    let mut running: JoinSet<ArticleReport> = JoinSet::new();
    let mut inputs = std::collections::HashMap::new();
    let mut stopping = false;
    tokio::pin!(stop);
    loop {
        while !stopping && running.len() < limit {
            let Some(next) = queue.next() else { break };
            let input = next.item.id.clone();
            let task = Arc::clone(&shared);
            let handle = running.spawn(async move { article(next, &task).await });
            inputs.insert(handle.id(), input);
        }
        if running.is_empty() {
            break;
        }
        let joined = tokio::select! {
            () = &mut stop, if !stopping => {
                stopping = true;
                running.abort_all();
                continue;
            }
            joined = running.join_next_with_id() => joined,
        };
        let Some(joined) = joined else { break };
        let report = match joined {
            Ok((_, report)) => report,
            Err(e) => {
                let input = inputs.get(&e.id()).cloned().unwrap_or_default();
                let (status, error) = if e.is_cancelled() {
                    (Status::Interrupted, "stopped by Ctrl-C".to_owned())
                } else {
                    (Status::Failed, format!("panicked: {e}"))
                };
                blank_report(input, status, Some(error))
            }
        };
        summary.add(&report);
        shared.totals.finished.fetch_add(1, Ordering::Relaxed);
        shared.observer.finished(&report);
        shared.observer.progress(&shared.totals.snapshot());
    }
    summary.not_started = queue.count();
    summary
}

fn blank_report(input: String, status: Status, error: Option<String>) -> ArticleReport {
    ArticleReport {
        input,
        output: None,
        status,
        chunks: 0,
        cache_hits: 0,
        requests: 0,
        billed_chars: 0,
        duration_ms: 0,
        error,
        verification: None,
        extraction: None,
    }
}

/// Narrate one article; every outcome is a report.
async fn article(planned: Planned, shared: &Shared) -> ArticleReport {
    let started = Instant::now();
    let input = planned.item.id.clone();
    let mut report = match narrate_article(planned, shared).await {
        Ok(report) => report,
        Err(e) => blank_report(input, Status::Failed, Some(crate::errors::one_line(&e))),
    };
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    report
}

async fn narrate_article(planned: Planned, shared: &Shared) -> Result<ArticleReport, NarrateError> {
    let Planned { item, name } = planned;
    let config = &shared.config;
    let casting = &shared.casting;
    let mut prepared = tokio::task::block_in_place(|| prepare(&item, config, casting))?;
    let name = name.unwrap_or_else(|| late_name(&item, &prepared, shared));
    let (dirs, stem) = name.rsplit_once('/').unwrap_or(("", &name));
    let output_dir = shared.options.output_dir.join(dirs);
    prepared.source.stem = stem.to_owned();
    let manifest_path = output_dir.join(format!("{stem}.json"));
    let chunks = prepared.script.chunks.len();
    let mut report = blank_report(item.id.clone(), Status::Narrated, None);
    report.output = Some(manifest_path.display().to_string());
    report.extraction = prepared
        .article
        .meta
        .extraction
        .as_ref()
        .map(|e| crate::model::Extraction { decision: Vec::new(), ..e.clone() });
    if shared.options.changed_only
        && is_current(&manifest_path, &prepared, config, &shared.options.formats)
    {
        report.status = Status::Unchanged;
        shared.observer.progress(&shared.totals.snapshot());
        return Ok(report);
    }
    let job = Job {
        input: item.id.clone(),
        output_dir,
        formats: shared.options.formats.clone(),
        max_chars: shared.options.max_chars,
    };
    let cast = prepared.cast.clone();
    let seen = Mutex::new(Counts::default());
    let on_chunk = |_done: usize, _total: usize| {
        let now = cast.counts();
        let before =
            seen.lock().map(|mut last| std::mem::replace(&mut *last, now)).unwrap_or_default();
        let totals = &shared.totals;
        totals.chunks.fetch_add(1, Ordering::Relaxed);
        totals.cache_hits.fetch_add(now.cache_hits - before.cache_hits, Ordering::Relaxed);
        totals.requests.fetch_add(now.requests - before.requests, Ordering::Relaxed);
        shared.observer.progress(&totals.snapshot());
    };
    let narration = narrate::narrate_prepared(prepared, &job, config, &on_chunk).await?;
    report.chunks = chunks;
    report.cache_hits = narration.counts.cache_hits;
    report.requests = narration.counts.requests;
    report.billed_chars = narration.counts.billed_chars;
    if config.narrate.verify != crate::verify::VerifyMode::Off {
        report.verification = Some(crate::verify::Tally::of(&narration.manifest));
    }
    Ok(report)
}

fn prepare(item: &Item, config: &Config, casting: &Casting) -> Result<Prepared, NarrateError> {
    match &item.origin {
        Origin::File(path) => narrate::prepare(&path.to_string_lossy(), config, casting),
        Origin::Url(url) => narrate::prepare(url, config, casting),
        Origin::Inline { content, html } => {
            // The feed says which it is; the item's URL does not.
            let format = if *html { SourceFormat::Html } else { SourceFormat::Text };
            let source = crate::ingest::from_bytes_as(&item.id, content.as_bytes(), format)?;
            narrate::prepare_source(source, config, casting)
        }
    }
}

/// The name of an item known only once read (a URL): a slug of its title, or of the URL
/// when it has none, with the id's hash added if another article has the name.
fn late_name(item: &Item, prepared: &Prepared, shared: &Shared) -> String {
    let mut stem = names::slug(&prepared.article.meta.title);
    if stem.is_empty() {
        stem = names::slug(&item.id);
    }
    let name = names::render(&shared.options.out_template, &stem, &item.dir, &item.id);
    let Ok(mut taken) = shared.taken.lock() else { return name };
    if taken.insert(name.to_lowercase()) {
        return name;
    }
    let name = format!("{name}-{}", names::short_hash(&item.id));
    taken.insert(name.to_lowercase());
    name
}

/// Whether the manifest at `path` records this source and these settings, and every audio
/// file it lists is there.
fn is_current(path: &Path, prepared: &Prepared, config: &Config, formats: &[OutputFormat]) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else { return false };
    let dir = path.parent().unwrap_or(Path::new("."));
    manifest.source.sha256 == prepared.source.sha256
        && manifest.settings_hash.as_deref()
            == Some(narrate::settings_hash(prepared, config, formats).as_str())
        && manifest.audio.iter().all(|a| dir.join(&a.file).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_every_id_into_exactly_one_part() {
        let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        for n in 0..200 {
            let id = format!("articles/{n}.html");
            assert_eq!(shards.iter().filter(|s| s.includes(&id)).count(), 1, "{id}");
        }
        let first = shards[0];
        let mine = (0..200).filter(|n| first.includes(&format!("articles/{n}.html"))).count();
        assert!((40..=95).contains(&mine), "a fair share, not {mine} of 200");
    }

    #[test]
    fn a_shard_is_i_of_n_counting_from_zero() {
        assert_eq!("1/4".parse::<Shard>().unwrap(), Shard { index: 1, count: 4 });
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2"] {
            let err = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(err.contains("0 <= I < N"), "{bad}: {err}");
        }
    }

    fn options(template: &str, shard: Option<Shard>) -> BatchOptions {
        BatchOptions {
            output_dir: "out".into(),
            formats: vec![OutputFormat::Mp3],
            articles: 1,
            changed_only: false,
            max_chars: None,
            out_template: template.into(),
            shard,
        }
    }

    fn file(id: &str, dir: &str) -> Item {
        let stem = Path::new(id).file_stem().unwrap().to_string_lossy().into_owned();
        Item { id: id.into(), origin: Origin::File(id.into()), stem: Some(stem), dir: dir.into() }
    }

    #[test]
    fn names_collide_across_the_whole_batch_so_shards_agree_on_them() {
        let items = vec![file("a/index.html", "a"), file("b/index.html", "b"), file("c.txt", "")];
        let all: Vec<Option<String>> = plan(items.clone(), &options("{stem}", None))
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(all[0], Some(format!("index-{}", names::short_hash("a/index.html"))));
        assert_eq!(all[2].as_deref(), Some("c"));
        for i in 0..2 {
            let shard = Some(Shard { index: i, count: 2 });
            for p in plan(items.clone(), &options("{stem}", shard)).unwrap() {
                let whole = items.iter().position(|it| it.id == p.item.id).unwrap();
                assert_eq!(p.name, all[whole]);
            }
        }
        let nested = plan(items, &options("{dir}/{stem}", None)).unwrap();
        assert_eq!(nested[0].name.as_deref(), Some("a/index"));
    }
}
