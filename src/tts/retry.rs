//! The one retry policy every backend shares.
//!
//! Backends decide *whether* a failure may be retried (through [`SynthError::is_retryable`]
//! and [`SynthError::retry_after`]); this module decides *when* and *how often*: exponential
//! backoff with jitter, the service's `Retry-After` when it gives one, a cap on attempts and
//! a total time budget.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::SynthError;

/// How failed requests are retried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default: 4.
    pub max_retries: u32,
    /// The first backoff; each later one doubles. Default: 500 ms.
    pub base_delay: Duration,
    /// The longest backoff between two attempts (a `Retry-After` may ask for more, within
    /// the budget). Default: 30 s.
    pub max_delay: Duration,
    /// The most time from the first attempt's start to a retry's start. Default: 180 s.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(180),
        }
    }
}

impl RetryPolicy {
    /// Run `attempt` (given the attempt number, from 1) until it succeeds, fails with an
    /// error that may not be retried, or the policy gives up. Giving up returns
    /// [`SynthError::GaveUp`] wrapping the last failure.
    ///
    /// # Errors
    ///
    /// The first non-retryable error, or the last retryable one wrapped in `GaveUp`.
    pub async fn run<T, F, Fut>(&self, mut attempt: F) -> Result<T, SynthError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, SynthError>>,
    {
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match attempt(attempts).await {
                Ok(value) => return Ok(value),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            let asked = error.retry_after();
            let delay = self.delay(attempts, asked);
            let elapsed = start.elapsed();
            let why = if attempts > self.max_retries {
                Some(format!("the limit of {} retries", self.max_retries))
            } else if elapsed + delay > self.budget {
                Some(match asked {
                    Some(wait) if wait > self.budget.saturating_sub(elapsed) => format!(
                        "the service asked to wait {}, beyond the {} retry budget",
                        secs(wait),
                        secs(self.budget)
                    ),
                    _ => format!("the {} retry budget is spent", secs(self.budget)),
                })
            } else {
                None
            };
            if let Some(why) = why {
                return Err(SynthError::GaveUp { last: Box::new(error), attempts, why });
            }
            // A retry is the policy working, not a failure: the failure, if it comes, is
            // reported once, as the run's error.
            tracing::info!(
                attempt = attempts,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "Retrying: {error}."
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// The wait before retry number `failures` (1 after the first failure).
    ///
    /// Without `Retry-After` it is exponential backoff with "equal jitter": half the
    /// exponential delay plus a random part of the other half, so the waits still grow but
    /// clients that failed together do not come back together. With `Retry-After` it is
    /// what the service asked, plus up to half a base delay of jitter for the same reason.
    #[must_use]
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        let jitter = |span: Duration| {
            let nanos = u64::try_from(span.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(fastrand::u64(0..=nanos))
        };
        if let Some(asked) = retry_after {
            return asked + jitter(self.base_delay / 2);
        }
        let exponent = failures.saturating_sub(1).min(30);
        let full = self.base_delay.saturating_mul(1 << exponent).min(self.max_delay);
        full / 2 + jitter(full / 2)
    }
}

/// A duration for a message: "1.5s".
fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            budget: Duration::from_secs(60),
        }
    }

    fn unavailable(retry_after: Option<Duration>) -> SynthError {
        SynthError::Http {
            backend: "test".into(),
            chunk: 3,
            status: 503,
            message: "busy".into(),
            retryable: true,
            retry_after,
        }
    }

    fn unauthorized() -> SynthError {
        SynthError::Http {
            backend: "test".into(),
            chunk: 3,
            status: 401,
            message: "bad key".into(),
            retryable: false,
            retry_after: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retryable_failures_are_retried_until_the_request_succeeds() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let result = policy()
            .run(|n| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move { if n <= 3 { Err(unavailable(None)) } else { Ok(n) } }
            })
            .await;
        assert_eq!(result.unwrap(), 4);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        // Backoffs of 100, 200 and 400 ms, each at least half taken: 350..=700 ms.
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(350), "{waited:?}");
        assert!(waited <= Duration::from_millis(700), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_non_retryable_failure_is_returned_after_one_attempt() {
        let calls = AtomicU32::new(0);
        let err = policy()
            .run(|_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(unauthorized()) }
            })
            .await
            .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(matches!(err, SynthError::Http { status: 401, .. }), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_waited_out_even_when_longer_than_the_backoff() {
        let start = Instant::now();
        let result = policy()
            .run(|n| async move {
                if n == 1 { Err(unavailable(Some(Duration::from_secs(7)))) } else { Ok(()) }
            })
            .await;
        assert!(result.is_ok());
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(7), "{waited:?}");
        assert!(waited <= Duration::from_millis(7050), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_retry_limit_gives_up_with_the_last_failure_and_the_count() {
        let err = policy().run(|_| async { Err::<(), _>(unavailable(None)) }).await.unwrap_err();
        let SynthError::GaveUp { last, attempts, .. } = &err else { panic!("{err}") };
        assert_eq!(*attempts, 5);
        assert!(matches!(**last, SynthError::Http { status: 503, .. }));
        let msg = err.to_string();
        assert!(msg.contains("chunk 3") && msg.contains("gave up after 5 attempts"), "{msg}");
        assert!(!err.is_retryable());
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_beyond_the_budget_gives_up_at_once_and_says_so() {
        let start = Instant::now();
        let err = policy()
            .run(|_| async { Err::<(), _>(unavailable(Some(Duration::from_secs(3600)))) })
            .await
            .unwrap_err();
        assert_eq!(start.elapsed(), Duration::ZERO);
        let msg = err.to_string();
        assert!(msg.contains("asked to wait 3600.0s, beyond the 60.0s retry budget"), "{msg}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_bounds_the_total_time_spent_retrying() {
        let tight = RetryPolicy { max_retries: 100, budget: Duration::from_secs(2), ..policy() };
        let start = Instant::now();
        let err = tight.run(|_| async { Err::<(), _>(unavailable(None)) }).await.unwrap_err();
        assert!(start.elapsed() <= Duration::from_secs(2), "{:?}", start.elapsed());
        assert!(err.to_string().contains("retry budget is spent"), "{err}");
    }

    #[test]
    fn backoff_doubles_with_jitter_within_half_to_the_whole_and_is_capped() {
        let p = policy();
        for failures in 1..=8 {
            let full = (p.base_delay * (1 << (failures - 1))).min(p.max_delay);
            for _ in 0..200 {
                let d = p.delay(failures, None);
                assert!(d >= full / 2 && d <= full, "{failures}: {d:?} vs {full:?}");
            }
        }
        let samples: std::collections::HashSet<Duration> =
            (0..50).map(|_| p.delay(3, None)).collect();
        assert!(samples.len() > 10, "the jitter varies");
    }
}
