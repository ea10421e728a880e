//! The `voix-collector` command: `serve` the HTTP API, `check` a configuration, `export` the
//! stored answers of a form as JSON or CSV.
//!
//! Arguments are parsed by hand: three subcommands and four flags do not justify a parser
//! dependency in every build. Every failure prints one line to stderr and exits with status 1.

use std::{
    io::{IsTerminal, Write},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
};

use voix_collector::{AppState, Config, config::parse_listen, store::DatabaseUrl};

const USAGE: &str = "\
usage: voix-collector serve --config PATH [--listen ADDR]
       voix-collector check --config PATH
       voix-collector export --config PATH --form ID [--format json|csv]

  serve   serve the API, the widget and the site; prints `listening on http://ADDR`
  check   load the configuration and the form files, print `ok: N forms (ids)`
  export  print the stored answers of form ID: a JSON array (default), or CSV for
          spreadsheets (UTF-8 with a byte-order mark, for Excel; formula-like cells
          prefixed with ')

Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=debug) to change their level.";

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Json,
    Csv,
}

#[derive(Debug, PartialEq)]
enum Command {
    Serve {
        config: PathBuf,
        listen: Option<SocketAddr>,
    },
    Check {
        config: PathBuf,
    },
    Export {
        config: PathBuf,
        form: String,
        format: ExportFormat,
    },
    Help,
    Version,
}

fn main() -> ExitCode {
    let args = match std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string()
                .map_err(|a| format!("argument {a:?} is not UTF-8"))
        })
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    let result = match parse_args(&args) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            Ok(())
        }
        Ok(Command::Version) => {
            println!("voix-collector {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Ok(Command::Serve { config, listen }) => serve(&config, listen),
        Ok(Command::Check { config }) => check(&config),
        Ok(Command::Export {
            config,
            form,
            format,
        }) => export(&config, &form, format),
        Err(e) => Err(format!("{e} (see voix-collector --help)")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("voix-collector: {message}");
    ExitCode::FAILURE
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err("missing command".into());
    };
    let allowed: &[&str] = match command.as_str() {
        "-h" | "--help" | "help" => return Ok(Command::Help),
        "-V" | "--version" => return Ok(Command::Version),
        "serve" => &["--config", "--listen"],
        "check" => &["--config"],
        "export" => &["--config", "--form", "--format"],
        other => return Err(format!("unknown command `{other}`")),
    };
    let mut flags: Vec<(&str, String)> = Vec::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (name, value) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, v.to_owned()),
            _ => {
                let value = it
                    .next()
                    .ok_or_else(|| format!("`{arg}` needs a value"))?
                    .clone();
                (arg.as_str(), value)
            }
        };
        let Some(name) = allowed.iter().find(|a| **a == name) else {
            return Err(format!("`{command}` does not take `{name}`"));
        };
        if flags.iter().any(|(n, _)| n == name) {
            return Err(format!("`{name}` given twice"));
        }
        flags.push((name, value));
    }
    let take = |name: &str| {
        flags
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let config = take("--config")
        .map(PathBuf::from)
        .ok_or_else(|| format!("`{command}` needs --config PATH"))?;
    Ok(match command.as_str() {
        "serve" => Command::Serve {
            config,
            listen: take("--listen")
                .map(|l| parse_listen(&l).map_err(|e| format!("--listen: {e}")))
                .transpose()?,
        },
        "check" => Command::Check { config },
        _ => {
            let format = match take("--format").as_deref() {
                None | Some("json") => ExportFormat::Json,
                Some("csv") => ExportFormat::Csv,
                Some(other) => {
                    return Err(format!(
                        "unsupported format `{other}` (expected json or csv)"
                    ));
                }
            };
            Command::Export {
                config,
                form: take("--form").ok_or("`export` needs --form ID")?,
                format,
            }
        }
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn serve(config_path: &Path, listen: Option<SocketAddr>) -> Result<(), String> {
    init_tracing();
    let mut config = Config::load(config_path).map_err(|e| e.to_string())?;
    if let Some(listen) = listen {
        config.listen = listen;
    }
    if let Some(dir) = &config.dist_dir
        && !dir.is_dir()
    {
        tracing::warn!(dist_dir = %dir.display(), "no widget files yet; run `cargo xtask dist`");
    }
    let forms: Vec<String> = config.forms.iter().map(|f| f.id.clone()).collect();
    tracing::info!(database = %config.database, forms = ?forms, "starting");
    runtime()?.block_on(async move {
        let addr = config.listen;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let bound = listener
            .local_addr()
            .map_err(|e| format!("cannot read the listening address: {e}"))?;
        // Open (and migrate) the database before announcing the address: whoever waits for the
        // line may post at once.
        let state = AppState::open(config).map_err(|e| e.to_string())?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{bound}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
        drop(out);
        let store = state.store().clone();
        // Deletes answers past their form's retain_days, now and hourly.
        let retention = tokio::spawn(voix_collector::retention::run(state.clone()));
        let served = voix_collector::launch(listener, state, shutdown_signal()).await;
        retention.abort();
        // Answers still queued (their requesters may have gone) are committed before exiting.
        store.close().await;
        served.map_err(|e| format!("server error: {e}"))?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn check(config_path: &Path) -> Result<(), String> {
    let config = Config::load(config_path).map_err(|e| e.to_string())?;
    if let DatabaseUrl::Sqlite(path) = &config.database {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(format!(
                "database {}: directory {} does not exist",
                path.display(),
                dir.display()
            ));
        }
    }
    let ids: Vec<&str> = config.forms.iter().map(|f| f.id.as_str()).collect();
    let noun = if ids.len() == 1 { "form" } else { "forms" };
    println!("ok: {} {noun} ({})", ids.len(), ids.join(", "));
    Ok(())
}

fn export(config_path: &Path, form: &str, format: ExportFormat) -> Result<(), String> {
    let config = Config::load(config_path).map_err(|e| e.to_string())?;
    let Some(definition) = config.forms.iter().find(|f| f.id == form) else {
        return Err(format!("form `{form}` is not in {}", config_path.display()));
    };
    // Exporting must not create an empty database as a side effect: no file, no answers.
    let missing = matches!(&config.database, DatabaseUrl::Sqlite(path) if !path.exists());
    let rows = if !missing {
        let store = voix_collector::store::open(&config.database).map_err(|e| e.to_string())?;
        runtime()?
            .block_on(store.responses(form))
            .map_err(|e| e.to_string())?
    } else {
        Vec::new()
    };
    // The same bytes as the admin API's downloads (`voix_collector::export`).
    let text = match format {
        ExportFormat::Json => voix_collector::export::json(&rows) + "\n",
        ExportFormat::Csv => voix_collector::export::csv(definition, &rows),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &str) -> Result<Command, String> {
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        parse_args(&args)
    }

    #[test]
    fn commands() {
        assert_eq!(
            parse("serve --config a.toml --listen 127.0.0.1:0"),
            Ok(Command::Serve {
                config: "a.toml".into(),
                listen: Some("127.0.0.1:0".parse().unwrap())
            })
        );
        assert_eq!(
            parse("serve --config=a.toml"),
            Ok(Command::Serve {
                config: "a.toml".into(),
                listen: None
            })
        );
        assert_eq!(
            parse("check --config a.toml"),
            Ok(Command::Check {
                config: "a.toml".into()
            })
        );
        assert_eq!(
            parse("export --form f --config a.toml --format json"),
            Ok(Command::Export {
                config: "a.toml".into(),
                form: "f".into(),
                format: ExportFormat::Json
            })
        );
        assert_eq!(
            parse("export --form f --config a.toml"),
            Ok(Command::Export {
                config: "a.toml".into(),
                form: "f".into(),
                format: ExportFormat::Json
            })
        );
        assert_eq!(
            parse("export --form f --config a.toml --format csv"),
            Ok(Command::Export {
                config: "a.toml".into(),
                form: "f".into(),
                format: ExportFormat::Csv
            })
        );
        assert_eq!(parse("--help"), Ok(Command::Help));
        assert_eq!(parse("serve --help"), Ok(Command::Help));
    }

    #[test]
    fn mistakes() {
        for (args, needle) in [
            ("", "missing command"),
            ("run", "unknown command"),
            ("serve", "needs --config"),
            ("serve --config", "needs a value"),
            (
                "check --config a --listen 1.2.3.4:5",
                "does not take `--listen`",
            ),
            ("serve --config a --config b", "twice"),
            ("serve --config a --listen nope", "--listen"),
            ("export --config a", "--form"),
            (
                "export --config a --form f --format xml",
                "unsupported format",
            ),
        ] {
            let e = parse(args).unwrap_err();
            assert!(e.contains(needle), "{args}: {e}");
        }
    }
}
