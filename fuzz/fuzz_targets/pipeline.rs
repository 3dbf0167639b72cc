//! The whole pipeline on arbitrary text: parse, resolve, check, evaluate
//! every scenario (bounded), render, and the fmt round trip. Never a panic;
//! fmt keeps the tree and the answers; nothing for a terminal holds a raw
//! control character or bidirectional override.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let report = onus::check("fuzz.onus", text);
    let shown = onus::render::diagnostics_text(&report, onus::render::Colour::Never);
    assert!(safe_on_a_terminal(&shown), "diagnostics escape controls: {shown:?}");
    let Ok(tree) = onus::parse("fuzz.onus", text) else { return };
    let formatted = tree.formatted();
    let again = onus::parse("fuzz.onus", &formatted).expect("formatted text parses");
    assert!(again.same_shape(&tree.in_canonical_order()), "fmt keeps the tree");
    assert_eq!(again.formatted(), formatted, "fmt is idempotent");
    let Ok(policy) = onus::load("fuzz.onus", text) else { return };
    let reformatted = onus::load("fuzz.onus", &formatted).expect("formatted policy loads");
    let encode = |d: &onus::Decision| onus::render::decision_bytes(&policy, d, onus::DecisionFields::ALL);
    let compiled = onus::unstable::Compiled::new(&policy, &encode);
    for scenario in policy.all_scenarios().take(256) {
        let decisions = policy.evaluate(&scenario);
        let same = reformatted.evaluate(&scenario);
        assert_eq!(decisions.len(), same.len());
        for (a, b) in decisions.iter().zip(&same) {
            assert_eq!(a.status, b.status);
            assert_eq!(a.party, b.party);
        }
        for (zone, decision) in decisions.iter().enumerate() {
            assert_eq!(&compiled.answer(zone, &scenario.values).decision, decision);
        }
        let detail = onus::render::Detail::Explained(&scenario);
        let _ = onus::render::eval_json(&policy, &scenario, None, &decisions, detail);
        let explained = onus::command::Explanation::Shown;
        let table = onus::command::eval(&policy, &scenario, None, onus::command::Format::Table, explained);
        assert!(safe_on_a_terminal(&table.text), "tables escape controls: {:?}", table.text);
    }
});

/// No control character but line feed and tab, no bidirectional override.
fn safe_on_a_terminal(text: &str) -> bool {
    !text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}
