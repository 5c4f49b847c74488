//! `init`'s questions, as `zola init` asks them: the site's URL, Sass, highlighting, search.
//!
//! They are asked only when standard input is a terminal and only for what no flag answered,
//! so a script or CI run (`sitegen init DIR --base-url URL --sass`) never waits for input.
//! The defaults are the answers to an empty line and what a run without a terminal gets.

use std::io::{BufRead, Write};

use super::InitOptions;

/// Which answers the flags already gave (those questions are not asked).
#[derive(Clone, Copy, Debug, Default)]
pub struct Answered {
    pub base_url: bool,
    pub sass: bool,
    pub highlighting: bool,
    pub search: bool,
}

/// Checks a site URL: `http://` or `https://`, and nothing that would need quoting in the
/// config (a quote, a backslash, white space).
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        None | Some("") => Err(format!(
            "`{url}` is not a site URL: it starts with https:// (or http://) and a host"
        )),
        Some(_) if url.contains(['"', '\\']) || url.chars().any(char::is_whitespace) => Err(
            format!("`{url}` is not a site URL: it has a quote, a backslash or white space"),
        ),
        Some(_) => Ok(()),
    }
}

/// Asks what `answered` leaves open, reading lines from `input` and writing the questions to
/// `output`. An empty line takes the default; the end of the input takes it for every
/// question left. A URL that is not one is asked again.
pub fn ask(
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    options: &mut InitOptions,
    answered: Answered,
) -> std::io::Result<()> {
    if answered.base_url && answered.sass && answered.highlighting && answered.search {
        return Ok(());
    }
    let _ = writeln!(
        output,
        "Welcome to sitegen! A few questions (Enter takes the default):"
    );
    if !answered.base_url {
        loop {
            let line = question(
                input,
                output,
                &format!("> What is the URL of your site? ({}): ", options.base_url),
            )?;
            let Some(url) = line.filter(|l| !l.is_empty()) else {
                break;
            };
            match check_url(&url) {
                Ok(()) => {
                    options.base_url = url;
                    break;
                }
                Err(e) => writeln!(output, "{e}")?,
            }
        }
    }
    let flags = [
        (
            answered.sass,
            "Do you want to enable Sass compilation?",
            &mut options.sass,
        ),
        (
            answered.highlighting,
            "Do you want to enable syntax highlighting?",
            &mut options.highlighting,
        ),
        (
            answered.search,
            "Do you want to build a search index of the content?",
            &mut options.search,
        ),
    ];
    for (given, text, value) in flags {
        if given {
            continue;
        }
        let hint = if *value { "[Y/n]" } else { "[y/N]" };
        loop {
            let line = question(input, output, &format!("> {text} {hint}: "))?;
            match line.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("") => break,
                Some("y" | "yes") => {
                    *value = true;
                    break;
                }
                Some("n" | "no") => {
                    *value = false;
                    break;
                }
                Some(_) => writeln!(output, "Please answer y or n.")?,
            }
        }
    }
    Ok(())
}

/// Writes `text`, reads one line: `None` at the end of the input.
fn question(
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    text: &str,
) -> std::io::Result<Option<String>> {
    output.write_all(text.as_bytes())?;
    output.flush()?;
    let mut line = String::new();
    Ok(match input.read_line(&mut line)? {
        0 => None,
        _ => Some(line.trim().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(typed: &str, answered: Answered) -> (InitOptions, String) {
        let mut options = InitOptions::default();
        let mut out = Vec::new();
        ask(&mut typed.as_bytes(), &mut out, &mut options, answered).unwrap();
        (options, String::from_utf8(out).unwrap())
    }

    #[test]
    fn empty_lines_take_the_defaults_and_the_end_of_input_too() {
        let defaults = InitOptions::default();
        assert_eq!(answers("\n\n\n\n", Answered::default()).0, defaults);
        assert_eq!(answers("", Answered::default()).0, defaults);
    }

    #[test]
    fn answers_are_taken_and_a_bad_one_is_asked_again() {
        let (options, out) = answers(
            "example.org\nhttps://my.example\nmaybe\ny\nn\nYes\n",
            Answered::default(),
        );
        assert_eq!(options.base_url, "https://my.example");
        assert!((options.sass, options.highlighting, options.search) == (true, false, true));
        assert!(out.contains("`example.org` is not a site URL"), "{out}");
        assert!(out.contains("Please answer y or n."), "{out}");
        assert_eq!(out.matches("> What is the URL").count(), 2, "{out}");
    }

    #[test]
    fn questions_the_flags_answered_are_not_asked() {
        let answered = Answered {
            base_url: true,
            sass: true,
            highlighting: false,
            search: true,
        };
        let (options, out) = answers("n\n", answered);
        assert!(!options.highlighting);
        assert!(!out.contains("URL") && !out.contains("Sass") && !out.contains("search"));
    }

    #[test]
    fn urls_that_would_break_the_config_are_refused() {
        assert!(check_url("https://a.example/blog/").is_ok());
        for bad in [
            "",
            "https://",
            "ftp://a",
            "https://a\".example",
            "https://a b",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
