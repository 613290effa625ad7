//! Preview: hear an article in the "Listen to this article" player before it goes out, and
//! hear each fix as soon as the file is saved.
//!
//! [`run`] narrates one article file (through the chunk cache, so only changed text is
//! synthesized again), then serves a page on loopback: the article as it will be heard,
//! skipped blocks struck through with their reasons, and above it the same player
//! publishers embed (see [`write_player`]). When the file is saved it is narrated again and
//! every open page reloads itself, keeping its place.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use articulate::config::Config;
//! use articulate::narrate::Casting;
//! use articulate::preview::{PreviewOptions, run};
//!
//! let config = Config::load(None)?;
//! let casting = Casting::new(&config, None, Some(config.cache_dir()));
//! let options = PreviewOptions {
//!     input: "examples/heartstopper.txt".into(),
//!     addr: ([127, 0, 0, 1], 4747).into(),
//!     output_dir: std::env::temp_dir().join("preview"),
//!     watch: true,
//!     allowed_hosts: Vec::new(),
//! };
//! run(&options, &config, &casting, &|event| println!("{event:?}"), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await?;
//! # Ok(()) }
//! ```

mod assets;
mod page;
mod server;
mod watch;

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

// The player moved to `publish`, which `serve` uses too; these paths stay for publishers.
pub use crate::publish::player::{
    PLAYER_CSS, PLAYER_DIR, PLAYER_JS, PlayerPage, manifest_file, write_player, write_player_page,
};

use crate::config::Config;
use crate::model::{Article, Manifest, Script};
use crate::narrate::{
    Casting, Job, LiveOptions, NarrateError, Prepared, narrate, narrate_live, prepare,
};
use crate::output::OutputFormat;
use page::PageContext;
use server::{App, Snapshot};
use watch::FileWatch;

/// What to preview, and where.
#[derive(Clone, Debug)]
pub struct PreviewOptions {
    /// The article file.
    pub input: PathBuf,
    /// Where to listen. Keep it on loopback unless others should hear the unpublished
    /// article: anyone who can reach the address can.
    pub addr: SocketAddr,
    /// Where the narration's files are written.
    pub output_dir: PathBuf,
    /// Narrate again whenever the input is saved.
    pub watch: bool,
    /// Host names (besides this machine's) that requests may be addressed to, for a server
    /// on a network address reached under another name. Others are refused: see
    /// [`server`]'s DNS-rebinding check.
    pub allowed_hosts: Vec<String>,
}

/// What happened, for the caller to tell the user.
#[derive(Debug)]
#[non_exhaustive]
pub enum PreviewEvent<'a> {
    /// The page is served at `url` while the first narration is still being made: it plays
    /// the narration as it is made (then [`PreviewEvent::Listening`]).
    Playable {
        /// `http://ADDRESS:PORT/`.
        url: &'a str,
    },
    /// The first narration is done and the page is served at `url`.
    Listening {
        /// `http://ADDRESS:PORT/`.
        url: &'a str,
    },
    /// The input was saved and narrated again; open pages reload.
    Renarrated {
        /// Chunks whose text was not in the previous narration (the cache has the others).
        new_chunks: usize,
        /// All chunks.
        chunks: usize,
    },
    /// Narrating the saved input failed; the page shows why, over the last good narration.
    Failed {
        /// The error, as shown on the page.
        error: &'a str,
    },
}

/// A failure to start or keep serving a preview.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PreviewError {
    /// The article could not be narrated.
    #[error(transparent)]
    Narrate(#[from] NarrateError),
    /// The manifest just written could not be read back.
    #[error("{}: {source}", path.display())]
    Read {
        /// The manifest.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file changed under every attempt to narrate it.
    #[error("{}: the file kept changing while it was narrated; try again once it is saved", path.display())]
    Unsettled {
        /// The input.
        path: PathBuf,
    },
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {source}; choose another port (0 picks a free one)")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The input cannot be watched for saves.
    #[error("cannot watch {} for changes: {source}", path.display())]
    Watch {
        /// The input.
        path: PathBuf,
        /// Why.
        source: notify::Error,
    },
    /// The server stopped.
    #[error("the preview server stopped: {0}")]
    Serve(std::io::Error),
}

/// Narrate `options.input`, serve the preview page until `shutdown` completes, and narrate
/// again on every save when `options.watch` is set.
///
/// `on_event` hears when the page is ready and how each re-narration went. A re-narration
/// that fails is not an error here: the page keeps the last good narration and shows why.
///
/// # Errors
///
/// The first narration failing, the address being taken, or the server stopping.
pub async fn run(
    options: &PreviewOptions,
    config: &Config,
    casting: &Casting,
    on_event: &(dyn Fn(PreviewEvent<'_>) + Sync),
    shutdown: impl Future<Output = ()>,
) -> Result<(), PreviewError> {
    let input = options.input.to_string_lossy().into_owned();
    let prepared = prepare(&input, config, casting)?;
    let mut version = 1;
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|source| PreviewError::Bind { addr: options.addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| PreviewError::Bind { addr: options.addr, source })?;
    // The page is up at once, playing the first narration as it is made.
    let stream = FirstStream::new(&prepared);
    let first = stream.snapshot(options, &prepared, version);
    let app = App::new(first, options.output_dir.clone(), addr, &options.allowed_hosts);
    // The server runs on its own task: narrating blocks its task while it encodes.
    let router = server::router(app.clone());
    let limits = crate::listener::Limits::default();
    let mut server =
        tokio::spawn(crate::listener::serve(listener, router, limits, std::future::pending()));
    on_event(PreviewEvent::Playable { url: &format!("http://{addr}/") });
    let narrated = stream.narrate(options, config, prepared).await;
    let mut narrated = match narrated {
        Ok(narrated) => narrated,
        Err(e) => {
            server.abort();
            return Err(e);
        }
    };
    // The same version: open pages move from the stream to the file on their own.
    app.publish(narrated.snapshot(options, version, None));
    stream.remove(&options.output_dir);
    let mut watch = if options.watch {
        let watch = FileWatch::new(&options.input)
            .map_err(|source| PreviewError::Watch { path: options.input.clone(), source })?;
        Some(watch)
    } else {
        None
    };
    on_event(PreviewEvent::Listening { url: &format!("http://{addr}/") });

    let renarrate = async {
        let Some(watch) = watch.as_mut() else { return };
        // Whether the page says the latest save could not be narrated.
        let mut failing = false;
        while watch.changed().await.is_some() {
            // Saved without a change (or mid-save and unreadable): nothing to hear.
            let Ok(bytes) = std::fs::read(&options.input) else { continue };
            if hex::encode(Sha256::digest(&bytes)) == narrated.manifest.source.sha256 {
                if failing {
                    // Back to what was last narrated (a bad edit undone): the page is right
                    // again, and says so.
                    failing = false;
                    version += 1;
                    let chunks = narrated.script.chunks.len();
                    on_event(PreviewEvent::Renarrated { new_chunks: 0, chunks });
                    app.publish(narrated.snapshot(options, version, None));
                }
                continue;
            }
            version += 1;
            match Narrated::new(options, config, casting).await {
                Ok(next) => {
                    let new_chunks = next.new_chunks(&narrated);
                    narrated = next;
                    let chunks = narrated.script.chunks.len();
                    tracing::info!(version, new_chunks, chunks, "Narrated again.");
                    on_event(PreviewEvent::Renarrated { new_chunks, chunks });
                    app.publish(narrated.snapshot(options, version, None));
                    failing = false;
                }
                Err(e) => {
                    failing = true;
                    let error = e.to_string();
                    on_event(PreviewEvent::Failed { error: &error });
                    app.publish(narrated.snapshot(options, version, Some(&error)));
                }
            }
        }
    };
    let result = tokio::select! {
        joined = &mut server => match joined {
            Ok(served) => served.map_err(PreviewError::Serve),
            Err(e) => Err(PreviewError::Serve(std::io::Error::other(e))),
        },
        // Without watching (or once notifications stop) there is nothing left to do but serve.
        () = async { renarrate.await; std::future::pending::<()>().await } => Ok(()),
        () = shutdown => Ok(()),
    };
    server.abort();
    result
}

/// The first narration, played while it is made.
struct FirstStream {
    /// The playlist's name, `NAME.m3u8`.
    playlist: String,
    /// Its segments' directory in the output directory, `live/TAG`.
    segments: String,
}

impl FirstStream {
    fn new(prepared: &Prepared) -> FirstStream {
        let mut tag = [0u8; 6];
        tag.iter_mut().for_each(|b| *b = fastrand::u8(..));
        FirstStream {
            playlist: format!("{}.m3u8", prepared.source.stem),
            segments: format!("live/{}", hex::encode(tag)),
        }
    }

    /// The page while the narration is made: the article, and a player for the stream.
    fn snapshot(&self, options: &PreviewOptions, prepared: &Prepared, version: u64) -> Snapshot {
        let main = prepared.cast.main();
        let mut manifest = crate::output::build_manifest(
            &prepared.article,
            &prepared.script,
            None,
            main.backend.name(),
            &main.profile.name,
            Vec::new(),
        );
        manifest.fallback.clone_from(&main.fallback);
        let manifest_name = format!("{}.json", prepared.source.stem);
        let manifest_url =
            format!("/v/{version}/{}", crate::publish::encode_path_segment(&manifest_name));
        let live_url =
            format!("/v/{version}/{}", crate::publish::encode_path_segment(&self.playlist));
        let input = options.input.to_string_lossy();
        let context = PageContext {
            input: &input,
            version,
            manifest_url: &manifest_url,
            error: None,
            watching: options.watch,
            live_url: Some(&live_url),
        };
        let page = page::render(&context, &prepared.article, &prepared.script, &manifest);
        Snapshot {
            version,
            page: Bytes::from(page),
            manifest_name,
            manifest: None,
            audio_files: Vec::new(),
            live: Some(server::LiveFiles {
                playlist: self.playlist.clone(),
                segments: self.segments.clone(),
            }),
        }
    }

    /// Narrate, streaming into the output directory.
    async fn narrate(
        &self,
        options: &PreviewOptions,
        config: &Config,
        prepared: Prepared,
    ) -> Result<Narrated, PreviewError> {
        let job = Job {
            input: options.input.to_string_lossy().into_owned(),
            output_dir: options.output_dir.clone(),
            formats: vec![OutputFormat::Mp3],
            max_chars: None,
        };
        let live = LiveOptions {
            dir: options.output_dir.clone(),
            segments: self.segments.clone(),
            on_publish: Box::new(|_| {}),
        };
        let article = prepared.article.clone();
        let script = prepared.script.clone();
        let stem = prepared.source.stem.clone();
        let narration = narrate_live(prepared, &job, config, &|_, _| {}, live).await;
        let narration = match narration {
            Ok(narration) => narration,
            Err(e) => {
                self.remove(&options.output_dir);
                return Err(e.into());
            }
        };
        Narrated::from_narration(options, article, script, &stem, narration)
    }

    /// Take the stream down (once the page serves the finished file, or the narration failed).
    fn remove(&self, dir: &std::path::Path) {
        let _ = std::fs::remove_file(dir.join(&self.playlist));
        let _ = std::fs::remove_dir_all(dir.join(&self.segments));
        let _ = std::fs::remove_dir(dir.join("live"));
    }
}

/// One narration of the input, with what the page needs to show it.
struct Narrated {
    article: Article,
    script: Script,
    manifest: Manifest,
    manifest_name: String,
    manifest_json: Bytes,
}

impl Narrated {
    /// Narrate the input into the output directory.
    async fn new(
        options: &PreviewOptions,
        config: &Config,
        casting: &Casting,
    ) -> Result<Narrated, PreviewError> {
        let input = options.input.to_string_lossy().into_owned();
        let job = Job {
            input: input.clone(),
            output_dir: options.output_dir.clone(),
            formats: vec![OutputFormat::Mp3],
            max_chars: None,
        };
        // The page needs the article's blocks and which chunk came from which, which only
        // `prepare` returns; it reads the file again, so make sure both saw the same bytes.
        for _ in 0..3 {
            let narration = narrate(&job, config, casting, &|_, _| {}).await?;
            let prepared = prepare(&input, config, casting)?;
            if prepared.source.sha256 != narration.manifest.source.sha256 {
                continue;
            }
            let stem = prepared.source.stem.clone();
            return Narrated::from_narration(
                options,
                prepared.article,
                prepared.script,
                &stem,
                narration,
            );
        }
        Err(PreviewError::Unsettled { path: options.input.clone() })
    }

    /// What the page needs of a narration of `article` cut as `script`.
    fn from_narration(
        options: &PreviewOptions,
        article: Article,
        script: Script,
        stem: &str,
        narration: crate::narrate::Narration,
    ) -> Result<Narrated, PreviewError> {
        let manifest_name = format!("{stem}.json");
        let path = options.output_dir.join(&manifest_name);
        let manifest_json =
            std::fs::read(&path).map_err(|source| PreviewError::Read { path, source })?;
        Ok(Narrated {
            article,
            script,
            manifest: narration.manifest,
            manifest_name,
            manifest_json: Bytes::from(manifest_json),
        })
    }

    /// What the server serves for this narration as `version`, with `error` from a later
    /// attempt that failed.
    fn snapshot(&self, options: &PreviewOptions, version: u64, error: Option<&str>) -> Snapshot {
        let manifest_url =
            format!("/v/{version}/{}", crate::publish::encode_path_segment(&self.manifest_name));
        let input = options.input.to_string_lossy();
        let context = PageContext {
            input: &input,
            version,
            manifest_url: &manifest_url,
            error,
            watching: options.watch,
            live_url: None,
        };
        let page = page::render(&context, &self.article, &self.script, &self.manifest);
        Snapshot {
            version,
            page: Bytes::from(page),
            manifest_name: self.manifest_name.clone(),
            manifest: Some(self.manifest_json.clone()),
            audio_files: self.manifest.audio.iter().map(|a| a.file.clone()).collect(),
            live: None,
        }
    }

    /// How many of this narration's chunks the previous one did not have.
    fn new_chunks(&self, previous: &Narrated) -> usize {
        let before: HashSet<_> =
            previous.script.chunks.iter().map(|c| (c.voice, &c.speak, &c.audio_file)).collect();
        self.script
            .chunks
            .iter()
            .filter(|c| !before.contains(&(c.voice, &c.speak, &c.audio_file)))
            .count()
    }
}
