//! Any bytes → the loader and the normaliser: never a panic, never a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut diags = oagen::diag::Diagnostics::default();
    if let Some(mut sources) = oagen::load::load_str("fuzz.yaml", text, &mut diags) {
        oagen::normalize::normalize(&mut sources, &mut diags);
    }
});
