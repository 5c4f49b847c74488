//! A raw HTTP/1.1 client for tests: it sends paths exactly as given (no normalisation), which
//! traversal tests need, and reads server-sent events as they arrive.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response: status, lower-cased header block, body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
    }
}

/// Sends one request and reads the whole response (`Connection: close`).
pub fn request(port: u16, method: &str, path: &str, body: Option<&str>) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    // Read the head, then exactly the body its headers announce (some servers keep the
    // connection open despite `Connection: close`).
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = head.lines().skip(1).collect::<Vec<_>>().join("\n");
    let lower = headers.to_ascii_lowercase();
    let length = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mut raw = Vec::new();
    match length {
        Some(n) => {
            raw.resize(n, 0);
            reader.read_exact(&mut raw)?;
        }
        None if lower.contains("transfer-encoding: chunked") => loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            raw.extend_from_slice(&chunk[..n]);
        },
        None => {
            reader.read_to_end(&mut raw)?;
        }
    }
    let body = String::from_utf8_lossy(&raw).into_owned();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// GET `path`.
pub fn get(port: u16, path: &str) -> Reply {
    request(port, "GET", path, None).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// An open server-sent-events stream.
pub struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    pub fn connect(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        // HTTP/1.0: the stream comes without chunked framing, one line per SSE line.
        write!(
            stream,
            "GET /__sitegen/events HTTP/1.0\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
            line.clear();
        }
        Events { reader }
    }

    /// Reads events until one named `name`; returns its data.
    pub fn wait_for(&mut self, name: &str) -> String {
        let mut current = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("event stream ended before `{name}`");
            }
            let l = line.trim_end();
            if let Some(event) = l.strip_prefix("event:") {
                current = event.trim().to_string();
            } else if let Some(data) = l.strip_prefix("data:") {
                if current == name {
                    return data.trim().to_string();
                }
            }
        }
    }
}
