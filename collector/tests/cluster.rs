//! More than one machine (issue 14): two collector processes sharing one PostgreSQL database
//! behind a round-robin proxy (Debian's nginx, started here) on loopback. The HTTP story passes
//! through the proxy; then one collector is killed (SIGKILL) while clients post, and no answer
//! that was acknowledged is lost or stored twice.
//!
//! Needs `VOIX_TEST_DATABASE_URL` (a PostgreSQL database whose user may create schemas; the test
//! works in a schema of its own, dropped when it passes) and nginx (`VOIX_TEST_NGINX`, else
//! `/usr/sbin/nginx`). `cargo xtask test` provides both and runs this file in its "two
//! collectors" step; a plain `cargo test` lists it as ignored, and `--ignored` without them
//! fails saying what is missing.

use std::{
    collections::{BTreeMap, BTreeSet},
    net::{SocketAddr, TcpListener},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

mod common;
use common::{Site, avis, body_of, exchange, signal, status_of};

const TOKEN: &str = "0123456789abcdef-cluster";
const LIMITED: &str =
    r#"{"id":"limited","title":"L","questions":[{"id":"note","type":"smileys","label":"N"}]}"#;

/// A schema of its own in the test database, and the URL that works in it.
struct Schema {
    server: String,
    name: String,
    url: String,
}

impl Schema {
    async fn create() -> Schema {
        let server = std::env::var("VOIX_TEST_DATABASE_URL").expect(
            "VOIX_TEST_DATABASE_URL must name a PostgreSQL database (cargo xtask test sets it)",
        );
        let name = format!("cluster_{}", std::process::id());
        client(&server)
            .await
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
            ))
            .await
            .unwrap();
        let sep = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{sep}options=-csearch_path%3D{name}");
        Schema { server, name, url }
    }

    async fn drop_it(self) {
        client(&self.server)
            .await
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name))
            .await
            .unwrap();
    }
}

async fn client(url: &str) -> tokio_postgres::Client {
    // The test server speaks TLS only when asked; plain is enough on loopback.
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot connect to {}: {e}",
                voix_collector::store::redact(url)
            )
        });
    tokio::spawn(connection);
    client
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx in front of `upstreams`, round robin; stopped when dropped.
struct Proxy {
    child: Child,
    addr: SocketAddr,
}

impl Proxy {
    fn start(site: &Site, upstreams: &[SocketAddr]) -> Proxy {
        let nginx = std::env::var("VOIX_TEST_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
        let dir = site.path().join("nginx");
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        // Workers may run as another user (nobody) when started as root.
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("a+rwx")
            .arg(&dir)
            .status();
        let port = free_port();
        let servers: String = upstreams
            .iter()
            .map(|a| format!("    server {a} max_fails=1 fail_timeout=30s;\n"))
            .collect();
        let tmp = dir.join("tmp");
        let tmp = tmp.display();
        // What README.md recommends for several collectors: round robin, keep-alive to the
        // upstreams, the client's address appended to X-Forwarded-For, and a POST whose
        // collector fails retried on the other (safe: every answer carries its id).
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log warn;\n\
             events {{ worker_connections 512; }}\n\
             http {{\n  access_log off;\n\
               client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;\n\
               fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;\n\
               upstream voix {{\n{servers}    keepalive 16;\n  }}\n\
               server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
                 proxy_pass http://voix;\n      proxy_http_version 1.1;\n\
                 proxy_set_header Connection \"\";\n      proxy_set_header Host $http_host;\n\
                 proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                 proxy_next_upstream error timeout http_502 http_503 non_idempotent;\n\
                 proxy_connect_timeout 2s;\n    }}\n  }}\n}}\n",
            dir = dir.display(),
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = Command::new(&nginx)
            .args(["-e", "stderr", "-p"])
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start nginx ({nginx}: {e}); install Debian's nginx or set VOIX_TEST_NGINX")
            });
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "nginx did not listen on {addr}: {}",
                std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default()
            );
            thread::sleep(Duration::from_millis(50));
        }
        Proxy { child, addr }
    }

    /// Sends `request` through the proxy (`Host` and `Connection: close` are added).
    fn send(&self, request: &str) -> String {
        let (line, rest) = request.split_once("\r\n").unwrap_or((request, ""));
        exchange(
            self.addr,
            &format!("{line}\r\nHost: {}\r\n{rest}", self.addr),
        )
        .unwrap_or_default()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // A fast shutdown of the master stops its workers too.
        signal(self.child.id(), "TERM");
        let start = Instant::now();
        while self.child.try_wait().ok().flatten().is_none() {
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.wait();
    }
}

fn post(form: &str, body: &Value, headers: &str) -> String {
    let body = body.to_string();
    format!(
        "POST /v1/forms/{form}/responses HTTP/1.1\r\nContent-Type: text/plain;charset=UTF-8\r\n\
         Content-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn get(path: &str, headers: &str) -> String {
    format!("GET {path} HTTP/1.1\r\n{headers}\r\n")
}

fn json_of(reply: &str) -> Value {
    serde_json::from_str(body_of(reply)).unwrap_or_else(|e| panic!("{e}: {reply}"))
}

fn admin() -> String {
    format!("Authorization: Bearer {TOKEN}\r\n")
}

fn site(database: &str) -> Site {
    Site::new(
        &[("avis.toml", &avis(500)), ("limited.json", LIMITED)],
        &format!(
            "database = {}\nadmin_token = \"{TOKEN}\"\npublic_results = true\n\
             trust_forwarded_for = true\nrate_limit = {{ per_minute = 0 }}\n\
             shutdown_timeout_secs = 2\n\
             [form.limited]\nrate_limit = {{ per_minute = 1, burst = 2 }}\n",
            serde_json::Value::String(database.to_owned())
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and nginx: `cargo xtask test` runs it (two collectors)"]
async fn two_collectors_behind_a_proxy() {
    let schema = Schema::create().await;
    let site = site(&schema.url);
    // Both migrate the one schema at once; the advisory lock lets one do it.
    let (a, b) = (site.serve_as("a"), site.serve_as("b"));
    let proxy = Proxy::start(&site, &[a.addr, b.addr]);
    let outcome = tokio::task::spawn_blocking(move || {
        story(&proxy);
        kill_one_under_load(&proxy, a, b);
        drop(proxy);
    })
    .await;
    if let Err(e) = outcome {
        for name in ["a", "b"] {
            eprintln!(
                "--- collector {name}:\n{}",
                std::fs::read_to_string(site.path().join(format!("{name}.log")))
                    .unwrap_or_default()
            );
        }
        eprintln!(
            "--- nginx:\n{}",
            std::fs::read_to_string(site.path().join("nginx/error.log")).unwrap_or_default()
        );
        std::panic::resume_unwind(e.into_panic());
    }
    schema.drop_it().await;
}

/// The HTTP story through the proxy: every request may land on either collector.
fn story(proxy: &Proxy) {
    for _ in 0..4 {
        assert_eq!(status_of(&proxy.send(&get("/healthz", ""))), 200);
        let r = proxy.send(&get("/v1/forms/avis", ""));
        assert_eq!(status_of(&r), 200, "{r}");
        assert_eq!(json_of(&r)["id"], "avis");
    }
    // One answer, sent four times (a widget retrying): one response id, whichever collector
    // answers; other answers under the same id conflict on both.
    let answer = json!({"v": 1, "id": "cluster-story-0001", "answers": {"note": "good"}});
    let mut ids = BTreeSet::new();
    for _ in 0..4 {
        let r = proxy.send(&post("avis", &answer, ""));
        assert_eq!(status_of(&r), 201, "{r}");
        ids.insert(json_of(&r)["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    for _ in 0..2 {
        let other = json!({"v": 1, "id": "cluster-story-0001", "answers": {"note": "bad"}});
        let r = proxy.send(&post("avis", &other, ""));
        assert_eq!(status_of(&r), 409, "{r}");
    }
    let r = proxy.send(&post("avis", &json!({"v": 1, "answers": {}}), ""));
    assert_eq!(status_of(&r), 422, "{r}");
    assert_eq!(json_of(&r)["error"]["code"], "invalid");
    // The no-JS page and its post.
    let r = proxy.send(&get("/f/avis", ""));
    assert_eq!(status_of(&r), 200, "{r}");
    let body = "note=bad&_id=cluster-story-nojs-01";
    let r = proxy.send(&format!(
        "POST /f/avis HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    assert_eq!(status_of(&r), 303, "{r}");
    // Both collectors read the same database.
    for _ in 0..2 {
        let r = proxy.send(&get("/v1/forms/avis/results", ""));
        assert_eq!(status_of(&r), 200, "{r}");
        assert_eq!(json_of(&r)["responses"], 2, "{r}");
        let r = proxy.send(&get("/v1/admin/forms/avis/responses.json", &admin()));
        assert_eq!(status_of(&r), 200, "{r}");
        assert_eq!(json_of(&r).as_array().map(Vec::len), Some(2), "{r}");
    }
    // Rate-limit buckets are each process's own (README, "Several collectors"): with a burst
    // of 2, one visitor gets 2 answers in through each collector.
    let accepted = (0..8)
        .filter(|_| {
            let answer = json!({"v": 1, "answers": {"note": "good"}});
            let r = proxy.send(&post("limited", &answer, "X-Forwarded-For: 192.0.2.7\r\n"));
            match status_of(&r) {
                201 => true,
                429 => false,
                other => panic!("{other}: {r}"),
            }
        })
        .count();
    assert_eq!(accepted, 4, "two buckets of 2");
}

/// Clients post through the proxy, retrying an answer under its id until a 2xx (as the widget's
/// outbox does); one collector is killed meanwhile. Every acknowledged answer is stored once.
fn kill_one_under_load(proxy: &Proxy, mut a: common::Running, b: common::Running) {
    const CLIENTS: usize = 6;
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let retries = Arc::new(Mutex::new(0usize));
    let addr = proxy.addr;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (stop, acknowledged, retries) =
                (stop.clone(), acknowledged.clone(), retries.clone());
            thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("cluster-load-{c:02}-{i:06}");
                    let answer = json!({"v": 1, "id": id, "answers": {"note": "average"}});
                    let request = post("avis", &answer, "");
                    let request = {
                        let (line, rest) = request.split_once("\r\n").unwrap();
                        format!("{line}\r\nHost: {addr}\r\n{rest}")
                    };
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        assert!(attempts < 200, "{id} never acknowledged");
                        match exchange(addr, &request) {
                            Ok(r) if status_of(&r) == 201 => {
                                let rid = json_of(&r)["id"].as_str().unwrap().to_owned();
                                acknowledged.lock().unwrap().insert(id.clone(), rid);
                                break;
                            }
                            _ => {
                                *retries.lock().unwrap() += 1;
                                thread::sleep(Duration::from_millis(50));
                            }
                        }
                    }
                    i += 1;
                }
            })
        })
        .collect();
    // Load on both, then one dies mid-stream, then load on the survivor.
    let count = || acknowledged.lock().unwrap().len();
    let start = Instant::now();
    while count() < 300 && start.elapsed() < Duration::from_secs(60) {
        thread::sleep(Duration::from_millis(20));
    }
    a.kill();
    let killed_at = count();
    while count() < killed_at + 300 && start.elapsed() < Duration::from_secs(120) {
        thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > killed_at && killed_at >= 300,
        "{killed_at} acknowledged before the kill, {} in all",
        acknowledged.len()
    );
    // What is stored, read through the proxy (the survivor answers).
    let r = proxy.send(&get("/v1/admin/forms/avis/responses.json", &admin()));
    assert_eq!(status_of(&r), 200, "{r}");
    let rows = json_of(&r);
    let mut stored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows.as_array().unwrap() {
        if let Some(sid) = row["submission_id"].as_str() {
            stored
                .entry(sid.to_owned())
                .or_default()
                .push(row["id"].as_str().unwrap().to_owned());
        }
    }
    let twice: Vec<_> = stored.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
    for (sid, rid) in &acknowledged {
        assert_eq!(
            stored.get(sid).map(Vec::as_slice),
            Some(std::slice::from_ref(rid)),
            "acknowledged {sid} as {rid}"
        );
    }
    eprintln!(
        "cluster: {} answers acknowledged ({killed_at} before the kill), each stored once; \
         {} retries",
        acknowledged.len(),
        retries.lock().unwrap()
    );
    drop(b);
}
