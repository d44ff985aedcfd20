//! Where a contest is: the whole country, or some of the 34 provinces of 2025. The commune
//! picker of the registration form offers exactly the communes of the scope, and registration
//! refuses a commune outside it.

use super::units::{self, Commune};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    National,
    /// 2025 province codes, sorted, without repeats, at least one.
    Provinces(Vec<String>),
}

/// Why a scope was refused (the field error's code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeError {
    /// Not national, and no province named.
    Empty,
    /// A code that is not one of the 34 provinces of 2025.
    UnknownProvince,
    /// National and a province list at once.
    Both,
}

impl ScopeError {
    pub fn code(self) -> &'static str {
        match self {
            ScopeError::Empty => "scope_required",
            ScopeError::UnknownProvince => "unknown_province",
            ScopeError::Both => "invalid_value",
        }
    }
}

impl Scope {
    pub fn parse(national: bool, provinces: &[String]) -> Result<Scope, ScopeError> {
        let mut codes: Vec<String> = provinces.iter().map(|p| p.trim().to_string()).collect();
        codes.sort();
        codes.dedup();
        match (national, codes.is_empty()) {
            (true, true) => Ok(Scope::National),
            (true, false) => Err(ScopeError::Both),
            (false, true) => Err(ScopeError::Empty),
            (false, false) => {
                let known = units::provinces();
                if codes.iter().all(|c| known.iter().any(|(k, _)| k == c)) {
                    Ok(Scope::Provinces(codes))
                } else {
                    Err(ScopeError::UnknownProvince)
                }
            }
        }
    }

    /// From the `contests.scope_provinces` column: NULL is "not set", `{}` the whole country.
    pub fn from_column(column: Option<Vec<String>>) -> Option<Scope> {
        match column {
            None => None,
            Some(codes) if codes.is_empty() => Some(Scope::National),
            Some(codes) => Scope::parse(false, &codes).ok(),
        }
    }

    pub fn to_column(&self) -> Vec<String> {
        match self {
            Scope::National => Vec::new(),
            Scope::Provinces(codes) => codes.clone(),
        }
    }

    pub fn contains(&self, commune: &Commune) -> bool {
        match self {
            Scope::National => true,
            Scope::Provinces(codes) => codes.contains(&commune.province_code),
        }
    }

    /// The one province of a single-province contest.
    pub fn single_province(&self) -> Option<&str> {
        match self {
            Scope::Provinces(codes) if codes.len() == 1 => codes.first().map(String::as_str),
            _ => None,
        }
    }

    /// (code, name) of the provinces a participant can live in, in the data's order.
    pub fn provinces(&self) -> Vec<(&'static str, &'static str)> {
        units::provinces()
            .iter()
            .filter(|(code, _)| match self {
                Scope::National => true,
                Scope::Provinces(codes) => codes.contains(code),
            })
            .map(|(c, n)| (c.as_str(), n.as_str()))
            .collect()
    }

    /// The scope of communes already chosen as units (a contest made before scopes existed):
    /// the provinces they lie in, or `None` when none of them is a 2025 commune.
    pub fn of_communes<'a>(codes: impl IntoIterator<Item = &'a str>) -> Option<Scope> {
        let provinces: Vec<String> =
            codes.into_iter().filter_map(units::commune).map(|c| c.province_code.clone()).collect();
        Scope::parse(false, &provinces).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn parse_checks_the_codes_and_the_kind() {
        assert_eq!(Scope::parse(true, &[]), Ok(Scope::National));
        assert_eq!(Scope::parse(false, &s(&["15", "01", "15"])), Ok(Scope::Provinces(s(&["01", "15"]))));
        assert_eq!(Scope::parse(false, &[]), Err(ScopeError::Empty));
        assert_eq!(Scope::parse(false, &s(&["99"])), Err(ScopeError::UnknownProvince));
        assert_eq!(Scope::parse(true, &s(&["15"])), Err(ScopeError::Both));
    }

    #[test]
    fn contains_only_the_communes_of_its_provinces() {
        let lao_cai = Scope::parse(false, &s(&["15"])).expect("Lào Cai");
        let inside = units::communes_of("15");
        let outside = units::communes_of("01");
        assert!(!inside.is_empty() && !outside.is_empty());
        assert!(inside.iter().all(|c| lao_cai.contains(c)));
        assert!(outside.iter().all(|c| !lao_cai.contains(c)));
        assert!(outside.iter().all(|c| Scope::National.contains(c)));
        assert_eq!(lao_cai.single_province(), Some("15"));
        assert_eq!(lao_cai.provinces().len(), 1);
        assert_eq!(Scope::National.provinces().len(), 34);
    }

    #[test]
    fn the_column_round_trips_and_null_is_unset() {
        assert_eq!(Scope::from_column(None), None);
        assert_eq!(Scope::from_column(Some(vec![])), Some(Scope::National));
        let two = Scope::parse(false, &s(&["15", "01"])).expect("two provinces");
        assert_eq!(Scope::from_column(Some(two.to_column())), Some(two));
    }

    #[test]
    fn a_scope_is_inferred_from_communes() {
        let codes: Vec<String> = units::communes_of("15").iter().take(3).map(|c| c.code.clone()).collect();
        let scope = Scope::of_communes(codes.iter().map(String::as_str).chain(["STP-1"]));
        assert_eq!(scope, Some(Scope::Provinces(s(&["15"]))));
        assert_eq!(Scope::of_communes(["STP", "STP-1"]), None);
    }
}
