//! What the HTTP test files share: a collector's directory for one test ([`Site`]), the form they
//! answer ([`avis`]), building requests ([`get`], [`post`]), sending them to the in-process app
//! and reading the reply. Each test file adds its own assertions with further `impl Reply`
//! blocks.
#![allow(dead_code)] // each test crate uses a different part

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Output, Stdio},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header, header::AsHeaderName},
};
use serde_json::Value;
use tower::ServiceExt;
use voix_collector::{AppState, Config, app};

/// A collector's directory for one test, removed when dropped: `voix.toml`, the form files,
/// whatever else the test writes (the database, served files).
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// `voix.toml` made of a `forms = [...]` line naming `forms` (path, definition), each
    /// written, and then `config`.
    pub fn new(forms: &[(&str, &str)], config: &str) -> Site {
        let site = Site {
            dir: tempfile::tempdir().unwrap(),
        };
        let mut paths = Vec::new();
        for (path, definition) in forms {
            site.write(path, definition);
            paths.push(format!("{path:?}"));
        }
        let text = format!("forms = [{}]\n{config}\n", paths.join(", "));
        site.write("voix.toml", &text);
        site
    }

    /// Writes `text` to `path` in the directory, creating the directories on the way.
    pub fn write(&self, path: &str, text: impl AsRef<[u8]>) {
        let path = self.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join("voix.toml")
    }

    /// The `voix-collector` binary with `args`, then `--config` and this directory's file.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_voix-collector"));
        command.args(args).arg("--config").arg(self.config_path());
        command
    }

    /// [`Site::command`] run to its end.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// The collector of this directory, as `serve` would start it.
    pub fn state(&self) -> AppState {
        AppState::open(Config::load(&self.config_path()).unwrap()).unwrap()
    }

    /// The real binary serving this directory on a free loopback port, its log (stderr, at
    /// `info`) going to `collector.log` in the directory.
    pub fn serve(&self) -> Running {
        self.serve_as("collector")
    }

    /// [`Site::serve`], logging to `<name>.log`: for several collectors of one directory.
    pub fn serve_as(&self, name: &str) -> Running {
        let log = self.path().join(format!("{name}.log"));
        let mut child = self
            .command(&["serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .trim_end()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line: {line:?}; log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .parse()
            .unwrap();
        // Keep reading, so the collector never writes into a closed pipe.
        std::thread::spawn(move || stdout.lines().for_each(drop));
        Running { child, addr, log }
    }
}

/// A collector run as the real binary ([`Site::serve`]); killed when dropped.
pub struct Running {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
}

impl Running {
    /// What it has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A new connection to it; reads give up after a minute, so a test that waits for the
    /// collector to do something fails instead of hanging.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        stream
    }

    /// Sends `request` (raw HTTP/1.1, `Connection: close` added) on a new connection and reads
    /// the reply until the collector closes it.
    pub fn exchange(&self, request: &str) -> String {
        exchange(self.addr, request).unwrap()
    }

    /// `GET path` with these extra header lines (`Name: value`, each ending in CRLF).
    pub fn get(&self, path: &str, headers: &str) -> String {
        self.exchange(&format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n{headers}\r\n",
            self.addr
        ))
    }

    /// How many file descriptors the process has open.
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        signal(self.child.id(), "TERM");
    }

    /// Kills it at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Its exit status, waiting at most `limit` (`None`: still running).
    pub fn wait_at_most(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if start.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `signal` (`TERM`, `QUIT`…) to process `pid`.
pub fn signal(pid: u32, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} {pid}");
}

/// Sends `request` (raw HTTP/1.1, `Connection: close` added) to `addr` on a new connection and
/// reads the reply until the server closes it; reads give up after a minute.
pub fn exchange(addr: SocketAddr, request: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let (head, body) = request.split_once("\r\n\r\n").unwrap_or((request, ""));
    write!(stream, "{head}\r\nConnection: close\r\n\r\n{body}")?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

/// The body of a raw HTTP reply (after the blank line; not de-chunked).
pub fn body_of(reply: &str) -> &str {
    reply.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// The status code of a raw HTTP reply (`HTTP/1.1 201 Created…` → 201), 0 when there is none.
pub fn status_of(reply: &str) -> u16 {
    reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The form most tests answer: `avis`, a required smileys question `note` and an optional free
/// text `commentaire` of at most `max_length` characters.
pub fn avis(max_length: usize) -> String {
    format!(
        r#"
id = "avis"
title = "Votre avis"

[[questions]]
id = "note"
type = "smileys"
label = "Comment ça s'est passé ?"
required = true

[[questions]]
id = "commentaire"
type = "text"
label = "Un commentaire ?"
max_length = {max_length}
"#
    )
}

/// A poll named `id` with `[poll]` settings `poll` (TOML lines): one required choice `nom`
/// among `hugo`, `sand` and `colette`.
pub fn poll(id: &str, poll: &str) -> String {
    format!(
        r#"
id = "{id}"
title = "Quel nom pour la médiathèque ?"

[poll]
{poll}

[[questions]]
id = "nom"
type = "choice"
label = "Votre choix"
required = true
choices = [
  {{ id = "hugo", label = "Victor-Hugo" }},
  {{ id = "sand", label = "George-Sand" }},
  {{ id = "colette", label = "Colette" }},
]
"#
    )
}

/// The host the no-JS page tests ask for, and the origin their posts come from.
pub const HOST: &str = "voix.example";

/// A no-JS page, asked for as a browser does.
pub fn page(path: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap()
}

/// What the no-JS page of `form` posts.
pub fn post_page(form: &str, body: &str) -> Request<Body> {
    Request::post(format!("/f/{form}"))
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("https://{HOST}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

pub fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// An answer to `form` with `content_type`.
pub fn post_with(form: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(format!("/v1/forms/{form}/responses"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

/// An answer to `form` as the widget sends it: text/plain holding JSON.
pub fn post(form: &str, body: &Value) -> Request<Body> {
    post_with(form, "text/plain;charset=UTF-8", body.to_string())
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: impl AsHeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Asserts the common error shape and returns the `error` object.
    pub fn error(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.header(header::CONTENT_TYPE), Some("application/json"));
        let body = self.json();
        let e = &body["error"];
        assert_eq!(e["code"], code, "{body}");
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(e.get("field").is_some(), "field must be present: {body}");
        e.clone()
    }
}

/// Sends `req` through `router` and reads the whole reply.
pub async fn call(router: Router, req: Request<Body>) -> Reply {
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// Sends `req` to the app built on `state`.
pub async fn send(state: &AppState, req: Request<Body>) -> Reply {
    call(app(state.clone()), req).await
}

/// Solves a challenge of `GET /v1/forms/{id}/challenge` as the widget does (with the `altcha`
/// crate's reference solver) and returns the `altcha` member to send: base64 of the payload.
pub fn solve(challenge: &Value) -> String {
    use base64::Engine;
    let parsed: altcha::Challenge = serde_json::from_value(challenge.clone()).unwrap();
    let solution = altcha::solve_challenge(altcha::SolveChallengeOptions::new(&parsed))
        .unwrap()
        .expect("solved");
    let payload = serde_json::json!({ "challenge": challenge, "solution": solution });
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
}
