//! Helpers shared by the runtime's tests; each test file includes this folder as `mod support`.
//!
//! The runtime knows nothing of any description, so its tests send operations and read models
//! written here by hand, the way graph-codegen writes them (against the same `__private`
//! helpers), on a [`Service`](graph_runtime::Service) of their own.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

pub mod models;
pub mod operations;
pub mod scripted;
