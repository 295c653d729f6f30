//! Tests of `wire`: fixed cases from the OpenAPI "Style Examples" table, error messages, and
//! property tests that encode, pass through a real query string or path segment, and decode.

use std::collections::BTreeMap;

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::*;

fn query(value: &impl Serialize, style: ParamStyle, explode: bool) -> Vec<String> {
    let mut pairs = Vec::new();
    encode_query(&mut pairs, "p", value, style, explode).unwrap();
    pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// What a query string looks like after an HTTP client percent-encoded the pairs and a server
/// split it again.
fn through_the_wire(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let raw: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect();
    parse_query(&raw.join("&"))
}

fn round_trip_query<T: Serialize + serde::de::DeserializeOwned>(
    value: &T,
    style: ParamStyle,
    explode: bool,
    kind: ValueKind,
) -> Option<T> {
    let mut pairs = vec![("other".to_owned(), "x".to_owned())];
    encode_query(&mut pairs, "p", value, style, explode).unwrap();
    decode_query(&through_the_wire(&pairs), "p", style, explode, kind).unwrap()
}

#[test]
fn base64_reads_both_alphabets_and_writes_standard() {
    let bytes = vec![0xfb, 0xef, 0xff, 0x00];
    for text in ["++//AA==", "--__AA==", "++//AA", "--__AA"] {
        let decoded: Base64 = serde_json::from_value(json!(text)).unwrap();
        assert_eq!(decoded.0, bytes, "{text}");
    }
    assert_eq!(
        serde_json::to_value(Base64(bytes)).unwrap(),
        json!("++//AA==")
    );
    let err = serde_json::from_value::<Base64>(json!("a$b")).unwrap_err();
    assert!(err.to_string().starts_with("invalid base64"), "{err}");
    assert!(serde_json::from_value::<Base64>(json!(12)).is_err());
}

#[test]
fn serde_struct_tells_absent_null_and_value_apart() {
    #[derive(Debug, PartialEq)]
    struct Patch {
        n: Option<Option<i32>>,
        note: Option<String>,
    }
    crate::serde_struct!(Patch { 0 n = "n" nullable, 1 note = "note" optional });
    let cases = [
        ("{}", None, "{}"),
        (r#"{"n":null}"#, Some(None), r#"{"n":null}"#),
        (r#"{"n":3}"#, Some(Some(3)), r#"{"n":3}"#),
        // An optional field that is not nullable reads `null` as absence, and is left out.
        (r#"{"note":null}"#, None, "{}"),
    ];
    for (text, expected, written) in cases {
        let patch: Patch = serde_json::from_str(text).unwrap();
        assert_eq!(patch.n, expected, "{text}");
        assert_eq!(patch.note, None, "{text}");
        assert_eq!(serde_json::to_string(&patch).unwrap(), written);
    }
}

#[test]
fn serialize_with_tag_keeps_an_existing_tag_and_passes_non_objects() {
    struct Tagged<T>(T);
    impl<T: Serialize> Serialize for Tagged<T> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            tagged::serialize_with_tag(&self.0, "kind", "a", s)
        }
    }
    let own = serde_json::to_value(Tagged(json!({"kind": "b", "x": 1}))).unwrap();
    assert_eq!(own, json!({"kind": "b", "x": 1}));
    assert_eq!(serde_json::to_value(Tagged(5)).unwrap(), json!(5));
    let err: serde_json::Error =
        tagged::from_value::<u8, serde_json::Error>(json!("x")).unwrap_err();
    assert!(err.to_string().contains("expected u8"), "{err}");
}

#[test]
fn query_styles_match_the_spec_examples() {
    let array = ["blue", "black", "brown"];
    let object = json!({"R": 100, "G": 200, "B": 150});
    assert_eq!(query(&"blue", ParamStyle::Form, true), ["p=blue"]);
    assert_eq!(
        query(&array, ParamStyle::Form, true),
        ["p=blue", "p=black", "p=brown"]
    );
    assert_eq!(
        query(&array, ParamStyle::Form, false),
        ["p=blue,black,brown"]
    );
    assert_eq!(
        query(&object, ParamStyle::Form, true),
        ["R=100", "G=200", "B=150"]
    );
    assert_eq!(
        query(&object, ParamStyle::Form, false),
        ["p=R,100,G,200,B,150"]
    );
    assert_eq!(
        query(&array, ParamStyle::SpaceDelimited, false),
        ["p=blue black brown"]
    );
    assert_eq!(
        query(&array, ParamStyle::PipeDelimited, false),
        ["p=blue|black|brown"]
    );
    assert_eq!(
        query(&array, ParamStyle::PipeDelimited, true),
        ["p=blue", "p=black", "p=brown"]
    );
    assert_eq!(
        query(&object, ParamStyle::DeepObject, true),
        ["p[R]=100", "p[G]=200", "p[B]=150"]
    );
    let nested = json!({"a": {"b": 1, "skip": null}, "tags": ["x", "y"], "f": true});
    assert_eq!(
        query(&nested, ParamStyle::DeepObject, true),
        ["p[a][b]=1", "p[tags][]=x", "p[tags][]=y", "p[f]=true"]
    );
    assert_eq!(
        query(&None::<u8>, ParamStyle::Form, true),
        Vec::<String>::new()
    );
    assert_eq!(query(&Vec::<u8>::new(), ParamStyle::Form, false), ["p="]);
    assert_eq!(
        query(&[Some(1), None], ParamStyle::Form, true),
        ["p=1", "p="]
    );
}

#[test]
fn query_encoding_refuses_what_the_styles_cannot_say() {
    let mut out = Vec::new();
    let nested = encode_query(&mut out, "p", &[[1]], ParamStyle::Form, true).unwrap_err();
    assert_eq!(
        nested.to_string(),
        "parameter `p`: nested arrays and objects cannot be encoded with style `form`"
    );
    assert!(encode_query(&mut out, "p", &[1], ParamStyle::DeepObject, true).is_err());
    assert!(encode_query(&mut out, "p", &1, ParamStyle::Simple, false).is_err());
    assert!(out.is_empty());
}

#[test]
fn simple_and_path_styles_match_the_spec_examples() {
    let array = ["blue", "black"];
    let object = json!({"R": 100, "G": 200});
    assert_eq!(encode_simple("p", &array, false).unwrap(), "blue,black");
    assert_eq!(encode_simple("p", &object, false).unwrap(), "R,100,G,200");
    assert_eq!(encode_simple("p", &object, true).unwrap(), "R=100,G=200");
    assert_eq!(encode_simple("p", &true, false).unwrap(), "true");
    let path = |value: &serde_json::Value, style, explode| {
        encode_path("color", value, style, explode).unwrap()
    };
    let array = json!(array);
    assert_eq!(path(&json!("blue"), ParamStyle::Label, false), ".blue");
    assert_eq!(path(&array, ParamStyle::Label, false), ".blue,black");
    assert_eq!(path(&array, ParamStyle::Label, true), ".blue.black");
    assert_eq!(path(&object, ParamStyle::Label, true), ".R=100.G=200");
    assert_eq!(
        path(&json!("blue"), ParamStyle::Matrix, false),
        ";color=blue"
    );
    assert_eq!(path(&json!(""), ParamStyle::Matrix, false), ";color");
    assert_eq!(
        path(&array, ParamStyle::Matrix, true),
        ";color=blue;color=black"
    );
    assert_eq!(
        path(&object, ParamStyle::Matrix, false),
        ";color=R,100,G,200"
    );
    assert_eq!(path(&object, ParamStyle::Matrix, true), ";R=100;G=200");
    assert_eq!(
        path(&json!(["a/b", "c,d"]), ParamStyle::Simple, false),
        "a%2Fb,c%2Cd"
    );
    assert!(encode_path("p", &1, ParamStyle::Form, false).is_err());
    assert!(encode_path("p", &None::<u8>, ParamStyle::Simple, false).is_err());
}

#[test]
fn path_segments_cannot_escape() {
    for raw in ["a/b", "?x=1", "#frag", "%2F", "a b", "..", ".", "../x"] {
        let encoded = encode_path_segment(raw);
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{raw} -> {encoded}"
        );
        assert_ne!(encoded, "..");
        assert_ne!(encoded, ".");
        assert_eq!(percent_decode_str(&encoded).decode_utf8().unwrap(), raw);
    }
}

#[test]
fn parse_query_keeps_order_duplicates_and_decodes() {
    let pairs = parse_query("a=1&&b=x+y%2Bz&a=2&c&=v&d=%ZZ");
    let expected = [
        ("a", "1"),
        ("b", "x y+z"),
        ("a", "2"),
        ("c", ""),
        ("", "v"),
        ("d", "%ZZ"),
    ];
    assert!(
        pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .eq(expected),
        "{pairs:?}"
    );
}

#[test]
fn decode_errors_say_what_was_expected() {
    let pairs = parse_query("n=abc&ids=1,x&flag=maybe&color=1&big=300");
    let err =
        decode_query::<i64>(&pairs, "n", ParamStyle::Form, true, ValueKind::Scalar).unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameter `n`: expected an integer, got `abc`"
    );
    let err = decode_query::<Vec<i64>>(&pairs, "ids", ParamStyle::Form, false, ValueKind::Array)
        .unwrap_err();
    assert_eq!(err.message, "at `[1]`: expected an integer, got `x`");
    let err = decode_query::<bool>(&pairs, "flag", ParamStyle::Form, true, ValueKind::Scalar)
        .unwrap_err();
    assert_eq!(err.message, "expected a boolean, got `maybe`");
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Color {
        Red,
    }
    let err = decode_query::<Color>(&pairs, "color", ParamStyle::Form, true, ValueKind::Scalar)
        .unwrap_err();
    assert_eq!(err.message, "unknown variant `1`, expected `red`");
    let err =
        decode_query::<u8>(&pairs, "big", ParamStyle::Form, true, ValueKind::Scalar).unwrap_err();
    assert_eq!(err.message, "expected u8, got `300`");
    let err =
        decode_query::<serde_json::Value>(&pairs, "o", ParamStyle::Form, true, ValueKind::Object)
            .unwrap_err();
    assert!(err.message.contains("not supported"), "{err}");
    let err = decode_simple::<BTreeMap<String, String>>("o", "a,1,b", false, ValueKind::Object)
        .unwrap_err();
    assert!(err.message.contains("odd number"), "{err}");
}

#[test]
fn decode_keeps_text_for_strings_and_parses_for_numbers() {
    let pairs = parse_query("s=10&n=10&o=&maybe=");
    let s: Option<String> =
        decode_query(&pairs, "s", ParamStyle::Form, true, ValueKind::Scalar).unwrap();
    assert_eq!(s.as_deref(), Some("10"));
    let n: Option<f64> =
        decode_query(&pairs, "n", ParamStyle::Form, true, ValueKind::Scalar).unwrap();
    assert_eq!(n, Some(10.0));
    let empty: Option<String> =
        decode_query(&pairs, "o", ParamStyle::Form, true, ValueKind::Scalar).unwrap();
    assert_eq!(empty.as_deref(), Some(""));
    let none: Option<Option<u8>> =
        decode_query(&pairs, "maybe", ParamStyle::Form, true, ValueKind::Scalar).unwrap();
    assert_eq!(none, Some(None));
    let small: Small =
        decode_simple("s", "name,10,count,10,on,true", false, ValueKind::Object).unwrap();
    assert_eq!(
        small,
        Small {
            name: "10".into(),
            count: 10,
            on: true,
            tags: vec![]
        }
    );
    let mixed: Vec<serde_json::Value> = decode_simple("m", "a,1", false, ValueKind::Array).unwrap();
    assert_eq!(mixed, [json!("a"), json!("1")]);
}

#[test]
fn decode_deep_object_builds_nested_values() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct Inner {
        b: u8,
    }
    #[derive(Debug, PartialEq, Deserialize)]
    struct Filter {
        a: Inner,
        tags: Vec<String>,
        f: bool,
    }
    let pairs = parse_query("p[a][b]=1&p[tags][]=x&p[tags][]=y&p[f]=true&q[z]=0&pp[y]=1");
    let filter: Option<Filter> =
        decode_query(&pairs, "p", ParamStyle::DeepObject, true, ValueKind::Object).unwrap();
    let expected = Filter {
        a: Inner { b: 1 },
        tags: vec!["x".into(), "y".into()],
        f: true,
    };
    assert_eq!(filter, Some(expected));
    let err = decode_query::<serde_json::Value>(
        &parse_query("p[a=1"),
        "p",
        ParamStyle::DeepObject,
        true,
        ValueKind::Object,
    )
    .unwrap_err();
    assert!(err.message.contains("malformed"), "{err}");
    let conflict = parse_query("p[a]=1&p[a][b]=2");
    assert!(
        decode_query::<serde_json::Value>(
            &conflict,
            "p",
            ParamStyle::DeepObject,
            true,
            ValueKind::Object
        )
        .is_err()
    );
}

#[test]
fn cookies_round_trip() {
    let pairs = vec![
        ("a".to_owned(), "1".to_owned()),
        ("b".to_owned(), "x; \"y\",z%é".to_owned()),
    ];
    let header = cookie_header(&pairs);
    assert_eq!(header, "a=1; b=x%3B%20%22y%22%2Cz%25%C3%A9");
    assert_eq!(parse_cookies(&header), pairs);
    assert_eq!(
        parse_cookies(" a = 1 ;junk; =x"),
        [("a".to_owned(), "1".to_owned())]
    );
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Small {
    name: String,
    count: i64,
    on: bool,
    #[serde(default)]
    tags: Vec<String>,
}

fn text() -> impl Strategy<Value = String> {
    // Separators, reserved characters, spaces, `+`, `%` and non-ASCII are the interesting part.
    proptest::string::string_regex("[a-zA-Z0-9 ,&=+%;|\\[\\]/?#.é漢🎉-]{0,12}").unwrap()
}

proptest! {
    #[test]
    fn strings_round_trip_in_query(s in text()) {
        prop_assert_eq!(round_trip_query(&s, ParamStyle::Form, true, ValueKind::Scalar), Some(s));
    }

    #[test]
    fn numbers_and_bools_round_trip_in_query(n in any::<i64>(), b in any::<bool>()) {
        prop_assert_eq!(round_trip_query(&n, ParamStyle::Form, true, ValueKind::Scalar), Some(n));
        prop_assert_eq!(round_trip_query(&b, ParamStyle::Form, false, ValueKind::Scalar), Some(b));
    }

    #[test]
    fn exploded_string_arrays_round_trip(items in proptest::collection::vec(text(), 1..5)) {
        prop_assert_eq!(round_trip_query(&items, ParamStyle::Form, true, ValueKind::Array), Some(items));
    }

    #[test]
    fn delimited_arrays_round_trip(
        items in proptest::collection::vec("[a-zA-Z0-9&=é]{1,6}", 0..5),
        ints in proptest::collection::vec(any::<i64>(), 0..5),
    ) {
        for style in [ParamStyle::Form, ParamStyle::SpaceDelimited, ParamStyle::PipeDelimited] {
            prop_assert_eq!(round_trip_query(&items, style, false, ValueKind::Array), Some(items.clone()));
            prop_assert_eq!(round_trip_query(&ints, style, false, ValueKind::Array), Some(ints.clone()));
        }
    }

    #[test]
    fn structs_round_trip_as_deep_objects(
        name in text(), count in any::<i64>(), on in any::<bool>(),
        tags in proptest::collection::vec(text(), 0..3),
    ) {
        let value = Small { name, count, on, tags };
        prop_assert_eq!(
            round_trip_query(&value, ParamStyle::DeepObject, true, ValueKind::Object),
            Some(value)
        );
    }

    #[test]
    fn path_segments_round_trip(s in text(), n in any::<u64>()) {
        let encoded = encode_path("p", &s, ParamStyle::Simple, false).unwrap();
        prop_assert!(!encoded.contains('/'));
        let decoded = percent_decode_str(&encoded).decode_utf8().unwrap();
        prop_assert_eq!(decode_simple::<String>("p", &decoded, false, ValueKind::Scalar).unwrap(), s);
        let encoded = encode_path("p", &n, ParamStyle::Simple, false).unwrap();
        prop_assert_eq!(decode_simple::<u64>("p", &encoded, false, ValueKind::Scalar).unwrap(), n);
    }

    /// A segment that needs no encoding is taken as it is; the result is the same as
    /// percent-encoding every byte outside `unreserved` (dot segments aside).
    #[test]
    fn path_segments_taken_as_is_are_what_encoding_gives(
        s in "[a-zA-Z0-9._~/%é -]{0,8}",
    ) {
        const UNRESERVED: &percent_encoding::AsciiSet =
            &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
        let expected = match s.as_str() {
            "." => "%2E".to_owned(),
            ".." => "%2E%2E".to_owned(),
            _ => utf8_percent_encode(&s, UNRESERVED).to_string(),
        };
        prop_assert_eq!(encode_path_segment(&s), expected.clone());
        prop_assert_eq!(encode_path("p", &s, ParamStyle::Simple, false).unwrap(), expected);
    }

    #[test]
    fn header_arrays_round_trip(ints in proptest::collection::vec(any::<i32>(), 0..5)) {
        let header = encode_simple("h", &ints, false).unwrap();
        prop_assert_eq!(decode_simple::<Vec<i32>>("h", &header, false, ValueKind::Array).unwrap(), ints);
    }

    #[test]
    fn cookie_values_round_trip(s in text()) {
        let pairs = vec![("c".to_owned(), s)];
        prop_assert_eq!(parse_cookies(&cookie_header(&pairs)), pairs);
    }
}
