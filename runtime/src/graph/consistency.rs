//! The `ConsistencyLevel` header of Graph's advanced queries.

use crate::params::ParamValue;

/// The `ConsistencyLevel` header, typed where the description declares it. Graph defines one
/// value, `eventual`, which advanced queries on directory objects require (`$count`, `$search`,
/// and some `$filter` and `$orderby` forms: <https://learn.microsoft.com/graph/aad-advanced-queries>).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConsistencyLevel {
    /// `eventual`; the default, being the only value Graph defines.
    #[default]
    Eventual,
    /// A value this crate does not know, sent as written (checked like any header when the
    /// request is built).
    Other(String),
}

impl ParamValue for ConsistencyLevel {
    fn to_param(&self) -> String {
        match self {
            ConsistencyLevel::Eventual => "eventual".to_string(),
            ConsistencyLevel::Other(value) => value.clone(),
        }
    }
}
