//! The collector's clock: UTC instants ([`jiff::Timestamp`]) to the whole second, and their one
//! text form, RFC 3339 (`2026-11-26T09:30:00Z`).
//!
//! Seconds precision on purpose: finer times help nobody reading feedback and make answers easier
//! to link to server or network logs.

use jiff::Timestamp;

/// Now, to the whole second (earlier fractions dropped).
pub fn now() -> Timestamp {
    seconds(Timestamp::now())
}

/// `t` without its fraction of a second (rounded down, also before 1970).
///
/// # Example
/// ```
/// let t: jiff::Timestamp = "2026-11-26T09:30:00.75Z".parse().unwrap();
/// assert_eq!(voix_collector::time::seconds(t).to_string(), "2026-11-26T09:30:00Z");
/// ```
pub fn seconds(t: Timestamp) -> Timestamp {
    let whole = t.as_second() - i64::from(t.subsec_nanosecond() < 0);
    // Within range: it lies between `t` and the second before it.
    Timestamp::from_second(whole).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_print_without_a_fraction() {
        let t = now();
        assert_eq!(t.subsec_nanosecond(), 0);
        let text = t.to_string();
        assert_eq!(text.len(), 20, "{text}");
        assert!(text.ends_with('Z'), "{text}");
        assert_eq!(text.parse::<Timestamp>().unwrap(), t);
        let before: Timestamp = "1969-12-31T23:59:59.25Z".parse().unwrap();
        assert_eq!(seconds(before).to_string(), "1969-12-31T23:59:59Z");
    }
}
