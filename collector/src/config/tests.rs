//! The configuration's tests: merging of settings, the environment layer, and that the example
//! file and the environment cover every key of the file.

use super::{
    env::{KEYS as ENV_KEYS, env_var},
    *,
};

#[test]
fn line_and_column_of_an_offset() {
    assert_eq!(line_column("abc", 0), (1, 1));
    assert_eq!(line_column("abc\nde", 5), (2, 2));
    assert_eq!(line_column("é\nx", 3), (2, 1));
}

#[test]
fn origins() {
    let o = AllowedOrigins::parse(&["http://a.example:8080".into()]).unwrap();
    assert!(o.allows("http://a.example:8080"));
    assert!(!o.allows("http://a.example"));
    assert!(!o.allows("null"));
    let any = AllowedOrigins::parse(&["*".into()]).unwrap();
    assert!(any.allows("https://whatever.example"));
    assert!(!AllowedOrigins::default().allows("https://a.example"));
    for bad in ["ftp://a", "https://", "https://a/b", "a.example"] {
        assert!(AllowedOrigins::parse(&[bad.into()]).is_err(), "{bad}");
    }
}

/// `text` as the configuration of a directory holding forms `a.json` and `b.json`, with `env`.
pub(crate) fn config(text: &str, env: &[(&str, &str)]) -> std::result::Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    for id in ["a", "b"] {
        std::fs::write(
            dir.path().join(format!("{id}.json")),
            format!(r#"{{"id":"{id}","title":"T","questions":[{{"id":"q","type":"smileys","label":"L"}}]}}"#),
        )
        .unwrap();
    }
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::parse_with_env(text, &dir.path().join("voix.toml"), &|k| {
        env.get(k).cloned()
    })
    .map_err(|e| e.to_string())
}

#[test]
fn form_settings_merge_defaults_and_form_tables() {
    let c = config(
        r#"
        forms = ["a.json", "b.json"]
        allowed_origins = ["https://site.example"]
        retain_days = 30
        rate_limit = { per_minute = 4 }
        [form.b]
        public_results = true
        allowed_origins = ["*"]
        rate_limit = { burst = 2 }
        retain_days = 0
        "#,
        &[],
    )
    .unwrap();
    let a = c.settings("a");
    assert!(a.allowed_origins.allows("https://site.example"));
    assert!(!a.public_results);
    assert_eq!(a.retain_days, Some(30));
    assert_eq!(
        a.rate_limit,
        RateLimit {
            per_minute: 4,
            burst: DEFAULT_RATE_BURST
        }
    );
    let b = c.settings("b");
    assert!(b.allowed_origins.allows("https://anything.example"));
    assert!(b.public_results);
    assert_eq!(b.retain_days, None);
    assert_eq!(
        b.rate_limit,
        RateLimit {
            per_minute: 4,
            burst: 2
        }
    );
}

#[test]
fn form_tables_are_checked() {
    let e = config(
        "forms = [\"a.json\"]\n[form.zzz]\npublic_results = true",
        &[],
    )
    .unwrap_err();
    assert!(
        e.contains("form.zzz") && e.contains("no form with id"),
        "{e}"
    );
    let e = config("forms = [\"a.json\"]\n[form.a]\npublik = true", &[]).unwrap_err();
    assert!(e.contains("publik"), "{e}");
    let e = config("forms = [\"a.json\"]\nadmin_token = \"short\"", &[]).unwrap_err();
    assert!(e.contains("admin_token"), "{e}");
    let e = config("forms = [\"a.json\"]\nrate_limit = { burst = 0 }", &[]).unwrap_err();
    assert!(e.contains("burst"), "{e}");
}

#[test]
fn environment_overrides_the_file() {
    let c = config(
        "forms = [\"a.json\"]\nlisten = \"127.0.0.1:1\"",
        &[
            ("VOIX_LISTEN", "127.0.0.1:2"),
            ("VOIX_FORMS", "a.json, b.json"),
            (
                "VOIX_ALLOWED_ORIGINS",
                "https://x.example,https://y.example",
            ),
            ("VOIX_ADMIN_TOKEN", "0123456789abcdef0123"),
            ("VOIX_RATE_LIMIT_PER_MINUTE", "7"),
            ("VOIX_RETAIN_DAYS", "90"),
            ("VOIX_PUBLIC_RESULTS", "yes"),
            ("VOIX_MAX_BODY_BYTES", "2048"),
        ],
    )
    .unwrap();
    assert_eq!(c.listen.port(), 2);
    assert_eq!(c.forms.len(), 2);
    assert_eq!(c.admin_token.as_deref(), Some("0123456789abcdef0123"));
    assert_eq!(c.max_body_bytes, 2048);
    let b = c.settings("b");
    assert!(b.allowed_origins.allows("https://y.example"));
    assert_eq!(b.rate_limit.per_minute, 7);
    assert_eq!(b.retain_days, Some(90));
    assert!(b.public_results);
    let e = config("forms = [\"a.json\"]", &[("VOIX_RETAIN_DAYS", "soon")]).unwrap_err();
    assert!(
        e.contains("VOIX_RETAIN_DAYS: ") && e.contains("\"soon\""),
        "{e}"
    );
    let e = config(
        "forms = [\"a.json\"]",
        &[("VOIX_RATE_LIMIT_BURST", "99999999999")],
    )
    .unwrap_err();
    assert!(e.contains("VOIX_RATE_LIMIT_BURST: "), "{e}");
}

#[test]
fn environment_values_are_text_until_typed() {
    let c = config(
        "forms = [\"a.json\"]\nrate_limit = { per_minute = 4 }\nadmin_token = \"file-token-0123456789\"",
        &[
            // An all-digit token stays text.
            ("VOIX_ADMIN_TOKEN", "01234567890123456789"),
            // One key of a table: the file's other key is kept.
            ("VOIX_RATE_LIMIT_BURST", " 2 "),
            // Set but empty is unset.
            ("VOIX_LISTEN", ""),
            ("VOIX_ALLOWED_ORIGINS", " https://x.example , "),
            // Not the collector's: ignored.
            ("VOIX_TEST_DATABASE_URL", "postgres://elsewhere/db"),
            ("VOIX_COLOUR", "blue"),
        ],
    )
    .unwrap();
    assert_eq!(c.admin_token.as_deref(), Some("01234567890123456789"));
    assert_eq!(
        c.defaults.rate_limit,
        RateLimit {
            per_minute: 4,
            burst: 2
        }
    );
    assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(c.defaults.allowed_origins.listed(), ["https://x.example"]);
}

#[test]
fn forwarded_for_is_trusted_only_when_asked() {
    assert!(
        !config("forms = [\"a.json\"]", &[])
            .unwrap()
            .trust_forwarded_for
    );
    let c = config("forms = [\"a.json\"]\ntrust_forwarded_for = true", &[]).unwrap();
    assert!(c.trust_forwarded_for);
    let c = config(
        "forms = [\"a.json\"]\ntrust_forwarded_for = true",
        &[("VOIX_TRUST_FORWARDED_FOR", "no")],
    )
    .unwrap();
    assert!(!c.trust_forwarded_for);
    let e = config(
        "forms = [\"a.json\"]",
        &[("VOIX_TRUST_FORWARDED_FOR", "maybe")],
    )
    .unwrap_err();
    assert!(e.contains("VOIX_TRUST_FORWARDED_FOR"), "{e}");
}

/// The fields of struct `T`, as serde names them (what `deny_unknown_fields` accepts).
fn fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe(&'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for &mut Probe {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(serde::de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut probe = Probe(&[]);
    let _ = T::deserialize(&mut probe);
    probe.0
}

/// Every key of the file, tables' keys as `table.key`; per-form tables as `form.ID.key`.
fn file_keys() -> Vec<String> {
    let mut keys = Vec::new();
    for key in fields::<ConfigFile>() {
        match *key {
            "rate_limit" => keys.extend(
                fields::<RateLimitFile>()
                    .iter()
                    .map(|k| format!("rate_limit.{k}")),
            ),
            "form" => keys.extend(fields::<FormFile>().iter().map(|k| format!("form.ID.{k}"))),
            other => keys.push(other.to_owned()),
        }
    }
    keys
}

#[test]
fn every_key_of_the_file_but_per_form_ones_can_come_from_the_environment() {
    let mut keys: Vec<String> = file_keys()
        .into_iter()
        .filter(|k| !k.starts_with("form.ID."))
        .collect();
    assert!(keys.len() > 10, "{keys:?}");
    keys.sort();
    let mut env = ENV_KEYS.to_vec();
    env.sort();
    assert_eq!(keys, env);
}

/// What ARCHITECTURE.md and the README promise of `voix.example.toml`: every key, with the
/// variable that sets it, and nothing that is not a key.
#[test]
fn the_example_configuration_documents_every_key() {
    let example = include_str!("../../voix.example.toml");
    // The example with its commented-out settings (`# key = value`) switched on.
    let on: String = example
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest
                    .split_once(" = ")
                    .is_some_and(|(k, _)| fields::<ConfigFile>().contains(&k)) =>
            {
                rest
            }
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    // Keys and types, strictly: the loader's own checks (directories exist…) are for a real
    // deployment, and `voix-collector check` runs them on the example (tests/example_config.rs).
    let file: ConfigFile =
        toml::from_str(&on).unwrap_or_else(|e| panic!("{}", toml_message(&e, &on)));
    let table: toml::Table = toml::from_str(&on).unwrap();
    for key in file_keys() {
        let documented = match key.split('.').collect::<Vec<_>>()[..] {
            [key] => table.contains_key(key),
            ["rate_limit", sub] => table["rate_limit"].get(sub).is_some(),
            // Named in the comment above the example's [form.satisfaction] table.
            ["form", "ID", sub] => example
                .lines()
                .any(|l| l.starts_with("# Per-form settings. Keys:") && l.contains(sub)),
            _ => false,
        };
        assert!(documented, "`{key}` is not in voix.example.toml");
    }
    for key in ENV_KEYS {
        assert!(
            example.contains(&env_var(key)),
            "{} is not named",
            env_var(key)
        );
    }
    assert!(!file.forms.is_empty() && file.form.contains_key("satisfaction"));
}

#[test]
fn listen_addresses() {
    assert_eq!(parse_listen("127.0.0.1:0").unwrap().port(), 0);
    assert!(parse_listen("[::1]:8080").is_ok());
    assert!(parse_listen("localhost").is_err());
}

#[test]
fn a_form_from_a_template() {
    let c = config(
        r#"
        forms = ["a.json"]
        [form.avis-demarche]
        template = "jdma"
        public_results = true
        "#,
        &[],
    )
    .unwrap();
    let ids: Vec<&str> = c.forms.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["a", "avis-demarche"]);
    let jdma = &c.forms[1];
    assert_eq!(jdma.questions[0].id, "satisfaction");
    assert!(c.settings("avis-demarche").public_results);
    // Its English words come with it.
    assert!(c.translations["avis-demarche"].locales().next().is_some());
    // A template alone is a configuration.
    assert!(config("[form.x]\ntemplate = \"jdma\"", &[]).is_ok());
    for (text, needle) in [
        (
            "forms = [\"a.json\"]\n[form.x]\ntemplate = \"nope\"",
            "form.x.template: no template `nope`; known: jdma",
        ),
        (
            "forms = [\"a.json\"]\n[form.a]\ntemplate = \"jdma\"",
            "form.a.template: form id `a` is also defined in",
        ),
        (
            "forms = [\"a.json\"]\n[form.X]\ntemplate = \"jdma\"",
            "form.X.template: `X` is not a form id",
        ),
    ] {
        let e = config(text, &[]).unwrap_err();
        assert!(e.contains(needle), "{text}: {e}");
    }
}

#[test]
fn a_poll_s_results_are_decided_by_its_definition() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        "id = \"p\"\ntitle = \"P\"\n[poll]\nresults = \"never\"\n[[questions]]\nid = \"q\"\n\
         type = \"choice\"\nlabel = \"Q\"\nchoices = [{ id = \"a\", label = \"A\" }, \
         { id = \"b\", label = \"B\" }]\n",
    )
    .unwrap();
    let path = dir.path().join("voix.toml");
    let e = Config::parse(
        "forms = [\"p.toml\"]\n[form.p]\npublic_results = true\n",
        &path,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("form.p.public_results: `p` is a poll and its definition says"),
        "{e}"
    );
    // The top-level default is for the other forms; a poll keeps its own rule.
    assert!(Config::parse("forms = [\"p.toml\"]\npublic_results = true\n", &path).is_ok());
    // Saying what the definition says is allowed; hiding what the widget shows is not.
    let open = std::fs::read_to_string(dir.path().join("p.toml"))
        .unwrap()
        .replace("results = \"never\"", "results = \"always\"");
    std::fs::write(dir.path().join("p.toml"), open).unwrap();
    let with = |value: &str| {
        Config::parse(
            &format!("forms = [\"p.toml\"]\n[form.p]\npublic_results = {value}\n"),
            &path,
        )
    };
    assert!(with("true").is_ok());
    let e = with("false").unwrap_err().to_string();
    assert!(e.contains("the widget shows a poll's results"), "{e}");
}

#[test]
fn connection_limits_have_defaults_refuse_zero_and_come_from_the_environment() {
    let c = config("forms = [\"a.json\"]", &[]).unwrap();
    assert_eq!(c.connections, Connections::default());
    assert_eq!(c.connections.max, DEFAULT_MAX_CONNECTIONS);
    assert_eq!(
        c.connections.header_timeout,
        Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS)
    );
    let c = config(
        "forms = [\"a.json\"]\nmax_connections = 50\nheader_timeout_secs = 3\n\
         request_timeout_secs = 4\nshutdown_timeout_secs = 5",
        &[("VOIX_SHUTDOWN_TIMEOUT_SECS", "6")],
    )
    .unwrap();
    assert_eq!(
        c.connections,
        Connections {
            max: 50,
            header_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(4),
            shutdown_timeout: Duration::from_secs(6),
        }
    );
    for key in [
        "max_connections",
        "header_timeout_secs",
        "request_timeout_secs",
        "shutdown_timeout_secs",
    ] {
        let e = config(&format!("forms = [\"a.json\"]\n{key} = 0"), &[]).unwrap_err();
        assert!(e.contains(&format!("{key}: must be at least 1")), "{e}");
    }
}
