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
}
