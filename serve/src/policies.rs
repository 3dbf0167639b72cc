//! The policies the service was started with, loaded and resolved once; a
//! reload builds a whole new set, which replaces the old at once or not at
//! all.

use std::path::PathBuf;
use std::time::SystemTime;

use onus::{Policy, Report};

/// One served policy.
#[derive(Debug)]
pub struct Entry {
    /// Its name in the API's paths: a built-in's name, or a file's stem.
    pub name: String,
    /// The file it was read from; `None` for a built-in policy.
    pub path: Option<PathBuf>,
    /// Its text, as read.
    pub text: String,
    pub policy: Policy,
}

/// Every served policy, in the order given.
#[derive(Debug)]
pub struct Policies {
    pub entries: Vec<Entry>,
    /// The OpenAPI document of this set, written on first request: a set
    /// is never changed, only replaced whole.
    pub document: std::sync::OnceLock<String>,
}

/// What a file looked like when read: a change to either is a change.
pub type Stamp = Option<(SystemTime, u64)>;

impl Policies {
    /// Loads every policy of `specs` (paths or built-in names); the
    /// diagnostics of each that does not load.
    pub fn load(specs: &[String]) -> Result<Policies, Vec<Report>> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut failed = Vec::new();
        for spec in specs {
            let source = match onus::policy_source(spec) {
                Ok(source) => source,
                Err(report) => {
                    failed.push(report);
                    continue;
                }
            };
            let builtin = onus::builtin(spec).is_some_and(|b| b.name == source.name);
            let path = (!builtin).then(|| PathBuf::from(spec));
            let name = match &path {
                Some(path) => path
                    .file_stem()
                    .map_or(spec.clone(), |s| s.to_string_lossy().into_owned()),
                None => spec.clone(),
            };
            match onus::load(&source.name, &source.text) {
                Ok(policy) if entries.iter().any(|e| e.name == name) => {
                    let message = format!(
                        "two policies would be served as `{name}`: give files of different names"
                    );
                    let diagnostic = onus::Diagnostic::new(onus::Code::UnknownPolicy, message);
                    failed.push(Report::new(policy.source, vec![diagnostic]));
                }
                Ok(policy) => entries.push(Entry {
                    name,
                    path,
                    text: source.text.clone(),
                    policy,
                }),
                Err(report) => failed.push(report),
            }
        }
        match failed.is_empty() {
            true => Ok(Policies {
                entries,
                document: std::sync::OnceLock::new(),
            }),
            false => Err(failed),
        }
    }
}

/// The files of `specs` as they are now: what the reloader compares.
pub fn stamps(specs: &[String]) -> Vec<Stamp> {
    specs
        .iter()
        .map(|spec| {
            let metadata = std::fs::metadata(spec).ok().filter(|m| m.is_file())?;
            Some((metadata.modified().ok()?, metadata.len()))
        })
        .collect()
}

/// Reports as `onus check` prints them, for the log.
pub fn reports_text(reports: &[Report]) -> String {
    (reports.iter())
        .map(|r| onus::render::diagnostics_text(r, onus::render::Colour::Never))
        .collect()
}
