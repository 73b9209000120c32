//! The runtime every crate graph-codegen generates depends on: the client, the request and
//! response machinery, paging, the wire forms of values, and (feature `graph`) what only
//! Microsoft Graph needs.
//!
//! A generated crate holds what its description says (models, one request type per operation,
//! one client method per operation) and names this crate for everything else, so several
//! generated crates share one [`Client`]: one connection pool, one token cache, one [`Batch`]
//! across them. Each operation names its crate's [`Service`] (default root, credentials,
//! `User-Agent`); nothing else in this crate differs from one generated crate to another.
//!
//! # Modules
//!
//! - the crate root: building a request ([`Operation`], [`build_request`]) and reading its
//!   response ([`parse_response`], [`Error`]), with no I/O;
//! - [`client`] (feature `client`, on by default): the async client over `reqwest`;
//! - [`paging`], [`values`], [`objects`]: listings, wire forms JSON has no type for, unknown
//!   members;
//! - [`graph`] (feature `graph`, on by default): `$batch`, `ConsistencyLevel`, delta queries,
//!   `@odata.count`, token scopes.
//!
//! # Versions
//!
//! Everything public outside [`__private`] follows semantic versioning. [`__private`] is for the
//! code graph-codegen emits, and may change in any release; a generated crate therefore names
//! the exact version of this crate that the generator which wrote it ships with (`=x.y.z`).
//!
//! [`Batch`]: graph::Batch

mod auth;
mod bodies;
mod budget;
mod encode;
mod error;
mod members;
mod operation;
mod pages;
mod params;
mod patch;
mod request;
mod response;
mod retry;
mod service;
mod wire;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "graph")]
pub mod graph;

pub use auth::{AuthScheme, BearerToken};
pub use bodies::{MULTIPART_BOUNDARY, MULTIPART_CONTENT_TYPE};
pub use budget::{DEFAULT_MAX_DECODED_BYTES, decode_within};
pub use encode::{encode_path_segment, encode_query_component};
pub use error::{ApiError, DISPLAY_TEXT_LIMIT, DecodeError, Error, ErrorBody, RequestError, escape_for_display};
pub use operation::{FromBody, Operation, WithHeaders};
pub use params::QueryKey;
pub use patch::Patch;
pub use request::build_request;
pub use response::parse_response;
pub use retry::{RetryDecision, RetryPolicy, StopReason, parse_http_date, parse_retry_after, retry_decision};
pub use service::{BaseUrl, Service};

pub use objects::UnknownMembers;
pub use paging::PageOf;
pub use values::WireEnum;

#[cfg(feature = "client")]
pub use client::Client;
#[cfg(feature = "graph")]
pub use graph::{BATCH_LIMIT, Batch, BatchKey, BatchResponses, ConsistencyLevel, DeltaLink, token_scopes};

/// A model's members: the ones it does not declare are kept as sent.
pub mod objects {
    pub use crate::members::UnknownMembers;
}

/// Wire forms JSON has no type for: flag sets, numbers that may arrive as strings, base64 bytes,
/// ISO 8601 durations; and the trait of every generated string enum.
pub mod values {
    pub use crate::wire::{Base64Bytes, Flags, IsoDuration, Lenient, LenientNumber, WireEnum};
}

/// Paged listings (`x-ms-pageable`): the state of one, with no I/O; the client drives it as a
/// `Stream`.
pub mod paging {
    #[cfg(feature = "graph")]
    pub use crate::graph::DeltaLink;
    pub use crate::pages::{Page, PageOf, Pager, build_next_link_request};
}

/// What only generated code calls: the fence between this crate's API and the helpers
/// graph-codegen's output is written against.
///
/// Nothing here is for use by hand, and nothing here is covered by semantic versioning: any
/// release may change it, which is why a generated crate depends on one exact version of this
/// crate. To add a helper for generated code, put it in the module of its concern and re-export
/// it here; never make it public anywhere else.
#[doc(hidden)]
pub mod __private {
    pub use crate::bodies::{PartValue, encode_form, encode_multipart};
    pub use crate::budget::{decode_json_text, decode_json_value};
    pub use crate::encode::expand_path;
    #[cfg(feature = "graph")]
    pub use crate::graph::odata_count;
    pub use crate::members::{MemberKey, MemberWriter, Members, deserialize_members, read_tagged, read_unknown};
    pub use crate::params::{ObjectStyle, ParamValue, object_query_pairs, optional_param, param_pairs, query_pairs};
    pub use crate::response::{decode_bytes, decode_nothing, decode_optional, decode_text};
    pub use crate::wire::deserialize_wire;
}
