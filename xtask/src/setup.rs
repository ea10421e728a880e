//! Installing what the tasks need on a fresh machine: the wasm32 target, the npm dev tools,
//! Debian's Chromium + chromedriver and nginx (with its brotli module), and the bench's load
//! tool (oha). Each check is cheap when the thing is already there.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{root, run, show};

pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The proxy of the two-collector suite (`collector/tests/cluster.rs`).
pub const NGINX: &str = "/usr/sbin/nginx";
/// Debian's package of nginx's `brotli_static` (serves the `.br` beside a file), and the module
/// it installs: the deploy check's nginx loads it itself (`load_module`), its configuration
/// being its own and not Debian's `/etc/nginx/nginx.conf` with `modules-enabled/`.
pub const BROTLI_STATIC_PACKAGE: &str = "libnginx-mod-http-brotli-static";
pub const BROTLI_STATIC: &str = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `rustup target add wasm32-unknown-unknown`: `rust-toolchain.toml` lists the target, but with
/// `RUSTUP_AUTO_INSTALL=0` rustup does not install it by itself.
pub fn wasm_target() -> Result<()> {
    let mut cmd = Command::new("rustup");
    cmd.current_dir(root())
        .args(["target", "add", "wasm32-unknown-unknown"]);
    run(&mut cmd).context(
        "could not install the wasm32-unknown-unknown target (is rustup on PATH?); \
         install it for this toolchain and retry",
    )
}

/// `npm ci` when `node_modules/` is missing or older than `package-lock.json`; returns whether it
/// ran.
pub fn npm_deps() -> Result<bool> {
    let root = root();
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    let stale = match (modified(&lock), modified(&installed)) {
        (Some(lock), Some(installed)) => lock > installed,
        (None, _) => bail!("{} is missing", lock.display()),
        (Some(_), None) => true,
    };
    if !stale && root.join("node_modules/.bin/wasm-opt").exists() {
        return Ok(false);
    }
    let mut cmd = Command::new("npm");
    cmd.current_dir(&root)
        .args(["ci", "--no-audit", "--no-fund"]);
    run(&mut cmd)
        .context("could not install the npm dev dependencies (Node.js 20+ with npm is required)")?;
    Ok(true)
}

/// Debian's `chromium` and `chromium-driver`: installed with apt when running as root, otherwise
/// the missing packages and the command to install them are reported.
pub fn chromium() -> Result<()> {
    let missing: Vec<&str> = [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")]
        .into_iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", missing.join(" "));
    if !is_root()? {
        bail!(
            "missing Debian packages: {} (needed for {CHROMIUM} and {CHROMEDRIVER}).\n\
             Install them with:\n    sudo apt-get update && sudo {install}",
            missing.join(", ")
        );
    }
    run(Command::new("apt-get").arg("update"))?;
    let mut cmd = Command::new("apt-get");
    cmd.env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y"])
        .args(&missing);
    run(&mut cmd)?;
    for path in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(path).exists() {
            bail!("`{install}` succeeded but {path} is still missing");
        }
    }
    Ok(())
}

/// Debian's `nginx`, for the two-collector suite, and its brotli module
/// (`libnginx-mod-http-brotli-static`), for the deploy check of the README's nginx
/// configuration: installed with apt when running as root (the package's own service is not
/// started: `RUNLEVEL=1`), otherwise the missing packages and the command are reported.
pub fn nginx() -> Result<()> {
    let missing: Vec<&str> = [(NGINX, "nginx"), (BROTLI_STATIC, BROTLI_STATIC_PACKAGE)]
        .into_iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", missing.join(" "));
    if !is_root()? {
        bail!(
            "missing Debian packages: {} (needed for {NGINX}, the proxy of the two-collector \
             suite, and {BROTLI_STATIC}, for the deploy check of the README's nginx \
             configuration).\nInstall them with:\n    sudo apt-get update && sudo {install}",
            missing.join(", ")
        );
    }
    run(Command::new("apt-get").arg("update"))?;
    let mut cmd = Command::new("apt-get");
    cmd.env("DEBIAN_FRONTEND", "noninteractive")
        // Debian's maintainer scripts start no service in run level 1: the suites start their
        // own nginx, on a free port.
        .env("RUNLEVEL", "1")
        .args(["install", "-y"])
        .args(&missing);
    run(&mut cmd)?;
    for path in [NGINX, BROTLI_STATIC] {
        if !Path::new(path).exists() {
            bail!("`{install}` succeeded but {path} is still missing");
        }
    }
    Ok(())
}

/// Whether this process runs as root (and may install Debian packages).
pub fn is_root() -> Result<bool> {
    let mut cmd = Command::new("id");
    cmd.arg("-u");
    let out = cmd
        .output()
        .with_context(|| format!("could not run `{}`", show(&cmd)))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `oha`, the HTTP load tool of `cargo xtask bench`: the one on `PATH`, else the one in
/// `target/bench-tools/bin`, else installed there first with `cargo install oha --locked`
/// (minutes, once).
pub fn oha() -> Result<std::path::PathBuf> {
    if let Some(found) = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("oha"))
            .find(|bin| bin.is_file())
    }) {
        return Ok(found);
    }
    let tools = crate::target_dir().join("bench-tools");
    let bin = tools.join("bin/oha");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!(
        "oha (the bench's HTTP load tool) is missing: installing it into {} (takes minutes, once)",
        tools.display()
    );
    run(crate::cargo()
        .args(["install", "oha", "--locked", "--root"])
        .arg(&tools))
    .context("could not install oha (the bench's HTTP load tool) with cargo install")?;
    if !bin.is_file() {
        bail!(
            "`cargo install oha` succeeded but {} is missing",
            bin.display()
        );
    }
    Ok(bin)
}
