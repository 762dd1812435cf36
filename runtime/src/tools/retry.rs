//! Retries of transient failures (tools-details §41–44): connection
//! errors, 429 and 5xx are retried up to `max_retries` times; retry k waits
//! `min(250 ms × 2^(k-1), 8 s)` ± 20 %, or what `Retry-After` says. The
//! deadline bounds every attempt and every wait: a wait that would pass it
//! ends the call at once with the last outcome, and a timed-out attempt is
//! not retried.
//!
//! This runs on the I/O worker thread (`crate::io`), so sleeping here
//! blocks no task.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use super::transport::{HttpReply, TransportError};

/// How a call ended after its retries.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// A response (the last one: it may still be a 429 or 5xx).
    Reply { reply: HttpReply, attempts: u32 },
    /// No response.
    Failed {
        error: TransportError,
        attempts: u32,
    },
    /// The deadline passed.
    TimedOut,
    /// The calling task was cancelled; nobody reads the outcome.
    Abandoned,
}

/// Whether a response is worth retrying (§41).
pub fn is_transient_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// The wait before retry `k` (1-based) without `Retry-After`, before jitter.
pub fn backoff(k: u32) -> Duration {
    let ms = 250u64.saturating_mul(1u64 << (k.saturating_sub(1)).min(16));
    Duration::from_millis(ms.min(8_000))
}

/// ±20 % of `d`, by a random factor in [0, 1).
pub fn jitter(d: Duration, random: f64) -> Duration {
    d.mul_f64(0.8 + 0.4 * random)
}

/// A `Retry-After` value (seconds, or an HTTP date relative to `now`).
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in [0, 1) that differs between calls (for jitter only).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Runs `attempt` until it gives a non-transient result, retries run out,
/// the deadline passes or `cancelled` is set.
pub fn run(
    max_retries: u32,
    deadline: Instant,
    cancelled: &AtomicBool,
    mut attempt: impl FnMut() -> Result<HttpReply, TransportError>,
) -> Outcome {
    let mut attempts = 0;
    loop {
        if cancelled.load(Ordering::Relaxed) {
            return Outcome::Abandoned;
        }
        attempts += 1;
        let result = attempt();
        let wait = match &result {
            Ok(reply) if is_transient_status(reply.status) => Some(
                reply
                    .header("retry-after")
                    .and_then(|v| retry_after(v, SystemTime::now())),
            ),
            Err(e) if e.is_transient() => Some(None),
            Err(TransportError::Timeout) => return Outcome::TimedOut,
            _ => None,
        };
        let outcome = match result {
            Ok(reply) => Outcome::Reply { reply, attempts },
            Err(error) => Outcome::Failed { error, attempts },
        };
        let Some(retry_after) = wait else {
            return outcome;
        };
        if attempts > max_retries {
            return outcome;
        }
        let wait = retry_after.unwrap_or_else(|| jitter(backoff(attempts), random_unit()));
        if Instant::now() + wait >= deadline {
            // Sleeping would only end in a timeout: report what happened.
            return outcome;
        }
        sleep_unless_cancelled(wait, cancelled);
    }
}

/// Sleeps `wait`, waking early when the call is abandoned.
fn sleep_unless_cancelled(wait: Duration, cancelled: &AtomicBool) {
    let end = Instant::now() + wait;
    while !cancelled.load(Ordering::Relaxed) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, retry_after: Option<&str>) -> HttpReply {
        HttpReply {
            status,
            headers: retry_after
                .map(|v| vec![("retry-after".to_string(), v.to_string())])
                .unwrap_or_default(),
            body: String::new(),
        }
    }

    #[test]
    fn backoff_doubles_up_to_eight_seconds_with_jitter() {
        assert_eq!(backoff(1), Duration::from_millis(250));
        assert_eq!(backoff(2), Duration::from_millis(500));
        assert_eq!(backoff(6), Duration::from_millis(8_000));
        assert_eq!(backoff(40), Duration::from_millis(8_000));
        assert_eq!(
            jitter(Duration::from_millis(1000), 0.0),
            Duration::from_millis(800)
        );
        assert!(jitter(Duration::from_millis(1000), 0.999) <= Duration::from_millis(1200));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn transient_statuses_are_retried_until_the_count_runs_out() {
        let never = AtomicBool::new(false);
        let far = Instant::now() + Duration::from_secs(60);
        let mut n = 0;
        let out = run(2, far, &never, || {
            n += 1;
            Ok(reply(500, Some("0")))
        });
        assert_eq!(n, 3);
        assert!(matches!(out, Outcome::Reply { attempts: 3, .. }));
        let mut statuses = vec![200, 429].into_iter().rev().collect::<Vec<_>>();
        let out = run(2, far, &never, || {
            Ok(reply(statuses.pop().unwrap(), Some("0")))
        });
        assert!(matches!(out, Outcome::Reply { attempts: 1, .. }));
        let mut statuses = vec![429, 200];
        statuses.reverse();
        let out = run(2, far, &never, || {
            Ok(reply(statuses.pop().unwrap(), Some("0")))
        });
        assert!(matches!(out, Outcome::Reply { ref reply, attempts: 2 } if reply.status == 200));
        // 404 is not transient.
        let out = run(5, far, &never, || Ok(reply(404, None)));
        assert!(matches!(out, Outcome::Reply { attempts: 1, .. }));
    }

    #[test]
    fn a_wait_past_the_deadline_ends_the_call_with_the_last_outcome() {
        let never = AtomicBool::new(false);
        let soon = Instant::now() + Duration::from_millis(100);
        let start = Instant::now();
        let out = run(5, soon, &never, || Ok(reply(503, Some("10"))));
        assert!(matches!(out, Outcome::Reply { attempts: 1, .. }));
        assert!(start.elapsed() < Duration::from_millis(100));
        let out = run(5, soon, &never, || Err(TransportError::Timeout));
        assert_eq!(out, Outcome::TimedOut);
    }
}
