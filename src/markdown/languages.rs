//! Which languages a Zola 0.22 site can name on a code fence, and which syntect grammar
//! stands for them.
//!
//! Zola 0.22 highlights with giallo's grammars, which know more languages than syntect's
//! built-in set (TOML, TypeScript, Dockerfile, …). A language giallo knows is never an
//! error here, even with `error_on_missing_language`: the site builds with Zola, so it
//! builds with sitegen too, the block as plain text (and reported as missing).

/// The names and aliases of giallo's built-in grammars (lowercase, space-separated).
const GIALLO_LANGUAGES: &str = "\
abap actionscript-3 ada ahk ahk1 ahk2 angular-html angular-ts apache apex apl \
applescript ara asciidoc adoc asm astro awk ballerina bat batch beancount berry be \
bibtex bicep bird2 bird blade bsl 1c c c3 cadence cdc cairo chapel chpl clarity \
clojure clj cmake cobol codeowners codeql ql coffee coffeescript common-lisp lisp coq \
cpp c++ crystal csharp c# cs css csv cue cypher cql d dart dax desktop diff docker \
dockerfile dotenv dream-maker edge elixir elm emacs-lisp elisp erb erlang erl fennel \
fish fluent ftl fortran-fixed-form f for f77 fortran-free-form f90 f95 f03 f08 f18 \
fsharp f# fs gdresource tscn tres gdscript gd gdshader genie gherkin git-commit \
git-rebase gleam glimmer-js gjs glimmer-ts gts glsl gn gnuplot go graphql gql groovy \
hack haml handlebars hbs haskell hs haxe hcl hjson hlsl html html-derivative http \
hurl hxml hy imba ini properties java javascript js cjs mjs jinja jison json json5 \
jsonc jsonl jsonnet jssm fsl jsx julia jl just kdl kotlin kt kts kusto kql latex lean \
lean4 less liquid llvm log logo lua luau make makefile markdown md marko matlab mdc \
mdx mermaid mmd mipsasm mips mojo moonbit mbt mbti move narrat nar nextflow nf \
nextflow-groovy nginx nim nix nushell nu objective-c objc objective-cpp ocaml odin \
openscad scad org pascal perl php pkl plain txt text plsql po pot potx polar postcss \
powerquery powershell ps ps1 prisma prolog proto protobuf pug jade puppet purescript \
python py qml qmldir qss r racket raku perl6 razor reg regexp regex rel riscv ron \
rosmsg rst ruby rb rust rs sas sass scala scheme scss sdbl 1c-query shaderlab shader \
shellscript bash sh shell zsh shellsession console smalltalk solidity soy \
closure-templates sparql splunk spl sql ssh-config stata stylus styl surrealql surql \
svelte swift system-verilog systemd talonscript talon tasl tcl templ terraform tf \
tfvars tex toml ts-tags lit tsv tsx turtle twig typescript ts cts mts typespec tsp \
typst typ v vala vb cmd verilog vhdl viml vim vimscript vue vue-html vue-vine vyper \
vy wasm wenyan 文言 wgsl wikitext mediawiki wiki wit wolfram wl xml xsl yaml yml \
zenscript zig";

/// Whether Zola 0.22 knows `lang` (case-insensitive).
pub(super) fn zola_knows(lang: &str) -> bool {
    let lang = lang.to_lowercase();
    GIALLO_LANGUAGES.split_ascii_whitespace().any(|l| l == lang)
}

/// The syntect token to look up for a giallo language name syntect spells differently.
pub(super) fn syntect_token(lang: &str) -> &str {
    match lang.to_ascii_lowercase().as_str() {
        "shellscript" | "shell" | "zsh" | "shellsession" | "console" => "bash",
        "csharp" | "c#" => "cs",
        "objective-c" => "objc",
        "objective-cpp" => "mm",
        "common-lisp" => "lisp",
        "make" => "makefile",
        "c++" => "cpp",
        "jsonc" | "json5" | "jsonl" => "json",
        "latex" => "tex",
        "golang" => "go",
        "erlang" => "erl",
        "ocaml" => "ml",
        // One grammar for JavaScript whatever the name, as in Zola (giallo's `javascript`
        // with its aliases `js`, `cjs`, `mjs`): by extension, bat's Babel grammar. By name,
        // `javascript` found the older Sublime grammar, whose lookaheads loop forever on a
        // line such as `x /*` (see `super::budget`).
        "javascript" | "cjs" => "js",
        _ => lang,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giallo_names_and_aliases() {
        for known in [
            "toml",
            "TypeScript",
            "ts",
            "dockerfile",
            "shellscript",
            "文言",
        ] {
            assert!(zola_knows(known), "{known}");
        }
        assert!(!zola_knows("klingon") && !zola_knows(""));
        assert_eq!(syntect_token("shellscript"), "bash");
        assert_eq!(syntect_token("rust"), "rust");
        assert_eq!(syntect_token("JavaScript"), "js");
    }
}
