//! The attempt service: start, resume, answer, submit. The atomic rules live in the Lua
//! scripts; this layer draws questions, shapes snapshots and keeps a cache of round data
//! (derived from Postgres, immutable while a round runs, so any node can rebuild it).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::Serialize;
use sqlx::PgPool;

use crate::contest::bank::Difficulty;
use crate::contest::draw::{self, Drawable};
use crate::contest::DrawRule;
use crate::store::pg;
use crate::store::redis::{AnswerStatus, ArmedRound, AttemptState, Scored, StartOutcome};
use crate::store::{RedisStore, ScriptError};

use crate::domain::{PREDICTION_MAX, SEQ_MAX};

/// A refusal with the protocol's error code, or a store failure.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

impl PlayError {
    pub fn refused(code: &str) -> Self {
        Self::Refused(code.to_string())
    }
    pub fn code(&self) -> &str {
        match self {
            PlayError::Refused(code) => code,
            PlayError::Unavailable(_) => "unavailable",
        }
    }
}

impl From<ScriptError> for PlayError {
    fn from(e: ScriptError) -> Self {
        match e {
            ScriptError::Refused(code) => PlayError::Refused(code),
            ScriptError::Unavailable(e) => PlayError::Unavailable(e.to_string()),
        }
    }
}

impl From<redis::RedisError> for PlayError {
    fn from(e: redis::RedisError) -> Self {
        PlayError::Unavailable(e.to_string())
    }
}

impl From<sqlx::Error> for PlayError {
    fn from(e: sqlx::Error) -> Self {
        PlayError::Unavailable(e.to_string())
    }
}

#[derive(Debug)]
pub struct QuestionData {
    pub text: String,
    pub topic: String,
    pub difficulty: Difficulty,
    pub options: Vec<pg::OptionItem>,
    pub correct: Vec<i64>,
    pub explanation: String,
    pub law: String,
    pub article: String,
    pub translations: crate::contest::bank::Translations,
}

impl QuestionData {
    /// The question's text and its options' texts (by option id) in `lang` when it has that
    /// translation, else in Vietnamese.
    pub fn texts(&self, lang: Option<&str>) -> (&str, Vec<(i64, &str)>, &str) {
        match lang.and_then(|l| self.translations.get(l)).filter(|t| t.options.len() == self.options.len()) {
            Some(t) => {
                let explanation = if t.explanation.is_empty() { &self.explanation } else { &t.explanation };
                let options = self.options.iter().zip(&t.options).map(|(o, text)| (o.id, text.as_str())).collect();
                (&t.text, options, explanation)
            }
            None => (&self.text, self.options.iter().map(|o| (o.id, o.text.as_str())).collect(), &self.explanation),
        }
    }
}

impl From<pg::QuestionRow> for QuestionData {
    fn from(q: pg::QuestionRow) -> Self {
        QuestionData {
            difficulty: Difficulty::parse(&q.difficulty).unwrap_or(Difficulty::Medium),
            text: q.text,
            topic: q.topic,
            options: q.options.0,
            correct: q.correct,
            explanation: q.explanation,
            law: q.law,
            article: q.article,
            translations: q.translations.0,
        }
    }
}

#[derive(Debug)]
pub struct RoundData {
    pub row: pg::RoundRow,
    pub draw_rule: DrawRule,
    pub questions: HashMap<i64, QuestionData>,
}

impl RoundData {
    pub fn has_prediction(&self) -> bool {
        self.row.prediction_target.is_some()
    }
    fn drawables(&self) -> Vec<Drawable<'_>> {
        let mut out: Vec<Drawable<'_>> = self
            .questions
            .iter()
            .map(|(id, q)| Drawable { id: *id, topic: &q.topic, difficulty: q.difficulty })
            .collect();
        out.sort_by_key(|d| d.id);
        out
    }
    fn armed(&self) -> ArmedRound {
        ArmedRound {
            round_id: self.row.id,
            opens_ms: self.row.opens_at_ms,
            closes_ms: self.row.closes_at_ms,
            grace_ms: i64::from(self.row.grace_ms),
            time_limit_ms: i64::from(self.row.time_limit_ms),
            attempt_limit: self.row.attempt_limit.map_or(0, i64::from),
            has_prediction: self.has_prediction(),
            answers_changeable: self.row.answers_changeable,
            questions: self
                .questions
                .iter()
                .map(|(id, q)| (*id, q.options.iter().map(|o| o.id).collect(), q.correct.clone()))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OptionView {
    pub id: i64,
    pub text: String,
}

/// A question as a client sees it before the reveal: never a correct flag.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QuestionView {
    pub id: i64,
    pub text: String,
    pub multi: bool,
    pub options: Vec<OptionView>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PredictionView {
    pub target: String,
    pub question: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResultView {
    pub attempt_id: String,
    pub correct: i64,
    pub total: i64,
    pub duration_ms: i64,
    pub submitted_ms: i64,
    pub prediction: Option<i64>,
    pub auto: bool,
    pub attempts_left: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Snapshot {
    pub attempt_id: String,
    pub round_id: i64,
    pub number: i64,
    pub status: &'static str,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub server_ms: i64,
    pub remaining_ms: i64,
    pub questions: Vec<QuestionView>,
    pub answers: HashMap<String, Vec<i64>>,
    pub last_seq: i64,
    pub prediction: Option<PredictionView>,
    /// The prediction saved with a `predict` message during this attempt, if any.
    pub saved_prediction: Option<i64>,
    pub result: Option<ResultView>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttemptSummary {
    pub attempt_id: String,
    pub number: i64,
    pub status: &'static str,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub correct: Option<i64>,
    pub duration_ms: Option<i64>,
}

#[derive(Clone)]
pub struct Play {
    pg: PgPool,
    redis: RedisStore,
    rounds: Arc<RwLock<HashMap<i64, Arc<RoundData>>>>,
}

impl Play {
    pub fn new(pg: PgPool, redis: RedisStore) -> Self {
        Self { pg, redis, rounds: Arc::default() }
    }

    pub fn redis(&self) -> &RedisStore {
        &self.redis
    }

    /// The round's data, loaded once per node; arms the round in Redis on first load.
    pub async fn round(&self, round_id: i64) -> Result<Arc<RoundData>, PlayError> {
        if let Some(r) = self.rounds.read().ok().and_then(|m| m.get(&round_id).cloned()) {
            return Ok(r);
        }
        let row = pg::round(&self.pg, round_id).await?.ok_or_else(|| PlayError::refused("not_found"))?;
        let questions = pg::questions(&self.pg, &row.question_ids).await?;
        let data = Arc::new(RoundData {
            draw_rule: row.draw_rule.0.clone(),
            questions: questions.into_iter().map(|q| (q.id, QuestionData::from(q))).collect(),
            row,
        });
        if data.row.published && !data.row.finalized && !self.redis.is_armed(round_id).await? {
            self.redis.arm(&data.armed()).await.map_err(|e| PlayError::Unavailable(format!("{e:#}")))?;
        }
        if let Ok(mut map) = self.rounds.write() {
            map.insert(round_id, data.clone());
        }
        Ok(data)
    }

    /// Drops a round from this node's cache (after its settings changed).
    pub fn forget(&self, round_id: i64) {
        if let Ok(mut map) = self.rounds.write() {
            map.remove(&round_id);
        }
    }

    /// Arms a round in Redis (idempotent); used by the armer job and tests.
    pub async fn arm(&self, round_id: i64) -> Result<(), PlayError> {
        let data = self.round(round_id).await?;
        self.redis.arm(&data.armed()).await.map_err(|e| PlayError::Unavailable(format!("{e:#}")))
    }

    pub async fn start(
        &self,
        contest_id: i64,
        participant_id: i64,
        round_id: i64,
        request_id: &str,
    ) -> Result<Snapshot, PlayError> {
        self.start_in(contest_id, participant_id, round_id, request_id, None).await
    }

    /// [`Play::start`] with the questions in `lang` where they have that translation.
    pub async fn start_in(
        &self,
        contest_id: i64,
        participant_id: i64,
        round_id: i64,
        request_id: &str,
        lang: Option<&str>,
    ) -> Result<Snapshot, PlayError> {
        let round = self.round(round_id).await?;
        if round.row.contest_id != contest_id {
            return Err(PlayError::refused("not_found"));
        }
        if !round.row.published {
            return Err(PlayError::refused("round_not_open"));
        }
        if request_id.is_empty() || request_id.len() > 64 {
            return Err(PlayError::refused("malformed"));
        }
        let question_ids = {
            let mut rng = rand::make_rng::<rand_chacha::ChaCha20Rng>();
            draw::draw(&round.drawables(), &round.draw_rule, &mut rng).map_err(PlayError::Unavailable)?
        };
        let new_id = uuid::Uuid::new_v4().to_string();
        // An organiser's time extension for this participant (http::admin::extensions).
        let extension_ms = crate::extension::extension_ms(&self.pg, participant_id, i64::from(round.row.time_limit_ms))
            .await
            .map_err(|e| PlayError::Unavailable(format!("time extension: {}", crate::telemetry::db_error(&e))))?;
        let outcome =
            self.redis.start(round_id, participant_id, request_id, &new_id, &question_ids, extension_ms).await?;
        let attempt_id = match outcome {
            StartOutcome::New(id) | StartOutcome::Existing(id) => id,
        };
        self.snapshot_in(participant_id, round_id, &attempt_id, lang).await
    }

    pub async fn snapshot(&self, participant_id: i64, round_id: i64, attempt_id: &str) -> Result<Snapshot, PlayError> {
        self.snapshot_in(participant_id, round_id, attempt_id, None).await
    }

    /// [`Play::snapshot`] with the questions in `lang` where they have that translation.
    pub async fn snapshot_in(
        &self,
        participant_id: i64,
        round_id: i64,
        attempt_id: &str,
        lang: Option<&str>,
    ) -> Result<Snapshot, PlayError> {
        let round = self.round(round_id).await?;
        let state = self.owned_attempt(participant_id, round_id, attempt_id).await?;
        let server_ms = self.redis.now_ms().await?;
        let attempts_left = self.attempts_left(&round, participant_id).await?;
        Ok(build_snapshot(&round, &state, server_ms, attempts_left, lang))
    }

    async fn owned_attempt(
        &self,
        participant_id: i64,
        round_id: i64,
        attempt_id: &str,
    ) -> Result<AttemptState, PlayError> {
        if uuid::Uuid::parse_str(attempt_id).is_err() {
            return Err(PlayError::refused("not_found"));
        }
        match self.redis.attempt(round_id, attempt_id).await? {
            Some(s) if s.participant_id == participant_id => Ok(s),
            _ => Err(PlayError::refused("not_found")),
        }
    }

    async fn attempts_left(&self, round: &RoundData, participant_id: i64) -> Result<Option<i64>, PlayError> {
        Ok(match round.row.attempt_limit {
            Some(limit) => {
                let used = self.redis.attempts_used(round.row.id, participant_id).await?;
                Some((i64::from(limit) - used).max(0))
            }
            None => None,
        })
    }

    pub async fn answer(
        &self,
        participant_id: i64,
        round_id: i64,
        attempt_id: &str,
        question_id: i64,
        options: &[i64],
        seq: i64,
    ) -> Result<AnswerStatus, PlayError> {
        if !(1..=SEQ_MAX).contains(&seq) {
            return Err(PlayError::refused("seq_invalid"));
        }
        if round_id <= 0 || question_id <= 0 {
            return Err(PlayError::refused("id_invalid"));
        }
        let mut options = options.to_vec();
        options.sort_unstable();
        options.dedup();
        if options.is_empty() || options.len() > 6 || options.iter().any(|o| *o <= 0) {
            return Err(PlayError::refused("invalid_option"));
        }
        if uuid::Uuid::parse_str(attempt_id).is_err() {
            return Err(PlayError::refused("not_found"));
        }
        Ok(self.redis.answer(round_id, participant_id, attempt_id, question_id, &options, seq).await?)
    }

    pub async fn submit(
        &self,
        participant_id: i64,
        round_id: i64,
        attempt_id: &str,
        prediction: Option<i64>,
    ) -> Result<ResultView, PlayError> {
        let round = self.round(round_id).await?;
        if let Some(p) = prediction {
            if !(0..=PREDICTION_MAX).contains(&p) {
                return Err(PlayError::refused("invalid_prediction"));
            }
        }
        if uuid::Uuid::parse_str(attempt_id).is_err() {
            return Err(PlayError::refused("not_found"));
        }
        let prediction = if round.has_prediction() { prediction } else { None };
        let scored = self.redis.submit(round_id, Some(participant_id), attempt_id, prediction).await?;
        let attempts_left = round.row.attempt_limit.map(|limit| (i64::from(limit) - scored.attempts_used).max(0));
        Ok(result_view(attempt_id, &scored, attempts_left))
    }

    /// Saves the prediction during the attempt, like an answer: a submit without one (the
    /// server's auto-submit after deadline + grace included) keeps it.
    pub async fn predict(
        &self,
        participant_id: i64,
        round_id: i64,
        attempt_id: &str,
        prediction: i64,
    ) -> Result<(), PlayError> {
        if !(0..=PREDICTION_MAX).contains(&prediction) {
            return Err(PlayError::refused("invalid_prediction"));
        }
        if round_id <= 0 {
            return Err(PlayError::refused("id_invalid"));
        }
        if uuid::Uuid::parse_str(attempt_id).is_err() {
            return Err(PlayError::refused("not_found"));
        }
        Ok(self.redis.predict(round_id, participant_id, attempt_id, prediction).await?)
    }

    pub async fn attempts(
        &self,
        participant_id: i64,
        round_id: i64,
    ) -> Result<(Option<i64>, Vec<AttemptSummary>), PlayError> {
        let round = self.round(round_id).await?;
        let ids = self.redis.participant_attempt_ids(round_id, participant_id).await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = self.redis.attempt(round_id, &id).await? {
                items.push(AttemptSummary {
                    attempt_id: id,
                    number: s.number,
                    status: if s.submitted { "submitted" } else { "open" },
                    started_ms: s.started_ms,
                    deadline_ms: s.deadline_ms,
                    correct: s.scored.as_ref().map(|r| r.correct),
                    duration_ms: s.scored.as_ref().map(|r| r.duration_ms),
                });
            }
        }
        Ok((self.attempts_left(&round, participant_id).await?, items))
    }
}

fn result_view(attempt_id: &str, s: &Scored, attempts_left: Option<i64>) -> ResultView {
    ResultView {
        attempt_id: attempt_id.to_string(),
        correct: s.correct,
        total: s.total,
        duration_ms: s.duration_ms,
        submitted_ms: s.submitted_ms,
        prediction: s.prediction,
        auto: s.auto,
        attempts_left,
    }
}

/// A question's options in the order this attempt shows them, in `lang` where translated.
pub fn attempt_options(attempt_id: &str, question_id: i64, q: &QuestionData, lang: Option<&str>) -> Vec<OptionView> {
    let (_, texts, _) = q.texts(lang);
    let ids: Vec<i64> = q.options.iter().map(|o| o.id).collect();
    draw::shuffled_options(attempt_id, question_id, &ids)
        .into_iter()
        .filter_map(|id| texts.iter().find(|(o, _)| *o == id))
        .map(|(id, text)| OptionView { id: *id, text: text.to_string() })
        .collect()
}

/// What a client sees of an attempt: questions in its order with options shuffled for it,
/// saved answers, and the server's remaining time. Never a correct option. Questions with a
/// translation in `lang` are in that language; the others stay Vietnamese.
pub fn build_snapshot(
    round: &RoundData,
    state: &AttemptState,
    server_ms: i64,
    attempts_left: Option<i64>,
    lang: Option<&str>,
) -> Snapshot {
    let questions = state
        .question_ids
        .iter()
        .filter_map(|qid| {
            let q = round.questions.get(qid)?;
            let options = attempt_options(&state.attempt_id, *qid, q, lang);
            Some(QuestionView { id: *qid, text: q.texts(lang).0.to_string(), multi: q.correct.len() > 1, options })
        })
        .collect();
    Snapshot {
        attempt_id: state.attempt_id.clone(),
        round_id: round.row.id,
        number: state.number,
        status: if state.submitted { "submitted" } else { "open" },
        started_ms: state.started_ms,
        deadline_ms: state.deadline_ms,
        server_ms,
        remaining_ms: if state.submitted { 0 } else { (state.deadline_ms - server_ms).max(0) },
        questions,
        answers: state.answers.iter().map(|(q, o)| (q.to_string(), o.clone())).collect(),
        last_seq: state.last_seq,
        prediction: match (&round.row.prediction_target, &round.row.prediction_question) {
            (Some(target), Some(question)) => {
                Some(PredictionView { target: target.clone(), question: question.clone() })
            }
            _ => None,
        },
        saved_prediction: state.saved_prediction,
        result: state.scored.as_ref().map(|s| result_view(&state.attempt_id, s, attempts_left)),
    }
}
