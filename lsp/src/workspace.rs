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

/// The text of `path`: the editor's if it is open, else the file's.
fn text_at(documents: &Documents, path: &Path) -> Option<(Uri, String)> {
    let uri = uri_of(path)?;
    if let Some(document) = documents.get(uri.as_str()) {
        return Some((uri, document.text.clone()));
    }
    let text = std::fs::read_to_string(path).ok()?;
    Some((uri, text))
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

/// The document at `uri` and the documents of its program: the policy a
/// test file tests, or the test files beside a policy that test it.
pub fn program(documents: &Documents, uri: &Uri) -> Vec<Member> {
    let Some(text) = documents.get(uri.as_str()).map(|d| d.text.clone()) else {
        return Vec::new();
    };
    let Some((this, tree)) = member(uri.clone(), &text) else {
        return Vec::new();
    };
    let path = PathBuf::from(&this.source.name);
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut members = vec![this];
    match tree.tests_for() {
        Some(target) => {
            if let Some((uri, text)) = text_at(documents, &folder.join(&target.text)) {
                members.extend(member(uri, &text).map(|(m, _)| m));
            }
        }
        None => {
            let Some(file_name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                return members;
            };
            let mut beside: Vec<PathBuf> = (std::fs::read_dir(&folder).into_iter().flatten())
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "onus") && *p != path)
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
        }
    }
    members
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
pub fn unrenamable(named: &Named, occurrences: &[Occurrence]) -> Option<String> {
    let declared = occurrences
        .iter()
        .any(|o| o.declares && same(&o.named, named));
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
pub fn rename(members: &[Member], named: &Named, new: &str) -> Result<serde_json::Value, String> {
    if let Some(why) = unrenamable(named, &members[0].occurrences) {
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
    let taken = (members.iter().flat_map(|m| &m.occurrences)).any(|o| same(&o.named, &renamed));
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
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.is_dir() {
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

/// The most files a workspace search reads.
const MOST_FILES: usize = 5_000;

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
