//! Helpers shared by the runtime's tests; each test file includes this folder as `mod support`.
//!
//! The runtime knows nothing of any description, so its tests send operations and read models
//! written here by hand, the way graph-codegen writes them (against the same `__private`
//! helpers), on a [`Service`](graph_runtime::Service) of their own.
//!
//! A test that needs a feature says so with `#![cfg(feature = …)]` at its top, and is empty
//! without it (`cargo test -p graph-runtime --all-features` runs them all). Not with
//! `required-features` in `Cargo.toml`: that manifest is copied into every crate that vendors
//! the runtime, which has no `tests/`, and cargo refuses a `[[test]]` whose file is missing.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

pub mod models;
pub mod operations;
pub mod scripted;
