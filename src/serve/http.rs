//! The HTTP side of `sitegen serve`: files from the serve output directory (never from
//! anywhere else), the live-reload script injected into HTML, and the event stream.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use super::Shared;

const RELOAD_JS: &str = include_str!("livereload.js");

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(text.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    no_store(response)
}

fn no_store(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The relative file path a request names, or the status to refuse it with. Refused: encoded
/// slashes or backslashes, NUL, and `.`/`..` segments (before or after decoding).
pub fn request_path(raw: &str) -> Result<PathBuf, StatusCode> {
    let lower = raw.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") || raw.contains('\\')
    {
        return Err(StatusCode::BAD_REQUEST);
    }
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    let mut path = PathBuf::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == ".." || segment == "." || segment.contains('\0') {
            return Err(StatusCode::BAD_REQUEST);
        }
        path.push(segment);
    }
    Ok(path)
}

/// Inserts the live-reload script before `</body>` (or at the end).
fn inject(html: &str, generation: u64) -> String {
    let tag = format!(
        "<script src=\"/__sitegen/livereload.js\" data-generation=\"{generation}\"></script>"
    );
    match html.rfind("</body>") {
        Some(at) => format!("{}{tag}\n{}", &html[..at], &html[at..]),
        None => format!("{html}{tag}\n"),
    }
}

fn file_response(path: &Path, status: StatusCode, shared: &Shared) -> Response<Body> {
    let Ok(bytes) = std::fs::read(path) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let is_html = mime.essence_str() == "text/html";
    let body = if is_html {
        Body::from(inject(
            &String::from_utf8_lossy(&bytes),
            shared.generation(),
        ))
    } else {
        Body::from(bytes)
    };
    let content_type = if is_html {
        "text/html; charset=utf-8".to_string()
    } else {
        mime.to_string()
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    no_store(response)
}

fn not_found(shared: &Shared) -> Response<Body> {
    let page = shared.out_dir.join("404.html");
    if page.is_file() {
        file_response(&page, StatusCode::NOT_FOUND, shared)
    } else {
        plain(StatusCode::NOT_FOUND, "not found")
    }
}

/// Serves a file of the output directory.
pub async fn serve_file(
    State(shared): State<Arc<Shared>>,
    request: Request<Body>,
) -> Response<Body> {
    let raw = request.uri().path().to_string();
    let rel = match request_path(&raw) {
        Ok(rel) => rel,
        Err(status) => return plain(status, "bad request"),
    };
    let Ok(root) = shared.out_dir.canonicalize() else {
        return not_found(&shared);
    };
    let Ok(target) = root.join(&rel).canonicalize() else {
        return not_found(&shared);
    };
    // Symlinks are resolved above: whatever they point at must still be inside the root.
    if !target.starts_with(&root) {
        return not_found(&shared);
    }
    if target.is_dir() {
        if !raw.ends_with('/') {
            let query = request
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let mut response = plain(StatusCode::PERMANENT_REDIRECT, "moved");
            if let Ok(location) = HeaderValue::from_str(&format!("{raw}/{query}")) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            return response;
        }
        let index = target.join("index.html");
        return if index.is_file() {
            file_response(&index, StatusCode::OK, &shared)
        } else {
            not_found(&shared)
        };
    }
    file_response(&target, StatusCode::OK, &shared)
}

/// The live-reload script.
pub async fn reload_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        RELOAD_JS,
    )
}

/// Server-sent events: first the current state (`generation`, and `build-error` if the last
/// build failed), then one event per rebuild.
pub async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = shared.events.subscribe();
    let mut first = vec![Event::default()
        .event("generation")
        .data(shared.generation().to_string())];
    if let Some(error) = shared.last_error() {
        first.push(
            Event::default()
                .event("build-error")
                .data(error_json(&error)),
        );
    }
    let updates = BroadcastStream::new(receiver)
        .filter_map(|message| message.ok())
        .map(|m| m.into_event());
    let stream = tokio_stream::iter(first).chain(updates).map(Ok);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// JSON string of an error message (for the overlay).
pub fn error_json(message: &str) -> String {
    serde_json::Value::String(message.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_are_confined() {
        assert_eq!(request_path("/blog/a/").unwrap(), PathBuf::from("blog/a"));
        assert_eq!(
            request_path("//etc/passwd").unwrap(),
            PathBuf::from("etc/passwd")
        );
        assert_eq!(request_path("/caf%C3%A9/").unwrap(), PathBuf::from("café"));
        for bad in [
            "/../x",
            "/a/../../x",
            "/%2e%2e/x",
            "/..%2fx",
            "/a%2Fb",
            "/a%5cb",
            "/a\\b",
            "/%00",
            "/./x",
        ] {
            assert_eq!(request_path(bad), Err(StatusCode::BAD_REQUEST), "{bad}");
        }
    }

    #[test]
    fn script_goes_before_body_end() {
        assert_eq!(
            inject("<p>x</p></body></html>", 3),
            "<p>x</p><script src=\"/__sitegen/livereload.js\" data-generation=\"3\"></script>\n</body></html>"
        );
        assert!(inject("<p>x</p>", 1).ends_with("</script>\n"));
    }
}
