//! Go's `time.Time` as Alertmanager templates see it: printed with Go's default
//! `2006-01-02 15:04:05.999999999 -0700 MST` form, formatted with Go layouts (`date`,
//! `.Format`), moved to a zone (`tz`), and durations printed like Go's `time.Duration`.
//!
//! A time travels through templates as that printed text (so `{{ .StartsAt }}` prints exactly
//! what Go prints); functions and methods that take a time parse it back with [`GoTime::parse`].
//! Durations are in `duration.rs`.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A point in time with the zone it is shown in, or Go's zero time.
#[derive(Clone, Debug, PartialEq)]
pub struct GoTime {
    /// The instant (for the zero time: 0001-01-01T00:00:00Z).
    pub instant: Timestamp,
    /// Offset from UTC in seconds of the zone it is shown in.
    pub offset_seconds: i32,
    /// Zone abbreviation Go prints (`UTC`, `CET`, `+03`).
    pub abbreviation: String,
}

/// Go's zero `time.Time` as printed.
pub const ZERO_TIME: &str = "0001-01-01 00:00:00 +0000 UTC";

impl GoTime {
    /// `t` shown in UTC.
    pub fn utc(instant: Timestamp) -> GoTime {
        GoTime { instant, offset_seconds: 0, abbreviation: "UTC".to_string() }
    }

    /// Go's zero time.
    pub fn zero() -> GoTime {
        GoTime::utc(zero_instant())
    }

    /// Whether this is Go's zero time (`IsZero`).
    pub fn is_zero(&self) -> bool {
        self.instant == zero_instant()
    }

    /// `t` shown in the IANA zone `name` (Go's `time.LoadLocation`: "" and "UTC" are UTC,
    /// "Local" is taken as UTC since triage-core knows no host zone).
    pub fn in_zone(&self, name: &str) -> Result<GoTime, String> {
        if name.is_empty() || name == "UTC" || name == "Local" {
            return Ok(GoTime::utc(self.instant));
        }
        let tz = TimeZone::get(name).map_err(|_| format!("unknown time zone {name}"))?;
        let info = tz.to_offset_info(self.instant);
        Ok(GoTime {
            instant: self.instant,
            offset_seconds: info.offset().seconds(),
            abbreviation: info.abbreviation().to_string(),
        })
    }

    /// Local wall clock fields: (year, month, day, hour, minute, second, nanosecond, weekday
    /// 0=Sunday, day of year).
    fn civil(&self) -> Civil {
        let offset = jiff::tz::Offset::from_seconds(self.offset_seconds).unwrap_or(jiff::tz::Offset::UTC);
        let dt = offset.to_datetime(self.instant);
        Civil {
            year: i32::from(dt.year()),
            month: dt.month() as u8,
            day: dt.day() as u8,
            hour: dt.hour() as u8,
            minute: dt.minute() as u8,
            second: dt.second() as u8,
            nanosecond: dt.subsec_nanosecond() as u32,
            weekday: dt.weekday().to_sunday_zero_offset(),
            year_day: dt.day_of_year() as u16,
        }
    }

    /// Parses the text [`GoTime::to_string`] prints; `None` for any other text.
    pub fn parse(text: &str) -> Option<GoTime> {
        let mut parts = text.split(' ');
        let (date, clock, offset, abbreviation) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || offset.len() != 5 || date.len() < 10 || clock.len() < 8 {
            return None;
        }
        let sign = match &offset[..1] {
            "+" => 1,
            "-" => -1,
            _ => return None,
        };
        let hh: i32 = offset[1..3].parse().ok()?;
        let mm: i32 = offset[3..5].parse().ok()?;
        let offset_seconds = sign * (hh * 3600 + mm * 60);
        let iso = format!("{date}T{clock}{}{:02}:{:02}", &offset[..1], hh, mm);
        let instant: Timestamp = iso.parse().ok()?;
        Some(GoTime { instant, offset_seconds, abbreviation: abbreviation.to_string() })
    }

    /// Formats with a Go layout (reference time `Mon Jan 2 15:04:05 MST 2006`).
    pub fn format(&self, layout: &str) -> String {
        let c = self.civil();
        let mut out = String::with_capacity(layout.len() + 16);
        let mut rest = layout;
        while !rest.is_empty() {
            let (token, len) = next_token(rest);
            match token {
                Token::Literal => out.push_str(&rest[..len]),
                Token::LongYear => out.push_str(&format!("{:04}", c.year)),
                Token::Year => out.push_str(&format!("{:02}", c.year.rem_euclid(100))),
                Token::LongMonth => out.push_str(MONTHS[usize::from(c.month - 1)]),
                Token::Month => out.push_str(&MONTHS[usize::from(c.month - 1)][..3]),
                Token::NumMonth => out.push_str(&c.month.to_string()),
                Token::ZeroMonth => out.push_str(&format!("{:02}", c.month)),
                Token::LongWeekDay => out.push_str(DAYS[c.weekday as usize]),
                Token::WeekDay => out.push_str(&DAYS[c.weekday as usize][..3]),
                Token::Day => out.push_str(&c.day.to_string()),
                Token::UnderDay => out.push_str(&format!("{:>2}", c.day)),
                Token::ZeroDay => out.push_str(&format!("{:02}", c.day)),
                Token::UnderYearDay => out.push_str(&format!("{:>3}", c.year_day)),
                Token::ZeroYearDay => out.push_str(&format!("{:03}", c.year_day)),
                Token::Hour => out.push_str(&format!("{:02}", c.hour)),
                Token::Hour12 => out.push_str(&hour12(c.hour).to_string()),
                Token::ZeroHour12 => out.push_str(&format!("{:02}", hour12(c.hour))),
                Token::Minute => out.push_str(&c.minute.to_string()),
                Token::ZeroMinute => out.push_str(&format!("{:02}", c.minute)),
                Token::Second => out.push_str(&c.second.to_string()),
                Token::ZeroSecond => out.push_str(&format!("{:02}", c.second)),
                Token::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
                Token::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
                Token::TZ => {
                    if self.abbreviation.is_empty() {
                        out.push_str(&numeric_offset(self.offset_seconds, false, false, true));
                    } else {
                        out.push_str(&self.abbreviation);
                    }
                }
                Token::Offset { z, colon, minutes, seconds } => {
                    if z && self.offset_seconds == 0 {
                        out.push('Z');
                    } else {
                        out.push_str(&numeric_offset(self.offset_seconds, colon, seconds, minutes));
                    }
                }
                Token::Fraction { sep, digits, trim } => {
                    let text = format!("{:09}", c.nanosecond);
                    let mut frac = &text[..usize::from(digits)];
                    if trim {
                        frac = frac.trim_end_matches('0');
                        if frac.is_empty() {
                            rest = &rest[len..];
                            continue;
                        }
                    }
                    out.push(sep);
                    out.push_str(frac);
                }
            }
            rest = &rest[len..];
        }
        out
    }
}

impl std::fmt::Display for GoTime {
    /// Go's `Time.String()`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.format("2006-01-02 15:04:05.999999999 -0700 MST"))
    }
}

struct Civil {
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanosecond: u32,
    weekday: i8,
    year_day: u16,
}

fn zero_instant() -> Timestamp {
    // 0001-01-01T00:00:00Z: the first instant of year 1.
    Timestamp::from_second(-62_135_596_800).unwrap_or(Timestamp::MIN)
}

fn hour12(h: u8) -> u8 {
    match h % 12 {
        0 => 12,
        x => x,
    }
}

fn numeric_offset(offset: i32, colon: bool, seconds: bool, minutes: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    let (h, m, s) = (a / 3600, (a / 60) % 60, a % 60);
    let sep = if colon { ":" } else { "" };
    let mut out = format!("{sign}{h:02}");
    if minutes || seconds {
        out.push_str(&format!("{sep}{m:02}"));
    }
    if seconds {
        out.push_str(&format!("{sep}{s:02}"));
    }
    out
}

pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(super) const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

pub(super) enum Token {
    Literal,
    LongYear,
    Year,
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    PM,
    Pm,
    TZ,
    Offset { z: bool, colon: bool, minutes: bool, seconds: bool },
    Fraction { sep: char, digits: u8, trim: bool },
}

/// The layout element at the start of `s` and its length in bytes (Go's `nextStdChunk`).
pub(super) fn next_token(s: &str) -> (Token, usize) {
    type MakeToken = fn() -> Token;
    const TABLE: &[(&str, MakeToken)] = &[
        ("January", || Token::LongMonth),
        ("Jan", || Token::Month),
        ("Monday", || Token::LongWeekDay),
        ("Mon", || Token::WeekDay),
        ("MST", || Token::TZ),
        ("2006", || Token::LongYear),
        ("01", || Token::ZeroMonth),
        ("02", || Token::ZeroDay),
        ("03", || Token::ZeroHour12),
        ("04", || Token::ZeroMinute),
        ("05", || Token::ZeroSecond),
        ("06", || Token::Year),
        ("002", || Token::ZeroYearDay),
        ("15", || Token::Hour),
        ("1", || Token::NumMonth),
        ("2", || Token::Day),
        ("3", || Token::Hour12),
        ("4", || Token::Minute),
        ("5", || Token::Second),
        ("__2", || Token::UnderYearDay),
        ("_2", || Token::UnderDay),
        ("PM", || Token::PM),
        ("pm", || Token::Pm),
        ("Z07:00:00", || Token::Offset { z: true, colon: true, minutes: true, seconds: true }),
        ("Z070000", || Token::Offset { z: true, colon: false, minutes: true, seconds: true }),
        ("Z07:00", || Token::Offset { z: true, colon: true, minutes: true, seconds: false }),
        ("Z0700", || Token::Offset { z: true, colon: false, minutes: true, seconds: false }),
        ("Z07", || Token::Offset { z: true, colon: false, minutes: false, seconds: false }),
        ("-07:00:00", || Token::Offset { z: false, colon: true, minutes: true, seconds: true }),
        ("-070000", || Token::Offset { z: false, colon: false, minutes: true, seconds: true }),
        ("-07:00", || Token::Offset { z: false, colon: true, minutes: true, seconds: false }),
        ("-0700", || Token::Offset { z: false, colon: false, minutes: true, seconds: false }),
        ("-07", || Token::Offset { z: false, colon: false, minutes: false, seconds: false }),
    ];
    let b = s.as_bytes();
    // Fractional seconds: ".000", ",999" (a run of one digit kind after a separator, not
    // followed by another digit).
    if (b[0] == b'.' || b[0] == b',') && b.len() > 1 && (b[1] == b'0' || b[1] == b'9') {
        let digit = b[1];
        let mut n = 1;
        while n < b.len() && b[n] == digit {
            n += 1;
        }
        if !(n < b.len() && b[n].is_ascii_digit()) && n - 1 <= 9 {
            return (Token::Fraction { sep: char::from(b[0]), digits: (n - 1) as u8, trim: digit == b'9' }, n);
        }
    }
    for (text, make) in TABLE {
        if s.starts_with(text) {
            // "Jan"/"Mon" followed by a lowercase letter are words, not month or day names.
            let after = s.as_bytes().get(text.len());
            let word =
                matches!(*text, "Jan" | "Mon" | "January" | "Monday") && after.is_some_and(u8::is_ascii_lowercase);
            if !word {
                return (make(), text.len());
            }
        }
    }
    let len = s.chars().next().map_or(1, char::len_utf8);
    (Token::Literal, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> GoTime {
        GoTime::utc(s.parse().unwrap())
    }

    #[test]
    fn prints_like_go() {
        assert_eq!(t("2026-01-02T03:04:05.123456789Z").to_string(), "2026-01-02 03:04:05.123456789 +0000 UTC");
        assert_eq!(t("2026-01-02T03:05:00Z").to_string(), "2026-01-02 03:05:00 +0000 UTC");
        assert_eq!(t("2026-01-02T05:00:00.5Z").to_string(), "2026-01-02 05:00:00.5 +0000 UTC");
        assert_eq!(GoTime::zero().to_string(), ZERO_TIME);
        assert!(GoTime::parse(ZERO_TIME).unwrap().is_zero());
    }

    #[test]
    fn formats_layouts() {
        let x = t("2026-01-02T03:04:05.123456789Z");
        assert_eq!(x.format("2006-01-02T15:04:05Z07:00 Mon Jan _2 .000 PM"), "2026-01-02T03:04:05Z Fri Jan  2 .123 AM");
        assert_eq!(
            x.format("Monday, January 2 2006 3:4:5 pm -07:00 MST 002"),
            "Friday, January 2 2026 3:4:5 am +00:00 UTC 002"
        );
        assert_eq!(x.format("15:04:05.999999"), "03:04:05.123456");
        assert_eq!(x.format("Month"), "Month");
    }

    #[test]
    fn zones_round_trip() {
        let x = t("2026-07-02T03:04:05Z").in_zone("Europe/Zurich").unwrap();
        assert_eq!(x.to_string(), "2026-07-02 05:04:05 +0200 CEST");
        assert_eq!(GoTime::parse(&x.to_string()), Some(x));
        assert!(t("2026-07-02T03:04:05Z").in_zone("Nowhere/Land").is_err());
    }
}
