//! The `voix-collector` command: `serve` the HTTP API, `check` a configuration, `export` the
//! stored answers of a form as JSON or CSV.
//!
//! Arguments are read by clap. Every failure prints one line to stderr and exits with status 1
//! (clap's own usage errors included, see [`one_line`]); `--help` and `--version` print to
//! stdout and exit with 0.

use std::{
    io::{IsTerminal, Write},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Parser, Subcommand, error::ErrorKind};
use voix_collector::{AppState, Config, config::parse_listen, store::DatabaseUrl};

/// Receives the answers of Voix forms, stores them, shows and exports them.
#[derive(Debug, Parser)]
#[command(
    name = "voix-collector",
    version,
    // A bare `voix-collector` is a mistake like any other: one line, status 1.
    arg_required_else_help = false,
    after_help = "Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=debug) to change their level."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, PartialEq, Subcommand)]
enum Command {
    /// Serve the API, the widget and the site; prints `listening on http://ADDR`
    Serve {
        /// The configuration file
        #[arg(long, value_name = "PATH")]
        config: PathBuf,
        /// Listen here instead of the configuration's `listen`
        #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
        listen: Option<SocketAddr>,
    },
    /// Load the configuration and the form files, print `ok: N forms (ids)`
    Check {
        /// The configuration file
        #[arg(long, value_name = "PATH")]
        config: PathBuf,
    },
    /// Print the stored answers of a form, as JSON or CSV
    ///
    /// JSON (the default) is an array of every stored field; CSV is for spreadsheets: UTF-8 with
    /// a byte-order mark (for Excel), formula-like cells prefixed with '.
    Export {
        /// The configuration file
        #[arg(long, value_name = "PATH")]
        config: PathBuf,
        /// The form's id
        #[arg(long, value_name = "ID")]
        form: String,
        /// `json` or `csv`
        #[arg(long, default_value = "json", value_parser = parse_format)]
        format: ExportFormat,
    },
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Json,
    Csv,
}

fn parse_format(text: &str) -> Result<ExportFormat, String> {
    match text {
        "json" => Ok(ExportFormat::Json),
        "csv" => Ok(ExportFormat::Csv),
        other => Err(format!(
            "unsupported format `{other}` (expected json or csv)"
        )),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(&format!("{} (see voix-collector --help)", one_line(&e))),
    };
    let result = match cli.command {
        Command::Serve { config, listen } => serve(&config, listen),
        Command::Check { config } => check(&config),
        Command::Export {
            config,
            form,
            format,
        } => export(&config, &form, format),
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

/// clap's message for `e` on one line, without its usage block: our failures are one line
/// each (a journal, a script's `2>` read one line), and `--help` is named after it anyway.
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let message = text.split("\n\n").next().unwrap_or_default();
    let message = message.strip_prefix("error: ").unwrap_or(message);
    message.split_whitespace().collect::<Vec<_>>().join(" ")
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
        let args = std::iter::once("voix-collector").chain(args.split_whitespace());
        Cli::try_parse_from(args)
            .map(|cli| cli.command)
            .map_err(|e| one_line(&e))
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
        for (args, format) in [
            (
                "export --form f --config a.toml --format json",
                ExportFormat::Json,
            ),
            ("export --form f --config a.toml", ExportFormat::Json),
            (
                "export --form f --config a.toml --format csv",
                ExportFormat::Csv,
            ),
        ] {
            assert_eq!(
                parse(args),
                Ok(Command::Export {
                    config: "a.toml".into(),
                    form: "f".into(),
                    format
                }),
                "{args}"
            );
        }
        for help in ["--help", "serve --help", "help", "-V"] {
            let args = std::iter::once("voix-collector").chain(help.split_whitespace());
            let e = Cli::try_parse_from(args).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion),
                "{help}: {e}"
            );
        }
    }

    #[test]
    fn mistakes_are_one_line_naming_what_to_change() {
        for (args, needle) in [
            ("", "requires a subcommand"),
            ("run", "unrecognized subcommand 'run'"),
            ("serve", "--config <PATH>"),
            (
                "serve --config",
                "a value is required for '--config <PATH>'",
            ),
            (
                "check --config a --listen 1.2.3.4:5",
                "unexpected argument '--listen'",
            ),
            (
                "serve --config a --config b",
                "cannot be used multiple times",
            ),
            (
                "serve --config a --listen nope",
                "invalid value 'nope' for '--listen <ADDR>': `nope` is not an address like 127.0.0.1:8080",
            ),
            ("export --config a", "--form <ID>"),
            (
                "export --config a --form f --format xml",
                "unsupported format `xml` (expected json or csv)",
            ),
        ] {
            let e = parse(args).unwrap_err();
            assert!(e.contains(needle), "{args}: {e}");
            assert!(!e.contains('\n') && !e.contains("Usage"), "{args}: {e}");
        }
    }
}
