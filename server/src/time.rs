//! Wall-clock times as the server records them: UTC, RFC 3339, milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

use tianye_core::expr::DateTime;

fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Now, as `2026-07-01T01:30:00.123Z`.
pub fn now_utc() -> String {
    format_utc_millis(unix_millis())
}

/// Now in China Standard Time (UTC+8), for judging `today()` in responses that record
/// no time of their own.
pub fn now_utc8() -> DateTime {
    DateTime::from_utc_millis(unix_millis(), 8 * 60)
}

/// `millis` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_utc_millis(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let ms = millis.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// The last `n` days in China Standard Time (UTC+8) as `YYYY-MM-DD`, oldest first and
/// today last, and the moment the oldest began as the server records times (UTC,
/// RFC 3339): received times at or after it fall on one of the days.
pub fn last_days_utc8(n: usize) -> (Vec<String>, String) {
    last_days_utc8_at(unix_millis(), n)
}

/// [`last_days_utc8`] as of `now_millis` since the Unix epoch.
pub fn last_days_utc8_at(now_millis: i64, n: usize) -> (Vec<String>, String) {
    const DAY: i64 = 86_400_000;
    const EIGHT_HOURS: i64 = 8 * 3_600_000;
    let today = (now_millis + EIGHT_HOURS).div_euclid(DAY);
    let first = today - (n.max(1) as i64 - 1);
    let days = (first..=today)
        .map(|d| {
            let (y, m, d) = civil_from_days(d);
            format!("{y:04}-{m:02}-{d:02}")
        })
        .collect();
    (days, format_utc_millis(first * DAY - EIGHT_HOURS))
}

/// Year, month, day of the day `days` after 1970-01-01 (proleptic Gregorian; Howard
/// Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        assert_eq!(format_utc_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc_millis(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(format_utc_millis(1_782_869_400_000), "2026-07-01T01:30:00.000Z");
        assert_eq!(format_utc_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn the_last_days_are_beijing_days() {
        // 2026-07-01T01:30Z is 09:30 on 1 July in Beijing; 2026-06-30T16:00Z is 00:00 on
        // 1 July there, and a millisecond before it still 30 June.
        for (now, today) in [
            (1_782_869_400_000, "2026-07-01"),
            (1_782_835_200_000, "2026-07-01"),
            (1_782_835_199_999, "2026-06-30"),
        ] {
            let (days, _) = last_days_utc8_at(now, 3);
            assert_eq!(days.len(), 3);
            assert_eq!(days[2], today, "{now}");
        }
        let (days, since) = last_days_utc8_at(1_782_869_400_000, 30);
        assert_eq!(days.first().map(String::as_str), Some("2026-06-02"));
        assert_eq!(days.last().map(String::as_str), Some("2026-07-01"));
        assert_eq!(since, "2026-06-01T16:00:00.000Z");
        // 29 February: 2000-02-29T00:00Z is 08:00 that day in Beijing.
        let (days, _) = last_days_utc8_at(951_782_400_000, 2);
        assert_eq!(days, ["2000-02-28", "2000-02-29"]);
    }
}
