//! `onus fmt`: the canonical layout, written back or checked.

use super::*;

/// `onus fmt`: formats each path (`-` is stdin, whose formatted text is
/// the output); lists the files that changed, or with [`FmtMode::Check`]
/// would change, which is then a finding.
pub fn fmt(paths: &[String], mode: FmtMode) -> Output {
    let mut output = Output::default();
    let mut changed = String::new();
    let (files, unreadable) = crate::io::expand_paths(paths);
    output.problems.extend(unreadable);
    for (path, _) in &files {
        match crate::api::format_path(path, mode) {
            Ok(Formatted::Text(formatted)) => output.text.push_str(&formatted),
            Ok(Formatted::Reformatted) => {
                let path = render::terminal_safe(path);
                changed.push_str(&format!("{} {path}\n", mode.verb()));
            }
            Ok(Formatted::Unchanged) => {}
            Err(report) => output.problems.push(report),
        }
    }
    output.outcome = Outcome::findings_if(mode == FmtMode::Check && !changed.is_empty());
    output.text.push_str(&changed);
    output
}
