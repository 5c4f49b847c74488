//! Link and image destinations as Zola 0.22 rewrites them: `@/` links to permalinks,
//! co-located files and `#anchors` against the page's permalink, and the markup of links to
//! other sites (`[markdown]` `external_links_*`).

use pulldown_cmark::{CowStr, Event, LinkType, Tag};

use crate::config::MarkdownConfig;

use super::{escape_html, MarkdownContext, MarkdownError};

/// An `@/` link to content that does not exist.
#[derive(Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub target: String,
}

/// `@/blog/post.md#part` to the post's permalink with its anchor.
pub(super) fn resolve_internal(dest: &str, ctx: &MarkdownContext) -> Result<String, BrokenLink> {
    let target = dest.trim_start_matches("@/");
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let permalink = ctx.permalinks.get(file).ok_or_else(|| BrokenLink {
        target: dest.to_string(),
    })?;
    Ok(match anchor {
        Some(a) => format!("{permalink}#{a}"),
        None => permalink.clone(),
    })
}

/// Zola's test for a link to another site: an `http:` or `https:` URL (even one on this
/// site's own host).
pub(super) fn is_external(dest: &str) -> bool {
    dest.starts_with("http:") || dest.starts_with("https:")
}

/// Whether `dest` starts with something shaped like a URI scheme (`mailto:`, `tel:`, `x-y:`).
fn has_scheme(dest: &str) -> bool {
    match dest.find(':') {
        Some(at) => {
            at > 0
                && dest[..at]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }
        None => false,
    }
}

/// A link to a file next to the page (`diagram.png`, `./data.csv`), which Zola makes
/// absolute under the page's permalink.
fn is_colocated(dest: &str) -> bool {
    !dest.starts_with('/') && !dest.starts_with("..") && !dest.starts_with('#') && !has_scheme(dest)
}

/// The destination Zola writes for a link or image.
pub(super) fn fix_destination(
    link_type: LinkType,
    dest: &str,
    ctx: &MarkdownContext,
) -> Result<String, MarkdownError> {
    if link_type == LinkType::Email {
        return Ok(dest.to_string());
    }
    if dest.starts_with("@/") {
        return resolve_internal(dest, ctx).map_err(MarkdownError::BrokenLink);
    }
    // Without a permalink (a fragment rendered on its own) relative links stay as written.
    if !ctx.permalink.is_empty() && dest != "#" && (is_colocated(dest) || dest.starts_with('#')) {
        return Ok(format!("{}{dest}", ctx.permalink));
    }
    Ok(dest.to_string())
}

/// The opening tag of a link to another site, attributes in Zola's order: class, rel
/// (`noopener` with a new tab, then `nofollow`, `noreferrer`, `external`), target, title,
/// href.
pub(super) fn external_link_tag(config: &MarkdownConfig, url: &str, title: &str) -> String {
    let mut tag = String::from("<a ");
    if let Some(class) = &config.external_links_class {
        tag.push_str(&format!("class=\"{}\" ", escape_html(class)));
    }
    let mut rel = Vec::new();
    if config.external_links_target_blank {
        rel.push("noopener");
    }
    if config.external_links_no_follow {
        rel.push("nofollow");
    }
    if config.external_links_no_referrer {
        rel.push("noreferrer");
    }
    if config.external_links_external {
        rel.push("external");
    }
    if !rel.is_empty() {
        tag.push_str(&format!("rel=\"{}\" ", rel.join(" ")));
    }
    if config.external_links_target_blank {
        tag.push_str("target=\"_blank\" ");
    }
    if !title.is_empty() {
        tag.push_str(&format!("title=\"{}\" ", escape_html(title)));
    }
    let mut href = String::new();
    let _ = pulldown_cmark_escape::escape_href(&mut href, url);
    tag.push_str(&format!("href=\"{href}\">"));
    tag
}

/// The event for the start of a link: `external` tells whether it was written as raw HTML
/// (so its end must be too).
pub(super) fn link_start<'a>(
    link_type: LinkType,
    dest: CowStr<'a>,
    title: CowStr<'a>,
    id: CowStr<'a>,
    ctx: &MarkdownContext,
) -> Result<(Event<'a>, bool), MarkdownError> {
    if dest.is_empty() {
        return Err(MarkdownError::Other(
            "there is a link that is missing a URL".into(),
        ));
    }
    let fixed = fix_destination(link_type, &dest, ctx)?;
    if is_external(&dest) && ctx.config.has_external_link_tweaks() {
        let tag = external_link_tag(ctx.config, &dest, &title);
        return Ok((Event::Html(tag.into()), true));
    }
    let tag = Tag::Link {
        link_type,
        dest_url: fixed.into(),
        title,
        id,
    };
    Ok((Event::Start(tag), false))
}

/// The start of an image with `lazy_async_image`: the tag up to its `alt` value, which the
/// caller writes escaped from the image's text, then closes with [`LAZY_IMAGE_END`].
pub(super) fn lazy_image_start(dest: &str, title: &str) -> String {
    let mut tag = String::from("<img src=\"");
    let _ = pulldown_cmark_escape::escape_href(&mut tag, dest);
    if !title.is_empty() {
        tag.push_str("\" title=\"");
        tag.push_str(&escape_html(title));
    }
    tag.push_str("\" alt=\"");
    tag
}

/// The end of a lazily loaded image.
pub(super) const LAZY_IMAGE_END: &str = "\" loading=\"lazy\" decoding=\"async\" />";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_link_attributes_follow_zolas_order() {
        let mut c = MarkdownConfig {
            external_links_external: false,
            ..MarkdownConfig::default()
        };
        assert!(!c.has_external_link_tweaks());
        c.external_links_class = Some("ext".into());
        c.external_links_target_blank = true;
        c.external_links_no_follow = true;
        c.external_links_no_referrer = true;
        c.external_links_external = true;
        assert_eq!(
            external_link_tag(&c, "https://a.org/?q=1&r=2", "T\"x"),
            "<a class=\"ext\" rel=\"noopener nofollow noreferrer external\" target=\"_blank\" title=\"T&quot;x\" href=\"https://a.org/?q=1&amp;r=2\">"
        );
        let d = MarkdownConfig::default();
        assert_eq!(
            external_link_tag(&d, "https://a.org", ""),
            "<a rel=\"external\" href=\"https://a.org\">"
        );
    }

    #[test]
    fn colocated_and_scheme_detection() {
        for local in ["file.pdf", "./img.png", "sub/x.md"] {
            assert!(is_colocated(local), "{local}");
        }
        for other in ["/abs", "../up", "#a", "mailto:x@y", "tel:123", "x-scheme:z"] {
            assert!(!is_colocated(other), "{other}");
        }
        assert!(is_external("https://x") && is_external("http:x") && !is_external("ftp://x"));
    }
}
