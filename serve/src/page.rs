//! The playground: one self-contained page (no fetch leaves the service)
//! that edits a policy and shows what the API says of it as you type.

use axum::http::header;
use axum::response::{IntoResponse, Response};

pub async fn page() -> Response {
    let page = include_str!("playground.html");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}
