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
//!
//! The server also speaks TLS: a throwaway certificate authority made with the `openssl` CLI
//! signs a certificate for `localhost` and `127.0.0.1`, and the tests get the authority's
//! certificate in `VOIX_TEST_DATABASE_CA`. Without `openssl` (or if the server refuses the
//! certificate) it runs without TLS, and the summary says so.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{run, setup::is_root, show, target_dir};

/// What the story tests read.
pub const URL_VAR: &str = "VOIX_TEST_DATABASE_URL";
/// The PEM certificate of the authority that signed the server's TLS certificate, for the TLS
/// tests (`collector/tests/pg_tls.rs`); unset when the server has no TLS.
pub const CA_VAR: &str = "VOIX_TEST_DATABASE_CA";
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
    /// The authority's certificate, when the server speaks TLS.
    ca: Option<PathBuf>,
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
                let ca = std::env::var_os(CA_VAR).filter(|ca| !ca.is_empty());
                return Ok(Server {
                    summary: match &ca {
                        Some(_) => format!("using {URL_VAR} and {CA_VAR} as set"),
                        None => format!("using {URL_VAR} as set ({CA_VAR} not set: no TLS tests)"),
                    },
                    url,
                    ca: ca.map(PathBuf::from),
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
        // Without certificates the server runs anyway, without TLS; the summary says why.
        let mut tls = certificates(&cluster.dir.join("tls"), as_postgres).map_err(|e| {
            eprintln!("warning: the test PostgreSQL runs without TLS: {e:#}");
            format!("{e:#}")
        });
        let log = cluster.dir.join("server.log");
        let port = loop {
            let port = free_port()?;
            let mut options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1",
                cluster.dir.display()
            );
            if let Ok(files) = &tls {
                options += &format!(
                    " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                    files.cert.display(),
                    files.key.display()
                );
            }
            let started = run(cluster
                .command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .arg("-o")
                .arg(options)
                .args(["-w", "-t", "60", "start"]));
            let Err(e) = started else { break port };
            let tail = log_tail(&log);
            if tls.is_ok() {
                eprintln!(
                    "warning: the test PostgreSQL did not start with TLS, trying without:\n{tail}"
                );
                let last = tail.lines().last().unwrap_or("see its log");
                tls = Err(format!("the server did not start with it: {last}"));
                continue;
            }
            bail!("{e:#}\nserver log:\n{tail}");
        };
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
        let (ca, with_tls) = match tls {
            Ok(files) => (Some(files.ca), format!("with TLS (CA in {CA_VAR})")),
            Err(why) => (None, format!("WITHOUT TLS ({why}; TLS tests skipped)")),
        };
        Ok(Server {
            url: format!("postgres://{USER}@127.0.0.1:{port}/{DATABASE}"),
            ca,
            summary: format!("started PostgreSQL {version} on 127.0.0.1:{port} {with_tls}"),
            _cluster: Some(cluster),
        })
    }

    /// The variables the tests read: [`URL_VAR`], and [`CA_VAR`] when the server speaks TLS.
    pub fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        let mut vars = vec![(URL_VAR, self.url.clone().into())];
        vars.extend(
            self.ca
                .as_ref()
                .map(|ca| (CA_VAR, ca.clone().into_os_string())),
        );
        vars
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One line for the summary.
    pub fn summary(&self) -> &str {
        &self.summary
    }
}

/// The TLS files of a test server.
#[derive(Debug)]
struct TlsFiles {
    /// The authority's certificate, for the tests.
    ca: PathBuf,
    /// The server's certificate and key, for `ssl_cert_file` and `ssl_key_file`.
    cert: PathBuf,
    key: PathBuf,
}

/// What `openssl req` and `openssl x509` read: the authority's extensions (a CA may sign), the
/// server's (its names; what webpki, behind rustls, requires of a server certificate).
const OPENSSL_CONFIG: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = voix test CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// Makes a throwaway certificate authority in `dir` and, signed by it, a certificate for
/// `localhost` and `127.0.0.1` with its key readable by the server only (PostgreSQL refuses a
/// key others can read). The authority's key is deleted: nothing else will ever be signed.
fn certificates(dir: &Path, as_postgres: bool) -> Result<TlsFiles> {
    use std::os::unix::fs::PermissionsExt;

    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join("openssl.cnf"), OPENSSL_CONFIG)?;
    // One command line each; no argument holds a space.
    let openssl = |line: &str| {
        let mut cmd = Command::new("openssl");
        cmd.current_dir(dir).args(line.split_whitespace());
        run(&mut cmd)
    };
    const P256: &str = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    openssl(&format!(
        "req -x509 -new -config openssl.cnf -extensions ca {P256} -days 7 \
         -keyout ca.key -out ca.pem"
    ))?;
    openssl(&format!(
        "req -new -config openssl.cnf -subj /CN=localhost {P256} \
         -keyout server.key -out server.csr"
    ))?;
    openssl(
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 \
         -extfile openssl.cnf -extensions server -out server.crt",
    )?;
    for leftover in ["ca.key", "ca.srl", "server.csr"] {
        let _ = std::fs::remove_file(dir.join(leftover));
    }
    let files = TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    };
    std::fs::set_permissions(&files.key, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("chmod 600 {}", files.key.display()))?;
    if as_postgres {
        let mut chown = Command::new("chown");
        chown.args(["-R", "postgres:postgres"]).arg(dir);
        run(&mut chown).context("the key must belong to the `postgres` user")?;
    }
    Ok(files)
}

/// The last lines of the server's log, for errors.
fn log_tail(log: &Path) -> String {
    let log = std::fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(10).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    tail.join("\n")
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
    fn certificates_are_signed_for_localhost_and_the_key_is_private() {
        use std::os::unix::fs::PermissionsExt;

        if Command::new("openssl").arg("version").output().is_err() {
            eprintln!("skipped: no openssl");
            return;
        }
        let dir = std::env::temp_dir().join(format!("voix-pg-tls-{}", std::process::id()));
        let files = certificates(&dir, false).unwrap();
        let mode = std::fs::metadata(&files.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(
            !dir.join("ca.key").exists(),
            "the authority's key is deleted"
        );
        for (check, name) in [
            ("-verify_hostname", "localhost"),
            ("-verify_ip", "127.0.0.1"),
        ] {
            let out = Command::new("openssl")
                .args(["verify", "-CAfile"])
                .arg(&files.ca)
                .args([check, name])
                .arg(&files.cert)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
