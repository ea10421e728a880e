//! The collector's configuration file, read with two form files beside it
//! (see `voix_collector::fuzzing::config`).
#![no_main]

use std::{path::PathBuf, sync::LazyLock};

use libfuzzer_sys::fuzz_target;

include!("every_kind.rs");

/// A directory with `a.json` (every kind) and `b.toml`, written at start; one for every run (the
/// same files each time), so runs leave nothing more behind.
static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join("voix-fuzz-config");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.json"), EVERY_KIND).unwrap();
    std::fs::write(
        dir.join("b.toml"),
        "id = \"b\"\ntitle = \"B\"\n[[questions]]\nid = \"q\"\ntype = \"stars\"\nlabel = \"Q\"\n",
    )
    .unwrap();
    dir
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Only file names in the directory: a path such as /dev/zero or /dev/stdin would make the
    // fuzzer read for ever (the collector trusts its operator's configuration).
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    let outside = |v: &toml::Value| {
        v.as_str()
            .is_some_and(|p| p.contains(['/', '\\']) || p.starts_with('.'))
    };
    if let Some(forms) = table.get("forms").and_then(toml::Value::as_array)
        && forms.iter().any(outside)
    {
        return;
    }
    voix_collector::fuzzing::config(text, &DIR);
});
