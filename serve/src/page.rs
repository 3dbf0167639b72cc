//! The playground: one self-contained page (no fetch leaves the service)
//! that edits a policy and shows what the API says of it as you type.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// What the page may do: its own inline script and style, requests to this
/// service only, images from data URLs (the diagram); nothing else.
const POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
    connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub async fn page() -> Response {
    let page = include_str!("playground.html");
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, POLICY),
    ];
    (headers, page).into_response()
}
