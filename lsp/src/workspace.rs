//! Beyond one document: a test file and the policy it tests (`tests for
//! "azure.onus"`, beside it) are one program, so references and rename go
//! from one to the other and back; workspace symbols search every policy
//! under the workspace's folders. Open documents are read as the editor
//! holds them, other files from disk.

use std::path::{Path, PathBuf};

use lsp_types::{Location, SymbolInformation, SymbolKind, TextEdit, Uri};
use onus::syntax::{PolicyFile, StatementKind};
use onus::Source;

use crate::names::{self, Named, Occurrence};
use crate::server::{name_of, range, same, Documents};

/// The folders the client opened (`rootUri`, `workspaceFolders`).
#[derive(Debug, Default)]
pub struct Workspace {
    pub roots: Vec<PathBuf>,
}

impl Workspace {
    /// The roots of `initialize`'s parameters.
    pub fn of(params: &serde_json::Value) -> Workspace {
        let mut roots: Vec<PathBuf> = (params["workspaceFolders"].as_array().into_iter().flatten())
            .filter_map(|folder| folder["uri"].as_str())
            .chain(params["rootUri"].as_str())
            .filter_map(|uri| uri.parse::<Uri>().ok())
            .map(|uri| PathBuf::from(name_of(&uri)))
            .collect();
        roots.dedup();
        Workspace { roots }
    }
}

/// A document of the program: open, or read from disk.
pub struct Member {
    pub uri: Uri,
    pub source: Source,
    pub occurrences: Vec<Occurrence>,
}

/// A path as a `file:` URI, each byte outside the unreserved set escaped.
fn uri_of(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                text.push(byte as char)
            }
            _ => text.push_str(&format!("%{byte:02X}")),
        }
    }
    text.parse().ok()
}

/// The text of `path`: the editor's if it is open (found by its decoded
/// path, and named by the editor's own URI, however the editor escapes
/// it), else the file's.
fn text_at(documents: &Documents, path: &Path) -> Option<(Uri, String)> {
    let open = (documents.values()).find(|d| Path::new(&name_of(&d.uri)) == path);
    if let Some(document) = open {
        return Some((document.uri.clone(), document.text.clone()));
    }
    let text = std::fs::read_to_string(path).ok()?;
    Some((uri_of(path)?, text))
}

fn member(uri: Uri, text: &str) -> Option<(Member, PolicyFile)> {
    let source = Source::new(name_of(&uri), text);
    let tree = onus::parse(&source.name, text).ok()?;
    let occurrences = names::occurrences(&tree);
    Some((
        Member {
            uri,
            source,
            occurrences,
        },
        tree,
    ))
}

/// The document at `uri` and the documents of its program: the policy (the
/// document itself, or the file a test file tests, beside it) and every
/// test file beside the policy that tests it; and whether the policy is
/// among them (not when a test file's target is a built-in policy or
/// cannot be read).
pub fn program(documents: &Documents, uri: &Uri) -> (Vec<Member>, bool) {
    let Some(text) = documents.get(uri.as_str()).map(|d| d.text.clone()) else {
        return (Vec::new(), false);
    };
    let Some((this, tree)) = member(uri.clone(), &text) else {
        return (Vec::new(), false);
    };
    let path = PathBuf::from(&this.source.name);
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut members = vec![this];
    let policy_path = match tree.tests_for() {
        None => path.clone(),
        Some(target) => {
            // As `onus test` finds it: a file name beside the test file.
            let beside = target.text.ends_with(".onus") && !target.text.contains(['/', '\\']);
            let candidate = folder.join(&target.text);
            let read = text_at(documents, &candidate).filter(|_| beside);
            match read.and_then(|(uri, text)| member(uri, &text)) {
                Some((policy, _)) => {
                    members.push(policy);
                    candidate
                }
                None => return (members, false),
            }
        }
    };
    let Some(file_name) = (policy_path.file_name()).map(|n| n.to_string_lossy().into_owned())
    else {
        return (members, true);
    };
    let mut beside: Vec<PathBuf> = (std::fs::read_dir(&folder).into_iter().flatten())
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "onus"))
        .filter(|p| *p != policy_path && *p != path)
        .collect();
    beside.sort();
    for candidate in beside {
        let Some((uri, text)) = text_at(documents, &candidate) else {
            continue;
        };
        if let Some((test_file, tree)) = member(uri, &text) {
            if tree.tests_for().is_some_and(|t| t.text == file_name) {
                members.push(test_file);
            }
        }
    }
    (members, true)
}

/// Every place of the program that writes the name `named`: each
/// document's declarations first when `declarations` says so.
pub fn places(members: &[Member], named: &Named, declarations: bool) -> Vec<Location> {
    let mut locations = Vec::new();
    for member in members {
        let mut found: Vec<&Occurrence> = (member.occurrences.iter())
            .filter(|o| same(&o.named, named))
            .filter(|o| declarations || !o.declares)
            .collect();
        found.sort_by_key(|o| (!o.declares, o.span.start));
        locations.extend(found.into_iter().map(|o| Location {
            uri: member.uri.clone(),
            range: range(&member.source, o.span),
        }));
    }
    locations
}

/// Why a name cannot be renamed, if it cannot: the built-in parties and
/// the prelude's `model` are the language's, not the document's.
pub fn unrenamable<'o>(
    named: &Named,
    occurrences: impl IntoIterator<Item = &'o Occurrence>,
) -> Option<String> {
    let declared = (occurrences.into_iter()).any(|o| o.declares && same(&o.named, named));
    match named {
        Named::Party(name) if crate::complete::BUILT_IN_PARTIES.contains(&name.as_str()) => Some(
            format!("`{name}` is a built-in party: it cannot be renamed"),
        ),
        Named::Dimension(name) if !declared => Some(format!(
            "`{name}` is the prelude's dimension: declare it to rename it"
        )),
        Named::Value { value, .. } if !declared => Some(format!(
            "`{value}` is a value of the prelude's `model`: declare it to rename it"
        )),
        _ => None,
    }
}

/// Whether `new` is written as the grammar writes a name of this kind:
/// checked by parsing a statement that holds it.
fn writable(named: &Named, new: &str) -> bool {
    if new.trim() != new || new.is_empty() || new.contains(['\n', '\r', '#', '"']) {
        return false;
    }
    // Names the resolver reserves: `conflict` is no party, `id` no dimension.
    match named {
        Named::Party(_) if new == "conflict" => return false,
        Named::Dimension(_) if new == "id" => return false,
        _ => {}
    }
    let statement = match named {
        Named::Zone(_) => format!("{new}: customer always\n"),
        Named::Party(_) => format!("party {new}\n"),
        Named::Dimension(_) => format!("dimension {new}: a\n"),
        Named::Value { .. } => format!("dimension d: {new}\n"),
    };
    let Ok(tree) = onus::parse("rename", &statement) else {
        return false;
    };
    let written = names::occurrences(&tree);
    let kind_matches = |o: &&Occurrence| {
        matches!(
            (&o.named, named),
            (Named::Zone(_), Named::Zone(_))
                | (Named::Party(_), Named::Party(_))
                | (Named::Dimension(_), Named::Dimension(_))
                | (Named::Value { .. }, Named::Value { .. })
        )
    };
    written.iter().find(kind_matches).is_some_and(|o| {
        let text = &statement[o.span.start..o.span.end];
        text == new
    })
}

/// The edits that rename `named` to `new` across the program, or why not.
/// The edit is JSON (`{"changes": {uri: [edits]}}`): `WorkspaceEdit`'s map
/// is keyed by `Uri`, which clippy rightly flags as a mutable key.
pub fn rename(
    (members, whole): (&[Member], bool),
    named: &Named,
    new: &str,
) -> Result<serde_json::Value, String> {
    // Renaming the test file alone would break it against its policy.
    if !whole {
        return Err(
            "the policy this file tests is built in or cannot be read: rename in the policy".into(),
        );
    }
    if let Some(why) = unrenamable(named, members.iter().flat_map(|m| &m.occurrences)) {
        return Err(why);
    }
    if !writable(named, new) {
        return Err(format!("`{new}` is not a name the language can write here"));
    }
    let renamed = match named {
        Named::Zone(_) => Named::Zone(new.to_string()),
        Named::Party(_) => Named::Party(new.to_string()),
        Named::Dimension(_) => Named::Dimension(new.to_string()),
        Named::Value { dimension, .. } => Named::Value {
            dimension: dimension.clone(),
            value: new.to_string(),
        },
    };
    let all = || members.iter().flat_map(|m| &m.occurrences);
    let taken = match &renamed {
        // A built-in party is always there, written or not.
        Named::Party(name) => {
            crate::complete::BUILT_IN_PARTIES.contains(&name.as_str())
                || all().any(|o| same(&o.named, &renamed))
        }
        // A value another dimension has would make bare uses ambiguous.
        Named::Value { value, .. } => {
            all().any(|o| matches!(&o.named, Named::Value { value: v, .. } if v == value))
        }
        _ => all().any(|o| same(&o.named, &renamed)),
    };
    if taken && renamed != *named {
        return Err(format!("`{new}` is taken: renaming would merge two names"));
    }
    let mut changes = serde_json::Map::new();
    for member in members {
        let edits: Vec<TextEdit> = (member.occurrences.iter())
            .filter(|o| same(&o.named, named))
            .map(|o| TextEdit::new(range(&member.source, o.span), new.to_string()))
            .collect();
        if !edits.is_empty() {
            let edits = serde_json::to_value(edits).map_err(|e| e.to_string())?;
            changes.insert(member.uri.as_str().to_string(), edits);
        }
    }
    Ok(serde_json::json!({ "changes": changes }))
}

/// The files a workspace search reads: `.onus` files under the roots,
/// skipping hidden folders and build output, at most [`MOST_FILES`].
fn files(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders: Vec<PathBuf> = roots.to_vec();
    folders.sort();
    folders.dedup();
    let mut walked = 0;
    while let Some(folder) = folders.pop() {
        walked += 1;
        if walked > MOST_FOLDERS {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        // The entry's own type: a link to a folder is not followed, so a
        // loop of links is not walked.
        let mut entries: Vec<(PathBuf, bool)> = (entries.filter_map(Result::ok))
            .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
            .collect();
        entries.sort();
        for (path, is_dir) in entries {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if is_dir {
                if !name.starts_with('.') && !["target", "node_modules"].contains(&name.as_str()) {
                    folders.push(path);
                }
            } else if name.ends_with(".onus") && found.len() < MOST_FILES {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The most files a workspace search reads, and folders it walks.
const MOST_FILES: usize = 5_000;
const MOST_FOLDERS: usize = 10_000;

/// Zones, parties, dimensions and tests whose name holds `query` (any
/// case), in every open document and every `.onus` file of the workspace.
#[allow(deprecated)] // SymbolInformation's `deprecated` field, set to None.
pub fn symbols(
    documents: &Documents,
    workspace: &Workspace,
    query: &str,
) -> Vec<SymbolInformation> {
    let query = query.to_lowercase();
    let mut uris: Vec<Uri> = (documents.values()).map(|d| d.uri.clone()).collect();
    for path in files(&workspace.roots) {
        if let Some(uri) = uri_of(&path) {
            if !uris.contains(&uri) {
                uris.push(uri);
            }
        }
    }
    uris.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut found = Vec::new();
    for uri in uris {
        let Some((uri, text)) = text_at(documents, Path::new(&name_of(&uri))) else {
            continue;
        };
        let Some((member, tree)) = member(uri, &text) else {
            continue;
        };
        for statement in &tree.statements {
            let (name, span, kind) = match &statement.kind {
                StatementKind::Zone { name, .. } => (&name.text, name.span, SymbolKind::CLASS),
                StatementKind::Party { name, .. } => (&name.text, name.span, SymbolKind::CONSTANT),
                StatementKind::Dimension { name, .. } => (&name.text, name.span, SymbolKind::ENUM),
                StatementKind::Test(test) => (&test.name.text, test.name.span, SymbolKind::METHOD),
                _ => continue,
            };
            if !name.to_lowercase().contains(&query) {
                continue;
            }
            found.push(SymbolInformation {
                name: name.clone(),
                kind,
                tags: None,
                deprecated: None,
                location: Location {
                    uri: member.uri.clone(),
                    range: range(&member.source, span),
                },
                container_name: Some(member.source.name.clone()),
            });
        }
    }
    found
}
