//! Bytes: both budget lines, and what a resident's browser downloads before it can answer, per
//! way of embedding, raw / gzip -9 / brotli -11 — beside a hand-written form (the page's own
//! script fetching the same definition, `xtask/bench/vanilla.js`), with the wasm's largest
//! contributors so the next saving is easy to find.
//!
//! The widget's files are read from `dist/` as shipped: the glue, the wasm and the packs under
//! their content-hashed names (`dist/manifest.json`, [`dist::shipped`]), each with the `.gz` and
//! `.br` written beside it, which are what the collector sends; the tables name them by their
//! stable names. The definitions are read from a running collector (`GET /v1/forms/{id}`,
//! `?lang=de`), as a widget gets them, and compressed here. What crosses the wire on a real
//! load, request by request, is the browser part's.

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::Path,
    time::Duration,
};

use anyhow::{Context, Result, bail};

use super::report::{Part, Table, Target, thousands};
use crate::{
    dist::{self, GLUE, LOADER, WASM, brotli11, gzip9},
    root,
};

/// One file (or response) and its three sizes.
#[derive(Debug, Clone)]
struct Sized {
    name: String,
    raw: usize,
    gzip: usize,
    brotli: usize,
}

impl Sized {
    fn of(name: &str, bytes: &[u8]) -> Result<Sized> {
        Ok(Sized {
            name: name.to_owned(),
            raw: bytes.len(),
            gzip: gzip9(bytes)?,
            brotli: brotli11(bytes)?,
        })
    }

    fn file(name: &str, path: &Path) -> Result<Sized> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Sized::of(name, &bytes)
    }

    /// A file of `dist/` by its stable name (`voix_bg.wasm`), read under the name it is shipped
    /// as (`voix_bg.0a1b2c3d4e.wasm`, noted beside the stable one), its compressed sizes those
    /// of the `.gz` and `.br` beside it.
    fn shipped(dist_dir: &Path, name: &str) -> Result<Sized> {
        let path = dist::shipped(dist_dir, name)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown = if file_name == name {
            name.to_owned()
        } else {
            format!("{name} (`{file_name}`)")
        };
        let raw = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let beside = |ext: &str| -> Result<usize> {
            let mut p = path.clone().into_os_string();
            p.push(ext);
            let p = std::path::PathBuf::from(p);
            Ok(std::fs::metadata(&p)
                .with_context(|| format!("{} is missing: run `cargo xtask dist`", p.display()))?
                .len() as usize)
        };
        Ok(Sized {
            name: shown,
            raw: raw.len(),
            gzip: beside(".gz")?,
            brotli: beside(".br")?,
        })
    }

    fn sum<'a>(name: &str, parts: impl IntoIterator<Item = &'a Sized>) -> Sized {
        parts.into_iter().fold(
            Sized {
                name: name.to_owned(),
                raw: 0,
                gzip: 0,
                brotli: 0,
            },
            |a, p| Sized {
                name: a.name,
                raw: a.raw + p.raw,
                gzip: a.gzip + p.gzip,
                brotli: a.brotli + p.brotli,
            },
        )
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            thousands(self.raw as u64),
            thousands(self.gzip as u64),
            thousands(self.brotli as u64),
        ]
    }
}

/// The bytes part, for the `dist` just built and a collector listening at `addr` that serves
/// the demo's forms (`satisfaction` among them).
pub(super) fn run(report: &dist::Report, addr: &str) -> Result<Part> {
    let dist_dir = root().join("dist");
    let file = |name: &str| Sized::shipped(&dist_dir, name);
    let loader = file(LOADER)?;
    let glue = file(GLUE)?;
    let wasm = file(WASM)?;
    let module = Sized::file("npm/voix.mjs", &dist_dir.join("npm/voix.mjs"))?;
    let pack = file(&dist::pack_name(voix_form::i18n::Locale::De))?;
    let definition = Sized::of(
        "GET /v1/forms/satisfaction",
        &http_get(addr, "/v1/forms/satisfaction")?,
    )?;
    let definition_de = Sized::of(
        "GET /v1/forms/satisfaction?lang=de",
        &http_get(addr, "/v1/forms/satisfaction?lang=de")?,
    )?;
    let widget = [&loader, &glue, &wasm];

    let mut files = Table::new(
        "Each file (bytes)",
        &["file", "raw", "gzip -9", "brotli -11"],
    );
    for f in [
        &loader,
        &glue,
        &wasm,
        &pack,
        &module,
        &definition,
        &definition_de,
    ] {
        files.row(f.cells());
    }
    files.note(
        "The widget's files as `dist/` ships them, under the content-hashed names of \
         `dist/manifest.json` (beside the stable ones); their gzip and brotli sizes are those of \
         the `.gz` and `.br` written beside each (gzip at its best, brotli 11), which the \
         collector sends by `Accept-Encoding`. `npm/voix.mjs` and the definitions are \
         compressed here, the same ways.",
    );

    let mut modes = Table::new(
        "Everything before a resident can answer, per way of embedding (bytes)",
        &["way of embedding", "raw", "gzip -9", "brotli -11"],
    );
    let mut placeholder = Sized::sum("", widget.iter().copied().chain([&definition]));
    placeholder.name =
        "placeholder, definition from the collector (also the button and the dialog: \
                         the dialog is in the glue)"
            .into();
    let mut inline = Sized::sum("", widget.iter().copied());
    inline.name = "placeholder, definition in the page (its JSON counted in the page)".into();
    let mut german = Sized::sum("", widget.iter().copied().chain([&pack, &definition_de]));
    german.name = "a German page (the locale pack, the definition with its translation)".into();
    let mut esm = Sized::sum("", [&module, &glue, &wasm, &definition]);
    esm.name = "ES module through a bundler (npm/voix.mjs instead of the loader)".into();
    for m in [&placeholder, &inline, &german, &esm] {
        modes.row(m.cells());
    }
    let vanilla_path = root().join("xtask/bench/vanilla.js");
    let vanilla = if vanilla_path.exists() {
        let script = Sized::file("hand-written form script", &vanilla_path)?;
        let mut v = Sized::sum("", [&script, &definition]);
        v.name = "baseline: a hand-written form (its script + the same definition)".into();
        modes.row(v.cells());
        Some(v)
    } else {
        None
    };
    if let Some(v) = &vanilla {
        modes.note(format!(
            "The widget's first way costs {:.1}× the hand-written form's bytes (brotli: {} vs {}). \
             The hand-written form does none of what the widget does beyond showing the questions: \
             no validation, no outbox, no accessibility of errors, no languages, no proof of work.",
            placeholder.brotli as f64 / v.brotli.max(1) as f64,
            thousands(placeholder.brotli as u64),
            thousands(v.brotli as u64),
        ));
    }
    modes.note(
        "Sizes of the files as shipped; what crosses the wire on a real load (headers, the \
         content coding the browser accepts, what its cache answers on a second visit) is in \
         the browser part's tables, request by request.",
    );

    let mut budget = Table::new(
        "The budget lines of size-budget.toml (brotli -11 bytes)",
        &["line", "now", "budget", "left"],
    );
    let [(loader_now, loader_max), (widget_now, widget_max)] = report.budget_lines();
    for (name, now, max) in [
        (
            "loader: dist/voix.js, what every host page pays",
            loader_now,
            loader_max,
        ),
        (
            "widget: loader + glue + wasm + the largest locale pack, everything before a \
             resident can answer",
            widget_now,
            widget_max,
        ),
    ] {
        budget.row(vec![
            name.into(),
            thousands(now as u64),
            thousands(max as u64),
            format!("{}", max as i64 - now as i64),
        ]);
    }
    budget.note(format!(
        "With the definition fetch, the widget line is {} brotli bytes.",
        thousands((widget_now + definition.brotli) as u64)
    ));

    let mut contributors = Table::new(
        "The wasm's largest contributors (raw bytes of code before compression; names from \
         target/voix-dist/voix_bg.names.wasm)",
        &["bytes", "kind", "what"],
    );
    for c in report.contributors() {
        let (kind, what) = match c.what.strip_prefix("fn ") {
            Some(f) => ("function", f),
            None if c.what == "data" => ("static data", "strings, tables"),
            None => ("crate", c.what.as_str()),
        };
        contributors.row(vec![
            thousands(c.bytes as u64),
            kind.into(),
            format!("`{}`", what.replace('|', "\\|").replace('`', "'")),
        ]);
    }

    let targets = vec![
        Target {
            what: "loader ≤ its budget line".into(),
            measured: format!(
                "{} of {} brotli bytes",
                thousands(loader_now as u64),
                thousands(loader_max as u64)
            ),
            met: loader_now <= loader_max,
        },
        Target {
            what: "everything before a resident can answer ≤ its budget line".into(),
            measured: format!(
                "{} of {} brotli bytes",
                thousands(widget_now as u64),
                thousands(widget_max as u64)
            ),
            met: widget_now <= widget_max,
        },
    ];
    Ok(Part {
        section: "Bytes".into(),
        tables: vec![budget, modes, files, contributors],
        targets,
    })
}

/// The body of `GET path` from the collector at `addr` (`http://127.0.0.1:port`), asking for no
/// compression: the bytes as built, compressed here three ways.
fn http_get(addr: &str, path: &str) -> Result<Vec<u8>> {
    let host = addr.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).with_context(|| format!("connecting to {host}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
    )?;
    let mut all = Vec::new();
    s.read_to_end(&mut all)?;
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    let head = String::from_utf8_lossy(&all[..split]).to_ascii_lowercase();
    if !head.starts_with("http/1.1 200") {
        bail!("GET {path}: {}", head.lines().next().unwrap_or(""));
    }
    if head.contains("transfer-encoding: chunked") {
        return dechunk(&all[split + 4..]);
    }
    Ok(all[split + 4..].to_vec())
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("bad chunk")?;
        let size = usize::from_str_radix(std::str::from_utf8(&body[..end])?.trim(), 16)?;
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
    }

    #[test]
    fn sums_add_each_size() {
        let a = Sized::of("a", b"hello hello hello").unwrap();
        let s = Sized::sum("s", [&a, &a]);
        assert_eq!(s.raw, 2 * a.raw);
        assert_eq!(s.brotli, 2 * a.brotli);
    }
}
