//! `onus check --format sarif`: SARIF 2.1.0, so code-scanning tools show
//! policy diagnostics inline in review.

use serde::Serialize;

use crate::diagnostic::{Report, Severity};

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    /// Columns count characters (code points), as everywhere in Onus.
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    help: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    related_locations: Vec<Location>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

/// A path as a relative URI reference: everything but unreserved
/// characters and `/` percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn region(report: &Report, span: crate::base::span::Span) -> Region {
    let (start_line, start_column) = report.source.line_column(span.start);
    let (end_line, end_column) = report.source.line_column(span.end);
    Region {
        start_line,
        start_column,
        end_line,
        end_column,
    }
}

/// One SARIF log for every report, rules listed in order of first use.
pub fn sarif(reports: &[Report]) -> String {
    let mut rules: Vec<&'static str> = Vec::new();
    let mut results = Vec::new();
    for report in reports {
        let uri = uri(&report.source.name);
        for d in &report.diagnostics {
            let rule_index = match rules.iter().position(|&r| r == d.code.name()) {
                Some(i) => i,
                None => {
                    rules.push(d.code.name());
                    rules.len() - 1
                }
            };
            let mut text = d.message.clone();
            if let Some(scenario) = super::render::witness_text(d) {
                text.push_str(&format!(" (scenario: {scenario})"));
            }
            if let Some(help) = &d.help {
                text.push_str(&format!(". Help: {help}"));
            }
            results.push(SarifResult {
                rule_id: d.code.name(),
                rule_index,
                level: level(d.severity),
                message: Message { text },
                locations: vec![Location {
                    id: None,
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: uri.clone() },
                        region: d.primary.as_ref().map(|l| region(report, l.span)),
                    },
                    message: None,
                }],
                related_locations: d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, l)| Location {
                        id: Some(i),
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation { uri: uri.clone() },
                            region: Some(region(report, l.span)),
                        },
                        message: Some(Message {
                            text: l.message.clone(),
                        }),
                    })
                    .collect(),
            });
        }
    }
    crate::base::text::to_json(&Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "onus",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: rules
                        .into_iter()
                        .map(|id| RuleDescriptor {
                            id,
                            help: Message {
                                text: format!("see docs/codes/{id}.md in the Onus repository"),
                            },
                        })
                        .collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    })
}
