//! OpenAPI schemas (feature `openapi`) of the types whose wire form is a plain value or is
//! written by hand: text of a bounded length, identifiers, numbers that may arrive as text,
//! the plan. The other wire types derive theirs beside their definition.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::{PartialSchema, ToSchema};

use crate::event::Capacity;
use crate::feedback::Rating;
use crate::lifecycle::Version;
use crate::naming::PlanName;
use crate::org::Id;
use crate::phone::Phone;
use crate::plan::{Leader, Plan, PlanWire};
use crate::text::{BoolLike, LineText, LongText, NumberLike, ShortText};

// Owned by the wire enums (which this module's types do not need); reachable here as before.
pub use crate::wire::string;

/// An integer schema within `min..=max`.
fn integer(description: &str, min: i64, max: Option<i64>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(description))
        .minimum(Some(min as f64))
        .maximum(max.map(|m| m as f64))
}

/// Implements `ToSchema` under a fixed name, from an expression building the schema.
macro_rules! named_schema {
    ($($ty:ty as $name:literal => $schema:expr;)+) => {$(
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                Schema::from($schema).into()
            }
        }
        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    )+};
}

named_schema! {
    ShortText as "ShortText" => string("Text of 1–50 characters").min_length(Some(1)).max_length(Some(50));
    LineText as "LineText" => string("Text of 1–200 characters").min_length(Some(1)).max_length(Some(200));
    LongText as "LongText" => string("Text of 1–5000 characters").min_length(Some(1)).max_length(Some(5000));
    PlanName as "PlanName" => string("<place><agency>“政府开放日”");
    Id as "Id" => string("An identifier of 1–64 characters of A-Z a-z 0-9 - _ .")
        .pattern(Some(r"^[A-Za-z0-9._-]{1,64}$"));
    Phone as "Phone" => string("A phone number (masked in listings of personal data)");
    Capacity as "Capacity" => integer("Planned participants (R7: at least 25)", 25, None);
    Rating as "Rating" => integer("Online evaluation, 1 to 5", 1, Some(5));
    Version as "Version" => integer("The plan's version, for optimistic concurrency", 1, None);
    NumberLike as "NumberLike" => OneOfBuilder::new()
        .description(Some("A whole number, as a JSON number or as text (form fields)"))
        .item(ObjectBuilder::new().schema_type(Type::Integer))
        .item(ObjectBuilder::new().schema_type(Type::String));
    BoolLike as "BoolLike" => OneOfBuilder::new()
        .description(Some("Yes or no, as a JSON boolean or as a ticked box (`on`, `true`, `1`, `yes`)"))
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::String));
    Leader as "Leader" => ObjectBuilder::new()
        .property("name", ShortText::schema())
        .property("title", ShortText::schema())
        .property("government_leader", ObjectBuilder::new().schema_type(Type::Boolean))
        .required("name")
        .required("title")
        .required("government_leader");
}

/// The plan travels in the shape of [`PlanWire`], which is also what a revision sends back.
impl PartialSchema for Plan {
    fn schema() -> RefOr<Schema> {
        PlanWire::schema()
    }
}

impl ToSchema for Plan {
    fn schemas(out: &mut Vec<(String, RefOr<Schema>)>) {
        <PlanWire as ToSchema>::schemas(out);
    }
}
