//! Counters and histograms for `/metrics`, in the Prometheus text format (version 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::queue::State;

/// Upper bounds, in seconds, of the latency histograms' buckets.
const BUCKETS: [f64; 12] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0];

/// A cumulative histogram of durations.
#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bound, count) in BUCKETS.iter().zip(&mut self.counts) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum {}\n{name}_count {}", self.sum, self.count);
    }
}

/// What the server has done since it started.
#[derive(Default)]
pub struct Metrics {
    chunks: AtomicU64,
    cache_hits: AtomicU64,
    requests: AtomicU64,
    billed_chars: AtomicU64,
    finished: [AtomicU64; 2],
    /// Jobs failed by a backend, by what failed: an HTTP status, or `timeout`, `network`...
    synth_errors: Mutex<BTreeMap<String, u64>>,
    synthesis: Mutex<Histogram>,
    publish: Mutex<Histogram>,
    playable: Mutex<Histogram>,
    /// Segments by verification outcome: verified, retried, flagged, unverified.
    segments: [AtomicU64; 4],
}

impl Metrics {
    /// A narration finished: its chunks, how many the cache answered, and the requests and
    /// characters sent to backends.
    pub fn narrated(&self, chunks: usize, cache_hits: usize, requests: usize, billed: usize) {
        self.chunks.fetch_add(chunks as u64, Ordering::Relaxed);
        self.cache_hits.fetch_add(cache_hits as u64, Ordering::Relaxed);
        self.requests.fetch_add(requests as u64, Ordering::Relaxed);
        self.billed_chars.fetch_add(billed as u64, Ordering::Relaxed);
    }

    /// A verified narration finished with this tally of its segments.
    pub fn verified(&self, tally: &crate::verify::Tally) {
        let ok = tally.verified - tally.retried;
        let counts = [ok, tally.retried, tally.flagged, tally.unverified];
        for (counter, n) in self.segments.iter().zip(counts) {
            counter.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    /// A job ended, `ok` or not; `synthesis` is how long narrating took, `published` how
    /// long since the webhook queued it.
    pub fn finished(&self, ok: bool, synthesis: Duration, published: Duration) {
        self.finished[usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
        if let Ok(mut h) = self.synthesis.lock() {
            h.observe(synthesis.as_secs_f64());
        }
        if ok && let Ok(mut h) = self.publish.lock() {
            h.observe(published.as_secs_f64());
        }
    }

    /// A job's narration became playable (its stream's first segment published), `latency`
    /// after the webhook queued it.
    pub fn playable(&self, latency: Duration) {
        if let Ok(mut h) = self.playable.lock() {
            h.observe(latency.as_secs_f64());
        }
    }

    /// A backend failed a job; `status` is the HTTP status it answered with, or what kind of
    /// failure it was when there was no answer (`timeout`, `network`, `engine`...).
    pub fn synth_error(&self, status: &str) {
        if let Ok(mut errors) = self.synth_errors.lock() {
            *errors.entry(status.to_owned()).or_default() += 1;
        }
    }

    /// Everything in the text format; `jobs` are the queue's counts by state.
    #[must_use]
    pub fn render(&self, jobs: &[(State, u64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP articulate_jobs Jobs in the queue by state.\n");
        out.push_str("# TYPE articulate_jobs gauge\n");
        for (state, n) in jobs {
            let _ = writeln!(out, "articulate_jobs{{state=\"{}\"}} {n}", state.as_str());
        }
        let counter = |out: &mut String, name: &str, help: &str, value: &AtomicU64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        };
        out.push_str("# HELP articulate_jobs_finished_total Jobs ended by this process.\n");
        out.push_str("# TYPE articulate_jobs_finished_total counter\n");
        for (outcome, n) in ["done", "failed"].iter().zip(&self.finished) {
            let _ = writeln!(
                out,
                "articulate_jobs_finished_total{{outcome=\"{outcome}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        counter(&mut out, "articulate_chunks_total", "Chunks placed in narrations.", &self.chunks);
        counter(
            &mut out,
            "articulate_cache_hits_total",
            "Chunks answered from the chunk cache.",
            &self.cache_hits,
        );
        counter(
            &mut out,
            "articulate_backend_requests_total",
            "Requests sent to synthesis backends.",
            &self.requests,
        );
        counter(
            &mut out,
            "articulate_backend_billed_chars_total",
            "Characters those requests bill.",
            &self.billed_chars,
        );
        out.push_str(
            "# HELP articulate_segments_total Segments of verified narrations by what the \
             recogniser found: ok, retried (right on the second synthesis), flagged (not \
             saying their text) or unverified (it could not listen).\n\
             # TYPE articulate_segments_total counter\n",
        );
        for (outcome, n) in ["ok", "retried", "flagged", "unverified"].iter().zip(&self.segments) {
            let _ = writeln!(
                out,
                "articulate_segments_total{{verification=\"{outcome}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP articulate_backend_errors_total Jobs failed by a synthesis backend (after \
             its retries), by HTTP status or kind of failure.\n\
             # TYPE articulate_backend_errors_total counter\n",
        );
        if let Ok(errors) = self.synth_errors.lock() {
            for (status, n) in errors.iter() {
                let _ = writeln!(out, "articulate_backend_errors_total{{status=\"{status}\"}} {n}");
            }
        }
        if let Ok(h) = self.synthesis.lock() {
            h.render(
                &mut out,
                "articulate_synthesis_seconds",
                "Time to narrate one job: synthesis, assembly and encoding.",
            );
        }
        if let Ok(h) = self.publish.lock() {
            h.render(
                &mut out,
                "articulate_publish_latency_seconds",
                "Time from the webhook to the published audio.",
            );
        }
        if let Ok(h) = self.playable.lock() {
            h.render(
                &mut out,
                "articulate_playable_latency_seconds",
                "Time from the webhook to the first playable audio (the live stream).",
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_counters_add_up() {
        let metrics = Metrics::default();
        metrics.narrated(10, 4, 6, 300);
        metrics.narrated(5, 5, 0, 0);
        metrics.finished(true, Duration::from_millis(300), Duration::from_secs(2));
        metrics.finished(false, Duration::from_secs(20), Duration::from_secs(20));
        metrics.synth_error("503");
        metrics.synth_error("503");
        metrics.synth_error("timeout");
        let tally = crate::verify::Tally { verified: 7, retried: 2, flagged: 1, unverified: 0 };
        metrics.verified(&tally);
        metrics.verified(&tally);
        let text = metrics.render(&[(State::Queued, 3), (State::Done, 1)]);
        for line in [
            "articulate_jobs{state=\"queued\"} 3",
            "articulate_chunks_total 15",
            "articulate_cache_hits_total 9",
            "articulate_backend_requests_total 6",
            "articulate_jobs_finished_total{outcome=\"failed\"} 1",
            "articulate_synthesis_seconds_bucket{le=\"0.25\"} 0",
            "articulate_synthesis_seconds_bucket{le=\"0.5\"} 1",
            "articulate_synthesis_seconds_bucket{le=\"30\"} 2",
            "articulate_synthesis_seconds_count 2",
            "articulate_publish_latency_seconds_bucket{le=\"+Inf\"} 1",
            "articulate_backend_errors_total{status=\"503\"} 2",
            "articulate_backend_errors_total{status=\"timeout\"} 1",
            "articulate_segments_total{verification=\"ok\"} 10",
            "articulate_segments_total{verification=\"retried\"} 4",
            "articulate_segments_total{verification=\"flagged\"} 2",
            "articulate_segments_total{verification=\"unverified\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
    }
}
