//! Reading a model member by member, and keeping the members it does not declare.
//!
//! Models decode without `#[serde(flatten)]`: serde buffers a flattened object into its private
//! `Content` before reading it, which costs time and memory. Here each known key is matched as
//! it arrives (borrowed from the input where it can be) and read straight into its field; every
//! other member is kept as its JSON text, so a member of any size costs about its own bytes.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// The members of an object that its model does not declare, each kept as sent (its JSON text),
/// in key order. Graph adds properties over time; they survive a read and a write unchanged.
///
/// A sorted `Vec` rather than a `BTreeMap`: an object has few unknown members (often one, its
/// `@odata.type`), and one small allocation per object decodes faster than a tree node. Keys
/// are `Cow`s so that the one nearly every Graph object has costs no allocation of its own.
#[derive(Debug, Clone, Default)]
pub struct UnknownMembers(Vec<(Cow<'static, str>, Box<RawValue>)>);

/// The unknown member almost every object Graph sends carries.
const ODATA_TYPE: &str = "@odata.type";

impl UnknownMembers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// The member's JSON text.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        let i = self.position(key).ok()?;
        self.0.get(i).map(|(_, raw)| &**raw)
    }

    /// The member parsed as any JSON value.
    pub fn value(&self, key: &str) -> Option<serde_json::Value> {
        self.get(key).and_then(|raw| serde_json::from_str(raw.get()).ok())
    }

    /// The member's text, borrowed, when it is a JSON string without escapes (such as an
    /// `@odata.type` kept here); `None` for anything else.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|raw| serde_json::from_str(raw.get()).ok())
    }

    /// The member parsed as a `T`.
    pub fn parse<T: de::DeserializeOwned>(&self, key: &str) -> Option<Result<T, serde_json::Error>> {
        self.get(key).map(|raw| serde_json::from_str(raw.get()))
    }

    /// Sets a member to `value` written as JSON; the previous value, if any, is replaced.
    pub fn insert<T: Serialize + ?Sized>(&mut self, key: impl Into<String>, value: &T) -> Result<(), serde_json::Error> {
        self.insert_raw(key, serde_json::value::to_raw_value(value)?);
        Ok(())
    }

    /// Sets a member to JSON text as it is; the previous value, if any, is replaced.
    pub fn insert_raw(&mut self, key: impl Into<String>, value: Box<RawValue>) {
        let key = Cow::Owned(key.into());
        match self.position(&key) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let i = self.position(key).ok()?;
        Some(self.0.remove(i).1)
    }

    /// The members in key order, each as its JSON text.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0.iter().map(|(key, raw)| (key.as_ref(), &**raw))
    }

    /// Adds a member while an object is read; [`UnknownMembers::finish_reading`] then sorts them.
    fn push_read(&mut self, key: Cow<'static, str>, value: Box<RawValue>) {
        self.0.push((key, value));
    }

    /// Puts members added by `push_read` in key order; of a key sent twice, the last is kept,
    /// as `serde_json::Map` keeps it.
    pub fn finish_reading(&mut self) {
        if self.0.len() > 1 {
            // Stable, so the members of one key stay in the order they came.
            self.0.sort_by(|(a, _), (b, _)| a.cmp(b));
            let mut kept: Vec<(Cow<'static, str>, Box<RawValue>)> = Vec::with_capacity(self.0.len());
            for (key, value) in self.0.drain(..) {
                match kept.last_mut() {
                    Some(last) if last.0 == key => last.1 = value,
                    _ => kept.push((key, value)),
                }
            }
            self.0 = kept;
        }
    }
}

/// Members are equal when they hold the same JSON values, however the text was spaced.
impl PartialEq for UnknownMembers {
    fn eq(&self, other: &Self) -> bool {
        let same = |a: &RawValue, b: &RawValue| {
            a.get() == b.get()
                || serde_json::from_str::<serde_json::Value>(a.get()).ok() == serde_json::from_str::<serde_json::Value>(b.get()).ok()
        };
        self.len() == other.len() && self.iter().zip(other.iter()).all(|((ka, a), (kb, b))| ka == kb && same(a, b))
    }
}

impl Serialize for UnknownMembers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for UnknownMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Box<RawValue>>::deserialize(deserializer)?;
        Ok(Self(map.into_iter().map(|(key, value)| (Cow::Owned(key), value)).collect()))
    }
}

/// Reads the members of an object that its model does not declare, for a generated decoder.
pub fn read_unknown<'de, A: MapAccess<'de>>(into: &mut UnknownMembers, key: MemberKey<'de>, map: &mut A) -> Result<(), A::Error> {
    let raw = map.next_value()?;
    let key = if key.as_str() == ODATA_TYPE { Cow::Borrowed(ODATA_TYPE) } else { Cow::Owned(key.into_string()) };
    into.push_read(key, raw);
    Ok(())
}

/// Writes a model's members one by one, for a generated `Serialize`: declared members in order,
/// then the unknown ones as they came.
pub struct MemberWriter<S: Serializer>(S::SerializeMap);

impl<S: Serializer> MemberWriter<S> {
    pub fn new(serializer: S) -> Result<Self, S::Error> {
        serializer.serialize_map(None).map(Self)
    }

    /// A member that is always written (`null` for a required nullable one that is `None`).
    pub fn required<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), S::Error> {
        self.0.serialize_entry(key, value)
    }

    /// A member left out when it is absent.
    pub fn optional<T: Serialize>(&mut self, key: &'static str, value: &Option<T>) -> Result<(), S::Error> {
        match value {
            Some(value) => self.0.serialize_entry(key, value),
            None => Ok(()),
        }
    }

    /// Writes the unknown members and ends the object.
    pub fn end(mut self, unknown: &UnknownMembers) -> Result<S::Ok, S::Error> {
        for (key, value) in unknown.iter() {
            self.0.serialize_entry(key, value)?;
        }
        self.0.end()
    }
}

/// A member's key: borrowed from the input when it has no escapes, so known keys cost no copy.
pub struct MemberKey<'de>(Cow<'de, str>);

impl MemberKey<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for MemberKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = MemberKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
                Ok(MemberKey(Cow::Borrowed(key)))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
                Ok(MemberKey(Cow::Owned(key.to_string())))
            }
            fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
                Ok(MemberKey(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A model every member of which may be absent, read member by member into its default value.
pub trait Members: Default {
    /// Reads the value of the member `key` into its field if the model declares it; false when
    /// it does not (and the value is still unread).
    fn read_member<'de, A: MapAccess<'de>>(&mut self, _key: &str, _map: &mut A) -> Result<bool, A::Error> {
        Ok(false)
    }

    /// Where the members it does not declare go.
    fn unknown_members(&mut self) -> &mut UnknownMembers;
}

/// The `Deserialize` of every [`Members`] model.
pub fn deserialize_members<'de, D: Deserializer<'de>, T: Members>(deserializer: D) -> Result<T, D::Error> {
    struct MembersVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: Members> Visitor<'de> for MembersVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut value = T::default();
            while let Some(key) = map.next_key::<MemberKey<'de>>()? {
                if !value.read_member(key.as_str(), &mut map)? {
                    read_unknown(value.unknown_members(), key, &mut map)?;
                }
            }
            value.unknown_members().finish_reading();
            Ok(value)
        }
    }
    deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
}

/// A union's value as its JSON text, and the value of its `tag` member (such as `@odata.type`),
/// so that the variant the tag names can then be read from the text. Holding text rather than a
/// `serde_json::Value` keeps a large value at about its own size, and unknown members as sent.
pub fn read_tagged<'de, D: Deserializer<'de>>(deserializer: D, tag: &str) -> Result<(Box<RawValue>, Option<String>), D::Error> {
    let raw = Box::<RawValue>::deserialize(deserializer)?;
    let found =
        de::DeserializeSeed::deserialize(TagSeed(tag), &mut serde_json::Deserializer::from_str(raw.get())).map_err(de::Error::custom)?;
    Ok((raw, found))
}

/// Reads only the `tag` member of an object, skipping the rest; None for a value that is not an
/// object or has no such string member.
struct TagSeed<'t>(&'t str);

impl<'de> de::DeserializeSeed<'de> for TagSeed<'_> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TagSeed<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<MemberKey<'de>>()? {
            if found.is_none() && key.as_str() == self.0 {
                // Borrowed from the text, so a tag that is not a string (however large) is
                // skipped without being kept.
                let value = map.next_value::<&'de RawValue>()?;
                found = serde_json::from_str::<String>(value.get()).ok();
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag_of(json: &str) -> Option<String> {
        read_tagged(&mut serde_json::Deserializer::from_str(json), "@odata.type").expect("reads").1
    }

    /// A tag is read only when it is a string; any other value is skipped, and the union's text
    /// is kept whole either way.
    #[test]
    fn the_tag_is_a_string_or_nothing() {
        assert_eq!(tag_of(r##"{"a":1,"@odata.type":"#microsoft.graph.user"}"##).as_deref(), Some("#microsoft.graph.user"));
        assert_eq!(tag_of(r#"{"@odata.type":"a \"quoted\" name"}"#).as_deref(), Some("a \"quoted\" name"));
        assert_eq!(tag_of(r#"{"@odata.type":[1,{"x":[2]}],"b":2}"#), None);
        assert_eq!(tag_of(r#"{"@odata.type":5}"#), None);
        assert_eq!(tag_of(r#"[1,2]"#), None);
    }
}
