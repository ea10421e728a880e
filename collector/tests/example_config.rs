//! The documented example configuration stays valid: `voix-collector check` accepts it.

use std::process::Command;

#[test]
fn the_documented_example_configuration_passes_check() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/voix.example.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_voix-collector"))
        .args(["check", "--config", example])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("ok: 2 forms (satisfaction, avis-demarche)"),
        "{stdout}"
    );
}
