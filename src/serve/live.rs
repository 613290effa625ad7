//! Streaming a job's narration while it is made.
//!
//! The narration is published as HLS ([`crate::output::hls`]) into the article's place in
//! the output: `ID/ID.m3u8`, whose segments are in `ID/live/TAG/` (`TAG` new for every
//! attempt, so no cache ever mixes two streams). The first publication also puts up the
//! player page, records the job as `playable` (the stored state stays `running`, with the
//! stream beside it) and tells the callback. `/audio/` serves the playlist, and the
//! segments it lists, only while the job is playable: from the moment the job is recorded
//! as done (its final files published) or failed, nothing of the stream is served, and its
//! files are then removed; a failed first narration takes its player page with it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::Service;
use super::queue::{Claim, Live, State};
use crate::narrate::{self, Job, LiveOptions, NarrateError, Narration, Prepared};
use crate::output::LivePublished;
use crate::publish::store::StoreError;

/// One attempt's stream.
#[derive(Clone, Debug)]
pub(super) struct Stream {
    /// Names its segments' directory, `live/TAG`.
    pub(super) tag: String,
}

impl Stream {
    /// A stream with a tag no earlier attempt used.
    pub(super) fn new() -> Stream {
        let mut bytes = [0u8; 6];
        bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
        Stream { tag: hex::encode(bytes) }
    }
}

/// Why streaming failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum LiveError {
    #[error(transparent)]
    Narrate(#[from] NarrateError),
    #[error("the live stream could not be published: {0}")]
    Store(#[from] StoreError),
    #[error("the live stream's player page could not be written: {0}")]
    Player(#[from] crate::output::OutputError),
}

/// Narrate `prepared` for `claim`, publishing it as it is made.
pub(super) async fn narrate(
    service: &Arc<Service>,
    claim: &Claim,
    stream: &Stream,
    prepared: Prepared,
    job: &Job,
) -> Result<Narration, LiveError> {
    let id = claim.request.id.clone();
    // Whatever an earlier attempt streamed is not this one's.
    service.output.remove_live(&id, None, true, false).await?;
    let dir = service.output.live_dir(&id)?;
    let title = prepared.article.meta.title.clone();
    let (sender, published) = mpsc::unbounded_channel::<LivePublished>();
    let options = LiveOptions {
        dir: dir.dir().to_path_buf(),
        segments: format!("live/{}", stream.tag),
        on_publish: Box::new(move |p| {
            let _ = sender.send(p.clone());
        }),
    };
    let announcer = Announcer {
        service: Arc::clone(service),
        claim: claim.clone(),
        dir: dir.dir().to_path_buf(),
        tag: stream.tag.clone(),
        title,
    };
    // Stopped with the narration (a worker stopping drops it), never left running on.
    let mut announcing = AbortOnDrop(tokio::spawn(announcer.run(published)));
    let narrated = narrate::narrate_live(prepared, job, &service.config, &|_, _| {}, options).await;
    // Every publication is sent by now; the announcer ends once it has dealt with them.
    let announced = match (&mut announcing.0).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Ok(()),
    };
    let narration = narrated?;
    announced?;
    Ok(narration)
}

/// Take down `stream` of article `id`: its segments; with `playlist` its playlist (only
/// while the job is still this worker's: another's stream may stand there otherwise); with
/// `player` the player page it put up (when nothing else of the article was published).
pub(super) async fn end(
    service: &Service,
    id: &str,
    stream: &Stream,
    playlist: bool,
    player: bool,
) {
    let removed = service.output.remove_live(id, Some(&stream.tag), playlist, player).await;
    if let Err(e) = removed {
        tracing::warn!(%id, "Live stream not removed: {e}");
    }
}

/// Take down what streams a stopped process left behind in a local output directory: the
/// streams of articles no worker is narrating now (a job still running is another live
/// process's, or will be taken up again and its stream replaced).
pub(super) async fn sweep(service: &Arc<Service>) {
    let Some(root) = service.output.local_dir().map(Path::to_path_buf) else { return };
    let Ok(entries) = std::fs::read_dir(&root) else { return };
    for entry in entries.flatten() {
        let id = entry.file_name().to_string_lossy().into_owned();
        let dir = entry.path();
        let streamed = dir.join("live").is_dir() || dir.join(format!("{id}.m3u8")).is_file();
        if !streamed || !super::api::valid_id(&id) {
            continue;
        }
        let asked = id.clone();
        let Ok(job) = service.queue(move |q| q.get(&asked)).await else { continue };
        if job.as_ref().is_some_and(|j| matches!(j.state, State::Running | State::Playable)) {
            continue;
        }
        let unpublished = job.is_none_or(|j| j.published.is_none());
        match service.output.remove_live(&id, None, true, unpublished).await {
            Ok(()) => tracing::info!(%id, "Removed the stream a stopped run left."),
            Err(e) => tracing::warn!(%id, "Stream left by a stopped run not removed: {e}"),
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<Result<(), StoreError>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Publishes what the narration streams, and announces it once it can be played.
struct Announcer {
    service: Arc<Service>,
    claim: Claim,
    dir: PathBuf,
    tag: String,
    title: String,
}

impl Announcer {
    async fn run(
        self,
        mut published: mpsc::UnboundedReceiver<LivePublished>,
    ) -> Result<(), StoreError> {
        let id = self.claim.request.id.clone();
        let mut announced = false;
        while let Some(update) = published.recv().await {
            self.service.output.put_live(&id, &self.dir, &update.files).await?;
            if !announced {
                announced = true;
                self.announce(&id, super::now_ms()).await?;
            }
            tracing::debug!(%id, segments = update.segments, ended = update.ended,
                ms = update.duration.0 * 1000 / u64::from(self.service.config.audio.sample_rate),
                "Streamed.");
        }
        Ok(())
    }

    /// Put up the player page, record the job as playable and tell the callback.
    async fn announce(&self, id: &str, first: i64) -> Result<(), StoreError> {
        let playlist = format!("../{id}.m3u8");
        let manifest = self.dir.join(format!("{id}.json"));
        let events_url = self.service.output.local_dir().is_some().then_some("/v1/events");
        let page = crate::publish::PlayerPage {
            id: Some(id),
            events_url,
            live: Some(&playlist),
            title: Some(&self.title),
        };
        let dir = self.dir.clone();
        let written = tokio::task::block_in_place(|| {
            crate::publish::write_player_page(&dir, &[manifest], page)
        });
        let player_dir = match written {
            Ok(player_dir) => player_dir,
            Err(e) => {
                return Err(StoreError::Io {
                    path: self.dir.join(crate::publish::PLAYER_DIR),
                    source: std::io::Error::other(crate::errors::one_line(&e)),
                });
            }
        };
        let files = player_files(&player_dir);
        self.service.output.put_live(id, &self.dir, &files).await?;
        let live = Live {
            playlist: format!("{id}/{id}.m3u8"),
            segments: format!("{id}/live/{}/", self.tag),
            player: Some(format!("{id}/{}/index.html", crate::publish::PLAYER_DIR)),
            since: first,
        };
        let claim = self.claim.clone();
        match self.service.queue(move |q| q.playable(&claim, &live)).await {
            Ok(true) => {
                let waited = u64::try_from(first - self.claim.queued_at).unwrap_or(0);
                self.service.metrics.playable(std::time::Duration::from_millis(waited));
                tracing::info!(%id, after_ms = waited, "Playable.");
                super::worker::tell_callback(&self.service, id, Some(State::Playable)).await;
            }
            Ok(false) => tracing::debug!(%id, "Not playable: the job moved on."),
            Err(e) => tracing::warn!(%id, "Not recorded as playable: {e}"),
        }
        Ok(())
    }
}

/// The player's files in `dir`, the page last.
fn player_files(dir: &Path) -> Vec<PathBuf> {
    ["articulate-player.js", "articulate-player.css", "index.html"]
        .iter()
        .map(|name| dir.join(name))
        .collect()
}
