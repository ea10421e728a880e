//! Counters and histograms for `GET /metrics`, in the Prometheus text format 0.0.4.
//!
//! Plain atomics rather than a metrics crate: a dozen series do not need one. Every label has a
//! bounded set of values — route templates (`/v1/forms/{id}`, never a raw path), configured form
//! ids, status codes and error codes — and nothing is about a client: no address, no origin, no
//! answer.
//!
//! [`Metrics`] belongs to one [`crate::AppState`]. The store's batch-size histogram is
//! process-wide instead ([`record_batch`]): the database writer runs on its own thread and knows
//! nothing of the HTTP state.
//!
//! # Example
//! ```
//! use voix_collector::metrics::Metrics;
//! let m = Metrics::new(["avis".to_owned()]);
//! m.answer_stored("avis", false);
//! m.answer_stored("unknown-form", false); // not configured: ignored, no new series
//! assert!(m.render().contains("voix_answers_stored_total{form=\"avis\"} 1\n"));
//! ```

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A histogram of integer observations with fixed upper bounds.
#[derive(Debug)]
pub struct Histogram<const N: usize> {
    // Upper bounds, in the observed unit, and as written in `le` (in the exported unit).
    bounds: [u64; N],
    labels: [&'static str; N],
    // Observations per bucket, not cumulative; the last is above every bound.
    counts: [AtomicU64; N],
    above: AtomicU64,
    sum: AtomicU64,
    // Exported unit per observed unit (1e-6 for microseconds exported as seconds).
    scale: f64,
}

impl<const N: usize> Histogram<N> {
    /// A histogram with buckets `bounds` (ascending), written as `labels`, whose sum is
    /// exported multiplied by `scale`.
    pub const fn new(bounds: [u64; N], labels: [&'static str; N], scale: f64) -> Self {
        Histogram {
            bounds,
            labels,
            counts: [const { AtomicU64::new(0) }; N],
            above: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            scale,
        }
    }

    /// Records one observation.
    pub fn observe(&self, value: u64) {
        match self.bounds.iter().position(|b| value <= *b) {
            Some(i) => self.counts[i].fetch_add(1, Relaxed),
            None => self.above.fetch_add(1, Relaxed),
        };
        self.sum.fetch_add(value, Relaxed);
    }

    /// How many observations were recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Relaxed)).sum::<u64>() + self.above.load(Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        header(out, name, help, "histogram");
        let mut cumulative = 0;
        for (label, count) in self.labels.iter().zip(&self.counts) {
            cumulative += count.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{label}\"}} {cumulative}");
        }
        cumulative += self.above.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum.load(Relaxed) as f64 * self.scale;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {cumulative}");
    }
}

// Answers per database transaction; both writers cap a batch at 128 (`MAX_BATCH`).
static STORE_BATCH_SIZE: Histogram<8> = Histogram::new(
    [1, 2, 4, 8, 16, 32, 64, 128],
    ["1", "2", "4", "8", "16", "32", "64", "128"],
    1.0,
);

/// Records that the store committed `n` answers in one transaction.
pub fn record_batch(n: usize) {
    STORE_BATCH_SIZE.observe(n as u64);
}

/// The store's batch-size histogram (process-wide).
pub fn store_batch_size() -> &'static Histogram<8> {
    &STORE_BATCH_SIZE
}

/// The counters of one collector.
#[derive(Debug)]
pub struct Metrics {
    forms: BTreeMap<String, FormCounters>,
    // route template → status → count.
    requests: Mutex<BTreeMap<String, BTreeMap<u16, u64>>>,
    duration: Histogram<12>,
}

#[derive(Debug, Default)]
struct FormCounters {
    stored: AtomicU64,
    duplicate: AtomicU64,
    rate_limited: AtomicU64,
    retention_deleted: AtomicU64,
    // error code → count; rejections are rare, a lock is fine.
    rejected: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// Counters for the forms `form_ids`; anything about another form id is ignored, so a
    /// client cannot create series.
    pub fn new(form_ids: impl IntoIterator<Item = String>) -> Metrics {
        Metrics {
            forms: form_ids
                .into_iter()
                .map(|id| (id, FormCounters::default()))
                .collect(),
            requests: Mutex::new(BTreeMap::new()),
            // Microseconds, exported in seconds.
            duration: Histogram::new(
                [
                    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
                    1_000_000, 2_500_000, 10_000_000,
                ],
                [
                    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                    "2.5", "10",
                ],
                1e-6,
            ),
        }
    }

    /// One HTTP request answered with `status` by the route `route` (a template, or a fixed
    /// name such as `fallback`), after `elapsed`.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        let mut map = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        let per_status = match map.get_mut(route) {
            Some(m) => m,
            None => map.entry(route.to_owned()).or_default(),
        };
        *per_status.entry(status).or_default() += 1;
        drop(map);
        self.duration
            .observe(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
    }

    /// An answer to `form` committed (`duplicate`: its submission id was already stored).
    pub fn answer_stored(&self, form: &str, duplicate: bool) {
        if let Some(f) = self.forms.get(form) {
            let c = if duplicate { &f.duplicate } else { &f.stored };
            c.fetch_add(1, Relaxed);
        }
    }

    /// An answer to `form` refused with error `code`.
    pub fn answer_rejected(&self, form: &str, code: &'static str) {
        if let Some(f) = self.forms.get(form) {
            *f.rejected
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(code)
                .or_default() += 1;
        }
    }

    /// An answer to `form` refused by the rate limiter.
    pub fn rate_limited(&self, form: &str) {
        if let Some(f) = self.forms.get(form) {
            f.rate_limited.fetch_add(1, Relaxed);
        }
    }

    /// `n` answers to `form` deleted by the retention task.
    pub fn retention_deleted(&self, form: &str, n: u64) {
        if let Some(f) = self.forms.get(form) {
            f.retention_deleted.fetch_add(n, Relaxed);
        }
    }

    /// Everything, in the Prometheus text format 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        header(
            &mut out,
            "voix_http_requests_total",
            "HTTP requests answered, by route template and status.",
            "counter",
        );
        {
            let map = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
            for (route, statuses) in map.iter() {
                for (status, n) in statuses {
                    let _ = writeln!(
                        out,
                        "voix_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                        escape(route)
                    );
                }
            }
        }
        self.duration.render(
            &mut out,
            "voix_request_duration_seconds",
            "Time from request to response headers.",
        );
        let per_form = |out: &mut String, name: &str, help: &str, get: fn(&FormCounters) -> u64| {
            header(out, name, help, "counter");
            for (form, c) in &self.forms {
                let _ = writeln!(out, "{name}{{form=\"{}\"}} {}", escape(form), get(c));
            }
        };
        per_form(
            &mut out,
            "voix_answers_stored_total",
            "Answers committed to the store.",
            |c| c.stored.load(Relaxed),
        );
        per_form(
            &mut out,
            "voix_answers_duplicate_total",
            "Answers whose submission id was already stored (acknowledged, not stored again).",
            |c| c.duplicate.load(Relaxed),
        );
        per_form(
            &mut out,
            "voix_rate_limited_total",
            "Answers refused by the per-client rate limit.",
            |c| c.rate_limited.load(Relaxed),
        );
        per_form(
            &mut out,
            "voix_retention_deleted_total",
            "Answers deleted because they were older than retain_days.",
            |c| c.retention_deleted.load(Relaxed),
        );
        header(
            &mut out,
            "voix_answers_rejected_total",
            "Answers refused, by error code (rate limiting is counted apart).",
            "counter",
        );
        for (form, c) in &self.forms {
            let rejected = c.rejected.lock().unwrap_or_else(PoisonError::into_inner);
            for (code, n) in rejected.iter() {
                let _ = writeln!(
                    out,
                    "voix_answers_rejected_total{{form=\"{}\",code=\"{code}\"}} {n}",
                    escape(form)
                );
            }
        }
        STORE_BATCH_SIZE.render(
            &mut out,
            "voix_store_batch_size",
            "Answers committed per database transaction (process-wide).",
        );
        out
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

// Label values escape backslash, double quote and line feed.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let h = Histogram::new([1, 10], ["1", "10"], 0.5);
        for v in [0, 1, 5, 10, 11, 100] {
            h.observe(v);
        }
        let mut out = String::new();
        h.render(&mut out, "x", "help");
        assert_eq!(
            out,
            "# HELP x help\n# TYPE x histogram\n\
             x_bucket{le=\"1\"} 2\nx_bucket{le=\"10\"} 4\nx_bucket{le=\"+Inf\"} 6\n\
             x_sum 63.5\nx_count 6\n"
        );
        assert_eq!(h.count(), 6);
    }

    #[test]
    fn counters_render_per_form_and_ignore_unknown_forms() {
        let m = Metrics::new(["a".to_owned(), "b".to_owned()]);
        m.answer_stored("a", false);
        m.answer_stored("a", false);
        m.answer_stored("a", true);
        m.answer_rejected("b", "invalid");
        m.answer_rejected("zzz", "invalid");
        m.rate_limited("b");
        m.retention_deleted("a", 7);
        m.request("/v1/forms/{id}", 200, Duration::from_millis(3));
        m.request("/v1/forms/{id}", 200, Duration::from_millis(30));
        m.request("fallback", 404, Duration::from_secs(20));
        let out = m.render();
        for line in [
            "voix_answers_stored_total{form=\"a\"} 2",
            "voix_answers_stored_total{form=\"b\"} 0",
            "voix_answers_duplicate_total{form=\"a\"} 1",
            "voix_answers_rejected_total{form=\"b\",code=\"invalid\"} 1",
            "voix_rate_limited_total{form=\"b\"} 1",
            "voix_retention_deleted_total{form=\"a\"} 7",
            "voix_http_requests_total{route=\"/v1/forms/{id}\",status=\"200\"} 2",
            "voix_http_requests_total{route=\"fallback\",status=\"404\"} 1",
            "voix_request_duration_seconds_bucket{le=\"0.005\"} 1",
            "voix_request_duration_seconds_bucket{le=\"0.05\"} 2",
            "voix_request_duration_seconds_bucket{le=\"+Inf\"} 3",
            "voix_request_duration_seconds_count 3",
            "# TYPE voix_store_batch_size histogram",
        ] {
            assert!(out.lines().any(|l| l == line), "missing `{line}` in\n{out}");
        }
        assert!(!out.contains("zzz"));
        // Every sample line is `name{labels} value` or `name value`.
        for l in out.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = l.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "{l}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("a\nb"), "a\\nb");
    }
}
