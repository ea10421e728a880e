//! `cargo xtask fuzz [--seconds N]`: every cargo-fuzz target of `fuzz/` for N seconds each, and
//! the short smoke of each that `cargo xtask test` runs.
//!
//! The targets run on the nightly toolchain (`cargo +nightly fuzz`, libFuzzer), the only thing
//! here that does; the crates they drive are the same as the stable build's. They are built
//! without a sanitizer (`-s none`): there is no `unsafe` in our crates (`unsafe_code = "forbid"`),
//! so AddressSanitizer would find nothing of ours and halve the executions; panics, overflow
//! (debug assertions are on) and the targets' own assertions are what we look for.
//!
//! Each run starts from `fuzz/seeds/<target>/` (committed: real definitions, posts,
//! configurations, and every input that once crashed) and keeps what it finds in
//! `fuzz/corpus/<target>/` (not committed), with a dictionary of the format's words from
//! `fuzz/dict/`. A crash stops the run with libFuzzer's artifact path in the error; turn it into
//! a regression test and a seed.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context, Result, bail};

use crate::{root, show};

/// The targets, in the order they run.
pub const TARGETS: [&str; 4] = ["definition", "submission", "nojs_post", "config"];

/// Seconds per target in `cargo xtask test`.
pub const SMOKE_SECONDS: u64 = 10;

/// What one target did.
#[derive(Debug)]
pub struct Run {
    pub target: &'static str,
    pub executions: u64,
    pub seconds: u64,
    pub corpus: usize,
}

/// `cargo xtask fuzz`'s arguments: `--seconds N` (default 60).
pub fn fuzz(args: impl Iterator<Item = std::ffi::OsString>) -> Result<()> {
    let mut seconds = 60;
    let mut args = args.map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let n = args.next().context("--seconds needs a number")?;
                seconds = n
                    .parse()
                    .with_context(|| format!("--seconds {n}: not a whole number"))?;
            }
            other => bail!("unexpected argument `{other}` (expected --seconds N)"),
        }
    }
    let runs = all(seconds)?;
    println!("\nfuzzing, {seconds} s per target (no sanitizer, debug assertions on):");
    println!(
        "{:<12} {:>12} {:>10} {:>8}",
        "target", "executions", "per sec", "corpus"
    );
    for r in &runs {
        println!(
            "{:<12} {:>12} {:>10} {:>8}",
            r.target,
            r.executions,
            r.executions / r.seconds.max(1),
            r.corpus
        );
    }
    println!("0 crashes");
    Ok(())
}

/// Makes sure the nightly toolchain and cargo-fuzz are here (installing cargo-fuzz if not),
/// builds the targets, then runs each for `seconds`. Fails on the first crash.
pub fn all(seconds: u64) -> Result<Vec<Run>> {
    setup()?;
    let mut build = nightly();
    build.args(["fuzz", "build", "-s", "none", "--fuzz-dir", "fuzz"]);
    crate::run(&mut build).context("building the fuzz targets")?;
    TARGETS.iter().map(|t| one(t, seconds)).collect()
}

/// The nightly toolchain must be on the machine (it cannot be fetched here); cargo-fuzz is
/// installed when missing.
fn setup() -> Result<()> {
    let version = nightly().arg("--version").output();
    match version {
        Ok(out) if out.status.success() => {}
        _ => bail!(
            "the fuzz targets need the nightly toolchain (`cargo +nightly`), which is not \
             installed; `rustup toolchain install nightly` where the network allows it"
        ),
    }
    let fuzz = nightly().args(["fuzz", "--version"]).output();
    if fuzz.is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    eprintln!("cargo-fuzz is missing; installing it");
    // Without --locked: the registry mirror lacks some locked versions.
    let mut install = Command::new("cargo");
    install.args(["install", "cargo-fuzz"]);
    crate::run(&mut install).context(
        "could not install cargo-fuzz (`cargo install cargo-fuzz`); the fuzz targets need it",
    )?;
    Ok(())
}

/// `cargo +nightly` from the root, out of the environment the stable cargo running the xtask
/// set (its toolchain, its cargo): `+nightly` must win.
fn nightly() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly")
        .current_dir(root())
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("CARGO_TARGET_DIR");
    cmd
}

fn one(target: &'static str, seconds: u64) -> Result<Run> {
    let fuzz = root().join("fuzz");
    let corpus = fuzz.join("corpus").join(target);
    std::fs::create_dir_all(&corpus)?;
    let seeds = seeds(target);
    let dict = fuzz.join("dict").join(format!("{target}.dict"));
    let log = crate::target_dir().join(format!("fuzz-{target}.log"));
    std::fs::create_dir_all(crate::target_dir())?;
    let mut cmd = nightly();
    cmd.args(["fuzz", "run", "-s", "none", "--fuzz-dir", "fuzz", target])
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-dict={}", dict.display()))
        // A definition or a post that takes a second is a finding too.
        .arg("-timeout=5")
        .arg("-rss_limit_mb=2048")
        .arg("-print_final_stats=1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?);
    let shown = show(&cmd);
    eprintln!("$ {shown}  (log: {})", log.display());
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    if !status.success() {
        let artifact = text
            .lines()
            .find_map(|l| l.split_once("Test unit written to ").map(|(_, p)| p.trim()))
            .unwrap_or("(none written; see the log)");
        let why = text
            .lines()
            .find(|l| l.contains("panicked at") || l.contains("ERROR: libFuzzer"))
            .unwrap_or("");
        bail!(
            "fuzz target `{target}` failed ({status}): {why}\n  input: {artifact}\n  log: {}",
            log.display()
        );
    }
    let executions = stat(&text, "stat::number_of_executed_units:")
        .or_else(|| done_runs(&text))
        .with_context(|| format!("no execution count in {}", log.display()))?;
    Ok(Run {
        target,
        executions,
        seconds,
        corpus: count_files(&corpus),
    })
}

/// libFuzzer's `-print_final_stats` line `name: N`.
fn stat(log: &str, name: &str) -> Option<u64> {
    log.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(name)?.trim().parse().ok())
}

/// libFuzzer's closing `Done N runs in S second(s)`.
fn done_runs(log: &str) -> Option<u64> {
    log.lines()
        .rev()
        .find_map(|l| l.strip_prefix("Done ")?.split(' ').next()?.parse().ok())
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

/// Where a target's committed seeds are.
pub fn seeds(target: &str) -> PathBuf {
    root().join("fuzz").join("seeds").join(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_counts_come_from_libfuzzer_s_closing_lines() {
        let log = "#2 INITED\nDone 123456 runs in 11 second(s)\nstat::number_of_executed_units: 123457\nstat::average_exec_per_sec:     11223\n";
        assert_eq!(stat(log, "stat::number_of_executed_units:"), Some(123457));
        assert_eq!(done_runs(log), Some(123456));
        assert_eq!(stat("", "stat::number_of_executed_units:"), None);
    }

    #[test]
    fn every_target_has_seeds_and_a_dictionary() {
        for t in TARGETS {
            assert!(count_files(&seeds(t)) > 0, "no seeds for {t}");
            assert!(
                root().join("fuzz/dict").join(format!("{t}.dict")).is_file(),
                "no dictionary for {t}"
            );
            let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
            assert!(manifest.contains(&format!("name = \"{t}\"")), "{t}");
        }
    }
}
