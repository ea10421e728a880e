//! Form results, as served by `GET /v1/forms/{id}/results` and shown by the no-JS poll pages:
//! the store's counts ([`crate::store::Store::counts`], kept as answers are stored, never a
//! read of every answer) turned into the published shape by voix-form's
//! [`voix_form::results`] (percentages that add up, means, NPS), the same model the widget reads
//! to show a poll's results.
//!
//! What is published is counts only. Free-text answers are counted (`answered`), never shown:
//! residents type names, addresses and worse into comment boxes, and results may be public.
//! The texts are for the admin export ([`crate::export`]) only.
//!
//! Public results are cached ([`Published`]) for [`PUBLIC_TTL`], and computed once however
//! many ask at the same moment; an answer this collector stores makes the next read compute
//! them anew, so a resident who just voted sees their vote counted.
//!
//! # Example
//! ```
//! use voix_collector::results;
//! use voix_form::{Form, answer::Answers, results::Counts};
//! let form = Form::from_json(
//!     r#"{"id":"avis","title":"Avis","questions":[{"id":"note","type":"smileys","label":"Note"}]}"#,
//! ).unwrap();
//! let answer = |v: &str| [("note".to_owned(), v.to_owned())].into_iter().collect::<Answers>();
//! let counts = Counts::of(&form, &[answer("good"), answer("bad")]);
//! let r = results::from_counts(&form, &counts, "2026-01-02T00:00:00Z".parse().unwrap());
//! let json = serde_json::to_value(&r).unwrap();
//! assert_eq!(json["responses"], 2);
//! assert_eq!(json["questions"][0]["options"][2]["percent"], 50);
//! assert_eq!(json["questions"][0]["mean"], 2.0);
//! ```

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use jiff::Timestamp;
use moka::future::Cache;
use voix_form::{
    Form,
    i18n::Locale,
    results::{Counts, FormResults},
};

use crate::{Error, Result, store::Store};

/// How long public results are served from memory at most. Long enough that a crowd reading
/// a poll's results (a link shared on social media, a page reloaded by many) costs the
/// database one read every few seconds instead of one per visitor; short enough that answers
/// stored by another collector on the same PostgreSQL, which this one is not told about, show
/// within seconds. Answers this collector stores show at once (see [`Published::changed`]).
pub const PUBLIC_TTL: Duration = Duration::from_secs(3);

/// Cached results kept at most (one per form and change); old ones are evicted first.
const CACHED_MAX: u64 = 10_000;

/// The results of `form` from its `counts`, with option labels in French (the collector's
/// locale). Values that are not options of their question (a definition edited after answers
/// came in) are left out.
pub fn from_counts(form: &Form, counts: &Counts, generated_at: Timestamp) -> FormResults {
    voix_form::results::results(form, counts, Locale::Fr, &generated_at.to_string())
}

/// The results of `form`, counted by `store` now.
pub async fn compute(store: &dyn Store, form: &Form) -> Result<FormResults> {
    let counts = store.counts(&form.id).await?;
    Ok(from_counts(form, &counts, crate::time::now()))
}

/// Public results, cached. A cached value is keyed by its form and the form's change number:
/// storing an answer bumps the number ([`Published::changed`]), so the next read computes anew
/// while a computation that started before the answer was stored can only fill the old key.
pub struct Published {
    cache: Cache<(String, u64), Arc<FormResults>>,
    changes: BTreeMap<String, AtomicU64>,
}

impl std::fmt::Debug for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Published")
            .field("cached", &self.cache.entry_count())
            .field("changes", &self.changes)
            .finish()
    }
}

impl Published {
    /// A cache for the forms `ids`.
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> Published {
        Published {
            cache: Cache::builder()
                .time_to_live(PUBLIC_TTL)
                .max_capacity(CACHED_MAX)
                .build(),
            changes: ids
                .into_iter()
                .map(|id| (id.to_owned(), AtomicU64::new(0)))
                .collect(),
        }
    }

    /// Answers to form `id` were stored or deleted: results read from now on are computed
    /// anew.
    pub fn changed(&self, id: &str) {
        if let Some(n) = self.changes.get(id) {
            n.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The results of `form`: cached for at most [`PUBLIC_TTL`] and since its last change,
    /// computed once for every reader waiting at that moment.
    pub async fn get(&self, store: &dyn Store, form: &Form) -> Result<Arc<FormResults>> {
        let change = self
            .changes
            .get(&form.id)
            .map_or(0, |n| n.load(Ordering::SeqCst));
        self.cache
            .try_get_with((form.id.clone(), change), async {
                compute(store, form).await.map(Arc::new)
            })
            .await
            .map_err(|e| match &*e {
                Error::StoreClosed => Error::StoreClosed,
                other => Error::Database(other.to_string()),
            })
    }
}
