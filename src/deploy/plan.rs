//! What a deploy does, decided before any request changes the bucket: which objects to upload,
//! in which order, and which to delete.
//!
//! Order, so that a reader never meets a page whose stylesheet, script or image is not there
//! yet, nor a link to a page already deleted: new and changed assets first, then pages (HTML,
//! feeds, sitemaps), then the manifest that records the deploy, then deletes.
//!
//! Only what an earlier deploy of this site wrote is ever deleted: the objects its manifest
//! names. Anything else under the prefix is left alone.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The manifest's object name, beside the site's objects.
pub const MANIFEST: &str = ".sitegen-deploy.json";
const MANIFEST_VERSION: u32 = 1;

/// When an object goes up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Everything pages refer to: stylesheets, scripts, images, fonts, ...
    Asset,
    /// HTML, feeds, sitemaps: what refers to the assets.
    Page,
}

impl Stage {
    /// The stage of the object at `path`.
    pub fn of(path: &str) -> Stage {
        let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
        match ext.to_ascii_lowercase().as_str() {
            "html" | "htm" | "xml" | "xsl" => Stage::Page,
            _ => Stage::Asset,
        }
    }
}

/// One object as this deploy would store it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// xxh3-128 of the stored bytes (after gzip, when a matcher asks for it), hex.
    pub hash: String,
    /// MD5 of the stored bytes, hex: what S3 reports as the ETag of a single-part upload.
    pub md5: String,
    pub size: u64,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
}

impl Object {
    /// Same bytes and same headers.
    fn same_as(&self, other: &Object) -> bool {
        self.hash == other.hash
            && self.size == other.size
            && self.content_type == other.content_type
            && self.cache_control == other.cache_control
            && self.content_encoding == other.content_encoding
    }
}

/// A local file to deploy.
#[derive(Clone, Debug)]
pub struct Local {
    /// Object path under the target's prefix (`/`-separated).
    pub path: String,
    pub source: PathBuf,
    pub object: Object,
    /// Upload even when unchanged (a matcher's `force`).
    pub force: bool,
}

/// The record a deploy leaves beside the site: every object it stored.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub objects: BTreeMap<String, Object>,
    /// Objects of an earlier deploy this one deletes after writing the manifest: a deploy
    /// killed before it finished deleting them leaves them named here for the next one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_deletes: Vec<String>,
}

impl Manifest {
    /// The manifest of the objects in `locals`.
    pub fn of(locals: &[Local], pending_deletes: &[String]) -> Manifest {
        Manifest {
            version: MANIFEST_VERSION,
            objects: locals
                .iter()
                .map(|l| (l.path.clone(), l.object.clone()))
                .collect(),
            pending_deletes: pending_deletes.to_vec(),
        }
    }

    /// The manifest in `bytes`; `None` if damaged or of another version.
    pub fn parse(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice::<Manifest>(bytes)
            .ok()
            .filter(|m| m.version == MANIFEST_VERSION)
    }
}

/// An object as the bucket's listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub size: u64,
    pub e_tag: Option<String>,
}

/// The MD5 an S3 ETag gives: that of a single-part upload (a multipart upload's ETag, or
/// another store's, is no MD5).
pub fn md5_of(listed: &Listed) -> Option<&str> {
    let tag = listed.e_tag.as_deref()?.trim_matches('"');
    (tag.len() == 32 && tag.bytes().all(|b| b.is_ascii_hexdigit())).then_some(tag)
}

/// The plan: uploads in order, deletes, and what is already there.
#[derive(Debug, Default, Serialize)]
pub struct Plan {
    /// Indices into the locals, assets first, each stage by path.
    #[serde(skip)]
    pub uploads: Vec<usize>,
    pub deletes: Vec<String>,
    pub unchanged: usize,
}

/// Plans the deploy of `locals` over a bucket whose listing is `listed` and whose previous
/// manifest is `previous` (`None`: missing or damaged; the listing's ETags decide then).
pub fn plan(
    locals: &[Local],
    listed: &BTreeMap<String, Listed>,
    previous: Option<&Manifest>,
) -> Plan {
    let mut uploads = Vec::new();
    let mut unchanged = 0;
    for (i, local) in locals.iter().enumerate() {
        let there = listed.get(&local.path);
        let recorded = previous.and_then(|m| m.objects.get(&local.path));
        let same = match (there, recorded) {
            (None, _) => false,
            (Some(l), _) if l.size != local.object.size => false,
            // Recorded by the last deploy with these bytes: the same if its headers are (and,
            // where the store reports the MD5, if the object still has them).
            (Some(l), Some(r)) if r.hash == local.object.hash => {
                r.same_as(&local.object) && md5_of(l).is_none_or(|md5| md5 == local.object.md5)
            }
            // Not recorded, or recorded with other bytes (a first deploy over an old upload,
            // a deploy killed before its manifest): S3's ETag of a single-part upload is the
            // MD5 of the bytes, which this deploy (or the killed one) stored.
            (Some(l), _) => md5_of(l) == Some(local.object.md5.as_str()),
        };
        if same && !local.force {
            unchanged += 1;
        } else {
            uploads.push(i);
        }
    }
    uploads.sort_by(|&a, &b| {
        let (a, b) = (&locals[a].path, &locals[b].path);
        (Stage::of(a), a).cmp(&(Stage::of(b), b))
    });
    let keep: std::collections::BTreeSet<&str> = locals.iter().map(|l| l.path.as_str()).collect();
    // What the last deploy wrote and this one does not, and what a deploy killed before its
    // deletes left pending. Pages go before assets: a reader holding an old page still finds
    // what it refers to.
    let mut deletes: Vec<String> = previous
        .map(|m| {
            m.objects
                .keys()
                .chain(&m.pending_deletes)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    deletes.retain(|p| !keep.contains(p.as_str()) && listed.contains_key(p));
    deletes.sort_by(|a, b| (Stage::of(b), a).cmp(&(Stage::of(a), b)));
    deletes.dedup();
    Plan {
        uploads,
        deletes,
        unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(path: &str, bytes: &str) -> Local {
        let md5 = super::super::files::md5_hex(bytes.as_bytes());
        Local {
            path: path.into(),
            source: PathBuf::from(path),
            object: Object {
                hash: format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes.as_bytes())),
                md5,
                size: bytes.len() as u64,
                content_type: "text/plain".into(),
                cache_control: None,
                content_encoding: None,
            },
            force: false,
        }
    }

    fn listed(locals: &[Local], etags: bool) -> BTreeMap<String, Listed> {
        locals
            .iter()
            .map(|l| {
                let e_tag = etags.then(|| format!("\"{}\"", l.object.md5));
                (
                    l.path.clone(),
                    Listed {
                        size: l.object.size,
                        e_tag,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn assets_go_up_before_pages_and_only_what_changed() {
        let old = vec![
            local("index.html", "a"),
            local("style.css", "b"),
            local("gone.html", "c"),
        ];
        let new = vec![
            local("index.html", "a2"),
            local("style.css", "b2"),
            local("img/x.png", "p"),
            local("blog/index.html", "n"),
            local("rss.xml", "f"),
        ];
        let manifest = Manifest::of(&old, &[]);
        let p = plan(&new, &listed(&old, false), Some(&manifest));
        let order: Vec<&str> = p.uploads.iter().map(|&i| new[i].path.as_str()).collect();
        assert_eq!(
            order,
            [
                "img/x.png",
                "style.css",
                "blog/index.html",
                "index.html",
                "rss.xml"
            ]
        );
        assert_eq!(p.deletes, ["gone.html"]);
        // Deployed: nothing to do.
        let p = plan(&new, &listed(&new, false), Some(&Manifest::of(&new, &[])));
        assert!(p.uploads.is_empty() && p.deletes.is_empty());
        assert_eq!(p.unchanged, 5);
    }

    #[test]
    fn without_a_manifest_the_etags_decide_and_nothing_is_deleted() {
        let new = vec![local("index.html", "a"), local("style.css", "b")];
        let mut there = listed(&new, true);
        there.insert(
            "theirs.txt".into(),
            Listed {
                size: 1,
                e_tag: None,
            },
        );
        let p = plan(&new, &there, None);
        assert!(p.uploads.is_empty() && p.deletes.is_empty(), "{p:?}");
        // A listing without MD5 ETags (a file:// target, a multipart upload): uploaded again.
        let p = plan(&new, &listed(&new, false), None);
        assert_eq!(p.uploads.len(), 2);
    }

    #[test]
    fn a_changed_header_or_force_uploads_again_and_a_missing_object_is_restored() {
        let old = vec![
            local("a.css", "x"),
            local("b.css", "y"),
            local("c.css", "z"),
        ];
        let manifest = Manifest::of(&old, &[]);
        let mut new = old.clone();
        new[0].object.cache_control = Some("max-age=60".into());
        new[1].force = true;
        let mut there = listed(&old, false);
        there.remove("c.css");
        let p = plan(&new, &there, Some(&manifest));
        assert_eq!(p.uploads, [0, 1, 2]);
    }

    #[test]
    fn pages_are_deleted_before_assets_and_pending_deletes_are_finished() {
        let old = vec![
            local("a.css", "x"),
            local("old/index.html", "y"),
            local("b.png", "z"),
        ];
        let mut manifest = Manifest::of(&old[..1], &["old/index.html".into(), "b.png".into()]);
        manifest.objects.remove("a.css");
        let p = plan(&[], &listed(&old, false), Some(&manifest));
        assert_eq!(p.deletes, ["old/index.html", "b.png"]);
        let p = plan(&[], &listed(&old, false), Some(&Manifest::of(&old, &[])));
        assert_eq!(p.deletes, ["old/index.html", "a.css", "b.png"]);
    }

    #[test]
    fn after_a_deploy_killed_before_its_manifest_what_it_uploaded_is_not_uploaded_again() {
        let old = vec![local("a.css", "x"), local("index.html", "y")];
        let new = vec![local("a.css", "x2"), local("index.html", "y2")];
        // The killed deploy stored the new a.css; the manifest is still the old one.
        let mut there = listed(&old, true);
        there.insert("a.css".into(), listed(&new, true)["a.css"].clone());
        let p = plan(&new, &there, Some(&Manifest::of(&old, &[])));
        assert_eq!(p.uploads, [1]);
    }

    #[test]
    fn a_damaged_manifest_is_none() {
        assert!(Manifest::parse(b"{not json").is_none());
        assert!(Manifest::parse(br#"{"version":99,"objects":{}}"#).is_none());
        let m = Manifest::of(&[local("a", "b")], &[]);
        let parsed = Manifest::parse(&serde_json::to_vec(&m).unwrap()).unwrap();
        assert_eq!(parsed.objects, m.objects);
    }
}
