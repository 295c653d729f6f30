//! Strict decoding of request bodies: what serde's derived impls let through and the spec
//! does not.
//!
//! - A JSON array where the spec wants an object. A derived `Deserialize` for a struct reads a
//!   sequence as well as a map (fields by position), so `[]` decodes as a struct whose fields
//!   are all optional. [`Strict`] wraps the deserializer, at every depth, and refuses a
//!   sequence wherever a struct (or a struct variant) is asked for.
//! - `null` in a field that is optional but not nullable. serde reads it as `None`, like
//!   absence. The generated server hands over a [`NotNull`] table (struct → such fields); when
//!   a struct's field is in it, `null` as its value is refused, naming the field.
//!
//! And one thing serde refuses that the spec allows: JSON Schema counts `3.0` as an integer, so
//! where an integer is asked for, a number with no fractional part is read as that integer.
//!
//! Clients decode answers without this wrapper: they accept what a server writes as long as
//! it can be read. Values buffered by serde itself (untagged unions, flattened maps) are
//! decoded from that buffer, outside the wrapper, and keep serde's leniency.
//!
//! Why a table and not a serde attribute on each field: `#[serde(with = …)]` makes serde's
//! derive emit a wrapper type per field, and a large spec has thousands of optional fields, so
//! the crate took far longer to compile; the table is data.
//!
//! Invariant: apart from the three refusals and readings above, `Strict<D>` behaves exactly as
//! `D`.
//! Tests: below, and the bad-input end-to-end tests (`tests/tests/server_bad_input.rs`).

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// The fields that are optional but not nullable, by struct: `(struct name, wire names of its
/// fields)`, sorted by struct name. A generated server has one for its request bodies.
pub type NotNull = [(&'static str, &'static [&'static str])];

/// Decodes `T` from `de` strictly (see the [module](self)), refusing `null` in the fields
/// `not_null` names, and recording the path to an error.
pub(crate) fn deserialize<'de, T, D>(
    de: D,
    not_null: &'static NotNull,
) -> Result<T, serde_path_to_error::Error<D::Error>>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    serde_path_to_error::deserialize(Strict::new(de, Rules::new(not_null)))
}

/// What the wrappers carry down: the table, and what holds at this spot.
#[derive(Clone, Copy)]
struct Rules {
    not_null: &'static NotNull,
    /// On a deserializer: `null` is refused for this value (a not-null field's value). On a
    /// map: the not-null fields of the struct it is.
    here: Here,
}

#[derive(Clone, Copy)]
enum Here {
    Nothing,
    NullRefused,
    StructFields(&'static [&'static str]),
}

impl Rules {
    fn new(not_null: &'static NotNull) -> Self {
        Rules {
            not_null,
            here: Here::Nothing,
        }
    }

    /// The same table, nothing special about the spot.
    fn below(self) -> Self {
        Rules::new(self.not_null)
    }

    fn with(self, here: Here) -> Self {
        Rules { here, ..self }
    }

    /// The not-null fields of the struct `name` (none when it has none).
    fn fields_of(self, name: &str) -> Here {
        match self.not_null.binary_search_by_key(&name, |(n, _)| n) {
            Ok(i) => Here::StructFields(self.not_null[i].1),
            Err(_) => Here::Nothing,
        }
    }
}

/// The wrapper, for deserializers and for the accessors and seeds they hand out.
pub(crate) struct Strict<D> {
    inner: D,
    rules: Rules,
    /// On a struct's map: whether the value of the key just read may not be `null`.
    pending: bool,
}

impl<D> Strict<D> {
    fn new(inner: D, rules: Rules) -> Self {
        Strict {
            inner,
            rules,
            pending: false,
        }
    }
}

/// A visitor that wraps what it is handed, and checks what its [`Asked`] calls for.
struct Wrap<V> {
    inner: V,
    asked: Asked,
    rules: Rules,
}

/// What the deserializer was asked for, as far as [`Wrap`] cares.
#[derive(Clone, Copy, PartialEq)]
enum Asked {
    /// A struct: a sequence is refused.
    Object,
    /// An integer: an integral float is read as one.
    Integer,
    /// An `Option` where `null` is refused.
    NotNull,
    /// Anything else: passed through.
    Other,
}

/// `2^63` and `2^64`, the first floats beyond `i64` and `u64`.
const I64_END: f64 = 9_223_372_036_854_775_808.0;
const U64_END: f64 = 18_446_744_073_709_551_616.0;

macro_rules! forward_deserialize {
    ($asked:ident: $($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            let rules = self.rules.below();
            self.inner.$method(Wrap { inner: visitor, asked: Asked::$asked, rules })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward_deserialize! {
        Other: deserialize_any deserialize_bool deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    forward_deserialize! {
        Integer: deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let asked = match self.rules.here {
            Here::NullRefused => Asked::NotNull,
            _ => Asked::Other,
        };
        let rules = self.rules.below();
        self.inner.deserialize_option(Wrap {
            inner: visitor,
            asked,
            rules,
        })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let rules = self.rules.below();
        self.inner
            .deserialize_unit_struct(name, Wrap::other(visitor, rules))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let rules = self.rules.below();
        self.inner
            .deserialize_newtype_struct(name, Wrap::other(visitor, rules))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let rules = self.rules.below();
        self.inner
            .deserialize_tuple(len, Wrap::other(visitor, rules))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let rules = self.rules.below();
        self.inner
            .deserialize_tuple_struct(name, len, Wrap::other(visitor, rules))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let rules = self.rules.with(self.rules.fields_of(name));
        self.inner.deserialize_struct(
            name,
            fields,
            Wrap {
                inner: visitor,
                asked: Asked::Object,
                rules,
            },
        )
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let rules = self.rules.below();
        self.inner
            .deserialize_enum(name, variants, Wrap::other(visitor, rules))
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<V> Wrap<V> {
    fn other(inner: V, rules: Rules) -> Self {
        Wrap {
            inner,
            asked: Asked::Other,
            rules,
        }
    }
}

macro_rules! forward_visit {
    ($($method:ident: $ty:ty)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

/// The message for `null` in a not-null field; the path says which field.
const NULL_REFUSED: &str =
    "null is not allowed here: the field is optional but not nullable, leave it out instead";

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool: bool visit_i8: i8 visit_i16: i16 visit_i32: i32 visit_i64: i64
        visit_i128: i128 visit_u8: u8 visit_u16: u16 visit_u32: u32 visit_u64: u64
        visit_u128: u128 visit_f32: f32 visit_char: char visit_str: &str
        visit_borrowed_str: &'de str visit_string: String visit_bytes: &[u8]
        visit_borrowed_bytes: &'de [u8] visit_byte_buf: Vec<u8>
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // The casts are exact: `v` is integral and inside the target's range.
        if self.asked == Asked::Integer && v.fract() == 0.0 {
            if (-I64_END..I64_END).contains(&v) {
                #[allow(clippy::cast_possible_truncation)]
                return self.inner.visit_i64(v as i64);
            }
            if (0.0..U64_END).contains(&v) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                return self.inner.visit_u64(v as u64);
            }
        }
        self.inner.visit_f64(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.asked == Asked::NotNull {
            return Err(E::custom(NULL_REFUSED));
        }
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.asked == Asked::NotNull {
            return Err(E::custom(NULL_REFUSED));
        }
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Strict::new(de, self.rules.below()))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.inner
            .visit_newtype_struct(Strict::new(de, self.rules.below()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        if self.asked == Asked::Object {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        self.inner.visit_seq(Strict::new(seq, self.rules.below()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        // A struct's map keeps its not-null fields ([`Here::StructFields`]); any other map
        // holds no fields.
        self.inner.visit_map(Strict::new(map, self.rules))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(Strict::new(data, self.rules.below()))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Strict<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.inner.deserialize(Strict::new(de, self.rules))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Strict<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.inner
            .next_element_seed(Strict::new(seed, self.rules.below()))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// On a struct's map, `rules.here` holds the struct's not-null fields until a key is read;
/// then it says whether that key's value may be `null`. Keys are read as text first to know
/// which field comes, then handed to the struct's own key seed.
impl<'de, A: MapAccess<'de>> MapAccess<'de> for Strict<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let fields = match self.rules.here {
            Here::StructFields(fields) => fields,
            Here::NullRefused | Here::Nothing => return self.inner.next_key_seed(seed),
        };
        let Some(key) = self.inner.next_key::<String>()? else {
            return Ok(None);
        };
        let refused = fields.contains(&key.as_str());
        let key = seed.deserialize(de::value::StringDeserializer::<A::Error>::new(key))?;
        self.pending = refused;
        Ok(Some(key))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        let here = if std::mem::take(&mut self.pending) {
            Here::NullRefused
        } else {
            Here::Nothing
        };
        self.inner
            .next_value_seed(Strict::new(seed, self.rules.below().with(here)))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Strict<A> {
    type Error = A::Error;
    type Variant = Strict<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), Self::Error> {
        let (value, variant) = self.inner.variant_seed(seed)?;
        Ok((value, Strict::new(variant, self.rules)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Strict<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        self.inner
            .newtype_variant_seed(Strict::new(seed, self.rules))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner
            .tuple_variant(len, Wrap::other(visitor, self.rules))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.struct_variant(
            fields,
            Wrap {
                inner: visitor,
                asked: Asked::Object,
                rules: self.rules,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        #[serde(default)]
        n: Option<u32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(default)]
        list: Vec<Inner>,
        #[serde(default)]
        map: BTreeMap<String, Inner>,
    }

    #[test]
    fn integral_numbers_are_integers() {
        #[derive(Debug, Deserialize)]
        struct Page {
            limit: u32,
            offset: i64,
        }
        let mut de = serde_json::Deserializer::from_str(r#"{"limit": 20.0, "offset": -1e3}"#);
        let page: Page = super::deserialize(&mut de, &[]).unwrap();
        assert_eq!((page.limit, page.offset), (20, -1000));
        for text in [
            r#"{"limit": 2.5, "offset": 0}"#,
            r#"{"limit": 1e10, "offset": 0}"#,
        ] {
            let mut de = serde_json::Deserializer::from_str(text);
            assert!(
                super::deserialize::<Page, _>(&mut de, &[]).is_err(),
                "{text}"
            );
        }
    }

    fn strict(text: &str) -> Result<Outer, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        super::deserialize(&mut de, &[]).map_err(|e| format!("{} at {}", e.inner(), e.path()))
    }

    #[test]
    fn serde_alone_reads_an_array_as_a_struct() {
        let lenient: Outer = serde_json::from_str("[]").unwrap();
        assert_eq!(lenient.title, None);
    }

    #[test]
    fn arrays_for_structs_are_refused_at_every_depth() {
        assert!(strict("[]").unwrap_err().contains("invalid type: sequence"));
        for text in [
            r#"{"inner": []}"#,
            r#"{"list": [{"n": 1}, [2]]}"#,
            r#"{"map": {"k": []}}"#,
        ] {
            let err = strict(text).unwrap_err();
            assert!(
                err.contains("invalid type: sequence, expected struct Inner"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn objects_and_arrays_where_allowed_still_decode() {
        let outer =
            strict(r#"{"title": "t", "inner": {"n": 1}, "list": [{}], "map": {"k": {"n": 2}}}"#)
                .unwrap();
        assert_eq!(outer.inner, Some(Inner { n: Some(1) }));
        assert_eq!(outer.list, vec![Inner { n: None }]);
        assert_eq!(outer.map["k"], Inner { n: Some(2) });
    }

    #[test]
    fn the_path_to_the_culprit_is_kept() {
        let err = strict(r#"{"list": [{}, []]}"#).unwrap_err();
        assert!(err.ends_with("at list[1]"), "{err}");
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Patch {
        #[serde(default)]
        title: Option<String>,
        #[serde(default, rename = "dueAt")]
        due_at: Option<String>,
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(default)]
        tags: Vec<Option<String>>,
    }

    /// `Patch.title` and `Patch.inner` and `Inner.n` are optional, not nullable; `dueAt` is
    /// nullable.
    static NOT_NULL: &super::NotNull = &[("Inner", &["n"]), ("Patch", &["inner", "title"])];

    fn patch(text: &str) -> Result<Patch, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        super::deserialize(&mut de, NOT_NULL).map_err(|e| format!("{} at {}", e.inner(), e.path()))
    }

    #[test]
    fn null_in_a_not_null_field_is_refused_by_name() {
        for (text, at) in [
            (r#"{"title": null}"#, "title"),
            (r#"{"dueAt": "x", "inner": null}"#, "inner"),
            (r#"{"inner": {"n": null}}"#, "inner.n"),
        ] {
            let err = patch(text).unwrap_err();
            assert!(err.starts_with("null is not allowed here"), "{text}: {err}");
            assert!(err.ends_with(&format!("at {at}")), "{text}: {err}");
        }
    }

    #[test]
    fn null_elsewhere_and_values_still_decode() {
        let p = patch(r#"{"dueAt": null, "tags": [null, "a"], "inner": {"n": 3}, "title": "t"}"#)
            .unwrap();
        assert_eq!(
            p,
            Patch {
                title: Some("t".into()),
                due_at: None,
                inner: Some(Inner { n: Some(3) }),
                tags: vec![None, Some("a".into())],
            }
        );
        assert_eq!(patch("{}").unwrap().title, None);
        // Without the table, serde's reading: null is absence.
        let mut de = serde_json::Deserializer::from_str(r#"{"title": null}"#);
        let lenient: Patch = super::deserialize(&mut de, &[]).unwrap();
        assert_eq!(lenient.title, None);
        // Unknown keys still pass through to serde (which ignores them).
        assert_eq!(
            patch(r#"{"extra": null, "title": "x"}"#)
                .unwrap()
                .title
                .as_deref(),
            Some("x")
        );
    }
}
