//! Time zones for schedules: wall-clock (civil) times and the instants they name. The product uses the host's local
//! zone as the C library knows it (`TZ`, else `/etc/localtime`), read through `localtime_r`; tests use fixed rules.

/// A wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Civil {
    fn as_if_utc(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86400 + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
    }

    fn from_secs(s: i64) -> Self {
        let (year, month, day) = civil_from_days(s.div_euclid(86400));
        let rem = s.rem_euclid(86400) as u32;
        Self { year, month, day, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60 }
    }
}

pub trait Zone: Send + Sync {
    /// Seconds east of UTC in force at the instant `utc` (unix seconds).
    fn offset_at(&self, utc: i64) -> i64;

    /// A name to show (`Europe/Paris`, `UTC+05:30`).
    fn name(&self) -> String;

    fn to_civil(&self, utc: i64) -> Civil {
        Civil::from_secs(utc + self.offset_at(utc))
    }

    /// The instant a wall-clock time names. A time that happens twice (clocks went back) is its first occurrence;
    /// one that does not exist (clocks went forward) is the end of the gap, the first instant after it.
    fn resolve(&self, civil: &Civil) -> i64 {
        let local = civil.as_if_utc();
        // Offsets a day either side: a zone changes its offset at most once in between.
        let (before, after) = (self.offset_at(local - 86400), self.offset_at(local + 86400));
        let candidates = [local - before, local - after];
        let valid: Vec<i64> = candidates.iter().copied().filter(|t| self.to_civil(*t) == *civil).collect();
        if let Some(first) = valid.iter().min() {
            return *first;
        }
        // A gap: the transition lies between the two candidates; find its first second.
        let (mut lo, mut hi) = (candidates[0].min(candidates[1]), candidates[0].max(candidates[1]));
        let old = self.offset_at(lo);
        if self.offset_at(hi) == old {
            return local - before;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.offset_at(mid) == old {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }
}

/// A zone that never changes its offset (UTC is `FixedZone(0)`).
#[cfg_attr(not(test), allow(dead_code))]
pub struct FixedZone(pub i64);

impl Zone for FixedZone {
    fn offset_at(&self, _utc: i64) -> i64 {
        self.0
    }

    fn name(&self) -> String {
        offset_name(self.0)
    }
}

fn offset_name(offset: i64) -> String {
    if offset == 0 {
        return "UTC".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// The host's local time zone, as the C library resolves it.
pub struct LocalZone;

impl Zone for LocalZone {
    fn offset_at(&self, utc: i64) -> i64 {
        let t: libc::time_t = utc as libc::time_t;
        // SAFETY: localtime_r writes only into `tm`, which lives for the call; a null answer is handled.
        unsafe {
            let mut tm: libc::tm = std::mem::zeroed();
            if libc::localtime_r(&t, &mut tm).is_null() {
                return 0;
            }
            tm.tm_gmtoff as i64
        }
    }

    fn name(&self) -> String {
        if let Ok(tz) = std::env::var("TZ") {
            let tz = tz.trim_start_matches(':');
            if !tz.is_empty() {
                return tz.to_string();
            }
        }
        if let Ok(target) = std::fs::read_link("/etc/localtime") {
            let target = target.to_string_lossy();
            if let Some((_, name)) = target.split_once("zoneinfo/") {
                return name.to_string();
            }
        }
        if let Ok(name) = std::fs::read_to_string("/etc/timezone") {
            let name = name.trim();
            if !name.is_empty() {
                return name.to_string();
            }
        }
        offset_name(self.offset_at(crate::store::now_ms() / 1000))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day number (days since 1970-01-01); a day number past a month's end never comes out.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// +01:00 in winter, +02:00 from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC
    /// (the EU rule), so DST edges are tested without depending on the machine's zone database.
    pub struct EuropeLike;

    fn last_sunday(year: i64, month: u32) -> i64 {
        let last = days_from_civil(year, month, 31);
        let weekday = (last + 4).rem_euclid(7);
        last - weekday
    }

    impl Zone for EuropeLike {
        fn offset_at(&self, utc: i64) -> i64 {
            let (year, _, _) = civil_from_days(utc.div_euclid(86400));
            let start = last_sunday(year, 3) * 86400 + 3600;
            let end = last_sunday(year, 10) * 86400 + 3600;
            if (start..end).contains(&utc) { 7200 } else { 3600 }
        }

        fn name(&self) -> String {
            "Europe/Test".into()
        }
    }

    #[test]
    fn dates_round_trip() {
        for d in [-800_000, -1, 0, 1, 59, 60, 10_956, 20_000, 2_000_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2, "2000 is a leap year");
        assert_eq!(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1, "2100 is not");
    }

    #[test]
    fn gaps_and_folds_resolve_as_documented() {
        let z = EuropeLike;
        let at = |h, mi| Civil { year: 2026, month: 3, day: 29, hour: h, minute: mi, second: 0 };
        let t = days_from_civil(2026, 3, 29) * 86400;
        assert_eq!(z.resolve(&at(1, 59)), t + 59 * 60, "01:59 (+1)");
        assert_eq!(z.resolve(&at(2, 30)), t + 3600, "in the gap: its end, 03:00 (+2)");
        assert_eq!(z.resolve(&at(3, 0)), t + 3600);
        let back = |h, mi| Civil { year: 2026, month: 10, day: 25, hour: h, minute: mi, second: 0 };
        let u = days_from_civil(2026, 10, 25) * 86400;
        assert_eq!(z.resolve(&back(2, 30)), u + 30 * 60, "twice: the first, 02:30 (+2)");
        assert_eq!(z.to_civil(u + 90 * 60), back(2, 30), "the second occurrence exists too");
    }

    #[test]
    fn the_local_zone_answers() {
        let z = LocalZone;
        let now = crate::store::now_ms() / 1000;
        assert!(z.offset_at(now).abs() <= 14 * 3600);
        assert!(!z.name().is_empty());
        assert_eq!(z.resolve(&z.to_civil(now - now % 60)) % 60, 0);
    }
}
