//! `cargo xtask test`: installs what is missing, then runs every suite and never skips one
//! silently. The fuzz smoke runs each cargo-fuzz target for a few seconds on the nightly
//! toolchain, installing cargo-fuzz if needed; without nightly it fails, saying so. A suite whose prerequisite failed is reported as BLOCKED, which fails the run; a
//! suite that ran zero tests fails (a misconfigured suite must not vanish into "ok").
//!
//! Two steps may be "skipped" without failing the run, and say why in the summary: `postgres`,
//! when this machine can neither find nor install a PostgreSQL server (not root, package
//! missing), and with it `two collectors`, which needs one. The collector's story tests then run
//! on SQLite only. When a server could be started, the native suite runs them on both, and the
//! two-collector suite runs (a server that fails to start blocks it: that is a failure).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::{cargo, deploy_check, dist, fuzz, pg, root, serve, setup, show, target_dir};

#[derive(Debug)]
enum Outcome {
    Passed(String),
    Failed(String),
    Blocked(String),
    /// Does not apply on this machine; does not fail the run.
    Skipped(String),
}

#[derive(Debug)]
struct Step {
    name: &'static str,
    outcome: Outcome,
}

impl Step {
    /// How many tests a passed test suite ran (its detail starts with the count).
    fn tests(&self) -> Option<usize> {
        match &self.outcome {
            Outcome::Passed(d) if d.contains("tests passed") => {
                d.split(' ').next().and_then(|n| n.parse().ok())
            }
            _ => None,
        }
    }
}

#[derive(Debug, Default)]
struct Steps(Vec<Step>);

impl Steps {
    /// Runs `f` unless one of `needs` did not pass; records and returns whether it passed.
    fn run(
        &mut self,
        name: &'static str,
        needs: &[&str],
        f: impl FnOnce() -> Result<String>,
    ) -> bool {
        let blocked: Vec<&str> = needs
            .iter()
            .copied()
            .filter(|need| !self.passed(need))
            .collect();
        let outcome = if blocked.is_empty() {
            eprintln!("\n==> {name}");
            match f() {
                Ok(detail) => Outcome::Passed(detail),
                Err(err) => {
                    eprintln!("error: {name}: {err:#}");
                    Outcome::Failed(format!("{err:#}"))
                }
            }
        } else {
            Outcome::Blocked(format!("not run: needs {}", blocked.join(", ")))
        };
        let passed = matches!(outcome, Outcome::Passed(_));
        self.0.push(Step { name, outcome });
        passed
    }

    /// Records a step that cannot run here, and why.
    fn skip(&mut self, name: &'static str, why: String) {
        eprintln!("\n==> {name}\nskipped: {why}");
        self.0.push(Step {
            name,
            outcome: Outcome::Skipped(why),
        });
    }

    fn passed(&self, name: &str) -> bool {
        self.0
            .iter()
            .any(|s| s.name == name && matches!(s.outcome, Outcome::Passed(_)))
    }

    fn summary(&self) -> (String, bool) {
        let mut out = String::from("\n==> summary\n");
        let mut ok = true;
        for step in &self.0 {
            let (label, detail) = match &step.outcome {
                Outcome::Passed(d) => ("ok", d.as_str()),
                Outcome::Failed(d) => ("FAILED", d.as_str()),
                Outcome::Blocked(d) => ("BLOCKED", d.as_str()),
                Outcome::Skipped(d) => ("skipped", d.as_str()),
            };
            ok &= label == "ok" || label == "skipped";
            // Later lines of a detail (the tests that failed) go under its first one.
            let detail = detail
                .lines()
                .take(12)
                .collect::<Vec<_>>()
                .join(&format!("\n{:28}", ""));
            out += &format!("  {label:<8} {:<16} {detail}\n", step.name);
        }
        (out, ok)
    }
}

pub fn test() -> Result<()> {
    let mut steps = Steps::default();
    steps.run("wasm32 target", &[], || {
        setup::wasm_target().map(|()| "installed".into())
    });
    steps.run("npm deps", &[], || {
        Ok(match setup::npm_deps()? {
            true => "installed with npm ci".into(),
            false => "node_modules up to date".into(),
        })
    });
    steps.run("chromium", &[], || {
        setup::chromium().map(|()| format!("{} + {}", setup::CHROMIUM, setup::CHROMEDRIVER))
    });
    steps.run("nginx", &[], || {
        setup::nginx().map(|()| format!("{} + {} (Debian)", setup::NGINX, setup::BROTLI_STATIC))
    });
    // Lives until the suites that use it are done; dropping it stops and deletes the server,
    // on failure too.
    let mut database: Option<pg::Server> = None;
    let mut no_postgres = None;
    match pg::plan() {
        Ok(plan) => {
            steps.run("postgres", &[], || {
                let server = pg::Server::start(plan)?;
                let summary = server.summary().to_owned();
                database = Some(server);
                Ok(summary)
            });
        }
        Err(why) => {
            steps.skip("postgres", format!("not available: {why}"));
            no_postgres = Some(why);
        }
    }
    steps.run("native", &[], || native(database.as_ref()));
    match (&database, no_postgres) {
        // Several collectors share a database only through PostgreSQL: where this machine has
        // none (not root, no package), the suite cannot run, like the PostgreSQL story tests.
        (None, Some(why)) => steps.skip(
            "two collectors",
            format!("needs PostgreSQL, not available: {why}"),
        ),
        _ => {
            steps.run("two collectors", &["postgres", "nginx"], || {
                two_collectors(database.as_ref().context("no PostgreSQL server")?)
            });
        }
    }
    drop(database);
    steps.run("fuzz smoke", &[], || {
        let runs = fuzz::all(fuzz::SMOKE_SECONDS)?;
        let executions: u64 = runs.iter().map(|r| r.executions).sum();
        let each: Vec<String> = runs
            .iter()
            .map(|r| format!("{} {}", r.target, r.executions))
            .collect();
        Ok(format!(
            "{} targets × {} s, {executions} executions, 0 crashes ({})",
            runs.len(),
            fuzz::SMOKE_SECONDS,
            each.join(", ")
        ))
    });
    steps.run("browser", &["wasm32 target", "chromium"], browser);
    let mut report = None;
    steps.run("dist", &["wasm32 target", "npm deps"], || {
        report = Some(dist::build()?);
        serve::build_collector()?;
        Ok("dist/ and the collector built".into())
    });
    steps.run("size budget", &["dist"], || {
        let report = report.as_ref().context("no size report")?;
        report.check()?;
        Ok(report.brief())
    });
    // README.md's nginx configuration for hosting dist/, on Debian's nginx with brotli_static.
    steps.run("deploy check", &["nginx", "dist"], deploy_check::check);
    steps.run("e2e", &["npm deps", "chromium", "dist"], e2e);

    let (summary, ok) = steps.summary();
    print!("{summary}");
    // One plain closing line over every suite, for CI and for people.
    let passed: usize = steps.0.iter().filter_map(Step::tests).sum();
    let failed = steps
        .0
        .iter()
        .filter(|s| !matches!(s.outcome, Outcome::Passed(_) | Outcome::Skipped(_)))
        .count();
    println!("{passed} passed, {failed} failed");
    std::io::stdout().flush()?;
    if !ok {
        bail!("some suites failed or did not run (see the summary above)");
    }
    Ok(())
}

/// Every crate's unit, integration and doc tests on the host. The widget's browser tests are
/// compiled out here (they are wasm32-only). With `database`, the collector's story tests run
/// on PostgreSQL too (and the TLS tests, when the server speaks TLS).
fn native(database: Option<&pg::Server>) -> Result<String> {
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]);
    let backends = match database {
        Some(server) => {
            cmd.envs(server.env());
            "story on SQLite + PostgreSQL"
        }
        None => {
            cmd.env_remove(pg::URL_VAR).env_remove(pg::CA_VAR);
            "story on SQLite only"
        }
    };
    let passed = run_counting(&mut cmd)?;
    // A workspace build unifies features: voix-form gets the collector's (std, the extra
    // locales) in the widget's tests too. Run the widget and voix-form once more as the widget's
    // wasm builds them, without those features.
    let mut alone = cargo();
    alone.args(["test", "-p", "voix", "-p", "voix-form"]);
    let widget_view = run_counting(&mut alone)?;
    Ok(format!(
        "{} tests passed ({backends}; {widget_view} of them again with the widget's features)",
        passed + widget_view
    ))
}

/// Two collector processes on one PostgreSQL database behind nginx (`collector/tests/cluster.rs`,
/// ignored by a plain `cargo test`): the HTTP story through the proxy, then one collector killed
/// under load with no acknowledged answer lost or doubled.
fn two_collectors(database: &pg::Server) -> Result<String> {
    let mut cmd = cargo();
    cmd.args([
        "test",
        "-p",
        "voix-collector",
        "--test",
        "cluster",
        "--",
        "--ignored",
        "--nocapture",
    ])
    .envs(database.env())
    .env("VOIX_TEST_NGINX", setup::NGINX);
    let passed = run_counting(&mut cmd)?;
    Ok(format!(
        "{passed} tests passed (2 collectors, PostgreSQL, nginx round robin, one SIGKILLed under load)"
    ))
}

/// The widget's wasm-bindgen tests in headless Chromium; cargo runs each wasm test binary through
/// this very executable (`xtask wasm-test-runner <file.wasm>`), so the runner is the
/// wasm-bindgen-cli library at the version locked in Cargo.lock.
fn browser() -> Result<String> {
    let exe = std::env::current_exe().context("locating the xtask executable")?;
    let exe = exe.to_str().context("the xtask path is not UTF-8")?;
    if exe.contains(char::is_whitespace) {
        // Cargo splits a runner given in the environment on whitespace.
        bail!("the xtask path `{exe}` contains whitespace; move the checkout");
    }
    let mut cmd = cargo();
    cmd.args(["test", "-p", "voix", "--target", "wasm32-unknown-unknown"])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            format!("{exe} wasm-test-runner"),
        )
        .env("CHROMEDRIVER", setup::CHROMEDRIVER);
    let passed = run_counting(&mut cmd)?;
    Ok(format!("{passed} tests passed in Chromium"))
}

/// `node --test tests/e2e/` against the optimised dist and the debug collector. A TAP copy of the
/// results goes to a file so the pass count can be checked.
fn e2e() -> Result<String> {
    let root = root();
    let bin = serve::collector_bin();
    let tap = target_dir().join("e2e-results.tap");
    let mut cmd = Command::new("node");
    cmd.current_dir(&root)
        // Node runs each file in a process of its own, and the timeout bounds that file as a
        // whole, not only each test: outbox.test.mjs takes ≈ 75 s here, more on a slower CI
        // machine. Five minutes, so only a file that hangs fails on time (tests that need less
        // say so with their own `timeout`).
        .args(["--test", "--test-timeout=300000"])
        .args(["--test-reporter=spec", "--test-reporter-destination=stdout"])
        .arg("--test-reporter=tap")
        .arg(format!("--test-reporter-destination={}", tap.display()))
        .arg("tests/e2e/")
        .env("VOIX_COLLECTOR_BIN", &bin)
        .env("VOIX_ROOT", &root);
    let _ = std::fs::remove_file(&tap);
    let shown = show(&cmd);
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}` (is Node.js 20+ installed?)"))?;
    let text = std::fs::read_to_string(&tap).unwrap_or_default();
    let count = |key: &str| -> usize {
        text.lines()
            .filter_map(|l| l.strip_prefix(key)?.trim().parse().ok())
            .next_back()
            .unwrap_or(0)
    };
    let (pass, fail) = (count("# pass "), count("# fail ") + count("# cancelled "));
    if fail > 0 {
        // Named in the summary, the last lines printed: a CI log's tail says which test failed.
        let mut names = String::new();
        for failed in failed_tests(&text, &root) {
            names += &format!("\n{failed}");
        }
        bail!(
            "{fail} of {} end-to-end tests failed or were cancelled:{names}",
            pass + fail
        );
    }
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    if pass == 0 {
        bail!("no end-to-end test ran (expected tests/e2e/*.test.mjs)");
    }
    Ok(format!("{pass} tests passed"))
}

/// The top-level tests a TAP report (Node's) says failed: `name (file:line): first line of the
/// error`, the file relative to `root`.
fn failed_tests(tap: &str, root: &Path) -> Vec<String> {
    let lines: Vec<&str> = tap.lines().collect();
    let root = format!("{}/", root.display());
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("not ok ") else {
            continue;
        };
        let name = rest.split_once(" - ").map_or(rest, |(_, n)| n);
        let (mut place, mut error) = (String::new(), String::new());
        let block = lines[i + 1..]
            .iter()
            .skip_while(|l| l.trim() != "---")
            .skip(1)
            .take_while(|l| l.trim() != "...");
        let mut block = block.peekable();
        while let Some(l) = block.next() {
            let l = l.trim();
            if let Some(loc) = l.strip_prefix("location: ") {
                let loc = loc.trim_matches('\'');
                place = loc.strip_prefix(&root).unwrap_or(loc).to_owned();
                // file:line:column → file:line
                if let Some((p, _)) = place.rsplit_once(':') {
                    place = p.to_owned();
                }
            } else if let Some(e) = l.strip_prefix("error: ") {
                error = match e {
                    "|-" | "|" | ">-" => block.peek().map(|n| n.trim()).unwrap_or("").to_owned(),
                    e => e.trim_matches('\'').to_owned(),
                };
            }
        }
        let mut one = format!("  ✗ {name}");
        if !place.is_empty() {
            one += &format!(" ({place})");
        }
        if !error.is_empty() {
            one += &format!(": {error}");
        }
        out.push(one);
    }
    out
}

/// Runs a `cargo test` command, echoing its stdout while counting the tests libtest reports as
/// passed. Fails when the command fails or when not a single test ran.
fn run_counting(cmd: &mut Command) -> Result<usize> {
    let shown = show(cmd);
    eprintln!("$ {shown}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{shown}`"))?;
    let stdout = child.stdout.take().context("no stdout pipe")?;
    let mut passed = 0;
    let mut out = std::io::stdout();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        writeln!(out, "{line}")?;
        passed += passed_in(&line);
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    if passed == 0 {
        bail!(
            "`{shown}` ran zero tests; a suite that runs nothing is a failure (for browser \
             tests: `wasm_bindgen_test_configure!(run_in_browser)` and `#[wasm_bindgen_test]`)"
        );
    }
    Ok(passed)
}

/// The `N` of a libtest `test result: ok. N passed; …` line, else 0.
fn passed_in(line: &str) -> usize {
    let Some((_, rest)) = line.split_once("test result: ") else {
        return 0;
    };
    let rest = rest
        .strip_prefix("ok. ")
        .or_else(|| rest.strip_prefix("FAILED. "))
        .unwrap_or("");
    rest.split_once(" passed")
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passed_counts_come_from_libtest_summaries() {
        assert_eq!(
            passed_in("test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured"),
            12
        );
        assert_eq!(passed_in("test result: FAILED. 3 passed; 1 failed;"), 3);
        assert_eq!(passed_in("no tests to run!"), 0);
        assert_eq!(passed_in("test result: ok. 0 passed; 0 failed"), 0);
    }

    #[test]
    fn failed_e2e_tests_are_named_with_their_place_and_error() {
        let tap = "TAP version 13
# Subtest: passes
ok 1 - passes
  ---
  duration_ms: 3
  ...
# Subtest: a German page: its pack
not ok 2 - a German page: its pack
  ---
  duration_ms: 812.5
  location: '/work/voix/tests/e2e/delivery.test.mjs:173:1'
  failureType: 'testCodeFailure'
  error: |-
    over the network once, the rest from the cache: 0,0
    
    0 !== 1
  code: 'ERR_ASSERTION'
  ...
not ok 3 - /work/voix/tests/e2e/broken.test.mjs
  ---
  error: 'test failed'
  ...
# pass 1
# fail 2
";
        let got = failed_tests(tap, Path::new("/work/voix"));
        assert_eq!(
            got,
            [
                "  ✗ a German page: its pack (tests/e2e/delivery.test.mjs:173): over the network once, the rest from the cache: 0,0",
                "  ✗ /work/voix/tests/e2e/broken.test.mjs: test failed",
            ]
        );
        let mut steps = Steps::default();
        steps.run("e2e", &[], || bail!("1 of 2 failed:\n{}", got[0]));
        let (text, _) = steps.summary();
        let under = text.lines().find(|l| l.contains("✗ a German page"));
        assert!(
            under.is_some_and(|l| l.starts_with(&" ".repeat(28))),
            "{text}"
        );
    }

    #[test]
    fn blocked_and_failed_steps_fail_the_summary() {
        let mut steps = Steps::default();
        assert!(steps.run("a", &[], || Ok("fine".into())));
        assert!(!steps.run("b", &[], || bail!("broken")));
        assert!(!steps.run("c", &["b"], || Ok("never".into())));
        let (text, ok) = steps.summary();
        assert!(!ok);
        assert!(text.contains("BLOCKED"));
        assert!(text.contains("not run: needs b"));
    }

    #[test]
    fn a_skipped_step_shows_its_reason_and_does_not_fail() {
        let mut steps = Steps::default();
        assert!(steps.run("a", &[], || Ok("3 tests passed".into())));
        steps.skip("postgres", "not available: not root".into());
        let (text, ok) = steps.summary();
        assert!(ok, "{text}");
        assert!(text.contains("skipped  postgres"), "{text}");
        assert!(text.contains("not available: not root"), "{text}");
        // And a step needing it is blocked, as for any step that did not pass.
        assert!(!steps.run("b", &["postgres"], || Ok("never".into())));
    }
}
