//! Registration and return: one participant per phone (and per CCCD) per contest. Phone and
//! CCCD are stored encrypted, unique by keyed HMAC, and never logged.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, AppState, Lang};
use crate::crypto::Credential;
use crate::domain::cccd::Cccd;
use crate::domain::occupation::Occupation;
use crate::domain::person::{parse_dob, FullName, Sex};
use crate::domain::phone::Phone;
use crate::domain::{units, FieldError};
use crate::store::pg;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    full_name: Option<String>,
    dob: Option<String>,
    sex: Option<String>,
    phone: Option<String>,
    cccd: Option<String>,
    commune_code: Option<String>,
    unit_code: Option<String>,
    /// One of src/domain/occupation.rs; required when the contest says so.
    occupation: Option<String>,
    consent: Option<ConsentBody>,
    /// Closed contests (e.g. one agency's) give their entrants a password.
    contest_password: Option<String>,
    /// The share code of the participant whose link brought this one (`/c/{slug}?ref=CODE`).
    referral: Option<String>,
    /// A random id the page keeps in the browser; stored only as a keyed HMAC, to spot many
    /// registrations from one device (src/abuse).
    device_id: Option<String>,
    /// The solved challenge, when the previous try answered `pow_required`.
    pow: Option<crate::pow::Solution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    given: bool,
    version: String,
}

fn required<'a>(value: &'a Option<String>, field: &'static str, errors: &mut Vec<FieldError>) -> Option<&'a str> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Some(v),
        _ => {
            errors.push(FieldError { field, code: "required" });
            None
        }
    }
}

fn collect<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// Today in Vietnam: ages and birth dates are counted in Asia/Ho_Chi_Minh.
fn today_vn() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

fn credential_response(
    state: &AppState,
    status: StatusCode,
    participant_id: i64,
    contest_id: i64,
    name: &str,
    referral_code: &str,
) -> HttpResponse {
    let token =
        state.keys.sign_credential(Credential { participant_id, contest_id, issued_at_s: Utc::now().timestamp() });
    HttpResponse::build(status).json(
        json!({"participant_id": participant_id, "token": token, "display_name": name, "referral_code": referral_code}),
    )
}

/// The participant's share code; a failure to record it never fails a registration or login.
async fn referral_code(state: &AppState, participant_id: i64, contest_id: i64, referred_by: Option<&str>) -> String {
    match crate::referral::record(&state.pg, &state.keys, participant_id, contest_id, referred_by).await {
        Ok(code) => code,
        Err(e) => {
            tracing::warn!(participant.id = participant_id, error = %crate::telemetry::db_error(&e), "referral not recorded");
            crate::referral::code_of(&state.keys, participant_id)
        }
    }
}

/// `pow_required` (428) with the challenge to solve in `details.pow`.
pub fn pow_refusal(e: crate::pow::PowError, lang: Lang) -> ApiError {
    match e {
        crate::pow::PowError::Required(challenge) => ApiError {
            details: Some(json!({"pow": challenge})),
            ..ApiError::new(lang, StatusCode::PRECONDITION_REQUIRED, "pow_required")
        },
        crate::pow::PowError::Store(cause) => ApiError::redis(lang, &cause),
    }
}

pub async fn register(
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    body: web::Json<RegisterBody>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let address = state.client_address(&req).unwrap_or_default();
    let b = body.into_inner();
    // Before any costly work (the contest lookup, the contest password's argon2), and before
    // the address's floor: a challenged request costs the server a signature, and counting it
    // there would halve what a school behind one address can register in a minute.
    let device = b.device_id.as_deref().map(str::trim).filter(|v| !v.is_empty());
    let who = crate::pow::Requester::Registrant { address: &address, device };
    state.pow.check(who, b.pow.as_ref()).await.map_err(|e| pow_refusal(e, lang))?;
    state.limit(&state.limiters.register_address, &address, lang)?;
    let contest = pg::contest_by_slug(&state.pg, &path)
        .await?
        .ok_or_else(|| ApiError::new(lang, StatusCode::NOT_FOUND, "not_found"))?;
    let now = Utc::now();
    let window_open = contest.registration_opens_at.is_none_or(|t| t <= now)
        && contest.registration_closes_at.is_none_or(|t| now < t);
    if !window_open {
        return Err(ApiError::new(lang, StatusCode::FORBIDDEN, "registration_closed"));
    }
    if let Some(hash) = &contest.password_hash {
        // Counted before the hash: guesses at the contest password cannot pile up hashes.
        let key = format!("{}:{address}", contest.id);
        let limit = &crate::auth::CONTEST_PASSWORD_PER_ADDRESS;
        if let Some(retry) = state.throttle.reserve(limit, &key).await.map_err(|e| ApiError::internal(lang, &e))? {
            return Err(ApiError {
                retry_after: Some(retry),
                ..ApiError::new(lang, StatusCode::TOO_MANY_REQUESTS, "rate_limited")
            });
        }
        let given = b.contest_password.as_deref().unwrap_or_default();
        let right = state.hasher.verify(given, Some(hash)).await.map_err(|e| ApiError::hashing(lang, &e))?;
        if right {
            state.throttle.refund(limit, &key).await.map_err(|e| ApiError::internal(lang, &e))?;
        } else {
            return Err(ApiError {
                field: Some("contest_password"),
                ..ApiError::new(lang, StatusCode::FORBIDDEN, "contest_password")
            });
        }
    }
    let mut errors = Vec::new();

    let name = required(&b.full_name, "full_name", &mut errors).and_then(|v| collect(FullName::parse(v), &mut errors));
    let min_age = contest.min_age.map(|a| a.max(0) as u32);
    let dob =
        required(&b.dob, "dob", &mut errors).and_then(|v| collect(parse_dob(v, today_vn(), min_age), &mut errors));
    let sex = required(&b.sex, "sex", &mut errors).and_then(|v| collect(Sex::parse(v), &mut errors));
    let phone = required(&b.phone, "phone", &mut errors).and_then(|v| collect(Phone::parse(v), &mut errors));
    let cccd_input = b.cccd.as_deref().map(str::trim).filter(|v| !v.is_empty());
    let cccd = match (cccd_input, dob, sex) {
        (Some(v), Some(dob), Some(sex)) => collect(Cccd::parse(v, dob, sex), &mut errors),
        (None, _, _) if contest.cccd_required => {
            errors.push(FieldError { field: "cccd", code: "required" });
            None
        }
        _ => None,
    };
    let listed = |name: &str| -> Vec<&str> {
        let values = contest.eligibility.get(name).and_then(|p| p.as_array());
        values.map(|a| a.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default()
    };
    let (provinces, communes) = (listed("provinces"), listed("communes"));
    let scope = contest.scope();
    let commune = required(&b.commune_code, "commune_code", &mut errors).and_then(|code| {
        let found = units::commune(code);
        match found {
            None => errors.push(FieldError { field: "commune_code", code: "unknown_commune" }),
            // Contests limited to people who live or work in some provinces or communes.
            Some(c)
                if (!provinces.is_empty() || !communes.is_empty())
                    && !provinces.contains(&c.province_code.as_str())
                    && !communes.contains(&c.code.as_str()) =>
            {
                errors.push(FieldError { field: "commune_code", code: "not_eligible" })
            }
            // The commune picker offers only the contest's scope; a request naming another
            // commune did not come from it.
            Some(c) if !scope.contains(c) => errors.push(FieldError { field: "commune_code", code: "outside_scope" }),
            Some(_) => {}
        }
        found
    });
    let device_id = b.device_id.as_deref().map(str::trim).filter(|v| !v.is_empty());
    if device_id.is_some_and(|d| d.chars().count() > 128) {
        errors.push(FieldError { field: "device_id", code: "too_long" });
    }
    let commune_is_unit = contest.unit_mode == "commune";
    let unit_code = if commune_is_unit {
        // The participant's unit is their commune: no unit list to pick from.
        commune.map(|c| c.code.clone())
    } else {
        required(&b.unit_code, "unit_code", &mut errors).map(str::to_string)
    };
    if let (Some(code), false) = (&unit_code, commune_is_unit) {
        if !pg::unit_exists(&state.pg, contest.id, code).await? {
            errors.push(FieldError { field: "unit_code", code: "unknown_unit" });
        }
    }
    let occupation = match b.occupation.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => collect(Occupation::parse(v), &mut errors),
        None if contest.occupation_required => {
            errors.push(FieldError { field: "occupation", code: "required" });
            None
        }
        None => None,
    };
    let consent_ok = b.consent.as_ref().is_some_and(|c| c.given && c.version == contest.consent_version);
    if !consent_ok {
        errors.push(FieldError { field: "consent", code: "consent_required" });
    }
    let (Some(name), Some(dob), Some(sex), Some(phone), Some(commune), Some(unit_code), true) =
        (name, dob, sex, phone, commune, unit_code, errors.is_empty())
    else {
        return Err(ApiError::invalid_fields(lang, &errors));
    };

    let keys = &state.keys;
    state.limit(&state.limiters.register_phone, &hex::encode(keys.lookup_hmac("phone", phone.as_str())), lang)?;
    // The commune's unit row and the participant together: a refused registration adds nothing.
    let mut tx = state.pg.begin().await?;
    if commune_is_unit {
        pg::ensure_commune_unit(&mut tx, contest.id, commune).await?;
    }
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO participants (contest_id, full_name, dob, sex, phone_enc, phone_hmac, phone_masked, cccd_enc, \
         cccd_hmac, commune_code, units_version, unit_code, consent_at, consent_version, occupation, address_hmac, device_hmac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now(), $13, $14, $15, $16) RETURNING id",
    )
    .bind(contest.id)
    .bind(name.as_str())
    .bind(dob)
    .bind(sex.as_str())
    .bind(keys.encrypt(phone.as_str()))
    .bind(keys.lookup_hmac("phone", phone.as_str()))
    .bind(phone.masked())
    .bind(cccd.as_ref().map(|c| keys.encrypt(c.as_str())))
    .bind(cccd.as_ref().map(|c| keys.lookup_hmac("cccd", c.as_str())))
    .bind(&commune.code)
    .bind(units::DATA_VERSION)
    .bind(&unit_code)
    .bind(&contest.consent_version)
    .bind(occupation.map(Occupation::as_str))
    .bind((!address.is_empty()).then(|| keys.lookup_hmac("address", &address)))
    .bind(device_id.map(|d| keys.lookup_hmac("device", d)))
    .fetch_one(&mut *tx)
    .await;
    match inserted {
        Ok(id) => {
            tx.commit().await?;
            state.pow.registered(device_id);
            tracing::info!(participant.id = id, contest.id = contest.id, phone = %phone.masked(), "participant registered");
            let code = referral_code(&state, id, contest.id, b.referral.as_deref()).await;
            Ok(credential_response(&state, StatusCode::CREATED, id, contest.id, name.as_str(), &code))
        }
        Err(sqlx::Error::Database(db)) if db.constraint().is_some_and(|c| c.contains("phone_hmac")) => {
            Err(ApiError { field: Some("phone"), ..ApiError::new(lang, StatusCode::CONFLICT, "phone_taken") })
        }
        Err(sqlx::Error::Database(db)) if db.constraint().is_some_and(|c| c.contains("cccd_hmac")) => {
            Err(ApiError { field: Some("cccd"), ..ApiError::new(lang, StatusCode::CONFLICT, "cccd_taken") })
        }
        Err(e) => Err(ApiError::internal(lang, &crate::telemetry::db_error(&e))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    phone: String,
    dob: String,
}

/// A returning participant on a new device: phone and date of birth, as Vietnamese contests do.
pub async fn login(
    path: web::Path<String>,
    body: web::Json<LoginBody>,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let contest = pg::contest_by_slug(&state.pg, &path)
        .await?
        .ok_or_else(|| ApiError::new(lang, StatusCode::NOT_FOUND, "not_found"))?;
    let failed = || ApiError::new(lang, StatusCode::UNAUTHORIZED, "login_failed");
    let phone = Phone::parse(&body.phone).map_err(|_| failed())?;
    state.limit(&state.limiters.login_phone, &hex::encode(state.keys.lookup_hmac("phone", phone.as_str())), lang)?;
    let dob = parse_dob(&body.dob, today_vn(), None).map_err(|_| failed())?;
    let row: Option<(i64, NaiveDate, String)> =
        sqlx::query_as("SELECT id, dob, full_name FROM participants WHERE contest_id = $1 AND phone_hmac = $2")
            .bind(contest.id)
            .bind(state.keys.lookup_hmac("phone", phone.as_str()))
            .fetch_optional(&state.pg)
            .await?;
    match row {
        Some((id, stored_dob, name)) if stored_dob == dob => {
            let code = referral_code(&state, id, contest.id, None).await;
            Ok(credential_response(&state, StatusCode::OK, id, contest.id, &name, &code))
        }
        _ => Err(failed()),
    }
}
