//! What the form page is asked for (`?from=&to=&q=&page=&lang=`), read without failing: a
//! date that is not one becomes a message on the page, a page number out of range the nearest
//! page. And the answers over time, grouped by day or by ISO week.

use std::collections::BTreeMap;

use jiff::{Span, Timestamp, civil::Date};
use percent_encoding::percent_decode_str;

use super::strings::{Lang, fill};

/// Answers per page of a free-text list.
pub(super) const TEXTS_PER_PAGE: usize = 20;
/// Past this many days the chart counts per ISO week rather than per day.
pub(super) const DAYS_PER_CHART: i64 = 62;
/// The search text is cut to this many characters.
const MAX_QUERY_CHARS: usize = 200;

/// The decoded `name=value` pairs of a query string (`+` is a space, as browsers send forms).
pub(super) fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The first value of `name`.
pub(super) fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The form page's parameters.
#[derive(Debug, Default, Clone)]
pub(super) struct Filter {
    /// As typed, for the form's fields.
    pub from_text: String,
    pub to_text: String,
    /// The day range kept (both days included).
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// The search, trimmed.
    pub q: String,
    /// The page asked for, from 1.
    pub page: usize,
    /// What was wrong with the dates, in words.
    pub errors: Vec<String>,
}

impl Filter {
    pub(super) fn read(pairs: &[(String, String)], lang: Lang) -> Filter {
        let s = lang.strings();
        let mut f = Filter {
            from_text: value(pairs, "from").unwrap_or("").trim().to_owned(),
            to_text: value(pairs, "to").unwrap_or("").trim().to_owned(),
            q: value(pairs, "q")
                .unwrap_or("")
                .trim()
                .chars()
                .take(MAX_QUERY_CHARS)
                .collect(),
            page: value(pairs, "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1)
                .max(1),
            ..Filter::default()
        };
        let mut day = |text: &str| -> Option<Date> {
            if text.is_empty() {
                return None;
            }
            let date = parse_date(text);
            if date.is_none() {
                f.errors.push(fill(s.bad_date, "d", text));
            }
            date
        };
        let (from, to) = (day(&f.from_text.clone()), day(&f.to_text.clone()));
        if let (Some(a), Some(b)) = (from, to)
            && a > b
        {
            f.errors.push(s.inverted_dates.to_owned());
            return f;
        }
        f.from = from;
        f.to = to;
        f
    }

    /// The instants the store is asked for: `[from 00:00 UTC, the day after to 00:00 UTC)`.
    pub(super) fn bounds(&self) -> (Option<Timestamp>, Option<Timestamp>) {
        let from = self.from.and_then(midnight);
        let until = self.to.and_then(|d| d.tomorrow().ok()).and_then(midnight);
        (from, until)
    }

    /// The query string of this filter with `page` (none for 1), for links: `&`-joined,
    /// percent-encoded, without the leading `?`, `lang` first.
    pub(super) fn query(&self, lang: Lang, page: usize) -> String {
        let mut out = format!("lang={}", lang.strings().tag);
        for (k, v) in [
            ("from", &self.from_text),
            ("to", &self.to_text),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                out.push_str(&format!("&{k}={}", encode(v)));
            }
        }
        if page > 1 {
            out.push_str(&format!("&page={page}"));
        }
        out
    }

    /// The date range alone (for downloads), `lang` left out.
    pub(super) fn range_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = self.from {
            parts.push(format!("from={d}"));
        }
        if let Some(d) = self.to {
            parts.push(format!("to={d}"));
        }
        parts.join("&")
    }
}

/// A `YYYY-MM-DD` day, nothing else (a date input sends that whatever the browser shows).
pub(super) fn parse_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    text.parse().ok()
}

// Without jiff's time zone support (the collector has no tz database): days from the epoch.
const EPOCH: Date = jiff::civil::date(1970, 1, 1);
const DAY: i64 = 86_400;

fn midnight(d: Date) -> Option<Timestamp> {
    let days = i64::from(EPOCH.until(d).ok()?.get_days());
    Timestamp::from_second(days * DAY).ok()
}

/// The UTC day of `t`.
pub(super) fn day_of(t: Timestamp) -> Date {
    let days = t.as_second().div_euclid(DAY);
    EPOCH.checked_add(Span::new().days(days)).unwrap_or(EPOCH)
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(super) fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How answers are grouped over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Day,
    Week,
}

/// Answers per day (or per ISO week, from its Monday) from `first` to `last` included, every
/// day or week present, none left out.
pub(super) fn series(days: &[Date], first: Date, last: Date) -> (Step, Vec<(Date, u64)>) {
    let span = first.until(last).map(|s| s.get_days() as i64).unwrap_or(0);
    let step = if span > DAYS_PER_CHART {
        Step::Week
    } else {
        Step::Day
    };
    let bucket = |d: Date| match step {
        Step::Day => d,
        Step::Week => monday(d),
    };
    let mut counts: BTreeMap<Date, u64> = BTreeMap::new();
    let (mut d, end) = (bucket(first), bucket(last));
    while d <= end {
        counts.insert(d, 0);
        let next = match step {
            Step::Day => d.tomorrow(),
            Step::Week => d.checked_add(Span::new().days(7)),
        };
        match next {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    for &day in days {
        if let Some(n) = counts.get_mut(&bucket(day)) {
            *n += 1;
        }
    }
    (step, counts.into_iter().collect())
}

fn monday(d: Date) -> Date {
    let back = i64::from(d.weekday().to_monday_zero_offset());
    d.checked_sub(Span::new().days(back)).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn filters_read_dates_and_say_what_is_wrong() {
        let f = Filter::read(
            &pairs(Some("from=2026-03-01&to=2026-03-05&q=bus+scolaire&page=3")),
            Lang::Fr,
        );
        assert_eq!(
            (f.from, f.to),
            (Some(d("2026-03-01")), Some(d("2026-03-05")))
        );
        assert_eq!(f.q, "bus scolaire");
        assert_eq!(f.page, 3);
        assert!(f.errors.is_empty());
        let (a, b) = f.bounds();
        assert_eq!(a.unwrap().to_string(), "2026-03-01T00:00:00Z");
        assert_eq!(b.unwrap().to_string(), "2026-03-06T00:00:00Z");
        assert_eq!(
            f.query(Lang::En, 2),
            "lang=en&from=2026-03-01&to=2026-03-05&q=bus%20scolaire&page=2"
        );

        let bad = Filter::read(
            &pairs(Some("from=2026-02-30&to=yesterday&page=-1")),
            Lang::En,
        );
        assert_eq!((bad.from, bad.to, bad.page), (None, None, 1));
        assert_eq!(bad.errors.len(), 2, "{:?}", bad.errors);
        let inverted = Filter::read(&pairs(Some("from=2026-03-05&to=2026-03-01")), Lang::En);
        assert_eq!((inverted.from, inverted.to), (None, None));
        assert_eq!(inverted.errors.len(), 1);
        assert_eq!(parse_date("2026-3-5"), None);
    }

    #[test]
    fn series_fill_gaps_and_switch_to_weeks() {
        let (step, s) = series(
            &[d("2026-03-01"), d("2026-03-03"), d("2026-03-03")],
            d("2026-03-01"),
            d("2026-03-04"),
        );
        assert_eq!(step, Step::Day);
        assert_eq!(s.iter().map(|&(_, n)| n).collect::<Vec<_>>(), [1, 0, 2, 0]);
        let (step, s) = series(
            &[d("2026-01-07"), d("2026-04-01")],
            d("2026-01-01"),
            d("2026-04-01"),
        );
        assert_eq!(step, Step::Week);
        // 2025-12-29 is the Monday of 2026-01-01's week.
        assert_eq!(s[0].0, d("2025-12-29"));
        assert_eq!(s[1], (d("2026-01-05"), 1));
        assert_eq!(s.last().unwrap().1, 1);
        assert_eq!(s.iter().map(|&(_, n)| n).sum::<u64>(), 2);
    }
}
