//! Requests-per-minute limits: a service's quota is a rate, not a number in flight, so the
//! concurrency cap alone cannot keep a fast backend under it.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Spaces request starts evenly so that no more than `per_minute` begin in any minute.
///
/// Even spacing (rather than a burst followed by a wait) keeps the load smooth and never
/// exceeds the quota in any sliding window, which is how services count.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    /// The earliest time the next request may start.
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` request starts a minute (at least 1).
    pub(crate) fn per_minute(per_minute: u32) -> RateLimiter {
        RateLimiter {
            interval: Duration::from_secs(60) / per_minute.max(1),
            next: Mutex::new(None),
        }
    }

    /// Wait until a request may start, and claim that slot.
    pub(crate) async fn acquire(&self) {
        let wait = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn starts_are_spaced_evenly_at_the_configured_rate() {
        let limiter = RateLimiter::per_minute(600); // one every 100 ms
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..5 {
            limiter.acquire().await;
            starts.push(start.elapsed());
        }
        let expected: Vec<Duration> = (0..5).map(|i| Duration::from_millis(100 * i)).collect();
        assert_eq!(starts, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_schedule() {
        let limiter = Arc::new(RateLimiter::per_minute(120)); // one every 500 ms
        let start = Instant::now();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                tokio::spawn(async move {
                    limiter.acquire().await;
                    start.elapsed()
                })
            })
            .collect();
        let mut starts = Vec::new();
        for task in tasks {
            starts.push(task.await.unwrap());
        }
        starts.sort();
        let expected: Vec<Duration> = (0..4).map(|i| Duration::from_millis(500 * i)).collect();
        assert_eq!(starts, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limiter_does_not_bank_slots_for_a_burst() {
        let limiter = RateLimiter::per_minute(60);
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let start = Instant::now();
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
