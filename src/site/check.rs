//! `sitegen check`: builds the site where nothing the user relies on lives, then reads the
//! result back for broken links.
//!
//! The build goes to `<state>/check/` (its own output and its own state, so its lock and
//! build cache never meet the real ones): the real output, which a server may be serving,
//! and the real build cache stay exactly as they were. The scratch output is kept between
//! checks; its manifest makes each build prune what the previous one wrote and this one did
//! not, so it always holds exactly this build.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::check::{check_output_with, CheckError, CheckReport, External, Problem};
use crate::config::{Config, Mode};
use crate::content;
use crate::output::Durability;

use super::{build, BuildError, BuildOptions, Progress, RenderMode, STATE_DIR};

/// Why `check` could not produce a report (broken links are in the report, not here).
#[derive(Debug, thiserror::Error)]
pub enum SiteCheckError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error("{}: [link_checker] ignored_files: {source}", path.display())]
    IgnoredFiles {
        path: PathBuf,
        #[source]
        source: globset::Error,
    },
}

/// The scratch directory of `check` for a site whose state directory is `state`.
pub fn check_dir(state: &Path) -> PathBuf {
    state.join("check")
}

/// Builds the site (fully, into the scratch directory) and checks the links of the result.
/// The build's warnings (config, content) come first in the report's warnings.
pub fn check(options: &BuildOptions, external: External) -> Result<CheckReport, SiteCheckError> {
    let (config, _) = options.load_config().map_err(BuildError::from)?;
    let state = options
        .state_dir
        .clone()
        .unwrap_or_else(|| options.root.join(STATE_DIR));
    let scratch = check_dir(&state);
    let scratch_state = scratch.join("state");
    let scratch_options = BuildOptions {
        output_dir: Some(scratch.join("output")),
        state_dir: Some(scratch_state.clone()),
        durability: Durability::None,
        progress: Progress::Off,
        render_mode: RenderMode::Full,
        warm: None,
        mode: Mode::Check,
        publish: Some(crate::output::Publish::Files),
        ..options.clone()
    };
    let summary = build(&scratch_options)?;
    let ignored = ignored_outputs(options, &config)?;
    let mut report = check_output_with(
        &summary.output_dir,
        &config.base_url,
        &config.link_checker,
        external,
        &|file| is_ignored(&ignored, file),
    )?;
    // Broken `@/` links, each at its line in its content file.
    for (source, target) in &summary.broken_links {
        let text = std::fs::read_to_string(source).unwrap_or_default();
        let line = text
            .lines()
            .position(|l| l.contains(target.as_str()))
            .map_or(1, |i| i + 1);
        report.broken_internal.push(Problem {
            file: source
                .strip_prefix(&options.root)
                .unwrap_or(source)
                .to_path_buf(),
            line,
            target: target.clone(),
            reason: "no such page or section".into(),
        });
    }
    report
        .broken_internal
        .sort_by(|a, b| (&a.file, a.line, &a.target).cmp(&(&b.file, b.line, &b.target)));
    // The scratch build's own cache ("first build") is of no interest to the user.
    let scratch_state = scratch_state.display().to_string();
    let mut warnings: Vec<String> = summary
        .warnings
        .into_iter()
        .filter(|w| !w.starts_with(&scratch_state))
        .collect();
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}

/// The output directories (`blog/post/`) of the pages and sections whose content file
/// matches one of `globs` (Zola's `ignored_files`: their external links are not checked).
/// A glob is matched against the file's path relative to the site root
/// (`content/blog/post.md`), relative to `content/` (`blog/post.md`) and as given on disk.
fn ignored_outputs(options: &BuildOptions, config: &Config) -> Result<Vec<String>, SiteCheckError> {
    let globs = &config.link_checker.ignored_files;
    if globs.is_empty() {
        return Ok(Vec::new());
    }
    let config_path = options.config_path();
    let mut set = GlobSetBuilder::new();
    for pattern in globs {
        let glob = Glob::new(pattern).map_err(|source| SiteCheckError::IgnoredFiles {
            path: config_path.clone(),
            source,
        })?;
        set.add(glob);
    }
    let set = set.build().map_err(|source| SiteCheckError::IgnoredFiles {
        path: config_path,
        source,
    })?;
    let content_dir = options.root.join("content");
    let load_options = content::LoadOptions {
        drafts: options.drafts,
        ignored: content::glob_set(&config.ignored_content, "ignored_content")
            .ok()
            .flatten(),
        slugify: config.slugify,
        languages: config.site_languages().codes(),
    };
    let library = content::load(&content_dir, &load_options).map_err(BuildError::from)?;
    let matches = |set: &GlobSet, rel: &str, source: &Path| {
        set.is_match(format!("content/{rel}")) || set.is_match(rel) || set.is_match(source)
    };
    let pages = library
        .pages
        .iter()
        .filter(|p| matches(&set, &p.rel, &p.source))
        .map(|p| p.url_path.clone());
    let sections = library
        .sections
        .iter()
        .filter(|s| matches(&set, &s.rel, s.source.as_deref().unwrap_or(Path::new(""))))
        .map(|s| s.url_path.clone());
    Ok(pages
        .chain(sections)
        .map(|url| url.trim_start_matches('/').to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect())
}

/// Whether the output `file` is one of `dirs` (its `index.html`, or a pagination page
/// under its `page/`).
fn is_ignored(dirs: &[String], file: &str) -> bool {
    dirs.iter().any(|dir| {
        file.strip_prefix(dir.as_str()).is_some_and(|rest| {
            rest == "index.html"
                || rest.strip_prefix("page/").is_some_and(|n| {
                    n.split_once('/')
                        .is_some_and(|(n, i)| i == "index.html" && n.parse::<u32>().is_ok())
                })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored_with(
        options: &BuildOptions,
        globs: &[String],
    ) -> Result<Vec<String>, SiteCheckError> {
        let mut config = Config::default();
        config.link_checker.ignored_files = globs.to_vec();
        ignored_outputs(options, &config)
    }
    use crate::config::LinkLevel;
    use std::fs;
    use std::path::Path;

    fn site(root: &Path, extra_config: &str) {
        fs::create_dir_all(root.join("content/blog")).unwrap();
        fs::create_dir_all(root.join("templates")).unwrap();
        crate::output::atomic_write(
            root.join("config.toml"),
            format!("base_url = \"https://site.example\"\ntitle = \"t\"\n{extra_config}"),
        )
        .unwrap();
        crate::output::atomic_write(
            root.join("content/_index.md"),
            "+++\ntitle = \"Home\"\n+++\n",
        )
        .unwrap();
        crate::output::atomic_write(
            root.join("content/blog/_index.md"),
            "+++\ntitle = \"Blog\"\n+++\n",
        )
        .unwrap();
        crate::output::atomic_write(
            root.join("content/blog/post.md"),
            "+++\ntitle = \"Post\"\n+++\n## Intro\n\n[home](/) [gone](/gone/) [anchor](@/_index.md#nowhere)\n",
        )
        .unwrap();
        for name in ["index.html", "section.html", "page.html"] {
            crate::output::atomic_write(
                root.join("templates").join(name),
                "<html><body>\n<a href=\"{{ get_url(path='@/blog/post.md') }}\">post</a>\n\
                 <a href=\"/missing.css\">x</a>\n\
                 {% if page %}{{ page.content | safe }}{% endif %}\n</body></html>\n",
            )
            .unwrap();
        }
    }

    #[test]
    fn checks_a_scratch_build_and_leaves_the_real_output_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        site(root, "");
        fs::create_dir_all(root.join("public")).unwrap();
        crate::output::atomic_write(root.join("public/keep.txt"), "mine").unwrap();
        let mut options = BuildOptions::new(root);
        options.progress = Progress::Off;
        let report = check(&options, External::Skip).unwrap();
        assert_eq!(
            fs::read_dir(root.join("public")).unwrap().count(),
            1,
            "public/ untouched"
        );
        assert!(!root.join(".sitegen/build-cache.json").exists());
        assert!(root
            .join(".sitegen/check/output/blog/post/index.html")
            .exists());
        let targets: Vec<(String, String)> = report
            .broken_internal
            .iter()
            .map(|p| (p.file.display().to_string(), p.target.clone()))
            .collect();
        assert_eq!(
            targets,
            vec![
                ("blog/index.html".into(), "/missing.css".into()),
                ("blog/post/index.html".into(), "/missing.css".into()),
                ("blog/post/index.html".into(), "/gone/".into()),
                (
                    "blog/post/index.html".into(),
                    "https://site.example/#nowhere".into()
                ),
                ("index.html".into(), "/missing.css".into()),
            ],
            "{report}"
        );
        assert!(report.failed());
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        // A second check reuses the scratch directory and finds the same.
        let again = check(&options, External::Skip).unwrap();
        assert_eq!(again.broken_internal, report.broken_internal);
    }

    #[test]
    fn ignored_files_name_content_files_and_cover_their_outputs() {
        let tmp = tempfile::tempdir().unwrap();
        site(tmp.path(), "");
        let options = BuildOptions::new(tmp.path());
        let dirs = ignored_with(&options, &["blog/*.md".into()]).unwrap();
        let mut sorted = dirs.clone();
        sorted.sort();
        assert_eq!(sorted, vec!["blog/", "blog/post/"]);
        assert!(
            ignored_with(&options, &["content/blog/post.md".into()]).unwrap() == vec!["blog/post/"]
        );
        assert!(ignored_with(&options, &["**/post.md".into()]).unwrap() == vec!["blog/post/"]);
        assert!(ignored_with(&options, &[]).unwrap().is_empty());
        assert!(matches!(
            ignored_with(&options, &["a[".into()]),
            Err(SiteCheckError::IgnoredFiles { .. })
        ));
        assert!(is_ignored(&dirs, "blog/index.html"));
        assert!(is_ignored(&dirs, "blog/page/2/index.html"));
        assert!(is_ignored(&dirs, "blog/post/index.html"));
        assert!(!is_ignored(&dirs, "blog/other/index.html"));
        assert!(!is_ignored(&dirs, "blog/page/x/index.html"));
        assert!(!is_ignored(&dirs, "index.html"));
    }

    #[test]
    fn warn_level_and_base_url_override() {
        let tmp = tempfile::tempdir().unwrap();
        site(tmp.path(), "[link_checker]\ninternal_level = \"warn\"\n");
        let mut options = BuildOptions::new(tmp.path());
        options.base_url = Some("http://127.0.0.1:1111/".into());
        let report = check(&options, External::Skip).unwrap();
        assert_eq!(report.internal_level, LinkLevel::Warn);
        assert!(!report.failed());
        assert!(report
            .broken_internal
            .iter()
            .any(|p| p.target == "http://127.0.0.1:1111/#nowhere"));
    }
}
