//! The contest definition file (TOML): the contest, its rules page, units and rounds.
//! Paths inside it are relative to the file. See `demo/contest.toml`.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use super::draw::DrawGroup;
use super::ranking::{parse_chain, RankKey};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestDefinition {
    pub slug: String,
    pub title: String,
    pub organiser: String,
    pub rules_file: String,
    pub consent_file: String,
    pub consent_version: String,
    pub questions_file: String,
    #[serde(default)]
    pub cccd_required: bool,
    #[serde(default)]
    pub min_age: Option<u32>,
    pub units: UnitsDefinition,
    /// Where the contest is; when absent, the province of `units.communes_of_province`.
    #[serde(default)]
    pub scope: Option<ScopeDefinition>,
    pub rounds: Vec<RoundDefinition>,
}

/// `[scope]` with `national = true`, or `provinces = ["15", "01"]` (2025 province codes).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeDefinition {
    #[serde(default)]
    pub national: bool,
    #[serde(default)]
    pub provinces: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitsDefinition {
    /// Units are the 2025 communes of this province (official 2-digit code).
    #[serde(default)]
    pub communes_of_province: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PredictionTarget {
    /// How many participants will have a perfect best attempt.
    PerfectParticipants,
    /// How many participants will submit at least one attempt.
    Participants,
    /// How many attempts will be submitted.
    Attempts,
}

impl PredictionTarget {
    pub fn as_str(&self) -> &'static str {
        match self {
            PredictionTarget::PerfectParticipants => "perfect_participants",
            PredictionTarget::Participants => "participants",
            PredictionTarget::Attempts => "attempts",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::PerfectParticipants, Self::Participants, Self::Attempts].into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionDefinition {
    pub target: PredictionTarget,
    pub question: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundDefinition {
    pub title: String,
    pub opens_at: DateTime<FixedOffset>,
    pub closes_at: DateTime<FixedOffset>,
    pub time_limit_minutes: u32,
    /// Omitted: unlimited.
    #[serde(default)]
    pub attempt_limit: Option<u32>,
    pub questions_per_attempt: usize,
    #[serde(default = "default_grace")]
    pub grace_seconds: u32,
    #[serde(default)]
    pub prediction: Option<PredictionDefinition>,
    #[serde(default = "default_chain")]
    pub ranking: Vec<String>,
    pub draw: Vec<DrawGroup>,
}

fn default_grace() -> u32 {
    2
}

fn default_chain() -> Vec<String> {
    super::ranking::DEFAULT_CHAIN.iter().map(|k| k.as_str().to_string()).collect()
}

impl ContestDefinition {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let def: Self = toml::from_str(text)?;
        def.validate()
            .map_err(|problems| anyhow::anyhow!("invalid contest definition:\n- {}", problems.join("\n- ")))?;
        Ok(def)
    }

    /// Every problem at once.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        let slug_ok = !self.slug.is_empty()
            && self.slug.len() <= 64
            && self.slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            problems.push(format!("slug {:?}: use 1–64 of a-z, 0-9 and '-'", self.slug));
        }
        if self.rounds.is_empty() {
            problems.push("a contest needs at least one round".into());
        }
        for (i, r) in self.rounds.iter().enumerate() {
            let name = format!("round {} ({})", i + 1, r.title);
            if r.closes_at <= r.opens_at {
                problems.push(format!("{name}: closes_at must be after opens_at"));
            }
            if r.time_limit_minutes == 0 || r.time_limit_minutes > 24 * 60 {
                problems.push(format!("{name}: time_limit_minutes must be 1…1440"));
            }
            if r.grace_seconds > 60 {
                problems.push(format!("{name}: grace_seconds must be 0…60"));
            }
            if r.attempt_limit == Some(0) {
                problems.push(format!("{name}: attempt_limit must be at least 1 (omit it for unlimited)"));
            }
            if super::draw::total(&r.draw) != r.questions_per_attempt {
                problems.push(format!(
                    "{name}: the draw rule gives {} questions but questions_per_attempt is {}",
                    super::draw::total(&r.draw),
                    r.questions_per_attempt
                ));
            }
            if let Err(e) = parse_chain(&r.ranking) {
                problems.push(format!("{name}: {e}"));
            } else if r.prediction.is_none() && r.ranking.iter().any(|k| k == RankKey::PredictionDistanceAsc.as_str()) {
                problems
                    .push(format!("{name}: the ranking uses the prediction but the round has no prediction question"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
slug = "demo"
title = "T"
organiser = "O"
rules_file = "rules.md"
consent_file = "consent.md"
consent_version = "v1"
questions_file = "q.csv"
[units]
communes_of_province = "15"
[[rounds]]
title = "Tuần 1"
opens_at = "2026-11-16T00:00:00+07:00"
closes_at = "2026-11-23T00:00:00+07:00"
time_limit_minutes = 15
attempt_limit = 2
questions_per_attempt = 3
prediction = { target = "perfect_participants", question = "Bao nhiêu?" }
draw = [{ count = 2, difficulty = "easy" }, { count = 1 }]
"#;

    #[test]
    fn parses_the_documented_layout() {
        let def = ContestDefinition::parse(GOOD).expect("valid");
        assert_eq!(def.rounds[0].ranking.len(), 4);
        assert_eq!(def.rounds[0].grace_seconds, 2);
    }

    #[test]
    fn lists_every_problem() {
        let bad = GOOD
            .replace("slug = \"demo\"", "slug = \"Bad Slug\"")
            .replace("questions_per_attempt = 3", "questions_per_attempt = 5")
            .replace("prediction = { target = \"perfect_participants\", question = \"Bao nhiêu?\" }\n", "");
        let err = ContestDefinition::parse(&bad).expect_err("invalid").to_string();
        assert!(err.contains("slug"), "{err}");
        assert!(err.contains("questions_per_attempt is 5"), "{err}");
        assert!(err.contains("no prediction question"), "{err}");
    }
}
