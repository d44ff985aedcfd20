//! Participation statistics: the age bands and urban/rural areas reports group people by,
//! and the suppression that keeps a public table from identifying anyone. Pure.

use serde::Serialize;

/// Age bands in completed years at the round's close (for a contest's total: at the close
/// of the last round the person took part in).
pub const AGE_BANDS: [(&str, &str); 5] = [
    ("under_18", "Dưới 18 tuổi"),
    ("18_30", "Từ 18 đến 30 tuổi"),
    ("31_45", "Từ 31 đến 45 tuổi"),
    ("46_60", "Từ 46 đến 60 tuổi"),
    ("over_60", "Trên 60 tuổi"),
];

pub fn age_band(years: i64) -> &'static str {
    match years {
        ..=17 => "under_18",
        18..=30 => "18_30",
        31..=45 => "31_45",
        46..=60 => "46_60",
        _ => "over_60",
    }
}

/// The same bands as an SQL CASE over an integer expression (fixed text, never input).
pub fn age_band_sql(years: &str) -> String {
    format!(
        "CASE WHEN {years} < 18 THEN 'under_18' WHEN {years} <= 30 THEN '18_30' WHEN {years} <= 45 THEN '31_45' \
         WHEN {years} <= 60 THEN '46_60' ELSE 'over_60' END"
    )
}

/// Since 1 July 2025 a commune-level unit is a phường (urban), a xã (rural) or a đặc khu
/// (special zone, the island units): the split the 2025–2030 plans report against.
pub const AREAS: [(&str, &str); 3] =
    [("urban", "Thành thị (phường)"), ("rural", "Nông thôn (xã)"), ("special", "Đặc khu")];

pub fn area_of_kind(kind: &str) -> &'static str {
    match kind {
        "Phường" => "urban",
        "Đặc khu" => "special",
        _ => "rural",
    }
}

/// Public tables show no group of fewer people than this.
pub const MIN_PUBLIC_GROUP: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub participants: i64,
    pub attempts: i64,
}

/// The key of the group small groups are merged into.
pub const OTHER: &str = "other_small_groups";

/// Merges every group of fewer than [`MIN_PUBLIC_GROUP`] participants into one "other"
/// group. If that group is itself too small, the smallest shown groups join it until it is
/// not (otherwise the total minus the shown groups would give it away); if everyone ends up
/// in it and they are still too few, nothing is shown.
pub fn suppress_small(mut groups: Vec<Group>) -> Vec<Group> {
    groups.retain(|g| g.participants > 0);
    let (mut shown, small): (Vec<Group>, Vec<Group>) =
        groups.into_iter().partition(|g| g.participants >= MIN_PUBLIC_GROUP);
    if small.is_empty() {
        return shown;
    }
    let mut other = Group {
        key: OTHER.into(),
        label: "Các nhóm dưới 5 người".into(),
        participants: small.iter().map(|g| g.participants).sum(),
        attempts: small.iter().map(|g| g.attempts).sum(),
    };
    // Smallest last, so pop takes it; equal sizes: the later key goes first (stable).
    shown.sort_by(|a, b| b.participants.cmp(&a.participants).then(a.key.cmp(&b.key)));
    while other.participants < MIN_PUBLIC_GROUP {
        match shown.pop() {
            Some(g) => {
                other.participants += g.participants;
                other.attempts += g.attempts;
            }
            None => return Vec::new(),
        }
    }
    shown.push(other);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(key: &str, participants: i64) -> Group {
        Group { key: key.into(), label: key.into(), participants, attempts: participants * 2 }
    }

    #[test]
    fn bands_at_their_edges() {
        let cases = [(0, "under_18"), (17, "under_18"), (18, "18_30"), (30, "18_30"), (31, "31_45")];
        for (years, band) in cases.into_iter().chain([(45, "31_45"), (46, "46_60"), (60, "46_60"), (61, "over_60")]) {
            assert_eq!(age_band(years), band, "{years}");
        }
        assert_eq!(area_of_kind("Phường"), "urban");
        assert_eq!(area_of_kind("Xã"), "rural");
        assert_eq!(area_of_kind("Đặc khu"), "special");
    }

    #[test]
    fn small_groups_are_merged_so_no_one_stands_out() {
        // 3 + 1 = 4 is still too few: the smallest shown group (B, 6) joins them.
        let out = suppress_small(vec![g("A", 20), g("B", 6), g("C", 3), g("D", 1), g("E", 0)]);
        assert_eq!(
            out.iter().map(|x| (x.key.as_str(), x.participants, x.attempts)).collect::<Vec<_>>(),
            [("A", 20, 40), (OTHER, 10, 20)]
        );
        // 3 + 2 = 5 is enough on its own.
        let out = suppress_small(vec![g("A", 7), g("C", 3), g("D", 2)]);
        assert_eq!(out.iter().map(|x| (x.key.as_str(), x.participants)).collect::<Vec<_>>(), [("A", 7), (OTHER, 5)]);
        // Nothing small: unchanged.
        assert_eq!(suppress_small(vec![g("A", 5)]), vec![g("A", 5)]);
        // Four people in all: nothing can be shown.
        assert!(suppress_small(vec![g("A", 3), g("B", 1)]).is_empty());
        assert!(suppress_small(Vec::new()).is_empty());
    }
}
