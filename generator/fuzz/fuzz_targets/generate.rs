//! Any document that loads → the whole pipeline in memory: a crate or located errors, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = oagen::generate_str("fuzz.yaml", text, "fuzzed");
});
