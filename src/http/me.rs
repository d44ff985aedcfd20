//! A participant's own data (`/api/me/…`, with the credential of registration or login):
//! download everything stored about them, erase it, and answer the satisfaction survey.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::download::{self, Data, Kind};
use super::{ApiError, AppState, Lang, ParticipantAuth};
use crate::http::admin::survey;
use crate::privacy::{self, ErasedBy};

/// The participant behind a credential, refused once erased (`participant_erased`) or gone.
/// Returns the contest's organisation for the audit log.
async fn current(state: &AppState, auth: &ParticipantAuth, lang: Lang) -> Result<Option<i64>, ApiError> {
    let row: Option<(Option<i64>, bool)> = sqlx::query_as(
        "SELECT c.organisation_id, p.erased_at IS NOT NULL FROM participants p JOIN contests c ON c.id = p.contest_id \
         WHERE p.id = $1 AND p.contest_id = $2",
    )
    .bind(auth.0.participant_id)
    .bind(auth.0.contest_id)
    .fetch_optional(&state.pg)
    .await?;
    match row {
        None => Err(ApiError::new(lang, StatusCode::UNAUTHORIZED, "unauthorized")),
        Some((_, true)) => Err(ApiError::new(lang, StatusCode::GONE, "participant_erased")),
        Some((org, false)) => Ok(org),
    }
}

/// `GET /api/me/data`: everything stored about the participant, as a JSON download.
pub async fn data(
    req: actix_web::HttpRequest,
    auth: ParticipantAuth,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let org = current(&state, &auth, lang).await?;
    let id = auth.0.participant_id;
    let body = privacy::personal_data(&state.pg, &state.keys, id)
        .await?
        .ok_or_else(|| ApiError::new(lang, StatusCode::UNAUTHORIZED, "unauthorized"))?;
    crate::audit::record(
        &state.pg,
        org,
        None,
        "participant.data_download",
        ("participant", Some(id.to_string())),
        state.client_address(&req).as_deref(),
        json!({"by": "participant"}),
    )
    .await?;
    Ok(download::start(Kind::Json, &format!("du-lieu-ca-nhan-{id}.json"), Data::Personal).json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    confirm: bool,
}

/// `POST /api/me/erase`: immediate erasure (the law's right to deletion needs no organiser
/// in between); results stay, anonymised, so rankings do not move. Audited.
pub async fn erase(
    req: actix_web::HttpRequest,
    auth: ParticipantAuth,
    body: web::Json<EraseBody>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let org = current(&state, &auth, lang).await?;
    if !body.confirm {
        return Err(ApiError::invalid_fields(
            lang,
            &[crate::domain::FieldError { field: "confirm", code: "required" }],
        ));
    }
    let id = auth.0.participant_id;
    let mut tx = state.pg.begin().await?;
    if !privacy::erase_participant(&mut tx, id, ErasedBy::Participant).await? {
        return Err(ApiError::new(lang, StatusCode::GONE, "participant_erased"));
    }
    crate::audit::record(
        &mut *tx,
        org,
        None,
        "participant.erase",
        ("participant", Some(id.to_string())),
        state.client_address(&req).as_deref(),
        json!({"by": "participant"}),
    )
    .await?;
    tx.commit().await?;
    state.revocations.erased(&state.redis, id).await;
    tracing::info!(participant.id = id, "participant erased their personal data");
    Ok(HttpResponse::Ok().json(json!({"participant_id": id, "erased": true})))
}

/// `POST /api/me/survey`: 1–5 and an optional comment, once per submitted attempt.
pub async fn answer_survey(
    auth: ParticipantAuth,
    body: web::Json<survey::SurveyBody>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    current(&state, &auth, lang).await?;
    survey::record(&state, &auth.0, body.into_inner(), lang).await?;
    Ok(HttpResponse::Created().json(json!({"recorded": true})))
}

#[derive(Deserialize)]
pub struct SurveyQuery {
    round_id: i64,
    attempt_id: uuid::Uuid,
}

/// `GET /api/me/survey`: whether this attempt's survey is already answered.
pub async fn survey_status(
    auth: ParticipantAuth,
    query: web::Query<SurveyQuery>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    current(&state, &auth, lang).await?;
    let answered = survey::answered(&state, &auth.0, query.round_id, query.attempt_id, lang).await?;
    Ok(HttpResponse::Ok().json(json!({"answered": answered})))
}
