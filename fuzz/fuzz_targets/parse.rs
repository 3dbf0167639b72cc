//! The parser on arbitrary bytes: never a panic; errors always located
//! inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(report) = onus::parse("fuzz.onus", text) {
        assert!(!report.diagnostics.is_empty());
        for diagnostic in &report.diagnostics {
            let span = diagnostic.primary.as_ref().expect("parse errors are located").span;
            assert!(span.start <= span.end && span.end <= text.len(), "{span:?} in {} bytes", text.len());
        }
    }
});
