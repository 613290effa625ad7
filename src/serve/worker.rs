//! A worker: claim a job, narrate it while renewing its lease, publish, record, repeat.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::queue::{Claim, Finished, Outcome, Published, Request};
use super::store::StoreError;
use super::{Service, now_ms};
use crate::narrate::{self, Job, NarrateError};
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
        let kept = tokio::select! {
            kept = leased(&service, &claim, lease_ms) => kept,
            _ = stop.changed() => None,
        };
        let Some((outcome, synthesis)) = kept else {
            // Stopping, or the lease was lost: whoever holds the job now finishes it.
            let back = claim.clone();
            if let Err(e) = service.queue(move |q| q.release(&back)).await {
                tracing::warn!(id = %claim.request.id, "Job not released: {e}");
            }
            continue;
        };
        record(&service, &claim, outcome, synthesis).await;
    }
}

/// Narrate the claim while a task of its own renews its lease a third of the way through
/// each (its own task, because narrating blocks its thread while it encodes); `None` when
/// the lease is lost (the job is someone else's now).
async fn leased(
    service: &Arc<Service>,
    claim: &Claim,
    lease_ms: i64,
) -> Option<(Outcome, Duration)> {
    let started = Instant::now();
    let (lost, mut lost_rx) = tokio::sync::oneshot::channel::<()>();
    let heartbeat = tokio::spawn(renew(Arc::clone(service), claim.clone(), lease_ms, lost));
    let outcome = tokio::select! {
        outcome = narrate_request(service, &claim.request) => Some((outcome, started.elapsed())),
        Ok(()) = &mut lost_rx => {
            tracing::warn!(id = %claim.request.id, "Lease lost; abandoning the job.");
            None
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
async fn record(service: &Arc<Service>, claim: &Claim, outcome: Outcome, synthesis: Duration) {
    let id = claim.request.id.clone();
    let ok = matches!(outcome, Outcome::Done(_));
    let waited = Duration::from_millis(u64::try_from(now_ms() - claim.queued_at).unwrap_or(0));
    service.metrics.finished(ok, synthesis, waited);
    match &outcome {
        Outcome::Done(p) => tracing::info!(%id, chunks = p.chunks, requests = p.requests,
            "Published."),
        Outcome::Failed(error) => tracing::warn!(%id, "Job failed: {error}"),
    }
    let mine = claim.clone();
    let finished = match service.queue(move |q| q.finish(&mine, &outcome, now_ms())).await {
        Ok(finished) => finished,
        Err(e) => {
            // The lease will expire and the job run again; its files are rewritten whole.
            tracing::error!(%id, "Job result not recorded: {e}");
            return;
        }
    };
    if finished == Finished::Lost {
        let asked = id.clone();
        let exists = service.queue(move |q| q.get(&asked)).await.ok().flatten().is_some();
        if !exists {
            // Deleted while it ran: take back what it published.
            if let Err(e) = service.output.remove(&id).await {
                tracing::warn!(%id, "Audio of a deleted article not removed: {e}");
            }
        }
    }
    if ok {
        service.write_feed().await;
    }
    if finished == Finished::Recorded
        && let Some(callback) = service.callback.clone()
    {
        let asked = id.clone();
        let Ok(Some(job)) = service.queue(move |q| q.get(&asked)).await else { return };
        let body = super::api::job_json(service, &job).to_string().into_bytes();
        let client = service.client.clone();
        tokio::spawn(async move {
            if !callback.deliver(&client, body).await {
                tracing::error!(%id, "Callback given up after {} attempts.", callback.attempts);
            }
        });
    }
}

/// How `/metrics` labels a backend's failure: its HTTP status, else what went wrong.
fn failure_kind(error: &SynthError) -> String {
    match error {
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
}

/// Narrate one request and publish it as `ID/ID.*` in the output.
async fn narrate_request(service: &Arc<Service>, request: &Request) -> Outcome {
    match publish(service, request).await {
        Ok(published) => Outcome::Done(published),
        Err(e) => {
            if let PublishError::Narrate(NarrateError::Synth { source, .. }) = &e {
                service.metrics.synth_error(&failure_kind(source));
            }
            Outcome::Failed(crate::errors::one_line(&e))
        }
    }
}

async fn publish(service: &Arc<Service>, request: &Request) -> Result<Published, PublishError> {
    let id = &request.id;
    // The extension tells ingest how to read the content.
    let (origin, content) = match (&request.html, &request.text) {
        (Some(html), _) => (format!("{id}.html"), html),
        (None, Some(text)) => (format!("{id}.txt"), text),
        (None, None) => (format!("{id}.txt"), &String::new()),
    };
    let source =
        crate::ingest::from_bytes(&origin, content.as_bytes()).map_err(NarrateError::from)?;
    let casting = service.casting(request.voice.as_deref());
    let config = &service.config;
    let mut prepared =
        tokio::task::block_in_place(|| narrate::prepare_source(source, config, &casting))?;
    prepared.source.stem.clone_from(id);
    let staging = service.output.stage(id)?;
    let job = Job {
        input: origin,
        output_dir: staging.dir().to_path_buf(),
        formats: service.formats.clone(),
        max_chars: None,
    };
    let narration = narrate::narrate_prepared(prepared, &job, config, &|_, _| {}).await?;
    let counts = narration.counts;
    service.metrics.narrated(
        narration.chunks,
        counts.cache_hits,
        counts.requests,
        counts.billed_chars,
    );
    // The player, with a page for this article: `ID/player/index.html`.
    let manifest = staging.dir().join(format!("{id}.json"));
    crate::preview::write_player(staging.dir(), &[manifest])?;
    service.output.publish(id, &staging, &narration.manifest).await?;
    Ok(Published {
        manifest: format!("{id}/{id}.json"),
        audio: narration.manifest.audio.iter().map(|a| format!("{id}/{}", a.file)).collect(),
        player: Some(format!("{id}/{}/index.html", crate::preview::PLAYER_DIR)),
        chunks: narration.chunks,
        cache_hits: counts.cache_hits,
        requests: counts.requests,
        extraction: narration.manifest.extraction.clone(),
    })
}
