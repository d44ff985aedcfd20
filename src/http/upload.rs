//! The body of an upload, read with the size limit checked as it arrives (and against a
//! declared `Content-Length` before anything is read), and the API error of a refused file.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use serde_json::json;

use crate::http::{ApiError, Lang};
use crate::upload::{isolate, Refusal, Table, MAX_BYTES};

/// Uploads received and read at once in this process: with the 20 MiB limit, their bodies
/// hold at most 160 MiB (the children that read them are bounded separately, in `isolate`).
static RECEIVING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);

/// An uploaded table, through the whole gate: a turn among the uploads in progress, the body
/// under the size limit, then the table read in a child process.
pub async fn upload_table(req: &HttpRequest, payload: web::Payload, lang: Lang) -> Result<Table, ApiError> {
    let Ok(Ok(_turn)) = tokio::time::timeout(isolate::WALL, RECEIVING.acquire()).await else {
        return Err(rejected(lang, isolate::busy()));
    };
    let body = receive(req, payload, lang).await?;
    crate::upload::table(body).await.map_err(|r| rejected(lang, r))
}

pub async fn receive(req: &HttpRequest, mut payload: web::Payload, lang: Lang) -> Result<web::Bytes, ApiError> {
    let declared = req.headers().get("content-length").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BYTES as u64) {
        return Err(rejected(lang, Refusal::too_large()));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::new(lang, StatusCode::BAD_REQUEST, "bad_request"))?;
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(rejected(lang, Refusal::too_large()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The answer to a refused file: `payload_too_large` (413) over the size limit, `rate_limited`
/// (429) when too many files are being read at once, else `import_failed` (422). The limit is
/// named in `details.limit` and, for a person, in `details.rows[0].message`.
pub fn rejected(lang: Lang, refusal: Refusal) -> ApiError {
    let (status, code) = match refusal.limit.as_str() {
        "bytes" => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        "busy" => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "import_failed"),
    };
    let row = json!({"row": 0, "column": null, "message": refusal.message(lang)});
    ApiError {
        details: Some(json!({"limit": refusal.limit, "rows": [row]})),
        retry_after: (code == "rate_limited").then_some(10),
        ..ApiError::new(lang, status, code)
    }
}
