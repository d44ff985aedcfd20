//! Participation statistics per round and for the whole contest: by province, commune,
//! urban/rural area, unit, age band, sex and occupation. A participant is someone with a
//! submitted attempt (in the round, or in any round for the total), not disqualified; ages
//! are counted at the round's close (for the total: at the close of the last round the
//! person took part in). Postgres aggregates in one pass (GROUPING SETS); communes are
//! folded into provinces and areas here, from the 2025 unit list. The public endpoint
//! (`GET /api/contests/{slug}/stats`) shows only counts, with groups under 5 merged.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;

use super::contests::contest_org;
use super::exports::{csv_response, xlsx_response, Rows, SheetWriter};
use super::{Organiser, Role};
use crate::contest::participation::{age_band_sql, area_of_kind, suppress_small, Group, AGE_BANDS, AREAS};
use crate::domain::occupation::Occupation;
use crate::domain::units;
use crate::http::{ApiError, AppState, Lang};

/// The dimensions, in report order, with their Vietnamese headings.
pub const DIMENSIONS: [(&str, &str); 7] = [
    ("province", "Tỉnh/Thành phố"),
    ("commune", "Xã/Phường/Đặc khu"),
    ("area", "Khu vực"),
    ("unit", "Đơn vị"),
    ("age_band", "Độ tuổi"),
    ("sex", "Giới tính"),
    ("occupation", "Nghề nghiệp"),
];

pub const COLUMNS: [&str; 6] = ["Đợt thi", "Nhóm", "Mã", "Tên", "Số người dự thi", "Số lượt thi"];

const UNKNOWN_OCCUPATION: &str = "unknown";

/// How long the public statistics page is served from the cache.
pub const PUBLIC_CACHE_S: u64 = 60;

/// (participants, attempts) by group key.
type Counts = HashMap<String, (i64, i64)>;

#[derive(Debug, Clone, Serialize)]
pub struct Participation {
    pub participants: i64,
    pub attempts: i64,
    pub by: BTreeMap<&'static str, Vec<Group>>,
}

fn sql() -> String {
    let years = "date_part('year', age((t.at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, p.dob))::int";
    format!(
        "WITH took AS ( \
           SELECT a.participant_id, count(*)::bigint AS attempts, max(d.closes_at) AS at \
           FROM attempts a JOIN rounds d ON d.id = a.round_id \
           WHERE d.contest_id = $1 AND ($2::bigint IS NULL OR a.round_id = $2) AND a.submitted_at_ms IS NOT NULL \
           GROUP BY a.participant_id), \
         people AS ( \
           SELECT p.commune_code, p.unit_code, p.sex, COALESCE(p.occupation, '{UNKNOWN_OCCUPATION}') AS occupation, \
                  {} AS age_band, t.attempts \
           FROM took t JOIN participants p ON p.id = t.participant_id WHERE p.disqualified_at IS NULL) \
         SELECT CASE WHEN GROUPING(commune_code) = 0 THEN 'commune' WHEN GROUPING(unit_code) = 0 THEN 'unit' \
                     WHEN GROUPING(sex) = 0 THEN 'sex' WHEN GROUPING(occupation) = 0 THEN 'occupation' \
                     WHEN GROUPING(age_band) = 0 THEN 'age_band' ELSE 'total' END AS dimension, \
                COALESCE(commune_code, unit_code, sex, occupation, age_band, '') AS key, \
                count(*)::bigint AS participants, COALESCE(sum(attempts), 0)::bigint AS attempts \
         FROM people GROUP BY GROUPING SETS ((commune_code), (unit_code), (sex), (occupation), (age_band), ())",
        age_band_sql(years)
    )
}

fn group(key: &str, label: &str, participants: i64, attempts: i64) -> Group {
    Group { key: key.to_string(), label: label.to_string(), participants, attempts }
}

/// Largest first, then Vietnamese alphabetical order.
fn by_size(mut groups: Vec<Group>) -> Vec<Group> {
    groups.sort_by(|a, b| {
        b.participants.cmp(&a.participants).then_with(|| crate::domain::collation::compare(&a.label, &b.label))
    });
    groups
}

/// Fixed lists keep their order and show empty groups too.
fn fixed(list: &[(&str, &str)], counts: &Counts) -> Vec<Group> {
    list.iter()
        .map(|(key, label)| {
            let (p, a) = counts.get(*key).copied().unwrap_or_default();
            group(key, label, p, a)
        })
        .collect()
}

pub async fn participation(pg: &PgPool, contest: i64, round: Option<i64>) -> sqlx::Result<Participation> {
    let rows: Vec<(String, String, i64, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql())).bind(contest).bind(round).fetch_all(pg).await?;
    let mut dims: HashMap<String, Counts> = HashMap::new();
    for (dim, key, p, a) in rows {
        dims.entry(dim).or_default().insert(key, (p, a));
    }
    let take = |dims: &mut HashMap<String, Counts>, d: &str| dims.remove(d).unwrap_or_default();
    let (participants, attempts) = take(&mut dims, "total").remove("").unwrap_or_default();
    let communes = take(&mut dims, "commune");
    let mut provinces: Counts = HashMap::new();
    let mut areas: Counts = HashMap::new();
    let mut commune_groups = Vec::new();
    for (code, (p, a)) in &communes {
        let c = units::commune(code);
        let add = |m: &mut Counts, k: String| {
            let e = m.entry(k).or_default();
            e.0 += p;
            e.1 += a;
        };
        add(&mut provinces, c.map(|c| c.province_code.clone()).unwrap_or_default());
        add(&mut areas, c.map(|c| area_of_kind(&c.kind).to_string()).unwrap_or_default());
        commune_groups.push(group(code, c.map(|c| c.name.as_str()).unwrap_or(code), *p, *a));
    }
    let province_name = |code: &str| {
        units::provinces().iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()).unwrap_or_else(|| code.to_string())
    };
    let province_groups =
        provinces.iter().map(|(code, (p, a))| group(code, &province_name(code), *p, *a)).collect::<Vec<_>>();
    let unit_counts = take(&mut dims, "unit");
    let codes: Vec<String> = unit_counts.keys().cloned().collect();
    let names: HashMap<String, String> =
        sqlx::query_as::<_, (String, String)>("SELECT code, name FROM units WHERE contest_id = $1 AND code = ANY($2)")
            .bind(contest)
            .bind(&codes)
            .fetch_all(pg)
            .await?
            .into_iter()
            .collect();
    let unit_groups = unit_counts
        .iter()
        .map(|(code, (p, a))| group(code, names.get(code).map(String::as_str).unwrap_or(code), *p, *a))
        .collect::<Vec<_>>();
    let occupations: Vec<(&str, &str)> = Occupation::ALL
        .iter()
        .map(|o| (o.as_str(), o.label()))
        .chain([(UNKNOWN_OCCUPATION, "Chưa khai báo")])
        .collect();
    let mut by = BTreeMap::new();
    by.insert("province", by_size(province_groups));
    by.insert("commune", by_size(commune_groups));
    by.insert("area", fixed(&AREAS, &areas));
    by.insert("unit", by_size(unit_groups));
    by.insert("age_band", fixed(&AGE_BANDS, &take(&mut dims, "age_band")));
    by.insert("sex", fixed(&[("male", "Nam"), ("female", "Nữ")], &take(&mut dims, "sex")));
    by.insert("occupation", fixed(&occupations, &take(&mut dims, "occupation")));
    Ok(Participation { participants, attempts, by })
}

#[derive(Deserialize)]
pub struct StatsQuery {
    round_id: Option<i64>,
}

/// The round, when one is asked for, must be the contest's.
async fn check_round(pg: &PgPool, who: &Organiser, contest: i64, round: Option<i64>) -> Result<(), ApiError> {
    let Some(round) = round else { return Ok(()) };
    let ok: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rounds WHERE id = $1 AND contest_id = $2)")
        .bind(round)
        .bind(contest)
        .fetch_one(pg)
        .await?;
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(who.lang, &[crate::domain::FieldError::new("round_id", "invalid_value")]))
    }
}

pub async fn get(
    path: web::Path<i64>,
    query: web::Query<StatsQuery>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    contest_org(&state.pg, &who, contest, Role::Viewer).await?;
    check_round(&state.pg, &who, contest, query.round_id).await?;
    let registered: i64 = sqlx::query_scalar("SELECT count(*) FROM participants WHERE contest_id = $1")
        .bind(contest)
        .fetch_one(&state.pg)
        .await?;
    let stats = participation(&state.pg, contest, query.round_id).await?;
    let scores: Vec<_> = crate::report::score_distribution(&state.pg, contest, query.round_id)
        .await?
        .into_iter()
        .map(|(correct, participants)| json!({"correct": correct, "participants": participants}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "contest_id": contest, "round_id": query.round_id, "registered": registered,
        "participants": stats.participants, "attempts": stats.attempts, "by": stats.by, "scores": scores,
    })))
}

/// Every table of the contest, for the total and then each round, as export rows.
async fn export_rows(pg: &PgPool, contest: i64) -> sqlx::Result<Vec<Vec<String>>> {
    let rounds: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, title FROM rounds WHERE contest_id = $1 ORDER BY position")
            .bind(contest)
            .fetch_all(pg)
            .await?;
    let mut out = Vec::new();
    let scopes =
        std::iter::once((None, "Toàn cuộc thi".to_string())).chain(rounds.into_iter().map(|(id, t)| (Some(id), t)));
    for (round, title) in scopes {
        let stats = participation(pg, contest, round).await?;
        let row = |dim: &str, key: &str, label: &str, p: i64, a: i64| {
            vec![title.clone(), dim.to_string(), key.to_string(), label.to_string(), p.to_string(), a.to_string()]
        };
        out.push(row("Tổng", "", "Tổng số", stats.participants, stats.attempts));
        for (dim, heading) in DIMENSIONS {
            for g in stats.by.get(dim).into_iter().flatten() {
                out.push(row(heading, &g.key, &g.label, g.participants, g.attempts));
            }
        }
    }
    Ok(out)
}

async fn audited(who: &Organiser, state: &AppState, contest: i64, format: &str) -> Result<(), ApiError> {
    let org = contest_org(&state.pg, who, contest, Role::Viewer).await?;
    who.audit(&state.pg, Some(org), "export.stats", ("contest", Some(contest.to_string())), json!({"format": format}))
        .await
}

pub async fn export_csv(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    audited(&who, &state, contest, "csv").await?;
    let rows = export_rows(&state.pg, contest).await?;
    Ok(csv_response(&format!("thong-ke-{contest}.csv"), &COLUMNS, move |out| async move { out.send_all(rows).await }))
}

pub async fn export_xlsx(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contest = path.into_inner();
    audited(&who, &state, contest, "xlsx").await?;
    let rows = export_rows(&state.pg, contest).await?;
    let writer = SheetWriter::new("Thống kê", &COLUMNS);
    xlsx_response(who.lang, &format!("thong-ke-{contest}.xlsx"), writer, |out| async move { out.send_all(rows).await })
        .await
}

/// Aggregate counts of a published contest, for anyone: no personal data, no commune
/// (too fine), every group of fewer than 5 people merged so no one can be picked out.
pub async fn public(path: web::Path<String>, state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, ApiError> {
    let contest = crate::store::pg::contest_by_slug(&state.pg, &path)
        .await?
        .ok_or_else(|| ApiError::new(lang, StatusCode::NOT_FOUND, "not_found"))?;
    let text = public_summary(&state, lang, contest.id, &contest.slug).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(text))
}

/// The public statistics of a published contest as JSON text (the public endpoint's body,
/// also rendered by the public results page).
pub async fn public_summary(state: &AppState, lang: Lang, contest_id: i64, slug: &str) -> Result<String, ApiError> {
    // Anyone may ask, and each answer aggregates the whole contest: computed once a minute.
    let cache_name = format!("public-stats:{contest_id}");
    let internal = |e: &dyn std::fmt::Display| ApiError::internal(lang, e);
    if let Some(text) = state.redis.cached(&cache_name).await.map_err(|e| internal(&e))? {
        return Ok(text);
    }
    let total = participation(&state.pg, contest_id, None).await?;
    let rounds: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, title FROM rounds WHERE contest_id = $1 ORDER BY position")
            .bind(contest_id)
            .fetch_all(&state.pg)
            .await?;
    let small = |n: i64| (n >= crate::contest::participation::MIN_PUBLIC_GROUP).then_some(n);
    let mut per_round = Vec::new();
    for (id, title) in rounds {
        let s = participation(&state.pg, contest_id, Some(id)).await?;
        per_round.push(json!({"round_id": id, "title": title, "participants": small(s.participants),
            "attempts": small(s.participants).map(|_| s.attempts)}));
    }
    let mut by = serde_json::Map::new();
    for dim in ["province", "area", "unit", "age_band", "sex", "occupation"] {
        let groups = total.by.get(dim).cloned().unwrap_or_default();
        by.insert(dim.to_string(), json!(suppress_small(groups)));
    }
    let text = json!({
        "slug": slug, "participants": small(total.participants),
        "attempts": small(total.participants).map(|_| total.attempts), "rounds": per_round, "by": by,
    })
    .to_string();
    state.redis.cache(&cache_name, &text, PUBLIC_CACHE_S).await.map_err(|e| internal(&e))?;
    Ok(text)
}
