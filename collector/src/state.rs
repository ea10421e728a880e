//! What every request handler shares: the forms, the store and the settings that shape
//! responses. Built once from a [`Config`]; cloning is a reference-count increment.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
};

use tower_http::services::ServeDir;
use voix_form::{Form, i18n::Locale, schema::ResultsShown, translations::Localized};

use crate::{
    Config, Result,
    config::{AllowedOrigins, Connections, FormSettings},
    defence::{Keys, Traffic},
    limit::Limiter,
    metrics::Metrics,
    results::Published,
    routes::RefusalLog,
    store::{self, DatabaseUrl, Store},
};

/// Shared state of the HTTP application.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    forms: BTreeMap<String, Form>,
    // Each form in every locale (the order of `Locale::ALL`), translated once at start.
    localized: BTreeMap<String, Vec<Localized>>,
    settings: BTreeMap<String, FormSettings>,
    defaults: FormSettings,
    store: Arc<dyn Store>,
    admin_token: Option<String>,
    max_body_bytes: usize,
    connections: Connections,
    dist: Option<ServeDir>,
    site: Option<ServeDir>,
    private_paths: Vec<String>,
    limiter: Limiter,
    metrics: Arc<Metrics>,
    published: Published,
    admin_refusals: RefusalLog,
    keys: Keys,
    traffic: Traffic,
}

/// The name of the signing secret in the store (see [`Store::secret`]).
const SECRET: &str = "defence";

impl AppState {
    /// State for `config`, storing answers in `store`. Tells the store which forms to count
    /// ([`Store::count_forms`]), which counts a form's stored answers again when its
    /// definition counts otherwise than when they were counted: this may take seconds for a
    /// form with a million answers.
    pub fn new(config: Config, store: Arc<dyn Store>) -> Result<AppState> {
        store.count_forms(&config.forms)?;
        let keys = Keys::new(&store.secret(SECRET, &Keys::fresh_secret())?);
        let private_files = if let DatabaseUrl::Sqlite(path) = &config.database {
            sqlite_files(path)
        } else {
            Vec::new()
        };
        let private_paths = [&config.dist_dir, &config.static_dir]
            .into_iter()
            .flatten()
            .flat_map(|dir| url_paths_under(dir, &private_files))
            .collect();
        let metrics = Arc::new(Metrics::new(
            config.forms.iter().map(|f| f.id.clone()),
            |r| store.register_metrics(r),
        ));
        let limiter = Limiter::new(&config, Arc::clone(&metrics));
        let localized = config
            .forms
            .iter()
            .map(|f| {
                let translations = config.translations.get(&f.id).cloned().unwrap_or_default();
                let all = Locale::ALL
                    .iter()
                    .map(|&l| f.localized(&translations, l))
                    .collect();
                (f.id.clone(), all)
            })
            .collect();
        let published = Published::new(config.forms.iter().map(|f| f.id.as_str()));
        Ok(AppState(Arc::new(Shared {
            published,
            localized,
            forms: config
                .forms
                .into_iter()
                .map(|f| (f.id.clone(), f))
                .collect(),
            settings: config.settings,
            defaults: config.defaults,
            store,
            admin_token: config.admin_token,
            max_body_bytes: config.max_body_bytes,
            connections: config.connections,
            // `cargo xtask dist` writes a `.br` (brotli 11) and a `.gz` beside every file:
            // served by `Accept-Encoding`, never compressed per request (routes/static_files.rs).
            dist: config
                .dist_dir
                .map(|dir| ServeDir::new(dir).precompressed_br().precompressed_gzip()),
            site: config.static_dir.map(ServeDir::new),
            private_paths,
            limiter,
            metrics,
            admin_refusals: RefusalLog::default(),
            keys,
            traffic: Traffic::default(),
        })))
    }

    /// State for `config`, opening (and migrating) the database it names.
    pub fn open(config: Config) -> Result<AppState> {
        let store = store::open(&config.database)?;
        AppState::new(config, store)
    }

    /// The public results cache.
    pub fn published(&self) -> &Published {
        &self.0.published
    }

    /// Whether `form`'s results are for everyone: a poll's unless its `results` is `never`
    /// (its widget shows them), another form's when its settings say `public_results`.
    pub fn results_public(&self, form: &Form) -> bool {
        match &form.poll {
            Some(poll) => poll.results != ResultsShown::Never,
            None => self.settings(&form.id).public_results,
        }
    }

    /// The keys challenges and render tokens are signed with.
    pub fn keys(&self) -> &Keys {
        &self.0.keys
    }

    /// Answers stored per form lately, which raise a busy form's difficulty.
    pub fn traffic(&self) -> &Traffic {
        &self.0.traffic
    }

    /// The per-client rate limiter of answers.
    pub fn limiter(&self) -> &Limiter {
        &self.0.limiter
    }

    /// When refused admin requests were last logged (see `routes::admin_token`).
    pub(crate) fn admin_refusals(&self) -> &RefusalLog {
        &self.0.admin_refusals
    }

    /// The counters served at `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// The form with this id.
    pub fn form(&self, id: &str) -> Option<&Form> {
        self.0.forms.get(id)
    }

    /// The form with this id in `locale`: translated where its definition says how, and which
    /// language each text ended up in.
    pub fn localized(&self, id: &str, locale: Locale) -> Option<&Localized> {
        let i = Locale::ALL.iter().position(|&l| l == locale)?;
        self.0.localized.get(id)?.get(i)
    }

    /// All forms, by id.
    pub fn forms(&self) -> impl Iterator<Item = &Form> {
        self.0.forms.values()
    }

    /// Where answers go.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.0.store
    }

    /// The settings of form `id` (the top-level defaults for an unknown id).
    pub fn settings(&self, id: &str) -> &FormSettings {
        self.0.settings.get(id).unwrap_or(&self.0.defaults)
    }

    /// The origins allowed to post to form `id`.
    pub(crate) fn allowed_origins(&self, id: &str) -> &AllowedOrigins {
        &self.settings(id).allowed_origins
    }

    /// The admin API's bearer token, if enabled.
    pub fn admin_token(&self) -> Option<&str> {
        self.0.admin_token.as_deref()
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.0.max_body_bytes
    }

    /// How many connections, and for how long (see [`crate::server`]).
    pub fn connections(&self) -> &Connections {
        &self.0.connections
    }

    pub(crate) fn dist(&self) -> Option<&ServeDir> {
        self.0.dist.as_ref()
    }

    pub(crate) fn site(&self) -> Option<&ServeDir> {
        self.0.site.as_ref()
    }

    /// URL paths (no leading `/`, decoded) of files that must never be served although they
    /// sit in a served directory: the demo keeps its database next to its pages.
    pub(crate) fn private_paths(&self) -> &[String] {
        &self.0.private_paths
    }
}

// The database file and the files SQLite keeps beside it.
fn sqlite_files(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name() else {
        return Vec::new();
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut n = name.to_owned();
            n.push(suffix);
            dir.join(n)
        })
        .collect()
}

// The URL paths at which `dir` would serve any of `files`.
fn url_paths_under(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    files
        .iter()
        .filter_map(|f| f.strip_prefix(&dir).ok())
        .filter_map(|rel| {
            let parts: Option<Vec<&str>> =
                rel.components().map(|c| c.as_os_str().to_str()).collect();
            parts.map(|p| p.join("/"))
        })
        .collect()
}
