//! The parser on arbitrary bytes: never a panic; errors always located
//! inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(errors) = onus::parse::parse(text) {
        assert!(!errors.is_empty());
        for error in &errors {
            let diagnostic = error.to_diagnostic();
            let span = diagnostic.primary.expect("parse errors are located").span;
            assert!(span.start <= span.end && span.end <= text.len(), "{span:?} in {} bytes", text.len());
        }
    }
});
