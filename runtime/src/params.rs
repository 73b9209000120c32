//! Parameters: the wire text of a value, and an operation's query and header pairs.

use crate::error::RequestError;
use std::borrow::Cow;

/// A value that can be written into a path segment, query string or header.
pub trait ParamValue {
    fn to_param(&self) -> String;
}

impl ParamValue for str {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl ParamValue for String {
    fn to_param(&self) -> String {
        self.clone()
    }
}

impl ParamValue for bool {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

/// Integers of every width a format names (`int16`, `int32`, `int64`, `uint8` … `uint64`).
macro_rules! integer_param_values {
    ($($t:ty),*) => {
        $(
            impl ParamValue for $t {
                fn to_param(&self) -> String {
                    self.to_string()
                }
            }
        )*
    };
}

integer_param_values!(i16, i32, i64, u8, u16, u32, u64);

impl ParamValue for f32 {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl ParamValue for f64 {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

/// Any JSON value (a parameter whose schema the generator could not type): a string is sent as
/// its text, anything else as its JSON, so such a parameter still compiles and can be set.
impl ParamValue for serde_json::Value {
    fn to_param(&self) -> String {
        match self {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }
}

/// Arrays go comma-separated (OpenAPI `style: form, explode: false`, as Graph's OData options are).
impl<T: ParamValue> ParamValue for Vec<T> {
    fn to_param(&self) -> String {
        self.iter().map(ParamValue::to_param).collect::<Vec<_>>().join(",")
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn to_param(&self) -> String {
        (**self).to_param()
    }
}

/// An operation's query or header pairs from its parameters: an optional one that is not set
/// (`None`) is left out. Each request type lists its parameters as data for this one function
/// instead of a branch per parameter. The names come out as header names (`&'static str`) or
/// query keys ([`QueryKey`]), whichever the caller returns.
pub fn param_pairs<K: From<&'static str>, const N: usize>(params: [(&'static str, Option<String>); N]) -> Vec<(K, String)> {
    params.into_iter().filter_map(|(name, value)| Some((K::from(name), value?))).collect()
}

/// [`param_pairs`] as an operation's query: what `Operation::query` returns when every parameter
/// is one pair, which cannot fail.
pub fn query_pairs<const N: usize>(params: [(&'static str, Option<String>); N]) -> Result<Vec<(QueryKey, String)>, RequestError> {
    Ok(param_pairs(params))
}

/// A query parameter's key: its name, or one made from it and an object's member
/// (`filter[name]` for `deepObject`, the member's own name for an exploded `form` object).
pub type QueryKey = Cow<'static, str>;

/// How an object query parameter's members go into the query string (OpenAPI's `style` and
/// `explode`), for `{"name": "x", "age": 3}` given as `filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `deepObject`: `filter[age]=3&filter[name]=x`.
    DeepObject,
    /// `form` with `explode: true` (the default): `age=3&name=x`, the parameter's name unused.
    Exploded,
    /// One pair, names and values joined: `filter=age,3,name,x` (`form` with `explode: false`);
    /// with a space (`spaceDelimited`) or `|` (`pipeDelimited`).
    Joined(char),
}

/// The query pairs of the object `value` given as the parameter `name`, written as `style` says.
/// Members come in name order; an absent or `null` member is left out, an array member gives one
/// entry per item (its name repeated) and a nested object its JSON text, as form bodies do
/// (OpenAPI leaves both undefined for query parameters).
pub fn object_query_pairs<T: serde::Serialize + ?Sized>(
    name: &'static str,
    value: &T,
    style: ObjectStyle,
) -> Result<Vec<(QueryKey, String)>, RequestError> {
    let members = object_members(value).map_err(|why| RequestError::Query { name, why })?;
    Ok(match style {
        ObjectStyle::DeepObject => members.into_iter().map(|(member, text)| (Cow::Owned(format!("{name}[{member}]")), text)).collect(),
        ObjectStyle::Exploded => members.into_iter().map(|(member, text)| (Cow::Owned(member), text)).collect(),
        ObjectStyle::Joined(delimiter) => {
            let joined: Vec<String> = members.into_iter().flat_map(|(member, text)| [member, text]).collect();
            Vec::from([(Cow::Borrowed(name), joined.join(&delimiter.to_string()))])
        }
    })
}

/// An object's members as (name, text) entries in name order: `null` left out, an array's items
/// as entries of the same name, a string as its text and anything else as its JSON. Form bodies
/// and object query parameters are both written from these.
pub(crate) fn object_members<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>, String> {
    let serde_json::Value::Object(members) = serde_json::to_value(value).map_err(|e| e.to_string())? else {
        return Err("not an object of members".to_string());
    };
    let text = |v: serde_json::Value| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    let mut entries = Vec::new();
    for (name, member) in members {
        match member {
            serde_json::Value::Null => {}
            serde_json::Value::Array(items) => entries.extend(items.into_iter().map(|item| (name.clone(), text(item)))),
            other => entries.push((name, text(other))),
        }
    }
    Ok(entries)
}

/// The wire text of an optional parameter, if it is set.
pub fn optional_param<T: ParamValue>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(ParamValue::to_param)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_is_not_an_object_is_an_error_naming_the_parameter() {
        let refused = object_query_pairs("filter", &[1, 2], ObjectStyle::DeepObject);
        assert_eq!(refused, Err(RequestError::Query { name: "filter", why: "not an object of members".to_string() }));
        assert_eq!(refused.unwrap_err().to_string(), "could not write query parameter `filter`: not an object of members");
    }
}
