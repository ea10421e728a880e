//! The bench's results: tables and targets, printed and written to `BENCHMARKS.md`.

use std::{fmt::Write as _, time::Duration};

use anyhow::Result;

use crate::root;

/// One table of figures, as markdown: a title, column heads, rows of cells already formatted,
/// and notes under it (how it was measured, what costs the most).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

/// A target of issue 18 (or 20) and whether this run met it.
#[derive(Debug, Clone)]
pub struct Target {
    /// What is aimed at, in words: "Time to interactive ≤ 1.5× the vanilla form".
    pub what: String,
    /// What this run measured, in words and numbers: "1.32× (412 ms vs 312 ms)".
    pub measured: String,
    pub met: bool,
}

/// What one part of the bench found.
#[derive(Debug, Clone, Default)]
pub struct Part {
    /// The section's heading in BENCHMARKS.md ("Bytes", "Time to an answerable form"…).
    pub section: String,
    pub tables: Vec<Table>,
    pub targets: Vec<Target>,
}

impl Table {
    pub fn new(title: impl Into<String>, head: &[&str]) -> Table {
        Table {
            title: title.into(),
            head: head.iter().map(|h| (*h).to_owned()).collect(),
            ..Table::default()
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The table as markdown, with its title and notes.
    pub fn markdown(&self) -> String {
        let mut s = format!("**{}**\n\n", self.title);
        let _ = writeln!(s, "| {} |", self.head.join(" | "));
        let _ = writeln!(
            s,
            "|{}",
            self.head.iter().map(|_| "---|").collect::<String>()
        );
        for r in &self.rows {
            let _ = writeln!(s, "| {} |", r.join(" | "));
        }
        for n in &self.notes {
            let _ = write!(s, "\n{n}\n");
        }
        s
    }
}

#[derive(Debug, Default)]
pub(super) struct Report {
    parts: Vec<Part>,
}

impl Report {
    /// Adds a part, printing it at once.
    pub(super) fn add(&mut self, part: Part) {
        println!("\n## {}\n", part.section);
        for t in &part.tables {
            println!("{}", t.markdown());
        }
        for t in &part.targets {
            println!("{}", target_line(t));
        }
        self.parts.push(part);
    }

    /// Writes BENCHMARKS.md: the targets first, then every part's tables.
    pub(super) fn write(&self, took: Duration) -> Result<()> {
        let mut s = String::from("# Benchmarks\n\n");
        s += "Written by `cargo xtask bench` (issue 18); do not edit by hand, run it again. ";
        let _ = writeln!(
            s,
            "Measured on {} ({} CPUs), the whole run in {:.0} s. Figures are medians unless said; \
             each is given beside its baseline, measured in the same run, and as a ratio to it.\n",
            jiff_free_date(),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            took.as_secs_f64()
        );
        s += "## Targets\n\n| target | measured | |\n|---|---|---|\n";
        for p in &self.parts {
            for t in &p.targets {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} |",
                    t.what,
                    t.measured,
                    if t.met { "met" } else { "**missed**" }
                );
            }
        }
        for p in &self.parts {
            let _ = write!(s, "\n## {}\n\n", p.section);
            for t in &p.tables {
                s += &t.markdown();
                s += "\n";
            }
        }
        std::fs::write(root().join("BENCHMARKS.md"), s)?;
        println!("\nwritten: BENCHMARKS.md");
        Ok(())
    }
}

fn target_line(t: &Target) -> String {
    format!(
        "{} {}: {}",
        if t.met { "met   " } else { "MISSED" },
        t.what,
        t.measured
    )
}

/// Today's date (UTC), from `date`, for the report's header.
fn jiff_free_date() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The median and the `q` quantile (0..=1, nearest rank) of `values`.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// A number with a thin space between thousands, as the docs write them: 12 345.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.95), 5.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn thousands_are_spaced() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1 000");
        assert_eq!(thousands(1234567), "1 234 567");
    }

    #[test]
    fn tables_are_markdown() {
        let mut t = Table::new("T", &["a", "b"]);
        t.row(vec!["1".into(), "2".into()]);
        t.note("n");
        assert_eq!(
            t.markdown(),
            "**T**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nn\n"
        );
    }
}
