//! The second layer of the configuration: the `VOIX_*` environment variables (see the module docs
//! of `config`), over the file's values.

use figment::{
    Figment, Metadata, Profile, Provider,
    providers::Serialized,
    value::{Dict, Map, Value},
};

use super::{ConfigFile, ENV_PREFIX};

/// The keys the environment may set (`VOIX_` + the key in capitals, `.` as `_`): every key of the
/// file but the per-form tables (a test holds this list to the file's keys).
pub(super) const KEYS: &[&str] = &[
    "listen",
    "database",
    "static_dir",
    "dist_dir",
    "allowed_origins",
    "max_body_bytes",
    "admin_token",
    "public_results",
    "rate_limit.per_minute",
    "rate_limit.burst",
    "retain_days",
    "trust_forwarded_for",
    "max_connections",
    "header_timeout_secs",
    "request_timeout_secs",
    "shutdown_timeout_secs",
    "honeypot",
    "min_seconds",
    "proof_of_work",
    "pow_cost",
    "pow_difficulty",
    "pow_busy_per_hour",
    "forms",
];

/// The keys whose value is a list: comma-separated in the environment.
const LIST_KEYS: &[&str] = &["allowed_origins", "forms"];

/// What the environment says, as a figment layer. Written here rather than with figment's `Env`:
/// `Env` turns any number-like text into a number (an all-digit admin token would no longer be
/// text) and knows no comma-separated lists; here every value stays text, which figment's lossy
/// extraction reads as the key's type.
struct Environment<'a>(&'a dyn Fn(&str) -> Option<String>);

/// The variable that sets `key`.
pub(super) fn env_var(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "_").to_ascii_uppercase())
}

impl Provider for Environment<'_> {
    fn metadata(&self) -> Metadata {
        Metadata::named("the environment")
    }

    fn data(&self) -> std::result::Result<Map<Profile, Dict>, figment::Error> {
        let mut layer = Dict::new();
        for key in KEYS {
            // Set but empty is unset: `VOIX_ADMIN_TOKEN=` in a unit file must not mean "".
            let Some(text) = (self.0)(&env_var(key)).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let value = if LIST_KEYS.contains(key) {
                let items = text.split(',').map(str::trim).filter(|i| !i.is_empty());
                Value::from(items.map(Value::from).collect::<Vec<_>>())
            } else {
                Value::from(text.trim().to_owned())
            };
            insert(&mut layer, key, value);
        }
        Ok(Profile::Default.collect(layer))
    }
}

// `rate_limit.burst` is `burst` in the table `rate_limit`, beside the file's other keys there.
fn insert(dict: &mut Dict, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            dict.insert(key.to_owned(), value);
        }
        Some((table, rest)) => {
            let entry = dict
                .entry(table.to_owned())
                .or_insert_with(|| Dict::new().into());
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

impl ConfigFile {
    /// The file's settings with the environment's over them.
    pub(super) fn with_env(
        self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<Self, String> {
        Figment::from(Serialized::defaults(self))
            .merge(Environment(env))
            .extract_lossy()
            .map_err(|errors| {
                // Every value of the file was checked by `toml`: what fails is a variable's.
                let lines: Vec<String> = errors
                    .into_iter()
                    .map(|e| format!("{}: {}", env_var(&e.path.join(".")), e.kind))
                    .collect();
                lines.join("; ")
            })
    }
}
