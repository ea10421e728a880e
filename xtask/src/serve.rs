//! `cargo xtask serve`: a fresh dist and the collector serving the demo site from `www/`.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cargo, dist, root, run, setup, target_dir};

pub const DEMO_ADDR: &str = "127.0.0.1:8080";
/// The demo's `admin_token` (www/voix.toml), printed so the dashboard can be tried.
const DEMO_ADMIN_TOKEN: &str = "demo-admin-token-voix";

pub fn serve() -> Result<()> {
    setup::wasm_target()?;
    setup::npm_deps()?;
    // Over budget is worth a warning here, not a refusal to show the demo.
    if let Err(err) = dist::build()?.check() {
        eprintln!("warning: {err:#}");
    }
    build_collector()?;
    let config = root().join("www/voix.toml");
    if !config.exists() {
        bail!(
            "{} is missing: the demo site has no config yet",
            config.display()
        );
    }
    let mut cmd = Command::new(collector_bin());
    cmd.current_dir(root())
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .args(["--listen", DEMO_ADDR]);
    println!("Demo: http://{DEMO_ADDR}/");
    println!("Form builder: http://{DEMO_ADDR}/builder.html");
    println!("Results dashboard: http://{DEMO_ADDR}/admin (admin token: {DEMO_ADMIN_TOKEN})");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {}", collector_bin().display()))?;
    if !status.success() {
        bail!("the collector exited with {status}");
    }
    Ok(())
}

/// `cargo build -p voix-collector` (dev profile).
pub fn build_collector() -> Result<()> {
    run(cargo().args(["build", "-p", "voix-collector"]))
}

pub fn collector_bin() -> std::path::PathBuf {
    target_dir().join("debug/voix-collector")
}
