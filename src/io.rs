//! The one place the library touches the file system: a file (or stdin)
//! read with its limits, a policy's text by path or built-in name, the
//! files a folder holds, the policy a test file may name, and files written
//! whole (atomically). Every front end finds and reads files the same way.
//!
//! May import: `base`, `diagnostic`.

use std::io::Read;
use std::path::Path;

use crate::base::assets::{builtin, BUILTINS, BUILTIN_MAPPINGS};
use crate::base::names::did_you_mean;
use crate::base::span::Span;
use crate::diagnostic::{Code, Diagnostic, Report, Source, ToDiagnostic};

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
                let names = BUILTIN_MAPPINGS.iter().map(|b| b.name);
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
pub(crate) fn failed(source: Source, error: LoadError) -> Report {
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
    let (name, bytes) = read_bytes(path)?;
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

/// Reads a file (or stdin for `-`) whole, as bytes (a workbook is not
/// text), refusing files over [`MAX_FILE_BYTES`]; with the name it goes by.
pub fn read_bytes(path: &str) -> Result<(&str, Vec<u8>), Report> {
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
    Ok((name, bytes))
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

/// A mapping's text: the file at `name` if there is one, else the built-in
/// mapping of that name.
pub fn mapping_source(name: &str) -> Result<Source, Report> {
    if !Path::new(name).is_file() {
        if let Some(b) = BUILTIN_MAPPINGS.iter().find(|b| b.name == name) {
            return Ok(Source::new(b.name, b.text));
        }
        if !name.contains(['/', '\\', '.']) {
            return Err(unknown_mapping(name));
        }
    }
    read_source(name)
}

/// Whether `name` could only be a built-in policy's: no file has that
/// name, and it has no `/`, `\` or `.` that a path or file name would.
pub(crate) fn names_no_file(name: &str) -> bool {
    !Path::new(name).exists() && !name.contains(['/', '\\', '.'])
}

/// What `tests for "<name>"` names.
pub(crate) enum TestTarget {
    /// A policy file in the test file's folder.
    File(std::path::PathBuf),
    /// A built-in policy.
    Builtin(crate::base::assets::Builtin),
}

/// Where the policy named by `tests for "<name>"` in the test file at
/// `test_file` is: a `.onus` file in the same folder, by a plain file name
/// (no folder, no `..`, not through a link out of the folder), or else a
/// built-in policy.
pub(crate) fn test_target(
    test_file: &Path,
    name: &str,
    span: Span,
) -> Result<TestTarget, LoadError> {
    let refused = |why| LoadError::TestTargetOutside {
        policy: name.to_string(),
        span,
        why,
    };
    let not_found = |looked_for| LoadError::UnknownTestTarget {
        policy: name.to_string(),
        span,
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

/// Replaces a file's contents so that a reader sees the old text or the
/// new, never a mix: writes a temporary file beside it, then renames.
pub(crate) fn write_atomically(path: &Path, text: &[u8]) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.onus-write.tmp"));
    let result = std::fs::write(&temporary, text).and_then(|_| {
        if let Ok(metadata) = std::fs::metadata(path) {
            std::fs::set_permissions(&temporary, metadata.permissions())?;
        }
        std::fs::rename(&temporary, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Whether the file at `path` starts with a UTF-8 byte-order mark, which
/// [`read_source`] drops and `fmt` keeps.
pub(crate) fn starts_with_byte_order_mark(path: &str) -> bool {
    let mut start = [0u8; 3];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| start == *b"\xEF\xBB\xBF")
}

/// The diagnostic for output that could not be written (a full disk):
/// a failure, never success, since nothing reached the reader.
pub fn unwritable_output(error: &std::io::Error) -> Report {
    let message = format!("cannot write the output: {}", io_reason(error));
    let diagnostic = Diagnostic::new(Code::UnwritableOutput, message);
    Report::new(Source::new("<stdout>", ""), vec![diagnostic])
}

/// An input named on the command line, read through a 64 KiB buffer: a
/// file, or stdin for `-`. The buffer is the same type for both, so a
/// reader's line-by-line calls cost no dispatch; only a refill does.
pub(crate) type Input = std::io::BufReader<Box<dyn Read + Send>>;

/// Opens `path` (`-` for stdin) for reading as a stream.
pub(crate) fn open_input(path: &str) -> Result<Input, Report> {
    const BUFFER: usize = 1 << 16;
    let source: Box<dyn Read + Send> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        match std::fs::File::open(path) {
            Ok(file) => Box::new(file),
            Err(error) => {
                let message = format!("cannot read `{path}`: {}", io_reason(&error));
                let diagnostic = Diagnostic::new(Code::UnreadableFile, message);
                return Err(Report::new(Source::new(path, ""), vec![diagnostic]));
            }
        }
    };
    Ok(std::io::BufReader::with_capacity(BUFFER, source))
}

/// The file a path names, through any symbolic link (the path itself when
/// it cannot be resolved): what a rewrite replaces.
pub(crate) fn resolved(path: &str) -> std::path::PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.into())
}

/// A writer that remembers whether a write failed, so a stream that stops
/// on an I/O error can tell the output's fault from the input's.
pub(crate) struct Watched<W> {
    /// Where the bytes go.
    pub(crate) inner: W,
    /// Set when a write or flush fails.
    pub(crate) failed: std::rc::Rc<std::cell::Cell<bool>>,
}

impl<W: std::io::Write> std::io::Write for Watched<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.inner
            .write(bytes)
            .inspect_err(|_| self.failed.set(true))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|_| self.failed.set(true))
    }
}
