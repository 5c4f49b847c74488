use std::borrow::Cow;

use serde_json::{json, Value};

use super::{parse, Call, Piece, ShortcodeError};

fn text(s: &str) -> Piece<'static> {
    Piece::Text(Cow::Owned(s.to_string()))
}

fn call(
    name: &str,
    args: Value,
    body: Option<&str>,
    line: usize,
    span: std::ops::Range<usize>,
) -> Piece<'static> {
    Piece::Call(Call {
        name: name.to_string(),
        args: args.as_object().expect("args are an object").clone(),
        body: body.map(str::to_string),
        line,
        span,
    })
}

fn ok(src: &str) -> Vec<Piece<'_>> {
    parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

fn err(src: &str) -> ShortcodeError {
    match parse(src) {
        Ok(p) => panic!("{src:?} parsed: {p:?}"),
        Err(e) => e,
    }
}

/// The input stays one text piece.
fn stays_text(src: &str) {
    assert_eq!(ok(src), vec![text(src)], "{src:?}");
}

fn args_of(src: &str) -> Value {
    match ok(src).as_slice() {
        [Piece::Call(c)] => Value::Object(c.args.clone()),
        other => panic!("{src:?}: {other:?}"),
    }
}

#[test]
fn plain_text_is_one_borrowed_piece() {
    let src = "Hello *world*\n";
    let pieces = ok(src);
    assert!(matches!(&pieces[..], [Piece::Text(Cow::Borrowed(s))] if *s == src));
    assert_eq!(ok(""), vec![]);
}

#[test]
fn inline_call_between_text() {
    let src = "a {{ yt(id=\"x\") }} b";
    assert_eq!(
        ok(src),
        vec![
            text("a "),
            call("yt", json!({"id": "x"}), None, 1, 2..18),
            text(" b")
        ]
    );
    assert_eq!(&src[2..18], "{{ yt(id=\"x\") }}");
}

#[test]
fn whitespace_inside_delimiters_is_free() {
    for src in [
        "{{yt()}}",
        "{{ yt() }}",
        "{{  yt ( )  }}",
        "{{\tyt(\n)\r\n}}",
    ] {
        assert_eq!(
            ok(src),
            vec![call("yt", json!({}), None, 1, 0..src.len())],
            "{src:?}"
        );
    }
    assert_eq!(
        args_of("{{ f( a = 1 , b\n=\n2 ) }}"),
        json!({"a": 1, "b": 2})
    );
}

#[test]
fn names_are_ascii_identifiers() {
    assert_eq!(args_of("{{ _a1_B() }}"), json!({}));
    for src in [
        "{{ 1a() }}",
        "{{ a-b() }}",
        "{{ é() }}",
        "{{ a.b() }}",
        "{{ (a) }}",
    ] {
        stays_text(src);
    }
    assert_eq!(args_of("{{ f(_x9=1) }}"), json!({"_x9": 1}));
    stays_text("{{ f(9x=1) }}");
}

#[test]
fn not_calls_stay_text() {
    for src in [
        "{{ variable }}",
        "{{ name }}",
        "{{ page.title }}",
        "{{ f() | safe }}",
        "{{- f() -}}",
        "{{- f() }}",
        "{{ f() -}}",
        "{{ f(a=1) ",
        "{{ f(a=1 }}",
        "{{ f }}()",
        "just {{ braces",
        "{% if x %}y{% endif %}",
        "{% raw %}",
        "{ { f() } }",
        "{{ f(a) }}",
        "{{ f(a=) }}",
        "{{ f(=1) }}",
        "}}{{",
        "{{/* not a call */}}",
        "{{/* f( */}}",
    ] {
        stays_text(src);
    }
}

#[test]
fn text_before_a_call_containing_braces() {
    let src = "{{ {{ f() }}";
    assert_eq!(
        ok(src),
        vec![text("{{ "), call("f", json!({}), None, 1, 3..12)]
    );
}

#[test]
fn string_arguments_in_three_quotes_without_escapes() {
    assert_eq!(
        args_of(r#"{{ f(a="x y", b='it"s', c=`a'b"c`, d="") }}"#),
        json!({"a": "x y", "b": "it\"s", "c": "a'b\"c", "d": ""})
    );
    // A backslash is kept and does not escape the quote.
    assert_eq!(
        args_of(r#"{{ f(a="x\n\", b=1) }}"#),
        json!({"a": "x\\n\\", "b": 1})
    );
    // Strings may hold newlines, braces and Unicode.
    assert_eq!(
        args_of("{{ f(a=\"l1\nl2 }} é\") }}"),
        json!({"a": "l1\nl2 }} é"})
    );
    stays_text(r#"{{ f(a="x) }}"#);
}

#[test]
fn numbers_and_booleans() {
    assert_eq!(
        args_of("{{ f(a=0, b=-3, c=42, d=1.5, e=-0.25, g=true, h=false, i=-0) }}"),
        json!({"a": 0, "b": -3, "c": 42, "d": 1.5, "e": -0.25, "g": true, "h": false, "i": 0})
    );
    assert!(args_of("{{ f(a=2.0) }}")["a"].is_f64());
    assert!(args_of("{{ f(a=2) }}")["a"].is_i64());
    for src in [
        "{{ f(a=01) }}",
        "{{ f(a=1.) }}",
        "{{ f(a=.5) }}",
        "{{ f(a=1e5) }}",
        "{{ f(a=+1) }}",
        "{{ f(a=- 1) }}",
        "{{ f(a=True) }}",
        "{{ f(a=none) }}",
        "{{ f(a=1.5.5) }}",
    ] {
        stays_text(src);
    }
}

#[test]
fn literals_are_read_like_zolas_grammar() {
    // A boolean is a prefix and the next argument may follow without a separator.
    assert_eq!(args_of("{{ f(a=truex=1) }}"), json!({"a": true, "x": 1}));
    assert_eq!(args_of("{{ f(a=1b=2) }}"), json!({"a": 1, "b": 2}));
    // The last of repeated arguments wins.
    assert_eq!(args_of("{{ f(a=1, a=2) }}"), json!({"a": 2}));
}

#[test]
fn arrays_nested_mixed_trailing_comma() {
    assert_eq!(
        args_of("{{ f(a=[], b=[1, 'x', true, 2.5], c=[[1], [[]]], d=[ 1 , 2 , ], e=[\n-1\n]) }}"),
        json!({"a": [], "b": [1, "x", true, 2.5], "c": [[1], [[]]], "d": [1, 2], "e": [-1]})
    );
    for src in [
        "{{ f(a=[1 2]) }}",
        "{{ f(a=[,]) }}",
        "{{ f(a=[1,,]) }}",
        "{{ f(a=[1) }}",
    ] {
        stays_text(src);
    }
}

#[test]
fn very_deep_arrays_are_not_values() {
    let deep = format!("{{{{ f(a={}{}) }}}}", "[".repeat(65), "]".repeat(65));
    stays_text(&deep);
    let fine = format!("{{{{ f(a={}{}) }}}}", "[".repeat(64), "]".repeat(64));
    assert_eq!(ok(&fine).len(), 1);
}

#[test]
fn separators_commas_or_whitespace() {
    let want = json!({"a": 1, "b": "x", "c": true});
    for src in [
        "{{ f(a=1, b=\"x\", c=true) }}",
        "{{ f(a=1 b=\"x\" c=true) }}",
        "{{ f(a=1,b=\"x\"\n c=true) }}",
        "{{ f(\n  a=1,\n  b=\"x\",\n  c=true\n) }}",
    ] {
        assert_eq!(args_of(src), want, "{src:?}");
    }
    for src in [
        "{{ f(a=1,) }}",
        "{{ f(, a=1) }}",
        "{{ f(a=1,, b=2) }}",
        "{{ f(,) }}",
    ] {
        stays_text(src);
    }
}

#[test]
fn body_call_is_trimmed() {
    let src = "x\n{% quote(author=\"V\") %}\n  A quote\n\n{% end %}\ny";
    let open = src.find("{%").unwrap();
    let end = src.find("{% end %}").unwrap() + "{% end %}".len();
    assert_eq!(
        ok(src),
        vec![
            text("x\n"),
            call(
                "quote",
                json!({"author": "V"}),
                Some("A quote"),
                2,
                open..end
            ),
            text("\ny"),
        ]
    );
}

#[test]
fn body_forms() {
    assert_eq!(
        ok("{%q()%}a{%end%}"),
        vec![call("q", json!({}), Some("a"), 1, 0..15)]
    );
    let src = "{%  q ( ) %}a{%\n end\t%}";
    assert_eq!(
        ok(src),
        vec![call("q", json!({}), Some("a"), 1, 0..src.len())]
    );
    // Whitespace is a body, even if it trims to nothing.
    assert_eq!(
        ok("{% q() %} {% end %}"),
        vec![call("q", json!({}), Some(""), 1, 0..19)]
    );
    // The body keeps inner text as written, escapes included.
    let src = "{% q() %}\n**b** {{/* f() */}} {{ v }}\n{% end %}";
    assert_eq!(
        ok(src),
        vec![call(
            "q",
            json!({}),
            Some("**b** {{/* f() */}} {{ v }}"),
            1,
            0..src.len()
        )]
    );
}

#[test]
fn nested_bodies_match_their_own_end() {
    let src = "{% a() %}\nA {% b(x=1) %}B{% end %} {{ c() }}\n{% end %}!";
    let inner = "A {% b(x=1) %}B{% end %} {{ c() }}";
    let end = src.len() - 1;
    assert_eq!(
        ok(src),
        vec![call("a", json!({}), Some(inner), 1, 0..end), text("!")]
    );
    // The body parses again into the nested calls.
    assert_eq!(
        ok(inner),
        vec![
            text("A "),
            call("b", json!({"x": 1}), Some("B"), 1, 2..24),
            text(" "),
            call("c", json!({}), None, 1, 25..34),
        ]
    );
}

#[test]
fn bad_opening_inside_a_body_is_text() {
    let src = "{% a() %}{% b(x=01) %}{% end %}";
    assert_eq!(
        ok(src),
        vec![call("a", json!({}), Some("{% b(x=01) %}"), 1, 0..src.len())]
    );
}

#[test]
fn escaped_inline_prints_the_call() {
    assert_eq!(
        ok("a {{/* yt(id=\"x\") */}} b"),
        vec![text("a {{ yt(id=\"x\") }} b")]
    );
    assert_eq!(ok("{{/*yt()*/}}"), vec![text("{{yt()}}")]);
    assert_eq!(
        ok("{{/*  yt(\n a=1 )\n */}}"),
        vec![text("{{  yt(\n a=1 )\n }}")]
    );
    // Only the first closing mark is replaced, even inside a string.
    assert_eq!(
        ok("{{/* f(a=\"*/}}\") */}}"),
        vec![text("{{ f(a=\"}}\") */}}")]
    );
    // No conversion happens, so even a huge integer is fine.
    assert_eq!(
        ok("{{/* f(a=99999999999999999999) */}}"),
        vec![text("{{ f(a=99999999999999999999) }}")]
    );
    stays_text("{{ /* yt() */ }}");
}

#[test]
fn escaped_body_prints_the_call_and_keeps_content() {
    let src = "x {%/* q(a=1) */%}\nA {{ f() }} {{/* g() */}}\n{%/* end */%} y";
    assert_eq!(
        ok(src),
        vec![text(
            "x {% q(a=1) %}\nA {{ f() }} {{/* g() */}}\n{% end %} y"
        )]
    );
    assert_eq!(ok("{%/*q()*/%}a{%/*end*/%}"), vec![text("{%q()%}a{%end%}")]);
    // Nested escaped bodies keep their marks; only the outer pair is unescaped.
    assert_eq!(
        ok("{%/* a() */%}{%/* b() */%}x{%/* end */%}{%/* end */%}"),
        vec![text("{% a() %}{%/* b() */%}x{%/* end */%}{% end %}")]
    );
    // Real body calls inside an escaped body must still be closed.
    assert_eq!(
        ok("{%/* a() */%}{% b() %}x{% end %}{%/* end */%}"),
        vec![text("{% a() %}{% b() %}x{% end %}{% end %}")]
    );
}

#[test]
fn escapes_join_the_text_around() {
    assert_eq!(
        ok("a {{/* f() */}} {{ g() }}"),
        vec![text("a {{ f() }} "), call("g", json!({}), None, 1, 16..25)]
    );
}

#[test]
fn calls_in_code_and_html_are_calls() {
    let src = "```\n{{ f() }}\n```\n`{{ g() }}` <!-- {{ h() }} --> <div x=\"{{ i() }}\">";
    let names: Vec<_> = ok(src)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Call(c) => Some((c.name, c.line)),
            Piece::Text(_) => None,
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("f".into(), 2),
            ("g".into(), 4),
            ("h".into(), 4),
            ("i".into(), 4)
        ]
    );
}

#[test]
fn lines_and_spans_after_multibyte_and_crlf() {
    let src = "é😀\r\nline two ü\r\n\r\n  {{ f(a=\"ß\") }}\r\n{% b() %}\r\nbody\r\n{% end %}";
    let pieces = ok(src);
    let calls: Vec<_> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Call(c) => Some(c),
            Piece::Text(_) => None,
        })
        .collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].line, 4);
    assert_eq!(&src[calls[0].span.clone()], "{{ f(a=\"ß\") }}");
    assert_eq!(calls[1].line, 5);
    assert_eq!(
        &src[calls[1].span.clone()],
        "{% b() %}\r\nbody\r\n{% end %}"
    );
    assert_eq!(calls[1].body.as_deref(), Some("body"));
    // Pieces put back together give the input where there are no escapes.
    let mut rebuilt = String::new();
    for p in &pieces {
        match p {
            Piece::Text(t) => rebuilt.push_str(t),
            Piece::Call(c) => rebuilt.push_str(&src[c.span.clone()]),
        }
    }
    assert_eq!(rebuilt, src);
}

#[test]
fn call_over_several_lines_reports_its_first_line() {
    let src = "a\nb {{ f(\nx=1,\ny=2\n) }}\n{{ g() }}";
    let lines: Vec<_> = ok(src)
        .iter()
        .filter_map(|p| match p {
            Piece::Call(c) => Some(c.line),
            Piece::Text(_) => None,
        })
        .collect();
    assert_eq!(lines, vec![2, 6]);
}

#[test]
fn error_unclosed_body() {
    let e = err("a\n\n{% q() %}\nno end");
    assert_eq!(
        e,
        ShortcodeError::UnclosedBody {
            line: 3,
            name: "q".into(),
            expected: "{% end %}"
        }
    );
    assert!(e.to_string().contains("line 3"));
    // The innermost open body is named.
    let e = err("{% a() %}\n{% b() %}\nx {% end %}");
    assert_eq!(
        e,
        ShortcodeError::UnclosedBody {
            line: 1,
            name: "a".into(),
            expected: "{% end %}"
        }
    );
    let e = err("{% a() %}\n{% b() %}\nx");
    assert_eq!(
        e,
        ShortcodeError::UnclosedBody {
            line: 2,
            name: "b".into(),
            expected: "{% end %}"
        }
    );
    let e = err("x\n{%/* a() */%} y");
    assert_eq!(
        e,
        ShortcodeError::UnclosedBody {
            line: 2,
            name: "a".into(),
            expected: "{%/* end */%}"
        }
    );
}

#[test]
fn error_end_without_opening() {
    assert_eq!(
        err("a\nb {% end %}"),
        ShortcodeError::EndWithoutOpening {
            line: 2,
            found: "{% end %}".into()
        }
    );
    assert_eq!(
        err("{%/*end*/%}"),
        ShortcodeError::EndWithoutOpening {
            line: 1,
            found: "{%/*end*/%}".into()
        }
    );
    assert_eq!(
        err("{% a() %}x{% end %}\n{% end %}"),
        ShortcodeError::EndWithoutOpening {
            line: 2,
            found: "{% end %}".into()
        }
    );
}

#[test]
fn error_bad_opening_names_the_call_and_argument() {
    let e = err("t\n{% q(author=Vincent) %}\nx\n{% end %}");
    match &e {
        ShortcodeError::BadCall {
            line: 2,
            name,
            what,
            end_line: 4,
        } => {
            assert_eq!(name, "q");
            assert!(what.contains("author"), "{what}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("line 2"), "{e}");
    let e = err("{% q(a=1,) %}x{% end %}");
    assert!(
        matches!(&e, ShortcodeError::BadCall { what, .. } if what.contains("trailing comma")),
        "{e}"
    );
    let e = err("{% q(a=1 %}x{% end %}");
    assert!(matches!(&e, ShortcodeError::BadCall { line: 1, .. }), "{e}");
    let e = err("{% q(a=1) }}x{% end %}");
    assert!(
        matches!(&e, ShortcodeError::BadCall { what, .. } if what.contains("%}")),
        "{e}"
    );
    let e = err("{% q(a=1 b) %}x{% end %}");
    assert!(
        matches!(&e, ShortcodeError::BadCall { what, .. } if what.contains("`b`")),
        "{e}"
    );
}

#[test]
fn error_empty_body() {
    assert_eq!(
        err("\n{% q() %}{% end %}"),
        ShortcodeError::EmptyBody {
            line: 2,
            name: "q".into()
        }
    );
    assert_eq!(
        err("{%/* q() */%}{%/* end */%}"),
        ShortcodeError::EmptyBody {
            line: 1,
            name: "q".into()
        }
    );
}

#[test]
fn error_wrong_end_kind() {
    let e = err("{% a() %}\nx {%/* end */%} {% end %}");
    assert_eq!(
        e,
        ShortcodeError::WrongEnd {
            line: 2,
            found: "{%/* end */%}".into(),
            name: "a".into(),
            open_line: 1,
            expected: "{% end %}",
        }
    );
    let e = err("{%/* a() */%}x {% end %}{%/* end */%}");
    assert!(matches!(e, ShortcodeError::WrongEnd { line: 1, .. }), "{e}");
}

#[test]
fn error_integer_out_of_range() {
    let e = err("\n{{ f(n=9223372036854775808) }}");
    assert_eq!(
        e,
        ShortcodeError::IntegerOutOfRange {
            line: 2,
            name: "f".into(),
            arg: "n".into(),
            value: "9223372036854775808".into(),
        }
    );
    assert_eq!(
        args_of("{{ f(n=-9223372036854775808) }}"),
        json!({"n": i64::MIN})
    );
    assert!(matches!(
        err("{% a() %}{{ f(n=[99999999999999999999]) }}{% end %}"),
        ShortcodeError::IntegerOutOfRange { .. }
    ));
    // Not a call at all (no `)`): text, as in Zola.
    stays_text("{{ f(n=99999999999999999999 }}");
}

#[test]
fn error_line_is_exact_after_crlf_and_multibyte() {
    let e = err("é\r\n😀\r\n{% q() %}");
    assert_eq!(e.line(), 3);
}

const TRICKY: &str = "é {{ a(x=\"y\", n=[1, [2.5, 'z']], b=true) }}\r\n{% q(t=`x`) %}\n\
    body {{ c() }} {%/* e() */%}ü{%/* end */%}\n{% end %}\n{{/* d(v=-1) */}} `{{ f() }}`\n\
    {% r() %}{% s() %}x{% end %}{% end %} {{ g(\n a=1\n b='2'\n) }} {{ h }} {%/*";

#[test]
fn no_panic_on_any_prefix_or_suffix() {
    for (i, _) in TRICKY.char_indices() {
        let _ = parse(&TRICKY[..i]);
        let _ = parse(&TRICKY[i..]);
    }
    assert!(parse(TRICKY).is_ok());
}

#[test]
fn no_panic_on_random_mixes() {
    let atoms = [
        "{{",
        "}}",
        "{%",
        "%}",
        "/*",
        "*/",
        "(",
        ")",
        "end",
        " ",
        "\n",
        "\r\n",
        "=",
        ",",
        "\"",
        "'",
        "`",
        "[",
        "]",
        "a",
        "x1",
        "-",
        "0",
        "12",
        ".",
        "5",
        "true",
        "é",
        "😀",
        "{",
        "}",
        "%",
        "*",
        "\\",
        "99999999999999999999",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..4000 {
        let mut s = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 40) as usize;
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push_str(atoms[(seed % atoms.len() as u64) as usize]);
        }
        if let Ok(pieces) = parse(&s) {
            for p in pieces {
                if let Piece::Call(c) = p {
                    assert!(c.span.end <= s.len() && s.is_char_boundary(c.span.start));
                    if let Some(body) = c.body {
                        let _ = parse(&body);
                    }
                }
            }
        }
    }
}

#[test]
fn end_is_only_a_closing_tag_without_parentheses() {
    assert_eq!(args_of("{{ end() }}"), json!({}));
    let src = "{% end() %}x{% end %}";
    assert_eq!(
        ok(src),
        vec![call("end", json!({}), Some("x"), 1, 0..src.len())]
    );
    let src = "{% endx() %}x{%end%}";
    assert_eq!(
        ok(src),
        vec![call("endx", json!({}), Some("x"), 1, 0..src.len())]
    );
}

#[test]
fn float_too_large_becomes_null_like_zola() {
    let src = format!("{{{{ f(a=1{}.0) }}}}", "0".repeat(400));
    assert_eq!(args_of(&src), json!({"a": null}));
}
