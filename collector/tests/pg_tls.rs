//! TLS to PostgreSQL, end to end: the store connects with each `sslmode` to a server that
//! speaks TLS, and the server's own view (`pg_stat_ssl`, for the store's backend, found by its
//! `application_name`) says whether the connection is encrypted.
//!
//! Runs when `VOIX_TEST_DATABASE_URL` names a PostgreSQL server on this machine (TCP) and
//! `VOIX_TEST_DATABASE_CA` holds the authority that signed its certificate for `localhost` and
//! `127.0.0.1`, as `cargo xtask test` sets them. Otherwise the first test says on stderr, past
//! libtest's capture, that they are skipped. Each test works in a schema of its own, dropped when
//! it passes.

use std::{
    io::Write,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use voix_collector::store::{self, DatabaseUrl, Store, redact};
use voix_form::answer::Answers;

const URL_ENV: &str = "VOIX_TEST_DATABASE_URL";
const CA_ENV: &str = "VOIX_TEST_DATABASE_CA";

/// A certificate authority that signed nothing of the test server's.
const OTHER_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBpDCCAUugAwIBAgIUKjvTfR2ie2rzPGVQdZu11q1+6LgwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUbm90IHRoZSB2b2l4IHRlc3QgQ0EwIBcNMjYxMTI2MTcyOTAw
WhgPMjEyNjExMDIxNzI5MDBaMB8xHTAbBgNVBAMMFG5vdCB0aGUgdm9peCB0ZXN0
IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpZJAKQRl8UNxpJ/Q1iqd7DmY
FZpTnB+WdcE+cXborPSHAROT3ubezCFc2KySXy4mTjgvxIXf9sDz57ejUxr8OaNj
MGEwHQYDVR0OBBYEFHyggkiNYZ5nLLHs0ztsI5Kkd+HmMB8GA1UdIwQYMBaAFHyg
gkiNYZ5nLLHs0ztsI5Kkd+HmMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQD
AgIEMAoGCCqGSM49BAMCA0cAMEQCIGJw3LgTK0JpkD6wtwmrV9aSyDzvGYG2vmKB
JTnVYsVbAiBikxxfpPVIk8VPyk0HEOhv42BYpIrAd/PWrFyRjE70ng==
-----END CERTIFICATE-----
";

/// The test server, and this test's schema on it.
struct Server {
    /// `user[:password]`, percent-encoded.
    userinfo: String,
    port: u16,
    dbname: String,
    /// The authority's certificate, percent-encoded for a URL.
    ca: String,
    schema: String,
    /// A plain side connection (tokio-postgres without TLS), to look at the server's view.
    admin: tokio_postgres::Client,
}

impl Server {
    async fn get(test: &str) -> Option<Server> {
        let (Ok(admin_url), Ok(ca)) = (std::env::var(URL_ENV), std::env::var(CA_ENV)) else {
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "pg_tls: PostgreSQL TLS tests skipped ({test} and the others): \
                     {URL_ENV} and {CA_ENV} must both be set"
                );
            });
            return None;
        };
        let config: tokio_postgres::Config = admin_url.parse().expect(URL_ENV);
        let port = *config.get_ports().first().unwrap_or(&5432);
        let encode = |s: &[u8]| percent_encoding::percent_encode(s, NON_ALPHANUMERIC).to_string();
        let user = config.get_user().expect("the test URL names a user");
        let userinfo = match config.get_password() {
            Some(password) => format!("{}:{}", encode(user.as_bytes()), encode(password)),
            None => encode(user.as_bytes()),
        };
        let dbname = config.get_dbname().unwrap_or(user).to_owned();
        let (admin, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", redact(&admin_url)));
        tokio::spawn(connection);
        let schema = format!("tls_{test}_{}", std::process::id());
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        eprintln!("pg_tls: {test} on {} (schema {schema})", redact(&admin_url));
        Some(Server {
            userinfo,
            port,
            dbname,
            ca: utf8_percent_encode(&ca, NON_ALPHANUMERIC).to_string(),
            schema,
            admin,
        })
    }

    /// A URL to `host` with `query`, in this test's schema, its connections named `app`.
    fn url(&self, host: &str, query: &str, app: &str) -> DatabaseUrl {
        let Server {
            userinfo,
            port,
            dbname,
            schema,
            ..
        } = self;
        let sep = if query.is_empty() { "" } else { "&" };
        DatabaseUrl::Postgres(format!(
            "postgres://{userinfo}@{host}:{port}/{dbname}?{query}{sep}\
             options=-csearch_path%3D{schema}&application_name={app}"
        ))
    }

    /// Whether the server sees the connections named `app` — the writer's and the one read
    /// connection a read opened — as encrypted (both alike).
    async fn encrypted(&self, app: &str) -> bool {
        let rows = self
            .admin
            .query(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                 WHERE a.application_name = $1",
                &[&app],
            )
            .await
            .unwrap();
        assert_eq!(
            rows.len(),
            2,
            "two connections named {app}: the writer's and a reader's"
        );
        let encrypted: Vec<bool> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(encrypted[0], encrypted[1], "{app}: {encrypted:?}");
        encrypted[0]
    }

    /// Opens a store on `url`, stores an answer and reads it back, then tells whether its
    /// connection is encrypted.
    async fn store_and_read(&self, url: &DatabaseUrl, app: &str) -> bool {
        let store: Arc<dyn Store> =
            store::open(url).unwrap_or_else(|e| panic!("opening {url}: {e}"));
        let answers: Answers = [("note".to_owned(), format!("via {app}"))]
            .into_iter()
            .collect();
        store.insert(app, Some("s1"), &answers).await.unwrap();
        let stored = store.responses(app).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].answers, answers);
        let encrypted = self.encrypted(app).await;
        store.close().await;
        encrypted
    }

    /// The store's open error for `url`, which must come quickly.
    fn refused(&self, url: &DatabaseUrl) -> String {
        let started = Instant::now();
        let e = match store::open(url) {
            Ok(_) => panic!("{url} was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "refused only after {:?}",
            started.elapsed()
        );
        eprintln!("pg_tls: refused as expected: {e}");
        e
    }

    async fn finish(self) {
        self.admin
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .await
            .unwrap();
    }
}

fn app(test: &str) -> String {
    format!("voix-tls-{test}-{}", std::process::id())
}

/// The recommended setting across a network: the certificate is signed by the authority
/// of `sslrootcert` and names the host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_ca_stores_over_tls() {
    let Some(s) = Server::get("verify_full").await else {
        return;
    };
    let app = app("verify-full");
    let query = format!("sslmode=verify-full&sslrootcert={}", s.ca);
    assert!(
        s.store_and_read(&s.url("localhost", &query, &app), &app)
            .await
    );
    // The certificate names 127.0.0.1 too.
    let app = app + "-ip";
    assert!(
        s.store_and_read(&s.url("127.0.0.1", &query, &app), &app)
            .await
    );
    s.finish().await;
}

/// `require` encrypts without checking the certificate, as libpq does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_encrypts_without_the_ca() {
    let Some(s) = Server::get("require").await else {
        return;
    };
    let app = app("require");
    let url = s.url("127.0.0.1", "sslmode=require", &app);
    assert!(s.store_and_read(&url, &app).await);
    s.finish().await;
}

/// Without `sslmode`: `prefer`, so TLS when the server offers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefer_by_default_encrypts_when_the_server_offers_tls() {
    let Some(s) = Server::get("prefer").await else {
        return;
    };
    let app = app("prefer");
    assert!(s.store_and_read(&s.url("127.0.0.1", "", &app), &app).await);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_stays_plain() {
    let Some(s) = Server::get("disable").await else {
        return;
    };
    let app = app("disable");
    let url = s.url("127.0.0.1", "sslmode=disable", &app);
    assert!(!s.store_and_read(&url, &app).await);
    s.finish().await;
}

/// `verify-full` without `sslrootcert` checks against the system's authorities, which did not
/// sign the test certificate: a clear certificate error at once, and no password in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_without_the_ca_is_refused() {
    let Some(s) = Server::get("verify_full_no_ca").await else {
        return;
    };
    let app = app("verify-full-no-ca");
    let DatabaseUrl::Postgres(url) = s.url("localhost", "sslmode=verify-full", &app) else {
        unreachable!()
    };
    // Trust authentication ignores the password; it must not show in the error.
    let url = url.replacen("@localhost", ":not-the-password@localhost", 1);
    let e = s.refused(&DatabaseUrl::Postgres(url));
    assert!(e.contains("sslmode=verify-full"), "{e}");
    assert!(
        e.contains("certificate is not signed by an authority"),
        "{e}"
    );
    assert!(e.contains("sslrootcert="), "{e}");
    assert!(!e.contains("not-the-password"), "{e}");
    s.finish().await;
}

/// `verify-ca` checks the authority, not the name; `verify-full` checks both. The server is
/// reached at 127.0.0.1 (`hostaddr`) under a name its certificate does not hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_skips_the_host_name_and_verify_full_does_not() {
    let Some(s) = Server::get("verify_ca").await else {
        return;
    };
    let app = app("verify-ca");
    let query = format!("hostaddr=127.0.0.1&sslmode=verify-ca&sslrootcert={}", s.ca);
    assert!(
        s.store_and_read(&s.url("db.invalid", &query, &app), &app)
            .await
    );

    let query = query.replace("verify-ca", "verify-full");
    let e = s.refused(&s.url("db.invalid", &query, &app));
    assert!(
        e.contains("certificate is not valid for the host name"),
        "{e}"
    );
    s.finish().await;
}

/// As in libpq, a root certificate file makes `require` (and `prefer`) check the authority:
/// a certificate it did not sign is refused, where without the file it is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_with_a_root_certificate_checks_the_authority() {
    let Some(s) = Server::get("require_other_ca").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let other: PathBuf = dir.path().join("other-ca.pem");
    std::fs::write(&other, OTHER_CA).unwrap();
    let other = utf8_percent_encode(other.to_str().unwrap(), NON_ALPHANUMERIC).to_string();
    let app = app("require-other-ca");
    for mode in ["require", "prefer", "verify-ca", "verify-full"] {
        let query = format!("sslmode={mode}&sslrootcert={other}");
        let e = s.refused(&s.url("localhost", &query, &app));
        assert!(
            e.contains("certificate is not signed by an authority"),
            "{e}"
        );
    }
    let app = app + "-right-ca";
    let query = format!("sslmode=require&sslrootcert={}", s.ca);
    assert!(
        s.store_and_read(&s.url("localhost", &query, &app), &app)
            .await
    );
    s.finish().await;
}
