//! `onus policies`: the built-in policies.

use super::*;

/// `onus policies`: the built-in policies, one a line: name and title.
pub fn policies() -> Output {
    let mut text = String::new();
    for b in crate::base::assets::BUILTINS {
        let title = crate::api::load(b.name, b.text)
            .ok()
            .and_then(|p| p.title)
            .unwrap_or_default();
        text.push_str(&format!("{:<16} {title}\n", b.name));
    }
    Output::result(text, false)
}
