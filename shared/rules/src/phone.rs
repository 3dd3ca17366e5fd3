//! Mainland China phone numbers: mobile (`13800138000`) or landline with area code
//! (`0771-5551234`, optional extension). Shown masked in every listing and log.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::violation::{Code, Violation};

#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Phone {
    /// 11 digits starting 1[3-9].
    Mobile(String),
    /// Area code (0 + 2–3 digits), local number (7–8 digits), optional extension.
    Landline {
        area: String,
        local: String,
        extension: Option<String>,
    },
}

impl Phone {
    /// Accepts spaces, hyphens, a `+86`/`86` prefix on mobiles and `转` or `-` before an extension.
    pub fn parse(field: &str, raw: &str) -> Result<Self, Violation> {
        let bad = || {
            Violation::new(
                Code::ValidationFailed,
                format!(
                    "电话号码“{}”无效，应为11位手机号码或带区号的固定电话（如 0771-5551234）",
                    crate::text::clip(raw.trim())
                ),
            )
            .at(field)
        };
        let trimmed = raw.trim();
        let (main, extension) = match trimmed.split_once('转') {
            Some((m, e)) => (m, Some(e.trim())),
            None => (trimmed, None),
        };
        let groups: Vec<&str> = main
            .split(['-', ' ', '—'])
            .filter(|g| !g.is_empty())
            .collect();
        if groups.iter().any(|g| {
            !g.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'))
        }) {
            return Err(bad());
        }
        let digits: String = groups.concat();
        let mobile = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
            .unwrap_or(&digits);
        if extension.is_none()
            && mobile.len() == 11
            && mobile.starts_with('1')
            && matches!(mobile.as_bytes()[1], b'3'..=b'9')
            && mobile.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(Phone::Mobile(mobile.to_owned()));
        }
        if digits.contains('+') || !digits.starts_with('0') {
            return Err(bad());
        }
        // Landline: with separators the groups say where the area code ends; without them
        // the area code is 3 digits for 010 and 02x, otherwise 4.
        let (area, local, ext_from_groups) = match groups.as_slice() {
            [area, local] => (area.to_string(), local.to_string(), None),
            [area, local, ext] => (area.to_string(), local.to_string(), Some(ext.to_string())),
            [all] => {
                let split = if all.starts_with("010") || all.starts_with("02") {
                    3
                } else {
                    4
                };
                if all.len() <= split {
                    return Err(bad());
                }
                (all[..split].to_string(), all[split..].to_string(), None)
            }
            _ => return Err(bad()),
        };
        let extension = match (extension, ext_from_groups) {
            (Some(_), Some(_)) => return Err(bad()),
            (Some(e), None) => Some(e.to_string()),
            (None, e) => e,
        };
        let area_ok = (3..=4).contains(&area.len());
        let local_ok = (7..=8).contains(&local.len()) && !local.starts_with('0');
        let ext_ok = extension
            .as_deref()
            .is_none_or(|e| (1..=6).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_digit()));
        if area_ok && local_ok && ext_ok {
            Ok(Phone::Landline {
                area,
                local,
                extension,
            })
        } else {
            Err(bad())
        }
    }

    /// The full number in its normal form, for the contact line of a public announcement
    /// and for matching a registrant's phone; never for logs.
    pub fn expose(&self) -> String {
        match self {
            Phone::Mobile(m) => m.clone(),
            Phone::Landline {
                area,
                local,
                extension,
            } => match extension {
                Some(e) => format!("{area}-{local}-{e}"),
                None => format!("{area}-{local}"),
            },
        }
    }

    /// `138****8000` / `0771-***1234`: enough to recognise, not enough to call.
    pub fn masked(&self) -> String {
        match self {
            Phone::Mobile(m) => format!("{}****{}", &m[..3], &m[7..]),
            Phone::Landline { area, local, .. } => {
                format!(
                    "{area}-{}{}",
                    "*".repeat(local.len() - 4),
                    &local[local.len() - 4..]
                )
            }
        }
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// Serialises masked: a phone that leaves through a listing never shows in full.
impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.masked())
    }
}

/// Reads any accepted spelling. Note the asymmetry: plain serialisation masks, so a value
/// that must come back (a stored contact number) is written with [`Phone::expose`].
impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Phone::parse("phone", &raw).map_err(|v| serde::de::Error::custom(v.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_parse_in_the_ways_people_write_them() {
        for raw in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 13800138000",
            "8613800138000",
        ] {
            assert_eq!(
                Phone::parse("phone", raw).unwrap(),
                Phone::Mobile("13800138000".into()),
                "{raw}"
            );
        }
    }

    #[test]
    fn landlines_keep_area_code_and_extension() {
        let p = Phone::parse("contact_phone", "0771-5551234").unwrap();
        assert_eq!(p.expose(), "0771-5551234");
        assert_eq!(
            Phone::parse("p", "07715551234").unwrap().expose(),
            "0771-5551234"
        );
        assert_eq!(
            Phone::parse("p", "010-12345678").unwrap().expose(),
            "010-12345678"
        );
        assert_eq!(
            Phone::parse("p", "02012345678").unwrap().expose(),
            "020-12345678"
        );
        assert_eq!(
            Phone::parse("p", "0771-5551234转801").unwrap().expose(),
            "0771-5551234-801"
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for raw in [
            "",
            "12800138000",
            "1380013800",
            "138001380001",
            "abc",
            "0771-0551234",
            "5551234",
            "+1 2025550100",
            "0771-555123a",
        ] {
            let v = Phone::parse("phone", raw).unwrap_err();
            assert_eq!(v.code, Code::ValidationFailed, "{raw}");
            assert_eq!(v.field.as_deref(), Some("phone"));
        }
    }

    #[test]
    fn phones_are_masked_in_debug_and_serialisation() {
        let m = Phone::parse("p", "13800138000").unwrap();
        assert_eq!(m.masked(), "138****8000");
        assert!(!format!("{m:?}").contains("13800138000"));
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"138****8000\"");
        assert_eq!(
            Phone::parse("p", "0771-5551234").unwrap().masked(),
            "0771-***1234"
        );
    }
}
