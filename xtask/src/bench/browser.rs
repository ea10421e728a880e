//! Time to an answerable form in headless Chromium (filled in by issue 18's browser part).

use anyhow::Result;

use super::report::Part;

pub(super) fn run() -> Result<Part> {
    Ok(Part {
        section: "Time to an answerable form".into(),
        ..Part::default()
    })
}
