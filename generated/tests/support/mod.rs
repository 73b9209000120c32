//! Helpers shared by the client tests; each test file includes this folder as `mod support`.

pub mod get_status;
pub mod scripted;
