//! The 18-digit resident identity number (居民身份证号码, GB 11643-1999).
//!
//! Kept only as long as needed: the value never prints in full (`Debug` and `masked` show
//! `4501**********123X`); [`ResidentId::expose`] is for keyed hashing at the storage edge.

use chrono::{Datelike, NaiveDate};

use crate::violation::{Code, Violation};

/// A resident ID number whose length, digits, birth date and check digit are valid.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId {
    /// Normalised: 17 digits and a check character `0-9` or upper-case `X`.
    value: String,
    birth: NaiveDate,
}

/// Weights of the 17 body digits: 2^(17−i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each weighted sum mod 11.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character of 17 body digits (ISO 7064 MOD 11-2, as GB 11643 prescribes).
/// The first two digits: a province-level division of GB/T 2260 (mainland), or 71 / 81 / 82
/// / 83 (Taiwan, Hong Kong, Macao, and residence permits of Taiwan residents).
const PROVINCE_CODES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

pub fn check_character(body: &[u8; 17]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

impl ResidentId {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Violation> {
        let bad = |why: &str| {
            Violation::new(Code::InvalidIdNumber, format!("身份证号码无效：{why}")).at(field)
        };
        let value: String = raw.trim().to_uppercase();
        let chars: Vec<char> = value.chars().collect();
        if chars.len() != 18 {
            return Err(bad("应为18位"));
        }
        let mut body = [0u8; 17];
        for (slot, c) in body.iter_mut().zip(&chars) {
            *slot = c.to_digit(10).ok_or_else(|| bad("前17位应为数字"))? as u8;
        }
        let last = chars[17];
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(bad("最后一位应为数字或X"));
        }
        if !PROVINCE_CODES.contains(&(body[0] * 10 + body[1])) {
            return Err(bad("前两位不是有效的省级行政区划代码"));
        }
        let birth = NaiveDate::from_ymd_opt(
            i32::try_from(number(&body[6..10])).unwrap_or(0),
            number(&body[10..12]),
            number(&body[12..14]),
        )
        .filter(|d| d.year() >= 1900)
        .ok_or_else(|| bad("出生日期不存在"))?;
        if check_character(&body) != last {
            return Err(bad("校验码不符，请核对后重新输入"));
        }
        Ok(Self { value, birth })
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// Age in whole years on `day`. A person born on February 29 turns a year older on
    /// March 1 in years without that day.
    pub fn age_on(&self, day: NaiveDate) -> i32 {
        let mut age = day.year() - self.birth.year();
        if (day.month(), day.day()) < (self.birth.month(), self.birth.day()) {
            age -= 1;
        }
        age
    }

    /// The form shown in every listing and log: first 4 and last 4 characters.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.value[..4], &self.value[14..])
    }

    /// The full number, for keyed hashing only; never log or list it.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, d| n * 10 + u32::from(*d))
}

impl std::fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::calendar::day;
    use proptest::prelude::*;

    /// A valid ID number for a birth date, with the check digit computed.
    pub(crate) fn id_born(region: &str, birth: &str, seq: &str) -> String {
        let body17 = format!("{region}{}{seq}", birth.replace('-', ""));
        let mut body = [0u8; 17];
        for (slot, c) in body.iter_mut().zip(body17.chars()) {
            *slot = c.to_digit(10).unwrap() as u8;
        }
        format!("{body17}{}", check_character(&body))
    }

    #[test]
    fn the_region_code_must_be_a_real_province() {
        assert!(ResidentId::parse("id", &id_born("450103", "1990-01-01", "123")).is_ok());
        for region in ["000000", "100103", "990103", "470103"] {
            let v = ResidentId::parse("id", &id_born(region, "1990-01-01", "123")).unwrap_err();
            assert!(
                v.message.contains("行政区划代码"),
                "{region}: {}",
                v.message
            );
        }
    }

    #[test]
    fn a_known_valid_number_parses_and_gives_the_birth_date() {
        // The sample number of GB 11643-1999 itself.
        let id = ResidentId::parse("id_number", "11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), day("1949-12-31"));
        let lower = ResidentId::parse("id_number", " 11010519491231002x ").unwrap();
        assert_eq!(lower, id);
    }

    #[test]
    fn wrong_length_letters_bad_dates_and_bad_check_digits_are_refused() {
        for raw in [
            "",
            "11010519491231002",
            "11010519491231002X1",
            "1101051949123100AX",
            "110105194912310021", // wrong check digit
            "110105194902300021", // February 30
            "110105180001010011", // before 1900
        ] {
            let v = ResidentId::parse("id_number", raw).unwrap_err();
            assert_eq!(v.code, Code::InvalidIdNumber, "{raw}");
            assert_eq!(v.field.as_deref(), Some("id_number"));
        }
    }

    #[test]
    fn age_turns_on_the_birthday_and_leap_day_births_on_march_first() {
        let id = ResidentId::parse("id", &id_born("450103", "2008-09-20", "123")).unwrap();
        assert_eq!(id.age_on(day("2026-09-19")), 17);
        assert_eq!(id.age_on(day("2026-09-20")), 18);
        let leap = ResidentId::parse("id", &id_born("450103", "2008-02-29", "123")).unwrap();
        assert_eq!(leap.age_on(day("2026-02-28")), 17);
        assert_eq!(leap.age_on(day("2026-03-01")), 18);
    }

    #[test]
    fn the_number_never_prints_in_full() {
        let raw = id_born("450103", "1990-05-17", "123");
        let id = ResidentId::parse("id", &raw).unwrap();
        assert_eq!(id.masked(), format!("4501**********{}", &raw[14..]));
        assert!(!format!("{id:?}").contains(&raw));
        assert_eq!(id.expose(), raw);
    }

    fn valid_birth() -> impl Strategy<Value = NaiveDate> {
        (0i64..(365 * 120)).prop_map(|d| day("1900-01-01") + chrono::Duration::days(d))
    }

    proptest! {
        #[test]
        fn every_number_with_a_valid_check_digit_parses(
            province in proptest::sample::select(PROVINCE_CODES.to_vec()),
            rest in 0u32..10000,
            birth in valid_birth(),
            seq in 0u32..1000,
        ) {
            let region = format!("{province}{rest:04}");
            let raw = id_born(&region, &birth.format("%Y-%m-%d").to_string(), &format!("{seq:03}"));
            let id = ResidentId::parse("id", &raw).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.expose(), raw.as_str());
        }

        #[test]
        fn changing_any_one_character_is_caught(
            province in proptest::sample::select(PROVINCE_CODES.to_vec()),
            rest in 0u32..10000,
            birth in valid_birth(),
            seq in 0u32..1000,
            position in 0usize..18,
            replacement in prop::sample::select(vec!['0','1','2','3','4','5','6','7','8','9','X']),
        ) {
            let region = format!("{province}{rest:04}");
            let raw = id_born(&region, &birth.format("%Y-%m-%d").to_string(), &format!("{seq:03}"));
            let mut chars: Vec<char> = raw.chars().collect();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(ResidentId::parse("id", &changed).is_err(), "{} accepted", changed);
        }
    }
}
