//! Lowering tests live in generator/tests (golden) for now.
