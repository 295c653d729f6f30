//! End-to-end tests: generated clients against generated servers over loopback.
