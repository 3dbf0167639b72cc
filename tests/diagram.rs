//! The responsibility diagram: a snapshot of the SVG, the SVG parsed as XML,
//! and rendered to pixels with resvg to prove it draws what it says.

mod common;

use common::onus;

fn svg_of(args: &[&str]) -> String {
    let run = onus(args, b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

#[test]
fn azure_svg_snapshot() {
    insta::assert_snapshot!(svg_of(&["matrix", "azure", "--format", "svg"]));
}

#[test]
fn svg_is_well_formed_with_one_labelled_cell_per_zone_and_value() {
    for (policy, zones, values) in [("azure", 15, 4), ("azure-services", 18, 7), ("aws", 20, 9)] {
        let svg = svg_of(&["matrix", policy, "--format", "svg"]);
        let document = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        let cells: Vec<_> = root
            .descendants()
            .filter(|n| n.attribute("class") == Some("cell"))
            .collect();
        assert_eq!(cells.len(), zones * values, "{policy}");
        for cell in cells {
            let label = cell.children().find(|c| c.has_tag_name("text")).unwrap();
            assert!(
                !label.text().unwrap().trim().is_empty(),
                "every cell says who holds it"
            );
            assert!(
                cell.children().any(|c| c.has_tag_name("title")),
                "hover text"
            );
        }
    }
}

/// The colour at a pixel, without alpha.
fn rgb(pixmap: &resvg::tiny_skia::Pixmap, x: u32, y: u32) -> String {
    let p = pixmap.pixel(x, y).unwrap().demultiply();
    format!("#{:02x}{:02x}{:02x}", p.red(), p.green(), p.blue())
}

#[test]
fn svg_renders_with_the_right_fills() {
    let svg = svg_of(&["matrix", "azure", "--format", "svg"]);
    let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).unwrap();
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let png = pixmap.encode_png().unwrap();
    assert!(png.len() > 1000);
    std::fs::write(std::env::temp_dir().join("onus-azure-diagram.png"), png).unwrap();
    // Cells start at x = 320 + 130 * column, y = 78 + 30 * row; 3 px in is
    // inside the fill and clear of the label.
    let at = |row: u32, column: u32, dx: u32, dy: u32| {
        rgb(&pixmap, 320 + 130 * column + dx, 78 + 30 * row + dy)
    };
    assert_eq!(at(0, 0, 3, 3), "#9ec5f0", "data, on-prem: customer");
    assert_eq!(
        at(10, 1, 3, 3),
        "#f7c46c",
        "virtualization host, iaas: provider"
    );
    assert_eq!(
        at(5, 2, 3, 3),
        "#9ec5f0",
        "applications, paas: shared, customer half"
    );
    assert_eq!(
        at(5, 2, 122, 22),
        "#f7c46c",
        "applications, paas: shared, provider half"
    );
}

#[test]
fn conflicts_show_in_the_diagram() {
    let run = onus(
        &[
            "matrix",
            "tests/fixtures/matrix/conflict.onus",
            "--format",
            "svg",
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("CONFLICT"));
    assert!(run.stdout.contains("conflict: rules disagree"));
}

#[test]
fn html_is_one_self_contained_page() {
    let run = onus(
        &[
            "matrix",
            "tests/fixtures/matrix/tiers.onus",
            "--over",
            "tier",
            "--set",
            "model=paas",
            "--format",
            "html",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = run.stdout;
    for fetch in ["src=", "href=", "url(", "@import", "<script", "<link"] {
        assert!(!html.contains(fetch), "no fetches: found {fetch}");
    }
    assert!(html.contains("<svg"));
    assert!(
        html.contains("silver PaaS includes it too"),
        "each cell's because"
    );
    insta::assert_snapshot!(html);
}
