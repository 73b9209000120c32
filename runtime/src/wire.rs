//! Wire forms JSON has no type for: flag sets, numbers that may arrive as strings, base64 bytes,
//! ISO 8601 durations. Each parses leniently and never panics.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Implemented by every generated string enum: its wire text both ways. A value the crate does
/// not know is kept, in the enum's fallback variant, so `from_wire` never fails.
pub trait WireEnum: Sized {
    /// The value as it appears on the wire.
    fn as_str(&self) -> &str;
    fn from_wire(value: &str) -> Self;
}

/// Reads a [`WireEnum`] from a JSON string, borrowed where the input allows: what every
/// generated enum's `Deserialize` does.
pub fn deserialize_wire<'de, T: WireEnum, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    Ok(T::from_wire(&text))
}

/// A set of flag values of an `x-ms-enum-flags` enum, sent as `"a,b"`. Values the crate does not
/// know are kept, in the enum's fallback variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Flags<T>(pub Vec<T>);

impl<T: WireEnum> Flags<T> {
    pub fn contains(&self, flag: &T) -> bool {
        self.0.iter().any(|f| f.as_str() == flag.as_str())
    }
}

impl<T> From<Vec<T>> for Flags<T> {
    fn from(flags: Vec<T>) -> Self {
        Flags(flags)
    }
}

impl<T: WireEnum> Serialize for Flags<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let joined: Vec<&str> = self.0.iter().map(WireEnum::as_str).collect();
        serializer.serialize_str(&joined.join(","))
    }
}

impl<'de, T: WireEnum> Deserialize<'de> for Flags<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Flags(text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(T::from_wire).collect()))
    }
}

impl<T: WireEnum> crate::params::ParamValue for Flags<T> {
    fn to_param(&self) -> String {
        self.0.iter().map(WireEnum::as_str).collect::<Vec<_>>().join(",")
    }
}

/// A number that may arrive as a JSON number or as a string (OData's IEEE754Compatible form,
/// and `INF`, `-INF`, `NaN` for floating point). Sent as a number when finite.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Lenient<T>(pub T);

/// The number types [`Lenient`] carries.
pub trait LenientNumber: Copy + Serialize + std::str::FromStr + fmt::Display {
    fn from_json(value: &serde_json::Number) -> Option<Self>;
    fn is_finite_number(&self) -> bool;
}

macro_rules! lenient_integer {
    ($($t:ty),*) => {$(
        impl LenientNumber for $t {
            fn from_json(value: &serde_json::Number) -> Option<Self> {
                value.as_i64().and_then(|v| <$t>::try_from(v).ok())
            }
            fn is_finite_number(&self) -> bool {
                true
            }
        }
    )*};
}

lenient_integer!(i16, i32, i64);

impl LenientNumber for f64 {
    fn from_json(value: &serde_json::Number) -> Option<Self> {
        value.as_f64()
    }
    fn is_finite_number(&self) -> bool {
        self.is_finite()
    }
}

impl LenientNumber for f32 {
    fn from_json(value: &serde_json::Number) -> Option<Self> {
        // Narrowing is the point: the description says the value is a float.
        value.as_f64().map(|v| v as f32)
    }
    fn is_finite_number(&self) -> bool {
        self.is_finite()
    }
}

impl<T: LenientNumber> Lenient<T> {
    /// How OData spells a value that is not a finite number.
    fn non_finite_text(&self) -> &'static str {
        match self.0.to_string().as_str() {
            "inf" => "INF",
            "-inf" => "-INF",
            _ => "NaN",
        }
    }
}

impl<T: LenientNumber> Serialize for Lenient<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite_number() { self.0.serialize(serializer) } else { serializer.serialize_str(self.non_finite_text()) }
    }
}

/// A parameter's text: the number, or `INF`, `-INF` or `NaN`.
impl<T: LenientNumber> crate::params::ParamValue for Lenient<T> {
    fn to_param(&self) -> String {
        if self.0.is_finite_number() { self.0.to_string() } else { self.non_finite_text().to_string() }
    }
}

impl<'de, T: LenientNumber> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Number(n) => T::from_json(&n).map(Lenient).ok_or_else(|| D::Error::custom(format!("{n} is out of range"))),
            serde_json::Value::String(s) => s.trim().parse().map(Lenient).map_err(|_| D::Error::custom(format!("{s:?} is not a number"))),
            other => Err(D::Error::custom(format!("expected a number or a numeric string, found {other}"))),
        }
    }
}

/// Bytes sent as base64 text. Reads both the URL-safe and the standard alphabet, with or without
/// padding (Graph labels the field `base64url` but often sends standard base64); writes standard
/// base64 with padding, which Graph accepts.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64Bytes(pub Vec<u8>);

impl fmt::Debug for Base64Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64Bytes({} bytes)", self.0.len())
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl Base64Bytes {
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(self.0.len().div_ceil(3) * 4);
        for chunk in self.0.chunks(3) {
            let b = [chunk.first().copied().unwrap_or(0), chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut out = Vec::with_capacity(text.len() / 4 * 3);
        let mut acc = 0u32;
        let mut bits = 0u32;
        for c in text.trim_end_matches('=').bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' | b'-' => 62,
                b'/' | b'_' => 63,
                b'\r' | b'\n' => continue,
                _ => return None,
            };
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push(((acc >> bits) & 0xff) as u8);
            }
        }
        Some(Base64Bytes(out))
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Base64Bytes::decode(&text).ok_or_else(|| serde::de::Error::custom("not base64 text"))
    }
}

/// An ISO 8601 duration such as `P1DT2H30M`, as Graph sends durations.
#[derive(Debug, Clone, Copy, Default)]
pub struct IsoDuration(pub jiff::Span);

impl PartialEq for IsoDuration {
    fn eq(&self, other: &Self) -> bool {
        // Unit by unit: `PT60M` and `PT1H` are different texts and compare unequal.
        self.0.fieldwise() == other.0.fieldwise()
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map(IsoDuration).map_err(serde::de::Error::custom)
    }
}

impl crate::params::ParamValue for IsoDuration {
    fn to_param(&self) -> String {
        self.0.to_string()
    }
}

impl crate::params::ParamValue for Base64Bytes {
    fn to_param(&self) -> String {
        self.encode()
    }
}

impl crate::params::ParamValue for jiff::Timestamp {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl crate::params::ParamValue for jiff::civil::Date {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl crate::params::ParamValue for jiff::civil::Time {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl crate::params::ParamValue for uuid::Uuid {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;

    /// As a parameter (an `anyOf` of number and string in a path or query), a lenient number is
    /// spelled as in a body.
    #[test]
    fn lenient_numbers_as_parameters_keep_their_spellings() {
        let texts: Vec<String> = [Lenient(2.5), Lenient(f64::NEG_INFINITY), Lenient(f64::NAN)].iter().map(ParamValue::to_param).collect();
        assert_eq!(texts, ["2.5", "-INF", "NaN"]);
        assert_eq!(Lenient(9_007_199_254_740_993i64).to_param(), "9007199254740993");
    }
}
