//! Developer tasks for Voix, run as `cargo xtask <task>` (aliased in `.cargo/config.toml`).
//!
//! CI runs exactly what developers run: `.ci/run` is `cargo xtask test`. The xtask also acts as
//! the wasm test runner (hidden `wasm-test-runner` subcommand), so the runner's version is always
//! the wasm-bindgen version locked in Cargo.lock and nothing has to be `cargo install`ed.

mod bench;
mod deploy_check;
mod dist;
mod fuzz;
mod nginx;
mod pg;
mod publish;
mod serve;
mod setup;
mod soak;
mod test;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
Usage: cargo xtask <TASK>

Tasks:
  dist    build the widget for wasm32, generate the JS glue, optimise with wasm-opt, minify,
          write dist/ (voix.js; the glue, wasm and locale packs under content-hashed names; a .br
          and a .gz beside each) and print the size report (fails over the budget in
          size-budget.toml)
  serve   dist, then run the collector with www/voix.toml on http://127.0.0.1:8080/
  test    install what is missing (wasm32 target, npm deps, Chromium, nginx, PostgreSQL,
          cargo-fuzz), then run every suite: native (the collector's story tests on SQLite and on
          a throwaway PostgreSQL), two collectors (behind nginx, one killed under load), fuzz
          smoke (each target a few seconds, nightly), browser (wasm-bindgen-test in Chromium),
          dist + size budget, deploy check (README's nginx configuration serving dist/),
          end-to-end
  bench   measure against their limits, in one run, and write BENCHMARKS.md: bytes per
          embedding mode, time to an answerable form in Chromium beside a hand-written form
          (desktop, and an old phone cold and on a second visit), memory over 100 mounts,
          the collector's answers/s and latency beside nginx (SQLite, PostgreSQL), proof of work
  fuzz [--seconds N]
          run every cargo-fuzz target of fuzz/ for N seconds (default 60) on the nightly
          toolchain (cargo-fuzz installed when missing); prints executions per target, fails on
          a crash
  soak [--seconds N] [--rate R]
          the release collector on loopback against 200 slow clients, an idle flood of 3 000
          connections, then R answers/s (default 200) for N s (default 300): how long slow
          clients are held, file descriptors, memory at start and end, errors
  help    print this message
";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let task = args.next();
    let result = match task.as_ref().and_then(|t| t.to_str()) {
        Some("dist") => no_more_args(args).and_then(|()| dist::dist()),
        Some("serve") => no_more_args(args).and_then(|()| serve::serve()),
        Some("test") => no_more_args(args).and_then(|()| test::test()),
        Some("bench") => no_more_args(args).and_then(|()| bench::bench()),
        Some("fuzz") => fuzz::fuzz(args),
        Some("soak") => soak::soak(args),
        // Hidden: the "deploy check" step of `test` alone, on the dist/ already built.
        Some("deploy-check") => no_more_args(args).and_then(|()| {
            setup::nginx()?;
            eprintln!("{}", deploy_check::check()?);
            Ok(())
        }),
        Some("wasm-test-runner") => wasm_test_runner(args.collect()),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprint!("error: unknown task `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn no_more_args(mut args: impl Iterator<Item = OsString>) -> Result<()> {
    match args.next() {
        None => Ok(()),
        Some(extra) => bail!(
            "unexpected argument `{}`\n\n{USAGE}",
            extra.to_string_lossy()
        ),
    }
}

/// Cargo calls this as `<xtask> wasm-test-runner <test.wasm> [libtest args…]` for every wasm32
/// test binary (see `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER` in `test.rs`).
fn wasm_test_runner(args: Vec<OsString>) -> Result<()> {
    let argv = std::iter::once(OsString::from("wasm-bindgen-test-runner")).chain(args);
    wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(argv)
}

/// The workspace root: the xtask lives in `<root>/xtask`.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent directory")
        .to_path_buf()
}

/// Cargo's target directory, honouring `CARGO_TARGET_DIR` like cargo does.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// A `cargo` command for the same toolchain that runs the xtask, started at the root.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs `cmd` with inherited stdio; an error names the command and its exit status.
fn run(cmd: &mut Command) -> Result<()> {
    let shown = show(cmd);
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// A command line for messages (program and arguments, not the environment).
fn show(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
