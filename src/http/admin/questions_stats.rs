//! Question statistics of a round as JSON and XLSX: facility and discrimination indices,
//! the distribution over options, the facility day by day, and days flagged as a possible
//! answer-key leak. Definitions and thresholds: src/contest/item_stats.rs. Postgres does the
//! sums and the correlation (`corr`) in one pass over the round's attempts.

use std::collections::{BTreeMap, HashMap};

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;

use super::contests::round_org;
use super::exports::{xlsx_response, Rows, SheetWriter};
use super::{Organiser, Role};
use crate::contest::item_stats::{leak_flags, percent, Day, LeakFlag, LEAK_MARGIN_POINTS, LEAK_MIN_ATTEMPTS};
use crate::http::{ApiError, AppState};

/// The attempts counted: submitted, of participants not disqualified.
const ATTEMPTS: &str = "att AS ( \
     SELECT a.id, COALESCE(a.correct, 0) AS total, a.question_ids, \
            (to_timestamp(a.started_at_ms / 1000.0) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day \
     FROM attempts a JOIN participants p ON p.id = a.participant_id \
     WHERE a.round_id = $1 AND a.submitted_at_ms IS NOT NULL AND p.disqualified_at IS NULL)";

fn scores_sql() -> String {
    format!(
        "WITH {ATTEMPTS}, \
         keys AS (SELECT q.id, (SELECT array_agg(v ORDER BY v) FROM unnest(q.correct) v) AS key FROM questions q \
                  WHERE q.id IN (SELECT DISTINCT unnest(question_ids) FROM att)), \
         items AS ( \
           SELECT t.qid, att.day, att.total, \
                  CASE WHEN (SELECT array_agg(v ORDER BY v) FROM unnest(x.options) v) = k.key THEN 1 ELSE 0 END AS score, \
                  CASE WHEN cardinality(x.options) > 0 THEN 1 ELSE 0 END AS answered \
           FROM att CROSS JOIN LATERAL unnest(att.question_ids) AS t(qid) JOIN keys k ON k.id = t.qid \
           LEFT JOIN answers x ON x.attempt_id = att.id AND x.question_id = t.qid) \
         SELECT qid, day, GROUPING(day) = 1 AS all_days, count(*)::bigint AS n, sum(score)::bigint AS correct, \
                corr(score, total - score) AS discrimination, sum(answered)::bigint AS answered \
         FROM items GROUP BY GROUPING SETS ((qid), (qid, day))"
    )
}

fn options_sql() -> String {
    format!(
        "WITH {ATTEMPTS} \
         SELECT x.question_id, o.v AS option_id, count(*)::bigint FROM att JOIN answers x ON x.attempt_id = att.id \
         CROSS JOIN LATERAL unnest(x.options) AS o(v) WHERE x.question_id = ANY(att.question_ids) GROUP BY 1, 2"
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionStat {
    pub option_id: i64,
    pub label: String,
    pub text: String,
    pub correct: bool,
    pub chosen: i64,
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayStat {
    pub date: NaiveDate,
    pub attempts: i64,
    pub facility: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionStat {
    pub question_id: i64,
    pub code: String,
    pub version: i32,
    pub text: String,
    pub attempts: i64,
    pub correct: i64,
    pub facility: Option<f64>,
    pub discrimination: Option<f64>,
    /// Attempts that drew the question but chose no option.
    pub unanswered: i64,
    pub options: Vec<OptionStat>,
    pub days: Vec<DayStat>,
    pub flagged: bool,
    pub leaks: Vec<LeakFlag>,
}

type OptionsJson = sqlx::types::Json<Vec<crate::store::pg::OptionItem>>;

pub async fn question_stats(pg: &PgPool, round: i64) -> sqlx::Result<Vec<QuestionStat>> {
    type ScoreRow = (i64, Option<NaiveDate>, bool, i64, i64, Option<f64>, i64);
    let rows: Vec<ScoreRow> = sqlx::query_as(sqlx::AssertSqlSafe(scores_sql())).bind(round).fetch_all(pg).await?;
    let chosen: Vec<(i64, i64, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(options_sql())).bind(round).fetch_all(pg).await?;
    let ids: Vec<i64> = rows.iter().filter(|r| r.2).map(|r| r.0).collect();
    let questions: Vec<(i64, String, i32, String, OptionsJson, Vec<i64>)> =
        sqlx::query_as("SELECT id, code, version, text, options, correct FROM questions WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(pg)
            .await?;
    let mut days: HashMap<i64, Vec<Day>> = HashMap::new();
    let mut totals: HashMap<i64, (i64, i64, Option<f64>, i64)> = HashMap::new();
    for (qid, day, all_days, n, correct, disc, answered) in rows {
        match (all_days, day) {
            (true, _) => {
                totals.insert(qid, (n, correct, disc, answered));
            }
            (false, Some(date)) => days.entry(qid).or_default().push(Day { date, attempts: n, correct }),
            (false, None) => {}
        }
    }
    let mut picks: HashMap<(i64, i64), i64> = HashMap::new();
    for (qid, option, n) in chosen {
        picks.insert((qid, option), n);
    }
    let mut out: Vec<QuestionStat> = questions
        .into_iter()
        .map(|(id, code, version, text, options, key)| {
            let (n, correct, disc, answered) = totals.get(&id).copied().unwrap_or_default();
            let options: Vec<OptionStat> = options
                .0
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let chosen = picks.get(&(id, o.id)).copied().unwrap_or(0);
                    OptionStat {
                        option_id: o.id,
                        label: char::from(b'A' + i as u8).to_string(),
                        text: o.text.clone(),
                        correct: key.contains(&o.id),
                        chosen,
                        percent: percent(chosen, n),
                    }
                })
                .collect();
            let mut qdays = days.remove(&id).unwrap_or_default();
            qdays.sort_by_key(|d| d.date);
            let leaks = leak_flags(&qdays);
            QuestionStat {
                question_id: id,
                code,
                version,
                text,
                attempts: n,
                correct,
                facility: percent(correct, n),
                discrimination: disc.map(|d| (d * 10_000.0).round() / 100.0),
                unanswered: (n - answered).max(0),
                options,
                days: qdays
                    .iter()
                    .map(|d| DayStat { date: d.date, attempts: d.attempts, facility: percent(d.correct, d.attempts) })
                    .collect(),
                flagged: !leaks.is_empty(),
                leaks,
            }
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code).then(a.version.cmp(&b.version)));
    Ok(out)
}

pub async fn get(path: web::Path<i64>, who: Organiser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    round_org(&state.pg, &who, round, Role::Viewer).await?;
    let items = question_stats(&state.pg, round).await?;
    Ok(HttpResponse::Ok().json(json!({
        "round_id": round,
        "leak_rule": {"margin_points": LEAK_MARGIN_POINTS, "min_attempts": LEAK_MIN_ATTEMPTS},
        "discrimination_method": "item_rest_correlation",
        "items": items,
    })))
}

pub const QUESTION_COLUMNS: [&str; 13] = [
    "Mã câu hỏi",
    "Phiên bản",
    "Câu hỏi",
    "Số lượt",
    "Số lượt đúng",
    "Chỉ số dễ (%)",
    "Chỉ số phân biệt (%)",
    "Không trả lời",
    "Phân bố phương án",
    "Nghi lộ đáp án",
    "Ngày nghi lộ",
    "Đáp án đúng",
    "Mã hệ thống",
];
pub const DAY_COLUMNS: [&str; 5] = ["Mã câu hỏi", "Phiên bản", "Ngày", "Số lượt", "Chỉ số dễ (%)"];

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

pub async fn export_xlsx(
    path: web::Path<i64>,
    who: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let round = path.into_inner();
    let (_, org) = round_org(&state.pg, &who, round, Role::Viewer).await?;
    who.audit(
        &state.pg,
        Some(org),
        "export.question_stats",
        ("round", Some(round.to_string())),
        json!({"format": "xlsx"}),
    )
    .await?;
    let items = question_stats(&state.pg, round).await?;
    let writer = SheetWriter::new("Câu hỏi", &QUESTION_COLUMNS);
    xlsx_response(who.lang, &format!("thong-ke-cau-hoi-dot-{round}.xlsx"), writer, |out| async move {
        out.send_all(items.iter().map(question_row)).await?;
        out.table("Theo ngày", &DAY_COLUMNS).await?;
        let mut by_day: BTreeMap<(String, i32, NaiveDate), &DayStat> = BTreeMap::new();
        for q in &items {
            for d in &q.days {
                by_day.insert((q.code.clone(), q.version, d.date), d);
            }
        }
        out.send_all(by_day.into_iter().map(|((code, version, date), d)| {
            vec![
                code,
                version.to_string(),
                date.format("%d/%m/%Y").to_string(),
                d.attempts.to_string(),
                num(d.facility),
            ]
        }))
        .await
    })
    .await
}

fn question_row(q: &QuestionStat) -> Vec<String> {
    let spread: Vec<String> = q.options.iter().map(|o| format!("{}: {}", o.label, o.chosen)).collect();
    let key: Vec<&str> = q.options.iter().filter(|o| o.correct).map(|o| o.label.as_str()).collect();
    vec![
        q.code.clone(),
        q.version.to_string(),
        q.text.clone(),
        q.attempts.to_string(),
        q.correct.to_string(),
        num(q.facility),
        num(q.discrimination),
        q.unanswered.to_string(),
        spread.join("; "),
        if q.flagged { "Có".into() } else { String::new() },
        q.leaks.iter().map(|l| l.date.format("%d/%m/%Y").to_string()).collect::<Vec<_>>().join("; "),
        key.join(";"),
        q.question_id.to_string(),
    ]
}
