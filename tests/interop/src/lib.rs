//! Interoperability with outside tools (being written).
