//! The directories and files a site reads, and the rule that its output may not overlap
//! them: an output inside `content/` would be read back as pages by the next build, `serve`
//! would watch its own writes and rebuild for ever, and an output that contains the sources
//! would have them pruned. Checked before anything is written, by every command that builds
//! (`build`, `serve`, `check`; `publish SRC` applies the same rule to its source).

use std::path::{Path, PathBuf};

use crate::output::dirs::{overlap, real_path, Overlap};

/// An output directory that overlaps an input of the site.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot build into this directory: it {relation} {what} {}", output.display(), input.display())]
pub struct OverlapError {
    pub output: PathBuf,
    pub relation: Overlap,
    pub what: &'static str,
    pub input: PathBuf,
}

/// Refuses `output` (and `state`, sitegen's own directory beside it) when either is,
/// contains or lies inside an input of the site at `root`: `content/`, `templates/`,
/// `static/`, `sass/`, `data/`, the theme, or the config file; or when it is or contains the
/// root itself (the usual `public/` inside the root is fine).
pub fn refuse_overlap(
    root: &Path,
    config_file: &Path,
    theme_dir: Option<&Path>,
    output: &Path,
    state: &Path,
) -> Result<(), OverlapError> {
    let real = |p: &Path| real_path(p).unwrap_or_else(|_| p.to_path_buf());
    let root_real = real(root);
    let mut inputs: Vec<(&'static str, PathBuf)> =
        ["content", "templates", "static", "sass", "data"]
            .into_iter()
            .map(|dir| (input_name(dir), root_real.join(dir)))
            .collect();
    if let Some(theme) = theme_dir {
        inputs.push(("the theme", real(theme)));
    }
    inputs.push(("the config file", real(config_file)));
    for dir in [output, state] {
        let dir_real = real(dir);
        let is_or_contains_root = matches!(
            overlap(&dir_real, &root_real),
            Some(Overlap::Same | Overlap::Contains)
        );
        if is_or_contains_root {
            return Err(OverlapError {
                output: dir.to_path_buf(),
                relation: overlap(&dir_real, &root_real).unwrap_or(Overlap::Same),
                what: "the site's root",
                input: root.to_path_buf(),
            });
        }
        for (what, input) in &inputs {
            if let Some(relation) = overlap(&dir_real, input) {
                return Err(OverlapError {
                    output: dir.to_path_buf(),
                    relation,
                    what,
                    input: input.clone(),
                });
            }
        }
    }
    Ok(())
}

fn input_name(dir: &str) -> &'static str {
    match dir {
        "content" => "the content folder",
        "templates" => "the templates folder",
        "static" => "the static folder",
        "sass" => "the sass folder",
        _ => "the data folder",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_input_is_refused_and_public_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(root.join("content")).unwrap();
        let config = root.join("config.toml");
        let theme = root.join("themes/t");
        let state = root.join(".sitegen");
        let check = |out: &Path| refuse_overlap(&root, &config, Some(&theme), out, &state);
        assert!(check(&root.join("public")).is_ok());
        for (out, what, relation) in [
            (root.join("content"), "content", Overlap::Same),
            (root.join("content/out"), "content", Overlap::Inside),
            (root.join("templates/x"), "templates", Overlap::Inside),
            (root.join("static"), "static", Overlap::Same),
            (root.join("sass/css"), "sass", Overlap::Inside),
            (root.join("data"), "data", Overlap::Same),
            (root.join("themes"), "theme", Overlap::Contains),
            (root.join("themes/t/public"), "theme", Overlap::Inside),
            (root.clone(), "root", Overlap::Same),
            (tmp.path().to_path_buf(), "root", Overlap::Contains),
            (root.join("config.toml"), "config", Overlap::Same),
        ] {
            let err = check(&out).unwrap_err();
            assert_eq!(err.relation, relation, "{out:?}");
            assert!(err.what.contains(what), "{out:?}: {err}");
            let text = err.to_string();
            assert!(text.contains(&out.display().to_string()), "{text}");
        }
        // The state directory is held to the same rule.
        let err = refuse_overlap(
            &root,
            &config,
            None,
            &root.join("public"),
            &root.join("static/s"),
        )
        .unwrap_err();
        assert!(err.what.contains("static"), "{err}");
    }
}
