//! `cargo xtask dist`: the shipped files and their sizes.
//!
//! - `dist/voix.js`: the loader every host page downloads (`src/web/loader.js` with
//!   `src/web/core.js`, bundled and minified), under this stable name;
//! - `dist/voix-widget.<hash>.js`: the wasm-bindgen glue, an ES module the loader imports on
//!   demand;
//! - `dist/voix_bg.<hash>.wasm`: the widget;
//! - `dist/voix-strings-<lang>.<hash>.json`: the locale packs the wasm does not carry;
//! - `dist/manifest.json`: the hashed name of each of those;
//! - beside every file, its `.br` and `.gz` (see `publish.rs`: hashed names, compressed copies,
//!   what an earlier build left);
//! - `dist/npm/`: the ES module package for sites with a bundler: `voix.mjs`
//!   (`src/web/voix.mjs` with `core.js`), `voix.d.ts`, `package.json`, and a copy of the glue
//!   and the wasm, which `voix.mjs` finds beside itself. Not counted in the budget: a bundler
//!   site ships what its bundler makes of it.
//!
//! Pipeline: cargo (`--profile wasm`) → wasm-bindgen glue (`web` target) → wasm-opt from npm
//! binaryen (never Debian's: its output validates but fails in Chrome) → import/export names
//! minified in both → esbuild minifies the glue and bundles and minifies the loader (naming the
//! hashed files) and the ES module → `publish` into dist/ → size report checked against the two budget lines of `size-budget.toml`, with the
//! largest contributors to the wasm.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use wasm_bindgen_cli_support::Bindgen;

use crate::{cargo, publish, root, run, setup, target_dir};

/// The file the budget lives in, relative to the root, and its two keys.
const BUDGET_FILE: &str = "size-budget.toml";
const LOADER_KEY: &str = "loader_brotli_bytes";
const WIDGET_KEY: &str = "widget_brotli_bytes";

/// The loader: what every host page downloads.
pub const LOADER: &str = "voix.js";
/// The wasm-bindgen glue (an ES module) and the wasm, fetched when a form is needed.
pub const GLUE: &str = "voix-widget.js";
pub const WASM: &str = "voix_bg.wasm";

/// The shipped files, in report order.
const SHIPPED: [&str; 3] = [LOADER, GLUE, WASM];

/// A locale pack's file name: `voix-strings-de.json`… The widget's wasm carries French and
/// English only; a page in another language fetches its pack beside the definition.
pub fn pack_name(locale: voix_form::i18n::Locale) -> String {
    format!("voix-strings-{}.json", locale.tag())
}

/// Writes the locale packs into `dir`: for each locale whose strings are not in the wasm, every
/// string of it as a `StringsPatch` (JSON), which French patched with gives back. Returns the
/// file names, largest first.
fn packs(dir: &Path) -> Result<Vec<String>> {
    // Packs of an earlier build go first: a locale compiled in since must not leave one behind.
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("voix-strings-") && name.ends_with(".json") {
            fs::remove_file(dir.join(&name))?;
        }
    }
    let mut out = Vec::new();
    for &locale in voix_form::i18n::Locale::ALL {
        if matches!(
            locale,
            voix_form::i18n::Locale::Fr | voix_form::i18n::Locale::En
        ) {
            continue;
        }
        let strings = locale
            .builtin()
            .context("xtask is built without voix-form's `locales` feature")?;
        let json = serde_json::to_string(&strings.to_patch())?;
        let name = pack_name(locale);
        fs::write(dir.join(&name), &json)?;
        out.push((json.len(), name));
    }
    out.sort_by(|a, b| b.cmp(a));
    Ok(out.into_iter().map(|(_, name)| name).collect())
}

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
        "wasm-bindgen (web) {} -> {}",
        wasm.display(),
        work.display()
    );
    Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        // The loader always passes the wasm (a fetch already under way): no default URL.
        .omit_default_module_path(true)
        // Names kept here for the size breakdown (`contributors`); the shipped wasm is stripped.
        .remove_name_section(false)
        .remove_producers_section(true)
        // Every browser that runs our wasm has `TextEncoder.encodeInto` (Chromium 74, Firefox 66,
        // Safari 14.1); the glue's fallback path would be dead weight.
        .encode_into(wasm_bindgen_cli_support::EncodeInto::Always)
        .typescript(false)
        .generate(&work)
        .context("wasm-bindgen could not generate the JS glue")?;

    // What this build makes, under stable names; `publish` puts it into dist/ (hashed names,
    // compressed copies).
    let built = work.join("out");
    fs::create_dir_all(&built)?;
    let flags = enable_flags(&features)?;
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    let optimized = work.join("voix_bg.opt.wasm");
    run(Command::new(&wasm_opt)
        .arg(work.join("voix_bg.wasm"))
        .args([
            "--strip-debug",
            "--strip-producers",
            "--strip-target-features",
        ])
        .args(OPTIMIZE)
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
        .arg(built.join(WASM))
        .output()
        .context("wasm-opt failed to start")?;
    if !out.status.success() {
        bail!(
            "wasm-opt failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mapping = String::from_utf8(out.stdout).context("wasm-opt's name mapping is not UTF-8")?;
    let modules = import_modules(&built.join(WASM))?;
    let glue = fs::read_to_string(work.join("voix.js"))?;
    if !glue.contains("__wbg_init") {
        bail!("unexpected wasm-bindgen web glue: no `__wbg_init` in voix.js");
    }
    for export in ["start", "mount"] {
        ensure!(
            glue.contains(&format!("export function {export}(")),
            "the widget exports no `{export}` function: the loader could not start a form"
        );
    }
    let glue = rename_in_glue(&glue, &mapping, &modules)?;
    fs::write(work.join("voix-widget.src.js"), glue)?;

    // The JS sources side by side in the work directory so that esbuild bundles each entry
    // with what it imports. The glue module first: the loader names it by its hash.
    let copy_sources = |names: &Names| -> Result<()> {
        for name in JS_SOURCES {
            let src = root.join(JS_DIR).join(name);
            let text = fs::read_to_string(&src).with_context(|| read_err(&src))?;
            fs::write(
                work.join(name),
                fill(&text, env!("CARGO_PKG_VERSION"), names),
            )?;
        }
        Ok(())
    };
    copy_sources(&Names::default())?;
    // The glue module: wasm-bindgen's glue and the dialog (dialog.js), which only pages that
    // open a form need, so it comes with the widget rather than with the loader.
    esbuild(
        &work.join("voix-widget.entry.js"),
        &built.join(GLUE),
        "esm",
        &[],
    )?;
    let packs = packs(&built)?;
    // Everything the loader fetches, under a name made from its bytes.
    let mut names = Names::default();
    let mut files = Vec::new();
    for name in [GLUE, WASM]
        .into_iter()
        .chain(packs.iter().map(String::as_str))
    {
        let bytes = fs::read(built.join(name)).with_context(|| read_err(&built.join(name)))?;
        let hashed = publish::hashed_name(name, &bytes);
        names.0.push((name.to_owned(), hashed.clone()));
        files.push((hashed, bytes));
    }
    copy_sources(&names)?;
    esbuild(&work.join("loader.js"), &built.join(LOADER), "iife", &[])?;
    let loader = fs::read(built.join(LOADER))?;
    for (_, hashed) in &names.0 {
        let hash = hashed.rsplit('.').nth(1).unwrap_or(hashed);
        ensure!(
            String::from_utf8_lossy(&loader).contains(hash),
            "the loader does not name {hashed}"
        );
    }
    files.push((LOADER.to_owned(), loader));
    files.push((MANIFEST.to_owned(), names.manifest().into_bytes()));
    publish::publish(
        &dist,
        &files,
        std::time::Duration::from_secs(publish::KEEP_DAYS * 86400),
    )?;
    npm(&root, &work, &built, &dist, &packs)?;
    // A page fetches one pack at most: the largest counts in the widget line (a French or
    // English page pays nothing of it).
    let mut rows = SHIPPED
        .iter()
        .map(|name| Sizes::of(name, &built.join(name)))
        .collect::<Result<Vec<_>>>()?;
    let mut largest = packs
        .iter()
        .map(|name| Sizes::of(name, &built.join(name)))
        .collect::<Result<Vec<_>>>()?;
    largest.sort_by_key(|s| std::cmp::Reverse(s.brotli));
    rows.extend(largest.into_iter().take(1));
    let contributors = contributors(&wasm_opt, &work, &flags).unwrap_or_else(|e| {
        eprintln!("warning: no size breakdown of the wasm: {e:#}");
        Vec::new()
    });
    let report = Report {
        rows,
        budget: budget(&root.join(BUDGET_FILE))?,
        contributors,
    };
    print!("{report}");
    Ok(report)
}

/// How the wasm is optimised.
const OPTIMIZE: &[&str] = &[
    "-Oz",
    // Facts about our module that let wasm-opt do more: its memory is its own (not imported),
    // so it starts zeroed, and rustc never places data in the first kilobyte.
    "--converge",
    "--zero-filled-memory",
    "--low-memory-unused",
    // Then flatten the code, rebuild its control flow from scratch and shrink again (-Oz, then
    // -Os's slightly different inlining): measured 300 brotli bytes smaller than -Oz alone on
    // the widget before serde. The end-to-end tests run on this output, so a miscompilation here
    // would not go unnoticed.
    "--flatten",
    "--rereloop",
    "-Oz",
    "-Os",
];

/// The wasm optimised as shipped but with its function names
/// (`target/voix-dist/voix_bg.names.wasm`, also for `twiggy top`), broken down: code bytes
/// per crate and the largest functions, raw (before compression).
fn contributors(wasm_opt: &Path, work: &Path, flags: &[String]) -> Result<Vec<Contributor>> {
    let named = work.join("voix_bg.names.wasm");
    let out = Command::new(wasm_opt)
        .arg(work.join("voix_bg.wasm"))
        .args(["--strip-dwarf", "--debuginfo"])
        .args(OPTIMIZE)
        .args(flags)
        .arg("-o")
        .arg(&named)
        .output()
        .context("wasm-opt failed to start")?;
    ensure!(
        out.status.success(),
        "wasm-opt: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    breakdown(&fs::read(&named)?)
}

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contributor {
    /// `crate` (a crate's code), `fn …` (one function) or `data` (static data: strings, tables).
    pub what: String,
    /// Raw bytes.
    pub bytes: usize,
}

/// Code bytes per crate (largest first, all of them), the largest functions, and the data.
fn breakdown(wasm: &[u8]) -> Result<Vec<Contributor>> {
    use wasmparser::{Name, Parser, Payload};
    let mut imported = 0u32;
    let mut bodies: Vec<usize> = Vec::new();
    let mut names: std::collections::HashMap<u32, String> = Default::default();
    let mut data = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(s) => {
                for imp in s.into_imports() {
                    if matches!(imp?.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(body.range().len()),
            Payload::DataSection(s) => data += s.range().len(),
            Payload::CustomSection(c) => {
                if let wasmparser::KnownCustom::Name(reader) = c.as_known() {
                    for name in reader {
                        if let Name::Function(map) = name? {
                            for n in map {
                                let n = n?;
                                names.insert(n.index, n.name.to_owned());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let name_of = |i: usize| {
        names
            .get(&(imported + i as u32))
            .cloned()
            .unwrap_or_else(|| format!("function[{i}]"))
    };
    let mut by_crate: std::collections::BTreeMap<String, usize> = Default::default();
    let mut functions: Vec<(String, usize)> = Vec::new();
    for (i, &size) in bodies.iter().enumerate() {
        let name = name_of(i);
        *by_crate.entry(crate_of(&name)).or_default() += size;
        functions.push((name, size));
    }
    let mut crates: Vec<(String, usize)> = by_crate.into_iter().collect();
    crates.sort_by_key(|c| std::cmp::Reverse(c.1));
    functions.sort_by_key(|f| std::cmp::Reverse(f.1));
    let mut out: Vec<Contributor> = crates
        .into_iter()
        .map(|(what, bytes)| Contributor { what, bytes })
        .collect();
    out.push(Contributor {
        what: "data".into(),
        bytes: data,
    });
    out.extend(
        functions
            .into_iter()
            .take(12)
            .map(|(name, bytes)| Contributor {
                what: format!("fn {}", short(&name)),
                bytes,
            }),
    );
    Ok(out)
}

/// The crate a (demangled) Rust function name belongs to: the first path segment followed by
/// `::`, looking through `<… as …>`, `&` and crate disambiguators (`core[1a2b…]`); `(glue)` for
/// names that are not Rust paths (wasm-bindgen shims).
fn crate_of(name: &str) -> String {
    let mut clean = String::with_capacity(name.len());
    let mut depth = 0;
    for c in name.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => clean.push(c),
            _ => {}
        }
    }
    let mut start = 0;
    for (i, c) in clean.char_indices() {
        if !(c.is_ascii_alphanumeric() || c == '_') {
            if clean[i..].starts_with("::") && i > start {
                return clean[start..i].to_owned();
            }
            start = i + c.len_utf8();
        }
    }
    "(glue)".to_owned()
}

/// A function name without its trailing hash, cut to a readable length.
fn short(name: &str) -> String {
    let name = match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            head
        }
        _ => name,
    };
    let mut out: String = name.chars().take(90).collect();
    if out.len() < name.len() {
        out.push('…');
    }
    out
}

/// Where the JS sources live, relative to the root, and their names: the loader's entry, the
/// ES module's entry, the glue module's entry, the core both bundle, the dialog the glue module
/// bundles, and the stylesheet helper of the loader and the dialog.
const JS_DIR: &str = "src/web";
const JS_SOURCES: [&str; 7] = [
    "loader.js",
    "voix-widget.entry.js",
    "voix.mjs",
    "core.js",
    "dialog.js",
    "sheet.js",
    "words.js",
];

/// `dist/manifest.json`: each file the loader fetches, by its stable name, with the hashed name
/// it has in `dist/` — for tools and for webmasters who look.
pub const MANIFEST: &str = "manifest.json";

/// The hashed name of each file the loader fetches: (stable name, hashed name).
#[derive(Debug, Default)]
struct Names(Vec<(String, String)>);

impl Names {
    fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| name.to_owned(), |(_, h)| h.clone())
    }

    /// `{"de":"5c8f9b0432",…}`: the hash of each pack by language tag (the loader makes the
    /// name: `voix-strings-de.5c8f9b0432.json`).
    fn packs(&self) -> String {
        let packs: serde_json::Map<String, serde_json::Value> = self
            .0
            .iter()
            .filter_map(|(n, h)| {
                let tag = n.strip_prefix("voix-strings-")?.strip_suffix(".json")?;
                let hash = h
                    .strip_prefix(n.strip_suffix("json")?)?
                    .strip_suffix(".json")?;
                Some((tag.to_owned(), hash.into()))
            })
            .collect();
        serde_json::Value::Object(packs).to_string()
    }

    fn manifest(&self) -> String {
        let all: serde_json::Map<String, serde_json::Value> = self
            .0
            .iter()
            .map(|(n, h)| (n.clone(), h.clone().into()))
            .collect();
        serde_json::to_string_pretty(&all).unwrap_or_default() + "\n"
    }
}

/// The path in `dist/` of a file the loader fetches (`voix_bg.wasm` → its hashed name), read
/// from `dist/manifest.json`; other files by their own name.
pub fn shipped(dist: &Path, name: &str) -> Result<std::path::PathBuf> {
    let path = dist.join(MANIFEST);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&path).with_context(|| read_err(&path))?)?;
    Ok(dist.join(manifest[name].as_str().unwrap_or(name)))
}

/// A JS source with its placeholders filled: the version and the names of the files it fetches.
fn fill(src: &str, version: &str, names: &Names) -> String {
    src.replace("__VOIX_VERSION__", version)
        .replace("__VOIX_GLUE__", &names.get(GLUE))
        .replace("__VOIX_WASM__", &names.get(WASM))
        .replace("__VOIX_PACKS__", &names.packs())
}

/// `dist/npm/`: the ES module, its declarations, its `package.json`, and the glue and wasm it
/// loads from beside itself.
fn npm(root: &Path, work: &Path, built: &Path, dist: &Path, packs: &[String]) -> Result<()> {
    let npm = dist.join("npm");
    if npm.exists() {
        fs::remove_dir_all(&npm).with_context(|| format!("removing {}", npm.display()))?;
    }
    fs::create_dir_all(&npm)?;
    // The glue stays a module of its own, imported when a form is first shown.
    esbuild(
        &work.join("voix.mjs"),
        &npm.join(NPM_MODULE),
        "esm",
        &["--external:./voix-widget.js"],
    )?;
    let module = fs::read_to_string(npm.join(NPM_MODULE))?;
    ensure!(
        module.contains("\"./voix-widget.js\"") && module.contains("./voix_bg.wasm"),
        "{NPM_MODULE} does not load the glue and the wasm from beside itself"
    );
    for name in [GLUE, WASM]
        .into_iter()
        .chain(packs.iter().map(String::as_str))
    {
        fs::copy(built.join(name), npm.join(name))?;
    }
    let types = root.join(JS_DIR).join(NPM_TYPES);
    fs::copy(&types, npm.join(NPM_TYPES)).with_context(|| read_err(&types))?;
    fs::write(
        npm.join("package.json"),
        package_json(env!("CARGO_PKG_VERSION")),
    )?;
    Ok(())
}

/// The ES module and its declarations, in `dist/npm/`.
const NPM_MODULE: &str = "voix.mjs";
const NPM_TYPES: &str = "voix.d.ts";

/// `dist/npm/package.json`, written in this order: TypeScript reads the `types` condition only
/// when it comes first.
fn package_json(version: &str) -> String {
    format!(
        r#"{{
  "name": "voix",
  "version": "{version}",
  "description": "Accessible feedback forms and short polls for any web page (WebAssembly widget)",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "./{NPM_MODULE}",
  "module": "./{NPM_MODULE}",
  "types": "./{NPM_TYPES}",
  "exports": {{
    ".": {{ "types": "./{NPM_TYPES}", "import": "./{NPM_MODULE}" }}
  }},
  "files": ["{NPM_MODULE}", "{NPM_TYPES}", "{GLUE}", "{WASM}", "voix-strings-*.json"],
  "sideEffects": false
}}
"#
    )
}

/// Minifies `src` into `out` with esbuild, in `format` (`esm` or `iife`), bundling what it
/// imports (but `extra` externals).
fn esbuild(src: &Path, out: &Path, format: &str, extra: &[&str]) -> Result<()> {
    run(Command::new(root().join("node_modules/.bin/esbuild"))
        .arg(src)
        .args([
            "--bundle",
            "--minify",
            "--log-level=warning",
            "--legal-comments=none",
        ])
        // Accented and Arabic words as UTF-8 rather than \u escapes: fewer bytes.
        .arg("--charset=utf8")
        // Browsers that run our wasm: no syntax lowering needed, none wanted.
        .arg("--target=es2020")
        .arg(format!("--format={format}"))
        .args(extra)
        .arg(format!("--outfile={}", out.display())))
}

/// The two budget lines of `size-budget.toml`, in brotli bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// `dist/voix.js` alone: what every visit of a host page pays.
    pub loader: usize,
    /// Everything fetched before a resident can answer: loader, glue and wasm.
    pub widget: usize,
}

/// The size report of one build.
#[derive(Debug)]
pub struct Report {
    rows: Vec<Sizes>,
    budget: Budget,
    contributors: Vec<Contributor>,
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

    fn loader(&self) -> usize {
        self.rows
            .iter()
            .find(|r| r.name == LOADER)
            .map_or(0, |r| r.brotli)
    }

    /// Fails when either budget line is exceeded.
    pub fn check(&self) -> Result<()> {
        let mut over = Vec::new();
        for (what, key, size, budget) in [
            (
                "the loader (dist/voix.js)",
                LOADER_KEY,
                self.loader(),
                self.budget.loader,
            ),
            (
                "everything before a resident can answer",
                WIDGET_KEY,
                self.total().brotli,
                self.budget.widget,
            ),
        ] {
            if size > budget {
                over.push(format!(
                    "{what} is {size} bytes after brotli -11, the budget is {budget} bytes \
                     ({key} in {BUDGET_FILE}); over by {} bytes",
                    size - budget
                ));
            }
        }
        if !over.is_empty() {
            bail!("size budget exceeded: {}", over.join("; "));
        }
        Ok(())
    }

    /// The budget lines: (loader, widget) brotli bytes, and what they measure now.
    pub fn budget_lines(&self) -> [(usize, usize); 2] {
        [
            (self.loader(), self.budget.loader),
            (self.total().brotli, self.budget.widget),
        ]
    }

    /// The wasm's largest contributors (raw bytes of code per crate, the largest functions,
    /// data), as `cargo xtask dist` prints them.
    pub fn contributors(&self) -> &[Contributor] {
        &self.contributors
    }

    /// One line for the test summary.
    pub fn brief(&self) -> String {
        format!(
            "loader {} of {}, widget {} of {} brotli bytes",
            self.loader(),
            self.budget.loader,
            self.total().brotli,
            self.budget.widget
        )
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line = |f: &mut std::fmt::Formatter<'_>, r: &Sizes| {
            writeln!(
                f,
                "{:<21} {:>9} {:>9} {:>10}",
                r.name, r.raw, r.gzip, r.brotli
            )
        };
        writeln!(
            f,
            "\nshipped file               raw   gzip -9  brotli -11   (bytes)"
        )?;
        for r in &self.rows {
            line(f, r)?;
        }
        let total = self.total();
        line(f, &total)?;
        for (name, size, budget) in [
            ("loader", self.loader(), self.budget.loader),
            ("widget", total.brotli, self.budget.widget),
        ] {
            let verdict = if size <= budget { "ok" } else { "OVER" };
            writeln!(
                f,
                "budget {name}: {size} of {budget} brotli bytes ({}%) — {verdict}",
                size * 100 / budget.max(1)
            )?;
        }
        if !self.contributors.is_empty() {
            writeln!(
                f,
                "\nlargest contributors to the wasm (raw bytes of code, names kept: \
                 target/voix-dist/voix_bg.names.wasm)"
            )?;
            for c in &self.contributors {
                writeln!(f, "{:>9}  {}", c.bytes, c.what)?;
            }
        }
        Ok(())
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

pub fn gzip9(bytes: &[u8]) -> Result<usize> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?.len())
}

pub fn brotli11(bytes: &[u8]) -> Result<usize> {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        enc.write_all(bytes)?;
    }
    Ok(out.len())
}

/// Reads the two budget lines of `size-budget.toml`.
fn budget(path: &Path) -> Result<Budget> {
    let text = fs::read_to_string(path).with_context(|| read_err(path))?;
    parse_budget(&text).with_context(|| format!("in {}", path.display()))
}

/// `key = N` lines (a full TOML parser would be a dependency for two integers).
fn parse_budget(text: &str) -> Result<Budget> {
    let read = |wanted: &str| -> Result<usize> {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            if key.trim() == wanted {
                let value = value.trim().replace('_', "");
                return value
                    .parse()
                    .with_context(|| format!("`{wanted}` must be a whole number of bytes"));
            }
        }
        bail!("no `{wanted} = <bytes>` line")
    };
    Ok(Budget {
        loader: read(LOADER_KEY)?,
        widget: read(WIDGET_KEY)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_read_from_its_keys() {
        let text = "# comment\nother = 3\nloader_brotli_bytes = 4_000 # bytes\n\
                    widget_brotli_bytes = 72000\n";
        assert_eq!(
            parse_budget(text).unwrap(),
            Budget {
                loader: 4_000,
                widget: 72_000
            }
        );
        assert!(parse_budget("loader_brotli_bytes = 1\n").is_err());
        assert!(parse_budget("loader_brotli_bytes = \"big\"\nwidget_brotli_bytes = 1").is_err());
    }

    #[test]
    fn the_committed_budget_parses() {
        let b = budget(&root().join(BUDGET_FILE)).unwrap();
        assert!(b.loader > 0 && b.widget > b.loader);
    }

    #[test]
    fn crates_are_read_from_function_names() {
        assert_eq!(
            crate_of("serde_wasm_bindgen::de::Deserializer::foo::h0123456789abcdef"),
            "serde_wasm_bindgen"
        );
        assert_eq!(
            crate_of("<voix_form::schema::Question as core::clone::Clone>::clone"),
            "voix_form"
        );
        assert_eq!(
            crate_of("<&mut serde_path_to_error::de::Wrap<X> as serde::de::Visitor>::visit_map"),
            "serde_path_to_error"
        );
        assert_eq!(crate_of("__wbindgen_malloc"), "(glue)");
        assert_eq!(
            crate_of("<f64 as core[c5930c85a12de822]::fmt::Display>::fmt"),
            "core"
        );
        assert_eq!(
            short("core::fmt::write::h0123456789abcdef"),
            "core::fmt::write"
        );
    }

    #[test]
    fn the_js_sources_get_their_names_and_version() {
        let names = Names(vec![
            (GLUE.to_owned(), "voix-widget.0123456789.js".to_owned()),
            (WASM.to_owned(), "voix_bg.abcdef0123.wasm".to_owned()),
            (
                "voix-strings-de.json".to_owned(),
                "voix-strings-de.5c8f9b0432.json".to_owned(),
            ),
        ]);
        let mut all = String::new();
        for name in JS_SOURCES {
            let src = fs::read_to_string(root().join(JS_DIR).join(name)).unwrap();
            let filled = fill(&src, "9.9.9", &names);
            assert!(
                !filled.contains("__VOIX_"),
                "a placeholder is left in {name}"
            );
            all.push_str(&src);
        }
        for key in [
            "__VOIX_VERSION__",
            "__VOIX_GLUE__",
            "__VOIX_WASM__",
            "__VOIX_PACKS__",
        ] {
            assert!(all.contains(key), "no JS source uses {key}");
        }
        let filled = fill(&all, "9.9.9", &names);
        for expected in [
            "9.9.9",
            "voix-widget.0123456789.js",
            "voix_bg.abcdef0123.wasm",
            r#"{"de":"5c8f9b0432"}"#,
        ] {
            assert!(filled.contains(expected), "{expected}");
        }
    }

    #[test]
    fn the_package_json_points_at_the_module_and_its_types() {
        let p: serde_json::Value = serde_json::from_str(&package_json("1.2.3")).unwrap();
        assert_eq!(p["version"], "1.2.3");
        assert_eq!(p["module"], "./voix.mjs");
        assert_eq!(p["exports"]["."]["types"], "./voix.d.ts");
        let text = package_json("1");
        assert!(text.find("\"types\": \"./").unwrap() < text.find("\"import\"").unwrap());
        let files: Vec<&str> = p["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str())
            .collect();
        assert_eq!(
            files,
            [NPM_MODULE, NPM_TYPES, GLUE, WASM, "voix-strings-*.json"]
        );
        assert!(root().join(JS_DIR).join(NPM_TYPES).exists());
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
        let budget = Budget {
            loader: 10,
            widget: 30,
        };
        let report = |loader, rest| Report {
            rows: vec![
                Sizes {
                    name: LOADER.into(),
                    ..row(loader)
                },
                row(rest),
            ],
            budget,
            contributors: Vec::new(),
        };
        assert!(report(10, 20).check().is_ok());
        assert!(report(10, 20).to_string().contains("total"));
        let e = report(10, 21).check().unwrap_err().to_string();
        assert!(
            e.contains("everything before") && e.contains("over by 1 bytes"),
            "{e}"
        );
        let e = report(11, 19).check().unwrap_err().to_string();
        assert!(
            e.contains("the loader") && e.contains("over by 1 bytes"),
            "{e}"
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
}
