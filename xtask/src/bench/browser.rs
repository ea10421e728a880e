//! The browser part: time to an answerable form in headless Chromium, each figure beside a
//! hand-written vanilla-JS page rendering the same form from the same definition
//! (`xtask/bench/vanilla.js`), measured in the same run, loads interleaved; wasm compile and
//! instantiate; memory over 100 mount/destroy cycles beside the same cycle done by hand; an old
//! phone on a weak signal, cold and on a second visit (the same browser context, its HTTP cache
//! warm), with one load's requests of each and the bytes that crossed the wire; the proof of
//! work's solve time beside the native solver.
//!
//! The measuring is `xtask/bench/browser.mjs` (Playwright, Debian's Chromium), against the
//! release collector serving `dist/` (the glue and the wasm under the content-hashed names of
//! `dist/manifest.json`, which it is given), the bench's pages (`xtask/bench/` as its static
//! dir) and the satisfaction form, the media library's poll and a 10-question form
//! (`xtask/bench/forms/dix.toml`). It writes raw samples as JSON; the tables are made here.

use std::{path::Path, process::Command};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::report::{Part, Table, Target, quantile, thousands};
use crate::{
    cargo,
    dist::{self, GLUE, WASM},
    root, setup, target_dir,
};

/// Loads per variant (the floor issues 18 and 20 set: cold loads, and on the phone as many
/// second visits), and wasm compiles.
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
    // The glue and the wasm by the names the collector serves them under.
    let dist_dir = root().join("dist");
    let shipped = |name: &str| -> Result<String> {
        let path = dist::shipped(&dist_dir, name)?;
        if !path.exists() {
            bail!("{} is missing: run `cargo xtask dist`", path.display());
        }
        Ok(path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default())
    };
    let (glue, wasm) = (shipped(GLUE)?, shipped(WASM)?);
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
                "--glue",
                &glue,
                "--wasm",
                &wasm,
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

/// A request's path with a content-hashed file name given back its stable one
/// (`/voix_bg.0a1b2c3d4e.wasm` → `/voix_bg.wasm`), for counting requests across builds.
fn stable(url: &str) -> String {
    let (dir, file) = url.rsplit_once('/').unwrap_or(("", url));
    let parts: Vec<&str> = file.split('.').collect();
    match parts.as_slice() {
        [stem, hash, ext]
            if hash.len() == 10
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            format!("{dir}/{stem}.{ext}")
        }
        _ => url.to_owned(),
    }
}

/// How a request was answered, as the request tables write it: `(cache)` when the HTTP cache
/// answered without asking the server, else the status and the content coding.
fn answer(r: &Value) -> String {
    if let Some(cache) = r["cache"].as_str() {
        return format!("({cache})");
    }
    if let Some(failed) = r["failed"].as_str() {
        return format!("failed: {failed}");
    }
    let status = r["status"].as_u64().map_or("?".into(), |s| s.to_string());
    match r["encoding"].as_str() {
        Some(e) => format!("{status} {e}"),
        None => status,
    }
}

/// One load of each variant on the phone, the one of median time, request by request.
fn requests_table(title: &str, samples: &Value) -> Table {
    let mut fall = Table::new(
        title,
        &[
            "page",
            "request",
            "answer",
            "starts, ms",
            "ends, ms",
            "bytes on the wire",
        ],
    );
    for variant in ["widget", "vanilla"] {
        let Some(all) = samples[variant].as_array() else {
            continue;
        };
        let mut sorted: Vec<&Value> = all.iter().collect();
        let tti = |s: &Value| s["tti"].as_f64().unwrap_or(f64::NAN);
        sorted.sort_by(|a, b| tti(a).total_cmp(&tti(b)));
        let Some(median) = sorted.get(sorted.len() / 2) else {
            continue;
        };
        let (mut total, mut asked) = (0, 0);
        let requests = median["requests"].as_array().map_or(&[][..], Vec::as_slice);
        for r in requests {
            let bytes = r["bytes"].as_f64().unwrap_or(0.0) as u64;
            total += bytes;
            asked += usize::from(r["cache"].is_null());
            fall.row(vec![
                variant.into(),
                format!("`{}`", r["url"].as_str().unwrap_or("?")),
                answer(r),
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
            format!("{asked} of {} asked of the server", requests.len()),
            String::new(),
            String::new(),
            format!("**{}**", thousands(total)),
        ]);
    }
    fall
}

/// Over every second visit on the phone: how each request was answered, by the cache, by a
/// revalidation (304) or by a full answer, and its median bytes on the wire.
fn answered(samples: &Value) -> Table {
    let visits = samples["widget"].as_array().map_or(0, Vec::len);
    let mut t = Table::new(
        format!("The {visits} second visits on the old phone: how each request was answered"),
        &[
            "page",
            "request",
            "from the cache",
            "revalidated (304)",
            "fetched",
            "bytes on the wire (median)",
        ],
    );
    for variant in ["widget", "vanilla"] {
        // Stable name → (cache, 304, fetched, bytes), in order of first sight.
        let mut seen: Vec<(String, [usize; 3], Vec<f64>)> = Vec::new();
        for visit in samples[variant].as_array().into_iter().flatten() {
            for r in visit["requests"].as_array().into_iter().flatten() {
                let url = stable(r["url"].as_str().unwrap_or("?"));
                let i = match seen.iter().position(|(u, ..)| *u == url) {
                    Some(i) => i,
                    None => {
                        seen.push((url, [0; 3], Vec::new()));
                        seen.len() - 1
                    }
                };
                let how = if !r["cache"].is_null() {
                    0
                } else if r["status"].as_u64() == Some(304) {
                    1
                } else {
                    2
                };
                seen[i].1[how] += 1;
                seen[i].2.push(r["bytes"].as_f64().unwrap_or(0.0));
            }
        }
        for (url, [cache, revalidated, fetched], bytes) in seen {
            t.row(vec![
                variant.into(),
                format!("`{url}`"),
                cache.to_string(),
                revalidated.to_string(),
                fetched.to_string(),
                thousands(quantile(&bytes, 0.5) as u64),
            ]);
        }
    }
    t.note(
        "Content-hashed names counted under their stable name. A hashed file, `voix.js` (fresh \
         for 300 s) and the definition (60 s) should all come from the cache: each second visit \
         follows its cold load by a few seconds. The bench's pages come from the cache as well: \
         the collector sends the site's files with `Last-Modified` and no `Cache-Control`, which \
         Chromium takes as fresh for a tenth of their age; a host page revalidated on every \
         visit would add one round trip to both sides.",
    );
    t
}

fn make(raw: &Value, native: &Value) -> Result<Part> {
    let mut part = Part {
        section: "Time to an answerable form".into(),
        ..Part::default()
    };
    let loads = raw["loads"].as_u64().unwrap_or(0);
    let chromium = raw["chromium"].as_str().unwrap_or("?");
    // One round trip of the phone's profile: what a second visit may cost over the vanilla page.
    let rtt = raw["phone"]["network"]["latency"]
        .as_f64()
        .unwrap_or(f64::NAN);

    // 1 and 4: time to interactive, widget ÷ vanilla.
    let mut tti = Table::new(
        format!(
            "Time to an answerable form, ms from the script tag ({loads} loads each, cold unless \
             said; headless Chromium {chromium})"
        ),
        &[
            "form, profile",
            "widget median",
            "widget p95",
            "vanilla median",
            "vanilla p95",
            "widget ÷ vanilla (median)",
            "(p95)",
            "widget − vanilla (median)",
        ],
    );
    let cases = [
        (
            "satisfaction (smileys + text)",
            &raw["tti"]["satisfaction"],
            false,
        ),
        ("10 questions", &raw["tti"]["dix"], false),
        (
            "satisfaction, old phone on a weak signal",
            &raw["phone_tti"]["satisfaction"],
            false,
        ),
        (
            "satisfaction, old phone on a weak signal, second visit",
            &raw["phone_second"]["satisfaction"],
            true,
        ),
    ];
    for (name, v, second) in cases {
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
            format!("{:+.0}", wm - bm),
        ]);
        part.targets.push(if second {
            Target {
                what: format!(
                    "Time to interactive on a second visit ≤ the vanilla form's + one round trip \
                     ({} ms): {name}",
                    ms(rtt)
                ),
                measured: format!(
                    "{:+.0} ms ({} ms vs {} ms, medians; {})",
                    wm - bm,
                    ms(wm),
                    ms(bm),
                    ratio(wm, bm)
                ),
                met: wm <= bm + rtt,
            }
        } else {
            Target {
                what: format!("Time to interactive ≤ {TTI_LIMIT}× the vanilla form: {name}"),
                measured: format!(
                    "{} ({} ms vs {} ms, medians)",
                    ratio(wm, bm),
                    ms(wm),
                    ms(bm)
                ),
                met: wm <= TTI_LIMIT * bm,
            }
        });
    }
    tti.note(
        "From a `performance.now()` mark taken by an inline script just before the snippet to the \
         form's first field existing, enabled and focused (in the widget's shadow root; polled on \
         each frame, on DOM mutations and on `voix:ready`). Each cold load in a fresh browser \
         context (cold HTTP cache, its own renderer process); widget and vanilla loads \
         interleaved (the browser's first load of each not counted). Vanilla: \
         `xtask/bench/vanilla.js`, a hand-written script fetching the same definition \
         (`GET /v1/forms/{id}`) and building the same fields with labels, fieldsets and a submit \
         handler, no framework, no styles, no validation of its own, no outbox: the floor, not a \
         rival.",
    );
    tti.note(format!(
        "Old phone on a weak signal: CDP `Emulation.setCPUThrottlingRate` {} and \
         `Network.emulateNetworkConditions` (latency {} ms, {:.1} Mbit/s down, {:.0} kbit/s up, \
         after `Network.enable`; `Network.setCacheDisabled` false), set on each page before it \
         navigates and again before its second visit. Second visit: in the same context and tab, \
         once the cold load's requests have all ended, `about:blank` then the same page again (a \
         new navigation, not a reload): the HTTP cache is warm — the hashed glue and wasm are \
         immutable, `voix.js` is fresh for 300 s, the definition for 60 s — and the renderer may \
         keep what it compiled. Each context gives one cold load and one second visit.",
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
            "satisfaction, old phone, second visit",
        ],
    );
    let columns = [
        &raw["tti"]["satisfaction"],
        &raw["tti"]["dix"],
        &raw["phone_tti"]["satisfaction"],
        &raw["phone_second"]["satisfaction"],
    ];
    let is = |n: &'static str| move |s: &str| s == n;
    // A content-hashed name: `/voix_bg.` … `.wasm`.
    let hashed = |stem: &'static str, ext: &'static str| {
        move |s: &str| s.starts_with(stem) && s.ends_with(ext)
    };
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
            Box::new(|v| resource(v, hashed("/voix_bg.", ".wasm"), "start")),
        ),
        (
            "widget: definition asked for (beside the wasm)",
            "widget",
            Box::new(|v| resource(v, definition, "start")),
        ),
        (
            "widget: glue `voix-widget.<hash>.js` arrived",
            "widget",
            Box::new(|v| resource(v, hashed("/voix-widget.", ".js"), "end")),
        ),
        (
            "widget: definition arrived",
            "widget",
            Box::new(|v| resource(v, definition, "end")),
        ),
        (
            "widget: wasm `voix_bg.<hash>.wasm` arrived",
            "widget",
            Box::new(|v| resource(v, hashed("/voix_bg.", ".wasm"), "end")),
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
         mark (a negative start: the preload scanner asked before the mark). The loader asks for \
         the definition (`?lang=`) beside the glue and the wasm, so on a slow network its round \
         trip overlaps the wasm's download; on a second visit what the HTTP cache answers takes \
         no round trip.",
    );
    part.tables.push(steps);

    // 4: one representative load on the phone, request by request, cold and on a second visit.
    let mut cold = requests_table(
        "One cold load on the old phone, request by request (the load of median time)",
        &raw["phone_tti"]["satisfaction"],
    );
    cold.note(
        "Times from the page's own request (CDP `Network.requestWillBeSent` → \
         `Network.loadingFinished`); bytes are CDP's `encodedDataLength`, headers included, as \
         they crossed the wire. The collector sends `dist/`'s `.br` or `.gz` of each widget file \
         by `Accept-Encoding`, compresses definitions on the fly from 1 024 bytes, and sends the \
         bench's pages and `vanilla.js` (the site's own files) as they are: the answer column \
         gives the status and the content coding. The mark and the answerable time are the page's \
         `performance.now()`, from the navigation's start (≈ the document request's).",
    );
    part.tables.push(cold);
    let mut second = requests_table(
        "The second visit on the old phone, request by request (the visit of median time)",
        &raw["phone_second"]["satisfaction"],
    );
    second.note(
        "The same context and tab after its cold load (see above). `(disk cache)`: the HTTP \
         cache answered, `(memory cache)`: the renderer's own copy from the first visit; either \
         way without asking the server, 0 bytes on the wire. A `304` would be a revalidation, a \
         round trip with headers only.",
    );
    part.tables.push(second);
    part.tables
        .push(answered(&raw["phone_second"]["satisfaction"]));

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_counted_under_their_stable_name() {
        assert_eq!(stable("/voix_bg.0a1b2c3d4e.wasm"), "/voix_bg.wasm");
        assert_eq!(stable("/voix-widget.3f9a0c1b2d.js"), "/voix-widget.js");
        assert_eq!(stable("/voix.js"), "/voix.js");
        assert_eq!(
            stable("/v1/forms/satisfaction?lang=fr"),
            "/v1/forms/satisfaction?lang=fr"
        );
        assert_eq!(stable("/a.0A1B2C3D4E.wasm"), "/a.0A1B2C3D4E.wasm");
    }

    #[test]
    fn answers_say_the_cache_or_the_status_and_coding() {
        let r = |v: serde_json::Value| answer(&v);
        assert_eq!(
            r(serde_json::json!({"cache": "disk cache", "status": 200})),
            "(disk cache)"
        );
        assert_eq!(
            r(serde_json::json!({"status": 200, "encoding": "br"})),
            "200 br"
        );
        assert_eq!(
            r(serde_json::json!({"status": 304, "encoding": null})),
            "304"
        );
    }
}
