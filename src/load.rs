//! Where policy text comes from: a file (or stdin) read with its limits, a
//! built-in policy by name, and the policy a test file names. Every front
//! end (the CLI, a language server, a service) finds policies the same way.

use std::io::Read;
use std::path::Path;

use crate::builtin::{builtin, BUILTINS};
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Report, Source, ToDiagnostic};
use crate::policy::{Policy, Test};
use crate::span::Span;

/// The largest policy or scenario file read: far beyond any real policy,
/// small enough that a wrong file is refused rather than read for minutes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a policy or scenario text could not be had.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// `onus eval azur`: neither a file nor a built-in policy.
    #[error("no policy file or built-in policy named `{name}`")]
    UnknownPolicy {
        /// The name as written.
        name: String,
    },
    /// `--map nist`: neither a file nor a built-in mapping.
    #[error("no mapping file or built-in mapping named `{name}`")]
    UnknownMapping {
        /// The name as written.
        name: String,
    },
    /// A 17 MiB file.
    #[error("`{name}` is larger than {} MiB", MAX_FILE_BYTES >> 20)]
    FileTooLarge {
        /// The name as written.
        name: String,
    },
    /// A missing file, a folder, a file without read permission.
    #[error("cannot read `{name}`: {reason}")]
    Unreadable {
        /// The name as written.
        name: String,
        /// Why, as the system says it.
        reason: String,
    },
    /// A file in Latin-1; `offset` is the first bad byte.
    #[error("`{name}` is not valid UTF-8: invalid byte at offset {offset}")]
    InvalidUtf8 {
        /// The name as written.
        name: String,
        /// The byte offset of the first invalid byte.
        offset: usize,
    },
    /// `tests for "missing.onus"`: no such policy beside the test file;
    /// `tests for "azur"`: no such built-in policy.
    #[error("{}", match looked_for {
        Some(_) => format!("no policy file `{policy}` beside the test file"),
        None => format!("no built-in policy `{policy}`"),
    })]
    UnknownTestTarget {
        /// The policy it names.
        policy: String,
        /// Where it is in the source.
        span: Span,
        /// The path looked for beside the test file, if it names a file.
        looked_for: Option<String>,
    },
    /// `tests for "/etc/passwd"`, `"../x.onus"`, `"notes.txt"`, or a
    /// symbolic link out of the test file's folder: a test file may only
    /// name a policy file in its own folder, or a built-in policy, so that
    /// running tests never reads (or shows a line of) any other file.
    #[error("`tests for \"{policy}\"` {why}")]
    TestTargetOutside {
        /// The policy it names.
        policy: String,
        /// Where it is in the source.
        span: Span,
        /// What is wrong with the name.
        why: &'static str,
    },
}

impl ToDiagnostic for LoadError {
    fn to_diagnostic(&self) -> Diagnostic {
        let message = self.to_string();
        match self {
            LoadError::UnknownPolicy { name } => {
                let names = BUILTINS.iter().map(|b| b.name);
                let help = did_you_mean(name, names.clone()).unwrap_or_else(|| {
                    format!(
                        "the built-in policies are {}; a policy file must exist",
                        names.collect::<Vec<_>>().join(", ")
                    )
                });
                Diagnostic::new(Code::UnknownPolicy, message).with_help(Some(help))
            }
            LoadError::UnknownMapping { name } => {
                let names = crate::BUILTIN_MAPPINGS.iter().map(|b| b.name);
                let help = did_you_mean(name, names.clone()).unwrap_or_else(|| {
                    format!(
                        "the built-in mappings are {}; a mapping file must exist",
                        names.collect::<Vec<_>>().join(", ")
                    )
                });
                Diagnostic::new(Code::UnknownMapping, message).with_help(Some(help))
            }
            LoadError::FileTooLarge { .. } => Diagnostic::new(Code::FileTooLarge, message)
                .with_help(Some("a policy or scenario file this large is almost surely the wrong file; split a policy, or use `--batch` for many scenarios".into())),
            LoadError::Unreadable { .. } => Diagnostic::new(Code::UnreadableFile, message),
            LoadError::InvalidUtf8 { offset, .. } => Diagnostic::new(Code::InvalidUtf8, message)
                .with_label(Span::new(*offset, offset + 3), "invalid UTF-8 here")
                .with_help(Some("save the file as UTF-8".into())),
            LoadError::UnknownTestTarget {
                policy,
                span,
                looked_for,
            } => {
                let help = match looked_for {
                    Some(path) => format!("looked for `{path}`"),
                    None => did_you_mean(policy, BUILTINS.iter().map(|b| b.name))
                        .unwrap_or_else(|| TEST_TARGET_HELP.into()),
                };
                Diagnostic::new(Code::UnknownPolicy, message)
                    .with_label(*span, "not found")
                    .with_help(Some(help))
            }
            LoadError::TestTargetOutside { span, .. } => {
                Diagnostic::new(Code::UnknownPolicy, message)
                    .with_label(*span, "not a policy beside the test file")
                    .with_help(Some(TEST_TARGET_HELP.into()))
            }
        }
    }
}

const TEST_TARGET_HELP: &str =
    "name a policy file (`*.onus`) in the test file's folder, or a built-in policy";

/// The policy a resource map's `resources for "..."` names, found as a
/// test file's is: a policy file beside the map, or a built-in policy.
pub(crate) fn resource_map_policy(
    source: &Source,
    target: &crate::syntax::Text,
) -> Result<crate::Policy, Report> {
    match test_target(Path::new(&source.name), target) {
        Ok(TestTarget::File(beside)) => {
            let text = read_source(&beside.to_string_lossy())?;
            crate::load(&text.name, &text.text)
        }
        Ok(TestTarget::Builtin(b)) => crate::load(b.name, b.text),
        Err(error) => Err(failed(source.clone(), error)),
    }
}

/// The files a command's path arguments name, in order: a file as it is,
/// a folder as every `.onus` file below it, sorted by path, hidden folders
/// and `target/` skipped (as `cargo fmt` and `ruff check .` walk). Each
/// file says whether a folder gave it. A folder with no `.onus` file, or
/// one that cannot be read, is a problem; the other arguments go on.
pub fn expand_paths(paths: &[String]) -> (Vec<(String, bool)>, Vec<Report>) {
    let (mut files, mut problems) = (Vec::new(), Vec::new());
    for path in paths {
        if !Path::new(path).is_dir() {
            files.push((path.clone(), false));
            continue;
        }
        let mut found = Vec::new();
        if let Err(error) = walk(Path::new(path), &mut found) {
            let message = format!("cannot read `{path}`: {}", io_reason(&error));
            problems.push(Report::new(
                Source::new(path, ""),
                vec![Diagnostic::new(Code::UnreadableFile, message)],
            ));
            continue;
        }
        if found.is_empty() {
            let message = format!("no `.onus` file in `{path}` or below it");
            let diagnostic = Diagnostic::new(Code::EmptyFolder, message).with_help(Some(
                "hidden folders and `target/` are skipped; name a file to use one there".into(),
            ));
            problems.push(Report::new(Source::new(path, ""), vec![diagnostic]));
            continue;
        }
        found.sort();
        files.extend(found.into_iter().map(|f| (f, true)));
    }
    // A file named twice (itself, and in its folder) is used once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|(f, _)| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.into())));
    (files, problems)
}

/// Every `.onus` file below `folder`, hidden folders and `target/` skipped.
fn walk(folder: &Path, found: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            if !name.starts_with('.') && name != "target" {
                walk(&path, found)?;
            }
        } else if name.ends_with(".onus") && !name.starts_with('.') {
            found.push(path.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// The report for a mapping name that is neither a file nor built in.
pub(crate) fn unknown_mapping(name: &str) -> Report {
    failed(
        Source::new(name, ""),
        LoadError::UnknownMapping { name: name.into() },
    )
}

/// A report of one load error about `source`.
fn failed(source: Source, error: LoadError) -> Report {
    Report::from_errors(source, &[error])
}

/// How an I/O error reads in a message: `no such file`.
pub fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => error.to_string().to_lowercase(),
    }
}

/// Reads a file (or stdin for `-`) as UTF-8 text, without a byte-order
/// mark, refusing files over [`MAX_FILE_BYTES`].
pub fn read_source(path: &str) -> Result<Source, Report> {
    let mut bytes = Vec::new();
    let result = if path == "-" {
        std::io::stdin()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|file| {
            file.take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map(|_| ())
        })
    };
    let name = if path == "-" { "<stdin>" } else { path };
    let empty = || Source::new(name, "");
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(failed(
            empty(),
            LoadError::FileTooLarge { name: name.into() },
        ));
    }
    if let Err(error) = result {
        let reason = io_reason(&error);
        return Err(failed(
            empty(),
            LoadError::Unreadable {
                name: name.into(),
                reason,
            },
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(
            name,
            text.strip_prefix('\u{feff}').unwrap_or(&text),
        )),
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            Err(failed(
                Source::new(name, text),
                LoadError::InvalidUtf8 {
                    name: name.into(),
                    offset,
                },
            ))
        }
    }
}

/// A policy's text: the file at `name` if there is one, else the built-in
/// policy of that name.
pub fn policy_source(name: &str) -> Result<Source, Report> {
    if !Path::new(name).is_file() {
        if let Some(b) = builtin(name) {
            return Ok(Source::new(b.name, b.text));
        }
        let looks_like_path = name.contains(['/', '\\', '.']);
        if !looks_like_path {
            return Err(failed(
                Source::new(name, ""),
                LoadError::UnknownPolicy { name: name.into() },
            ));
        }
    }
    read_source(name)
}

/// A built-in policy by name, parsed and resolved, whatever files the
/// working folder holds.
pub fn load_builtin(name: &str) -> Result<Policy, Report> {
    match builtin(name) {
        Some(b) => crate::load(b.name, b.text),
        None => Err(failed(
            Source::new(name, ""),
            LoadError::UnknownPolicy { name: name.into() },
        )),
    }
}

/// A policy by path or built-in name, parsed and resolved.
pub fn load_policy(name: &str) -> Result<Policy, Report> {
    let source = policy_source(name)?;
    crate::load(&source.name, &source.text)
}

/// A policy and the tests to run on it, loaded from one file: a policy
/// with its own tests, or a test file (`tests for "<policy>"`).
#[derive(Debug)]
pub struct Suite {
    /// The file's path, as given.
    pub path: String,
    /// The file's text.
    pub text: String,
    /// The policy the tests run against.
    pub policy: Policy,
    /// The tests: the policy's own, or the test file's.
    pub tests: Vec<Test>,
}

/// Loads `path` as a [`Suite`]. A test file's policy is the file of that
/// name beside it, else the built-in policy of that name; never a path
/// relative to wherever the program runs.
pub fn load_suite(path: &str) -> Result<Suite, Report> {
    load_suite_text(path, read_source(path)?)
}

/// [`load_suite`] of a text not yet saved (an editor's): a test file's
/// policy is still read from beside `path`.
pub fn load_suite_text(path: &str, source: Source) -> Result<Suite, Report> {
    let tree = crate::parse::parse(&source.text)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    let Some(target) = tree.tests_for() else {
        let policy = crate::load(&source.name, &source.text)?;
        let tests = policy.tests.clone();
        return Ok(Suite {
            path: source.name,
            text: source.text,
            policy,
            tests,
        });
    };
    let policy = match test_target(Path::new(path), target) {
        Ok(TestTarget::File(beside)) => {
            let policy_text = read_source(&beside.to_string_lossy())?;
            crate::load(&policy_text.name, &policy_text.text)?
        }
        Ok(TestTarget::Builtin(b)) => crate::load(b.name, b.text)?,
        Err(error) => return Err(failed(source, error)),
    };
    let tests = crate::resolve::resolve_tests(&tree, &policy)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    Ok(Suite {
        path: source.name,
        text: source.text,
        policy,
        tests,
    })
}

/// What `tests for "<name>"` names.
pub(crate) enum TestTarget {
    /// A policy file in the test file's folder.
    File(std::path::PathBuf),
    /// A built-in policy.
    Builtin(crate::Builtin),
}

/// Where the policy named by `tests for "<name>"` in the test file at
/// `test_file` is: a `.onus` file in the same folder, by a plain file name
/// (no folder, no `..`, not through a link out of the folder), or else a
/// built-in policy.
pub(crate) fn test_target(
    test_file: &Path,
    target: &crate::syntax::Text,
) -> Result<TestTarget, LoadError> {
    let name = target.text.as_str();
    let refused = |why| LoadError::TestTargetOutside {
        policy: name.to_string(),
        span: target.span,
        why,
    };
    let not_found = |looked_for| LoadError::UnknownTestTarget {
        policy: name.to_string(),
        span: target.span,
        looked_for,
    };
    if !name.ends_with(".onus") {
        if name.contains(['/', '\\', '.']) {
            return Err(refused(
                "names neither a policy file (`*.onus`) nor a built-in policy",
            ));
        }
        return builtin(name)
            .map(TestTarget::Builtin)
            .ok_or_else(|| not_found(None));
    }
    // `:` too: on Windows, `a.onus:b.onus` names a stream of another file.
    if name.contains(['/', '\\', ':']) || name.starts_with('.') {
        return Err(refused("is not a file name in the test file's folder"));
    }
    let beside = test_file.with_file_name(name);
    if !beside.is_file() {
        return Err(not_found(Some(beside.display().to_string())));
    }
    let folder = test_file.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = std::fs::canonicalize(folder.unwrap_or(Path::new(".")));
    match (folder, std::fs::canonicalize(&beside)) {
        (Ok(folder), Ok(target)) if target.parent() == Some(folder.as_path()) => {
            Ok(TestTarget::File(beside))
        }
        (Ok(_), Ok(_)) => Err(refused(
            "leads outside the test file's folder (a symbolic link)",
        )),
        _ => Err(refused(
            "cannot be resolved to a file in the test file's folder",
        )),
    }
}
