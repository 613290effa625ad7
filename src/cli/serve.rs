//! `articulate serve`: the narration service for CMS webhooks.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::output::OutputFormat;
use crate::publish::store::OutputStore;
use crate::serve::callback::{self, Callback};
use crate::serve::queue::Database;
use crate::serve::{self, ServeOptions};

/// The environment variable listing the accepted API tokens.
const TOKENS_ENV: &str = "ARTICULATE_API_TOKENS";

/// The environment variable that may hold the whole PostgreSQL URL, password included.
const DATABASE_URL_ENV: &str = "ARTICULATE_DATABASE_URL";

/// `articulate serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8750 (port 0: any free port). Default:
    /// `[serve] listen`.
    #[arg(long, value_name = "HOST:PORT")]
    pub listen: Option<String>,
    /// Where published files go. Default: `[serve] output_dir`, else `[narrate] output_dir`.
    #[arg(short, long, value_name = "DIR", conflicts_with = "output_url")]
    pub output: Option<PathBuf>,
    /// Publish into an object store instead (`s3://bucket/prefix`, credentials from the
    /// `AWS_*` environment); needs `[serve] public_url`. Default: `[serve] output_url`.
    #[arg(long, value_name = "URL")]
    pub output_url: Option<String>,
    /// The job database (SQLite). Default: `[serve] database`.
    #[arg(long, value_name = "FILE", conflicts_with = "database_url")]
    pub database: Option<PathBuf>,
    /// The job database on PostgreSQL, shared by processes on many machines. Default:
    /// `$ARTICULATE_DATABASE_URL`, else `[serve] database_url`.
    #[arg(long, value_name = "postgres://USER@HOST:PORT/DB")]
    pub database_url: Option<String>,
    /// Jobs narrated at once; 0: the API only, jobs are run by `--worker` processes.
    /// Default: `[serve] workers`.
    #[arg(short = 'j', long, value_name = "N")]
    pub workers: Option<usize>,
    /// Run jobs from the shared queue without answering the /v1 API (health and metrics
    /// only, on --listen, else on any free loopback port).
    #[arg(long)]
    pub worker: bool,
    /// Where the output is published, for the URLs in job status, the feed and callbacks.
    /// Default: `[serve] public_url`.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Voice profile for requests that name none: a name in voices/ or a path to a .toml.
    #[arg(long, value_name = "NAME|PATH")]
    pub voice: Option<String>,
    /// Chunk cache directory. Default: `[narrate] cache_dir`.
    #[arg(long, value_name = "DIR", conflicts_with = "cache_url")]
    pub cache_dir: Option<PathBuf>,
    /// Chunk cache URL (`s3://bucket/prefix`). Default: `[narrate] cache_url`.
    #[arg(long, value_name = "URL")]
    pub cache_url: Option<String>,
}

/// The queue's database: a PostgreSQL URL from the flag, the environment or the config
/// (in that order), else the SQLite file.
fn database(args: &ServeArgs, config: &Config) -> Database {
    let url = args
        .database_url
        .clone()
        .or_else(|| std::env::var(DATABASE_URL_ENV).ok().filter(|u| !u.is_empty()))
        .or_else(|| Some(config.serve.database_url.clone()).filter(|u| !u.is_empty()));
    match (url, &args.database) {
        (_, Some(path)) => Database::Sqlite(path.clone()),
        (Some(url), None) => Database::Postgres(url),
        (None, None) if config.serve.database.as_os_str().is_empty() => {
            Database::Sqlite(data_home().join("articulate").join("serve.sqlite3"))
        }
        (None, None) => Database::Sqlite(config.resolve(&config.serve.database)),
    }
}

/// `$XDG_DATA_HOME`, else `~/.local/share`, else the system's temp directory.
fn data_home() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
}

pub(super) fn run(args: &ServeArgs, config: &Config) -> anyhow::Result<()> {
    let mut config = config.clone();
    if let Some(url) = &args.public_url {
        url::Url::parse(url).with_context(|| format!("--public-url {url:?} is not a URL"))?;
        config.serve.public_url.clone_from(url);
    }
    let config = &config;
    let settings = &config.serve;
    let cache = super::cache::open(
        config,
        args.cache_dir.as_deref(),
        args.cache_url.as_deref(),
        config.narrate.cache,
    )?;
    let listen = match (&args.listen, args.worker) {
        (Some(listen), _) => listen.clone(),
        // A worker beside the API server on one machine must not take its port.
        (None, true) => "127.0.0.1:0".to_owned(),
        (None, false) => settings.listen.clone(),
    };
    let output = output_store(args, config)?;
    let callback = (!settings.callback_url.is_empty()).then(|| Callback {
        url: settings.callback_url.clone(),
        secret: std::env::var(callback::SECRET_ENV).unwrap_or_default().into_bytes(),
        attempts: settings.callback_attempts,
        backoff: Duration::from_secs(1),
    });
    let tokens =
        std::env::var(TOKENS_ENV).unwrap_or_default().split(',').map(str::to_owned).collect();
    let database = database(args, config);
    if let Database::Sqlite(path) = &database
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {} for the job database", dir.display()))?;
    }
    let options = ServeOptions {
        listen,
        database,
        api: !args.worker,
        output,
        workers: args.workers.unwrap_or(settings.workers),
        voice: args.voice.clone(),
        cache,
        formats: config.output.formats.clone(),
        tokens,
        callback,
        webhook_secret: std::env::var(callback::WEBHOOK_SECRET_ENV).ok().map(String::into_bytes),
    };
    anyhow::ensure!(
        options.formats.contains(&OutputFormat::Mp3)
            || options.formats.contains(&OutputFormat::Wav),
        "[output] formats names no audio format"
    );
    if options.workers == 0 && options.api {
        eprintln!("No workers: jobs wait for `articulate serve --worker` processes.");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let worker = args.worker;
    runtime.block_on(serve::run(
        options,
        config.clone(),
        |bound| {
            if worker {
                println!("articulate serve --worker: health and metrics on http://{bound}");
            } else {
                println!("articulate serve: listening on http://{bound}");
            }
        },
        super::batch::stop_signal("Stopping: running jobs go back to the queue."),
    ))?;
    Ok(())
}

/// `-o`, else `--output-url`, else `[serve] output_url`, else `[serve] output_dir`, else
/// `[narrate] output_dir`; a directory in config.toml is relative to it.
fn output_store(args: &ServeArgs, config: &Config) -> anyhow::Result<OutputStore> {
    let settings = &config.serve;
    if let Some(dir) = &args.output {
        return Ok(OutputStore::Dir(dir.clone()));
    }
    if let Some(url) = &args.output_url {
        return Ok(OutputStore::open(url, settings.feed_episodes)?);
    }
    if !settings.output_url.is_empty() {
        return Ok(match OutputStore::open(&settings.output_url, settings.feed_episodes)? {
            OutputStore::Dir(dir) => OutputStore::Dir(config.resolve(&dir)),
            store => store,
        });
    }
    Ok(OutputStore::Dir(if settings.output_dir.as_os_str().is_empty() {
        config.resolve(&config.narrate.output_dir)
    } else {
        config.resolve(&settings.output_dir)
    }))
}
