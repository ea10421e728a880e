//! Bytes (filled in by issue 18's bytes part).

use anyhow::Result;

use super::report::Part;

pub(super) fn run() -> Result<Part> {
    Ok(Part {
        section: "Bytes".into(),
        ..Part::default()
    })
}
