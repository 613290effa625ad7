//! A worker: claim a job, narrate it while renewing its lease, publish, record, repeat.

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use futures::FutureExt;

use super::live::{self, Stream};
use super::queue::{Claim, Finished, Outcome, Published, State};
use super::{Service, now_ms};
use crate::model::SourceFormat;
use crate::narrate::{self, Job, NarrateError};
use crate::publish::store::StoreError;
use crate::tts::SynthError;

/// How long an idle worker sleeps when nobody wakes it: other processes sharing the
/// database queue jobs without a wake-up, and leases of dead workers expire silently.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Work until `stop` turns true; a job in hand then goes back to the queue.
pub async fn run(service: Arc<Service>, number: usize, mut stop: watch::Receiver<bool>) {
    let lease_ms = i64::try_from(service.lease.as_millis()).unwrap_or(i64::MAX);
    while !*stop.borrow() {
        let max_attempts = service.max_attempts;
        let claimed = service.queue(move |q| q.claim(now_ms(), lease_ms, max_attempts)).await;
        let claim = match claimed {
            Ok(Some(claim)) => claim,
            Ok(None) => {
                tokio::select! {
                    () = service.wake.notified() => {}
                    () = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
            Err(e) => {
                tracing::error!(worker = number, "Cannot claim a job: {e}");
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
        };
        tracing::info!(worker = number, id = %claim.request.id, generation = claim.generation,
            "Narrating.");
        let stream = service.config.serve.stream.then(Stream::new);
        let kept = tokio::select! {
            kept = leased(&service, &claim, lease_ms, stream.as_ref()) => kept,
            _ = stop.changed() => Err(Lost::Stopping),
        };
        let id = &claim.request.id;
        let (outcome, synthesis) = match kept {
            Ok(kept) => kept,
            Err(lost) => {
                // Stopping, or the lease was lost: whoever holds the job now finishes it.
                let back = claim.clone();
                if let Err(e) = service.queue(move |q| q.release(&back)).await {
                    tracing::warn!(%id, "Job not released: {e}");
                }
                // Given back, the job is not playable; its stream comes down, but for the
                // playlist when the lease was lost: another's stream may stand there now.
                if let Some(stream) = &stream {
                    let owned = lost == Lost::Stopping;
                    let player = owned && unpublished(&service, id).await;
                    live::end(&service, id, stream, owned, player).await;
                }
                continue;
            }
        };
        let failed = matches!(outcome, Outcome::Failed(_));
        let finished = record(&service, &claim, outcome, synthesis).await;
        // Recorded as done or failed, the job's stream is no longer served (the final
        // files, if any, are); now its files come down. Requeued for newer content, the
        // playlist is left for the next attempt to replace.
        if let Some(stream) = &stream {
            let recorded = finished == Some(Finished::Recorded);
            let player = recorded && failed && unpublished(&service, id).await;
            live::end(&service, id, stream, recorded, player).await;
        }
    }
}

/// How a job in hand was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lost {
    /// The worker is stopping.
    Stopping,
    /// The lease ran out: another worker holds the job now.
    Lease,
}

/// Whether nothing was ever published for article `id` (so a failed stream's player page
/// must not stay). A database that cannot say is taken to mean something was.
async fn unpublished(service: &Arc<Service>, id: &str) -> bool {
    let asked = id.to_owned();
    matches!(service.queue(move |q| q.get(&asked)).await, Ok(Some(job)) if job.published.is_none())
}

/// Narrate the claim while a task of its own renews its lease a third of the way through
/// each (its own task, because narrating blocks its thread while it encodes); `None` when
/// the lease is lost (the job is someone else's now).
async fn leased(
    service: &Arc<Service>,
    claim: &Claim,
    lease_ms: i64,
    stream: Option<&Stream>,
) -> Result<(Outcome, Duration), Lost> {
    let started = Instant::now();
    let (lost, mut lost_rx) = tokio::sync::oneshot::channel::<()>();
    let heartbeat = tokio::spawn(renew(Arc::clone(service), claim.clone(), lease_ms, lost));
    let outcome = tokio::select! {
        outcome = narrate_request(service, claim, stream) => Ok((outcome, started.elapsed())),
        Ok(()) = &mut lost_rx => {
            tracing::warn!(id = %claim.request.id, "Lease lost; abandoning the job.");
            Err(Lost::Lease)
        }
    };
    heartbeat.abort();
    outcome
}

/// Renew `claim` every third of the lease until aborted; say so on `lost` if it is lost.
async fn renew(
    service: Arc<Service>,
    claim: Claim,
    lease_ms: i64,
    lost: tokio::sync::oneshot::Sender<()>,
) {
    let mut renew = tokio::time::interval(service.lease / 3);
    renew.tick().await;
    loop {
        renew.tick().await;
        let mine = claim.clone();
        match service.queue(move |q| q.renew(&mine, now_ms(), lease_ms)).await {
            Ok(true) => {}
            Ok(false) => {
                let _ = lost.send(());
                return;
            }
            // A database hiccup: the lease has two thirds left; try again then.
            Err(e) => tracing::warn!(id = %claim.request.id, "Lease not renewed: {e}"),
        }
    }
}

/// Record how the job ended, then update the feed and tell the callback.
async fn record(
    service: &Arc<Service>,
    claim: &Claim,
    outcome: Outcome,
    synthesis: Duration,
) -> Option<Finished> {
    let id = claim.request.id.clone();
    let ok = matches!(outcome, Outcome::Done(_));
    let waited = Duration::from_millis(u64::try_from(now_ms() - claim.queued_at).unwrap_or(0));
    service.metrics.finished(ok, synthesis, waited);
    match &outcome {
        Outcome::Done(p) => tracing::info!(%id, chunks = p.chunks, requests = p.requests,
            flagged = p.verification.map(|v| v.flagged), "Published."),
        Outcome::Failed(error) => tracing::warn!(%id, "Job failed: {error}"),
    }
    let mine = claim.clone();
    let finished = match service.queue(move |q| q.finish(&mine, &outcome, now_ms())).await {
        Ok(finished) => finished,
        Err(e) => {
            // The lease will expire and the job run again; its files are rewritten whole.
            tracing::error!(%id, "Job result not recorded: {e}");
            return None;
        }
    };
    if finished == Finished::Lost {
        let asked = id.clone();
        let exists = service.queue(move |q| q.get(&asked)).await.ok().flatten().is_some();
        if !exists {
            // Deleted while it ran: take back what it published, and from the feed.
            if let Err(e) = service.output.remove(&id).await {
                tracing::warn!(%id, "Audio of a deleted article not removed: {e}");
            }
            if let Err(e) = service.write_feed().await {
                tracing::error!(%id, "Feed not rewritten after a delete: {e}");
            }
        }
    }
    if finished == Finished::Recorded {
        tell_callback(service, &id, None).await;
    }
    Some(finished)
}

/// POST article `id`'s job as it stands to the callback, if there is one. Callbacks for one
/// article go in order, each after the one before has been delivered or given up; one still
/// being retried gives up as soon as a newer one is waiting.
pub(super) async fn tell_callback(service: &Arc<Service>, id: &str, only: Option<State>) {
    let Some(callback) = service.callback.clone() else { return };
    let asked = id.to_owned();
    let Ok(Some(job)) = service.queue(move |q| q.get(&asked)).await else { return };
    // Moved on already (a short narration may finish at once): the next callback says so.
    if only.is_some_and(|state| state != job.state) {
        return;
    }
    let body = super::api::job_json(service, &job).to_string().into_bytes();
    let client = service.client.clone();
    let (supersede, superseded) = tokio::sync::watch::channel(false);
    let supersede = Arc::new(supersede);
    let mine = Arc::clone(&supersede);
    let owner = Arc::clone(service);
    let key = id.to_owned();
    let id = id.to_owned();
    let mut pending = service.callbacks.lock().unwrap_or_else(PoisonError::into_inner);
    let before = pending.remove(&id).map(|(newer, delivered)| {
        newer.send_replace(true);
        delivered
    });
    let task = tokio::spawn(async move {
        if let Some(before) = before {
            before.await;
        }
        if !callback.deliver_unless(&client, body, superseded).await && !*mine.borrow() {
            tracing::error!(%id, "Callback given up after {} attempts.", callback.attempts);
        }
        let mut pending = owner.callbacks.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.get(&id).is_some_and(|(current, _)| Arc::ptr_eq(current, &mine)) {
            pending.remove(&id);
        }
    });
    let delivered = async move {
        let _ = task.await;
    };
    pending.insert(key, (supersede, delivered.boxed().shared()));
}

/// How `/metrics` labels a backend's failure: its final HTTP status, else what went wrong
/// (a failure retried until the policy gave up is labelled by its last attempt).
fn failure_kind(error: &SynthError) -> String {
    match error {
        SynthError::GaveUp { last, .. } => failure_kind(last),
        SynthError::Http { status, .. } => status.to_string(),
        SynthError::Timeout { .. } => "timeout".into(),
        SynthError::Network { .. } => "network".into(),
        SynthError::BadAudio { .. } => "bad_audio".into(),
        SynthError::Engine { .. } => "engine".into(),
        _ => "other".into(),
    }
}

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
enum PublishError {
    #[error(transparent)]
    Narrate(#[from] NarrateError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Player(#[from] crate::output::OutputError),
    /// Published, but the feed cannot list it: the job has not done its work.
    #[error("the article's files are published but the feed could not be written: {0}")]
    Feed(#[source] crate::publish::feed::FeedError),
    #[error(transparent)]
    Live(#[from] live::LiveError),
    /// A job queued before its id was reserved.
    #[error("id {0:?} is reserved: the service publishes a file of that name")]
    Reserved(String),
}

/// Narrate one request and publish it as `ID/ID.*` in the output.
async fn narrate_request(
    service: &Arc<Service>,
    claim: &Claim,
    stream: Option<&Stream>,
) -> Outcome {
    match publish(service, claim, stream).await {
        Ok(published) => Outcome::Done(published),
        Err(e) => {
            let synth = match &e {
                PublishError::Narrate(NarrateError::Synth { source, .. })
                | PublishError::Live(live::LiveError::Narrate(NarrateError::Synth {
                    source,
                    ..
                })) => Some(source),
                _ => None,
            };
            if let Some(source) = synth {
                service.metrics.synth_error(&failure_kind(source));
            }
            Outcome::Failed(crate::errors::one_line(&e))
        }
    }
}

async fn publish(
    service: &Arc<Service>,
    claim: &Claim,
    stream: Option<&Stream>,
) -> Result<Published, PublishError> {
    let request = &claim.request;
    let id = &request.id;
    if super::api::reserved_id(id) {
        return Err(PublishError::Reserved(id.clone()));
    }
    // The field it came in says how to read the content.
    let (origin, content, format) = match (&request.html, &request.text) {
        (Some(html), _) => (format!("{id}.html"), html, SourceFormat::Html),
        (None, Some(text)) => (format!("{id}.txt"), text, SourceFormat::Text),
        (None, None) => (format!("{id}.txt"), &String::new(), SourceFormat::Text),
    };
    let source = crate::ingest::from_bytes_as(&origin, content.as_bytes(), format)
        .map_err(NarrateError::from)?;
    let casting = service.casting(request.voice.as_deref());
    let config = &service.config;
    let mut prepared = tokio::task::block_in_place(|| {
        narrate::prepare_described(source, config, &casting, |article| request.describe(article))
    })?;
    prepared.source.stem.clone_from(id);
    let staging = service.output.stage(id)?;
    let job = Job {
        input: origin,
        output_dir: staging.dir().to_path_buf(),
        formats: service.formats.clone(),
        max_chars: None,
    };
    let narration = match stream {
        Some(stream) => live::narrate(service, claim, stream, prepared, &job).await?,
        None => narrate::narrate_prepared(prepared, &job, config, &|_, _| {}).await?,
    };
    let counts = narration.counts;
    let verification = (config.narrate.verify != crate::verify::VerifyMode::Off)
        .then(|| crate::verify::Tally::of(&narration.manifest));
    if let Some(tally) = &verification {
        service.metrics.verified(tally);
    }
    service.metrics.narrated(
        narration.chunks,
        counts.cache_hits,
        counts.requests,
        counts.billed_chars,
    );
    // The player, with a page for this article: `ID/player/index.html`. Served by this
    // process, its listening events come back here (same origin); see `events`.
    let manifest = staging.dir().join(format!("{id}.json"));
    let events_url = service.output.local_dir().is_some().then_some("/v1/events");
    // The finished page plays the file; the page a stream puts up (the next edit's, say)
    // plays the stream, and is replaced by this again.
    let page = crate::publish::PlayerPage { id: Some(id), events_url, ..Default::default() };
    crate::publish::write_player_page(staging.dir(), &[manifest], page)?;
    // The feed's low-bandwidth rendition, `ID.opus`, where ffmpeg is there to make it.
    if let Some(mp3) = narration.manifest.audio.iter().find(|a| a.format == "mp3") {
        let mp3 = staging.dir().join(&mp3.file);
        let opus = crate::publish::feed::opus::rendition_of(&mp3);
        let made = tokio::task::block_in_place(|| {
            crate::publish::feed::opus::encode(&mp3, &opus, &narration.manifest)
        });
        if let Err(e) = made {
            tracing::debug!(%id, "{e}");
        }
    }
    service.output.publish(id, &staging, &narration.manifest).await?;
    // Listed in the feed, or not done: a feed that cannot be written fails the job.
    service.write_feed().await.map_err(PublishError::Feed)?;
    Ok(Published {
        manifest: format!("{id}/{id}.json"),
        audio: narration.manifest.audio.iter().map(|a| format!("{id}/{}", a.file)).collect(),
        player: Some(format!("{id}/{}/index.html", crate::publish::PLAYER_DIR)),
        chunks: narration.chunks,
        cache_hits: counts.cache_hits,
        requests: counts.requests,
        verification,
        extraction: narration.manifest.extraction.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_retried_until_given_up_is_labelled_by_its_last_attempt() {
        let http = SynthError::Http {
            backend: "openai".into(),
            chunk: 1,
            status: 503,
            message: "busy".into(),
            retryable: true,
            retry_after: None,
        };
        let gave_up =
            |last| SynthError::GaveUp { last: Box::new(last), attempts: 5, why: "x".into() };
        assert_eq!(failure_kind(&gave_up(http)), "503");
        let bad = SynthError::BadAudio { backend: "openai".into(), chunk: 1, message: "x".into() };
        assert_eq!(failure_kind(&gave_up(bad)), "bad_audio");
    }
}
