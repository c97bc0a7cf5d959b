//! Dates, times and date-times as the logic language sees them, with the civil
//! calendar arithmetic and ODK's `format-date` directives.
//!
//! Hand-written rather than a date crate: ODK needs only proleptic Gregorian days,
//! fixed UTC offsets and its own format directives (`%n`, `%e`, `%h`, `%3` differ from
//! strftime), and this keeps the WebAssembly build small.

use std::fmt::Write;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// A calendar date, as days since 1970-01-01 (negative before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

/// A time of day: milliseconds since midnight, with the UTC offset if one was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    /// Milliseconds since local midnight, `0..86_400_000`.
    pub millis: u32,
    /// Offset from UTC in minutes, when the text gave one.
    pub offset: Option<i16>,
}

/// A date and time: the local wall-clock time (as milliseconds since 1970-01-01T00:00
/// local), and the UTC offset if one was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Local wall-clock milliseconds since 1970-01-01T00:00.
    pub local_millis: i64,
    /// Offset from UTC in minutes, when the text gave one.
    pub offset: Option<i16>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days in `month` of `year`.
pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &b| acc.checked_mul(10)?.checked_add(u32::from(b - b'0')))
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real calendar date, years 1000–9999).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, m, d) = (digits(&b[..4])?, digits(&b[5..7])?, digits(&b[8..])?);
        Date::from_ymd(i64::from(y), m, d).filter(|_| y >= 1000)
    }

    /// The date `year-month-day`, if it exists.
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        i32::try_from(days_from_civil(year, month, day)).ok().map(Date)
    }

    /// (year, month, day).
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(i64::from(self.0))
    }

    /// The same day `months` months later (earlier if negative), clamped to the month's
    /// last day (2024-01-31 + 1 month = 2024-02-29).
    pub fn add_months(self, months: i64) -> Option<Date> {
        let (y, m, d) = self.ymd();
        let total = y * 12 + i64::from(m) - 1 + months;
        let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
        Date::from_ymd(ny, nm, d.min(days_in_month(ny, nm)))
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Parses `HH:MM[:SS[.fff]]`, returning milliseconds since midnight and the rest.
fn parse_clock(text: &str) -> Option<(u32, &str)> {
    let b = text.as_bytes();
    if b.len() < 5 || b[2] != b':' {
        return None;
    }
    let (h, m) = (digits(&b[..2])?, digits(&b[3..5])?);
    let mut rest = 5;
    let mut s = 0;
    let mut ms = 0;
    if b.len() >= 8 && b[5] == b':' {
        s = digits(&b[6..8])?;
        rest = 8;
        if b.len() > 8 && b[8] == b'.' {
            let frac_end =
                b[9..].iter().position(|c| !c.is_ascii_digit()).map_or(b.len(), |p| 9 + p);
            let frac = &b[9..frac_end];
            if frac.is_empty() {
                return None;
            }
            let first3: Vec<u8> =
                frac.iter().copied().chain(std::iter::repeat(b'0')).take(3).collect();
            ms = digits(&first3)?;
            rest = frac_end;
        }
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some((((h * 60 + m) * 60 + s) * 1000 + ms, &text[rest..]))
}

/// Parses a UTC offset: `Z`, `±HH:MM`, `±HHMM` or `±HH`. The outer `None` is malformed
/// text; the inner `None` is no offset at all (empty text).
#[allow(clippy::option_option)]
fn parse_offset(text: &str) -> Option<Option<i16>> {
    if text.is_empty() {
        return Some(None);
    }
    if text == "Z" || text == "z" {
        return Some(Some(0));
    }
    let b = text.as_bytes();
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &b[1..];
    let (h, m) = match body.len() {
        2 => (digits(body)?, 0),
        4 => (digits(&body[..2])?, digits(&body[2..])?),
        5 if body[2] == b':' => (digits(&body[..2])?, digits(&body[3..])?),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(Some(sign * (h * 60 + m) as i16))
}

impl Time {
    /// Parses `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`, each optionally followed by a UTC offset.
    pub fn parse(text: &str) -> Option<Time> {
        let (millis, rest) = parse_clock(text)?;
        Some(Time { millis, offset: parse_offset(rest)? })
    }

    /// The fraction of the day, `0.0..1.0`.
    pub fn fraction(self) -> f64 {
        f64::from(self.millis) / DAY_MS as f64
    }
}

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_clock(f, i64::from(self.millis))?;
        write_offset(f, self.offset)
    }
}

fn write_clock(f: &mut impl Write, millis: i64) -> std::fmt::Result {
    let (h, m, s, ms) =
        (millis / 3_600_000, millis / 60_000 % 60, millis / 1000 % 60, millis % 1000);
    write!(f, "{h:02}:{m:02}:{s:02}")?;
    if ms != 0 {
        write!(f, ".{ms:03}")?;
    }
    Ok(())
}

fn write_offset(f: &mut impl Write, offset: Option<i16>) -> std::fmt::Result {
    match offset {
        None => Ok(()),
        Some(0) => f.write_char('Z'),
        Some(o) => {
            let sign = if o < 0 { '-' } else { '+' };
            let o = o.unsigned_abs();
            write!(f, "{sign}{:02}:{:02}", o / 60, o % 60)
        }
    }
}

impl DateTime {
    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]][offset]` (a space may stand for `T`), or a
    /// bare date (midnight).
    pub fn parse(text: &str) -> Option<DateTime> {
        let date = Date::parse(text.get(..10)?)?;
        let rest = &text[10..];
        if rest.is_empty() {
            return Some(DateTime { local_millis: i64::from(date.0) * DAY_MS, offset: None });
        }
        let rest = rest.strip_prefix(['T', 't', ' '])?;
        let (millis, rest) = parse_clock(rest)?;
        Some(DateTime {
            local_millis: i64::from(date.0) * DAY_MS + i64::from(millis),
            offset: parse_offset(rest)?,
        })
    }

    /// The local calendar date.
    pub fn date(self) -> Date {
        Date(self.local_millis.div_euclid(DAY_MS) as i32)
    }

    /// Milliseconds since local midnight.
    pub fn millis_of_day(self) -> u32 {
        self.local_millis.rem_euclid(DAY_MS) as u32
    }

    /// Milliseconds since 1970-01-01T00:00Z (the local time if no offset is known).
    pub fn utc_millis(self) -> i64 {
        self.local_millis - i64::from(self.offset.unwrap_or(0)) * 60_000
    }

    /// A date-time from UTC milliseconds and the local offset in minutes.
    pub fn from_utc_millis(utc: i64, offset_minutes: i16) -> DateTime {
        DateTime {
            local_millis: utc + i64::from(offset_minutes) * 60_000,
            offset: Some(offset_minutes),
        }
    }
}

impl std::fmt::Display for DateTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}T", self.date())?;
        let millis = i64::from(self.millis_of_day());
        let (h, m, s, ms) =
            (millis / 3_600_000, millis / 60_000 % 60, millis / 1000 % 60, millis % 1000);
        write!(f, "{h:02}:{m:02}:{s:02}.{ms:03}")?;
        write_offset(f, self.offset)
    }
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Formats with ODK's `format-date` directives: `%Y` `%y` `%m` `%n` `%b` `%d` `%e`
/// `%H` `%h` `%M` `%S` `%3` `%a`; any other character is copied.
pub(crate) fn format(local_millis: i64, pattern: &str) -> String {
    let date = Date(local_millis.div_euclid(DAY_MS) as i32);
    let (y, mo, d) = date.ymd();
    let ms_of_day = local_millis.rem_euclid(DAY_MS);
    let (h, mi, s, ms) =
        (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let _ = match chars.next() {
            Some('Y') => write!(out, "{y:04}"),
            Some('y') => write!(out, "{:02}", y.rem_euclid(100)),
            Some('m') => write!(out, "{mo:02}"),
            Some('n') => write!(out, "{mo}"),
            Some('b') => write!(out, "{}", MONTHS[(mo - 1) as usize]),
            Some('d') => write!(out, "{d:02}"),
            Some('e') => write!(out, "{d}"),
            Some('H') => write!(out, "{h:02}"),
            Some('h') => write!(out, "{h}"),
            Some('M') => write!(out, "{mi:02}"),
            Some('S') => write!(out, "{s:02}"),
            Some('3') => write!(out, "{ms:03}"),
            Some('a') => {
                write!(out, "{}", WEEKDAYS[(i64::from(date.0) + 4).rem_euclid(7) as usize])
            }
            Some(other) => write!(out, "%{other}"),
            None => write!(out, "%"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(Date::parse("2000-03-01").unwrap().0, 11_017);
    }

    #[test]
    fn parses_strictly() {
        assert!(Date::parse("2024-02-29").is_some());
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024-01-01x",
            "",
            "２０２４-01-01",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Time::parse("08:30").unwrap().millis, 30_600_000);
        assert_eq!(Time::parse("23:59:59.5+08:00").unwrap().offset, Some(480));
        assert!(Time::parse("24:00").is_none());
        let dt = DateTime::parse("2026-07-01T09:30:00.000+08:00").unwrap();
        assert_eq!(dt.date().to_string(), "2026-07-01");
        assert_eq!(dt.to_string(), "2026-07-01T09:30:00.000+08:00");
        assert_eq!(dt.utc_millis(), DateTime::parse("2026-07-01T01:30Z").unwrap().utc_millis());
    }

    #[test]
    fn adds_months_clamping_to_month_end() {
        let d = Date::parse("2024-01-31").unwrap();
        assert_eq!(d.add_months(1).unwrap().to_string(), "2024-02-29");
        assert_eq!(d.add_months(-12 * 16).unwrap().to_string(), "2008-01-31");
    }

    #[test]
    fn formats_with_odk_directives() {
        let dt = DateTime::parse("2026-07-05T09:03:07.042").unwrap();
        assert_eq!(format(dt.local_millis, "%Y/%m/%d %H:%M:%S.%3"), "2026/07/05 09:03:07.042");
        assert_eq!(format(dt.local_millis, "%e %b %y, %a %h:%M, %n月"), "5 Jul 26, Sun 9:03, 7月");
    }
}
