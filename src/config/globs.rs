//! The globs of `ignored_content` and `ignored_static`, compiled once the config is read
//! (a bad pattern is a config error) and again by the content and static listings.

/// Compiles `ignored_content` / `ignored_static` globs; an error names the bad pattern.
pub fn glob_set(patterns: &[String], key: &str) -> Result<Option<globset::GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::Glob::new(pattern)
            .map_err(|e| format!("{key}: invalid glob `{pattern}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().map(Some).map_err(|e| format!("{key}: {e}"))
}
