//! Alertmanager time intervals: when a route is muted (`mute_time_intervals`) or active
//! (`active_time_intervals`).
//!
//! A [`TimeInterval`] holds optional lists of times of day, weekdays, days of the month,
//! months and years, read in one IANA `location` (UTC by default). A time is inside when every
//! list that is set has a range containing it; an empty list (`weekdays: []`) contains
//! nothing, as in Alertmanager. Parsing follows Alertmanager 0.25's rules and error wording.
//!
//! One deliberate difference: Alertmanager counts a month's days as whole 24-hour spans in the
//! interval's location, so in a zone that enters DST in March, March has 30 days and
//! `days_of_month: ['-1']` falls on the 30th. triage uses the calendar (the 31st).

use std::fmt;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::model::{null_default, parse_scalar};
use crate::quote::go_quote;

/// Why a time interval was rejected (Alertmanager's wording).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeIntervalError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, TimeIntervalError> {
    Err(TimeIntervalError(msg.into()))
}

/// A named list of intervals (a `time_intervals` entry): contains a time when any of its
/// intervals does.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedTimeInterval {
    /// The name routes refer to.
    #[serde(default)]
    pub name: String,
    /// The intervals.
    #[serde(default, deserialize_with = "null_default")]
    pub time_intervals: Vec<TimeInterval>,
}

impl NamedTimeInterval {
    /// Whether any of the intervals contains `t`.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.time_intervals.iter().any(|ti| ti.contains(t))
    }
}

/// One interval. `None` lists do not restrict; the ranges of a list are alternatives.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimeInterval {
    /// Times of day, end exclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<TimeRange>>,
    /// Weekday ranges (`monday:friday`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekdays: Option<Vec<WeekdayRange>>,
    /// Day-of-month ranges; negative days count from the month's end (-1 is the last day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_of_month: Option<Vec<DayOfMonthRange>>,
    /// Month ranges, by name or number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<MonthRange>>,
    /// Year ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<YearRange>>,
    /// The zone the fields above are read in; UTC when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl TimeInterval {
    /// Whether `t` is inside the interval.
    pub fn contains(&self, t: Timestamp) -> bool {
        let tz = self.location.as_ref().map_or(TimeZone::UTC, |l| l.tz.clone());
        let z = t.to_zoned(tz);
        let minute = i32::from(z.hour()) * 60 + i32::from(z.minute());
        if let Some(times) = &self.times
            && !times.iter().any(|r| i32::from(r.start_minute) <= minute && minute < i32::from(r.end_minute))
        {
            return false;
        }
        if let Some(days) = &self.days_of_month {
            let dim = i32::from(z.days_in_month());
            let day = i32::from(z.day());
            let inside = |r: &DayOfMonthRange| {
                let from_end = |d: i32| if d < 0 { dim + d + 1 } else { d };
                let (begin, end) = (from_end(r.begin), from_end(r.end));
                if begin > dim {
                    return false;
                }
                let (begin, end) = (begin.clamp(-dim, dim), end.clamp(-dim, dim));
                begin <= day && day <= end
            };
            if !days.iter().any(inside) {
                return false;
            }
        }
        let within = |v: i32, b: i32, e: i32| b <= v && v <= e;
        if let Some(months) = &self.months
            && !months.iter().any(|r| within(i32::from(z.month()), r.begin, r.end))
        {
            return false;
        }
        if let Some(weekdays) = &self.weekdays {
            let wd = i32::from(z.weekday().to_sunday_zero_offset());
            if !weekdays.iter().any(|r| within(wd, r.begin, r.end)) {
                return false;
            }
        }
        if let Some(years) = &self.years
            && !years.iter().any(|r| within(i32::from(z.year()), r.begin, r.end))
        {
            return false;
        }
        true
    }
}

/// A range of minutes of the day, `start_minute` inclusive, `end_minute` exclusive (≤ 1440).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    /// First minute inside.
    pub start_minute: u16,
    /// First minute after.
    pub end_minute: u16,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TimeRangeText {
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
}

impl TimeRange {
    /// Builds a range from `HH:MM` texts (`24:00` allowed).
    pub fn parse(start: &str, end: &str) -> Result<TimeRange, TimeIntervalError> {
        if start.is_empty() || end.is_empty() {
            return err("both start and end times must be provided");
        }
        let (start_minute, end_minute) = (parse_hhmm(start)?, parse_hhmm(end)?);
        if start_minute >= end_minute {
            return err("start time cannot be equal or greater than end time");
        }
        Ok(TimeRange { start_minute, end_minute })
    }
}

/// `^(([01][0-9])|(2[0-3])):[0-5][0-9]$|^24:00$`, as minutes of the day.
fn parse_hhmm(s: &str) -> Result<u16, TimeIntervalError> {
    let b = s.as_bytes();
    let valid = b.len() == 5
        && b[2] == b':'
        && ((matches!(b[0], b'0' | b'1') && b[1].is_ascii_digit()) || (b[0] == b'2' && (b'0'..=b'3').contains(&b[1])))
        && (b'0'..=b'5').contains(&b[3])
        && b[4].is_ascii_digit();
    if !valid && s != "24:00" {
        return err(format!("couldn't parse timestamp {s}, invalid format"));
    }
    let n = |i: usize| u16::from(b[i] - b'0');
    Ok((n(0) * 10 + n(1)) * 60 + n(3) * 10 + n(4))
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TimeRange, D::Error> {
        let t = TimeRangeText::deserialize(d)?;
        TimeRange::parse(&t.start_time, &t.end_time).map_err(serde::de::Error::custom)
    }
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        TimeRangeText { start_time: hhmm(self.start_minute), end_time: hhmm(self.end_minute) }.serialize(s)
    }
}

const WEEKDAYS: [&str; 7] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Go's `strconv.Atoi`, with its error wording.
fn atoi(s: &str) -> Result<i32, TimeIntervalError> {
    s.parse::<i32>().or_else(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        err(format!("strconv.Atoi: parsing {}: {why}", go_quote(s)))
    })
}

/// Splits `a` or `a:b` (lower-cased) and maps both ends with `member`.
fn parse_range(
    s: &str,
    member: impl Fn(&str) -> Result<i32, TimeIntervalError>,
) -> Result<(i32, i32), TimeIntervalError> {
    let s = s.to_lowercase();
    if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 2 {
            return err(format!("couldn't parse range {s}, invalid format"));
        }
        return Ok((member(parts[0])?, member(parts[1])?));
    }
    let v = member(&s)?;
    Ok((v, v))
}

macro_rules! inclusive_range {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name {
            /// First value inside.
            pub begin: i32,
            /// Last value inside.
            pub end: i32,
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                parse_scalar(d, "a range such as a:b", $name::parse)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }
    };
}

inclusive_range!(
    /// Weekdays, 0 = Sunday to 6 = Saturday, written by name (`monday:friday`).
    WeekdayRange
);
inclusive_range!(
    /// Days of the month, 1 to 31 or -31 to -1 (from the end), such as `1:5` or `-3:-1`.
    DayOfMonthRange
);
inclusive_range!(
    /// Months 1 to 12, written by name or number (`january:march`, `1:3`).
    MonthRange
);
inclusive_range!(
    /// Years, such as `2024:2026`.
    YearRange
);

impl WeekdayRange {
    /// Parses `monday` or `monday:friday`.
    pub fn parse(s: &str) -> Result<WeekdayRange, TimeIntervalError> {
        let (begin, end) = parse_range(s, |m| match WEEKDAYS.iter().position(|d| *d == m) {
            Some(i) => Ok(i as i32),
            None => err(format!("{m} is not a valid weekday")),
        })?;
        if begin > end {
            return err("start day cannot be before end day");
        }
        Ok(WeekdayRange { begin, end })
    }
}

impl DayOfMonthRange {
    /// Parses `1`, `1:5`, `-3:-1` or `1:-1`.
    pub fn parse(s: &str) -> Result<DayOfMonthRange, TimeIntervalError> {
        let (begin, end) = parse_range(s, atoi)?;
        for d in [begin, end] {
            if d == 0 || !(-31..=31).contains(&d) {
                return err(format!("{d} is not a valid day of the month: out of range"));
            }
        }
        if begin < 0 && end > 0 {
            return err("end day must be negative if start day is negative");
        }
        // Catch ranges that are empty in every month (28 days being the shortest month).
        let at_least = |d: i32| if d < 0 { 28 + d } else { d };
        if at_least(begin) > at_least(end) {
            return err(format!("end day {end} is always before start day {begin}"));
        }
        Ok(DayOfMonthRange { begin, end })
    }
}

impl MonthRange {
    /// Parses `march`, `3`, `january:march` or `1:3`.
    pub fn parse(s: &str) -> Result<MonthRange, TimeIntervalError> {
        let (begin, end) = parse_range(s, |m| match MONTHS.iter().position(|n| *n == m) {
            Some(i) => Ok(i as i32 + 1),
            None => m.parse().or_else(|_| err(format!("{m} is not a valid month"))),
        })?;
        for m in [begin, end] {
            if !(1..=12).contains(&m) {
                return err(format!("{m} is not a valid month: out of range"));
            }
        }
        if begin > end {
            let name = |m: i32| MONTHS[(m - 1) as usize];
            return err(format!("end month {} is before start month {}", name(end), name(begin)));
        }
        Ok(MonthRange { begin, end })
    }
}

impl YearRange {
    /// Parses `2024` or `2024:2026`.
    pub fn parse(s: &str) -> Result<YearRange, TimeIntervalError> {
        let (begin, end) = parse_range(s, atoi)?;
        if begin > end {
            return err(format!("end year {end} is before start year {begin}"));
        }
        Ok(YearRange { begin, end })
    }
}

impl fmt::Display for WeekdayRange {
    /// `saturday` or `monday:friday`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |d: i32| WEEKDAYS.get(d as usize).copied().unwrap_or("?");
        if self.begin == self.end {
            f.write_str(name(self.begin))
        } else {
            write!(f, "{}:{}", name(self.begin), name(self.end))
        }
    }
}

macro_rules! numeric_display {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            /// `n` or `a:b`, as Alertmanager prints it.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.begin == self.end {
                    write!(f, "{}", self.begin)
                } else {
                    write!(f, "{}:{}", self.begin, self.end)
                }
            }
        }
    )*};
}
numeric_display!(DayOfMonthRange, MonthRange, YearRange);

/// An IANA time zone, from the bundled database.
#[derive(Clone, Debug)]
pub struct Location {
    /// The name as written (`""` and `UTC` mean UTC).
    pub name: String,
    /// The zone.
    pub tz: TimeZone,
}

impl PartialEq for Location {
    fn eq(&self, o: &Location) -> bool {
        self.name == o.name
    }
}

impl Location {
    /// Looks up a zone name such as `Europe/Zurich`.
    pub fn parse(name: &str) -> Result<Location, TimeIntervalError> {
        let tz = match name {
            "" | "UTC" => TimeZone::UTC,
            // Go's "Local" is the host's zone, which pure code cannot read.
            "Local" => return err("time zone \"Local\" is not supported: name an IANA zone such as Europe/Zurich"),
            _ => TimeZone::get(name).or_else(|_| err(format!("unknown time zone {name}")))?,
        };
        Ok(Location { name: name.to_string(), tz })
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Location, D::Error> {
        parse_scalar(d, "a time zone name", Location::parse)
    }
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ti(yaml: &str) -> TimeInterval {
        yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"))
    }

    fn ti_err(yaml: &str) -> String {
        match yaml_serde::from_str::<TimeInterval>(yaml) {
            Ok(t) => panic!("{yaml} parsed as {t:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parse_errors_use_alertmanager_wording() {
        let cases = [
            ("weekdays: ['funday']", "funday is not a valid weekday"),
            ("weekdays: ['friday:monday']", "start day cannot be before end day"),
            ("weekdays: ['1']", "1 is not a valid weekday"),
            ("weekdays: ['monday:tuesday:friday']", "couldn't parse range monday:tuesday:friday, invalid format"),
            ("days_of_month: ['0']", "0 is not a valid day of the month: out of range"),
            ("days_of_month: ['32']", "32 is not a valid day of the month: out of range"),
            ("days_of_month: ['1:-32']", "-32 is not a valid day of the month: out of range"),
            ("days_of_month: ['-3:5']", "end day must be negative if start day is negative"),
            ("days_of_month: ['10:5']", "end day 5 is always before start day 10"),
            ("days_of_month: ['-1:-5']", "end day -5 is always before start day -1"),
            ("days_of_month: ['x']", r#"strconv.Atoi: parsing "x": invalid syntax"#),
            ("months: ['march:january']", "end month january is before start month march"),
            ("months: ['smarch']", "smarch is not a valid month"),
            ("months: ['13']", "13 is not a valid month: out of range"),
            ("years: ['2025:2024']", "end year 2024 is before start year 2025"),
            ("times: [{start_time: '10:00'}]", "both start and end times must be provided"),
            ("times: [{start_time: '10:00', end_time: '25:00'}]", "couldn't parse timestamp 25:00, invalid format"),
            ("times: [{start_time: '9:00', end_time: '10:00'}]", "couldn't parse timestamp 9:00, invalid format"),
            ("times: [{start_time: '10:60', end_time: '11:00'}]", "couldn't parse timestamp 10:60, invalid format"),
            (
                "times: [{start_time: '10:00', end_time: '10:00'}]",
                "start time cannot be equal or greater than end time",
            ),
            (
                "times: [{start_time: '10:00', end_time: '09:00'}]",
                "start time cannot be equal or greater than end time",
            ),
            ("times: [{start_time: '10:00', end_time: '11:00', end: x}]", "unknown field `end`"),
            ("location: Mars/Olympus", "unknown time zone Mars/Olympus"),
            ("location: Local", "not supported"),
            ("weekday: [monday]", "unknown field `weekday`"),
        ];
        for (yaml, want) in cases {
            let e = ti_err(yaml);
            assert!(e.contains(want), "{yaml}: got {e:?}, want {want:?}");
        }
    }

    #[test]
    fn parses_names_numbers_and_case() {
        let t = ti(
            "weekdays: ['Monday:FRIDAY', sunday]\ndays_of_month: [1, '-3:-1', '1:5']\nmonths: ['january:march', 12, '6:7']\nyears: ['2024:2026', 2030]\ntimes: [{start_time: '00:00', end_time: '24:00'}]\nlocation: Europe/Zurich",
        );
        assert_eq!(
            t.weekdays.as_deref(),
            Some(&[WeekdayRange { begin: 1, end: 5 }, WeekdayRange { begin: 0, end: 0 }][..])
        );
        let dom: Vec<String> = t.days_of_month.unwrap().iter().map(|r| r.to_string()).collect();
        assert_eq!(dom, ["1", "-3:-1", "1:5"]);
        let months: Vec<String> = t.months.unwrap().iter().map(|r| r.to_string()).collect();
        assert_eq!(months, ["1:3", "12", "6:7"]);
        assert_eq!(t.times.unwrap()[0], TimeRange { start_minute: 0, end_minute: 1440 });
        assert_eq!(t.location.unwrap().name, "Europe/Zurich");
    }

    #[test]
    fn serializes_back_to_the_same_meaning() {
        let t = ti(
            "weekdays: ['monday:friday', saturday]\ntimes: [{start_time: '08:30', end_time: '24:00'}]\nmonths: [march]\nlocation: Europe/Zurich",
        );
        let yaml = yaml_serde::to_string(&t).unwrap();
        assert!(yaml.contains("monday:friday") && yaml.contains("08:30") && yaml.contains("24:00"), "{yaml}");
        assert_eq!(ti(&yaml), t);
    }

    #[test]
    fn empty_interval_contains_everything_and_empty_list_nothing() {
        assert!(TimeInterval::default().contains(at("2024-05-01T12:00:00Z")));
        assert!(!ti("weekdays: []").contains(at("2024-05-01T12:00:00Z")));
        assert!(ti("weekdays:").contains(at("2024-05-01T12:00:00Z")));
    }

    #[test]
    fn times_are_end_exclusive() {
        let t = ti("times: [{start_time: '09:00', end_time: '17:00'}, {start_time: '23:00', end_time: '24:00'}]");
        assert!(!t.contains(at("2024-05-01T08:59:59Z")));
        assert!(t.contains(at("2024-05-01T09:00:00Z")));
        assert!(t.contains(at("2024-05-01T16:59:59Z")));
        assert!(!t.contains(at("2024-05-01T17:00:00Z")));
        assert!(t.contains(at("2024-05-01T23:59:59Z")));
        assert!(!t.contains(at("2024-05-02T00:00:00Z")));
    }

    #[test]
    fn weekdays_months_years() {
        let t = ti("weekdays: ['monday:friday']\nmonths: ['may:june']\nyears: ['2024']");
        assert!(t.contains(at("2024-05-03T12:00:00Z"))); // Friday
        assert!(!t.contains(at("2024-05-04T12:00:00Z"))); // Saturday
        assert!(!t.contains(at("2024-07-03T12:00:00Z"))); // July
        assert!(!t.contains(at("2025-05-02T12:00:00Z"))); // 2025
        let weekend = ti("weekdays: [saturday, sunday]");
        assert!(weekend.contains(at("2024-05-05T00:00:00Z")));
        assert!(!weekend.contains(at("2024-05-06T00:00:00Z")));
    }

    #[test]
    fn negative_days_in_february() {
        let last = ti("days_of_month: ['-1']");
        assert!(last.contains(at("2024-02-29T10:00:00Z")));
        assert!(!last.contains(at("2024-02-28T10:00:00Z")));
        assert!(last.contains(at("2023-02-28T10:00:00Z")));
        assert!(last.contains(at("2100-02-28T10:00:00Z"))); // 2100 is not a leap year
        let last3 = ti("days_of_month: ['-3:-1']");
        assert!(!last3.contains(at("2024-02-26T10:00:00Z")));
        assert!(last3.contains(at("2024-02-27T10:00:00Z")));
        assert!(last3.contains(at("2024-02-29T10:00:00Z")));
        assert!(last3.contains(at("2023-02-26T10:00:00Z")));
        assert!(!last3.contains(at("2023-02-25T10:00:00Z")));
        // -31 in a 29-day month is before the 1st: the range starts at the 1st.
        let whole = ti("days_of_month: ['-31:-1']");
        assert!(whole.contains(at("2024-02-01T00:00:00Z")));
        // A positive range past the month's end is clamped to it; one starting past it is skipped.
        assert!(ti("days_of_month: ['28:31']").contains(at("2024-02-29T00:00:00Z")));
        assert!(!ti("days_of_month: ['30:31']").contains(at("2024-02-29T00:00:00Z")));
        assert!(ti("days_of_month: ['1:-1']").contains(at("2023-02-28T00:00:00Z")));
    }

    #[test]
    fn location_moves_the_day() {
        // Saturday 23:30 UTC is Sunday 00:30 in Zurich.
        let t = "2024-05-04T23:30:00Z";
        assert!(!ti("weekdays: [sunday]").contains(at(t)));
        assert!(ti("weekdays: [sunday]\nlocation: Europe/Zurich").contains(at(t)));
        assert!(ti("weekdays: [sunday]\nlocation: UTC").contains(at("2024-05-05T00:30:00Z")));
    }

    #[test]
    fn zurich_spring_forward() {
        // 2024-03-31: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        let night = ti("times: [{start_time: '01:00', end_time: '04:00'}]\nlocation: Europe/Zurich");
        assert!(!night.contains(at("2024-03-30T23:59:00Z"))); // 00:59 CET
        assert!(night.contains(at("2024-03-31T00:30:00Z"))); // 01:30 CET
        assert!(night.contains(at("2024-03-31T01:30:00Z"))); // 03:30 CEST
        assert!(!night.contains(at("2024-03-31T02:00:00Z"))); // 04:00 CEST
        // The skipped hour never happens.
        let gap = ti("times: [{start_time: '02:00', end_time: '03:00'}]\nlocation: Europe/Zurich");
        let mut t = at("2024-03-30T22:00:00Z");
        while t < at("2024-03-31T04:00:00Z") {
            assert!(!gap.contains(t), "{t}");
            t += jiff::SignedDuration::from_mins(5);
        }
        // The calendar's last day of March, not Alertmanager's 30th.
        let last = ti("days_of_month: ['-1']\nlocation: Europe/Zurich");
        assert!(last.contains(at("2024-03-31T12:00:00Z")));
        assert!(!last.contains(at("2024-03-30T12:00:00Z")));
    }

    #[test]
    fn zurich_fall_back() {
        // 2024-10-27: 03:00 CEST falls back to 02:00 CET (01:00 UTC); 02:xx happens twice.
        let t = ti("times: [{start_time: '02:00', end_time: '03:00'}]\nlocation: Europe/Zurich");
        assert!(!t.contains(at("2024-10-26T23:30:00Z"))); // 01:30 CEST
        assert!(t.contains(at("2024-10-27T00:30:00Z"))); // 02:30 CEST
        assert!(t.contains(at("2024-10-27T01:30:00Z"))); // 02:30 CET
        assert!(!t.contains(at("2024-10-27T02:00:00Z"))); // 03:00 CET
        let day = ti("days_of_month: ['27']\nmonths: [october]\nlocation: Europe/Zurich");
        assert!(day.contains(at("2024-10-26T22:00:00Z"))); // 00:00 CEST on the 27th
        assert!(!day.contains(at("2024-10-27T23:00:00Z"))); // 00:00 CET on the 28th
    }

    #[test]
    fn named_list_is_any() {
        let n: NamedTimeInterval = yaml_serde::from_str(
            "name: off-hours\ntime_intervals:\n- weekdays: [saturday, sunday]\n- times: [{start_time: '00:00', end_time: '08:00'}]",
        )
        .unwrap();
        assert!(n.contains(at("2024-05-04T12:00:00Z"))); // Saturday noon
        assert!(n.contains(at("2024-05-06T07:00:00Z"))); // Monday 07:00
        assert!(!n.contains(at("2024-05-06T12:00:00Z"))); // Monday noon
        assert!(!NamedTimeInterval::default().contains(at("2024-05-06T12:00:00Z")));
    }

    proptest::proptest! {
        #[test]
        fn range_parsers_never_panic(s in ".{0,16}") {
            let _ = WeekdayRange::parse(&s);
            let _ = DayOfMonthRange::parse(&s);
            let _ = MonthRange::parse(&s);
            let _ = YearRange::parse(&s);
            let _ = TimeRange::parse(&s, "12:00");
            let _ = Location::parse(&s);
        }

        #[test]
        fn any_day_range_is_consistent(b in -31i32..=31, e in -31i32..=31, secs in 0i64..4_000_000_000) {
            if let Ok(r) = DayOfMonthRange::parse(&format!("{b}:{e}")) {
                let t = TimeInterval { days_of_month: Some(vec![r]), ..TimeInterval::default() };
                let _ = t.contains(Timestamp::from_second(secs).unwrap());
            }
        }
    }
}
