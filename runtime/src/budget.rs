//! A bound on the memory a decoded response takes, whatever the server sends.
//!
//! The client bounds the bytes it reads ([`Client::with_max_response_bytes`]), but bytes are not
//! what a decoded value costs: each `{}` (two bytes) in a typed array becomes a whole struct,
//! a thousand bytes for many Graph models, so a 64 MiB body could take about 21 GiB. Decoding
//! therefore goes through [`Metered`], a wrapper around the JSON deserializer that counts, as
//! values are read:
//!
//! - for every value, the size of the Rust value it becomes (`size_of`): an array element, an
//!   object member, a map entry, the whole body;
//! - for every string, its length.
//!
//! and stops with an error once the count passes the limit of the decode in progress, so the
//! count is an upper estimate of what the decoded values hold (a struct is counted once as an
//! element and again member by member, and a member's name is counted as text). The
//! allocations behind the count stay below three times it: a vector grows by doubling, and
//! while it grows its old buffer is still live. [`DEFAULT_MAX_DECODED_BYTES`] is four times the
//! default limit on response bytes.
//!
//! The count is per response and lives in a thread-local for the length of one synchronous
//! decode ([`decode_within`]): the decoders generated code calls from inside a `Deserialize`
//! (a union's variant, read from the text of the union's value) take from the same count
//! without the limit being passed through serde's traits, which have no room for it.
//!
//! Not counted: the heap value behind a `Box` of an untagged alternative, which serde reads
//! from its own buffer rather than from this deserializer.
//!
//! [`Client::with_max_response_bytes`]: crate::Client::with_max_response_bytes

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use std::cell::Cell;
use std::fmt;

/// The most memory one decoded response may take (as counted here) unless the client is told
/// otherwise (`Client::with_max_decoded_bytes`): 256 MiB, four times the default limit on
/// response bytes.
pub const DEFAULT_MAX_DECODED_BYTES: usize = 256 << 20;

/// What is left of the count of the decode in progress on this thread, and its limit.
#[derive(Clone, Copy)]
struct Count {
    left: usize,
    limit: usize,
}

thread_local! {
    static COUNT: Cell<Option<Count>> = const { Cell::new(None) };
}

/// Restores the count that was in force before a scope, also when the decode inside unwinds.
struct Restore(Option<Count>);

impl Drop for Restore {
    fn drop(&mut self) {
        COUNT.set(self.0);
    }
}

/// Runs `decode` (a [`parse_response`](crate::parse_response), a
/// [`Pager::read_page`](crate::paging::Pager::read_page), a
/// [`BatchResponses::get`](crate::graph::BatchResponses::get)) with a fresh count of at most
/// `limit` bytes for everything it decodes. The client runs each response's decode this way
/// with its own limit; a decode outside any such scope gets [`DEFAULT_MAX_DECODED_BYTES`].
pub fn decode_within<R>(limit: usize, decode: impl FnOnce() -> R) -> R {
    let _restore = Restore(COUNT.replace(Some(Count { left: limit, limit })));
    decode()
}

/// Runs `decode` under the count in force, or under a fresh default one when there is none.
fn within_current<R>(decode: impl FnOnce() -> R) -> R {
    match COUNT.get() {
        Some(_) => decode(),
        None => decode_within(DEFAULT_MAX_DECODED_BYTES, decode),
    }
}

/// Takes `bytes` from the count in force; the error says the limit when it would be passed.
fn take(bytes: usize) -> Result<(), Exceeded> {
    match COUNT.get() {
        Some(Count { left, limit }) if bytes > left => {
            // Spent: every later value fails too, so a decoder that recovers from one error
            // (an untagged enum trying its next alternative) cannot go on allocating.
            COUNT.set(Some(Count { left: 0, limit }));
            Err(Exceeded { limit })
        }
        Some(Count { left, limit }) => {
            COUNT.set(Some(Count { left: left - bytes, limit }));
            Ok(())
        }
        None => Ok(()),
    }
}

/// A decode passed the memory limit.
struct Exceeded {
    limit: usize,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "decoded, the response would take more than {} bytes of memory (the client's limit; Client::with_max_decoded_bytes raises it)",
            self.limit
        )
    }
}

/// Decodes `T` from JSON text under the count in force: for the union decoders generated code
/// runs on a value's text inside another decode.
pub fn decode_json_text<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    within_current(|| {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = read_metered::<T, _>(&mut de)?;
        de.end()?;
        Ok(value)
    })
}

/// Decodes `T` from a JSON value under the count in force: for the discriminated alternatives
/// generated code reads from a `serde_json::Value` inside another decode.
pub fn decode_json_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, serde_json::Error> {
    within_current(|| read_metered::<T, _>(value))
}

/// Decodes a whole body under the count in force (or a default one), with the JSON path of a
/// failure; trailing bytes after the value are an error.
pub(crate) fn decode_json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    within_current(|| {
        // Read without tracking paths first: the tracker costs about a fifth of the time of
        // every decode, and only a failure needs it. A failure is read again, from the same
        // count, with the tracker, to say where.
        let count = COUNT.get();
        let mut de = serde_json::Deserializer::from_slice(body);
        if let Ok(value) = read_metered::<T, _>(&mut de) {
            de.end().map_err(|e| BodyError { path: ".".to_string(), message: e.to_string() })?;
            return Ok(value);
        }
        COUNT.set(count);
        let mut de = serde_json::Deserializer::from_slice(body);
        let mut track = serde_path_to_error::Track::new();
        let read = read_metered::<T, _>(serde_path_to_error::Deserializer::new(&mut de, &mut track));
        let value = read.map_err(|e| BodyError { path: track.path().to_string(), message: e.to_string() })?;
        de.end().map_err(|e| BodyError { path: ".".to_string(), message: e.to_string() })?;
        Ok(value)
    })
}

/// Reads a `T` from `deserializer`, its own size counted first.
fn read_metered<'de, T: de::Deserialize<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    MeteredSeed(std::marker::PhantomData::<T>).deserialize(deserializer)
}

/// Where and why a body did not decode.
#[derive(Debug)]
pub(crate) struct BodyError {
    pub path: String,
    pub message: String,
}

/// A deserializer that counts what it reads against the count in force.
struct Metered<D>(D);

/// The seed of a value inside a metered one: the value's size is counted before it is read,
/// and it is read through a metered deserializer.
struct MeteredSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for MeteredSeed<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        take(size_of::<S::Value>()).map_err(de::Error::custom)?;
        self.0.deserialize(Metered(deserializer))
    }
}

/// Forwards each `deserialize_*` of the list to the inner deserializer, with a metered visitor.
macro_rules! forward_metered {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($arg,)* MeteredVisitor(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Metered<D> {
    type Error = D::Error;

    forward_metered! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor whose strings are counted and whose nested values are read metered.
struct MeteredVisitor<V>(V);

/// Forwards each `visit_*` of the list unchanged: numbers, booleans and the like live inside
/// the value whose size was already counted.
macro_rules! forward_visits {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.0.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for MeteredVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    forward_visits! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        take(v.len()).map_err(E::custom)?;
        self.0.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        take(v.len()).map_err(E::custom)?;
        self.0.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        take(v.len()).map_err(E::custom)?;
        self.0.visit_string(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        take(v.len()).map_err(E::custom)?;
        self.0.visit_bytes(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        take(v.len()).map_err(E::custom)?;
        self.0.visit_borrowed_bytes(v)
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        take(v.len()).map_err(E::custom)?;
        self.0.visit_byte_buf(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Metered(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Metered(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Metered(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Metered(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Metered(data))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Metered<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(MeteredSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Metered<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(MeteredSeed(seed))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(MeteredSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Metered<A> {
    type Error = A::Error;
    type Variant = Metered<A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Metered<A::Variant>), A::Error> {
        let (value, variant) = self.0.variant_seed(MeteredSeed(seed))?;
        Ok((value, Metered(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Metered<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(MeteredSeed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, MeteredVisitor(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, MeteredVisitor(visitor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Wide {
        a: Option<[u64; 16]>,
        b: Option<String>,
    }

    #[test]
    fn elements_count_their_size_and_strings_their_length() {
        let body = br#"[{}, {}, {"b": "four"}]"#;
        let counted = decode_within(1 << 20, || {
            decode_json_body::<Vec<Wide>>(body).expect("decodes");
            COUNT.get().map(|c| c.limit - c.left)
        });
        let wide = size_of::<Wide>();
        // The whole vector, three elements, one member's value, its name and its text.
        assert_eq!(counted, Some(size_of::<Vec<Wide>>() + 3 * wide + size_of::<Option<String>>() + 1 + 1 + 4));
    }

    #[test]
    fn a_decode_past_the_limit_fails_and_names_it() {
        let body = format!("[{}{{}}]", "{},".repeat(1000));
        let limit = 100 * size_of::<Wide>();
        let error = decode_within(limit, || decode_json_body::<Vec<Wide>>(body.as_bytes())).expect_err("fails");
        assert!(error.message.contains(&format!("more than {limit} bytes")), "{}", error.message);
        assert_eq!(error.path, "[99]");
        // The same body decodes under the default limit, in a scope of its own.
        assert_eq!(decode_json_body::<Vec<Wide>>(body.as_bytes()).ok().map(|v| v.len()), Some(1001));
    }

    #[test]
    fn nested_decodes_take_from_the_count_in_force() {
        let inner = r#"{"b": "text"}"#;
        let counted = decode_within(1 << 20, || {
            decode_json_text::<Wide>(inner).expect("decodes");
            let value = serde_json::json!({"b": "text"});
            decode_json_value::<Wide>(value).expect("decodes");
            COUNT.get().map(|c| c.limit - c.left)
        });
        // The struct, its member's name (as the derive's field enum and as text), value and text.
        let one = size_of::<Wide>() + 1 + 1 + size_of::<Option<String>>() + 4;
        assert_eq!(counted, Some(2 * one));
        // After the scope, none is in force.
        assert!(COUNT.get().is_none());
    }
}
