//! Shared by the UI tests.
pub mod browser;
