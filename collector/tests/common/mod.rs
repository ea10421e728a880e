//! What the HTTP test files share: a collector's directory for one test ([`Site`]), the form they
//! answer ([`avis`]), building requests ([`get`], [`post`]), sending them to the in-process app
//! and reading the reply. Each test file adds its own assertions with further `impl Reply`
//! blocks.
#![allow(dead_code)] // each test crate uses a different part

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
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
