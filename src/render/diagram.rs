//! The responsibility diagram: zones as rows, one dimension's values as
//! columns, each cell filled by its holder, as the providers draw it. SVG,
//! and a self-contained HTML page around it.

use svg::node::element::{Group, Polygon, Rectangle, Text, Title};
use svg::Document;

use super::heading;
use super::matrix::fixed_text;
use crate::engine::eval::Matrix;
use crate::model::answers::{Decision, Status};
use crate::model::policy::{PartyId, Policy, CUSTOMER, PROVIDER, SHARED};

/// The narrowest label column, cell and legend entry; longer texts widen
/// them (text is not measured, so widths allow a generous 8 px a character).
const MIN_LABEL_WIDTH: u32 = 320;
const MIN_CELL_WIDTH: u32 = 130;
const MIN_LEGEND_WIDTH: u32 = 240;
const CHAR_WIDTH: u32 = 8;
const ROW_HEIGHT: u32 = 30;
const TOP: u32 = 78;
const FONT: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";

/// Fills: light enough for dark text, distinct without relying on hue
/// alone (every cell also says who holds it).
pub(crate) const CUSTOMER_FILL: &str = "#9ec5f0";
pub(crate) const PROVIDER_FILL: &str = "#f7c46c";
pub(crate) const CONFLICT_FILL: &str = "#e57373";
const OTHER_FILLS: [&str; 4] = ["#b7dfb9", "#d1c4e9", "#e0e0e0", "#f8bbd0"];

pub(crate) fn fill(party: PartyId) -> &'static str {
    match party {
        CUSTOMER => CUSTOMER_FILL,
        PROVIDER => PROVIDER_FILL,
        other => OTHER_FILLS[(other - SHARED - 1) % OTHER_FILLS.len()],
    }
}

fn text(x: u32, y: u32, content: &str, size: u32) -> Text {
    Text::new(content)
        .set("x", x)
        .set("y", y)
        .set("font-family", FONT)
        .set("font-size", size)
        .set("fill", "#1a1a1a")
}

/// What a cell says: the holder's label, or the parties in conflict.
fn cell_label(policy: &Policy, decision: &Decision) -> String {
    match decision.party {
        Some(p) => policy.parties[p].display().to_string(),
        None => "CONFLICT".to_string(),
    }
}

/// Hover text: who, and the deciding rules with their reasons.
fn cell_title(policy: &Policy, zone: &str, value: &str, decision: &Decision) -> String {
    let mut out = format!("{zone}, {value}: {}", cell_label(policy, decision));
    if decision.status == Status::Default {
        out.push_str(" (default: no rule matches)");
    }
    for &rule in &decision.rules {
        let r = &policy.rules[rule];
        let line = policy.source.line_column(r.span.start).0;
        out.push_str(&format!("\nline {line}: {}", policy.source_text(r.span)));
    }
    out
}

/// How wide a text of `chars` characters may run.
fn text_width(chars: usize) -> u32 {
    CHAR_WIDTH * chars as u32
}

fn cell(policy: &Policy, x: u32, y: u32, width: u32, decision: &Decision, title: String) -> Group {
    let (w, h) = (width - 4, ROW_HEIGHT - 4);
    let mut group = Group::new().set("class", "cell").add(Title::new(title));
    match (decision.status, decision.party) {
        (Status::Conflict, _) | (_, None) => {
            group = group.add(rect(x, y, w, h, CONFLICT_FILL));
        }
        (_, Some(SHARED)) => {
            // Split along the diagonal: customer above, provider below.
            group = group.add(rect(x, y, w, h, CUSTOMER_FILL)).add(
                Polygon::new()
                    .set("points", lower_triangle(x, y, w, h))
                    .set("fill", PROVIDER_FILL),
            );
        }
        (_, Some(party)) => group = group.add(rect(x, y, w, h, fill(party))),
    }
    group
        .add(
            Rectangle::new()
                .set("x", x)
                .set("y", y)
                .set("width", w)
                .set("height", h)
                .set("fill", "none")
                .set("stroke", "#555555")
                .set("stroke-width", 1),
        )
        .add(
            text(x + w / 2, y + h / 2 + 5, &cell_label(policy, decision), 13)
                .set("text-anchor", "middle")
                .set("font-weight", "bold"),
        )
}

/// The lower-right half of a box, below its rising diagonal.
fn lower_triangle(x: u32, y: u32, w: u32, h: u32) -> String {
    format!("{},{} {},{} {},{}", x + w, y, x + w, y + h, x, y + h)
}

fn rect(x: u32, y: u32, width: u32, height: u32, fill: &str) -> Rectangle {
    Rectangle::new()
        .set("x", x)
        .set("y", y)
        .set("width", width)
        .set("height", height)
        .set("fill", fill)
}

/// The parties that appear, in party order, for the legend.
fn legend_parties(matrix: &Matrix) -> (Vec<PartyId>, bool) {
    let mut seen: Vec<PartyId> = matrix
        .columns
        .iter()
        .flatten()
        .filter_map(|d| d.party)
        .collect();
    seen.sort_unstable();
    seen.dedup();
    (seen, matrix.has_conflict())
}

/// The responsibility diagram of a matrix, as an SVG image.
pub fn svg(policy: &Policy, matrix: &Matrix) -> String {
    let values = matrix.column_names(policy);
    let longest = |texts: &mut dyn Iterator<Item = usize>| texts.max().unwrap_or(0);
    let label_width = MIN_LABEL_WIDTH.max(
        20 + text_width(longest(
            &mut policy.zones.iter().map(|z| z.display().chars().count()),
        )),
    );
    let cell_texts = matrix
        .columns
        .iter()
        .flatten()
        .map(|d| cell_label(policy, d).chars().count());
    let cell_width = MIN_CELL_WIDTH.max(
        16 + text_width(longest(
            &mut cell_texts.chain(values.iter().map(|v| v.chars().count())),
        )),
    );
    let width = label_width + cell_width * values.len() as u32 + 20;
    let rows = policy.zones.len() as u32;
    let (parties, conflict) = legend_parties(matrix);
    let mut items: Vec<(String, Option<PartyId>)> = parties
        .iter()
        .map(|&p| (policy.parties[p].display().to_string(), Some(p)))
        .collect();
    if conflict {
        items.push(("conflict: rules disagree".into(), None));
    }
    let legend_width = MIN_LEGEND_WIDTH
        .max(40 + text_width(longest(&mut items.iter().map(|(l, _)| l.chars().count()))));
    let legend_items = items.len() as u32;
    let width = width.max(20 + 3 * legend_width);
    // The heading (18 px, bold) and the line under it (12 px) fit too: a
    // long title is not cut at the image's edge.
    let heading_width = 20 + text_width(heading(policy).chars().count()) * 3 / 2;
    let fixed = fixed_text(policy, matrix).map(|fixed| format!("with {fixed}"));
    let fixed_width = 20 + fixed.as_ref().map_or(0, |f| text_width(f.chars().count()));
    let width = width.max(heading_width).max(fixed_width);
    let legend_top = TOP + ROW_HEIGHT * rows + 20;
    let height = legend_top + 24 * legend_items.div_ceil(3) + 20;

    let mut document = Document::new()
        .set("xmlns", "http://www.w3.org/2000/svg")
        .set("width", width)
        .set("height", height)
        .set("viewBox", (0, 0, width, height))
        .set("role", "img")
        .add(Title::new(heading(policy)))
        .add(rect(0, 0, width, height, "#ffffff"))
        .add(text(10, 26, &heading(policy), 18).set("font-weight", "bold"));
    if let Some(fixed) = &fixed {
        document = document.add(text(10, 46, fixed, 12));
    }
    for (i, value) in values.iter().enumerate() {
        let x = label_width + cell_width * i as u32 + (cell_width - 4) / 2;
        document = document.add(
            text(x, TOP - 10, value, 14)
                .set("text-anchor", "middle")
                .set("font-weight", "bold"),
        );
    }
    for (zone, z) in policy.zones.iter().enumerate() {
        let y = TOP + ROW_HEIGHT * zone as u32;
        document = document.add(text(10, y + ROW_HEIGHT / 2 + 3, z.display(), 13));
        for (i, column) in matrix.columns.iter().enumerate() {
            let x = label_width + cell_width * i as u32;
            let title = cell_title(policy, z.display(), values[i], &column[zone]);
            document = document.add(cell(policy, x, y, cell_width, &column[zone], title));
        }
    }
    for (i, (label, party)) in items.iter().enumerate() {
        let x = 10 + legend_width * (i as u32 % 3);
        let y = legend_top + 24 * (i as u32 / 3);
        let mut group = Group::new().set("class", "legend");
        group = match party {
            Some(SHARED) => group.add(rect(x, y, 18, 18, CUSTOMER_FILL)).add(
                Polygon::new()
                    .set("points", lower_triangle(x, y, 18, 18))
                    .set("fill", PROVIDER_FILL),
            ),
            Some(p) => group.add(rect(x, y, 18, 18, fill(*p))),
            None => group.add(rect(x, y, 18, 18, CONFLICT_FILL)),
        };
        document = document.add(group.add(text(x + 26, y + 14, label, 13)));
    }
    let mut out = document.to_string();
    out.push('\n');
    out
}

pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One self-contained page: the diagram (hover a cell for its rules), and
/// below it every cell's deciding rules and reasons. Fetches nothing.
pub fn html(policy: &Policy, matrix: &Matrix) -> String {
    let values = matrix.column_names(policy);
    let title = escape_html(&heading(policy));
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!("<title>{title}</title>\n"));
    out.push_str("<style>\nbody { font-family: sans-serif; margin: 2em; color: #1a1a1a; }\n.cell:hover rect { stroke-width: 3; }\ntable { border-collapse: collapse; margin-top: 2em; }\nth, td { border: 1px solid #999; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }\ncode { font-size: 0.9em; }\n</style>\n</head>\n<body>\n");
    out.push_str(&format!("<h1>{title}</h1>\n"));
    out.push_str(&svg(policy, matrix));
    out.push_str("<h2>Why each cell</h2>\n<table>\n<thead><tr><th>Zone</th><th>");
    out.push_str(&escape_html(&policy.dimensions[matrix.over].name));
    out.push_str(
        "</th><th>Holder</th><th>Deciding rules</th><th>Because</th></tr></thead>\n<tbody>\n",
    );
    for (zone, z) in policy.zones.iter().enumerate() {
        for (i, column) in matrix.columns.iter().enumerate() {
            let decision = &column[zone];
            let rules: Vec<String> = decision
                .rules
                .iter()
                .map(|&r| {
                    let rule = &policy.rules[r];
                    let line = policy.source.line_column(rule.span.start).0;
                    format!(
                        "line {line}: <code>{}</code>",
                        escape_html(policy.source_text(rule.span))
                    )
                })
                .collect();
            let rules = if rules.is_empty() {
                "none: the default".to_string()
            } else {
                rules.join("<br>")
            };
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{rules}</td><td>{}</td></tr>\n",
                escape_html(z.display()),
                escape_html(values[i]),
                escape_html(&cell_label(policy, decision)),
                escape_html(decision.because(policy).unwrap_or("")),
            ));
        }
    }
    out.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    out
}
