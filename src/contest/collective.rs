//! Collective rankings (giải tập thể): each unit's participants, participation rate
//! (participants ÷ headcount), winners, and the organiser's weighted score
//!
//! score = rate_weight × rate (in %) + participant_weight × participants
//!       + Σ prize_points[prize] over the unit's awards.
//!
//! Quảng Nam 2022, for example, scored rate % plus Nhất 10, Nhì 8, Ba 6, Khuyến khích 4:
//! `{"rate_weight": 1, "participant_weight": 0, "prize_points": {"Giải Nhất": 10, …}}`.
//! A unit without a headcount has no rate and scores nothing for it. Pure.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::FieldError;

/// Weights stay within this, so a typo (1e9) is refused rather than silently dominating.
pub const MAX_WEIGHT: f64 = 10_000.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    #[serde(default = "one")]
    pub rate_weight: f64,
    #[serde(default)]
    pub participant_weight: f64,
    /// Points per award, by the prize's name as configured on the rounds.
    #[serde(default)]
    pub prize_points: BTreeMap<String, f64>,
}

fn one() -> f64 {
    1.0
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring { rate_weight: 1.0, participant_weight: 0.0, prize_points: BTreeMap::new() }
    }
}

impl Scoring {
    /// Every problem at once; `prizes` are the prize names the contest's rounds (and overall
    /// ranking) award, so a misspelt name is caught when it is set, not in the report.
    pub fn check(&self, prizes: &[String]) -> Vec<FieldError> {
        let weight_ok = |w: f64| w.is_finite() && (0.0..=MAX_WEIGHT).contains(&w);
        let mut errors = Vec::new();
        if !weight_ok(self.rate_weight) {
            errors.push(FieldError::new("collective.rate_weight", "invalid_number"));
        }
        if !weight_ok(self.participant_weight) {
            errors.push(FieldError::new("collective.participant_weight", "invalid_number"));
        }
        if self.prize_points.values().any(|p| !weight_ok(*p)) {
            errors.push(FieldError::new("collective.prize_points", "invalid_number"));
        }
        if self.prize_points.keys().any(|name| !prizes.contains(name)) {
            errors.push(FieldError::new("collective.prize_points", "unknown_prize"));
        }
        errors
    }
}

/// What the database knows of one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTally {
    pub code: String,
    pub name: String,
    pub headcount: Option<i64>,
    pub participants: i64,
    /// The prize names of the unit's awards, one entry per award.
    pub prizes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitStanding {
    pub rank: i64,
    pub code: String,
    pub name: String,
    pub headcount: Option<i64>,
    pub participants: i64,
    /// Percent with two decimals; `None` without a headcount.
    pub rate: Option<f64>,
    pub winners: i64,
    /// Awards per prize name.
    pub prizes: BTreeMap<String, i64>,
    pub score: f64,
}

fn two_decimals(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Standings, best first: higher score, then more participants; units equal on both share
/// a rank ("1, 2, 2, 4") and are listed in Vietnamese alphabetical order.
pub fn rank(units: &[UnitTally], scoring: &Scoring) -> Vec<UnitStanding> {
    let mut out: Vec<UnitStanding> = units
        .iter()
        .map(|u| {
            let rate = u.headcount.filter(|h| *h > 0).map(|h| two_decimals(u.participants as f64 * 100.0 / h as f64));
            let mut prizes = BTreeMap::new();
            for p in &u.prizes {
                *prizes.entry(p.clone()).or_insert(0) += 1;
            }
            let prize_score: f64 = u.prizes.iter().filter_map(|p| scoring.prize_points.get(p)).sum();
            let score = two_decimals(
                scoring.rate_weight * rate.unwrap_or(0.0)
                    + scoring.participant_weight * u.participants as f64
                    + prize_score,
            );
            UnitStanding {
                rank: 0,
                code: u.code.clone(),
                name: u.name.clone(),
                headcount: u.headcount,
                participants: u.participants,
                rate,
                winners: u.prizes.len() as i64,
                prizes,
                score,
            }
        })
        .collect();
    // Scores are compared in hundredths, as shown, so equal-looking scores are ties.
    let key = |s: &UnitStanding| ((s.score * 100.0).round() as i64, s.participants);
    let by_merit = |a: &UnitStanding, b: &UnitStanding| key(b).cmp(&key(a));
    out.sort_by(|a, b| {
        by_merit(a, b)
            .then_with(|| crate::domain::collation::compare(&a.name, &b.name))
            .then_with(|| a.code.cmp(&b.code))
    });
    for i in 0..out.len() {
        out[i].rank =
            if i > 0 && by_merit(&out[i - 1], &out[i]) == Ordering::Equal { out[i - 1].rank } else { i as i64 + 1 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, name: &str, headcount: Option<i64>, participants: i64, prizes: &[&str]) -> UnitTally {
        UnitTally {
            code: code.into(),
            name: name.into(),
            headcount,
            participants,
            prizes: prizes.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn quang_nam() -> Scoring {
        Scoring {
            rate_weight: 1.0,
            participant_weight: 0.0,
            prize_points: [("Nhất", 10.0), ("Nhì", 8.0), ("Ba", 6.0), ("KK", 4.0)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }

    /// Worked by hand: A 40/50 = 80 % + Nhất 10 + KK 4 = 94; B 30/40 = 75 % + Nhì 8 = 83;
    /// Đ 30/40 = 75 % + Nhì 8 = 83 with as many people (tied with B, listed after it:
    /// b < đ); C has no headcount:
    /// no rate, Ba 6 = 6; E 0/10 = 0.
    #[test]
    fn rate_plus_points_per_prize_worked_by_hand() {
        let units = [
            unit("C", "Trường C", None, 100, &["Ba"]),
            unit("D", "Đoàn Đ", Some(40), 30, &["Nhì"]),
            unit("A", "Sở A", Some(50), 40, &["Nhất", "KK"]),
            unit("E", "Xã E", Some(10), 0, &[]),
            unit("B", "Ban B", Some(40), 30, &["Nhì"]),
        ];
        let got = rank(&units, &quang_nam());
        let summary: Vec<(i64, &str, Option<f64>, f64, i64)> =
            got.iter().map(|s| (s.rank, s.code.as_str(), s.rate, s.score, s.winners)).collect();
        assert_eq!(
            summary,
            vec![
                (1, "A", Some(80.0), 94.0, 2),
                (2, "B", Some(75.0), 83.0, 1),
                (2, "D", Some(75.0), 83.0, 1),
                (4, "C", None, 6.0, 1),
                (5, "E", Some(0.0), 0.0, 0),
            ]
        );
        assert_eq!(got[0].prizes.get("KK"), Some(&1));
    }

    #[test]
    fn more_participants_break_a_score_tie_and_rates_have_two_decimals() {
        let units = [unit("X", "X", Some(3), 1, &[]), unit("Y", "Y", Some(6), 2, &[])];
        let got = rank(&units, &Scoring::default());
        assert_eq!(got.iter().map(|s| (s.rank, s.code.as_str())).collect::<Vec<_>>(), [(1, "Y"), (2, "X")]);
        assert_eq!(got[0].rate, Some(33.33));
        let weighted = Scoring { rate_weight: 0.0, participant_weight: 0.5, ..Scoring::default() };
        assert_eq!(rank(&units, &weighted)[0].score, 1.0);
    }

    #[test]
    fn settings_are_checked_with_every_problem_listed() {
        let prizes = vec!["Nhất".to_string()];
        assert!(Scoring::default().check(&prizes).is_empty());
        let bad = Scoring {
            rate_weight: f64::NAN,
            participant_weight: -1.0,
            prize_points: [("Nhất".to_string(), 1e9), ("Nhat".to_string(), 1.0)].into_iter().collect(),
        };
        let codes: Vec<(&str, &str)> = bad.check(&prizes).iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            codes,
            [
                ("collective.rate_weight", "invalid_number"),
                ("collective.participant_weight", "invalid_number"),
                ("collective.prize_points", "invalid_number"),
                ("collective.prize_points", "unknown_prize"),
            ]
        );
        let parsed: Result<Scoring, _> = serde_json::from_str(r#"{"rate": 1}"#);
        assert!(parsed.is_err(), "unknown fields are refused");
    }
}
