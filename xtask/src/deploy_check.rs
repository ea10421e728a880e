//! The "deploy check" step of `cargo xtask test` (also `cargo xtask deploy-check`, on the `dist/`
//! already built): README.md's nginx configuration for hosting `dist/` on one's own web server —
//! the ```` ```nginx ```` block on the line after [`MARK`] — run for real on Debian's nginx with
//! its brotli module, and asked with raw HTTP/1.1 requests, so that each `Accept-Encoding` is
//! exactly the one sent.
//!
//! The block is used as the webmaster would use it, a file in `sites-enabled/`: only its
//! `listen` lines (→ a free port on 127.0.0.1) and its root [`ROOT`] (→ a copy of `dist/` in a
//! temporary directory, which nginx's workers can read whoever they run as) are replaced. Around
//! it goes what Debian's `/etc/nginx/nginx.conf` puts around `sites-enabled/` (its `mime.types`,
//! `default_type`, `gzip on`…), and the `load_module` of `modules-enabled/`.
//!
//! For `voix.js`, `manifest.json` and every hashed file of `dist/manifest.json`: the `.br` for
//! `br` (and for a browser's `gzip, deflate, br, zstd`), the `.gz` for `gzip` and for
//! `br;q=0, gzip`, the file itself without `Accept-Encoding`, with `identity` and with junk;
//! each byte for byte; `Vary: Accept-Encoding`, the content type, `Cache-Control` as the
//! collector sends it (hashed names immutable for a year, the others 300 s), CORS; `HEAD`
//! without a body; `If-None-Match` → 304 with the caching headers; an ETag per encoding; a
//! hashed name that is not there → 404 `no-cache`. Nothing is skipped: a missing nginx or module
//! fails the step.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use crate::{nginx::Nginx, root, setup};

/// The line of README.md right before the tested ```` ```nginx ```` block.
pub const MARK: &str = "<!-- tested: nginx-dist -->";
/// The block's document root, replaced by the freshly built `dist/`.
pub const ROOT: &str = "/usr/share/voix/dist";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const LOADER: &str = "public, max-age=300";

/// Runs the check; the detail for the summary.
pub fn check() -> Result<String> {
    for (path, package) in [
        (setup::NGINX, "nginx"),
        (setup::BROTLI_STATIC, setup::BROTLI_STATIC_PACKAGE),
    ] {
        ensure!(
            Path::new(path).exists(),
            "{path} is missing: install Debian's {package} (`cargo xtask test` does, as root)"
        );
    }
    let readme = fs::read_to_string(root().join("README.md")).context("reading README.md")?;
    let block = nginx_block(&readme)?;
    let dist = root().join("dist");
    let manifest: BTreeMap<String, String> = serde_json::from_slice(
        &fs::read(dist.join("manifest.json"))
            .context("reading dist/manifest.json (run `cargo xtask dist` first)")?,
    )
    .context("dist/manifest.json is not a map of names")?;

    let dir = std::env::temp_dir().join(format!("voix-deploy-check-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let site = dir.join("dist");
    copy_dir(&dist, &site)?;
    let server = Site(Nginx::start(&dir, 1, |port| {
        wrap(&block, &dir, &site, port)
    })?);

    let mut files = vec![
        ("voix.js".to_owned(), LOADER),
        ("manifest.json".to_owned(), LOADER),
    ];
    files.extend(manifest.values().map(|name| (name.clone(), IMMUTABLE)));
    let mut checks = Checks::default();
    for (name, cache) in &files {
        file_checks(&mut checks, &server, &site, name, cache)?;
    }
    for missing in ["voix_bg.0000000000.wasm", "voix-widget.0000000000.js"] {
        for encoding in [None, Some("br")] {
            let res = server.get(&format!("/{missing}"), encoding, &[])?;
            let what = format!(
                "GET /{missing} ({})",
                encoding.unwrap_or("no Accept-Encoding")
            );
            checks.expect(&what, res.status == 404, || {
                format!("status {}", res.status)
            });
            checks.header(&what, &res, "cache-control", "no-cache");
        }
    }
    let version = Nginx::version();
    drop(server);
    if checks.failures.is_empty() {
        let _ = fs::remove_dir_all(&dir);
        Ok(format!(
            "{} checks passed on {version} with the README's block ({} files)",
            checks.passed,
            files.len()
        ))
    } else {
        bail!(
            "{} of {} checks failed on the README's nginx configuration (kept in {}):\n  {}",
            checks.failures.len(),
            checks.passed + checks.failures.len(),
            dir.display(),
            checks.failures.join("\n  ")
        )
    }
}

/// The checks of one file of `dist/` (`name`, copied to `site`), served with `cache`.
fn file_checks(
    checks: &mut Checks,
    server: &Site,
    site: &Path,
    name: &str,
    cache: &str,
) -> Result<()> {
    let read = |ext: &str| {
        let path = site.join(format!("{name}{ext}"));
        fs::read(&path).with_context(|| format!("reading {}", path.display()))
    };
    let (plain, br, gz) = (read("")?, read(".br")?, read(".gz")?);
    let media = match name.rsplit('.').next() {
        Some("wasm") => &["application/wasm"][..],
        Some("js") => &["text/javascript", "application/javascript"][..],
        Some("json") => &["application/json"][..],
        _ => bail!("no expected type for {name}"),
    };
    let path = format!("/{name}");
    let mut etags = BTreeMap::new();
    for (accept, encoding, body) in [
        (Some("br"), Some("br"), &br),
        (Some("gzip, deflate, br, zstd"), Some("br"), &br),
        (Some("gzip"), Some("gzip"), &gz),
        (Some("br;q=0, gzip"), Some("gzip"), &gz),
        (None, None, &plain),
        (Some("identity"), None, &plain),
        (Some("???"), None, &plain),
    ] {
        let what = format!("GET {path} (Accept-Encoding: {})", accept.unwrap_or("none"));
        let res = server.get(&path, accept, &[])?;
        checks.expect(&what, res.status == 200, || {
            format!("status {}", res.status)
        });
        let got = res.one("content-encoding");
        checks.expect(&what, got.as_deref() == encoding, || {
            format!("Content-Encoding {got:?}, expected {encoding:?}")
        });
        checks.expect(&what, &res.body == body, || {
            format!(
                "a body of {} bytes, not the {} bytes of {name}{}",
                res.body.len(),
                body.len(),
                encoding.map_or("", |e| if e == "br" { ".br" } else { ".gz" })
            )
        });
        served_headers(checks, &what, &res, media, cache);
        let etag = res.one("etag");
        checks.expect(&what, etag.is_some(), || "no ETag".into());
        if let Some(etag) = etag {
            etags.insert(encoding.unwrap_or("identity"), etag.clone());
            let what = format!("{what} again with If-None-Match: {etag}");
            let res = server.get(&path, accept, &[("If-None-Match", &etag)])?;
            checks.expect(&what, res.status == 304, || {
                format!("status {}", res.status)
            });
            checks.expect(&what, res.body.is_empty(), || "a body".into());
            checks.header(&what, &res, "cache-control", cache);
            checks.vary(&what, &res);
        }
    }
    // A strong ETag names one representation: the .br, the .gz and the file need three.
    let distinct: std::collections::BTreeSet<&String> = etags.values().collect();
    checks.expect(
        &format!("GET {path}: one ETag per encoding"),
        distinct.len() == 3,
        || format!("{etags:?}"),
    );
    let what = format!("HEAD {path} (Accept-Encoding: br)");
    let res = server.request("HEAD", &path, Some("br"), &[])?;
    checks.expect(&what, res.status == 200, || {
        format!("status {}", res.status)
    });
    checks.expect(&what, res.body.is_empty(), || "a body".into());
    checks.header(&what, &res, "content-encoding", "br");
    checks.header(&what, &res, "content-length", &br.len().to_string());
    served_headers(checks, &what, &res, media, cache);
    Ok(())
}

/// What every answer with one of `dist/`'s files carries.
fn served_headers(checks: &mut Checks, what: &str, res: &Response, media: &[&str], cache: &str) {
    let kind = res.one("content-type");
    let essence = kind.as_deref().map(|t| {
        t.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    checks.expect(
        what,
        essence.as_deref().is_some_and(|t| media.contains(&t)),
        || format!("Content-Type {kind:?}, expected {}", media.join(" or ")),
    );
    checks.header(what, res, "cache-control", cache);
    checks.header(what, res, "access-control-allow-origin", "*");
    checks.vary(what, res);
}

#[derive(Default)]
struct Checks {
    passed: usize,
    failures: Vec<String>,
}

impl Checks {
    fn expect(&mut self, what: &str, ok: bool, why: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(format!("{what}: {}", why()));
        }
    }

    /// `name` sent once, with `value`.
    fn header(&mut self, what: &str, res: &Response, name: &str, value: &str) {
        let got = res.all(name);
        self.expect(what, got == [value], || {
            format!("{name}: {got:?}, expected once {value:?}")
        });
    }

    /// `Vary` names `Accept-Encoding`, once.
    fn vary(&mut self, what: &str, res: &Response) {
        let got = res.all("vary");
        let named = got
            .iter()
            .flat_map(|v| v.split(','))
            .filter(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
            .count();
        self.expect(what, named == 1, || {
            format!("Vary {got:?}, expected Accept-Encoding once")
        });
    }
}

/// The ```` ```nginx ```` block right after the line [`MARK`] of `readme`, which has exactly one.
fn nginx_block(readme: &str) -> Result<String> {
    let lines: Vec<&str> = readme.lines().collect();
    let marks: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim() == MARK)
        .collect();
    let [mark] = marks[..] else {
        bail!(
            "README.md has {} lines `{MARK}`, expected exactly one",
            marks.len()
        );
    };
    ensure!(
        lines.get(mark + 1).map(|l| l.trim()) == Some("```nginx"),
        "in README.md, the line after `{MARK}` is not the fence ```nginx"
    );
    let body: Vec<&str> = lines[mark + 2..]
        .iter()
        .take_while(|l| l.trim() != "```")
        .copied()
        .collect();
    ensure!(
        mark + 2 + body.len() < lines.len(),
        "README.md: the ```nginx block after `{MARK}` is not closed"
    );
    let block = body.join("\n") + "\n";
    ensure!(
        block.contains(&format!("root {ROOT};")),
        "README.md's tested nginx block has no `root {ROOT};` for the test to replace"
    );
    ensure!(
        block.lines().any(|l| l.trim_start().starts_with("listen ")),
        "README.md's tested nginx block has no `listen` line for the test to replace"
    );
    Ok(block)
}

/// The README's `block` as a site of a top-level configuration that Debian's
/// `/etc/nginx/nginx.conf` would wrap it in, listening on `port` only, with `site` for its root
/// and every file nginx writes in `dir`.
fn wrap(block: &str, dir: &Path, site: &Path, port: u16) -> String {
    let mut listening = false;
    let mut server = String::new();
    for line in block.lines() {
        if line.trim_start().starts_with("listen ") {
            if !listening {
                let indent = &line[..line.len() - line.trim_start().len()];
                server += &format!("{indent}listen 127.0.0.1:{port};\n");
                listening = true;
            }
            continue;
        }
        server += &line.replace(ROOT, &site.display().to_string());
        server.push('\n');
    }
    let dir = dir.display();
    format!(
        "# Written by `cargo xtask deploy-check`: README.md's block in Debian's surroundings.\n\
         daemon off;\n\
         worker_processes 1;\n\
         pid {dir}/nginx.pid;\n\
         error_log {dir}/error.log warn;\n\
         # What /etc/nginx/modules-enabled/50-mod-http-brotli-static.conf loads.\n\
         load_module {module};\n\
         events {{ worker_connections 64; }}\n\
         http {{\n\
         # As in Debian's /etc/nginx/nginx.conf:\n\
         sendfile on;\n\
         tcp_nopush on;\n\
         types_hash_max_size 2048;\n\
         include /etc/nginx/mime.types;\n\
         default_type application/octet-stream;\n\
         gzip on;\n\
         access_log off;\n\
         client_body_temp_path {dir}/body;\n\
         proxy_temp_path {dir}/proxy;\n\
         fastcgi_temp_path {dir}/fastcgi;\n\
         uwsgi_temp_path {dir}/uwsgi;\n\
         scgi_temp_path {dir}/scgi;\n\
         # README.md, after {MARK}:\n\
         {server}\
         }}\n",
        module = setup::BROTLI_STATIC,
    )
}

/// Copies the files of `from` (and its subdirectories) to `to`, readable by everyone.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The README's block served by a running nginx; stopped when dropped.
struct Site(Nginx);

impl Site {
    fn get(&self, path: &str, accept: Option<&str>, extra: &[(&str, &str)]) -> Result<Response> {
        self.request("GET", path, accept, extra)
    }

    /// One request on a connection of its own (`Connection: close`), with `Accept-Encoding:
    /// accept` when given.
    fn request(
        &self,
        method: &str,
        path: &str,
        accept: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Result<Response> {
        let mut head =
            format!("{method} {path} HTTP/1.1\r\nHost: widget.example.fr\r\nConnection: close\r\n");
        for (name, value) in accept.map(|a| ("Accept-Encoding", a)).iter().chain(extra) {
            head += &format!("{name}: {value}\r\n");
        }
        head += "\r\n";
        let mut stream = TcpStream::connect(self.0.addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.write_all(head.as_bytes())?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .with_context(|| format!("reading the answer to {method} {path}"))?;
        Response::parse(&raw).with_context(|| {
            format!(
                "the answer to {method} {path}: {:?}",
                String::from_utf8_lossy(&raw[..raw.len().min(300)])
            )
        })
    }
}

/// An HTTP/1.1 answer read to the end of its connection: the body is what follows the head
/// (static files come with a `Content-Length`, never chunked).
#[derive(Debug)]
struct Response {
    status: u16,
    /// Lowercase names, each value in the order received.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8]) -> Result<Response> {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .context("no end of the head")?;
        let head = std::str::from_utf8(&raw[..end]).context("a head that is not UTF-8")?;
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.strip_prefix("HTTP/1.1 "))
            .and_then(|l| l.get(..3))
            .and_then(|s| s.parse().ok())
            .context("no HTTP/1.1 status line")?;
        let headers = lines
            .map(|l| {
                let (name, value) = l.split_once(':').context("a header without a colon")?;
                Ok((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            })
            .collect::<Result<_>>()?;
        let body = raw[end + 4..].to_vec();
        let res = Response {
            status,
            headers,
            body,
        };
        if let Some(length) = res.one("content-length") {
            ensure!(
                length == res.body.len().to_string() || res.body.is_empty(),
                "Content-Length {length} but {} bytes",
                res.body.len()
            );
        }
        ensure!(
            res.one("transfer-encoding").is_none(),
            "a chunked answer (static files have a length)"
        );
        Ok(res)
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn one(&self, name: &str) -> Option<String> {
        self.all(name).first().map(|v| (*v).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_has_one_tested_nginx_block() {
        let readme = fs::read_to_string(root().join("README.md")).unwrap();
        let block = nginx_block(&readme).unwrap();
        let conf = wrap(&block, Path::new("/tmp/x"), Path::new("/tmp/x/dist"), 8081);
        assert!(conf.contains("root /tmp/x/dist;"), "{conf}");
        assert!(!conf.contains(ROOT), "{conf}");
        let listening = conf
            .lines()
            .filter(|l| l.trim_start().starts_with("listen "));
        assert_eq!(listening.count(), 1, "{conf}");
        assert!(conf.contains("listen 127.0.0.1:8081;"), "{conf}");
    }

    #[test]
    fn blocks_are_found_only_after_the_mark() {
        let good = format!(
            "text\n{MARK}\n```nginx\nserver {{\n  listen 80;\n  root {ROOT};\n}}\n```\nmore\n"
        );
        assert!(nginx_block(&good).unwrap().starts_with("server {\n"));
        assert!(
            nginx_block("```nginx\nserver {}\n```\n").is_err(),
            "no mark"
        );
        let twice = format!("{good}{good}");
        assert!(nginx_block(&twice).is_err(), "two marks");
        let unclosed = format!("{MARK}\n```nginx\nserver {{ listen 80; root {ROOT}; }}\n");
        assert!(nginx_block(&unclosed).is_err());
        let other = format!("{MARK}\n```apache\nlisten 80; root {ROOT};\n```\n");
        assert!(nginx_block(&other).is_err());
    }

    #[test]
    fn answers_are_parsed() {
        let res = Response::parse(
            b"HTTP/1.1 200 OK\r\nVary: Accept-Encoding\r\nvary: Origin\r\nContent-Length: 3\r\n\r\nabc",
        )
        .unwrap();
        assert_eq!(res.status, 200);
        assert_eq!(res.all("vary"), ["Accept-Encoding", "Origin"]);
        assert_eq!(res.body, b"abc");
        // HEAD: the length of the body not sent.
        let head = Response::parse(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n").unwrap();
        assert!(head.body.is_empty());
        assert!(Response::parse(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc").is_err());
        assert!(Response::parse(b"HTTP/1.1 200 OK\r\n").is_err());
    }
}
