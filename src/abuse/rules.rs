//! The detection rules, pure: rows in, findings out. Each rule is tuned so that the honest
//! crowds of a Vietnamese contest (a school behind one address, two people with a common
//! name) are left alone; a finding is only a case for an organiser to review.

use std::collections::HashMap;

use serde_json::json;

use crate::domain::text::normalize_tone_placement;

/// Registrations from one device id within `DEVICE_WINDOW_MS` that make a case (in the table
/// of limits, which the proof-of-work soft limit derives from).
pub use crate::limits::DEVICE_BURST;
pub const DEVICE_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Registrations from one network address within `ADDRESS_WINDOW_MS` that make a case. A
/// school of 300 registering over an hour peaks at a class of 40 over a few minutes; a
/// script registers dozens a minute.
pub const ADDRESS_BURST: usize = 30;
pub const ADDRESS_WINDOW_MS: i64 = 60 * 1000;
/// Identical answer sequences are compared only from this many answers on.
pub const MIN_ANSWERS_COMPARED: usize = 5;
/// "Near-identical timings": every answer within this many ms of the other attempt's,
/// counted from each attempt's start.
pub const TIMING_TOLERANCE_MS: i64 = 1_000;
/// Reading speed below which nobody reads: 15 ms per character of question and options
/// (about 65 characters a second, twice a fast reader), and at least 1 s per question.
pub const READING_MS_PER_CHAR: i64 = 15;
pub const MIN_READING_MS_PER_QUESTION: i64 = 1_000;
/// Attempts with fewer answers are not judged for speed.
pub const MIN_ANSWERS_FOR_SPEED: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    RegistrationBurst,
    SamePerson,
    IdenticalAnswers,
    TooFast,
}

impl Rule {
    pub const ALL: [Rule; 4] = [Rule::RegistrationBurst, Rule::SamePerson, Rule::IdenticalAnswers, Rule::TooFast];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::RegistrationBurst => "registration_burst",
            Rule::SamePerson => "same_person",
            Rule::IdenticalAnswers => "identical_answers",
            Rule::TooFast => "too_fast",
        }
    }
}

/// What a rule found: the participants, and evidence for the reviewer (never a phone or
/// CCCD, never an address).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    pub round_id: Option<i64>,
    /// Stable across scans for the same cluster, so a re-scan updates the case.
    pub fingerprint: String,
    pub participant_ids: Vec<i64>,
    pub evidence: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Device,
    Address,
}

impl KeyKind {
    fn as_str(self) -> &'static str {
        match self {
            KeyKind::Device => "device",
            KeyKind::Address => "address",
        }
    }
    fn threshold(self) -> (usize, i64) {
        match self {
            KeyKind::Device => (DEVICE_BURST, DEVICE_WINDOW_MS),
            KeyKind::Address => (ADDRESS_BURST, ADDRESS_WINDOW_MS),
        }
    }
}

/// One registration, keyed by the HMAC of its device id or address.
#[derive(Debug, Clone)]
pub struct Registration {
    pub participant_id: i64,
    pub at_ms: i64,
    pub key: Vec<u8>,
}

/// Rule (a): bursts of registrations under one key. A burst starts where `threshold`
/// registrations fit in the window and goes on while each new one still completes a full
/// window; it is one case, fingerprinted by its key and first participant.
pub fn registration_bursts(rows: &[Registration], kind: KeyKind) -> Vec<Finding> {
    let (threshold, window) = kind.threshold();
    let mut by_key: HashMap<&[u8], Vec<&Registration>> = HashMap::new();
    for r in rows {
        by_key.entry(&r.key).or_default().push(r);
    }
    let mut out = Vec::new();
    for (key, mut regs) in by_key {
        if regs.len() < threshold {
            continue;
        }
        regs.sort_by_key(|r| (r.at_ms, r.participant_id));
        let mut i = 0;
        while i + threshold <= regs.len() {
            let dense = |end: usize| regs[end].at_ms - regs[end + 1 - threshold].at_ms <= window;
            if !dense(i + threshold - 1) {
                i += 1;
                continue;
            }
            let mut end = i + threshold - 1;
            while end + 1 < regs.len() && dense(end + 1) {
                end += 1;
            }
            let members = &regs[i..=end];
            let key_hex = hex::encode(&key[..key.len().min(8)]);
            out.push(Finding {
                rule: Rule::RegistrationBurst,
                round_id: None,
                fingerprint: format!("{}:{key_hex}:p{}", kind.as_str(), members[0].participant_id),
                participant_ids: members.iter().map(|r| r.participant_id).collect(),
                evidence: json!({
                    "key": kind.as_str(),
                    "count": members.len(),
                    "first_at_ms": members[0].at_ms,
                    "last_at_ms": members[members.len() - 1].at_ms,
                    "threshold": threshold,
                    "window_ms": window,
                }),
            });
            i = end + 1;
        }
    }
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out
}

/// A registered person, as rule (b) compares them.
#[derive(Debug, Clone)]
pub struct Person {
    pub participant_id: i64,
    pub full_name: String,
    pub dob: chrono::NaiveDate,
}

/// The comparison form of a name: NFC with one tone-mark placement ("Hoà" = "Hòa"),
/// lowercase, single spaces. Diacritics stay: "Lan" and "Lân" are different people.
pub fn name_key(name: &str) -> String {
    normalize_tone_placement(name).to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Rule (b): the same name and date of birth under different phones in one contest (a
/// contest has one participant per phone, so two rows are two phones).
pub fn same_person(people: &[Person]) -> Vec<Finding> {
    let mut groups: HashMap<(String, chrono::NaiveDate), Vec<i64>> = HashMap::new();
    for p in people {
        groups.entry((name_key(&p.full_name), p.dob)).or_default().push(p.participant_id);
    }
    let mut out: Vec<Finding> = groups
        .into_values()
        .filter(|ids| ids.len() >= 2)
        .map(|mut ids| {
            ids.sort_unstable();
            Finding {
                rule: Rule::SamePerson,
                round_id: None,
                fingerprint: format!("p{}", ids[0]),
                evidence: json!({"count": ids.len()}),
                participant_ids: ids,
            }
        })
        .collect();
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out
}

/// One persisted attempt with its answers.
#[derive(Debug, Clone)]
pub struct AttemptTrace {
    pub attempt_id: uuid::Uuid,
    pub participant_id: i64,
    pub round_id: i64,
    pub started_at_ms: i64,
    /// (question, options, answered_at_ms), in any order.
    pub answers: Vec<(i64, Vec<i64>, i64)>,
}

impl AttemptTrace {
    fn ordered(&self) -> Vec<&(i64, Vec<i64>, i64)> {
        let mut v: Vec<_> = self.answers.iter().collect();
        v.sort_by_key(|(q, _, at)| (*at, *q));
        v
    }

    /// What rule (c) compares: the questions in the order answered, each with its options
    /// (sorted); `None` for an attempt with too few answers to compare.
    fn signature(&self) -> Option<Vec<(i64, Vec<i64>)>> {
        if self.answers.len() < MIN_ANSWERS_COMPARED {
            return None;
        }
        Some(
            self.ordered()
                .iter()
                .map(|(q, o, _)| {
                    let mut o = o.clone();
                    o.sort_unstable();
                    (*q, o)
                })
                .collect(),
        )
    }

    /// A hash of (round, [`Self::signature`]): attempts whose hash no other attempt shares
    /// cannot be in a finding of rule (c), so a scan can keep just the others in memory.
    pub fn signature_hash(&self) -> Option<u64> {
        use std::hash::{Hash, Hasher};
        let signature = self.signature()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.round_id, signature).hash(&mut h);
        Some(h.finish())
    }
}

/// Rule (c): attempts of different participants that answered the same questions in the
/// same order with the same options, each answer within `TIMING_TOLERANCE_MS` of the
/// other's (from each attempt's start). Matching attempts are clustered.
pub fn identical_answers(attempts: &[AttemptTrace]) -> Vec<Finding> {
    // (round, the answers in order) → (attempt index, answer offsets from the start)
    type Bucket = (i64, Vec<(i64, Vec<i64>)>);
    type Member = (usize, Vec<i64>);
    let mut buckets: HashMap<Bucket, Vec<Member>> = HashMap::new();
    for (i, a) in attempts.iter().enumerate() {
        let Some(signature) = a.signature() else { continue };
        let offsets = a.ordered().iter().map(|(_, _, at)| at - a.started_at_ms).collect();
        buckets.entry((a.round_id, signature)).or_default().push((i, offsets));
    }
    let mut parent: Vec<usize> = (0..attempts.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (_, mut members) in buckets {
        // Sorted by the last answer's offset: only neighbours within the tolerance can match.
        members.sort_by_key(|(_, offsets)| offsets.last().copied().unwrap_or_default());
        for x in 0..members.len() {
            for y in x + 1..members.len() {
                let (ix, ox) = &members[x];
                let (iy, oy) = &members[y];
                let last = |o: &Vec<i64>| o.last().copied().unwrap_or_default();
                if last(oy) - last(ox) > TIMING_TOLERANCE_MS {
                    break;
                }
                let close = ox.iter().zip(oy).all(|(a, b)| (a - b).abs() <= TIMING_TOLERANCE_MS);
                if close && attempts[*ix].participant_id != attempts[*iy].participant_id {
                    let (rx, ry) = (root(&mut parent, *ix), root(&mut parent, *iy));
                    parent[rx] = ry;
                }
            }
        }
    }
    let mut clusters: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..attempts.len() {
        let r = root(&mut parent, i);
        clusters.entry(r).or_default().push(i);
    }
    let mut out: Vec<Finding> = clusters
        .into_values()
        .filter(|members| members.len() >= 2)
        .map(|members| {
            let mut ids: Vec<uuid::Uuid> = members.iter().map(|&i| attempts[i].attempt_id).collect();
            ids.sort_unstable();
            let mut participants: Vec<i64> = members.iter().map(|&i| attempts[i].participant_id).collect();
            participants.sort_unstable();
            participants.dedup();
            let first = &attempts[members[0]];
            Finding {
                rule: Rule::IdenticalAnswers,
                round_id: Some(first.round_id),
                fingerprint: format!("a{}", ids[0]),
                evidence: json!({
                    "attempt_ids": ids,
                    "answers": first.answers.len(),
                    "tolerance_ms": TIMING_TOLERANCE_MS,
                }),
                participant_ids: participants,
            }
        })
        .collect();
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out
}

/// The least time a person needs to read a question of `chars` characters (text and options).
pub fn reading_ms(chars: usize) -> i64 {
    (chars as i64 * READING_MS_PER_CHAR).max(MIN_READING_MS_PER_QUESTION)
}

/// Rule (d): attempts whose answers came faster than the questions can be read: the time
/// from the start to the last answer is under the sum of `reading_ms` of the answered
/// questions. `chars` gives each question's length.
pub fn too_fast(attempts: &[AttemptTrace], chars: &HashMap<i64, usize>) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in attempts {
        if a.answers.len() < MIN_ANSWERS_FOR_SPEED {
            continue;
        }
        let needed: i64 = a.answers.iter().map(|(q, _, _)| reading_ms(chars.get(q).copied().unwrap_or(0))).sum();
        let last = a.answers.iter().map(|(_, _, at)| *at).max().unwrap_or(a.started_at_ms);
        let used = last - a.started_at_ms;
        if used < needed {
            out.push(Finding {
                rule: Rule::TooFast,
                round_id: Some(a.round_id),
                fingerprint: format!("a{}", a.attempt_id),
                participant_ids: vec![a.participant_id],
                evidence: json!({
                    "attempt_id": a.attempt_id,
                    "answers": a.answers.len(),
                    "used_ms": used,
                    "reading_ms": needed,
                }),
            });
        }
    }
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_ignore_tone_placement_case_and_spacing_but_not_diacritics() {
        assert_eq!(name_key("Nguyễn Thị  Hoà"), name_key("nguyễn thị hòa"));
        assert_eq!(name_key("Trần Thuý"), name_key("Trần Thúy"));
        assert_ne!(name_key("Lê Lan"), name_key("Lê Lân"));
    }

    #[test]
    fn a_burst_is_one_case_that_keeps_its_fingerprint_as_it_grows() {
        let rows: Vec<Registration> =
            (0..40).map(|i| Registration { participant_id: 100 + i, at_ms: i * 500, key: vec![7; 32] }).collect();
        let found = registration_bursts(&rows, KeyKind::Address);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].participant_ids.len(), 40);
        let more = registration_bursts(&rows[..35], KeyKind::Address);
        assert_eq!(more[0].fingerprint, found[0].fingerprint);
    }

    /// The scan keeps only attempts whose signature hash another attempt shares (rule (c) in
    /// bounded memory): on a mix of copies, near-copies and honest attempts that gives the
    /// findings of the rule over every attempt.
    #[test]
    fn the_signature_prefilter_keeps_every_attempt_rule_c_can_match() {
        let trace = |n: u128, participant: i64, round: i64, picks: &[i64], step_ms: i64| AttemptTrace {
            attempt_id: uuid::Uuid::from_u128(n),
            participant_id: participant,
            round_id: round,
            started_at_ms: 1_000_000 * n as i64,
            answers: picks
                .iter()
                .enumerate()
                .map(|(i, &o)| (10 + i as i64, vec![o], 1_000_000 * n as i64 + (i as i64 + 1) * step_ms))
                .collect(),
        };
        let copy = [1, 2, 3, 4, 1, 2, 3, 4];
        let mut all = vec![
            trace(1, 1, 1, &copy, 4_000),
            trace(2, 2, 1, &copy, 4_000),       // a copy of 1, same timing
            trace(3, 3, 1, &copy, 4_000 + 100), // the same answers, close timing
            trace(4, 4, 1, &copy, 9_000),       // the same answers, other timing
            trace(5, 5, 2, &copy, 4_000),       // another round
            trace(6, 6, 1, &[1, 2, 3], 4_000),  // too few answers to compare
            trace(7, 1, 1, &copy, 4_000),       // participant 1 again: not another person
        ];
        for n in 8..40u128 {
            // The digits of n in base 4: every honest attempt answers differently.
            let picks: Vec<i64> = (0..8).map(|i| (n as i64 >> (2 * i)) % 4 + 1).collect();
            all.push(trace(n, n as i64, 1, &picks, 3_000 + n as i64 * 50));
        }
        let mut counts: HashMap<u64, u32> = HashMap::new();
        for a in &all {
            if let Some(h) = a.signature_hash() {
                *counts.entry(h).or_default() += 1;
            }
        }
        let kept: Vec<AttemptTrace> =
            all.iter().filter(|a| a.signature_hash().is_some_and(|h| counts[&h] > 1)).cloned().collect();
        assert!(kept.len() < all.len() / 2, "the filter keeps few: {}", kept.len());
        let full = identical_answers(&all);
        assert!(!full.is_empty(), "the planted copies are found");
        let fingerprints =
            |f: &[Finding]| f.iter().map(|x| (x.fingerprint.clone(), x.participant_ids.clone())).collect::<Vec<_>>();
        assert_eq!(fingerprints(&identical_answers(&kept)), fingerprints(&full));
    }

    #[test]
    fn reading_time_has_a_floor() {
        assert_eq!(reading_ms(10), MIN_READING_MS_PER_QUESTION);
        assert_eq!(reading_ms(200), 3_000);
    }
}
