//! Where outputs go: the output file of a URL path, and the pagers of a paginated section
//! or term (Zola's `<paginate_path>/<n>/`).

/// The output file of a URL path: `/blog/a/` -> `blog/a/index.html`, `/x.html` -> `x.html`.
/// Empty segments are dropped, as the file system drops them (`/tags//`, a term whose slug
/// is empty, is `tags/index.html`), so that two outputs at one file are seen as such.
pub(super) fn output_file(url_path: &str) -> String {
    let collapsed;
    let url_path = if url_path.contains("//") {
        collapsed = url_path
            .split('/')
            .enumerate()
            .filter(|(i, part)| *i == 0 || !part.is_empty())
            .map(|(_, part)| part)
            .collect::<Vec<_>>()
            .join("/")
            + if url_path.ends_with('/') { "/" } else { "" };
        collapsed.as_str()
    } else {
        url_path
    };
    let trimmed = url_path.trim_start_matches('/');
    if trimmed.ends_with(".html") || trimmed.ends_with(".xml") {
        trimmed.to_string()
    } else {
        format!(
            "{}index.html",
            if trimmed.is_empty() || trimmed.ends_with('/') {
                trimmed.to_string()
            } else {
                format!("{trimmed}/")
            }
        )
    }
}

pub(super) fn pager_count(items: usize, per: Option<usize>) -> usize {
    match per {
        Some(per) if per > 0 => items.div_ceil(per).max(1),
        _ => 1,
    }
}

/// The URL path of pager `n` under `base` (`/blog/` -> `/blog/page/2/`); `segment` is the
/// section's `paginate_path` (Zola's default `page`).
pub(super) fn pager_path(base: &str, segment: &str, n: usize) -> String {
    match n {
        1 => base.to_string(),
        _ => numbered_pager_path(base, segment, n),
    }
}

/// Where pager `n` would be without the first pager's exception: pager 1's is where Zola
/// writes a redirect to `base`.
pub(super) fn numbered_pager_path(base: &str, segment: &str, n: usize) -> String {
    match segment.trim_matches('/') {
        "" => format!("{base}{n}/"),
        segment => format!("{base}{segment}/{n}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_files_for_url_paths() {
        assert_eq!(output_file("/"), "index.html");
        assert_eq!(output_file("/blog/a/"), "blog/a/index.html");
        assert_eq!(output_file("/old/path"), "old/path/index.html");
        assert_eq!(output_file("/x.html"), "x.html");
        assert_eq!(output_file("/tags//"), "tags/index.html");
        assert_eq!(output_file("/a//b.html"), "a/b.html");
        assert_eq!(pager_path("/b/", "page", 1), "/b/");
        assert_eq!(pager_path("/b/", "/p/", 2), "/b/p/2/");
        assert_eq!(numbered_pager_path("/b/", "", 1), "/b/1/");
    }
}
