//! Helpers shared by the client tests; each test file includes this folder as `mod support`.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

pub mod get_status;
pub mod list_statuses;
pub mod scripted;
