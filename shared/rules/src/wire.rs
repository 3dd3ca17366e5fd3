//! Enumerations with a fixed wire value and a Chinese label, parsed with a clear message.

use crate::violation::{Code, Violation};

/// An enumeration whose values travel as fixed snake_case strings.
pub trait WireEnum: Sized + Copy + 'static {
    /// Every value, in the order the work plan lists them.
    const ALL: &'static [Self];
    /// What the value is, in Chinese ("活动形式"), for messages.
    const WHAT: &'static str;
    fn wire(self) -> &'static str;
    /// The Chinese name used in the work plan ("开放日").
    fn label(self) -> &'static str;

    fn from_wire(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.wire() == raw)
    }

    /// Parses a wire value, trimming spaces; an unknown one names every accepted value.
    fn parse(field: &str, raw: &str) -> Result<Self, Violation> {
        Self::from_wire(raw.trim()).ok_or_else(|| {
            let accepted: Vec<String> = Self::ALL
                .iter()
                .map(|v| format!("{}（{}）", v.wire(), v.label()))
                .collect();
            Violation::new(
                Code::ValidationFailed,
                format!(
                    "{}“{}”无效，应为以下之一：{}",
                    Self::WHAT,
                    raw.trim(),
                    accepted.join("、")
                ),
            )
            .at(field)
        })
    }
}

/// A string schema with a description (feature `openapi`): the schema of every wire enum,
/// and of the plain-text types in [`crate::openapi`].
#[cfg(feature = "openapi")]
pub fn string(description: &str) -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some(description))
}

/// Declares a [`WireEnum`] with serde support, so the wire names are written exactly once.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $what:literal {
            $( $variant:ident => $wire:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $variant ),+ }

        impl $crate::wire::WireEnum for $name {
            const ALL: &'static [Self] = &[ $( Self::$variant ),+ ];
            const WHAT: &'static str = $what;
            fn wire(self) -> &'static str {
                match self { $( Self::$variant => $wire ),+ }
            }
            fn label(self) -> &'static str {
                match self { $( Self::$variant => $label ),+ }
            }
        }

        impl $name {
            pub fn wire(self) -> &'static str { $crate::wire::WireEnum::wire(self) }
            pub fn label(self) -> &'static str { $crate::wire::WireEnum::label(self) }
            pub fn from_wire(raw: &str) -> Option<Self> { <Self as $crate::wire::WireEnum>::from_wire(raw) }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.wire())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.wire())
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::Schema::from(
                    $crate::wire::string($what).enum_values(Some([ $( $wire ),+ ])),
                )
                .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                <Self as $crate::wire::WireEnum>::parse("", &raw)
                    .map_err(|v| serde::de::Error::custom(v.message))
            }
        }
    };
}
