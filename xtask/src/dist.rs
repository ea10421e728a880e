//! `cargo xtask dist`: the shipped files `dist/voix.js` + `dist/voix_bg.wasm`, and their sizes.
//!
//! Pipeline: cargo (`--profile wasm`) → wasm-bindgen glue (`no_modules`) → wasm-opt from npm
//! binaryen (never Debian's: its output validates but fails in Chrome) → the glue wrapped in an
//! IIFE with the boot code and minified by esbuild → size report checked against the one budget
//! in `size-budget.toml`.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use wasm_bindgen_cli_support::Bindgen;

use crate::{cargo, root, run, setup, target_dir};

/// The file the budget lives in, relative to the root, and its one key.
const BUDGET_FILE: &str = "size-budget.toml";
const BUDGET_KEY: &str = "brotli_total_bytes";

/// The shipped files, in report order.
const SHIPPED: [&str; 2] = ["voix.js", "voix_bg.wasm"];

/// `cargo xtask dist`: installs what is missing, builds `dist/`, prints the size report and
/// fails over budget.
pub fn dist() -> Result<()> {
    setup::wasm_target()?;
    setup::npm_deps()?;
    build()?.check()
}

/// Builds `dist/` (the wasm target and npm tools must be installed) and prints the size report.
/// The budget is checked separately so a test run can still test an over-budget build.
pub fn build() -> Result<Report> {
    let root = root();
    let work = target_dir().join("voix-dist");
    let dist = root.join("dist");

    run(cargo()
        .args([
            "build",
            "-p",
            "voix",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm",
            "--features",
            "slim",
        ])
        .env("CARGO_ENCODED_RUSTFLAGS", remap_flags()?))?;
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm/voix.wasm");
    // The target_features section tells wasm-opt which instructions it may use; read it before
    // anything strips it.
    let features = target_features(&fs::read(&wasm).with_context(|| read_err(&wasm))?)?;

    if work.exists() {
        fs::remove_dir_all(&work).with_context(|| format!("removing {}", work.display()))?;
    }
    fs::create_dir_all(&work)?;
    eprintln!(
        "wasm-bindgen (no-modules) {} -> {}",
        wasm.display(),
        work.display()
    );
    Bindgen::new()
        .input_path(&wasm)
        .no_modules(true)?
        .omit_default_module_path(false)
        // VOIX_SIZE_NAMES=1 keeps function names so `twiggy top` can say what is big.
        .remove_name_section(std::env::var_os("VOIX_SIZE_NAMES").is_none())
        .remove_producers_section(true)
        // Every browser that runs our wasm has `TextEncoder.encodeInto` (Chromium 74, Firefox 66,
        // Safari 14.1); the glue's fallback path would be dead weight.
        .encode_into(wasm_bindgen_cli_support::EncodeInto::Always)
        .typescript(false)
        .generate(&work)
        .context("wasm-bindgen could not generate the JS glue")?;

    fs::create_dir_all(&dist)?;
    let flags = enable_flags(&features)?;
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    let optimized = work.join("voix_bg.opt.wasm");
    run(Command::new(&wasm_opt)
        .arg(work.join("voix_bg.wasm"))
        .args([
            "-Oz",
            "--strip-debug",
            "--strip-producers",
            "--strip-target-features",
        ])
        // Facts about our module that let wasm-opt do more: its memory is its own (not
        // imported), so it starts zeroed, and rustc never places data in the first kilobyte.
        .args(["--converge", "--zero-filled-memory", "--low-memory-unused"])
        // Then flatten the code, rebuild its control flow from scratch and shrink again
        // (-Oz, then -Os's slightly different inlining): measured 300 brotli bytes smaller than
        // -Oz alone. The end-to-end tests run on this output, so a miscompilation here would not
        // go unnoticed.
        .args(["--flatten", "--rereloop", "-Oz", "-Os"])
        .args(&flags)
        .arg("-o")
        .arg(&optimized))
    .context("wasm-opt failed (is binaryen from npm installed? run `npm ci`)")?;
    // Import and export names are long hashed identifiers that appear in both files and do not
    // compress; shortening them saves kilobytes. A separate run, so the mapping it prints is the
    // only one; it is applied to the glue below.
    let out = Command::new(&wasm_opt)
        .arg(&optimized)
        .arg("--minify-imports-and-exports-and-modules")
        .args(&flags)
        .arg("-o")
        .arg(dist.join("voix_bg.wasm"))
        .output()
        .context("wasm-opt failed to start")?;
    if !out.status.success() {
        bail!(
            "wasm-opt failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mapping = String::from_utf8(out.stdout).context("wasm-opt's name mapping is not UTF-8")?;
    let modules = import_modules(&dist.join("voix_bg.wasm"))?;
    if std::env::var_os("VOIX_SIZE_NAMES").is_some() {
        let named = work.join("voix_bg.names.wasm");
        let mut opt = Command::new(&wasm_opt);
        opt.arg(work.join("voix_bg.wasm"))
            .args(["-Oz", "--strip-dwarf", "--debuginfo"])
            .args(&flags)
            .arg("-o")
            .arg(&named);
        run(&mut opt)?;
        println!("with names, for `twiggy top`: {}", named.display());
    }

    let glue = fs::read_to_string(work.join("voix.js"))?;
    if !glue.contains("__wbg_init") {
        bail!("unexpected wasm-bindgen no-modules glue: no `__wbg_init` in voix.js");
    }
    if !exports_boot(&glue) {
        eprintln!(
            "warning: the widget exports no `boot` function; dist/voix.js will load the wasm \
             but cannot start a form"
        );
    }
    let glue = rename_in_glue(&glue, &mapping, &modules)?;
    let wrapped = work.join("voix.wrapped.js");
    fs::write(&wrapped, wrap(&glue))?;
    run(Command::new(root.join("node_modules/.bin/esbuild"))
        .arg(&wrapped)
        .args(["--minify", "--log-level=warning", "--legal-comments=none"])
        .arg(format!("--outfile={}", dist.join("voix.js").display())))?;

    let rows = SHIPPED
        .iter()
        .map(|name| Sizes::of(name, &dist.join(name)))
        .collect::<Result<Vec<_>>>()?;
    let report = Report {
        rows,
        budget: budget(&root.join(BUDGET_FILE))?,
    };
    print!("{report}");
    Ok(report)
}

/// The size report of one build.
#[derive(Debug)]
pub struct Report {
    rows: Vec<Sizes>,
    /// `brotli_total_bytes` from `size-budget.toml`.
    budget: usize,
}

impl Report {
    fn total(&self) -> Sizes {
        Sizes {
            name: "total".into(),
            raw: self.rows.iter().map(|r| r.raw).sum(),
            gzip: self.rows.iter().map(|r| r.gzip).sum(),
            brotli: self.rows.iter().map(|r| r.brotli).sum(),
        }
    }

    /// Fails when the brotli total is over the budget.
    pub fn check(&self) -> Result<()> {
        let (total, budget) = (self.total().brotli, self.budget);
        if total > budget {
            bail!(
                "size budget exceeded: the shipped files are {total} bytes after brotli -11, \
                 the budget is {budget} bytes ({BUDGET_KEY} in {BUDGET_FILE}); over by {} bytes",
                total - budget
            );
        }
        Ok(())
    }

    /// One line for the test summary.
    pub fn brief(&self) -> String {
        format!("{} of {} brotli bytes", self.total().brotli, self.budget)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line = |f: &mut std::fmt::Formatter<'_>, r: &Sizes| {
            writeln!(
                f,
                "{:<14} {:>9} {:>9} {:>10}",
                r.name, r.raw, r.gzip, r.brotli
            )
        };
        writeln!(
            f,
            "\nshipped file        raw   gzip -9  brotli -11   (bytes)"
        )?;
        for r in &self.rows {
            line(f, r)?;
        }
        let total = self.total();
        line(f, &total)?;
        let verdict = if total.brotli <= self.budget {
            "ok"
        } else {
            "OVER"
        };
        writeln!(
            f,
            "budget: {} of {} brotli bytes ({}%) — {verdict}",
            total.brotli,
            self.budget,
            total.brotli * 100 / self.budget.max(1)
        )
    }
}

fn read_err(path: &Path) -> String {
    format!("reading {}", path.display())
}

/// `--remap-path-prefix` flags that shorten the source paths panic locations embed in the wasm
/// (`/root/.cargo/registry/src/index…/js-sys-0.3.107/src/…` → `js-sys-0.3.107/src/…`): bytes
/// nobody reads, and they also made the build depend on where it ran.
fn remap_flags() -> Result<String> {
    let out = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .context("running rustc -vV")?;
    let info = String::from_utf8_lossy(&out.stdout);
    let mut flags = Vec::new();
    if let Some(hash) = info.lines().find_map(|l| l.strip_prefix("commit-hash: ")) {
        flags.push(format!("--remap-path-prefix=/rustc/{hash}/="));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    if let Some(home) = cargo_home {
        flags.push(format!(
            "--remap-path-prefix={}/=",
            home.join("registry/src").display()
        ));
    }
    flags.push(format!("--remap-path-prefix={}/=", root().display()));
    Ok(flags.join("\u{1f}"))
}

/// The import module names of a wasm file, read by Node's own WebAssembly API.
fn import_modules(wasm: &Path) -> Result<Vec<String>> {
    let script = "const m=new WebAssembly.Module(require('fs').readFileSync(process.argv[1]));\
                  console.log([...new Set(WebAssembly.Module.imports(m).map(i=>i.module))].join('\\n'))";
    let out = Command::new("node")
        .args(["-e", script])
        .arg(wasm)
        .output()
        .context("running node to read the wasm imports")?;
    ensure!(
        out.status.success(),
        "node could not read {}: {}",
        wasm.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Applies wasm-opt's `--minify-imports-and-exports-and-modules` mapping to the wasm-bindgen glue:
/// import object keys, the import module key, and `wasm.<export>` uses. Fails if anything is
/// left unmatched, so a glue format change cannot ship a broken loader.
fn rename_in_glue(glue: &str, mapping: &str, modules: &[String]) -> Result<String> {
    let map: serde_json::Value =
        serde_json::from_str(mapping).context("wasm-opt's name mapping is not JSON")?;
    let list = |key: &str| -> Result<Vec<Vec<String>>> {
        map[key]
            .as_array()
            .with_context(|| format!("no `{key}` in wasm-opt's mapping"))?
            .iter()
            .map(|row| {
                row.as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .context("bad row in wasm-opt's mapping")
            })
            .collect()
    };
    let mut out = glue.to_owned();
    let old_modules: std::collections::BTreeSet<String> = list("imports")?
        .iter()
        .filter_map(|r| r.first().cloned())
        .collect();
    ensure!(
        old_modules.len() == 1 && modules.len() == 1,
        "expected one import module before and after wasm-opt, found {old_modules:?} and {modules:?}"
    );
    let old_module = old_modules.first().map(String::as_str).unwrap_or_default();
    let key = format!("\"{old_module}\":");
    ensure!(
        out.matches(&key).count() == 1,
        "the glue does not name the module {key} once"
    );
    out = out.replace(&key, &format!("\"{}\":", modules[0]));
    for row in list("imports")? {
        let [_, old, new] = row.as_slice() else {
            bail!("bad import row in wasm-opt's mapping: {row:?}");
        };
        let from = format!("{old}:");
        ensure!(
            out.matches(&from).count() == 1,
            "import `{old}` is not an import key of the glue exactly once"
        );
        out = out.replace(&from, &format!("{new}:"));
    }
    for row in list("exports")? {
        let [old, new] = row.as_slice() else {
            bail!("bad export row in wasm-opt's mapping: {row:?}");
        };
        out = replace_member(&out, old, new);
    }
    // Every `wasm.x` left must now be a minified export.
    let exports: Vec<String> = list("exports")?
        .into_iter()
        .filter_map(|r| r.get(1).cloned())
        .collect();
    let mut rest = out.as_str();
    while let Some(i) = rest.find("wasm.") {
        rest = &rest[i + 5..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
            .collect();
        ensure!(
            exports.contains(&name),
            "the glue uses `wasm.{name}`, which wasm-opt renamed away"
        );
    }
    Ok(out)
}

/// Replaces `wasm.OLD` (a whole member name) with `wasm.NEW`.
fn replace_member(text: &str, old: &str, new: &str) -> String {
    let pat = format!("wasm.{old}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(&pat) {
        let after = &rest[i + pat.len()..];
        let whole = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        out.push_str(&rest[..i]);
        out.push_str(if whole { "wasm." } else { &pat });
        if whole {
            out.push_str(new);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The no-modules glue inside an IIFE (its `let wasm_bindgen` must not leak) with the code that
/// finds the wasm next to the script and starts the widget.
fn wrap(glue: &str) -> String {
    format!(
        r#"(function () {{
  "use strict";
  var script = document.currentScript || document.querySelector('script[src$="voix.js"]');
{glue}
  var url = new URL("voix_bg.wasm", script ? script.src : document.baseURI);
  wasm_bindgen({{ module_or_path: url }}).then(function () {{ wasm_bindgen.boot(script); }},
    function (e) {{
      console.error("[voix] the form could not start (WebAssembly unavailable or blocked): " + e);
      // Point residents to the collector's page of the same form, which needs no script.
      document.querySelectorAll("[data-voix-form]").forEach(function (p) {{
        var attr = function (n) {{ return p.getAttribute(n) || (script && script.getAttribute(n)); }};
        var id = p.getAttribute("data-voix-form") || attr("data-form");
        var base = attr("data-endpoint") || (script && new URL(script.src).origin);
        if (!id || !base || p.shadowRoot) return;
        var a = document.createElement("a");
        a.href = base.replace(/\/$/, "") + "/f/" + encodeURIComponent(id);
        a.textContent = "Répondre au questionnaire (version sans JavaScript)";
        p.appendChild(a);
      }});
    }});
}})();
"#
    )
}

/// Whether the glue exposes `boot` on `wasm_bindgen` (no-modules exports are assigned to an
/// `__exports` object or declared as functions named after the export).
fn exports_boot(glue: &str) -> bool {
    glue.contains("function boot(") || glue.contains("__exports.boot")
}

/// The `target_features` custom section: the features rustc compiled with (`+name` entries).
fn target_features(wasm: &[u8]) -> Result<Vec<String>> {
    ensure!(
        wasm.len() >= 8 && wasm[..4] == *b"\0asm",
        "not a wasm module"
    );
    let mut r = Reader {
        bytes: wasm,
        pos: 8,
    };
    while r.pos < wasm.len() {
        let id = r.byte()?;
        let len = r.leb()?;
        let end = r.pos + len;
        ensure!(end <= wasm.len(), "truncated wasm section");
        if id == 0 && r.name()? == "target_features" {
            let mut features = Vec::new();
            for _ in 0..r.leb()? {
                let prefix = r.byte()?;
                let name = r.name()?;
                if prefix == b'+' {
                    features.push(name);
                }
            }
            return Ok(features);
        }
        r.pos = end;
    }
    Ok(Vec::new())
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.pos).context("truncated wasm")?;
        self.pos += 1;
        Ok(b)
    }

    fn leb(&mut self) -> Result<usize> {
        let mut value = 0usize;
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            value |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        bail!("bad LEB128 in wasm")
    }

    fn name(&mut self) -> Result<String> {
        let len = self.leb()?;
        let bytes = self
            .bytes
            .get(self.pos..self.pos + len)
            .context("truncated wasm")?;
        self.pos += len;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// wasm-opt `--enable-*` flags for the features rustc used. An unknown feature is an error: the
/// optimiser would reject or, worse, silently mis-handle instructions it was not told about.
fn enable_flags(features: &[String]) -> Result<Vec<String>> {
    features
        .iter()
        .map(|f| {
            let flag = match f.as_str() {
                "atomics" => "threads",
                "bulk-memory" => "bulk-memory",
                "bulk-memory-opt" => "bulk-memory-opt",
                "call-indirect-overlong" => "call-indirect-overlong",
                "exception-handling" => "exception-handling",
                "extended-const" => "extended-const",
                "multimemory" => "multimemory",
                "multivalue" => "multivalue",
                "mutable-globals" => "mutable-globals",
                "nontrapping-fptoint" => "nontrapping-float-to-int",
                "reference-types" => "reference-types",
                "relaxed-simd" => "relaxed-simd",
                "sign-ext" => "sign-ext",
                "simd128" => "simd",
                "tail-call" => "tail-call",
                "memory64" => "memory64",
                other => bail!("wasm feature `{other}` has no known wasm-opt --enable flag"),
            };
            Ok(format!("--enable-{flag}"))
        })
        .collect()
}

/// One row of the size report.
#[derive(Debug)]
struct Sizes {
    name: String,
    raw: usize,
    gzip: usize,
    brotli: usize,
}

impl Sizes {
    fn of(name: &str, path: &Path) -> Result<Sizes> {
        let bytes = fs::read(path).with_context(|| read_err(path))?;
        Ok(Sizes {
            name: name.to_owned(),
            raw: bytes.len(),
            gzip: gzip9(&bytes)?,
            brotli: brotli11(&bytes)?,
        })
    }
}

fn gzip9(bytes: &[u8]) -> Result<usize> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?.len())
}

fn brotli11(bytes: &[u8]) -> Result<usize> {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        enc.write_all(bytes)?;
    }
    Ok(out.len())
}

/// Reads `brotli_total_bytes = N` from `size-budget.toml` (one key; a full TOML parser would be
/// a dependency for one integer).
fn budget(path: &Path) -> Result<usize> {
    let text = fs::read_to_string(path).with_context(|| read_err(path))?;
    parse_budget(&text).with_context(|| format!("in {}", path.display()))
}

fn parse_budget(text: &str) -> Result<usize> {
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == BUDGET_KEY {
            let value = value.trim().replace('_', "");
            return value
                .parse()
                .with_context(|| format!("`{BUDGET_KEY}` must be a whole number of bytes"));
        }
    }
    bail!("no `{BUDGET_KEY} = <bytes>` line")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_read_from_its_key() {
        let text = "# comment\nother = 3\nbrotli_total_bytes = 30_000 # bytes\n";
        assert_eq!(parse_budget(text).unwrap(), 30_000);
        assert!(parse_budget("other = 1\n").is_err());
        assert!(parse_budget("brotli_total_bytes = \"big\"\n").is_err());
    }

    #[test]
    fn the_committed_budget_parses() {
        assert!(budget(&root().join(BUDGET_FILE)).unwrap() > 0);
    }

    #[test]
    fn target_features_are_read_from_the_custom_section() {
        let mut section = vec![2];
        for (prefix, name) in [(b'+', "sign-ext"), (b'-', "simd128")] {
            section.push(prefix);
            section.push(name.len() as u8);
            section.extend_from_slice(name.as_bytes());
        }
        let mut payload = vec![15];
        payload.extend_from_slice(b"target_features");
        payload.extend_from_slice(&section);
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.push(0);
        wasm.push(payload.len() as u8);
        wasm.extend_from_slice(&payload);
        assert_eq!(target_features(&wasm).unwrap(), ["sign-ext"]);
        assert_eq!(
            enable_flags(&["nontrapping-fptoint".into()]).unwrap(),
            ["--enable-nontrapping-float-to-int"]
        );
        assert!(enable_flags(&["future-thing".into()]).is_err());
    }

    #[test]
    fn the_report_fails_over_budget_only() {
        let row = |brotli| Sizes {
            name: "f".into(),
            raw: 3 * brotli,
            gzip: 2 * brotli,
            brotli,
        };
        let report = Report {
            rows: vec![row(10), row(20)],
            budget: 30,
        };
        assert!(report.check().is_ok());
        assert!(report.to_string().contains("total"));
        let over = Report {
            rows: vec![row(10), row(21)],
            budget: 30,
        };
        assert!(
            over.check()
                .unwrap_err()
                .to_string()
                .contains("over by 1 bytes")
        );
    }

    #[test]
    fn renames_imports_module_and_exports_in_the_glue() {
        let glue = r#"const import0 = { __wbg_a_1: function() {}, __wbg_ab_2: function() {} };
return { "./voix_bg.js": import0 };
wasm.boot(1); wasm.bootx(2); wasm.memory.buffer; wasm.__wbindgen_start();"#;
        let mapping = r#"{"imports": [["./voix_bg.js", "__wbg_a_1", "b"], ["./voix_bg.js", "__wbg_ab_2", "c"]],
            "exports": [["boot", "d"], ["bootx", "e"], ["memory", "f"], ["__wbindgen_start", "g"]]}"#;
        let out = rename_in_glue(glue, mapping, &["a".into()]).unwrap();
        assert_eq!(
            out,
            r#"const import0 = { b: function() {}, c: function() {} };
return { "a": import0 };
wasm.d(1); wasm.e(2); wasm.f.buffer; wasm.g();"#
        );
        // An export the mapping does not know is an error, not a broken loader.
        let bad = format!("{glue} wasm.other();");
        assert!(rename_in_glue(&bad, mapping, &["a".into()]).is_err());
    }

    #[test]
    fn wrapped_glue_declares_nothing_global() {
        let js = wrap("let wasm_bindgen = 1;");
        assert!(js.starts_with("(function () {"));
        assert!(js.trim_end().ends_with("})();"));
        assert!(js.contains("module_or_path: url"));
    }
}
