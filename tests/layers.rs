//! The layers ARCHITECTURE.md draws, kept: every `crate::` path in `src/`
//! (unit tests aside) must name a layer its own layer may import, as the
//! table in ARCHITECTURE.md says. Nothing goes through the crate root, and
//! the table itself has no cycle, so no two top-level modules reach each
//! other. (rust-analyzer keeps its boundaries with tidy tests like this.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer table: each layer and the layers it may import.
fn table() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string("ARCHITECTURE.md").unwrap();
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("Layers"))
        .expect("ARCHITECTURE.md has a `## Layers` section");
    let mut layers = BTreeMap::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let names = |cell: &str| -> Vec<String> {
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(|n| n.trim_end_matches('/').trim_end_matches(".rs").to_string())
                .collect()
        };
        let layer = names(cells[1]).remove(0);
        let may_import: BTreeSet<String> = names(cells[3]).into_iter().collect();
        layers.insert(layer, may_import);
    }
    assert!(
        layers.len() > 5,
        "the layer table was not found: {layers:?}"
    );
    layers
}

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The code of a file that imports: its unit tests and comments left out.
fn code_of(text: &str) -> Vec<(usize, &str)> {
    let end = text.find("#[cfg(test)]\nmod ").unwrap_or(text.len());
    (text[..end].lines().enumerate())
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .collect()
}

/// Every `crate::` path's first name, with its line.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut paths = Vec::new();
    for (number, line) in code_of(text) {
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let name: String = (rest.chars())
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '{')
                .collect();
            paths.push((number, name));
        }
    }
    paths
}

#[test]
fn every_import_follows_the_layer_table() {
    let layers = table();
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix("src").unwrap();
        let first = relative.iter().next().unwrap().to_string_lossy();
        let layer = first.trim_end_matches(".rs").to_string();
        // The root (mod lines and re-exports) and the binary, which uses
        // only the public API as `onus::`.
        if ["lib", "main", "cli"].contains(&layer.as_str()) {
            continue;
        }
        let Some(may_import) = layers.get(&layer) else {
            wrong.push(format!(
                "{}: `{layer}` is not in ARCHITECTURE.md's layer table",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let top = relative.components().count() == 1 || relative.ends_with("mod.rs");
        if top && code_of(&text).iter().any(|(_, l)| l.contains("super::")) {
            wrong.push(format!(
                "{}: `super::` at a layer's top reaches the crate root",
                file.display()
            ));
        }
        for (line, name) in crate_paths(&text) {
            let place = format!("{}:{line}", file.display());
            if name.starts_with('{') {
                wrong.push(format!(
                    "{place}: `crate::{{..}}`: name each import's layer"
                ));
            } else if name == layer {
                continue;
            } else if !layers.contains_key(&name) {
                wrong.push(format!(
                    "{place}: `crate::{name}` goes through the crate root, not a layer"
                ));
            } else if !may_import.contains(&name) {
                wrong.push(format!("{place}: `{layer}` may not import `{name}`"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layer table:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_layer_table_has_no_cycle() {
    let layers = table();
    // Kahn's algorithm: repeatedly take a layer whose imports are all taken.
    let mut placed: Vec<&String> = Vec::new();
    while placed.len() < layers.len() {
        let next = layers.iter().find(|(layer, imports)| {
            !placed.contains(layer) && imports.iter().all(|i| placed.contains(&i))
        });
        let Some((layer, _)) = next else {
            panic!("the layer table has a cycle among the layers not in {placed:?}");
        };
        placed.push(layer);
    }
    for imports in layers.values() {
        for import in imports {
            assert!(layers.contains_key(import), "`{import}` is not a layer");
        }
    }
}

#[test]
fn the_library_root_is_a_map() {
    let text = std::fs::read_to_string("src/lib.rs").unwrap();
    assert!(text.lines().count() <= 200, "src/lib.rs is over 200 lines");
    let mut in_use = false;
    for line in code_of(&text).into_iter().map(|(_, l)| l.trim()) {
        // A `pub use` spans lines until its `;`.
        if in_use || line.starts_with("pub use ") {
            in_use = !line.ends_with(';');
            continue;
        }
        let declaration = ["mod ", "pub mod "].iter().any(|s| line.starts_with(s))
            && (line.ends_with(';') || line.ends_with('{'));
        let attribute = line.starts_with("#![") || line == "#[doc(hidden)]";
        assert!(
            line.is_empty() || line == "}" || declaration || attribute,
            "src/lib.rs holds more than mod lines and re-exports: `{line}`"
        );
    }
}
