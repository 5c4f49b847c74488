//! `--safe`: an untrusted checkout builds without reading the machine's files through
//! symlinks, its environment beyond an allowlist, or URLs beyond allowed hosts. A trusted build
//! reads as Zola does and warns. (Fixtures written here; nothing fetched.)

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::common::{build, copy_tree, repo, snapshot, stderr, write_under as write};

const SECRET: &str = "TOP-SECRET-4f1c9e";

/// A site that builds, with a secret file beside it (outside the site root).
fn site() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    write(
        &root,
        "config.toml",
        "base_url = \"https://safe.example\"\ncompile_sass = true\n",
    );
    write(
        &root,
        "templates/index.html",
        "{% set info = load_data(path=\"data/info.toml\") %}home {{ info.name }}",
    );
    write(&root, "templates/page.html", "page {{ page.title }}");
    write(&root, "templates/section.html", "section");
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nbody\n");
    write(&root, "static/humans.txt", "people\n");
    write(&root, "sass/style.scss", "a { color: red; }\n");
    write(&root, "data/info.toml", "name = \"info\"\n");
    let secret = tmp.path().join("secret.txt");
    fs::write(&secret, SECRET).unwrap();
    (tmp, root, secret)
}

/// Asserts that a build failed because `get_env` of `name` was refused; its stderr.
fn env_refused(out: &std::process::Output, name: &str) -> String {
    let said = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(name) && said.contains("not allowed under --safe"),
        "{said}"
    );
    said
}

fn contains_secret(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(SECRET))
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn an_outside_symlink_fails_a_safe_build_in_every_input_and_nothing_of_it_is_published() {
    // Each: where the link goes, and what the outside file holds there (valid input).
    let cases: &[(&str, &str)] = &[
        ("static/leak.txt", SECRET),
        (
            "content/leak.md",
            "+++\ntitle = \"TOP-SECRET-4f1c9e\"\n+++\n",
        ),
        (
            "sass/leak.scss",
            "/* TOP-SECRET-4f1c9e */ b { color: blue; }\n",
        ),
        ("templates/leak.html", SECRET),
        ("data/info.toml", "name = \"TOP-SECRET-4f1c9e\"\n"),
    ];
    for (link, text) in cases {
        let (_tmp, root, secret) = site();
        let first = build(&root, &["--safe"]);
        assert!(first.status.success(), "{link}: {}", stderr(&first));
        let before = snapshot(&root.join("public"));
        fs::write(&secret, text).unwrap();
        let _ = fs::remove_file(root.join(link));
        symlink(&secret, root.join(link)).unwrap();

        let out = build(&root, &["--safe"]);
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{link}: {said}");
        assert!(said.contains(link), "{link}: the link is named: {said}");
        assert!(
            said.contains("secret.txt") && said.contains("--safe"),
            "{link}: where it leads, and why refused: {said}"
        );
        assert!(!said.contains(SECRET), "{link}: the error shows none of it");
        assert_eq!(
            snapshot(&root.join("public")),
            before,
            "{link}: the previous output is intact"
        );
        assert!(contains_secret(&root.join("public")).is_empty());
    }
}

#[test]
fn a_trusted_build_reads_through_the_link_as_zola_does_and_warns_once() {
    let (_tmp, root, secret) = site();
    symlink(&secret, root.join("static/leak.txt")).unwrap();
    let out = build(&root, &[]);
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    let warning = "static/leak.txt: a symlink leading outside the site";
    assert_eq!(said.matches(warning).count(), 1, "{said}");
    assert!(said.contains("`--safe` would refuse it"), "{said}");
    assert_eq!(
        fs::read_to_string(root.join("public/leak.txt")).unwrap(),
        SECRET
    );
    // A no-op rebuild warns again: the link is still there.
    let again = build(&root, &[]);
    assert!(stderr(&again).contains(warning), "{}", stderr(&again));
}

#[test]
fn get_env_answers_only_allowed_names_under_safe() {
    let (_tmp, root, _) = site();
    let var = "SITEGEN_IT_NOT_ALLOWED_TOKEN";
    let name = "DEPLOY_TOKEN_OF_THIS_TEST";
    write(
        &root,
        "templates/page.html",
        &format!("page {{{{ get_env(name=\"{name}\") }}}} ci={{{{ get_env(name=\"CI\", default=\"no\") }}}}"),
    );
    let run = |args: &[&str]| {
        crate::common::sitegen()
            .arg("build")
            .arg("--root")
            .arg(&root)
            .args(args)
            .env(name, SECRET)
            .env("CI", "true")
            .env_remove(var)
            .output()
            .unwrap()
    };
    let trusted = run(&[]);
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    let page = fs::read_to_string(root.join("public/a/index.html")).unwrap();
    assert_eq!(page, format!("page {SECRET} ci=true"), "Zola's get_env");

    let refused = run(&["--safe"]);
    let said = env_refused(&refused, name);
    assert!(said.contains("page.html"), "the template is named: {said}");
    assert!(!said.contains(SECRET));

    // With a default: the default, and a warning.
    write(
        &root,
        "templates/page.html",
        &format!("page {{{{ get_env(name=\"{name}\", default=\"hidden\") }}}}"),
    );
    let defaulted = run(&["--safe"]);
    let said = stderr(&defaulted);
    assert!(defaulted.status.success(), "{said}");
    assert!(
        said.contains(name) && said.contains("its `default` was used"),
        "{said}"
    );
    let page = fs::read_to_string(root.join("public/a/index.html")).unwrap();
    assert_eq!(page, "page hidden");
    // Allowed on the command line (never by the site's config): the value.
    let allowed = run(&["--safe", "--allow-env", &format!("^{name}$")]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let page = fs::read_to_string(root.join("public/a/index.html")).unwrap();
    assert_eq!(page, format!("page {SECRET}"));
}

#[test]
fn load_data_reaches_only_allowed_hosts_under_safe() {
    let (_tmp, root, _) = site();
    // Port 9 (discard) on loopback: nothing listens; no request leaves the machine.
    write(
        &root,
        "templates/page.html",
        "{% set d = load_data(url=\"http://127.0.0.1:9/meta.json\") %}page",
    );
    let refused = build(&root, &["--safe"]);
    let said = stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(
        said.contains("the host `127.0.0.1` is not allowed under --safe"),
        "{said}"
    );
    let allowed = build(&root, &["--safe", "--allow-host", "127.0.0.1"]);
    assert!(
        !stderr(&allowed).contains("not allowed under --safe"),
        "{}",
        stderr(&allowed)
    );
}

#[test]
fn special_files_are_skipped_with_a_warning_naming_them() {
    let (_tmp, root, _) = site();
    let fifo = root.join("static/pipe");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo on a NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    for args in [&[][..], &["--safe"][..]] {
        let out = build(&root, args);
        let said = stderr(&out);
        assert!(out.status.success(), "{said}");
        assert!(
            said.contains("static/pipe: skipped: a FIFO, not a file"),
            "{said}"
        );
        assert!(!root.join("public/pipe").exists());
    }
}

/// The example site as a user has it: its theme a symlink to a themes folder outside it.
fn example_with_linked_theme() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    for dir in ["content", "static", "templates"] {
        copy_tree(&repo().join("example-site").join(dir), &root.join(dir));
    }
    fs::copy(
        repo().join("example-site/config.toml"),
        root.join("config.toml"),
    )
    .unwrap();
    let themes = tmp.path().join("themes");
    copy_tree(&repo().join("themes/default"), &themes.join("default"));
    fs::create_dir_all(root.join("themes")).unwrap();
    symlink(themes.join("default"), root.join("themes/default")).unwrap();
    (tmp, root, themes)
}

#[test]
fn a_safe_site_builds_to_the_same_bytes_with_its_theme_folder_allowed() {
    let (_tmp, root, themes) = example_with_linked_theme();
    let trusted = build(&root, &["--full"]);
    let said = stderr(&trusted);
    assert!(trusted.status.success(), "{said}");
    assert!(
        said.contains("themes/default: a symlink leading outside the site"),
        "{said}"
    );
    let expected = snapshot(&root.join("public"));
    fs::remove_dir_all(root.join("public")).unwrap();
    fs::remove_dir_all(root.join(".sitegen")).unwrap();

    let refused = build(&root, &["--safe"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("themes/default: a symlink leading outside the site"));

    let themes_arg = themes.to_str().unwrap();
    let safe = build(&root, &["--safe", "--allow-dir", themes_arg]);
    assert!(safe.status.success(), "{}", stderr(&safe));
    assert_eq!(snapshot(&root.join("public")), expected, "same bytes");

    // The same from the environment, for CI configs that cannot change the command.
    fs::remove_dir_all(root.join("public")).unwrap();
    let from_env = crate::common::sitegen()
        .args(["build", "--root"])
        .arg(&root)
        .env("SITEGEN_SAFE", "1")
        .env("SITEGEN_SAFE_DIRS", themes_arg)
        .output()
        .unwrap();
    assert!(from_env.status.success(), "{}", stderr(&from_env));
    assert_eq!(snapshot(&root.join("public")), expected);
    let refused = crate::common::sitegen()
        .args(["build", "--root"])
        .arg(&root)
        .env("SITEGEN_SAFE", "1")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
}

#[test]
fn check_and_serve_take_safe_too() {
    let (_tmp, root, secret) = site();
    symlink(&secret, root.join("static/leak.txt")).unwrap();
    let check = crate::common::sitegen()
        .args(["check", "--safe", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    let said = stderr(&check);
    assert_eq!(check.status.code(), Some(1), "{said}");
    assert!(
        said.contains("static/leak.txt") && said.contains("--safe"),
        "{said}"
    );
    // serve parses the same flags (a bad allowlist is a usage error before anything runs).
    let serve = crate::common::sitegen()
        .args(["serve", "--safe", "--allow-env", "(", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(serve.status.code(), Some(2), "{}", stderr(&serve));
    assert!(
        stderr(&serve).contains("--allow-env `(`"),
        "{}",
        stderr(&serve)
    );
}

#[test]
fn a_shortcode_s_get_env_is_refused_too_and_no_trusted_render_is_reused() {
    let (_tmp, root, _) = site();
    let name = "DEPLOY_TOKEN_OF_THE_SHORTCODE_TEST";
    write(
        &root,
        "templates/shortcodes/env.html",
        &format!("[{{{{ get_env(name=\"{name}\") }}}}]"),
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n{{ env() }}\n",
    );
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    let run = |args: &[&str]| {
        crate::common::sitegen()
            .args(["build", "--root"])
            .arg(&root)
            .args(args)
            .env(name, SECRET)
            .output()
            .unwrap()
    };
    let trusted = run(&[]);
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    let page = fs::read_to_string(root.join("public/a/index.html")).unwrap();
    assert!(page.contains(SECRET), "{page}");
    let before = snapshot(&root.join("public"));
    // The page's Markdown render is cached by content; --safe must not reuse it.
    let refused = run(&["--safe"]);
    env_refused(&refused, name);
    assert_eq!(snapshot(&root.join("public")), before);
}

#[test]
fn a_sass_import_out_of_the_site_is_refused_under_safe() {
    let (tmp, root, _) = site();
    fs::write(
        tmp.path().join("_outside.scss"),
        "/* TOP-SECRET-4f1c9e */ i { color: green; }\n",
    )
    .unwrap();
    write(
        &root,
        "sass/style.scss",
        "@import \"../../outside\";\na { color: red; }\n",
    );
    let trusted = build(&root, &[]);
    assert!(trusted.status.success(), "as Zola: {}", stderr(&trusted));
    let before = snapshot(&root.join("public"));
    let refused = build(&root, &["--safe"]);
    let said = stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(
        said.contains("_outside.scss") && said.contains("refused under --safe"),
        "{said}"
    );
    assert_eq!(snapshot(&root.join("public")), before);
}
