//! Collective rankings by unit (giải tập thể) as JSON, CSV and XLSX: participants per
//! unit, participation rate, winners, and the organiser's weighted score
//! (src/contest/collective.rs). A participant is someone with at least one submitted
//! attempt in the contest and not disqualified; winners are the current awards of the
//! rounds and of the overall ranking.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde_json::json;
use sqlx::PgPool;

use super::contests::contest_org;
use super::exports::{csv_response, xlsx_response, Rows, SheetWriter};
use super::{Organiser, Role};
use crate::contest::collective::{rank, Scoring, UnitStanding, UnitTally};
use crate::http::{ApiError, AppState};

pub const COLUMNS: [&str; 9] = [
    "Hạng",
    "Mã đơn vị",
    "Tên đơn vị",
    "Số người dự thi",
    "Tổng số người",
    "Tỉ lệ tham gia (%)",
    "Số người đoạt giải",
    "Số giải",
    "Điểm",
];

pub async fn standings(pg: &PgPool, contest: i64) -> sqlx::Result<(Scoring, Vec<UnitStanding>)> {
    let scoring: sqlx::types::Json<Scoring> =
        sqlx::query_scalar("SELECT collective_scoring FROM contests WHERE id = $1").bind(contest).fetch_one(pg).await?;
    let units: Vec<(String, String, Option<i64>, i64)> = sqlx::query_as(
        "WITH took AS ( \
           SELECT DISTINCT a.participant_id FROM attempts a JOIN rounds d ON d.id = a.round_id \
           WHERE d.contest_id = $1 AND a.submitted_at_ms IS NOT NULL), \
         counts AS ( \
           SELECT p.unit_code, count(*)::bigint AS n FROM participants p JOIN took t ON t.participant_id = p.id \
           WHERE p.contest_id = $1 AND p.disqualified_at IS NULL GROUP BY p.unit_code) \
         SELECT u.code, u.name, u.headcount::bigint, COALESCE(c.n, 0) FROM units u \
         LEFT JOIN counts c ON c.unit_code = u.code WHERE u.contest_id = $1",
    )
    .bind(contest)
    .fetch_all(pg)
    .await?;
    let awards = crate::awards::all_awards(pg, contest).await?;
    let ids: Vec<i64> = awards.iter().map(|a| a.participant_id).collect();
    let unit_of: HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, unit_code FROM participants WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(pg)
            .await?
            .into_iter()
            .collect();
    let mut prizes: HashMap<&str, Vec<String>> = HashMap::new();
    for a in &awards {
        if let Some(unit) = unit_of.get(&a.participant_id) {
            prizes.entry(unit.as_str()).or_default().push(a.prize.clone());
        }
    }
    let tallies: Vec<UnitTally> = units
        .iter()
        .map(|(code, name, headcount, participants)| UnitTally {
            code: code.clone(),
            name: name.clone(),
            headcount: *headcount,
            participants: *participants,
            prizes: prizes.get(code.as_str()).cloned().unwrap_or_default(),
        })
        .collect();
    Ok((scoring.0.clone(), rank(&tallies, &scoring.0)))
}

pub async fn list(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    let (scoring, items) = standings(&state.pg, contest).await?;
    Ok(HttpResponse::Ok().json(json!({"contest_id": contest, "scoring": scoring, "items": items})))
}

fn number(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn cells(s: &UnitStanding) -> Vec<String> {
    let prizes: Vec<String> = s.prizes.iter().map(|(name, n)| format!("{name}: {n}")).collect();
    vec![
        s.rank.to_string(),
        s.code.clone(),
        s.name.clone(),
        s.participants.to_string(),
        s.headcount.map(|h| h.to_string()).unwrap_or_default(),
        s.rate.map(number).unwrap_or_default(),
        s.winners.to_string(),
        prizes.join("; "),
        number(s.score),
    ]
}

async fn audited(who: &Organiser, state: &AppState, contest: i64, format: &str) -> Result<(), ApiError> {
    let org = contest_org(&state.pg, who, contest, Role::Viewer).await?;
    who.audit(
        &state.pg,
        Some(org),
        "export.collective",
        ("contest", Some(contest.to_string())),
        json!({"format": format}),
    )
    .await
}

pub async fn export_csv(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    audited(&who, &state, contest, "csv").await?;
    let (_, items) = standings(&state.pg, contest).await?;
    Ok(csv_response(&format!("xep-hang-tap-the-{contest}.csv"), &COLUMNS, move |out| async move {
        out.send_all(items.iter().map(cells)).await
    }))
}

pub async fn export_xlsx(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    audited(&who, &state, contest, "xlsx").await?;
    let (_, items) = standings(&state.pg, contest).await?;
    let writer = SheetWriter::new("Xếp hạng tập thể", &COLUMNS);
    xlsx_response(who.lang, &format!("xep-hang-tap-the-{contest}.xlsx"), writer, |out| async move {
        out.send_all(items.iter().map(cells)).await
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_plainly() {
        assert_eq!(super::number(80.0), "80");
        assert_eq!(super::number(33.33), "33.33");
        assert_eq!(super::number(12.5), "12.5");
    }
}
