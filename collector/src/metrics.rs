//! The series of `GET /metrics`, kept and written by `prometheus-client` (the OpenMetrics text
//! format, which Prometheus reads).
//!
//! Every label has a bounded set of values — route templates (`/v1/forms/{id}`, never a raw
//! path), configured form ids, status codes and error codes — and nothing is about a client: no
//! address, no origin, no answer.
//!
//! [`Metrics`] belongs to one [`crate::AppState`]. The store adds its own series (the size of its
//! batches, see [`crate::store::Store::register_metrics`]): its writer runs on a thread of its
//! own and knows nothing of the HTTP state.
//!
//! # Example
//! ```
//! use voix_collector::metrics::Metrics;
//! let m = Metrics::new(["avis".to_owned()], |_| {});
//! m.answer_stored("avis", false);
//! m.answer_stored("unknown-form", false); // not configured: ignored, no new series
//! assert!(m.render().contains("voix_answers_stored_total{form=\"avis\"} 1\n"));
//! ```

use std::{collections::BTreeSet, time::Duration};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds of the request duration buckets, in seconds.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A histogram of the answers committed per database transaction, for a store to observe and
/// register (buckets 1, 2, 4 … 128: a batch holds at most `MAX_BATCH` answers).
pub fn batch_sizes() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 8))
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct FormLabel {
    form: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RejectedLabels {
    form: String,
    code: &'static str,
}

/// The series of one collector.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    forms: BTreeSet<String>,
    requests: Family<RequestLabels, Counter>,
    duration: Histogram,
    stored: Family<FormLabel, Counter>,
    duplicate: Family<FormLabel, Counter>,
    rate_limited: Family<FormLabel, Counter>,
    retention_deleted: Family<FormLabel, Counter>,
    rejected: Family<RejectedLabels, Counter>,
    admin_refused: Family<ReasonLabel, Counter>,
}

impl Metrics {
    /// Series for the forms `form_ids`; anything about another form id is ignored, so a client
    /// cannot create series. `more` registers series kept elsewhere (the store's).
    pub fn new(
        form_ids: impl IntoIterator<Item = String>,
        more: impl FnOnce(&mut Registry),
    ) -> Metrics {
        let mut m = Metrics {
            registry: Registry::default(),
            forms: form_ids.into_iter().collect(),
            requests: Family::default(),
            duration: Histogram::new(DURATION_BUCKETS),
            stored: Family::default(),
            duplicate: Family::default(),
            rate_limited: Family::default(),
            retention_deleted: Family::default(),
            rejected: Family::default(),
            admin_refused: Family::default(),
        };
        let r = &mut m.registry;
        // The registry appends the `.` to each help text, and `_total` to each counter's samples.
        r.register(
            "voix_http_requests",
            "HTTP requests answered, by route template and status",
            m.requests.clone(),
        );
        r.register(
            "voix_request_duration_seconds",
            "Time from request to response headers",
            m.duration.clone(),
        );
        for (name, help, family) in [
            (
                "voix_answers_stored",
                "Answers committed to the store",
                &m.stored,
            ),
            (
                "voix_answers_duplicate",
                "Answers whose submission id was already stored (acknowledged, not stored again)",
                &m.duplicate,
            ),
            (
                "voix_rate_limited",
                "Answers refused by the per-client rate limit",
                &m.rate_limited,
            ),
            (
                "voix_retention_deleted",
                "Answers deleted because they were older than retain_days",
                &m.retention_deleted,
            ),
        ] {
            // Every configured form shows from the start, at 0.
            for form in &m.forms {
                let _ = family.get_or_create(&FormLabel { form: form.clone() });
            }
            r.register(name, help, family.clone());
        }
        r.register(
            "voix_answers_rejected",
            "Answers refused, by error code (rate limiting is counted apart)",
            m.rejected.clone(),
        );
        for reason in ["no_token", "wrong_token", "admin_api_disabled"] {
            let _ = m.admin_refused.get_or_create(&ReasonLabel { reason });
        }
        r.register(
            "voix_admin_refused",
            "Requests refused for want of the admin token, by reason (no_token, wrong_token, \
             admin_api_disabled)",
            m.admin_refused.clone(),
        );
        more(r);
        m
    }

    /// A request refused for want of the admin token, for `reason` (a fixed name).
    pub fn admin_refused(&self, reason: &'static str) {
        self.admin_refused
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// One HTTP request answered with `status` by the route `route` (a template, or a fixed
    /// name such as `fallback`), after `elapsed`.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                status,
            })
            .inc();
        self.duration.observe(elapsed.as_secs_f64());
    }

    /// An answer to `form` committed (`duplicate`: its submission id was already stored).
    pub fn answer_stored(&self, form: &str, duplicate: bool) {
        let family = if duplicate {
            &self.duplicate
        } else {
            &self.stored
        };
        self.count(family, form, 1);
    }

    /// An answer to `form` refused with error `code`.
    pub fn answer_rejected(&self, form: &str, code: &'static str) {
        if self.forms.contains(form) {
            let labels = RejectedLabels {
                form: form.to_owned(),
                code,
            };
            self.rejected.get_or_create(&labels).inc();
        }
    }

    /// An answer to `form` refused by the rate limiter.
    pub fn rate_limited(&self, form: &str) {
        self.count(&self.rate_limited, form, 1);
    }

    /// `n` answers to `form` deleted by the retention task.
    pub fn retention_deleted(&self, form: &str, n: u64) {
        self.count(&self.retention_deleted, form, n);
    }

    fn count(&self, family: &Family<FormLabel, Counter>, form: &str, n: u64) {
        if self.forms.contains(form) {
            let labels = FormLabel {
                form: form.to_owned(),
            };
            family.get_or_create(&labels).inc_by(n);
        }
    }

    /// Everything, in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail; an encoder error would be a bug of the crate's.
        if let Err(e) = encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "metrics could not be written");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_per_form_and_ignore_unknown_forms() {
        let batches = batch_sizes();
        let m = Metrics::new(["a".to_owned(), "b".to_owned()], |r| {
            r.register("voix_store_batch_size", "Batches", batches.clone());
        });
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
        batches.observe(3.0);
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
            "voix_store_batch_size_bucket{le=\"4.0\"} 1",
            "# HELP voix_answers_stored Answers committed to the store.",
            "# EOF",
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
        let m = Metrics::new([], |_| {});
        m.request("a\"b\\c\nd", 200, Duration::ZERO);
        let out = m.render();
        assert!(out.contains(r#"route="a\"b\\c\nd""#), "{out}");
    }
}
