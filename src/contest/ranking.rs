//! The ranking chain: the order in which Vietnamese contests break ties. The same chain is
//! written as SQL (`order_by_sql`) for finalisation; a property test holds the two equal.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankKey {
    /// More correct answers first.
    CorrectDesc,
    /// Smaller |prediction − actual| first; no prediction ranks last.
    PredictionDistanceAsc,
    /// Less time used first.
    DurationAsc,
    /// Earlier submission first.
    SubmittedAsc,
}

impl RankKey {
    pub fn as_str(&self) -> &'static str {
        match self {
            RankKey::CorrectDesc => "correct_desc",
            RankKey::PredictionDistanceAsc => "prediction_distance_asc",
            RankKey::DurationAsc => "duration_asc",
            RankKey::SubmittedAsc => "submitted_asc",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::CorrectDesc, Self::PredictionDistanceAsc, Self::DurationAsc, Self::SubmittedAsc]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    fn sql(&self) -> &'static str {
        match self {
            RankKey::CorrectDesc => "correct DESC",
            RankKey::PredictionDistanceAsc => "distance ASC NULLS LAST",
            RankKey::DurationAsc => "duration_ms ASC",
            RankKey::SubmittedAsc => "submitted_at_ms ASC",
        }
    }
}

/// The default chain of Vietnamese law contests.
pub const DEFAULT_CHAIN: [RankKey; 4] =
    [RankKey::CorrectDesc, RankKey::PredictionDistanceAsc, RankKey::DurationAsc, RankKey::SubmittedAsc];

/// One participant's counted attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankEntry {
    pub participant_id: i64,
    pub correct: i64,
    pub distance: Option<i64>,
    pub duration_ms: i64,
    pub submitted_ms: i64,
}

/// Compares two entries by the chain alone (Equal means tied).
pub fn compare(a: &RankEntry, b: &RankEntry, chain: &[RankKey]) -> Ordering {
    chain
        .iter()
        .map(|key| match key {
            RankKey::CorrectDesc => b.correct.cmp(&a.correct),
            RankKey::PredictionDistanceAsc => match (a.distance, b.distance) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            RankKey::DurationAsc => a.duration_ms.cmp(&b.duration_ms),
            RankKey::SubmittedAsc => a.submitted_ms.cmp(&b.submitted_ms),
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Ranks entries: `(participant_id, rank)` best first. Tied entries share a rank and the
/// next rank skips ("1, 2, 2, 4"); ties are listed by participant id so output is stable.
pub fn rank(entries: &[RankEntry], chain: &[RankKey]) -> Vec<(i64, i64)> {
    let mut sorted: Vec<&RankEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| compare(a, b, chain).then(a.participant_id.cmp(&b.participant_id)));
    let mut out = Vec::with_capacity(sorted.len());
    let mut current = 0;
    for (i, entry) in sorted.iter().enumerate() {
        if i == 0 || compare(sorted[i - 1], entry, chain).is_ne() {
            current = i as i64 + 1;
        }
        out.push((entry.participant_id, current));
    }
    out
}

/// The chain as an SQL `ORDER BY` list over columns correct, distance, duration_ms,
/// submitted_at_ms. Built only from the fixed fragments above, never from input.
pub fn order_by_sql(chain: &[RankKey]) -> String {
    if chain.is_empty() {
        return "correct DESC".into();
    }
    chain.iter().map(RankKey::sql).collect::<Vec<_>>().join(", ")
}

/// Parses a configured chain; every key at most once.
pub fn parse_chain(keys: &[String]) -> Result<Vec<RankKey>, String> {
    let mut chain = Vec::new();
    for k in keys {
        let key = RankKey::parse(k).ok_or_else(|| format!("unknown ranking key {k:?}"))?;
        if chain.contains(&key) {
            return Err(format!("ranking key {k:?} appears twice"));
        }
        chain.push(key);
    }
    if chain.is_empty() {
        return Err("the ranking chain is empty".into());
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(p: i64, correct: i64, distance: Option<i64>, duration: i64, submitted: i64) -> RankEntry {
        RankEntry { participant_id: p, correct, distance, duration_ms: duration, submitted_ms: submitted }
    }

    #[test]
    fn chain_order_worked_by_hand() {
        let entries = vec![
            e(1, 18, Some(5), 300_000, 1_000),
            e(2, 20, Some(100), 600_000, 2_000), // most correct wins despite a poor prediction
            e(3, 18, Some(5), 200_000, 3_000),   // same correct and distance as 1, faster
            e(4, 18, None, 100_000, 500),        // no prediction ranks after any prediction
            e(5, 18, Some(5), 200_000, 3_000),   // tied with 3 on every key
            e(6, 18, Some(2), 900_000, 9_000),
        ];
        assert_eq!(rank(&entries, &DEFAULT_CHAIN), vec![(2, 1), (6, 2), (3, 3), (5, 3), (1, 5), (4, 6)]);
    }

    #[test]
    fn a_shorter_chain_makes_more_ties() {
        let entries = vec![e(1, 10, Some(1), 5, 5), e(2, 10, Some(9), 1, 1)];
        assert_eq!(rank(&entries, &[RankKey::CorrectDesc]), vec![(1, 1), (2, 1)]);
        assert_eq!(rank(&entries, &[RankKey::CorrectDesc, RankKey::DurationAsc]), vec![(2, 1), (1, 2)]);
    }

    #[test]
    fn chain_parsing() {
        assert_eq!(
            parse_chain(&["correct_desc".into(), "duration_asc".into()]),
            Ok(vec![RankKey::CorrectDesc, RankKey::DurationAsc])
        );
        assert!(parse_chain(&["correct_desc".into(), "correct_desc".into()]).is_err());
        assert!(parse_chain(&["fastest".into()]).is_err());
        assert!(parse_chain(&[]).is_err());
        assert_eq!(
            order_by_sql(&DEFAULT_CHAIN),
            "correct DESC, distance ASC NULLS LAST, duration_ms ASC, submitted_at_ms ASC"
        );
    }
}
