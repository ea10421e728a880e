//! Instants written in definitions (a poll's `opens` and `closes`): RFC 3339 timestamps with
//! an offset, read into milliseconds since the Unix epoch.
//!
//! Hand-written because it is all the widget needs of dates (comparing one instant with the
//! clock), and a date crate would cost its wasm tens of kilobytes for that comparison; the
//! collector uses the same function so both sides agree on when a poll closes.

/// `2026-12-31T18:00:00+01:00` (or `Z`, with optional fractional seconds; `t`/`z` and a space
/// instead of `T` accepted) as milliseconds since 1970-01-01T00:00:00Z; `None` if it is not one.
///
/// # Example
/// ```
/// use voix_form::time::parse_rfc3339;
/// assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z"), Some(1_000));
/// assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
/// assert_eq!(parse_rfc3339("31/12/2026"), None);
/// ```
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        let mut n = 0i64;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + i64::from(d - b'0');
        }
        Some(n)
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // 60: a leap second, counted as the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 60 + m;
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

/// `ms` (since the epoch) as `2027-01-31 22:59 UTC`: how dates are written where no
/// locale-aware formatter is at hand.
///
/// # Example
/// ```
/// assert_eq!(voix_form::time::format_utc(1_796_395_889_000), "2026-12-04 14:51 UTC");
/// ```
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let two = |n: i64| {
        let s = crate::i18n::itoa(n as usize);
        if n < 10 { crate::cat(&["0", &s]) } else { s }
    };
    crate::cat(&[
        &crate::i18n::itoa(y.max(0) as usize),
        "-",
        &two(m),
        "-",
        &two(d),
        " ",
        &two(rem / 3600),
        ":",
        &two(rem % 3600 / 60),
        " UTC",
    ])
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-12-04T14:51:29Z"),
            Some(1_796_395_889_000)
        );
        assert_eq!(
            parse_rfc3339("2026-12-04T15:51:29+01:00"),
            parse_rfc3339("2026-12-04T14:51:29Z")
        );
        assert_eq!(
            parse_rfc3339("2026-12-04T09:51:29.5-05:00"),
            Some(1_796_395_889_500)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29t00:00:00.123456z"),
            Some(1_709_164_800_123)
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1_000));
    }

    #[test]
    fn instants_written_back() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:00Z",
            "2027-01-31T22:59:00Z",
        ] {
            let ms = parse_rfc3339(s).unwrap();
            let want = s.replace('T', " ").replace(":00Z", " UTC");
            assert_eq!(format_utc(ms), want);
        }
    }

    #[test]
    fn what_is_not_an_instant() {
        for bad in [
            "",
            "2026-12-04",
            "2026-12-04T14:51:29",
            "2026-12-04T14:51:29+0100",
            "2026-13-04T14:51:29Z",
            "2025-02-29T00:00:00Z",
            "2026-12-04T24:00:00Z",
            "2026-12-04T14:51:29.Z",
            "2026-12-04T14:51:29Zjunk",
            "2026/12/04T14:51:29Z",
            "２０２６-12-04T14:51:29Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
