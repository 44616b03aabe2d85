//! Cron expressions: the classic 5 fields (`minute hour day-of-month month day-of-week`) with `*`, ranges (`1-5`),
//! lists (`1,15`), steps (`*/10`, `8-18/2`) and names (`jan`..`dec`, `sun`..`sat`; `7` is Sunday too), and the next
//! times they match in a [`Zone`] (the host's local time zone in the product).
//!
//! As in Vixie cron, when both day-of-month and day-of-week are restricted (neither is `*`), a day matches when
//! EITHER does. A 6-field form with a leading seconds field exists for tests only (see [`Cron::parse_with_seconds`]).
//!
//! Daylight-saving time, decided once here: the expression names wall-clock times.
//! - A time that does not exist that day (the hour skipped when clocks go forward) fires once, at the end of the
//!   gap (the first instant after it: 03:00 when 02:00-02:59 is skipped). Several skipped times fire once together.
//! - A time that happens twice (the hour repeated when clocks go back) fires once, at its first occurrence.

use super::zone::{civil_from_days, days_from_civil, Civil, Zone};

/// How far ahead a next time is looked for: past this, an expression (like `0 0 30 2 *`) never fires.
const HORIZON_DAYS: i64 = 366 * 8 + 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// Bit n set: second n (only `0` unless the seconds form was parsed).
    seconds: u64,
    minutes: u64,
    hours: u32,
    /// Bits 1..=31.
    days: u32,
    /// Bits 1..=12.
    months: u16,
    /// Bits 0..=6, Sunday = 0.
    weekdays: u8,
    days_restricted: bool,
    weekdays_restricted: bool,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError(pub String);

impl std::fmt::Display for CronError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The first name's value (`jan` = 1, `sun` = 0).
    names_from: u32,
}

impl Field {
    fn value(&self, s: &str) -> Result<u32, CronError> {
        if let Some(i) = self.names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(i as u32 + self.names_from);
        }
        let v: u32 = s.parse().map_err(|_| CronError(format!("{}: `{s}` is not a number{}", self.name, if self.names.is_empty() { "" } else { " or a name" })))?;
        // Day-of-week 7 is Sunday, as in every cron.
        let top = if self.name == "day-of-week" { 7 } else { self.max };
        if v < self.min || v > top {
            return Err(CronError(format!("{}: {v} is outside {}-{top}", self.name, self.min)));
        }
        Ok(v)
    }

    /// The field's bits and whether it was `*` (unrestricted).
    fn parse(&self, text: &str) -> Result<(u64, bool), CronError> {
        let mut bits = 0u64;
        let mut star = false;
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => {
                    let step: u32 = s.parse().map_err(|_| CronError(format!("{}: step `{s}` is not a number", self.name)))?;
                    if step == 0 {
                        return Err(CronError(format!("{}: a step must be at least 1", self.name)));
                    }
                    (r, step)
                }
                None => (part, 1),
            };
            let (lo, hi) = if range == "*" {
                star = step == 1 && text == "*";
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a)?, self.value(b)?);
                if a > b {
                    return Err(CronError(format!("{}: range {a}-{b} runs backwards", self.name)));
                }
                (a, b)
            } else if range.is_empty() {
                return Err(CronError(format!("{}: empty list item", self.name)));
            } else {
                let v = self.value(range)?;
                // `5/15` means from 5 to the end, by 15.
                (v, if part.contains('/') { self.max } else { v })
            };
            let mut v = lo;
            while v <= hi {
                bits |= 1 << (if self.name == "day-of-week" && v == 7 { 0 } else { v });
                v += step;
            }
        }
        Ok((bits, star))
    }
}

const SECOND: Field = Field { name: "second", min: 0, max: 59, names: &[], names_from: 0 };
const MINUTE: Field = Field { name: "minute", min: 0, max: 59, names: &[], names_from: 0 };
const HOUR: Field = Field { name: "hour", min: 0, max: 23, names: &[], names_from: 0 };
const DAY: Field = Field { name: "day-of-month", min: 1, max: 31, names: &[], names_from: 1 };
const MONTH: Field = Field { name: "month", min: 1, max: 12, names: &MONTHS, names_from: 1 };
const WEEKDAY: Field = Field { name: "day-of-week", min: 0, max: 6, names: &WEEKDAYS, names_from: 0 };

impl Cron {
    /// The 5-field form.
    pub fn parse(text: &str) -> Result<Self, CronError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(CronError(format!("a schedule has 5 fields (minute hour day-of-month month day-of-week), not {}", fields.len())));
        }
        Self::build("0", &fields)
    }

    /// The 5-field form, or a 6-field form whose first field is seconds. Only for tests (a routine every minute
    /// makes a slow test); the host accepts it only when started with `CODEX_MANAGER_CRON_SECONDS=1`.
    pub fn parse_with_seconds(text: &str) -> Result<Self, CronError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        match fields.len() {
            5 => Self::build("0", &fields),
            6 => Self::build(fields[0], &fields[1..]),
            n => Err(CronError(format!("a schedule has 5 fields (or 6 with seconds), not {n}"))),
        }
    }

    fn build(seconds: &str, f: &[&str]) -> Result<Self, CronError> {
        let (seconds, _) = SECOND.parse(seconds)?;
        let (minutes, _) = MINUTE.parse(f[0])?;
        let (hours, _) = HOUR.parse(f[1])?;
        let (days, days_star) = DAY.parse(f[2])?;
        let (months, _) = MONTH.parse(f[3])?;
        let (weekdays, weekdays_star) = WEEKDAY.parse(f[4])?;
        Ok(Self {
            seconds,
            minutes,
            hours: hours as u32,
            days: days as u32,
            months: months as u16,
            weekdays: weekdays as u8,
            days_restricted: !days_star,
            weekdays_restricted: !weekdays_star,
        })
    }

    fn day_matches(&self, year: i64, month: u32, day: u32) -> bool {
        if self.months & (1 << month) == 0 {
            return false;
        }
        let dom = self.days & (1 << day) != 0;
        let weekday = (days_from_civil(year, month, day) + 4).rem_euclid(7) as u32;
        let dow = self.weekdays & (1 << weekday) != 0;
        match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => dom || dow,
            (true, false) => dom,
            (false, true) => dow,
            (false, false) => true,
        }
    }

    /// The first instant (unix seconds) strictly after `after` that the expression names in `zone`, or None
    /// within eight years.
    pub fn next_after(&self, after: i64, zone: &dyn Zone) -> Option<i64> {
        let start = zone.to_civil(after);
        let first_day = days_from_civil(start.year, start.month, start.day);
        let floor = (start.hour, start.minute, start.second);
        for day_number in first_day..first_day + HORIZON_DAYS {
            let (year, month, day) = civil_from_days(day_number);
            let first = day_number == first_day;
            if !self.day_matches(year, month, day) {
                continue;
            }
            for hour in 0..24u32 {
                if self.hours & (1 << hour) == 0 {
                    continue;
                }
                for minute in 0..60u32 {
                    if self.minutes & (1 << minute) == 0 {
                        continue;
                    }
                    for second in 0..60u32 {
                        if self.seconds & (1 << second) == 0 {
                            continue;
                        }
                        // Wall-clock times before `after`'s own map to instants before it (see `resolve`).
                        if first && (hour, minute, second) < floor {
                            continue;
                        }
                        let civil = Civil { year, month, day, hour, minute, second };
                        // Instants grow with wall-clock times (gaps and folds map as the module says), so the first
                        // one past `after` is the answer.
                        let at = zone.resolve(&civil);
                        if at > after {
                            return Some(at);
                        }
                    }
                }
            }
        }
        None
    }

    /// The next `n` instants after `after`.
    pub fn next_n(&self, after: i64, zone: &dyn Zone, n: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        while out.len() < n {
            match self.next_after(t, zone) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::zone::{tests::EuropeLike, FixedZone};
    use super::*;

    fn utc(y: i64, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        days_from_civil(y, mo, d) * 86400 + i64::from(h * 3600 + mi * 60)
    }

    #[test]
    fn fields_ranges_lists_steps_names() {
        let c = Cron::parse("*/15 8-18/2 * jan,Mar-may mon-fri").unwrap();
        assert_eq!(c.minutes, 1 | 1 << 15 | 1 << 30 | 1 << 45);
        assert_eq!(c.hours, (8..=18).step_by(2).map(|h| 1u32 << h).sum::<u32>());
        assert_eq!(c.months, 1 << 1 | 1 << 3 | 1 << 4 | 1 << 5);
        assert_eq!(c.weekdays, 0b0111110);
        assert!(!c.days_restricted && c.weekdays_restricted);
        assert_eq!(Cron::parse("0 0 * * 7").unwrap().weekdays, 1, "7 is Sunday");
        assert_eq!(Cron::parse("5/20 * * * *").unwrap().minutes, 1 << 5 | 1 << 25 | 1 << 45);
    }

    #[test]
    fn bad_expressions_say_why() {
        for (text, says) in [
            ("* * * *", "5 fields"),
            ("60 * * * *", "outside 0-59"),
            ("* 24 * * *", "outside 0-23"),
            ("* * 0 * *", "outside 1-31"),
            ("* * * 13 *", "outside 1-12"),
            ("* * * * 8", "outside 0-7"),
            ("*/0 * * * *", "at least 1"),
            ("5-1 * * * *", "backwards"),
            ("1,,2 * * * *", "empty"),
            ("* * * foo *", "not a number or a name"),
            ("0 0 0 * * * *", "5 fields"),
        ] {
            let err = Cron::parse(text).unwrap_err().0;
            assert!(err.contains(says), "`{text}`: {err}");
        }
        assert!(Cron::parse("*/5 * * * * *").is_err(), "seconds only in the test form");
        assert!(Cron::parse_with_seconds("*/5 * * * * *").is_ok());
    }

    #[test]
    fn next_times_in_utc() {
        let z = FixedZone(0);
        let c = Cron::parse("30 9 * * *").unwrap();
        let t = utc(2026, 3, 10, 9, 30);
        assert_eq!(c.next_after(t - 1, &z), Some(t));
        assert_eq!(c.next_after(t, &z), Some(t + 86400), "strictly after");
        let every = Cron::parse("* * * * *").unwrap();
        assert_eq!(every.next_n(utc(2026, 12, 31, 23, 58), &z, 3), vec![utc(2026, 12, 31, 23, 59), utc(2027, 1, 1, 0, 0), utc(2027, 1, 1, 0, 1)]);
    }

    #[test]
    fn month_ends_and_leap_days() {
        let z = FixedZone(0);
        let c = Cron::parse("0 12 31 * *").unwrap();
        // From the end of January, the next 31st is in March.
        assert_eq!(c.next_n(utc(2027, 1, 31, 12, 0), &z, 2), vec![utc(2027, 3, 31, 12, 0), utc(2027, 5, 31, 12, 0)]);
        let leap = Cron::parse("0 0 29 feb *").unwrap();
        assert_eq!(leap.next_after(utc(2026, 3, 1, 0, 0), &z), Some(utc(2028, 2, 29, 0, 0)));
        assert_eq!(Cron::parse("0 0 30 2 *").unwrap().next_after(0, &z), None, "never");
        // Day-of-month OR day-of-week when both are restricted: the 1st, and every Monday.
        let either = Cron::parse("0 0 1 * mon").unwrap();
        // 2026-06-01 is a Monday; then Mondays 8, 15, ... and July 1st (a Wednesday).
        let got = either.next_n(utc(2026, 5, 31, 0, 0), &z, 6);
        assert_eq!(got, vec![utc(2026, 6, 1, 0, 0), utc(2026, 6, 8, 0, 0), utc(2026, 6, 15, 0, 0), utc(2026, 6, 22, 0, 0), utc(2026, 6, 29, 0, 0), utc(2026, 7, 1, 0, 0)]);
    }

    #[test]
    fn a_fixed_offset_shifts_wall_clock_times() {
        let z = FixedZone(5 * 3600 + 1800);
        let c = Cron::parse("0 9 * * *").unwrap();
        assert_eq!(c.next_after(utc(2026, 1, 1, 0, 0), &z), Some(utc(2026, 1, 1, 3, 30)));
    }

    #[test]
    fn dst_gap_fires_once_at_its_end() {
        // 2026-03-29: clocks go from 02:00 (+1) to 03:00 (+2), at 01:00 UTC.
        let z = EuropeLike;
        let transition = utc(2026, 3, 29, 1, 0);
        let c = Cron::parse("30 2 * * *").unwrap();
        assert_eq!(c.next_after(utc(2026, 3, 28, 12, 0), &z), Some(transition), "02:30 does not exist: it fires at 03:00 (+2)");
        assert_eq!(c.next_after(transition, &z), Some(utc(2026, 3, 30, 0, 30)), "then 02:30 (+2) the next day");
        // Every 15 minutes across the gap: 01:45 (+1), then 03:00 (+2) once for all the skipped times, then 03:15.
        let q = Cron::parse("*/15 * * * *").unwrap();
        assert_eq!(q.next_n(utc(2026, 3, 29, 0, 30), &z, 3), vec![utc(2026, 3, 29, 0, 45), transition, utc(2026, 3, 29, 1, 15)]);
    }

    #[test]
    fn dst_fold_fires_once_at_the_first_occurrence() {
        // 2026-10-25: clocks go from 03:00 (+2) back to 02:00 (+1), at 01:00 UTC; 02:xx happens twice.
        let z = EuropeLike;
        let c = Cron::parse("30 2 * * *").unwrap();
        let first = utc(2026, 10, 25, 0, 30);
        assert_eq!(c.next_after(utc(2026, 10, 24, 12, 0), &z), Some(first));
        assert_eq!(c.next_after(first, &z), Some(utc(2026, 10, 26, 1, 30)), "not again an hour later");
        let hourly = Cron::parse("0 * * * *").unwrap();
        // 01:00 (+2) = 23:00Z, 02:00 (+2) = 00:00Z, then the repeated 02:00 (+1) is skipped: 03:00 (+1) = 02:00Z.
        assert_eq!(hourly.next_n(utc(2026, 10, 24, 22, 30), &z, 3), vec![utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 2, 0)]);
    }

    #[test]
    fn seconds_in_the_test_form() {
        let c = Cron::parse_with_seconds("*/20 * * * * *").unwrap();
        assert_eq!(c.next_n(utc(2026, 1, 1, 0, 0), &FixedZone(0), 3), vec![utc(2026, 1, 1, 0, 0) + 20, utc(2026, 1, 1, 0, 0) + 40, utc(2026, 1, 1, 0, 1)]);
    }
}
