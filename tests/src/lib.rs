//! End-to-end tests: generated clients against generated servers over loopback.
pub mod agent_platform;
pub mod agent_runtime;
