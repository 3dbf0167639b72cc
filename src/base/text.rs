//! Text made safe to show: user text never reaches a terminal raw, and
//! JSON output escapes what a terminal would act on.

/// A bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069): it
/// reorders how text is shown, so a policy could read other than it means.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether a character must not reach a terminal as it is: a control
/// character other than tab and line feed (C0, DEL, C1: ESC starts an
/// escape sequence, U+009B is a CSI on some terminals), or a bidirectional
/// override or isolate, which reorders what is shown.
pub(crate) fn unsafe_on_a_terminal(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || is_bidi_control(c)
}

/// Text with every character unsafe on a terminal escaped as `\u{1b}`:
/// user text (a scenario value, a file name, a policy's source) never
/// moves the cursor, recolours the screen or reorders what is shown.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(unsafe_on_a_terminal) {
        return text.into();
    }
    let escaped = text.chars().map(|c| match unsafe_on_a_terminal(c) {
        true => c.escape_unicode().to_string(),
        false => c.to_string(),
    });
    escaped.collect::<String>().into()
}

/// JSON text with every DEL, C1 control and bidirectional override in its
/// strings written as a `\u` escape (serde_json escapes only C0): the same
/// JSON, which a terminal shows as it reads.
pub(crate) fn json_safe(json: String) -> String {
    // Serialized JSON holds no raw C0; DEL, C1 (0xC2 0x80..0x9F) and the
    // bidi controls (0xE2 0x80 / 0x81 ..) all start with one of these
    // bytes, so most outputs are passed by a byte scan alone.
    let maybe_unsafe = |b: &u8| matches!(b, 0x7F | 0xC2 | 0xE2);
    if !json.as_bytes().iter().any(maybe_unsafe) || !json.contains(unsafe_on_a_terminal) {
        return json;
    }
    let escape = |c: char| match unsafe_on_a_terminal(c) {
        true => format!("\\u{:04x}", u32::from(c)),
        false => c.to_string(),
    };
    json.chars().map(escape).collect()
}

/// Pretty JSON with a final newline.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    let mut out = serde_json::to_string_pretty(value).expect("output types always serialize");
    out.push('\n');
    json_safe(out)
}
