//! Scalar values as the import contract defines them: timestamps with or without an offset,
//! exact money, identifiers, booleans, integers and numbers. Each parser takes a trimmed cell
//! and returns the typed value or a reason in plain words, phrased to follow the quoted value
//! (`"12,50" is not a number`).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

/// An instant, stored as microseconds since the Unix epoch in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn from_utc(instant: DateTime<Utc>) -> Self {
        Self(instant.timestamp_micros())
    }

    pub fn to_utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0).expect("stored timestamps are within chrono's range")
    }

    /// Parses an ISO 8601 timestamp. A value without an offset (a date alone included, meaning
    /// its 00:00) is wall time in `zone`. A wall time that falls in a daylight-saving gap is
    /// moved forward by the gap and an ambiguous one takes the earlier instant, as Python's
    /// `zoneinfo` does with `fold=0`.
    pub fn parse(text: &str, zone: Tz) -> Result<Self, String> {
        parse_timestamp(text, zone)
            .ok_or_else(|| "is not a valid timestamp (ISO 8601, e.g. 2024-03-05T14:30:00Z)".to_owned())
    }

    /// The instant of a wall time in `zone`, with the gap and overlap rules of [`Timestamp::parse`].
    pub fn from_local(wall: NaiveDateTime, zone: Tz) -> Self {
        local_to_utc(wall, zone).expect("every wall time maps to an instant")
    }

    /// The wall time of this instant in `zone`.
    pub fn to_local(self, zone: Tz) -> NaiveDateTime {
        self.to_utc().with_timezone(&zone).naive_local()
    }

    /// The instant at which `date` begins in `zone` (its local midnight, moved forward by a
    /// daylight-saving gap when midnight does not exist that day).
    pub fn local_midnight(date: NaiveDate, zone: Tz) -> Self {
        local_to_utc(date.and_time(NaiveTime::MIN), zone).expect("every local date has a first instant")
    }

    /// RFC 3339 text in UTC with microseconds only when they are not zero.
    pub fn to_rfc3339(self) -> String {
        let instant = self.to_utc();
        if self.0 % 1_000_000 == 0 {
            instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        } else {
            instant.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_rfc3339())
    }
}

fn parse_timestamp(text: &str, zone: Tz) -> Option<Timestamp> {
    let date = parse_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return local_to_utc(date.and_time(NaiveTime::MIN), zone);
    }
    let separator = rest.as_bytes()[0];
    if !matches!(separator, b'T' | b't' | b' ') {
        return None;
    }
    let rest = &rest[1..];
    let (time_text, offset) = split_offset(rest)?;
    let time = parse_time(time_text)?;
    let wall = date.and_time(time);
    match offset {
        Some(offset) => {
            let instant = offset.from_local_datetime(&wall).single()?;
            Some(Timestamp::from_utc(instant.with_timezone(&Utc)))
        }
        None => local_to_utc(wall, zone),
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if !text.is_ascii() || bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (&text[0..4], &text[5..7], &text[8..10]);
    if !all_digits(year) || !all_digits(month) || !all_digits(day) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Splits `14:30:00+03:30` into the time and its offset (`Z`, `z`, `±HH:MM`, `±HHMM`, `±HH`).
fn split_offset(text: &str) -> Option<(&str, Option<FixedOffset>)> {
    if let Some(time) = text.strip_suffix(['Z', 'z']) {
        return Some((time, Some(FixedOffset::east_opt(0)?)));
    }
    let Some(sign_at) = text.rfind(['+', '-']) else {
        return Some((text, None));
    };
    let (time, offset_text) = text.split_at(sign_at);
    let sign = if offset_text.starts_with('-') { -1 } else { 1 };
    let digits = &offset_text[1..];
    if !digits.is_ascii() {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        2 => (digits, "00"),
        4 => (&digits[..2], &digits[2..]),
        5 if digits.as_bytes()[2] == b':' => (&digits[..2], &digits[3..]),
        _ => return None,
    };
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((time, Some(FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?)))
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (text, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|part| part.len() != 2 || !all_digits(part)) {
        return None;
    }
    if fraction.is_some() && parts.len() != 3 {
        return None;
    }
    let hour: u32 = parts[0].parse().ok()?;
    let minute: u32 = parts[1].parse().ok()?;
    let second: u32 = if parts.len() == 3 { parts[2].parse().ok()? } else { 0 };
    let nanos = match fraction {
        None => 0,
        Some(fraction) if all_digits(fraction) && fraction.len() <= 9 => {
            let padded = format!("{fraction:0<9}");
            padded.parse().ok()?
        }
        Some(_) => return None,
    };
    if second > 59 {
        return None;
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

fn local_to_utc(wall: NaiveDateTime, zone: Tz) -> Option<Timestamp> {
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(instant) => Some(Timestamp::from_utc(instant.with_timezone(&Utc))),
        LocalResult::Ambiguous(earlier, _) => Some(Timestamp::from_utc(earlier.with_timezone(&Utc))),
        LocalResult::None => {
            // In a gap the wall time is read with the offset in force just before the gap,
            // which moves it forward by the gap's length.
            let before = zone.offset_from_utc_datetime(&(wall - chrono::Duration::days(1)));
            let offset = chrono::Offset::fix(&before);
            let instant = wall - chrono::Duration::seconds(i64::from(offset.local_minus_utc()));
            Some(Timestamp::from_utc(instant.and_utc()))
        }
    }
}

/// An exact decimal amount of the workspace currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    pub fn new(amount: Decimal) -> Self {
        Self(amount.normalize())
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    /// Parses `-?digits(.digits)?`: a `.` separator, no thousands separators, no symbols.
    pub fn parse(text: &str) -> Result<Self, String> {
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        let well_formed = all_digits(whole) && fraction.is_none_or(all_digits);
        if !well_formed {
            return Err("is not a number".to_owned());
        }
        Decimal::from_str(text).map(Self::new).map_err(|_| "is out of range for an amount".to_owned())
    }

    pub fn is_positive(self) -> bool {
        self.0 > Decimal::ZERO
    }

    pub fn is_negative(self) -> bool {
        self.0 < Decimal::ZERO
    }
}

impl fmt::Display for Money {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

pub(crate) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err("is not a boolean (true/false, yes/no, 1/0)".to_owned()),
    }
}

pub(crate) fn parse_int(text: &str) -> Result<i64, String> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if !all_digits(unsigned) {
        return Err("is not a whole number".to_owned());
    }
    text.parse().map_err(|_| "is out of range for a whole number".to_owned())
}

pub(crate) fn parse_num(text: &str) -> Result<f64, String> {
    let looks_numeric =
        text.bytes().all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b'-' | b'+' | b'e' | b'E'));
    match text.parse::<f64>() {
        Ok(value) if looks_numeric && value.is_finite() => Ok(value),
        _ => Err("is not a number".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_timestamp(text: &str, zone: Tz, expected: Option<&str>) {
        let parsed = Timestamp::parse(text, zone).ok().map(Timestamp::to_rfc3339);
        assert_eq!(parsed.as_deref(), expected, "parsing {text:?} in {zone}");
    }

    #[test]
    fn timestamps() {
        let utc = chrono_tz::UTC;
        let new_york = chrono_tz::America::New_York;
        let cases: &[(&str, Tz, Option<&str>)] = &[
            ("2024-03-05", utc, Some("2024-03-05T00:00:00Z")),
            ("2024-03-05T14:30:00", utc, Some("2024-03-05T14:30:00Z")),
            ("2024-03-05 14:30:00", utc, Some("2024-03-05T14:30:00Z")),
            ("2024-03-05T14:30", utc, Some("2024-03-05T14:30:00Z")),
            ("2024-03-05T14:30:00.250Z", utc, Some("2024-03-05T14:30:00.250000Z")),
            ("2024-03-05T14:30:00+03:30", utc, Some("2024-03-05T11:00:00Z")),
            ("2024-03-05T14:30:00+0330", utc, Some("2024-03-05T11:00:00Z")),
            ("2024-03-05T14:30:00-05", utc, Some("2024-03-05T19:30:00Z")),
            ("2024-03-05T14:30:00z", utc, Some("2024-03-05T14:30:00Z")),
            // A date alone in New York is its local midnight: 05:00Z in winter.
            ("2024-03-01", new_york, Some("2024-03-01T05:00:00Z")),
            // An explicit offset wins over the workspace zone.
            ("2024-03-01T00:00:00Z", new_york, Some("2024-03-01T00:00:00Z")),
            // 02:30 on 2024-03-10 does not exist in New York (clocks jump 02:00 -> 03:00):
            // read with the EST offset (-5), it is 07:30Z, i.e. 03:30 EDT.
            ("2024-03-10T02:30:00", new_york, Some("2024-03-10T07:30:00Z")),
            // 01:30 on 2024-11-03 happens twice; the earlier (EDT, -4) is taken.
            ("2024-11-03T01:30:00", new_york, Some("2024-11-03T05:30:00Z")),
            ("2024-02-29", utc, Some("2024-02-29T00:00:00Z")),
            ("2024-02-30", utc, None),
            ("2023-02-29", utc, None),
            ("2024-03-05T24:00:00", utc, None),
            ("2024-03-05T23:59:60", utc, None),
            ("2024-03-05T14:30:00+24:00", utc, None),
            ("2024-3-5", utc, None),
            ("05/03/2024", utc, None),
            ("2024-03-05X14:30", utc, None),
            ("2024-03-05T14", utc, None),
            ("2024-03-05T14:30:00.", utc, None),
            ("2024-03-05T14:30.5", utc, None),
            ("", utc, None),
            ("2024-03-0ச", utc, None),
            ("2024-ச-5", utc, None),
            ("20ச-03-5", utc, None),
            ("2024-03-05Tச", utc, None),
            ("2024-03-05T10:00+0ச", utc, None),
        ];
        for (text, zone, expected) in cases {
            check_timestamp(text, *zone, *expected);
        }
    }

    #[test]
    fn money() {
        let cases: &[(&str, Option<&str>)] = &[
            ("12.50", Some("12.5")),
            ("0", Some("0")),
            ("-3.25", Some("-3.25")),
            ("1000000.01", Some("1000000.01")),
            ("12,50", None),
            ("1,000", None),
            ("$12", None),
            ("12.", None),
            (".5", None),
            ("1e3", None),
            ("", None),
            ("-", None),
        ];
        for (text, expected) in cases {
            let parsed = Money::parse(text).ok().map(|money| money.to_string());
            assert_eq!(parsed.as_deref(), *expected, "parsing {text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn money_round_trips_exactly(whole in 0u64..10_000_000_000, cents in 0u32..100) {
            let text = format!("{whole}.{cents:02}");
            let money = Money::parse(&text).unwrap();
            let expected = Decimal::from(whole) + Decimal::new(i64::from(cents), 2);
            proptest::prop_assert_eq!(money.amount(), expected);
        }

        #[test]
        fn utc_timestamps_round_trip(seconds in 0i64..4_102_444_800, micros in 0i64..1_000_000) {
            let timestamp = Timestamp::from_micros(seconds * 1_000_000 + micros);
            let reparsed = Timestamp::parse(&timestamp.to_rfc3339(), chrono_tz::UTC).unwrap();
            proptest::prop_assert_eq!(reparsed, timestamp);
        }

        #[test]
        fn offsets_shift_by_exactly_their_length(seconds in 0i64..4_102_444_800, quarter_hours in -48i32..=56) {
            let utc = Timestamp::from_micros(seconds * 1_000_000);
            let offset = FixedOffset::east_opt(quarter_hours * 900).unwrap();
            let local = utc.to_utc().with_timezone(&offset).format("%Y-%m-%dT%H:%M:%S%:z").to_string();
            proptest::prop_assert_eq!(Timestamp::parse(&local, chrono_tz::Asia::Tehran).unwrap(), utc);
        }

        #[test]
        fn timestamp_shaped_text_never_panics(text in "[0-9ச:. TZ+-]{0,30}") {
            let _ = Timestamp::parse(&text, chrono_tz::America::New_York);
            let _ = Money::parse(&text);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let _ = Timestamp::parse(&text, chrono_tz::Europe::Warsaw);
            let _ = Money::parse(&text);
        }
    }
}
