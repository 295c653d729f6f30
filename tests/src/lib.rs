//! End-to-end tests: generated clients against generated servers over loopback.
//!
//! The crate's own docs are the repository README, so its example compiles as a doctest.
#![doc = include_str!("../../README.md")]
pub mod agent_platform;
pub mod agent_runtime;
