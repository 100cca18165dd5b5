//! Go's `time.ParseInLocation(layout, value, time.UTC)` for `toDate` and `mustToDate`: the
//! layout elements of `gotime.rs` read back. A named zone other than UTC/GMT is refused.

use jiff::civil::date;
use jiff::tz::Offset;

use super::gotime::{DAYS, GoTime, MONTHS, Token, next_token};

/// Parses `value` with the Go `layout`; the error follows Go's `parsing time ...` text.
pub fn parse(layout: &str, value: &str) -> Result<GoTime, String> {
    let fail = || format!("parsing time {value:?} as {layout:?}: cannot parse");
    let (mut year, mut month, mut day, mut hour, mut minute, mut second, mut nanos) =
        (0i32, 1i8, 1i8, 0i8, 0i8, 0i8, 0i32);
    let mut pm: Option<bool> = None;
    let mut offset = 0i32;
    let (mut rest, mut v) = (layout, value);
    while !rest.is_empty() {
        let (token, len) = next_token(rest);
        let lit = &rest[..len];
        rest = &rest[len..];
        let num = |v: &mut &str, min: usize, max: usize| -> Result<i32, String> {
            let n = v.bytes().take(max).take_while(u8::is_ascii_digit).count();
            if n < min {
                return Err(fail());
            }
            let x = v[..n].parse().map_err(|_| fail())?;
            *v = &v[n..];
            Ok(x)
        };
        let name = |v: &mut &str, names: &[&str], short: bool| -> Result<usize, String> {
            for (i, full) in names.iter().enumerate() {
                let n = if short { &full[..3] } else { full };
                if v.len() >= n.len() && v[..n.len()].eq_ignore_ascii_case(n) {
                    *v = &v[n.len()..];
                    return Ok(i);
                }
            }
            Err(fail())
        };
        match token {
            Token::Literal => v = v.strip_prefix(lit).ok_or_else(fail)?,
            Token::LongYear => year = num(&mut v, 4, 4)?,
            Token::Year => {
                let y = num(&mut v, 2, 2)?;
                year = if y >= 69 { 1900 + y } else { 2000 + y };
            }
            Token::LongMonth => month = name(&mut v, &MONTHS, false)? as i8 + 1,
            Token::Month => month = name(&mut v, &MONTHS, true)? as i8 + 1,
            Token::NumMonth | Token::ZeroMonth => month = num(&mut v, 1, 2)? as i8,
            Token::LongWeekDay => drop(name(&mut v, &DAYS, false)?),
            Token::WeekDay => drop(name(&mut v, &DAYS, true)?),
            Token::Day | Token::ZeroDay => day = num(&mut v, 1, 2)? as i8,
            Token::UnderDay => {
                v = v.strip_prefix(' ').unwrap_or(v);
                day = num(&mut v, 1, 2)? as i8;
            }
            Token::UnderYearDay | Token::ZeroYearDay => return Err(fail()),
            Token::Hour => hour = num(&mut v, 1, 2)? as i8,
            Token::Hour12 | Token::ZeroHour12 => hour = num(&mut v, 1, 2)? as i8,
            Token::Minute | Token::ZeroMinute => minute = num(&mut v, 1, 2)? as i8,
            Token::Second | Token::ZeroSecond => {
                second = num(&mut v, 1, 2)? as i8;
                // Go accepts a fraction after seconds even when the layout has none.
                if !rest.starts_with(['.', ','])
                    && v.starts_with(['.', ','])
                    && v[1..].starts_with(|c: char| c.is_ascii_digit())
                {
                    v = &v[1..];
                    nanos = fraction(&mut v);
                }
            }
            Token::PM | Token::Pm => {
                let up = v.get(..2).map(str::to_ascii_uppercase).ok_or_else(fail)?;
                pm = Some(match up.as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return Err(fail()),
                });
                v = &v[2..];
            }
            Token::TZ => {
                let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                if !matches!(&v[..n], "UTC" | "GMT") {
                    return Err(fail());
                }
                v = &v[n..];
            }
            Token::Offset { z, colon, minutes, seconds } => {
                if z && v.starts_with('Z') {
                    v = &v[1..];
                    continue;
                }
                let sign = match v.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(fail()),
                };
                v = &v[1..];
                let h = num(&mut v, 2, 2)?;
                let mut total = h * 3600;
                for (wanted, scale) in [(minutes || seconds, 60), (seconds, 1)] {
                    if wanted {
                        if colon {
                            v = v.strip_prefix(':').ok_or_else(fail)?;
                        }
                        total += num(&mut v, 2, 2)? * scale;
                    }
                }
                offset = sign * total;
            }
            Token::Fraction { .. } => {
                v = v.strip_prefix(['.', ',']).ok_or_else(fail)?;
                nanos = fraction(&mut v);
            }
        }
    }
    if !v.is_empty() {
        return Err(format!("parsing time {value:?}: extra text: {v:?}"));
    }
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    let month_ok = (1..=12).contains(&month);
    let dt = date(year as i16, if month_ok { month } else { 1 }, 1)
        .checked_add(jiff::Span::new().days(i64::from(day) - 1))
        .ok()
        .filter(|d| month_ok && d.day() == day)
        .ok_or_else(|| format!("parsing time {value:?}: day out of range"))?
        .at(hour, minute, second, nanos);
    let off = Offset::from_seconds(offset).map_err(|e| e.to_string())?;
    let instant = off.to_timestamp(dt).map_err(|e| e.to_string())?;
    let shown = if offset == 0 {
        GoTime::utc(instant)
    } else {
        GoTime { instant, offset_seconds: offset, abbreviation: String::new() }
    };
    Ok(shown)
}

fn fraction(v: &mut &str) -> i32 {
    let n = v.bytes().take_while(u8::is_ascii_digit).count();
    let digits = &v[..n.min(9)];
    *v = &v[n..];
    format!("{digits:0<9}").parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_layouts() {
        assert_eq!(parse("2006-01-02", "2026-03-04").unwrap().to_string(), "2026-03-04 00:00:00 +0000 UTC");
        assert_eq!(
            parse("2006-01-02T15:04:05Z07:00", "2026-03-04T05:06:07.5Z").unwrap().to_string(),
            "2026-03-04 05:06:07.5 +0000 UTC"
        );
        assert_eq!(parse("Jan _2 3:04PM", "Feb  3 4:05PM").unwrap().format("15:04 01-02"), "16:05 02-03");
        assert!(parse("2006-01-02", "2026-02-30").is_err());
        assert!(parse("2006-01-02", "x").is_err());
    }
}
