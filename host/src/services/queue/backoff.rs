//! When a failed attempt runs again: exponential backoff with full jitter, so jobs that failed together do not
//! retry together.

use std::time::Duration;

const BASE: Duration = Duration::from_millis(500);
const CAP: Duration = Duration::from_secs(300);
/// A plugin's own `retry-later` delay is kept within these bounds.
const MIN_ASKED: Duration = Duration::from_millis(10);
const MAX_ASKED: Duration = Duration::from_secs(24 * 3600);

/// The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: a random point in
/// [d/2, d] where d = BASE · 2^(attempt-1), capped.
pub fn after_failure(attempt: i64) -> Duration {
    let exp = attempt.clamp(1, 20) as u32 - 1;
    let full = BASE.saturating_mul(1u32 << exp.min(16)).min(CAP);
    let half = full / 2;
    half + Duration::from_millis(fastrand::u64(0..=half.as_millis() as u64))
}

/// The delay a plugin asked for with `retry-later`, within bounds.
pub fn asked(after_ms: u64) -> Duration {
    Duration::from_millis(after_ms).clamp(MIN_ASKED, MAX_ASKED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_attempts_within_jitter_and_cap() {
        for _ in 0..100 {
            let first = after_failure(1);
            assert!(first >= BASE / 2 && first <= BASE, "{first:?}");
            let third = after_failure(3);
            assert!(third >= BASE * 2 && third <= BASE * 4, "{third:?}");
            assert!(after_failure(50) <= CAP);
        }
        assert_eq!(asked(0), MIN_ASKED);
        assert_eq!(asked(u64::MAX), MAX_ASKED);
    }
}
