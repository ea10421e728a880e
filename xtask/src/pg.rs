//! A throwaway PostgreSQL server for the collector's story tests (`collector/tests/story.rs`).
//!
//! Debian's server binaries (`/usr/lib/postgresql/<version>/bin`, package `postgresql`,
//! installed with apt when missing and running as root) run a cluster of our own: a data
//! directory under `target/voix-pg-<pid>/`, listening on a free port on 127.0.0.1 only, trust
//! authentication for user `voix`, one database `voix_test`. [`Server`] stops it and deletes the
//! directory when dropped, so a failing run cleans up too; a run that was killed leaves a
//! directory that the next run stops and removes. The cluster the Debian package may create
//! (`main`, port 5432) is neither used nor left running by us.
//!
//! initdb refuses to run as root: as root the server runs as the `postgres` user (`runuser`),
//! otherwise as the current user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{run, setup::is_root, show, target_dir};

/// What the story tests read.
pub const URL_VAR: &str = "VOIX_TEST_DATABASE_URL";
const USER: &str = "voix";
const DATABASE: &str = "voix_test";
const DIR_PREFIX: &str = "voix-pg-";

/// How the tests get a PostgreSQL database, decided before anything is installed or started.
#[derive(Debug)]
pub enum Plan {
    /// `VOIX_TEST_DATABASE_URL` is already set: use that database.
    Given(String),
    /// Start a server from these binaries.
    Start(PathBuf),
    /// Install Debian's `postgresql` first (we are root), then start it.
    Install,
}

/// The plan, or why the PostgreSQL story tests cannot run here.
pub fn plan() -> std::result::Result<Plan, String> {
    if let Ok(url) = std::env::var(URL_VAR)
        && !url.is_empty()
    {
        return Ok(Plan::Given(url));
    }
    if let Some(bin) = find_bin() {
        return Ok(Plan::Start(bin));
    }
    match is_root() {
        Ok(true) => Ok(Plan::Install),
        Ok(false) => Err(format!(
            "the PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/initdb) and \
             we are not root to install it; `sudo apt-get install -y postgresql` or set {URL_VAR}"
        )),
        Err(e) => Err(format!("cannot tell whether we are root: {e:#}")),
    }
}

/// A database for the tests: one we started (stopped and deleted on drop), or the given one.
#[derive(Debug)]
pub struct Server {
    url: String,
    summary: String,
    /// Kept for its `Drop`: stops the server we started.
    _cluster: Option<Cluster>,
}

#[derive(Debug)]
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
}

impl Server {
    /// Carries out `plan`.
    pub fn start(plan: Plan) -> Result<Server> {
        let bin = match plan {
            Plan::Given(url) => {
                return Ok(Server {
                    summary: format!("using {URL_VAR} as set"),
                    url,
                    _cluster: None,
                });
            }
            Plan::Start(bin) => bin,
            Plan::Install => install()?,
        };
        clean_stale();
        let as_postgres = is_root()?;
        let dir = target_dir().join(format!("{DIR_PREFIX}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // From here on, dropping the cluster stops the server and deletes the directory.
        let cluster = Cluster {
            bin,
            dir,
            as_postgres,
        };
        if as_postgres {
            let mut chown = Command::new("chown");
            chown.args(["postgres:postgres"]).arg(&cluster.dir);
            run(&mut chown).context("the directory must belong to the `postgres` user")?;
        }
        let data = cluster.data();
        run(cluster
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["--auth=trust", "-U", USER, "-E", "UTF8", "--no-locale"])
            // Throwaway: skip the fsyncs of initdb itself (the server still syncs its commits).
            .arg("--no-sync"))
        .context("initdb failed (as root it runs as `postgres`, which needs access to target/)")?;
        let port = free_port()?;
        let log = cluster.dir.join("server.log");
        let started = run(cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1",
                cluster.dir.display()
            ))
            .args(["-w", "-t", "60", "start"]));
        if let Err(e) = started {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!("{e:#}\nserver log:\n{}", tail.join("\n"));
        }
        run(Command::new(cluster.bin.join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            USER,
            DATABASE,
        ]))?;
        let version = version(&cluster.bin);
        Ok(Server {
            url: format!("postgres://{USER}@127.0.0.1:{port}/{DATABASE}"),
            summary: format!("started PostgreSQL {version} on 127.0.0.1:{port}"),
            _cluster: Some(cluster),
        })
    }

    /// The URL for [`URL_VAR`].
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One line for the summary.
    pub fn summary(&self) -> &str {
        &self.summary
    }
}

impl Cluster {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        server_command(&self.bin, program, self.as_postgres)
    }
}

/// A server binary, run as `postgres` when we are root.
fn server_command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    let program = bin.join(program);
    if as_postgres {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        stop(&self.dir, &self.bin, self.as_postgres);
    }
}

/// Stops the server of `dir` if one runs, then deletes `dir`.
fn stop(dir: &Path, bin: &Path, as_postgres: bool) {
    let data = dir.join("data");
    if data.join("postmaster.pid").exists() {
        let mut cmd = server_command(bin, "pg_ctl", as_postgres);
        cmd.arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "-t", "30", "stop"]);
        eprintln!("$ {}", show(&cmd));
        match cmd.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "warning: could not stop the test PostgreSQL in {}: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => eprintln!("warning: could not run pg_ctl stop: {e}"),
        }
    }
    if let Err(e) = std::fs::remove_dir_all(dir) {
        eprintln!("warning: could not remove {}: {e}", dir.display());
    }
}

/// Servers left by runs that were killed (their xtask process is gone).
fn clean_stale() {
    let Some(bin) = find_bin() else { return };
    let Ok(entries) = std::fs::read_dir(target_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)) else {
            continue;
        };
        if Path::new("/proc").join(pid).exists() {
            continue;
        }
        eprintln!(
            "removing a test PostgreSQL left by an earlier run: {}",
            entry.path().display()
        );
        stop(&entry.path(), &bin, is_root().unwrap_or(false));
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding the server binaries.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.split('.').next()?.parse().ok()?;
            let bin = e.path().join("bin");
            ["initdb", "pg_ctl", "postgres", "createdb"]
                .iter()
                .all(|b| bin.join(b).exists())
                .then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// `apt-get install -y postgresql` (after `apt-get update` if the package is unknown), then
/// stops any cluster the package started: the tests use their own.
fn install() -> Result<PathBuf> {
    let apt_install = || {
        let mut cmd = Command::new("apt-get");
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args([
            "install",
            "-y",
            "--no-install-recommends",
            "postgresql",
        ]);
        run(&mut cmd)
    };
    if apt_install().is_err() {
        run(Command::new("apt-get").arg("update"))?;
        apt_install()?;
    }
    stop_package_clusters();
    find_bin().context("`apt-get install postgresql` succeeded but no initdb was found")
}

// The Debian package creates cluster `main` and may start it; we did, so we stop it.
fn stop_package_clusters() {
    let Ok(out) = Command::new("pg_lsclusters").arg("--no-header").output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let [version, name, _port, status, ..] = fields[..]
            && status.starts_with("online")
        {
            let _ = run(Command::new("pg_ctlcluster").args([version, name, "stop"]));
        }
    }
}

fn free_port() -> Result<u16> {
    // Closed again before the server binds it; a clash in between fails the start, loudly.
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `15.18` from `pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`.
fn version(bin: &Path) -> String {
    let out = Command::new(bin.join("pg_ctl")).arg("--version").output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    parse_version(&text).unwrap_or("?").to_owned()
}

fn parse_version(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("(PostgreSQL)")?;
    rest.split_whitespace().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_comes_after_the_product_name() {
        assert_eq!(
            parse_version("pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"),
            Some("15.18")
        );
        assert_eq!(parse_version("pg_ctl (PostgreSQL) 17.2\n"), Some("17.2"));
        assert_eq!(parse_version(""), None);
    }
}
