//! Debian's nginx, started by xtask on a free loopback port with a configuration of its own
//! (temporary prefix, `daemon off`): the bench's baseline answering 204, and the deploy check
//! running the README's configuration for `dist/`. Stopped, master and workers, when dropped.

use std::{
    fs,
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::setup;

pub struct Nginx {
    child: Child,
    pub addr: SocketAddr,
    dir: PathBuf,
}

impl Nginx {
    /// Writes `dir/nginx.conf` from `conf(port)` (a free port; its pid file, logs and temp paths
    /// belong in `dir`), has nginx check it (`nginx -t`, whose words say which directive it
    /// refuses, and where), starts it and waits until it listens with `workers` workers.
    pub fn start(dir: &Path, workers: usize, conf: impl FnOnce(u16) -> String) -> Result<Nginx> {
        fs::create_dir_all(dir.join("tmp"))?;
        let port = TcpListener::bind("127.0.0.1:0")
            .context("finding a free port")?
            .local_addr()?
            .port();
        let file = dir.join("nginx.conf");
        fs::write(&file, conf(port))?;
        // Workers run as `nobody` when started as root: they read the site and write in tmp/.
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("a+rwX")
            .arg(dir)
            .status();
        let nginx = |test: bool| {
            let mut cmd = Command::new(setup::NGINX);
            cmd.args(["-e", "stderr", "-p"])
                .arg(dir)
                .arg("-c")
                .arg(&file);
            if test {
                cmd.arg("-t");
            }
            cmd
        };
        let out = nginx(true)
            .output()
            .with_context(|| format!("could not run {}", setup::NGINX))?;
        if !out.status.success() {
            bail!(
                "nginx refuses {}:\n{}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let stderr = dir.join("stderr.log");
        let child = nginx(false)
            .stdout(Stdio::null())
            .stderr(fs::File::create(&stderr)?)
            .spawn()
            .with_context(|| format!("could not start {}", setup::NGINX))?;
        let mut server = Nginx {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir: dir.to_owned(),
        };
        let start = Instant::now();
        while TcpStream::connect(server.addr).is_err() || server.pids().len() < 1 + workers {
            let exited = server.child.try_wait()?;
            if exited.is_some() || start.elapsed() > Duration::from_secs(20) {
                bail!(
                    "nginx did not listen on {} ({}): {}",
                    server.addr,
                    exited.map_or("timed out".into(), |s| s.to_string()),
                    fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// The master's and its workers' process ids.
    pub fn pids(&self) -> Vec<u32> {
        let master = self.child.id();
        let children = fs::read_to_string(format!("/proc/{master}/task/{master}/children"))
            .unwrap_or_default();
        std::iter::once(master)
            .chain(children.split_whitespace().filter_map(|p| p.parse().ok()))
            .collect()
    }

    /// Debian's nginx version, as `nginx -v` says it (`nginx/1.22.1`).
    pub fn version() -> String {
        Command::new(setup::NGINX)
            .arg("-v")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_owned())
            .and_then(|v| v.rsplit(": ").next().map(str::to_owned))
            .unwrap_or_else(|| "nginx".into())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: a fast shutdown, the master stops its workers, then itself; SIGKILL, if it
        // comes to that, goes to each of them.
        let pids = self.pids();
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while self.child.try_wait().ok().flatten().is_none() {
            if start.elapsed() > Duration::from_secs(10) {
                for pid in pids {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.wait();
        let log = fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        let alerts: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("[alert]") || l.contains("[emerg]") || l.contains("[crit]"))
            .collect();
        if !alerts.is_empty() {
            eprintln!("nginx's error log:\n{}", alerts.join("\n"));
        }
    }
}
