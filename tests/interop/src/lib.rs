//! Interoperability with outside tools.
//!
//! - Outside clients against our servers: [`conversations_server`] and [`acp_server`] are
//!   recording implementations of the generated servers (served by the `serve` binary), which
//!   the published Python SDKs (`revengai`, `agntcy-acp`) drive from `python/`. Schemathesis
//!   fuzzes every generated server against its spec: those two, [`devrev_server`], and the
//!   `e2e` crate's reference implementations of the agent runtime and platform.
//! - Our clients against a validating mock: [`prism`] calls every operation of every generated
//!   client against Prism (the `prism_client` binary).
//!
//! `cargo xtask interop` installs the outside tools, runs both and writes `INTEROP.md`.

pub mod acp_server;
pub mod conversations_server;
pub mod devrev_server;
pub mod prism;
pub mod record;
