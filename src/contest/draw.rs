//! Draw rules: which questions an attempt gets ("8 easy + 8 medium + 4 hard from topics X,
//! Y"), drawn at random per attempt; and per-attempt option shuffling.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::bank::Difficulty;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawGroup {
    pub count: usize,
    #[serde(default)]
    pub difficulty: Option<Difficulty>,
    /// Empty: any topic.
    #[serde(default)]
    pub topics: Vec<String>,
}

pub type DrawRule = Vec<DrawGroup>;

/// What the draw needs to know of a question.
#[derive(Debug, Clone)]
pub struct Drawable<'a> {
    pub id: i64,
    pub topic: &'a str,
    pub difficulty: Difficulty,
}

impl DrawGroup {
    fn accepts(&self, q: &Drawable<'_>) -> bool {
        self.difficulty.is_none_or(|d| d == q.difficulty)
            && (self.topics.is_empty() || self.topics.iter().any(|t| t == q.topic))
    }
    pub fn describe(&self) -> String {
        let difficulty = self.difficulty.map(|d| d.as_str()).unwrap_or("any difficulty");
        let topics = if self.topics.is_empty() { "any topic".to_string() } else { self.topics.join(", ") };
        format!("{} × {difficulty} from {topics}", self.count)
    }
}

/// Draws one attempt's questions: each group takes its count from the questions it accepts
/// that no earlier group took; the result is shuffled. Fails if the bank cannot satisfy it.
pub fn draw<R: Rng>(bank: &[Drawable<'_>], rule: &[DrawGroup], rng: &mut R) -> Result<Vec<i64>, String> {
    let mut taken: Vec<i64> = Vec::new();
    for group in rule {
        let mut pool: Vec<i64> =
            bank.iter().filter(|q| group.accepts(q) && !taken.contains(&q.id)).map(|q| q.id).collect();
        if pool.len() < group.count {
            return Err(format!("the bank has {} questions for \"{}\"", pool.len(), group.describe()));
        }
        pool.shuffle(rng);
        taken.extend_from_slice(&pool[..group.count]);
    }
    taken.shuffle(rng);
    Ok(taken)
}

/// The first group of `rule` the bank cannot fill, with how many questions it has for it
/// (what [`check`] reports, kept as data so that each language can say it).
pub fn shortfall<'r>(bank: &[Drawable<'_>], rule: &'r [DrawGroup]) -> Option<(usize, &'r DrawGroup)> {
    let mut taken: Vec<i64> = Vec::new();
    for group in rule {
        let pool: Vec<i64> = bank.iter().filter(|q| group.accepts(q) && !taken.contains(&q.id)).map(|q| q.id).collect();
        if pool.len() < group.count {
            return Some((pool.len(), group));
        }
        taken.extend_from_slice(&pool[..group.count]);
    }
    None
}

/// Checks that the bank can satisfy the rule for every attempt (a greedy draw succeeds
/// whatever the random choices: groups are checked in order against what is left).
pub fn check(bank: &[Drawable<'_>], rule: &[DrawGroup]) -> Result<(), String> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    for _ in 0..16 {
        draw(bank, rule, &mut rng)?;
    }
    Ok(())
}

pub fn total(rule: &[DrawGroup]) -> usize {
    rule.iter().map(|g| g.count).sum()
}

/// The order in which an attempt shows a question's options: a shuffle seeded by the attempt
/// and question, so it is the same on every reconnect without being stored.
pub fn shuffled_options(attempt_id: &str, question_id: i64, options: &[i64]) -> Vec<i64> {
    let mut hasher = Sha256::new();
    hasher.update(attempt_id.as_bytes());
    hasher.update(question_id.to_le_bytes());
    let seed: [u8; 32] = hasher.finalize().into();
    let mut rng = rand_chacha::ChaCha8Rng::from_seed(seed);
    let mut out = options.to_vec();
    out.shuffle(&mut rng);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortfall_names_the_group_check_refuses() {
        let bank = bank();
        let fits = vec![DrawGroup { count: 1, difficulty: None, topics: vec![] }];
        assert!(shortfall(&bank, &fits).is_none() && check(&bank, &fits).is_ok());
        let too_many = vec![DrawGroup { count: bank.len() + 1, difficulty: None, topics: vec![] }];
        assert_eq!(shortfall(&bank, &too_many).map(|(n, g)| (n, g.count)), Some((bank.len(), bank.len() + 1)));
        assert!(check(&bank, &too_many).is_err());
    }

    fn bank() -> Vec<Drawable<'static>> {
        let mut out = Vec::new();
        for i in 0..30 {
            let difficulty = match i % 3 {
                0 => Difficulty::Easy,
                1 => Difficulty::Medium,
                _ => Difficulty::Hard,
            };
            out.push(Drawable { id: i, topic: if i < 15 { "a" } else { "b" }, difficulty });
        }
        out
    }

    fn group(count: usize, difficulty: Option<Difficulty>, topics: &[&str]) -> DrawGroup {
        DrawGroup { count, difficulty, topics: topics.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn draws_follow_the_rule_without_repeats() {
        let b = bank();
        let rule =
            vec![group(4, Some(Difficulty::Easy), &[]), group(3, Some(Difficulty::Hard), &["b"]), group(2, None, &[])];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for _ in 0..200 {
            let ids = draw(&b, &rule, &mut rng).expect("satisfiable");
            assert_eq!(ids.len(), 9);
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 9);
            let easy = ids.iter().filter(|id| *id % 3 == 0).count();
            let hard_b = ids.iter().filter(|id| *id % 3 == 2 && **id >= 15).count();
            assert!(easy >= 4 && hard_b >= 3, "{ids:?}");
        }
    }

    #[test]
    fn draws_differ_between_attempts() {
        let b = bank();
        let rule = vec![group(10, None, &[])];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let first = draw(&b, &rule, &mut rng).expect("ok");
        assert!((0..20).any(|_| draw(&b, &rule, &mut rng).expect("ok") != first));
    }

    #[test]
    fn unsatisfiable_rules_are_reported() {
        let b = bank();
        let err = check(&b, &[group(6, Some(Difficulty::Hard), &["a"])]).expect_err("only 5");
        assert!(err.contains("has 5 questions"), "{err}");
    }

    #[test]
    fn option_shuffle_is_stable_per_attempt_and_varies_between_attempts() {
        let options = [11, 22, 33, 44];
        let a = shuffled_options("attempt-1", 5, &options);
        assert_eq!(a, shuffled_options("attempt-1", 5, &options));
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, options);
        let differs = (0..50).any(|i| shuffled_options(&format!("attempt-{i}"), 5, &options) != a);
        assert!(differs);
    }

    /// The order is recomputed at every display, never stored: a new build that changed it
    /// would reorder the options of the attempts open during the deploy (the answers name
    /// option ids, so scoring is unaffected). rand 0.8 → 0.10 changed it once
    /// ([5, 6, 4, 3, 7, 8, 2, 1] before); this test makes the next change visible.
    #[test]
    fn option_order_is_the_same_in_every_build() {
        let options: Vec<i64> = (1..=8).collect();
        assert_eq!(shuffled_options("a1", 7, &options), vec![1, 3, 5, 7, 6, 2, 8, 4]);
        assert_eq!(shuffled_options("0190-x", 123_456, &options[..4]), vec![3, 4, 1, 2]);
    }
}
