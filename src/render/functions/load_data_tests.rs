//! Tests of `load_data`: formats from files and literals, `required`, errors, and URLs served
//! by a one-shot local HTTP server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::thread::JoinHandle;

use serde_json::json;

use super::*;

fn site(files: &[(&str, &[u8])]) -> (tempfile::TempDir, FileScope) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        crate::output::atomic_write(path, bytes).unwrap();
    }
    let s = scope(dir.path(), Network::Allowed);
    (dir, s)
}

fn scope(root: &Path, network: Network) -> FileScope {
    FileScope::new(
        root.to_path_buf(),
        None,
        root.join(".sitegen/downloads"),
        network,
    )
}

fn call(scope: &FileScope, args: Value) -> TeraResult<Value> {
    let args: HashMap<String, Value> = serde_json::from_value(args).unwrap();
    load_data(&args, scope)
}

fn err(scope: &FileScope, args: Value) -> String {
    call(scope, args).unwrap_err().to_string()
}

const FILES: &[(&str, &[u8])] = &[
    ("content/blog/data.toml", b"title = \"T\"\nn = [1, 2]\n"),
    ("data/d.json", b"{\"key\": \"value\", \"n\": 5}"),
    ("static/d.csv", b"Number,Title\n1,Gutenberg\n2,Printing\n"),
    ("d.yaml", b"key: value\nlist: [1, 2]\n"),
    ("d.yml", b"\xef\xbb\xbfkey: yml\n"),
    ("d.xml", b"<root><key>value</key><n>1</n><n>2</n></root>"),
    ("d.bibtex", b"@misc{k1, title = \"Zola\"}"),
    ("d.txt", b"just text\n"),
    ("d.weird", b"{\"a\": 1}"),
    ("bad.csv", b"a,b\n1,2,3\n"),
    ("latin1.txt", b"caf\xe9"),
];

#[test]
fn every_format_from_files() {
    let (_dir, s) = site(FILES);
    let load = |path: &str| call(&s, json!({ "path": path })).unwrap();
    assert_eq!(load("@/blog/data.toml"), json!({"title": "T", "n": [1, 2]}));
    assert_eq!(load("data/d.json"), json!({"key": "value", "n": 5}));
    assert_eq!(
        load("d.csv"),
        json!({"headers": ["Number", "Title"], "records": [["1", "Gutenberg"], ["2", "Printing"]]})
    );
    assert_eq!(load("d.yaml"), json!({"key": "value", "list": [1, 2]}));
    assert_eq!(load("d.yml"), json!({"key": "yml"}));
    assert_eq!(
        load("d.xml"),
        json!({"root": {"key": "value", "n": [1, 2]}})
    );
    assert_eq!(
        load("d.bibtex")["bibliographies"],
        json!([{"entry_type": "misc", "citation_key": "k1", "tags": {"title": "Zola"}}])
    );
    assert_eq!(load("d.txt"), json!("just text\n"));
    assert_eq!(load("d.weird"), json!("{\"a\": 1}"));
}

#[test]
fn format_overrides_the_extension() {
    let (_dir, s) = site(FILES);
    assert_eq!(
        call(&s, json!({"path": "d.csv", "format": "plain"})).unwrap(),
        json!("Number,Title\n1,Gutenberg\n2,Printing\n")
    );
    assert_eq!(
        call(&s, json!({"path": "d.weird", "format": "JSON"})).unwrap(),
        json!({"a": 1})
    );
    assert!(err(&s, json!({"path": "d.txt", "format": "ini"})).contains("ini"));
}

#[test]
fn literals() {
    let (_dir, s) = site(&[]);
    assert_eq!(
        call(
            &s,
            json!({"literal": "{\"name\": \"bob\"}", "format": "json"})
        )
        .unwrap(),
        json!({"name": "bob"})
    );
    assert_eq!(
        call(&s, json!({"literal": "{\"name\": \"bob\"}"})).unwrap(),
        json!("{\"name\": \"bob\"}")
    );
    assert_eq!(
        call(&s, json!({"literal": "a,b\n1,2", "format": "csv"})).unwrap(),
        json!({"headers": ["a", "b"], "records": [["1", "2"]]})
    );
    assert_eq!(
        call(&s, json!({"literal": "<a x=\"1\">t</a>", "format": "xml"})).unwrap(),
        json!({"a": {"@x": 1, "#text": "t"}})
    );
    assert_eq!(
        call(&s, json!({"literal": "k = 1", "format": "toml"})).unwrap(),
        json!({"k": 1})
    );
    assert_eq!(
        call(&s, json!({"literal": "k: [a]", "format": "yaml"})).unwrap(),
        json!({"k": ["a"]})
    );
    let bib = call(
        &s,
        json!({"literal": "@article{x, year = 2020}", "format": "bibtex"}),
    );
    assert_eq!(bib.unwrap()["bibliographies"][0]["tags"]["year"], "2020");
    let parse = err(&s, json!({"literal": "{", "format": "json"}));
    assert!(
        parse.contains("the literal") && parse.contains("JSON"),
        "{parse}"
    );
}

#[test]
fn required_false_gives_null_only_for_missing_data() {
    let (dir, s) = site(FILES);
    let missing = err(&s, json!({"path": "nope.toml"}));
    assert!(
        missing.contains("load_data") && missing.contains("nope.toml"),
        "{missing}"
    );
    assert!(
        missing.contains(&dir.path().display().to_string()),
        "{missing}"
    );
    assert_eq!(
        call(&s, json!({"path": "nope.toml", "required": false})).unwrap(),
        Value::Null
    );
    // Bad data is an error either way, and names the file.
    for required in [true, false] {
        let bad = err(&s, json!({"path": "bad.csv", "required": required}));
        assert!(bad.contains("bad.csv") && bad.contains("CSV"), "{bad}");
    }
    assert!(err(&s, json!({"path": "d.txt", "required": "no"})).contains("required"));
}

#[test]
fn argument_errors() {
    let (_dir, s) = site(FILES);
    assert!(err(&s, json!({})).contains("exactly one"));
    assert!(err(&s, json!({"path": "d.txt", "literal": "x"})).contains("exactly one"));
    assert_eq!(
        call(
            &s,
            json!({"path": "d.txt", "literal": "x", "required": false})
        )
        .unwrap(),
        Value::Null
    );
    let outside = err(&s, json!({"path": "../../etc/passwd"}));
    assert!(
        outside.contains("outside the site") && outside.contains("../../etc/passwd"),
        "{outside}"
    );
    assert_eq!(
        call(&s, json!({"path": "../x", "required": false})).unwrap(),
        Value::Null
    );
    assert!(err(&s, json!({"literal": "x", "method": "PUT"})).contains("PUT"));
    assert!(err(&s, json!({"literal": "x", "headers": "a=b"})).contains("headers"));
    assert!(err(&s, json!({"literal": "x", "headers": ["novalue"]})).contains("headers"));
    assert!(err(&s, json!({"literal": "x", "headers": ["a b=c"]})).contains("a b=c"));
    assert!(err(&s, json!({"path": 3})).contains("`path`"));
}

#[test]
fn encoding_is_utf8_only() {
    let (_dir, s) = site(FILES);
    assert_eq!(
        call(&s, json!({"path": "d.txt", "encoding": "UTF-8"})).unwrap(),
        json!("just text\n")
    );
    assert!(err(&s, json!({"path": "d.txt", "encoding": "latin-1"})).contains("latin-1"));
    let not_utf8 = err(&s, json!({"path": "latin1.txt"}));
    assert!(
        not_utf8.contains("latin1.txt") && not_utf8.contains("UTF-8"),
        "{not_utf8}"
    );
}

#[test]
fn records_files_read() {
    let (dir, s) = site(FILES);
    call(&s, json!({"path": "d.csv"})).unwrap();
    call(&s, json!({"path": "missing.csv", "required": false})).unwrap();
    let read = s.files_read();
    assert!(read.contains(&dir.path().join("static/d.csv")), "{read:?}");
    // A missing file is recorded where it was looked for: creating it is a change.
    assert!(read.contains(&dir.path().join("missing.csv")), "{read:?}");
}

/// Serves one HTTP request with `status` and `body`; the join handle returns the request.
fn serve_once(status: &str, body: &'static str) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let status = status.to_string();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut request = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
            request.push_str(&line);
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut content = vec![0; length];
        reader.read_exact(&mut content).unwrap();
        request.push_str(&String::from_utf8(content).unwrap());
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = reader.into_inner();
        stream.write_all(reply.as_bytes()).unwrap();
        stream.flush().unwrap();
        request
    });
    (url, handle)
}

#[test]
fn url_is_fetched_once_then_served_from_the_cache() {
    let (dir, s) = site(&[]);
    let (base, server) = serve_once("200 OK", r#"{"name": "zola"}"#);
    let url = format!("{base}/repo");
    let args = json!({"url": url, "format": "json", "headers": ["x-token=abc"]});
    assert_eq!(call(&s, args.clone()).unwrap(), json!({"name": "zola"}));
    let request = server.join().unwrap().to_ascii_lowercase();
    assert!(request.starts_with("get /repo "), "{request}");
    assert!(request.contains("accept: application/json"), "{request}");
    assert!(request.contains("x-token: abc"), "{request}");
    // The server is gone: the second load (even offline) comes from the cache.
    assert_eq!(call(&s, args.clone()).unwrap(), json!({"name": "zola"}));
    let offline = scope(dir.path(), Network::Offline);
    assert_eq!(call(&offline, args).unwrap(), json!({"name": "zola"}));
    // A URL is not a local file.
    assert!(s.files_read().is_empty());
    // Another request is not in the cache: offline, that is an error naming the URL.
    let other = format!("{base}/other");
    let e = err(&offline, json!({"url": other}));
    assert!(e.contains(&other) && e.contains("network is off"), "{e}");
    assert_eq!(
        call(&offline, json!({"url": other, "required": false})).unwrap(),
        Value::Null
    );
}

#[test]
fn post_sends_body_and_content_type_and_caches_per_body() {
    let (_dir, s) = site(&[]);
    let (base, server) = serve_once("200 OK", "first");
    let args = |body: &str| {
        json!({"url": format!("{base}/render"), "method": "post", "body": body,
            "content_type": "text/plain"})
    };
    assert_eq!(call(&s, args("one")).unwrap(), json!("first"));
    let request = server.join().unwrap();
    assert!(request.starts_with("POST /render "), "{request}");
    assert!(request
        .to_ascii_lowercase()
        .contains("content-type: text/plain"));
    assert!(request.ends_with("\r\n\r\none"), "{request}");
    // Same request: cached. Another body: a new request (which fails: no server).
    assert_eq!(call(&s, args("one")).unwrap(), json!("first"));
    let e = err(&s, args("two"));
    assert!(e.contains(&format!("{base}/render")), "{e}");
}

#[test]
fn http_errors_name_the_url_unless_not_required() {
    let (_dir, s) = site(&[]);
    let (base, server) = serve_once("404 Not Found", "{}");
    let url = format!("{base}/missing");
    let e = err(&s, json!({"url": url}));
    assert!(e.contains(&url) && e.contains("404"), "{e}");
    server.join().unwrap();
    // Nothing was cached for a failed request; with the server gone it is still missing.
    assert_eq!(
        call(&s, json!({"url": url, "required": false})).unwrap(),
        Value::Null
    );
    let e = err(&s, json!({"url": "ftp://example.com/x"}));
    assert!(e.contains("ftp://example.com/x"), "{e}");
    assert_eq!(
        call(&s, json!({"url": "not a url", "required": false})).unwrap(),
        Value::Null
    );
}
