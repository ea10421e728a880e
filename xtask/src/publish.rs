//! Puts a build's files into `dist/` as browsers should get them: what the loader fetches under
//! a content-hashed name (`voix_bg.0a1b2c3d4e.wasm`), so it can be cached for good and a new
//! build can never be mixed with an old one; the loader under its stable name; and beside
//! every file a `.br` (brotli, quality 11) and a `.gz` (gzip -9), which the collector — or nginx,
//! Apache, a CDN — sends to browsers that accept them instead of compressing on each request.
//!
//! The hashed files of earlier builds stay for [`KEEP_DAYS`] days: a page that still runs an
//! older `voix.js` (cached for a few minutes, or a tab left open) asks for the files that
//! loader knows, and gets them. Anything else in `dist/` that this build did not write (the
//! unhashed names of before, a pack no longer needed) is removed. A file whose bytes did not
//! change is not rewritten, so its modification time — and the ETag made from it — stays.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// How long the hashed files of earlier builds stay in `dist/`.
pub const KEEP_DAYS: u64 = 7;

/// How many hex digits of the SHA-256 of a file's bytes go into its name.
const HASH_LEN: usize = 10;

/// `voix_bg.wasm` with `bytes` → `voix_bg.<10 hex of SHA-256>.wasm`.
pub fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..HASH_LEN]
        .to_owned();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hex}.{ext}"),
        None => format!("{name}.{hex}"),
    }
}

/// Whether `name` (a file name, `.br`/`.gz` included) is a content-hashed one: `stem.` ten
/// lowercase hex digits `.ext`, as the collector recognises them.
pub fn is_hashed(name: &str) -> bool {
    let name = name
        .strip_suffix(".br")
        .or_else(|| name.strip_suffix(".gz"))
        .unwrap_or(name);
    let mut parts = name.rsplitn(3, '.');
    let (Some(ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !ext.is_empty()
        && !stem.is_empty()
        && hash.len() == HASH_LEN
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Writes `files` (name, bytes) into `dir` with their `.br` and `.gz`, and removes what an
/// earlier build left there: hashed files older than `keep`, anything else not written now.
/// Subdirectories are left alone. Returns the number of files removed.
pub fn publish(dir: &Path, files: &[(String, Vec<u8>)], keep: Duration) -> Result<usize> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = std::collections::BTreeSet::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        let changed = write_if_changed(&path, bytes)?;
        for (ext, encode) in [("br", brotli as fn(&[u8]) -> Result<Vec<u8>>), ("gz", gzip)] {
            let side = dir.join(format!("{name}.{ext}"));
            if changed || !side.exists() {
                write_if_changed(&side, &encode(bytes)?)?;
            }
            written.insert(format!("{name}.{ext}"));
        }
        written.insert(name.clone());
    }
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if written.contains(&name) || !entry.file_type()?.is_file() {
            continue;
        }
        let age = entry
            .metadata()?
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        if !is_hashed(&name) || age > keep {
            fs::remove_file(entry.path())
                .with_context(|| format!("removing {}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Writes `bytes` to `path` unless it holds them already; whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(true)
}

/// Brotli at quality 11, window 22: what browsers decode and the size report counts.
pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        enc.write_all(bytes)?;
    }
    Ok(out)
}

/// Gzip at its best compression.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn tempdir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("voix-publish-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> std::collections::BTreeSet<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    /// A build as `cargo xtask dist` makes it: the loader naming the hashed glue and wasm.
    fn build(glue: &[u8], wasm: &[u8]) -> Vec<(String, Vec<u8>)> {
        let (g, w) = (
            hashed_name("voix-widget.js", glue),
            hashed_name("voix_bg.wasm", wasm),
        );
        let loader = format!("import('{g}');fetch('{w}')").into_bytes();
        vec![
            (g, glue.to_vec()),
            (w, wasm.to_vec()),
            ("voix.js".into(), loader),
        ]
    }

    #[test]
    fn names_are_hashed_from_the_bytes() {
        let a = hashed_name("voix_bg.wasm", b"\0asm one");
        let b = hashed_name("voix_bg.wasm", b"\0asm onf");
        assert_ne!(a, b, "one byte changes the name");
        assert_eq!(a, hashed_name("voix_bg.wasm", b"\0asm one"));
        assert!(a.starts_with("voix_bg.") && a.ends_with(".wasm"));
        assert_eq!(a.len(), "voix_bg..wasm".len() + HASH_LEN);
        for name in [&a, &format!("{a}.br"), &format!("{a}.gz")] {
            assert!(is_hashed(name), "{name}");
        }
        let pack = hashed_name("voix-strings-de.json", b"{}");
        assert!(is_hashed(&pack), "{pack}");
        for plain in [
            "voix.js",
            "voix_bg.wasm",
            "voix.js.br",
            "x.0123456789",
            ".0123456789.js",
            "a.0123456789a.js",
            "a.012345678.js",
            "a.ABCDEF0123.js",
            "manifest.json",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
    }

    #[test]
    fn a_new_build_keeps_what_an_old_loader_asks_for() {
        let dir = tempdir("keep");
        // Left by the build before hashing: removed.
        fs::write(dir.join("voix_bg.wasm"), b"old").unwrap();
        fs::create_dir_all(dir.join("npm")).unwrap();
        let first = build(b"glue one", b"\0asm one");
        let removed = publish(&dir, &first, Duration::from_secs(KEEP_DAYS * 86400)).unwrap();
        assert_eq!(removed, 1, "the unhashed leftover goes");
        let old_loader = fs::read_to_string(dir.join("voix.js")).unwrap();
        // One byte of the widget changes.
        let second = build(b"glue one", b"\0asm onf");
        let removed = publish(&dir, &second, Duration::from_secs(KEEP_DAYS * 86400)).unwrap();
        assert_eq!(removed, 0, "the first build's hashed files stay");
        let new_loader = fs::read_to_string(dir.join("voix.js")).unwrap();
        assert_ne!(old_loader, new_loader, "the loader names the new wasm");
        let present = names(&dir);
        assert!(!present.contains("voix_bg.wasm"));
        assert!(present.contains("npm"), "directories are left alone");
        // Every file either loader names is there, with its bytes, .br and .gz.
        for (name, bytes) in first.iter().chain(&second).filter(|(n, _)| n != "voix.js") {
            assert!(old_loader.contains(name.as_str()) || new_loader.contains(name.as_str()));
            assert_eq!(&fs::read(dir.join(name)).unwrap(), bytes, "{name}");
            let mut out = Vec::new();
            brotli::Decompressor::new(&fs::read(dir.join(format!("{name}.br"))).unwrap()[..], 4096)
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(&out, bytes, "{name}.br");
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&fs::read(dir.join(format!("{name}.gz"))).unwrap()[..])
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(&out, bytes, "{name}.gz");
        }
        // The glue did not change: one file, not rewritten.
        assert_eq!(first[0].0, second[0].0);
        // With nothing kept, the old wasm and its compressed copies go; the current stay.
        let removed = publish(&dir, &second, Duration::ZERO).unwrap();
        assert_eq!(removed, 3);
        assert!(!dir.join(&first[1].0).exists());
        assert!(dir.join(&second[1].0).exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unchanged_files_are_not_rewritten() {
        let dir = tempdir("same");
        let files = build(b"glue", b"\0asm");
        publish(&dir, &files, Duration::ZERO).unwrap();
        let when = |n: &str| fs::metadata(dir.join(n)).unwrap().modified().unwrap();
        let before = when("voix.js");
        std::thread::sleep(Duration::from_millis(20));
        publish(&dir, &files, Duration::ZERO).unwrap();
        assert_eq!(before, when("voix.js"), "same bytes, same time, same ETag");
        fs::remove_dir_all(&dir).unwrap();
    }
}
