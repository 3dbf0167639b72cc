//! Scenario JSON against every built-in policy: an answer or located
//! errors, never a panic; the errors as shown hold no raw control
//! character or bidirectional override.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn policies() -> &'static Vec<onus::Policy> {
    static POLICIES: OnceLock<Vec<onus::Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        onus::BUILTINS
            .iter()
            .map(|b| onus::load(b.name, b.text).expect("built-ins load"))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for policy in policies() {
        match policy.scenario_from_json(text) {
            Ok(scenario) => {
                let decisions = policy.evaluate(&scenario);
                assert_eq!(decisions.len(), policy.zones.len());
            }
            Err(report) => {
                assert!(!report.diagnostics.is_empty());
                let shown = onus::render::diagnostics_text(&report, onus::render::Colour::Never);
                let unsafe_char = shown.chars().any(|c| {
                    (c.is_control() && c != '\n' && c != '\t')
                        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
                });
                assert!(!unsafe_char, "diagnostics escape controls: {shown:?}");
            }
        }
    }
});
