//! Which pages may post answers: the `allowed_origins` of the file and of each `[form.ID]`.

/// The origins allowed to post answers cross-origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    any: bool,
    list: Vec<String>,
}

impl AllowedOrigins {
    /// Checks and normalises entries: `"*"` or `http(s)://host[:port]`, without a path.
    ///
    /// # Example
    /// ```
    /// use voix_collector::config::AllowedOrigins;
    /// let o = AllowedOrigins::parse(&["https://Mairie.example/".into()]).unwrap();
    /// assert!(o.allows("https://mairie.example"));
    /// assert!(!o.allows("https://evil.example"));
    /// assert!(AllowedOrigins::parse(&["mairie.example".into()]).is_err());
    /// ```
    pub fn parse(entries: &[String]) -> std::result::Result<AllowedOrigins, String> {
        let mut out = AllowedOrigins::default();
        for entry in entries {
            let e = entry.trim();
            if e == "*" {
                out.any = true;
                continue;
            }
            let e = e.strip_suffix('/').unwrap_or(e).to_ascii_lowercase();
            let rest = e
                .strip_prefix("https://")
                .or_else(|| e.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => {
                    out.list.push(e)
                }
                _ => {
                    return Err(format!(
                        "`{entry}` is not an origin like https://example.org (or \"*\")"
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Whether a page at `origin` (an `Origin` header value) may post.
    pub fn allows(&self, origin: &str) -> bool {
        self.any || self.list.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }

    /// Whether `"*"` is among the entries (every origin is allowed).
    pub fn is_any(&self) -> bool {
        self.any
    }

    /// The listed origins, normalised (lower case, no trailing `/`); `"*"` is not among them.
    pub fn listed(&self) -> &[String] {
        &self.list
    }
}
