//! Question statistics, after Moodle's quiz statistics report, and the answer-key leak
//! detector. Postgres computes the sums; this decides what they mean. Pure.
//!
//! Over every submitted attempt of the round (disqualified participants left out) that drew
//! the question, an unanswered question counting as wrong:
//! - facility index = correct ÷ attempts × 100;
//! - discrimination index = 100 × Pearson correlation between the question's score (0/1)
//!   and the rest of the attempt's score (its correct count without this question), as
//!   Moodle's "discrimination index"; none when either never varies.
//!
//! Leak: answer keys get posted in public groups while a round runs, and a question's
//! accuracy then jumps. A day (Asia/Ho_Chi_Minh) is flagged when it has at least
//! [`LEAK_MIN_ATTEMPTS`] attempts, the days before it together have at least as many, and
//! its facility exceeds theirs by [`LEAK_MARGIN_POINTS`] percentage points or more.

use chrono::NaiveDate;
use serde::Serialize;

pub const LEAK_MARGIN_POINTS: f64 = 20.0;
pub const LEAK_MIN_ATTEMPTS: i64 = 30;

pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 * 10_000.0 / whole as f64).round()) / 100.0)
}

/// One day of one question: attempts that drew it and how many got it right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub attempts: i64,
    pub correct: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakFlag {
    pub date: NaiveDate,
    pub attempts: i64,
    pub facility: f64,
    /// The facility of all the days before, together.
    pub baseline: f64,
}

/// The flagged days, in date order; `days` may come in any order.
pub fn leak_flags(days: &[Day]) -> Vec<LeakFlag> {
    let mut days = days.to_vec();
    days.sort_by_key(|d| d.date);
    let (mut before_n, mut before_c) = (0i64, 0i64);
    let mut flags = Vec::new();
    for d in days {
        if d.attempts >= LEAK_MIN_ATTEMPTS && before_n >= LEAK_MIN_ATTEMPTS {
            let facility = d.correct as f64 * 100.0 / d.attempts as f64;
            let baseline = before_c as f64 * 100.0 / before_n as f64;
            if facility - baseline >= LEAK_MARGIN_POINTS {
                let round2 = |x: f64| (x * 100.0).round() / 100.0;
                flags.push(LeakFlag {
                    date: d.date,
                    attempts: d.attempts,
                    facility: round2(facility),
                    baseline: round2(baseline),
                });
            }
        }
        before_n += d.attempts;
        before_c += d.correct;
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32, attempts: i64, correct: i64) -> Day {
        Day { date: NaiveDate::from_ymd_opt(2026, 11, d).expect("date"), attempts, correct }
    }

    #[test]
    fn a_jump_after_steady_days_is_flagged_and_a_steady_question_is_not() {
        // 40 % on two days (80 attempts), then 90 %: +50 points.
        let leaked = leak_flags(&[day(18, 40, 36), day(16, 40, 16), day(17, 40, 16)]);
        assert_eq!(leaked, vec![LeakFlag { date: day(18, 0, 0).date, attempts: 40, facility: 90.0, baseline: 40.0 }]);
        let steady = leak_flags(&[day(16, 40, 16), day(17, 40, 18), day(18, 40, 20)]);
        assert!(steady.is_empty());
    }

    #[test]
    fn too_few_attempts_on_either_side_flag_nothing() {
        assert!(leak_flags(&[day(16, 29, 0), day(17, 40, 40)]).is_empty(), "too little history");
        assert!(leak_flags(&[day(16, 40, 0), day(17, 29, 29)]).is_empty(), "too few that day");
        // Exactly the margin is flagged: 40 % then 60 %.
        assert_eq!(leak_flags(&[day(16, 30, 12), day(17, 30, 18)]).len(), 1);
    }

    #[test]
    fn percents_have_two_decimals() {
        assert_eq!(percent(1, 3), Some(33.33));
        assert_eq!(percent(2, 3), Some(66.67));
        assert_eq!(percent(0, 0), None);
    }
}
