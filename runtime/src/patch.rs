//! The PATCH field type: leave a property alone, clear it, or set it.

/// One field of a PATCH body: leave it alone, clear it (send `null`), or set it.
///
/// Only nullable properties use this type; a property that cannot be null is an `Option<T>` in
/// the PATCH body, so clearing it cannot even be written. A PATCH body's fields start as
/// `Unchanged` (its `Default`), so a body names only what it changes (the crate's front page
/// shows one written out):
///
/// ```
#[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::Patch;")]
///
/// let rename: Patch<String> = "Contoso".to_string().into();
/// assert_eq!(rename, Patch::Set("Contoso".to_string()));
/// let forget: Patch<String> = Patch::Clear;
/// assert!(!forget.is_unchanged());
/// assert!(Patch::<String>::default().is_unchanged());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// Not sent: the server keeps the current value.
    #[default]
    Unchanged,
    /// Sent as `null`: the server clears the value.
    Clear,
    /// Sent as the value.
    Set(T),
}

impl<T> Patch<T> {
    /// True for [`Patch::Unchanged`], which is left out of the serialized body.
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Set(value)
    }
}

impl<T: serde::Serialize> serde::Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => value.serialize(serializer),
            Patch::Unchanged | Patch::Clear => serializer.serialize_none(),
        }
    }
}
