//! The site's static files, served by the platform itself (no request leaves its host):
//! each under a name with its content's hash (`/static/site.3f2a9c1b0d4e.css`), so a
//! browser or CDN may keep it for a year and a new release is a new name; and
//! `/favicon.ico`, which browsers ask for by that name.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One file: its hashed name, its type and its bytes.
struct Asset {
    source: &'static str,
    name: String,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The files, by their name in `static/`.
const FILES: [(&str, &str, &[u8]); 2] = [
    (
        "site.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/site.css"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../static/icon.svg"),
    ),
];

const FAVICON: &[u8] = include_bytes!("../../static/favicon.ico");

fn assets() -> &'static [Asset] {
    static ASSETS: OnceLock<Vec<Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        FILES
            .iter()
            .map(|(file, content_type, bytes)| {
                let hash: String = Sha256::digest(bytes)[..6]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
                Asset {
                    source: file,
                    name: format!("{stem}.{hash}.{ext}"),
                    content_type,
                    bytes,
                }
            })
            .collect()
    })
}

/// The address of a static file by its name in `static/` (`site.css`), as pages link it.
pub fn href(file: &str) -> String {
    assets().iter().find(|a| a.source == file).map_or_else(
        || format!("/static/{file}"),
        |a| format!("/static/{}", a.name),
    )
}

/// `GET /static/{file}`: a hashed name is the file for a year (it never changes under that
/// name); any other name is not found.
pub async fn file(Path(name): Path<String>) -> Response {
    match assets().iter().find(|a| a.name == name) {
        Some(a) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(a.content_type),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            a.bytes,
        )
            .into_response(),
        None => super::PageError::new(StatusCode::NOT_FOUND, "请求的地址不存在").into_response(),
    }
}

/// `GET /favicon.ico`, for a day (its name cannot change).
pub async fn favicon() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/x-icon"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        FAVICON,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_is_named_by_its_content() {
        let css = href("site.css");
        assert!(
            css.starts_with("/static/site.") && css.ends_with(".css"),
            "{css}"
        );
        assert_eq!(css.len(), "/static/site.".len() + 12 + ".css".len());
        let icon = href("icon.svg");
        assert!(
            icon.starts_with("/static/icon.") && icon.ends_with(".svg"),
            "{icon}"
        );
        assert_ne!(css, icon);
    }
}
