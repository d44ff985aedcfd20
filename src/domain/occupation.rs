//! A participant's occupation (nghề nghiệp), from the fixed list the participation reports
//! of the 2025–2030 legal-education plans group people by. Optional at registration unless
//! the contest requires it.

use super::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Occupation {
    Student,
    CivilServant,
    ArmedForces,
    Worker,
    Farmer,
    Business,
    Other,
}

impl Occupation {
    /// In the order reports list them.
    pub const ALL: [Occupation; 7] = [
        Occupation::Student,
        Occupation::CivilServant,
        Occupation::ArmedForces,
        Occupation::Worker,
        Occupation::Farmer,
        Occupation::Business,
        Occupation::Other,
    ];

    /// The wire value (also stored).
    pub fn as_str(self) -> &'static str {
        match self {
            Occupation::Student => "student",
            Occupation::CivilServant => "civil_servant",
            Occupation::ArmedForces => "armed_forces",
            Occupation::Worker => "worker",
            Occupation::Farmer => "farmer",
            Occupation::Business => "business",
            Occupation::Other => "other",
        }
    }

    /// The Vietnamese label used on forms and in reports.
    pub fn label(self) -> &'static str {
        match self {
            Occupation::Student => "Học sinh, sinh viên",
            Occupation::CivilServant => "Cán bộ, công chức, viên chức",
            Occupation::ArmedForces => "Lực lượng vũ trang",
            Occupation::Worker => "Công nhân",
            Occupation::Farmer => "Nông dân",
            Occupation::Business => "Kinh doanh, lao động tự do",
            Occupation::Other => "Khác",
        }
    }

    pub fn parse(input: &str) -> Result<Occupation, FieldError> {
        let v = input.trim();
        Occupation::ALL
            .into_iter()
            .find(|o| o.as_str() == v)
            .ok_or_else(|| FieldError::new("occupation", "invalid_value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occupation_round_trips_and_others_are_refused() {
        for o in Occupation::ALL {
            assert_eq!(Occupation::parse(o.as_str()), Ok(o));
            assert!(!o.label().is_empty());
        }
        assert_eq!(Occupation::parse(" farmer "), Ok(Occupation::Farmer));
        assert_eq!(Occupation::parse("nông dân").map_err(|e| e.code), Err("invalid_value"));
        assert_eq!(Occupation::parse("").map_err(|e| e.field), Err("occupation"));
    }
}
