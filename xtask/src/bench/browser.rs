//! The browser part: time to an answerable form in headless Chromium, each figure beside a
//! hand-written vanilla-JS page rendering the same form from the same definition
//! (`xtask/bench/vanilla.js`), measured in the same run, loads interleaved; wasm compile and
//! instantiate; memory over 100 mount/destroy cycles beside the same cycle done by hand; an old
//! phone on a weak signal, with one cold load's requests; the proof of work's solve time beside
//! the native solver.
//!
//! The measuring is `xtask/bench/browser.mjs` (Playwright, Debian's Chromium), against the
//! release collector serving `dist/`, the bench's pages (`xtask/bench/` as its static dir) and
//! the satisfaction form, the media library's poll and a 10-question form
//! (`xtask/bench/forms/dix.toml`). It writes raw samples as JSON; the tables are made here.

use std::{path::Path, process::Command};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::report::{Part, Table, Target, quantile, thousands};
use crate::{cargo, root, setup, target_dir};

/// Cold loads per variant (the floor issue 18 sets), wasm compiles, and memory cycles.
const LOADS: usize = 30;
/// Page loads whose proof of work is timed.
const POW_LOADS: usize = 20;
/// Time to interactive may be at most this many times the vanilla page's.
const TTI_LIMIT: f64 = 1.5;
/// Over cycles 10 → 100, the JS heap may grow by less than this per cycle (a form kept alive —
/// its 74 nodes, listeners and closures — is several KB).
const HEAP_PER_CYCLE: f64 = 1024.0;

/// The browser part, with `dist/` already built and the release collector in `release`.
pub(super) fn run(release: &std::path::Path) -> Result<Part> {
    setup::chromium()?;
    setup::npm_deps()?;
    if !root().join("node_modules/playwright-core").exists() {
        bail!(
            "node_modules/playwright-core is missing: run `npm ci` at {}",
            root().display()
        );
    }
    let dir = super::fresh_dir("bench-browser")?;
    let raw = {
        let collector = super::Collector::start(&release.join("voix-collector"), &config(&dir)?)?;
        let out = dir.join("browser.json");
        let mut node = Command::new("node");
        node.current_dir(root())
            .arg("xtask/bench/browser.mjs")
            .arg("--url")
            .arg(format!("http://{}", collector.addr))
            .arg("--out")
            .arg(&out)
            .args([
                "--loads",
                &LOADS.to_string(),
                "--pow",
                &POW_LOADS.to_string(),
            ])
            .env("VOIX_ROOT", root());
        crate::run(&mut node).context("the browser bench (Node.js 20+ and Chromium are needed)")?;
        let text = std::fs::read(&out).with_context(|| format!("reading {}", out.display()))?;
        serde_json::from_slice::<Value>(&text).context("browser.mjs wrote no JSON")?
    };
    let native = native_solver()?;
    let _ = std::fs::remove_dir_all(&dir);
    make(&raw, &native)
}

/// The collector's configuration: the bench's pages, `dist/`, the three forms; the poll without
/// its wait before voting; no rate limit (every load comes from 127.0.0.1).
fn config(dir: &Path) -> Result<std::path::PathBuf> {
    let q = |p: &Path| Value::String(p.display().to_string()).to_string();
    let root = root();
    let forms = [
        root.join("www/forms/satisfaction.toml"),
        root.join("www/forms/mediatheque.toml"),
        root.join("xtask/bench/forms/dix.toml"),
    ];
    let config = dir.join("voix.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = {}\nstatic_dir = {}\ndist_dir = {}\n\
             rate_limit = {{ per_minute = 0 }}\nforms = [{}]\n\n\
             [form.mediatheque]\npublic_results = true\nmin_seconds = 0\n",
            q(&dir.join("bench.db")),
            q(&root.join("xtask/bench")),
            q(&root.join("dist")),
            forms.iter().map(|f| q(f)).collect::<Vec<_>>().join(", "),
        ),
    )?;
    Ok(config)
}

/// What the native solver pays per answer: `defence_cost --json`'s line.
fn native_solver() -> Result<Value> {
    crate::run(cargo().args([
        "build",
        "--release",
        "-p",
        "voix-collector",
        "--example",
        "defence_cost",
    ]))?;
    let bin = target_dir().join("release/examples/defence_cost");
    let out = Command::new(&bin)
        .arg("--json")
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!("{} --json failed ({})", bin.display(), out.status);
    }
    serde_json::from_slice(&out.stdout).context("defence_cost --json printed no JSON")
}

/// Milliseconds as the tables write them.
fn ms(x: f64) -> String {
    if x.is_nan() {
        "–".into()
    } else if x.abs() < 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

fn ratio(a: f64, b: f64) -> String {
    format!("{:.2}×", a / b)
}

/// `key` of every sample of `loads` (an array of objects).
fn field(loads: &Value, key: &str) -> Vec<f64> {
    loads
        .as_array()
        .map(|a| a.iter().filter_map(|s| s[key].as_f64()).collect())
        .unwrap_or_default()
}

/// The median over `loads` of the start or end (`at`) of the resource `name` matches, relative
/// to the start mark.
fn resource(loads: &Value, name: impl Fn(&str) -> bool, at: &str) -> f64 {
    let v: Vec<f64> = loads
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            s["resources"]
                .as_array()?
                .iter()
                .find(|r| r["name"].as_str().is_some_and(&name))?[at]
                .as_f64()
        })
        .collect();
    quantile(&v, 0.5)
}

fn make(raw: &Value, native: &Value) -> Result<Part> {
    let mut part = Part {
        section: "Time to an answerable form".into(),
        ..Part::default()
    };
    let loads = raw["loads"].as_u64().unwrap_or(0);
    let chromium = raw["chromium"].as_str().unwrap_or("?");

    // 1 and 4: time to interactive, widget ÷ vanilla.
    let mut tti = Table::new(
        format!(
            "Time to an answerable form, ms from the script tag ({loads} cold loads each, \
             headless Chromium {chromium})"
        ),
        &[
            "form, profile",
            "widget median",
            "widget p95",
            "vanilla median",
            "vanilla p95",
            "widget ÷ vanilla (median)",
            "(p95)",
        ],
    );
    let cases = [
        ("satisfaction (smileys + text)", &raw["tti"]["satisfaction"]),
        ("10 questions", &raw["tti"]["dix"]),
        (
            "satisfaction, old phone on a weak signal",
            &raw["phone_tti"]["satisfaction"],
        ),
    ];
    for (name, v) in cases {
        let (w, b) = (field(&v["widget"], "tti"), field(&v["vanilla"], "tti"));
        if w.is_empty() || b.is_empty() {
            continue;
        }
        let (wm, w95, bm, b95) = (
            quantile(&w, 0.5),
            quantile(&w, 0.95),
            quantile(&b, 0.5),
            quantile(&b, 0.95),
        );
        tti.row(vec![
            name.into(),
            ms(wm),
            ms(w95),
            ms(bm),
            ms(b95),
            ratio(wm, bm),
            ratio(w95, b95),
        ]);
        part.targets.push(Target {
            what: format!("Time to interactive ≤ {TTI_LIMIT}× the vanilla form: {name}"),
            measured: format!(
                "{} ({} ms vs {} ms, medians)",
                ratio(wm, bm),
                ms(wm),
                ms(bm)
            ),
            met: wm <= TTI_LIMIT * bm,
        });
    }
    tti.note(
        "From a `performance.now()` mark taken by an inline script just before the snippet to the \
         form's first field existing, enabled and focused (in the widget's shadow root; polled on \
         each frame, on DOM mutations and on `voix:ready`). Each load in a fresh browser context \
         (cold HTTP cache, its own renderer process); widget and vanilla loads interleaved (the \
         browser's first load of each not counted). Vanilla: `xtask/bench/vanilla.js`, a hand-written script \
         fetching the same definition (`GET /v1/forms/{id}`) and building the same fields with \
         labels, fieldsets and a submit handler, no framework, no styles, no validation of its \
         own, no outbox: the floor, not a rival.",
    );
    tti.note(format!(
        "Old phone on a weak signal: CDP `Emulation.setCPUThrottlingRate` {} and \
         `Network.emulateNetworkConditions` (latency {} ms, {:.1} Mbit/s down, {:.0} kbit/s up), \
         set on each page before it navigates.",
        raw["phone"]["cpu"]["rate"],
        raw["phone"]["network"]["latency"],
        raw["phone"]["network"]["downloadThroughput"]
            .as_f64()
            .unwrap_or(0.0)
            * 8.0
            / 1e6,
        raw["phone"]["network"]["uploadThroughput"]
            .as_f64()
            .unwrap_or(0.0)
            * 8.0
            / 1e3,
    ));
    part.tables.push(tti);

    // Where the time goes: medians of the resource timings, per variant.
    let mut steps = Table::new(
        "Where the time goes: medians, ms from the script tag",
        &[
            "step",
            "satisfaction",
            "10 questions",
            "satisfaction, old phone",
        ],
    );
    let columns = [
        &raw["tti"]["satisfaction"],
        &raw["tti"]["dix"],
        &raw["phone_tti"]["satisfaction"],
    ];
    let is = |n: &'static str| move |s: &str| s == n;
    let definition = |s: &str| s.starts_with("/v1/forms/");
    type Step<'a> = (&'a str, &'a str, Box<dyn Fn(&Value) -> f64 + 'a>);
    let rows: Vec<Step> = vec![
        (
            "widget: loader `voix.js` arrived",
            "widget",
            Box::new(|v| resource(v, is("/voix.js"), "end")),
        ),
        (
            "widget: glue and wasm asked for (element near the viewport)",
            "widget",
            Box::new(|v| resource(v, is("/voix_bg.wasm"), "start")),
        ),
        (
            "widget: glue `voix-widget.js` arrived",
            "widget",
            Box::new(|v| resource(v, is("/voix-widget.js"), "end")),
        ),
        (
            "widget: wasm `voix_bg.wasm` arrived",
            "widget",
            Box::new(|v| resource(v, is("/voix_bg.wasm"), "end")),
        ),
        (
            "widget: definition asked for (wasm started, mount)",
            "widget",
            Box::new(|v| resource(v, definition, "start")),
        ),
        (
            "widget: definition arrived",
            "widget",
            Box::new(|v| resource(v, definition, "end")),
        ),
        (
            "widget: form answerable",
            "widget",
            Box::new(|v| quantile(&field(v, "tti"), 0.5)),
        ),
        (
            "vanilla: script arrived",
            "vanilla",
            Box::new(|v| resource(v, is("/vanilla.js"), "end")),
        ),
        (
            "vanilla: definition asked for",
            "vanilla",
            Box::new(|v| resource(v, definition, "start")),
        ),
        (
            "vanilla: definition arrived",
            "vanilla",
            Box::new(|v| resource(v, definition, "end")),
        ),
        (
            "vanilla: form answerable",
            "vanilla",
            Box::new(|v| quantile(&field(v, "tti"), 0.5)),
        ),
    ];
    for (name, variant, f) in &rows {
        let mut cells = vec![(*name).to_owned()];
        cells.extend(columns.iter().map(|c| ms(f(&c[*variant]))));
        steps.row(cells);
    }
    steps.note(
        "Resource Timing's `startTime` / `responseEnd` of each request, relative to the start \
         mark (a negative start: the preload scanner asked before the mark). The widget asks for \
         its definition only once the wasm has started, so on a slow network the definition's \
         round trip comes after the wasm's download.",
    );
    part.tables.push(steps);

    // 4: one representative cold load on the phone, request by request.
    let mut fall = Table::new(
        "One cold load on the old phone, request by request (the load of median time)",
        &[
            "page",
            "request",
            "starts, ms",
            "ends, ms",
            "bytes on the wire",
        ],
    );
    for variant in ["widget", "vanilla"] {
        let Some(all) = raw["phone_tti"]["satisfaction"][variant].as_array() else {
            continue;
        };
        let mut sorted: Vec<&Value> = all.iter().collect();
        let tti = |s: &Value| s["tti"].as_f64().unwrap_or(f64::NAN);
        sorted.sort_by(|a, b| tti(a).total_cmp(&tti(b)));
        let Some(median) = sorted.get(sorted.len() / 2) else {
            continue;
        };
        let mut total = 0;
        for r in median["requests"].as_array().into_iter().flatten() {
            let bytes = r["bytes"].as_f64().unwrap_or(0.0) as u64;
            total += bytes;
            fall.row(vec![
                variant.into(),
                format!("`{}`", r["url"].as_str().unwrap_or("?")),
                ms(r["start"].as_f64().unwrap_or(f64::NAN)),
                ms(r["end"].as_f64().unwrap_or(f64::NAN)),
                thousands(bytes),
            ]);
        }
        let mark = median["mark"].as_f64().unwrap_or(f64::NAN);
        let answerable = mark + median["tti"].as_f64().unwrap_or(f64::NAN);
        fall.row(vec![
            variant.into(),
            format!(
                "**total**; start mark at {} ms, answerable at {} ms",
                ms(mark),
                ms(answerable)
            ),
            String::new(),
            String::new(),
            format!("**{}**", thousands(total)),
        ]);
    }
    fall.note(
        "Times from the page's own request (CDP `Network.requestWillBeSent` → \
         `Network.loadingFinished`); bytes are CDP's `encodedDataLength` (headers included), as \
         the collector serves them: it compresses nothing, so the wasm crosses the wire raw. The \
         mark and the answerable time are the page's `performance.now()`, from the navigation's \
         start (≈ the document request's).",
    );
    part.tables.push(fall);

    // 2: compile and instantiate.
    let compile = &raw["compile"];
    if compile.as_array().is_some_and(|a| !a.is_empty()) {
        let c = field(compile, "compile");
        let i = field(compile, "init");
        let total: Vec<f64> = c.iter().zip(&i).map(|(a, b)| a + b).collect();
        let bytes = compile[0]["bytes"].as_u64().unwrap_or(0);
        let mut t = Table::new(
            format!(
                "Wasm compile and instantiate, ms ({} fresh contexts)",
                c.len()
            ),
            &["step", "median", "p95"],
        );
        for (name, v) in [
            (
                format!(
                    "`WebAssembly.compile` of `voix_bg.wasm` ({} bytes)",
                    thousands(bytes)
                ),
                &c,
            ),
            (
                "the glue's init with the compiled module (instantiate, start)".into(),
                &i,
            ),
            ("both".into(), &total),
        ] {
            t.row(vec![name, ms(quantile(v, 0.5)), ms(quantile(v, 0.95))]);
        }
        t.note(
            "The bytes fetched first, then timed in the page: `WebAssembly.compile(bytes)`, then \
             `__wbg_init({ module_or_path: module })` of `voix-widget.js`. Each in a new browser \
             context (its own renderer process: no compiled module kept from an earlier run). \
             V8 compiles wasm functions lazily, on their first call, so part of the compile \
             lands in the init and in the first mount. On a real load the loader streams the \
             wasm (`instantiateStreaming`) and compiles while it downloads.",
        );
        part.tables.push(t);
    }

    // 3: memory.
    let mem = &raw["memory"];
    if mem["widget"].is_object() {
        let mut t = Table::new(
            "Memory over mount/destroy cycles (one page, the satisfaction form)",
            &[
                "page, when",
                "JS heap",
                "wasm memory",
                "DOM nodes",
                "JS listeners",
            ],
        );
        let n = |v: &Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        for (page, name) in [
            ("widget", "widget"),
            ("baseline", "by hand (fetch, shadow root, fields)"),
        ] {
            for (when, label) in [
                ("first", "after the first mount"),
                ("after10", "after 10 cycles"),
                ("after100", "after 100 cycles"),
            ] {
                let m = &mem[page][when];
                t.row(vec![
                    format!("{name}, {label}"),
                    thousands(n(m, "heap") as u64),
                    m["wasm"].as_u64().map_or("–".into(), thousands),
                    thousands(n(m, "nodes") as u64),
                    thousands(n(m, "listeners") as u64),
                ]);
            }
        }
        let per_cycle = |page: &str| {
            (n(&mem[page]["after100"], "heap") - n(&mem[page]["after10"], "heap")) / 90.0
        };
        t.note(format!(
            "A cycle: take the form down (`Voix.unmount`, waiting until the widget has let it go), \
             remove its element, mount the form in a new one (`Voix.mount`, until `voix:ready`). \
             Measured with one form mounted, after two forced collections \
             (`HeapProfiler.collectGarbage`, `Runtime.getHeapUsage`, `Memory.getDOMCounters`); \
             bytes. Over cycles 10 → 100 the JS heap grew by {:.0} bytes per cycle with the \
             widget, {:.0} by hand.",
            per_cycle("widget"),
            per_cycle("baseline"),
        ));
        part.tables.push(t);
        let (first, last) = (&mem["widget"]["first"], &mem["widget"]["after100"]);
        let same = |k: &str| n(first, k) == n(last, k);
        let heap = per_cycle("widget");
        part.targets.push(Target {
            what: format!(
                "memory does not grow over 100 mount/destroy cycles (wasm memory, DOM nodes and \
                 listeners equal; JS heap < {HEAP_PER_CYCLE:.0} bytes per cycle after the 10th)"
            ),
            measured: format!(
                "wasm {} → {}, DOM nodes {} → {}, listeners {} → {}, JS heap {} → {} \
                 ({heap:.0} bytes per cycle over cycles 10 → 100; by hand {:.0})",
                thousands(n(first, "wasm") as u64),
                thousands(n(last, "wasm") as u64),
                n(first, "nodes"),
                n(last, "nodes"),
                n(first, "listeners"),
                n(last, "listeners"),
                thousands(n(first, "heap") as u64),
                thousands(n(last, "heap") as u64),
                per_cycle("baseline"),
            ),
            met: same("wasm") && same("nodes") && same("listeners") && heap < HEAP_PER_CYCLE,
        });
    }

    // 5: proof of work.
    let pow: Vec<f64> = raw["pow"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    if !pow.is_empty() {
        let us = |k: &str| native[k].as_f64().unwrap_or(f64::NAN) / 1000.0;
        let mean = pow.iter().sum::<f64>() / pow.len() as f64;
        let (bm, b90) = (quantile(&pow, 0.5), quantile(&pow, 0.9));
        let (nm, n90, nmean) = (us("solve_median_us"), us("solve_p90_us"), us("solve_us"));
        let mut t = Table::new(
            format!(
                "Proof of work: solve time, ms (cost {}, {} attempts on average)",
                native["cost"], native["attempts"]
            ),
            &["solver", "median", "p90", "mean"],
        );
        t.row(vec![
            format!("widget in Chromium ({} page loads)", pow.len()),
            ms(bm),
            ms(b90),
            ms(mean),
        ]);
        t.row(vec![
            format!(
                "native, `altcha` crate, one core ({} solves)",
                native["solves"]
            ),
            ms(nm),
            ms(n90),
            ms(nmean),
        ]);
        t.row(vec![
            "browser ÷ native".into(),
            ratio(bm, nm),
            ratio(b90, n90),
            ratio(mean, nmean),
        ]);
        t.note(
            "Browser: the ALTCHA payload's `solution.time` (from the challenge's arrival to the \
             key found; SubtleCrypto PBKDF2, several attempts in flight), the poll voted at once \
             on each fresh load. Native: `cargo run --release -p voix-collector --example \
             defence_cost -- --json`, each solve timed alone; the mean is what a robot pays per \
             answer. The number of attempts varies from one challenge to the next, so medians \
             and p90s of small samples move a lot.",
        );
        part.tables.push(t);
    }
    Ok(part)
}
