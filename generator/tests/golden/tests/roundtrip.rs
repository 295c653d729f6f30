//! Real JSON through the generated golden types: what a server sends must decode, and what the
//! types encode must be what the spec describes.

use golden_types::{
    all_of, enums, formats, maps, names, openapi31, recursion, shapes, structs, unions,
};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Decodes `input` as `T`, re-encodes it, and returns the value and the encoding.
fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize>(
    input: Value,
) -> Result<(T, Value), serde_json::Error> {
    let decoded: T = serde_json::from_value(input)?;
    let encoded = serde_json::to_value(&decoded)?;
    Ok((decoded, encoded))
}

#[test]
fn structs_required_optional_nullable_and_defaults() -> TestResult {
    let (run, encoded) = roundtrip::<structs::Run>(json!({
        "id": "r1", "status": "queued", "finishedAt": null, "labels": {"team": "a"}
    }))?;
    assert_eq!(run.status, structs::RunStatus::Queued);
    assert_eq!(run.finished_at, None);
    assert_eq!(run.note, None);
    assert_eq!(run.parent, None);
    // Defaults apply when the property is absent.
    assert_eq!(run.attempts, 3);
    assert!(!run.verbose);
    // A required nullable field is written as null; absent optional fields are not written.
    assert_eq!(encoded["finishedAt"], Value::Null);
    assert!(encoded.get("note").is_none());
    assert!(encoded.get("parent").is_none());
    assert_eq!(encoded["labels"], json!({"team": "a"}));

    // Optional + nullable keeps absent, null and a value apart.
    let (detached, encoded) = roundtrip::<structs::Run>(json!({
        "id": "r1", "status": "running", "finishedAt": "2024-05-01T10:00:00Z",
        "labels": {}, "parent": null
    }))?;
    assert_eq!(detached.parent, Some(None));
    assert_eq!(encoded["parent"], Value::Null);
    let (child, _) = roundtrip::<structs::Run>(json!({
        "id": "r1", "status": "running", "finishedAt": null, "labels": {}, "parent": "r0"
    }))?;
    assert_eq!(child.parent, Some(Some("r0".to_owned())));
    Ok(())
}

#[test]
fn missing_required_field_is_an_error() {
    let result = serde_json::from_value::<structs::Run>(json!({"status": "queued", "labels": {}}));
    let err = result.expect_err("`id` is required").to_string();
    assert!(err.starts_with("missing field `id`"), "{err}");
    // A property given twice is refused rather than one of them kept.
    let twice = r#"{"id": "a", "id": "b", "status": "queued", "finishedAt": null, "labels": {}}"#;
    let err = serde_json::from_str::<structs::Run>(twice)
        .expect_err("duplicate")
        .to_string();
    assert!(err.starts_with("duplicate field `id`"), "{err}");
}

#[test]
fn unknown_enum_values_are_kept_verbatim() -> TestResult {
    let (run, encoded) = roundtrip::<structs::Run>(json!({
        "id": "r1", "status": "paused", "finishedAt": null, "labels": {}
    }))?;
    assert_eq!(run.status, structs::RunStatus::Unknown("paused".into()));
    assert_eq!(run.status.as_str(), "paused");
    assert_eq!(encoded["status"], "paused");
    Ok(())
}

#[test]
fn enums_with_awkward_values() -> TestResult {
    let kinds = json!(["RUN_STARTED", "tool-call", "", "1st", "a.b", "NEW_KIND"]);
    let (decoded, encoded) = roundtrip::<Vec<enums::EventKind>>(kinds.clone())?;
    assert_eq!(decoded[0], enums::EventKind::RunStarted);
    assert_eq!(decoded[1], enums::EventKind::ToolCall);
    assert_eq!(decoded[2], enums::EventKind::Empty);
    assert_eq!(decoded[5], enums::EventKind::Unknown("NEW_KIND".into()));
    assert_eq!(encoded, kinds);
    assert_eq!(enums::EventKind::TextDelta.to_string(), "TEXT_DELTA");

    // `mood` is optional and nullable: null is kept apart from absent.
    let (holder, encoded) =
        roundtrip::<enums::Holder>(json!({"kind": "a.b", "mood": null, "level": 2}))?;
    assert_eq!(holder.mood, Some(None));
    assert_eq!(encoded["mood"], Value::Null);
    assert_eq!(holder.level, Some(2));
    Ok(())
}

#[test]
fn enums_compare_hash_and_sort_by_wire_value() {
    use enums::EventKind;
    use std::collections::HashSet;

    // Sorted as their strings: "" < "1st" < "RUN_STARTED" < "a.b" < "tool-call".
    let mut kinds = [
        EventKind::ToolCall,
        EventKind::AB,
        EventKind::RunStarted,
        EventKind::V1st,
        EventKind::Empty,
    ];
    kinds.sort();
    let wire: Vec<&str> = kinds.iter().map(EventKind::as_str).collect();
    assert_eq!(wire, ["", "1st", "RUN_STARTED", "a.b", "tool-call"]);
    assert!(EventKind::Unknown("ZZZ".into()) > EventKind::RunStarted);

    // An `Unknown` holding a listed value (which decoding never makes) is that value.
    assert_eq!(EventKind::Unknown("a.b".into()), EventKind::AB);
    assert_ne!(EventKind::Unknown("b.a".into()), EventKind::AB);
    let set: HashSet<EventKind> = [EventKind::AB, EventKind::Unknown("a.b".into())].into();
    assert_eq!(set.len(), 1);
}

#[test]
fn tagged_unions_dispatch_on_the_tag() -> TestResult {
    let (event, encoded) =
        roundtrip::<unions::Event>(json!({"type": "text_delta", "delta": "hi"}))?;
    assert!(matches!(&event, unions::Event::TextDelta(d) if d.delta == "hi"));
    assert_eq!(encoded, json!({"type": "text_delta", "delta": "hi"}));

    // Two tags map to one variant; the body's own tag is kept on the way out.
    let (event, encoded) = roundtrip::<unions::Event>(json!({"type": "run_errored"}))?;
    assert!(matches!(event, unions::Event::RunFailed(_)));
    assert_eq!(encoded["type"], "run_errored");

    // A kind this crate does not know is kept, not an error.
    let unknown = json!({"type": "usage", "tokens": 5});
    let (event, encoded) = roundtrip::<unions::Event>(unknown.clone())?;
    assert_eq!(event, unions::Event::Unknown(unknown.clone()));
    assert_eq!(encoded, unknown);

    // A known kind with a broken body is an error, not swallowed into Unknown.
    assert!(serde_json::from_value::<unions::Event>(json!({"type": "text_delta"})).is_err());
    Ok(())
}

#[test]
fn discriminator_without_mapping_uses_schema_names() -> TestResult {
    let (pet, _) = roundtrip::<unions::Pet>(json!({"pet_type": "Dog", "good": true}))?;
    assert!(matches!(pet, unions::Pet::Dog(d) if d.good == Some(true)));
    // Serializing a variant whose body lacks the tag adds it.
    let cat = unions::Pet::Cat(unions::Cat {
        pet_type: "Cat".into(),
        lives: Some(9),
    });
    assert_eq!(
        serde_json::to_value(&cat)?,
        json!({"pet_type": "Cat", "lives": 9})
    );
    Ok(())
}

#[test]
fn untagged_unions_take_the_first_fit() -> TestResult {
    let (ids, encoded) = roundtrip::<Vec<unions::IdOrName>>(json!([5, "five"]))?;
    assert_eq!(
        ids,
        vec![
            unions::IdOrName::Integer(5),
            unions::IdOrName::String("five".into())
        ]
    );
    assert_eq!(encoded, json!([5, "five"]));
    let (content, _) = roundtrip::<unions::Content>(json!(["a", "b"]))?;
    assert_eq!(
        content,
        unions::Content::Array(vec!["a".into(), "b".into()])
    );
    Ok(())
}

#[test]
fn all_of_merges_every_part() -> TestResult {
    let (agent, encoded) = roundtrip::<all_of::Agent>(json!({
        "id": "a1", "name": "scout", "model": "m", "created": "2024-01-02T03:04:05Z"
    }))?;
    assert_eq!(agent.name, "scout");
    assert_eq!(encoded["created"], "2024-01-02T03:04:05Z");
    // `name` became required in the merged type.
    assert!(serde_json::from_value::<all_of::Agent>(json!({"id": "a1", "model": "m"})).is_err());
    let alias: all_of::AgentRef = agent;
    assert_eq!(alias.id, "a1");
    Ok(())
}

#[test]
fn additional_properties_are_kept() -> TestResult {
    let (labels, _) = roundtrip::<maps::Labels>(json!({"a": "1", "b": "2"}))?;
    assert_eq!(labels.get("b").map(String::as_str), Some("2"));
    let open = json!({"anything": [1, {"nested": true}], "n": null});
    let (meta, encoded) = roundtrip::<maps::Metadata>(open.clone())?;
    assert_eq!(meta.len(), 2);
    assert_eq!(encoded, open);
    let (config, encoded) =
        roundtrip::<maps::Config>(json!({"name": "x", "retries": 3, "depth": 2}))?;
    assert_eq!(config.name, "x");
    assert_eq!(config.additional_properties.get("retries"), Some(&3));
    assert_eq!(encoded, json!({"name": "x", "retries": 3, "depth": 2}));
    let (scores, _) = roundtrip::<maps::Scores>(json!({"x": {"value": 1.5}}))?;
    assert_eq!(scores.get("x").and_then(|s| s.value), Some(1.5));
    Ok(())
}

#[test]
fn recursive_types_nest() -> TestResult {
    let tree = json!({"name": "/", "children": [{"name": "a", "children": [{"name": "b"}]}],
                      "parent": {"name": "root"}});
    let (node, encoded) = roundtrip::<recursion::FileNode>(tree.clone())?;
    assert_eq!(node.parent.as_ref().map(|p| p.name.as_str()), Some("root"));
    assert_eq!(encoded, tree);
    let (expr, _) = roundtrip::<recursion::Expr>(json!({"left": {"value": 1.0},
        "right": {"left": {"value": 2.0}, "right": {"value": 3.0}}}))?;
    assert!(matches!(expr, recursion::Expr::Sum(_)));
    let (forest, _) = roundtrip::<recursion::Forest>(json!([[], [[]]]))?;
    assert_eq!(forest.0.len(), 2);
    Ok(())
}

#[test]
fn formats_map_to_real_types() -> TestResult {
    let (sample, encoded) = roundtrip::<formats::Sample>(json!({
        "at": "2024-05-01T10:00:00Z", "day": "2024-05-01",
        "id": "6f1c8f7e-3b7a-4c1e-9a63-1f2d3c4b5a69", "blob": "aGVsbG8=",
        "small": 7, "big": 9007199254740993_i64, "ratio": 0.5, "precise": 0.25, "count": 1,
        "email": "a@b.c", "file": "raw"
    }))?;
    assert_eq!(sample.blob.0, b"hello");
    assert_eq!(sample.day.to_string(), "2024-05-01");
    assert_eq!(sample.big, 9007199254740993);
    assert_eq!(encoded["blob"], "aGVsbG8=");
    assert_eq!(encoded["id"], "6f1c8f7e-3b7a-4c1e-9a63-1f2d3c4b5a69");
    // A malformed date-time is a decode error, not a silent string.
    let bad = json!({"at": "yesterday", "day": "2024-05-01", "id": "6f1c8f7e-3b7a-4c1e-9a63-1f2d3c4b5a69",
        "blob": "", "small": 1, "big": 1, "ratio": 0.0, "precise": 0.0, "count": 0});
    assert!(serde_json::from_value::<formats::Sample>(bad).is_err());
    Ok(())
}

#[test]
fn awkward_property_names_keep_their_wire_names() -> TestResult {
    let input = json!({"type": "t", "self": "s", "match": "m", "1st": "f", "user-name": "u",
                       "userName": "v", "additional_properties": "ap", "extra": "e"});
    let (k, encoded) = roundtrip::<names::Keywords>(input.clone())?;
    assert_eq!(k.r#type.as_deref(), Some("t"));
    assert_eq!(k.self_.as_deref(), Some("s"));
    assert_eq!(k.user_name2.as_deref(), Some("v"));
    assert_eq!(
        k.additional_properties2.get("extra").map(String::as_str),
        Some("e")
    );
    assert_eq!(encoded, input);
    let _: names::ErrorModel = serde_json::from_value(json!({"message": "m"}))?;
    let _: names::OptionModel = "x".to_owned();
    let _ = names::FooBar2::default();
    Ok(())
}

#[test]
fn openapi_31_constructs() -> TestResult {
    let input = json!({"role": "user", "content": null, "kind": "message", "score": "high",
                       "parent": {"role": "assistant", "content": "hi", "kind": "message"},
                       "data": "AQI="});
    let (m, encoded) = roundtrip::<openapi31::Message>(input)?;
    assert_eq!(m.content, None);
    assert_eq!(encoded["content"], Value::Null);
    assert_eq!(m.kind, openapi31::MessageKind::Message);
    assert_eq!(
        m.score,
        Some(openapi31::MessageScore::String("high".into()))
    );
    assert!(matches!(m.parent, Some(Some(ref p)) if p.content.as_deref() == Some("hi")));
    assert_eq!(m.data.as_ref().map(|d| d.0.clone()), Some(vec![1, 2]));
    Ok(())
}

#[test]
fn schemas_of_one_shape_are_one_type() -> TestResult {
    use golden_types::rt::wire::Known;
    // The product's inline `recurring` object has the price's fields: the same type, so a value
    // of one is a value of the other.
    let (product, encoded) = roundtrip::<shapes::Product>(json!({
        "tax_behavior": "inclusive",
        "recurring": {"interval": "month", "count": 2},
        "schedule": {"interval": "day"}
    }))?;
    let recurring: Option<shapes::PriceRecurring> = product.recurring.clone();
    let price = shapes::Price {
        amount: 5,
        tax_behavior: product.tax_behavior.clone(),
        recurring,
    };
    assert_eq!(price.tax_behavior, Some(shapes::TaxBehavior::Inclusive));
    assert_eq!(
        serde_json::to_value(&price)?,
        json!({"amount": 5, "tax_behavior": "inclusive", "recurring": {"interval": "month", "count": 2}})
    );
    assert_eq!(encoded["schedule"], json!({"interval": "day"}));
    // An enum reached through an alias is still checked for values the spec does not list.
    let odd: shapes::Product = serde_json::from_value(
        json!({"schedule": {"interval": "year"}, "tax_behavior": "exclusive"}),
    )?;
    assert_eq!(
        odd.first_unknown(""),
        Some(("/schedule/interval".to_owned(), "year".to_owned()))
    );
    // Which types are one: same fields (whatever the type's own doc) are; a field documented
    // differently is not; self-similar recursive schemas stay apart (merging starts from the
    // leaves).
    fn one<A: 'static, B: 'static>() -> bool {
        std::any::TypeId::of::<A>() == std::any::TypeId::of::<B>()
    }
    assert!(one::<shapes::ProductRecurring, shapes::PriceRecurring>());
    assert!(one::<shapes::ProductTaxBehavior, shapes::TaxBehavior>());
    assert!(!one::<shapes::ProductSchedule, shapes::PriceRecurring>());
    assert!(one::<
        shapes::ProductScheduleInterval,
        shapes::PriceRecurringInterval,
    >());
    assert!(!one::<shapes::Tree, shapes::Forest>());
    let tree: shapes::Tree = serde_json::from_value(json!({"children": [{"children": []}]}))?;
    assert_eq!(tree.children.map(|c| c.len()), Some(1));
    Ok(())
}
