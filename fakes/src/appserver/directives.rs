//! What a turn does, read from directives in the user's text.
//!
//! Words of the message that start with `bench:` or `fault:` are directives; every other word is ignored.
//! Each directive word holds comma-separated settings:
//!
//! | setting | meaning |
//! |---|---|
//! | `bench:deltas=N` | stream N `item/agentMessage/delta` notifications (default [`DEFAULT_DELTAS`]) |
//! | `bench:rate=R` | R deltas per second, paced from the turn's start; `0` (the default) is flat out |
//! | `bench:items=N` | N `reasoning` items (each `item/started` + `item/completed`) before the reply's `agentMessage`, so the turn's history holds N + 2 items (with the user's message) |
//! | `fault:crash_after=K` | exit(1) abruptly right after the K-th delta (K=0: before the first one) |
//! | `fault:malformed` | write one line that is not JSON halfway through the deltas, then go on normally |
//! | `fault:hang` | stream the deltas, then never complete the turn (until `turn/interrupt`) |
//!
//! Settings combine: `bench:deltas=100,rate=50 fault:malformed,crash_after=80`. An unknown or malformed
//! directive is refused (the `turn/start` request fails), so a typo in a test never passes silently.

/// Deltas of a turn whose text has no `bench:deltas=`.
pub const DEFAULT_DELTAS: u64 = 3;
/// Most deltas one turn may ask for.
pub const MAX_DELTAS: u64 = 100_000_000;
/// Most extra items one turn may ask for.
pub const MAX_ITEMS: u64 = 1_000_000;
/// Highest paced rate; anything faster is the same as flat out.
pub const MAX_RATE: f64 = 10_000_000.0;

/// The behaviour of one turn.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnPlan {
    /// How many deltas to stream.
    pub deltas: u64,
    /// Deltas per second; `0.0` is flat out.
    pub rate: f64,
    /// Exit(1) right after this many deltas.
    pub crash_after: Option<u64>,
    /// Write one non-JSON line halfway through the deltas.
    pub malformed: bool,
    /// Never complete the turn (until interrupted).
    pub hang: bool,
    /// Extra completed items streamed before the reply.
    pub items: u64,
}

impl Default for TurnPlan {
    fn default() -> Self {
        Self { deltas: DEFAULT_DELTAS, rate: 0.0, crash_after: None, malformed: false, hang: false, items: 0 }
    }
}

impl TurnPlan {
    /// Read the directives in `text`. Errors name the offending directive.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut plan = TurnPlan::default();
        for word in text.split_whitespace() {
            if let Some(settings) = word.strip_prefix("bench:") {
                for setting in settings.split(',').filter(|s| !s.is_empty()) {
                    plan.apply_bench(setting).map_err(|e| format!("directive `{word}`: {e}"))?;
                }
            } else if let Some(settings) = word.strip_prefix("fault:") {
                for setting in settings.split(',').filter(|s| !s.is_empty()) {
                    plan.apply_fault(setting).map_err(|e| format!("directive `{word}`: {e}"))?;
                }
            }
        }
        Ok(plan)
    }

    /// The index (0-based, counted in deltas already written) at which the malformed line goes.
    pub fn malformed_at(&self) -> Option<u64> {
        self.malformed.then_some(self.deltas / 2)
    }

    fn apply_bench(&mut self, setting: &str) -> Result<(), String> {
        match setting.split_once('=') {
            Some(("deltas", v)) => {
                let n: u64 = v.parse().map_err(|_| format!("`deltas` wants a whole number, got `{v}`"))?;
                if n > MAX_DELTAS {
                    return Err(format!("`deltas` is at most {MAX_DELTAS}"));
                }
                self.deltas = n;
            }
            Some(("rate", v)) => {
                let r: f64 = v.parse().map_err(|_| format!("`rate` wants a number, got `{v}`"))?;
                if !r.is_finite() || r < 0.0 {
                    return Err(format!("`rate` must be 0 (flat out) or positive, got `{v}`"));
                }
                self.rate = if r > MAX_RATE { 0.0 } else { r };
            }
            Some(("items", v)) => {
                let n: u64 = v.parse().map_err(|_| format!("`items` wants a whole number, got `{v}`"))?;
                if n > MAX_ITEMS {
                    return Err(format!("`items` is at most {MAX_ITEMS}"));
                }
                self.items = n;
            }
            _ => return Err(format!("unknown setting `{setting}` (known: deltas=N, rate=R, items=N)")),
        }
        Ok(())
    }

    fn apply_fault(&mut self, setting: &str) -> Result<(), String> {
        match setting.split_once('=') {
            Some(("crash_after", v)) => {
                self.crash_after =
                    Some(v.parse().map_err(|_| format!("`crash_after` wants a whole number, got `{v}`"))?);
            }
            None if setting == "malformed" => self.malformed = true,
            None if setting == "hang" => self.hang = true,
            _ => return Err(format!("unknown fault `{setting}` (known: crash_after=K, malformed, hang)")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_gets_the_default_turn() {
        assert_eq!(TurnPlan::parse("hello there").unwrap(), TurnPlan::default());
        assert_eq!(TurnPlan::parse("").unwrap(), TurnPlan::default());
    }

    #[test]
    fn bench_directive_sets_count_and_rate() {
        let plan = TurnPlan::parse("please bench:deltas=20000,rate=2000 thanks").unwrap();
        assert_eq!(plan.deltas, 20_000);
        assert_eq!(plan.rate, 2000.0);
        assert_eq!(plan.crash_after, None);
        assert!(!plan.malformed && !plan.hang);
    }

    #[test]
    fn rate_zero_is_flat_out_and_fractions_are_allowed() {
        assert_eq!(TurnPlan::parse("bench:deltas=5,rate=0").unwrap().rate, 0.0);
        assert_eq!(TurnPlan::parse("bench:rate=0.5").unwrap().rate, 0.5);
        assert_eq!(TurnPlan::parse("bench:rate=1e12").unwrap().rate, 0.0);
    }

    #[test]
    fn settings_may_be_split_over_words() {
        let plan = TurnPlan::parse("bench:deltas=7 bench:rate=3").unwrap();
        assert_eq!((plan.deltas, plan.rate), (7, 3.0));
    }

    #[test]
    fn faults_combine() {
        let plan = TurnPlan::parse("bench:deltas=10 fault:malformed,crash_after=4 fault:hang").unwrap();
        assert_eq!(plan.crash_after, Some(4));
        assert!(plan.malformed);
        assert!(plan.hang);
        assert_eq!(plan.malformed_at(), Some(5));
        assert_eq!(TurnPlan::parse("fault:crash_after=0").unwrap().crash_after, Some(0));
    }

    #[test]
    fn malformed_line_position_is_halfway() {
        assert_eq!(TurnPlan::parse("fault:malformed bench:deltas=0").unwrap().malformed_at(), Some(0));
        assert_eq!(TurnPlan::parse("fault:malformed bench:deltas=3").unwrap().malformed_at(), Some(1));
        assert_eq!(TurnPlan::parse("bench:deltas=3").unwrap().malformed_at(), None);
    }

    #[test]
    fn bad_directives_are_refused_with_the_word() {
        for bad in [
            "bench:deltas=lots",
            "bench:deltas=-1",
            "bench:rate=-3",
            "bench:rate=NaN",
            "bench:speed=3",
            "bench:deltas",
            "fault:explode",
            "fault:crash_after=x",
            "fault:hang=1",
            "bench:deltas=100000001",
        ] {
            let err = TurnPlan::parse(&format!("hi {bad}")).unwrap_err();
            assert!(err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn directive_prefixes_must_start_the_word() {
        assert_eq!(TurnPlan::parse("xbench:deltas=9 nofault:hang").unwrap(), TurnPlan::default());
    }
}
