//! Prize allocation: each round's tiers go down its ranking; staff, disqualified and rejected
//! winners are skipped; with one prize per person, someone who wins in several rounds keeps
//! the higher prize (the earlier round on a tie) and their other places go to the next in
//! line. Pure: the same inputs always give the same awards.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: String,
    pub count: usize,
}

/// One finalised round: its tiers (best first) and its ranking (rank order).
#[derive(Debug, Clone)]
pub struct RoundRanking {
    pub round_id: i64,
    pub tiers: Vec<Tier>,
    /// (participant, rank), best first.
    pub ranked: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    pub round_id: i64,
    pub participant_id: i64,
    /// Index into the round's tiers (0 = the top prize).
    pub tier: usize,
    pub prize: String,
    pub rank: i64,
}

/// `excluded`: (round, participant) pairs that cannot win in that round (rejected by the
/// organiser); `never`: participants who can win nothing (staff, disqualified).
pub fn allocate(
    rounds: &[RoundRanking],
    excluded: &HashSet<(i64, i64)>,
    never: &HashSet<i64>,
    one_per_person: bool,
) -> Vec<Award> {
    let mut blocked: HashSet<(i64, i64)> = excluded.clone();
    loop {
        let awards: Vec<Award> = rounds.iter().flat_map(|r| fill(r, &blocked, never)).collect();
        if !one_per_person {
            return awards;
        }
        // Each person keeps their best award: lowest tier, then earliest round in order.
        let order: HashMap<i64, usize> = rounds.iter().enumerate().map(|(i, r)| (r.round_id, i)).collect();
        let mut best: HashMap<i64, &Award> = HashMap::new();
        for a in &awards {
            let key = |x: &Award| (x.tier, order[&x.round_id]);
            if best.get(&a.participant_id).is_none_or(|b| key(a) < key(b)) {
                best.insert(a.participant_id, a);
            }
        }
        let newly: Vec<(i64, i64)> = awards
            .iter()
            .filter(|a| best[&a.participant_id].round_id != a.round_id)
            .map(|a| (a.round_id, a.participant_id))
            .collect();
        if newly.is_empty() {
            return awards;
        }
        blocked.extend(newly);
    }
}

/// How many places a round's tiers hold.
pub fn places(tiers: &[Tier]) -> usize {
    tiers.iter().fold(0, |n, t| n.saturating_add(t.count))
}

/// How far down a round's ranking (staff and disqualified already left out) [`allocate`]
/// can reach: its own places, plus its `rejected` winners, plus, with one prize per person,
/// the places of the other rounds (`all_places` counts every round's). Each person skipped
/// for one prize per person keeps a prize of another round at the end (a kept prize is
/// never lost as places are freed: its holder only moves up), and each such prize is one
/// of the other rounds' places. Reading only this top gives the awards the whole ranking
/// would.
pub fn reach(tiers: &[Tier], all_places: usize, rejected: usize, one_per_person: bool) -> usize {
    let own = places(tiers);
    let others = if one_per_person { all_places.saturating_sub(own) } else { 0 };
    own.saturating_add(others).saturating_add(rejected)
}

fn fill(round: &RoundRanking, blocked: &HashSet<(i64, i64)>, never: &HashSet<i64>) -> Vec<Award> {
    let mut out = Vec::new();
    let mut candidates =
        round.ranked.iter().filter(|(p, _)| !never.contains(p) && !blocked.contains(&(round.round_id, *p)));
    for (tier, t) in round.tiers.iter().enumerate() {
        for (participant_id, rank) in candidates.by_ref().take(t.count) {
            out.push(Award {
                round_id: round.round_id,
                participant_id: *participant_id,
                tier,
                prize: t.name.clone(),
                rank: *rank,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn tiers() -> Vec<Tier> {
        vec![Tier { name: "Nhất".into(), count: 1 }, Tier { name: "Nhì".into(), count: 2 }]
    }

    fn round(id: i64, people: &[i64]) -> RoundRanking {
        RoundRanking {
            round_id: id,
            tiers: tiers(),
            ranked: people.iter().enumerate().map(|(i, p)| (*p, i as i64 + 1)).collect(),
        }
    }

    fn summary(awards: &[Award]) -> Vec<(i64, i64, &str)> {
        awards.iter().map(|a| (a.round_id, a.participant_id, a.prize.as_str())).collect()
    }

    #[test]
    fn tiers_go_down_the_ranking_skipping_staff_and_rejections() {
        let r = round(1, &[10, 11, 12, 13, 14]);
        let never = [11].into_iter().collect();
        let excluded = [(1, 12)].into_iter().collect();
        let awards = allocate(&[r], &excluded, &never, true);
        assert_eq!(summary(&awards), vec![(1, 10, "Nhất"), (1, 13, "Nhì"), (1, 14, "Nhì")]);
    }

    /// Worked by hand: A wins Nhì in week 1 and Nhất in week 2 and keeps Nhất; B wins Nhất in
    /// week 1 and Nhì in week 2 and keeps week 1's Nhất; week 2's freed places move up.
    #[test]
    fn one_prize_per_person_keeps_the_higher_prize() {
        let (a, b, c, d, e, f) = (1, 2, 3, 4, 5, 6);
        let week1 = round(1, &[b, a, c, d]);
        let week2 = round(2, &[a, b, e, f, d]);
        let awards = allocate(&[week1, week2], &HashSet::new(), &HashSet::new(), true);
        assert_eq!(
            summary(&awards),
            vec![(1, b, "Nhất"), (1, c, "Nhì"), (1, d, "Nhì"), (2, a, "Nhất"), (2, e, "Nhì"), (2, f, "Nhì")]
        );
        let unlimited =
            allocate(&[round(1, &[b, a, c, d]), round(2, &[a, b, e, f, d])], &HashSet::new(), &HashSet::new(), false);
        assert_eq!(unlimited.len(), 6);
        assert!(unlimited.iter().any(|x| x.round_id == 2 && x.participant_id == b));
    }

    #[test]
    fn an_equal_prize_twice_is_kept_in_the_earlier_round() {
        let awards = allocate(&[round(1, &[7, 8]), round(2, &[7, 9])], &HashSet::new(), &HashSet::new(), true);
        assert_eq!(summary(&awards), vec![(1, 7, "Nhất"), (1, 8, "Nhì"), (2, 9, "Nhất")]);
    }

    proptest::proptest! {
        /// Cutting each ranking at [`reach`] changes no award.
        #[test]
        fn the_top_of_each_ranking_is_enough(
            rounds in proptest::collection::vec(
                (proptest::collection::vec(0usize..3, 1..4), (Just((1..=10).collect::<Vec<i64>>()).prop_shuffle(), 0usize..=10)
                    .prop_map(|(mut people, n)| { people.truncate(n); people })),
                1..4,
            ),
            rejected in proptest::collection::vec((0usize..3, 1i64..=10), 0..6),
            one in proptest::bool::ANY,
        ) {
            let full: Vec<RoundRanking> = rounds
                .iter()
                .enumerate()
                .map(|(i, (counts, people))| RoundRanking {
                    round_id: i as i64 + 1,
                    tiers: counts.iter().map(|&count| Tier { name: format!("{count}"), count }).collect(),
                    // Ties too: two people a rank.
                    ranked: people.iter().enumerate().map(|(k, p)| (*p, k as i64 / 2 + 1)).collect(),
                })
                .collect();
            let excluded: HashSet<(i64, i64)> = rejected.iter().map(|(r, p)| (*r as i64 + 1, *p)).collect();
            let all_places = full.iter().map(|r| places(&r.tiers)).sum();
            let cut: Vec<RoundRanking> = full
                .iter()
                .map(|r| {
                    let rejected_here = excluded.iter().filter(|(round, _)| *round == r.round_id).count();
                    let n = reach(&r.tiers, all_places, rejected_here, one);
                    RoundRanking { ranked: r.ranked.iter().take(n).copied().collect(), ..r.clone() }
                })
                .collect();
            let never = HashSet::new();
            proptest::prop_assert_eq!(allocate(&cut, &excluded, &never, one), allocate(&full, &excluded, &never, one));
        }
    }

    #[test]
    fn fewer_people_than_prizes_leaves_places_empty() {
        assert_eq!(allocate(&[round(1, &[1])], &HashSet::new(), &HashSet::new(), true).len(), 1);
    }
}
