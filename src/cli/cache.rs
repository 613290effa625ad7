//! `articulate cache stats` and `articulate cache prune`, and opening the cache the
//! command line and config ask for.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;

use crate::cache::{ChunkCache, PrunePolicy};
use crate::config::Config;

/// `articulate cache`.
#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    /// What to do with the cache.
    #[command(subcommand)]
    pub command: CacheCommand,
    /// Chunk cache directory. Default: `[narrate] cache_dir`.
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "cache_url")]
    pub cache_dir: Option<PathBuf>,
    /// Chunk cache URL (`s3://bucket/prefix`). Default: `[narrate] cache_url`.
    #[arg(long, global = true, value_name = "URL")]
    pub cache_url: Option<String>,
}

/// The `cache` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum CacheCommand {
    /// How many chunks the cache holds, their size, and their ages.
    Stats {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove entries not used lately, then the least recently used beyond a size.
    Prune {
        /// Keep at most this much, e.g. `2GB`, `500MiB`.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_size: Option<u64>,
        /// Remove entries not used for this long, e.g. `30d`, `12h`, `2weeks`.
        #[arg(long, value_name = "AGE", value_parser = parse_age)]
        older_than: Option<Duration>,
        /// Say what would be removed without removing it.
        #[arg(long)]
        dry_run: bool,
    },
}

fn parse_size(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<bytesize::ByteSize>()
        .map(|size| size.as_u64())
        .map_err(|e| format!("{e}; write a size such as 2GB, 500MiB or 1000000"))
}

fn parse_age(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{e}; write an age such as 30d, 12h or 2weeks"))
}

/// The chunk cache to use: `--cache-url`, else `--cache-dir`, else `[narrate] cache_url`,
/// else `[narrate] cache_dir`, else the platform default; `None` when caching is off.
///
/// # Errors
///
/// A cache that cannot be opened: a directory that cannot be created, or a URL that names
/// no usable store.
pub(super) fn open(
    config: &Config,
    dir: Option<&Path>,
    url: Option<&str>,
    enabled: bool,
) -> anyhow::Result<Option<ChunkCache>> {
    if !enabled {
        return Ok(None);
    }
    let cache = match (url, dir) {
        (Some(url), _) => ChunkCache::from_url(url)?,
        (None, Some(dir)) => ChunkCache::open(dir)?,
        (None, None) if !config.narrate.cache_url.is_empty() => {
            ChunkCache::from_url(&config.narrate.cache_url)?
        }
        (None, None) => ChunkCache::open(&config.cache_dir())?,
    };
    Ok(Some(cache))
}

pub(super) fn run(args: &CacheArgs, config: &Config) -> anyhow::Result<()> {
    let cache = open(config, args.cache_dir.as_deref(), args.cache_url.as_deref(), true)?
        .context("no chunk cache")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match &args.command {
        CacheCommand::Stats { json } => {
            let stats = runtime.block_on(cache.stats())?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
                return Ok(());
            }
            println!("cache: {}", stats.location);
            println!("entries: {}", stats.entries);
            println!("size: {} ({} bytes)", bytesize::ByteSize::b(stats.bytes), stats.bytes);
            let now = SystemTime::now();
            let age = |t: Option<SystemTime>| {
                t.and_then(|t| now.duration_since(t).ok()).map_or_else(
                    || "-".to_owned(),
                    |d| humantime::format_duration(Duration::from_secs(d.as_secs())).to_string(),
                )
            };
            println!("least recently used: {} ago", age(stats.oldest));
            println!("most recently used: {} ago", age(stats.newest));
            Ok(())
        }
        CacheCommand::Prune { max_size, older_than, dry_run } => {
            anyhow::ensure!(
                max_size.is_some() || older_than.is_some(),
                "say what to prune: --max-size SIZE, --older-than AGE, or both"
            );
            let policy =
                PrunePolicy { max_bytes: *max_size, older_than: *older_than, dry_run: *dry_run };
            let report = runtime.block_on(cache.prune(&policy, SystemTime::now()))?;
            let verb = if *dry_run { "would remove" } else { "removed" };
            println!(
                "{}: {verb} {} ({}), kept {} ({})",
                cache.location(),
                super::count(
                    usize::try_from(report.removed).unwrap_or(usize::MAX),
                    "entry",
                    "entries"
                ),
                bytesize::ByteSize::b(report.removed_bytes),
                report.kept,
                bytesize::ByteSize::b(report.kept_bytes),
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ages_read_as_people_write_them() {
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("500MiB"), Ok(500 * 1024 * 1024));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").unwrap_err().contains("2GB"));
        assert_eq!(parse_age("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_age("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert!(parse_age("soon").unwrap_err().contains("30d"));
    }
}
