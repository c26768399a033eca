//! When to retry a request, as a pure function of what happened, so every rule is
//! unit-tested without a server: 5xx, dropped connections, timeouts, truncated
//! bodies and throttling are retried with capped exponential backoff and jitter;
//! an auth failure or any other 4xx is not. `Retry-After` is honoured, and
//! `Retry-After: 0` still waits the base delay, so there is never a hot loop.

use std::time::Duration;

/// What one attempt ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// An HTTP response with this status; `throttled` when the provider said its
    /// request limit was exceeded (Rackspace: 403 "Exceeded request limits").
    Status { status: u16, throttled: bool },
    /// The connection failed or was dropped before a full response arrived.
    Connection,
    /// The connection could not be made at all: the request never left.
    NotSent,
    /// No answer within the request timeout.
    Timeout,
    /// The body ended before its declared length.
    Truncated,
    /// A failure that repeating cannot fix (a redirect, a body too large, a body
    /// that does not decode, a paging guard).
    Final,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Give up (success, or a failure that repeating cannot fix, or out of attempts).
    Stop,
    /// Try again after this long.
    RetryAfter(Duration),
}

/// The knobs: how many attempts in all, the first backoff, and its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

/// Repeats of a failed request (attempts: one more).
pub const DEFAULT_RETRIES: u32 = 7;
/// Milliseconds before the first repeat.
pub const DEFAULT_RETRY_DELAY_MS: u64 = 500;

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: DEFAULT_RETRIES + 1,
            base_delay: Duration::from_millis(DEFAULT_RETRY_DELAY_MS),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Decides after attempt number `attempt` (1-based). `retry_after` is the
    /// server's `Retry-After`, if any; `jitter` is a uniform sample in [0, 1).
    pub fn decide(
        &self,
        what: Attempt,
        attempt: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Decision {
        let retryable = match what {
            Attempt::Status { status, throttled } => {
                throttled || status == 429 || status == 408 || (500..=599).contains(&status)
            }
            Attempt::Connection | Attempt::NotSent | Attempt::Timeout | Attempt::Truncated => true,
            Attempt::Final => false,
        };
        if !retryable || attempt >= self.max_attempts {
            return Decision::Stop;
        }
        // Exponential backoff with "equal jitter": half fixed, half random.
        let exp = self.base_delay.saturating_mul(1 << (attempt - 1).min(20));
        let backoff = exp.min(self.max_delay);
        let jittered = backoff / 2 + backoff.mul_f64(jitter.clamp(0.0, 1.0) / 2.0);
        // The server's word wins when it asks for longer, never for "no wait at all".
        let wait = match retry_after {
            Some(server) => server.min(self.max_delay).max(self.base_delay),
            None => jittered.max(self.base_delay.min(backoff)),
        };
        Decision::RetryAfter(wait)
    }
}

impl RetryPolicy {
    /// The decision for a write (POST, PUT, DELETE): repeated only when it provably
    /// never reached the server. Every response is final, and so is a timeout, a
    /// dropped connection or a cut body: the write may have been applied, and
    /// neither provider documents idempotency keys.
    pub fn decide_write(&self, what: Attempt, attempt: u32, jitter: f64) -> Decision {
        match what {
            Attempt::NotSent => self.decide(Attempt::Connection, attempt, None, jitter),
            _ => Decision::Stop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: MS(100),
            max_delay: MS(1000),
        }
    }

    fn status(status: u16) -> Attempt {
        Attempt::Status {
            status,
            throttled: false,
        }
    }

    #[test]
    fn success_and_client_errors_stop() {
        for s in [200, 204, 400, 401, 403, 404, 406] {
            assert_eq!(
                policy().decide(status(s), 1, None, 0.5),
                Decision::Stop,
                "{s}"
            );
        }
    }

    #[test]
    fn auth_403_stops_but_throttled_403_retries() {
        assert_eq!(policy().decide(status(403), 1, None, 0.0), Decision::Stop);
        let throttled = Attempt::Status {
            status: 403,
            throttled: true,
        };
        assert_eq!(
            policy().decide(throttled, 1, None, 0.0),
            Decision::RetryAfter(MS(100))
        );
    }

    #[test]
    fn transient_failures_back_off_exponentially_with_a_cap() {
        for what in [
            status(500),
            status(503),
            status(429),
            Attempt::Connection,
            Attempt::Timeout,
            Attempt::Truncated,
        ] {
            // jitter 0 → half the backoff (but never under the base delay); jitter → 1 → the full backoff.
            assert_eq!(
                policy().decide(what, 1, None, 0.0),
                Decision::RetryAfter(MS(100))
            );
            assert_eq!(
                policy().decide(what, 2, None, 0.0),
                Decision::RetryAfter(MS(100))
            );
            assert_eq!(
                policy().decide(what, 3, None, 0.0),
                Decision::RetryAfter(MS(200))
            );
            let Decision::RetryAfter(d) = policy().decide(what, 3, None, 0.999) else {
                panic!()
            };
            assert!(d > MS(399) && d < MS(400), "{d:?}");
            assert_eq!(
                policy().decide(what, 4, None, 1.0),
                Decision::RetryAfter(MS(800))
            );
        }
        let capped = RetryPolicy {
            max_attempts: 50,
            ..policy()
        };
        assert_eq!(
            capped.decide(status(500), 30, None, 1.0),
            Decision::RetryAfter(MS(1000))
        );
    }

    #[test]
    fn a_write_is_repeated_only_when_it_never_left() {
        assert_eq!(
            policy().decide_write(Attempt::NotSent, 1, 0.0),
            Decision::RetryAfter(MS(100))
        );
        assert_eq!(
            policy().decide_write(Attempt::NotSent, 5, 0.0),
            Decision::Stop
        );
        for what in [
            Attempt::Connection,
            Attempt::Timeout,
            Attempt::Truncated,
            status(500),
            status(503),
            status(429),
            Attempt::Status {
                status: 403,
                throttled: true,
            },
            status(201),
        ] {
            assert_eq!(
                policy().decide_write(what, 1, 0.0),
                Decision::Stop,
                "{what:?}"
            );
        }
    }

    #[test]
    fn gives_up_after_max_attempts() {
        assert_eq!(policy().decide(status(500), 5, None, 0.5), Decision::Stop);
        assert!(matches!(
            policy().decide(status(500), 4, None, 0.5),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn retry_after_is_honoured_but_zero_is_not_a_hot_loop() {
        let throttled = Attempt::Status {
            status: 403,
            throttled: true,
        };
        assert_eq!(
            policy().decide(throttled, 1, Some(MS(700)), 0.0),
            Decision::RetryAfter(MS(700))
        );
        assert_eq!(
            policy().decide(throttled, 1, Some(Duration::ZERO), 0.0),
            Decision::RetryAfter(MS(100))
        );
        assert_eq!(
            policy().decide(throttled, 1, Some(Duration::from_secs(3600)), 0.0),
            Decision::RetryAfter(MS(1000))
        );
        // Retry-After on a non-retryable status changes nothing.
        assert_eq!(
            policy().decide(status(404), 1, Some(MS(10)), 0.0),
            Decision::Stop
        );
    }
}
