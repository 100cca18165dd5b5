//! The web UI: static HTML, CSS and JavaScript compiled into the binary (no build step, no
//! CDN), served at `/ui/`, with `/` and `/ui` redirecting there. The UI reads and writes only
//! through the JSON API; this module only hands out its files.
//!
//! Every answer carries its content type, a strong `ETag` (a hash of the file) with
//! `Cache-Control: no-cache` so a browser revalidates and gets `304 Not Modified` after an
//! upgrade-free reload, and a content security policy that allows only the UI's own files and
//! the API: no inline script, no third-party origin.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// One embedded file.
struct Asset {
    /// Its path under `/ui/`.
    path: &'static str,
    /// Its content type.
    content_type: &'static str,
    /// Its bytes.
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $ty:expr) => {
        Asset { path: $path, content_type: $ty, body: include_bytes!(concat!("../../ui/", $path)) }
    };
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// Every file of the UI (a unit test checks this matches the `ui/` directory).
static ASSETS: &[Asset] = &[
    asset!("index.html", HTML),
    asset!("style.css", CSS),
    asset!("favicon.svg", SVG),
    asset!("js/main.js", JS),
    asset!("js/api.js", JS),
    asset!("js/dom.js", JS),
    asset!("js/format.js", JS),
    asset!("js/matchers.js", JS),
    asset!("js/live.js", JS),
    asset!("js/theme.js", JS),
    asset!("js/charts.js", JS),
    asset!("js/alerts.js", JS),
    asset!("js/alert_detail.js", JS),
    asset!("js/suppressed.js", JS),
    asset!("js/outages.js", JS),
    asset!("js/silences.js", JS),
    asset!("js/incidents.js", JS),
    asset!("js/analytics.js", JS),
    asset!("js/history.js", JS),
];

/// The policy: the UI's own files and the API only.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A strong validator per asset, worked out once.
static ETAGS: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| HeaderValue::from_str(&format!("\"{:016x}\"", fnv1a(a.body))).expect("hex is a valid header"))
        .collect()
});

/// FNV-1a 64: stable across builds and platforms, unlike the standard hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The UI's routes, to merge into the API router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(to_ui))
        .route("/ui", get(to_ui))
        .route("/ui/", get(|headers: HeaderMap| async move { serve("index.html", &headers) }))
        .route("/ui/{*path}", get(|Path(path): Path<String>, headers: HeaderMap| async move { serve(&path, &headers) }))
}

async fn to_ui() -> Redirect {
    // Relative, so that a reverse proxy serving triage under a prefix keeps it.
    Redirect::to("ui/")
}

/// Answers one asset, `304` when the client holds this version, `404` for an unknown path.
fn serve(path: &str, headers: &HeaderMap) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.path == path) else {
        return (StatusCode::NOT_FOUND, "404 page not found\n").into_response();
    };
    let asset = &ASSETS[i];
    let etag = ETAGS[i].clone();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag.to_str().unwrap_or_default() || t.trim() == "*"));
    let common = [
        (header::ETAG, etag),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (common, [(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type))], asset.body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_under(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                files_under(&p, root, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_file_of_the_ui_directory_is_embedded_once() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
        let mut on_disk = Vec::new();
        files_under(&root, &root, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.path.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn types_follow_extensions() {
        for a in ASSETS {
            let ext = a.path.rsplit('.').next().unwrap();
            let want = match ext {
                "html" => HTML,
                "css" => CSS,
                "js" => JS,
                "svg" => SVG,
                other => panic!("no content type for .{other}"),
            };
            assert_eq!(a.content_type, want, "{}", a.path);
        }
    }

    #[test]
    fn a_matching_validator_answers_not_modified() {
        let first = serve("style.css", &HeaderMap::new());
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()[header::ETAG].clone();
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, etag);
        assert_eq!(serve("style.css", &h).status(), StatusCode::NOT_MODIFIED);
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"0\""));
        assert_eq!(serve("style.css", &h).status(), StatusCode::OK);
        assert_eq!(serve("../Cargo.toml", &HeaderMap::new()).status(), StatusCode::NOT_FOUND);
    }
}
