//! The connection string: what `sslmode` and `sslrootcert` ask of TLS, with libpq's rules (see
//! the module docs of `postgres`), taken out of a `postgres://` URL or a libpq key/value string
//! before the rest goes to tokio-postgres, which knows neither `verify-ca`, `verify-full` nor
//! `sslrootcert`.

use std::{ops::Range, path::PathBuf};

use percent_encoding::percent_decode_str;
use tokio_postgres::{Config, config::Host};

use super::describe;

/// `sslmode`, with libpq's values and meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, else plain.
    Prefer,
    /// TLS, or no connection.
    Require,
    /// TLS; the certificate is signed by an authority of `sslrootcert`.
    VerifyCa,
    /// TLS; the certificate is signed by a trusted authority and names the host.
    VerifyFull,
}

impl SslMode {
    const ALL: [SslMode; 5] = [
        SslMode::Disable,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    fn parse(value: &str) -> std::result::Result<SslMode, String> {
        if let Some(mode) = SslMode::ALL.into_iter().find(|m| m.name() == value) {
            return Ok(mode);
        }
        Err(match value {
            "allow" => "sslmode=allow is not supported: use prefer (TLS when the server offers \
                        it) or disable"
                .into(),
            _ => format!(
                "sslmode=`{value}` is not one of disable, prefer, require, verify-ca, verify-full"
            ),
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// What tokio-postgres is told (see [`apply_ssl_mode`]).
    fn driver_mode(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        }
    }
}

/// Tells tokio-postgres the mode: it negotiates TLS, our verifier judges the certificate. When
/// every host is a Unix socket, none: libpq ignores `sslmode` there.
pub(super) fn apply_ssl_mode(config: &mut Config, mode: SslMode) {
    let hosts = config.get_hosts();
    let unix_only = !hosts.is_empty() && hosts.iter().all(|host| !matches!(host, Host::Tcp(_)));
    config.ssl_mode(match unix_only {
        true => tokio_postgres::config::SslMode::Disable,
        false => mode.driver_mode(),
    });
}

/// The authorities that vouch for the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RootCert {
    /// The system's root certificates (`sslrootcert=system`, or `verify-full` without
    /// `sslrootcert`).
    System,
    /// A PEM file of one or more certificates (`sslrootcert=/path/ca.pem`).
    File(PathBuf),
}

impl std::fmt::Display for RootCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootCert::System => f.write_str("the system's root certificates"),
            RootCert::File(path) => write!(f, "sslrootcert {}", path.display()),
        }
    }
}

/// What a connection string asks of TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TlsParams {
    pub(super) mode: SslMode,
    /// The authorities the certificate must be signed by; `None`: it is not checked (the
    /// connection is encrypted, not authenticated).
    pub(super) roots: Option<RootCert>,
    /// The certificate must also name the host (`verify-full`).
    pub(super) check_host: bool,
}

impl TlsParams {
    /// From the values of `sslmode` and `sslrootcert`, if given, with libpq's rules.
    fn new(mode: Option<&str>, root_cert: Option<&str>) -> std::result::Result<TlsParams, String> {
        let root_cert = match root_cert {
            None | Some("") => None,
            Some("system") => Some(RootCert::System),
            Some(path) => Some(RootCert::File(PathBuf::from(path))),
        };
        let system = root_cert == Some(RootCert::System);
        let mode = match mode {
            Some(mode) => SslMode::parse(mode)?,
            None if system => SslMode::VerifyFull,
            None => SslMode::Prefer,
        };
        if system && mode != SslMode::VerifyFull {
            return Err(format!(
                "sslrootcert=system needs sslmode=verify-full, not {}: the system's authorities \
                 sign certificates for any name, so the host name must be checked",
                mode.name()
            ));
        }
        let (roots, check_host) = match mode {
            SslMode::Disable => (None, false),
            // libpq checks the chain (not the name) whenever it has a root certificate file.
            SslMode::Prefer | SslMode::Require => (root_cert, false),
            SslMode::VerifyCa if root_cert.is_some() => (root_cert, false),
            SslMode::VerifyCa => {
                return Err(
                    "sslmode=verify-ca needs sslrootcert=/path/to/ca.pem, the authority \
                            that signed the server's certificate (to check against the system's \
                            root certificates, use verify-full)"
                        .into(),
                );
            }
            SslMode::VerifyFull => (Some(root_cert.unwrap_or(RootCert::System)), true),
        };
        Ok(TlsParams {
            mode,
            roots,
            check_host,
        })
    }
}

/// Reads a connection string as [`super::open`] does, without reading certificate files
/// or connecting: for `voix-collector check`.
pub(in crate::store) fn check_url(conn: &str) -> std::result::Result<(), String> {
    let (rest, _) = take_tls_params(conn).map_err(|m| format!("invalid PostgreSQL URL: {m}"))?;
    rest.parse::<Config>()
        .map(drop)
        .map_err(|e| format!("invalid PostgreSQL URL: {}", describe(&e)))
}

/// Takes `sslmode` and `sslrootcert` out of a connection string — a `postgres://` URL or a
/// libpq key/value string — and reads them; returns the rest, for tokio-postgres (which
/// refuses `sslrootcert`, `verify-ca` and `verify-full`). The last occurrence of a key wins.
pub(super) fn take_tls_params(conn: &str) -> std::result::Result<(String, TlsParams), String> {
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: &dyn Fn() -> std::result::Result<String, String>| {
        match key {
            "sslmode" => mode = Some(value()?),
            "sslrootcert" => root_cert = Some(value()?),
            "sslcert" | "sslkey" => {
                return Err(format!("{key}: client certificates are not supported"));
            }
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if ["postgres://", "postgresql://"]
        .iter()
        .any(|scheme| conn.starts_with(scheme))
    {
        // The query starts at the first `?` after the user info, as tokio-postgres reads it.
        let after_user = conn.find('@').map_or(0, |at| at + 1);
        match conn[after_user..].find('?') {
            None => conn.to_owned(),
            Some(at) => {
                let (head, query) = conn.split_at(after_user + at);
                let mut kept = Vec::new();
                for pair in query[1..].split('&') {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let key = percent_decode_str(key).decode_utf8_lossy();
                    let value = || {
                        percent_decode_str(value)
                            .decode_utf8()
                            .map(|v| v.into_owned())
                            .map_err(|_| format!("{key} is not UTF-8 once percent-decoded"))
                    };
                    if !take(&key, &value)? {
                        kept.push(pair);
                    }
                }
                match kept.is_empty() {
                    true => head.to_owned(),
                    false => format!("{head}?{}", kept.join("&")),
                }
            }
        }
    } else {
        match key_values(conn) {
            // Malformed: tokio-postgres says how.
            None => conn.to_owned(),
            Some(pairs) => {
                let mut rest = String::new();
                let mut from = 0;
                for pair in pairs {
                    if take(pair.key, &|| Ok(pair.value.clone()))? {
                        rest += &conn[from..pair.span.start];
                        from = pair.span.end;
                    }
                }
                rest + &conn[from..]
            }
        }
    };
    Ok((rest, TlsParams::new(mode.as_deref(), root_cert.as_deref())?))
}

/// One `key = value` of a libpq key/value connection string.
#[derive(Debug, PartialEq, Eq)]
pub(in crate::store) struct KeyValue<'a> {
    /// Where the pair is in the string, key to end of value.
    pub(in crate::store) span: Range<usize>,
    pub(in crate::store) key: &'a str,
    /// Unquoted and unescaped.
    pub(in crate::store) value: String,
}

/// The pairs of a libpq key/value string (`host=db user=voix password='a b\'c'`), read as
/// tokio-postgres reads them; `None` if it is malformed. Ours because tokio-postgres does not
/// expose its parser, and `sslrootcert` must be taken out before it sees the string.
pub(in crate::store) fn key_values(text: &str) -> Option<Vec<KeyValue<'_>>> {
    let mut pairs = Vec::new();
    let mut chars = text.char_indices().peekable();
    let end_of = |(at, c): (usize, char)| at + c.len_utf8();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            return Some(pairs);
        };
        let mut key_end = start;
        while let Some(c) = chars.next_if(|&(_, c)| !c.is_whitespace() && c != '=') {
            key_end = end_of(c);
        }
        if key_end == start {
            return None;
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        chars.next_if(|&(_, c)| c == '=')?;
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        let mut end = None;
        if chars.next_if(|&(_, c)| c == '\'').is_some() {
            loop {
                let (at, c) = chars.next()?;
                match c {
                    '\'' => {
                        end = Some(at + 1);
                        break;
                    }
                    '\\' => value.push(chars.next()?.1),
                    c => value.push(c),
                }
            }
        } else {
            while let Some((at, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                end = Some(end_of((at, c)));
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        value.push(escaped.1);
                        end = Some(end_of(escaped));
                    }
                } else {
                    value.push(c);
                }
            }
            if value.is_empty() {
                return None;
            }
        }
        pairs.push(KeyValue {
            span: start..end?,
            key: &text[start..key_end],
            value,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn params(mode: SslMode, roots: Option<RootCert>, check_host: bool) -> TlsParams {
        TlsParams {
            mode,
            roots,
            check_host,
        }
    }

    fn file(path: &str) -> Option<RootCert> {
        Some(RootCert::File(path.into()))
    }

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url() {
        let (rest, tls) = take_tls_params(
            "postgres://voix:pw@db.example:5433/voix?application_name=a&sslmode=verify-full\
             &sslrootcert=%2Fetc%2Fvoix%2Fdb%20ca.pem&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(
            rest,
            "postgres://voix:pw@db.example:5433/voix?application_name=a&connect_timeout=3"
        );
        assert_eq!(
            tls,
            params(SslMode::VerifyFull, file("/etc/voix/db ca.pem"), true)
        );
        // What is left is for tokio-postgres, which reads it.
        let config: Config = rest.parse().unwrap();
        assert_eq!(config.get_application_name(), Some("a"));
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(3)));

        let (rest, tls) = take_tls_params("postgresql://db/voix?sslmode=require").unwrap();
        assert_eq!(rest, "postgresql://db/voix");
        assert_eq!(tls, params(SslMode::Require, None, false));

        // A `?` in a (percent-encoded or not) password is not the query.
        let (rest, tls) = take_tls_params("postgres://voix:a?b@db/voix?sslmode=disable").unwrap();
        assert_eq!(rest, "postgres://voix:a?b@db/voix");
        assert_eq!(tls.mode, SslMode::Disable);

        // The last one wins, as in libpq.
        let (_, tls) =
            take_tls_params("postgres://db/voix?sslmode=disable&sslmode=require").unwrap();
        assert_eq!(tls.mode, SslMode::Require);
    }

    #[test]
    fn without_sslmode_tls_is_preferred_and_unchecked() {
        for url in [
            "postgres://voix@127.0.0.1/voix",
            "postgres://voix@db/voix?sslmode=prefer",
        ] {
            let (rest, tls) = take_tls_params(url).unwrap();
            assert_eq!(rest, url.split('?').next().unwrap());
            assert_eq!(tls, params(SslMode::Prefer, None, false), "{url}");
        }
    }

    #[test]
    fn each_sslmode_checks_what_libpq_checks() {
        let ca = Some("/ca.pem");
        let cases = [
            (Some("disable"), ca, params(SslMode::Disable, None, false)),
            (Some("prefer"), None, params(SslMode::Prefer, None, false)),
            (Some("require"), None, params(SslMode::Require, None, false)),
            // A root certificate file makes libpq check the chain, not the name.
            (
                Some("prefer"),
                ca,
                params(SslMode::Prefer, file("/ca.pem"), false),
            ),
            (
                Some("require"),
                ca,
                params(SslMode::Require, file("/ca.pem"), false),
            ),
            (
                Some("verify-ca"),
                ca,
                params(SslMode::VerifyCa, file("/ca.pem"), false),
            ),
            (
                Some("verify-full"),
                ca,
                params(SslMode::VerifyFull, file("/ca.pem"), true),
            ),
            (
                Some("verify-full"),
                None,
                params(SslMode::VerifyFull, Some(RootCert::System), true),
            ),
            (
                Some("verify-full"),
                Some("system"),
                params(SslMode::VerifyFull, Some(RootCert::System), true),
            ),
            // libpq 16: sslrootcert=system makes verify-full the default.
            (
                None,
                Some("system"),
                params(SslMode::VerifyFull, Some(RootCert::System), true),
            ),
            (None, Some(""), params(SslMode::Prefer, None, false)),
        ];
        for (mode, root, expected) in cases {
            assert_eq!(
                TlsParams::new(mode, root),
                Ok(expected),
                "{mode:?} {root:?}"
            );
        }
    }

    #[test]
    fn impossible_tls_settings_are_refused_clearly() {
        let refused = |url: &str| take_tls_params(url).unwrap_err();
        let e = refused("postgres://db/voix?sslmode=verify");
        assert_eq!(
            e,
            "sslmode=`verify` is not one of disable, prefer, require, verify-ca, verify-full"
        );
        assert!(refused("postgres://db/voix?sslmode=allow").contains("use prefer"));
        assert!(refused("postgres://db/voix?sslmode=verify-ca").contains("needs sslrootcert="));
        assert!(
            refused("postgres://db/voix?sslmode=require&sslrootcert=system")
                .contains("sslrootcert=system needs sslmode=verify-full")
        );
        assert!(refused("postgres://db/voix?sslcert=/c.pem").contains("client certificates"));
        assert!(refused("postgres://db/voix?sslrootcert=%FF").contains("not UTF-8"));
    }

    #[test]
    fn tokio_postgres_alone_would_refuse_these_urls() {
        // Why they are taken out first.
        for url in [
            "postgres://db/voix?sslrootcert=/ca.pem",
            "postgres://db/voix?sslmode=verify-ca",
            "postgres://db/voix?sslmode=verify-full",
        ] {
            assert!(url.parse::<Config>().is_err(), "{url}");
        }
    }

    #[test]
    fn key_value_strings_are_read_like_tokio_postgres_reads_them() {
        let text = "host=db  sslmode = 'verify-full' password='a \\'b\\\\' user=vo\\ ix \
                    sslrootcert=/etc/ca.pem";
        let pairs = key_values(text).unwrap();
        let found: Vec<(&str, &str)> = pairs.iter().map(|p| (p.key, p.value.as_str())).collect();
        assert_eq!(
            found,
            [
                ("host", "db"),
                ("sslmode", "verify-full"),
                ("password", "a 'b\\"),
                ("user", "vo ix"),
                ("sslrootcert", "/etc/ca.pem"),
            ]
        );
        assert_eq!(&text[pairs[1].span.clone()], "sslmode = 'verify-full'");

        let (rest, tls) = take_tls_params(text).unwrap();
        assert_eq!(tls, params(SslMode::VerifyFull, file("/etc/ca.pem"), true));
        let config: Config = rest.parse().unwrap();
        assert_eq!(config.get_user(), Some("vo ix"));
        assert_eq!(config.get_password(), Some(&b"a 'b\\"[..]));

        for malformed in ["host", "host=", "=db", "password='open"] {
            assert_eq!(key_values(malformed), None, "{malformed}");
        }
        assert_eq!(key_values("  "), Some(vec![]));
    }

    #[test]
    fn sslmode_does_not_apply_to_unix_sockets() {
        use tokio_postgres::config::SslMode as Driver;
        let mode = |url: &str| {
            let mut config: Config = url.parse().unwrap();
            apply_ssl_mode(&mut config, SslMode::VerifyFull);
            config.get_ssl_mode()
        };
        assert_eq!(mode("postgres://voix@db/voix"), Driver::Require);
        assert_eq!(
            mode("postgres://voix@%2Frun%2Fpostgresql/voix"),
            Driver::Disable
        );
        assert_eq!(
            mode("postgres:///voix?host=/run/postgresql"),
            Driver::Disable
        );
        // Mixed: TCP to db, then the socket.
        assert_eq!(
            mode("postgres://voix@db/voix?host=/run/postgresql"),
            Driver::Require
        );
    }
}
