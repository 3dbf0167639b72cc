//! The server as an editor drives it: JSON-RPC over the process's stdio,
//! `Content-Length` framed, from `initialize` to `exit`.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

struct Client {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: u64,
    /// Messages other than diagnostics that came while waiting for an
    /// answer (`window/showMessage`), kept for [`Client::message`].
    shown: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        Client::start_with(json!({"capabilities": {}}))
    }

    /// Started with the workspace folder `root`.
    fn start_in(root: &std::path::Path) -> Client {
        let uri = format!("file://{}", root.display());
        Client::start_with(json!({"capabilities": {}, "rootUri": uri}))
    }

    fn start_with(initialize: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_onus-lsp"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        let mut client = Client {
            child,
            input,
            output,
            next_id: 1,
            shown: Vec::new(),
        };
        let capabilities = client.request("initialize", initialize);
        assert_eq!(
            capabilities["capabilities"]["documentFormattingProvider"],
            true
        );
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.input.flush().unwrap();
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.output.read_line(&mut line).unwrap() > 0,
                "the server hung up"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.output.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let answer = self.answer(method, params);
        assert!(answer.get("error").is_none(), "{answer}");
        answer["result"].clone()
    }

    /// The whole answer to a request: its `result` or its `error`.
    fn answer(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == id {
                return message;
            }
            if message["method"] == "window/showMessage" {
                self.shown.push(message);
            }
        }
    }

    /// The next `method` notification, whether it came while waiting for
    /// an answer or comes now.
    fn message(&mut self, method: &str) -> Value {
        if let Some(i) = self.shown.iter().position(|m| m["method"] == method) {
            return self.shown.remove(i)["params"].clone();
        }
        loop {
            let message = self.receive();
            if message["method"] == method {
                return message["params"].clone();
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The diagnostics published next for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    fn change(&mut self, uri: &str, version: u64, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        self.diagnostics(uri)
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

const URI: &str = "file:///work/example.onus";

fn open(client: &mut Client, text: &str) -> Vec<Value> {
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "onus", "version": 1, "text": text}}),
    );
    client.diagnostics(URI)
}

#[test]
fn every_error_and_finding_as_diagnostics() {
    let mut client = Client::start();
    // Two bad lines: both are shown, where they are.
    let diagnostics = open(
        &mut client,
        "data: customer alway\nos: provider when paas\nnet: shared when (iaas\n",
    );
    let lines: Vec<u64> = diagnostics
        .iter()
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [0, 2], "{diagnostics:?}");
    assert!(diagnostics
        .iter()
        .all(|d| d["code"] == "syntax-error" && d["severity"] == 1));
    assert_eq!(diagnostics[0]["range"]["start"]["character"], 15);

    // A conflict, with the other rule as related information; a did-you-mean.
    let text = "os: provider when paas\nos: customer unless saas\ndata: custmer always\n";
    let diagnostics = client.change(URI, 2, text);
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-name")
        .expect("unknown party");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `customer`?"),
        "{unknown}"
    );
    let text = "os: provider when paas\nos: customer unless saas\n";
    let diagnostics = client.change(URI, 3, text);
    let conflict = diagnostics
        .iter()
        .find(|d| d["code"] == "conflict")
        .expect("a conflict");
    assert_eq!(
        conflict["relatedInformation"].as_array().unwrap().len(),
        1,
        "{conflict}"
    );
    insta::assert_json_snapshot!("conflict_diagnostics", diagnostics);

    // A clean text clears them.
    assert_eq!(
        client.change(URI, 4, "data: customer always\n"),
        Vec::<Value>::new()
    );
    client.stop();
}

#[test]
fn formatting_symbols_definition_and_hover() {
    let mut client = Client::start();
    let text =
        "zone data \"Information\"\nzone os\nos:   provider when paas\ndata: customer always\n";
    open(&mut client, text);
    let document = json!({"uri": URI});

    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": document, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert!(formatted.contains("os: provider when paas"), "{formatted}");

    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": document}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["zone data", "zone os", "os: provider", "data: customer"]
    );

    // From `data` in the rule on line 4 to its declaration on line 1.
    let at = json!({"textDocument": document, "position": {"line": 3, "character": 1}});
    let location = client.request("textDocument/definition", at.clone());
    assert_eq!(
        location["range"]["start"],
        json!({"line": 0, "character": 5})
    );

    // On `os`: its row of the matrix, value by value.
    let at_os = json!({"textDocument": document, "position": {"line": 2, "character": 0}});
    let hover = client.request("textDocument/hover", at_os);
    let markdown = hover["contents"]["value"].as_str().unwrap();
    for line in [
        "`on-prem`: customer",
        "`iaas`: customer",
        "`paas`: provider",
        "`saas`: customer",
    ] {
        assert!(markdown.contains(line), "{markdown}");
    }
    client.stop();
}

/// A typo hides nothing else (issue 29): the conflict on `x` is shown
/// beside the misspelt value on line 3, the zone that lost its rule says
/// it is not analysed, and a hover on `x` answers; a hover on `host` says
/// why it does not.
#[test]
fn a_typo_hides_no_other_finding_and_hover_still_answers() {
    let mut client = Client::start();
    let text =
        "x: customer when iaas\nx: provider when iaas or paas\nhost: provider unless on-prme\n";
    let diagnostics = open(&mut client, text);
    let codes: Vec<(&str, u64)> = (diagnostics.iter())
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [("unknown-name", 2), ("not-analysed", 2), ("conflict", 1)],
        "{diagnostics:#?}"
    );
    let document = json!({"uri": URI});
    let at_x = json!({"textDocument": document, "position": {"line": 0, "character": 0}});
    let hover = client.request("textDocument/hover", at_x);
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.contains("`iaas`: CONFLICT"), "{markdown}");
    assert!(!markdown.contains("As of the last"), "analysed: {markdown}");
    assert!(markdown.contains("`paas`: provider"), "{markdown}");
    let at_host = json!({"textDocument": document, "position": {"line": 2, "character": 1}});
    let hover = client.request("textDocument/hover", at_host);
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        markdown.contains("not answered while its rule on line 3 does not resolve"),
        "{markdown}"
    );
    client.stop();
}

/// Half-typed text never brings the server down: every file of the fuzz
/// corpus, and every prefix of a policy, as the user types it.
#[test]
fn half_typed_input_never_crashes_the_server() {
    let mut client = Client::start();
    open(&mut client, "");
    let mut version = 2;
    let policy = include_str!("../../policies/azure.onus");
    for end in (0..policy.len())
        .step_by(97)
        .filter(|&e| policy.is_char_boundary(e))
    {
        let prefix = &policy[..end];
        client.change(URI, version, prefix);
        version += 1;
        // Where the author is typing: completion and hover there answer.
        let line = prefix.matches('\n').count();
        let column = prefix.rsplit('\n').next().unwrap().encode_utf16().count();
        let at =
            json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": column}});
        client.request("textDocument/completion", at.clone());
        client.request("textDocument/hover", at);
    }
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-corpus");
    let mut entries: Vec<_> = (std::fs::read_dir(corpus).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none())
        .collect();
    entries.sort();
    assert!(
        entries.len() >= 100,
        "a sample of the fuzz corpus is in lsp/tests/fuzz-corpus"
    );
    for path in &entries {
        let bytes = std::fs::read(path).unwrap();
        client.change(URI, version, &String::from_utf8_lossy(&bytes));
        version += 1;
    }
    client.stop();
}

/// Applies the edits of a workspace edit for `URI` to `text`.
fn apply(text: &str, edit: &Value) -> String {
    let offset = |p: &Value| {
        let (line, character) = (
            p["line"].as_u64().unwrap() as usize,
            p["character"].as_u64().unwrap() as usize,
        );
        text.split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>()
            + character
    };
    let mut edits: Vec<(usize, usize, &str)> = (edit["changes"][URI].as_array().unwrap().iter())
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    // From the end, so earlier offsets stay right.
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new_text) in edits {
        out.replace_range(start..end, new_text);
    }
    out
}

#[test]
fn completion_and_quick_fixes() {
    let mut client = Client::start();
    let text = "dimension tier: gold, silver\nzone data\ndata: custmer when tier is gold\n";
    let diagnostics = open(&mut client, text);
    assert_eq!(diagnostics[0]["code"], "unknown-name");
    let document = json!({"uri": URI});

    // After a rule's colon: the parties.
    let labels = completion_labels(&mut client, 2, 6);
    assert_eq!(labels, ["customer", "provider", "shared"]);

    // The did-you-mean as a quick fix; applied, the error goes.
    let context = json!({"diagnostics": diagnostics});
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": document, "range": diagnostics[0]["range"], "context": context}),
    );
    let action = &actions[0];
    assert_eq!(action["title"], "Change to `customer`");
    let fixed = apply(text, &action["edit"]);
    assert_eq!(
        fixed,
        "dimension tier: gold, silver\nzone data\ndata: customer when tier is gold\n"
    );
    assert_eq!(client.change(URI, 2, &fixed), Vec::<Value>::new());

    // A conflict: make the rule shared.
    let text = "os: provider when paas\nos: customer unless saas\n";
    let diagnostics = client.change(URI, 3, text);
    let conflict = diagnostics
        .iter()
        .find(|d| d["code"] == "conflict")
        .unwrap();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": document, "range": conflict["range"], "context": {"diagnostics": [conflict]}}),
    );
    let make_shared = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Make these rules `shared`")
        .expect("a quick fix for the conflict");
    let fixed = apply(text, &make_shared["edit"]);
    assert_eq!(fixed, "os: shared when paas\nos: shared unless saas\n");
    let after = client.change(URI, 4, &fixed);
    assert!(after.iter().all(|d| d["code"] != "conflict"), "{after:?}");
    client.stop();
}

/// A quick fix writes a name as the language does: a suggested zone that is
/// not bare lowercase words is quoted; the conflict's fix changes only the
/// rules' parties, found by the syntax tree, not by the first colon.
#[test]
fn quick_fixes_write_names_as_the_language_does() {
    let mut client = Client::start();
    let text = "zone \"Data & AI\"\n\"Data & A\": customer always\n";
    let diagnostics = open(&mut client, text);
    let document = json!({"uri": URI});
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-name")
        .expect("an unknown zone");
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": document, "range": unknown["range"], "context": {"diagnostics": [unknown]}}),
    );
    let fixed = apply(text, &actions[0]["edit"]);
    assert!(
        fixed.ends_with("\n\"Data & AI\": customer always\n"),
        "{fixed}"
    );
    let text = "\"a:b\": provider when paas\n\"a:b\": customer unless saas\n";
    let diagnostics = client.change(URI, 2, text);
    let conflict = diagnostics
        .iter()
        .find(|d| d["code"] == "conflict")
        .expect("a conflict");
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": document, "range": conflict["range"], "context": {"diagnostics": [conflict]}}),
    );
    let shared = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Make these rules `shared`")
        .unwrap();
    assert_eq!(shared["isPreferred"], false);
    let fixed = apply(text, &shared["edit"]);
    assert_eq!(
        fixed,
        "\"a:b\": shared when paas\n\"a:b\": shared unless saas\n"
    );
    client.stop();
}

/// A document whose URI has escapes is named by its decoded path: a
/// resource map beside a policy of its own finds it.
#[test]
fn percent_escapes_in_uris_are_decoded() {
    let dir = std::env::temp_dir().join(format!("onus lsp {}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mine.onus"),
        "dimension tier: gold, silver\ndata: customer always\n",
    )
    .unwrap();
    let map = "resources for \"mine.onus\"\nresource \"thing\" { tier: gold }\n";
    let uri = format!(
        "file://{}/map.onus",
        dir.to_string_lossy().replace(' ', "%20")
    );
    let mut client = Client::start();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "onus", "version": 1, "text": map}}),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let wrong = "resources for \"mine.onus\"\nresource \"thing\" { tier: bronze }\n";
    let diagnostics = client.change(&uri, 2, wrong);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 1);
    client.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A byte-order mark, which the CLI drops, is no error in the editor, and
/// positions after it are the editor's.
#[test]
fn a_byte_order_mark_is_no_error() {
    let mut client = Client::start();
    assert_eq!(
        open(&mut client, "\u{feff}data: customer always\n"),
        Vec::<Value>::new()
    );
    let diagnostics = client.change(URI, 2, "\u{feff}data: custmer always\n");
    // The error, and the note that its zone is not analysed.
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    assert_eq!(diagnostics[1]["code"], "not-analysed");
    // `custmer` starts at UTF-16 column 7: the mark, then `data: `.
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({"line": 0, "character": 7})
    );
    client.stop();
}

/// The labels completion offers at a position of `URI`.
fn completion_labels(client: &mut Client, line: u32, character: u32) -> Vec<String> {
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}}),
    );
    (items.as_array().unwrap().iter())
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

/// Completion offers what fits where the cursor is, half-typed as the text
/// around it may be.
#[test]
fn completion_offers_what_fits_in_place() {
    let mut client = Client::start();
    let text = "party auditor\ndimension tier: gold, silver\ndimension region: eu, us\nzone data\n";
    open(&mut client, text);
    let cases: [(&str, &[&str]); 14] = [
        // At the start of a line: the zones, then the statements' words.
        (
            "",
            &[
                "data",
                "policy",
                "party",
                "zone",
                "dimension",
                "default",
                "assert",
                "tests for",
                "test",
                "mapping",
                "resources for",
                "resource",
            ],
        ),
        ("data: ", &["customer", "provider", "shared", "auditor"]),
        ("data: cus", &["customer", "provider", "shared", "auditor"]),
        ("data: customer ", &["always", "when", "unless"]),
        (
            "data: customer when ",
            &["gold", "silver", "eu", "us", "tier", "region", "not"],
        ),
        ("data: customer when tier ", &["is", "in"]),
        ("data: customer when tier is ", &["gold", "silver", "not"]),
        ("data: customer when region is not ", &["eu", "us"]),
        ("data: customer when region in [eu, ", &["eu", "us"]),
        (
            "data: customer when tier is gold ",
            &["and", "or", "enabled-by-default", "because"],
        ),
        (
            "data: customer when tier is gold enabled-by-default ",
            &["because"],
        ),
        ("data: customer always ", &["enabled-by-default", "because"]),
        ("test \"t\" { tier: gold, region: ", &["eu", "us"]),
        (
            "test \"t\" { tier: gold } expect { data: ",
            &["customer", "provider", "shared", "auditor"],
        ),
    ];
    let mut version = 2;
    for (line, expected) in cases {
        client.change(URI, version, &format!("{text}{line}"));
        version += 1;
        let labels = completion_labels(&mut client, 4, line.chars().count() as u32);
        assert_eq!(labels, expected, "after `{line}`");
    }
    client.change(URI, version, &format!("{text}test \"t\" {{ "));
    assert_eq!(completion_labels(&mut client, 4, 11), ["tier", "region"]);
    client.change(
        URI,
        version + 1,
        &format!("{text}test \"t\" {{ tier: gold }} expect {{ "),
    );
    assert_eq!(completion_labels(&mut client, 4, 36), ["data"]);
    client.stop();
}

/// Definition and references for every kind of name; hover on a party,
/// a value and a rule; the answers snapshotted as the editor gets them.
#[test]
fn names_are_found_and_explained() {
    let mut client = Client::start();
    let text = "\
party auditor \"External auditor\"
dimension tier: gold, silver
zone data
zone logs
data: customer always
logs: auditor when tier is gold because \"the audit keeps them\"
logs: provider when silver
test \"gold\" { tier: gold } expect { logs: auditor }
";
    assert_eq!(open(&mut client, text), Vec::<Value>::new());
    let document = json!({"uri": URI});
    let at = |line: u32, character: u32| json!({"textDocument": document, "position": {"line": line, "character": character}});
    let lines = |locations: &Value| -> Vec<u64> {
        (locations.as_array().unwrap().iter())
            .map(|l| l["range"]["start"]["line"].as_u64().unwrap())
            .collect()
    };
    // `gold` in a test: its declaration, in the dimension's line.
    let gold_in_test = at(7, 23);
    let definition = client.request("textDocument/definition", gold_in_test.clone());
    assert_eq!(
        definition["range"]["start"],
        json!({"line": 1, "character": 16})
    );
    let mut with_declaration = gold_in_test.clone();
    with_declaration["context"] = json!({"includeDeclaration": true});
    let references = client.request("textDocument/references", with_declaration);
    assert_eq!(lines(&references), [1, 5, 7]);
    // `silver`, written bare: found by its dimension all the same.
    let mut on_silver = at(6, 22);
    on_silver["context"] = json!({"includeDeclaration": false});
    assert_eq!(
        lines(&client.request("textDocument/references", on_silver)),
        [6]
    );
    // `auditor`: a declared party, from its uses.
    let definition = client.request("textDocument/definition", at(7, 46));
    assert_eq!(
        definition["range"]["start"],
        json!({"line": 0, "character": 6})
    );
    let mut on_auditor = at(0, 7);
    on_auditor["context"] = json!({"includeDeclaration": true});
    assert_eq!(
        lines(&client.request("textDocument/references", on_auditor)),
        [0, 5, 7]
    );

    let hover = |client: &mut Client, line, character| {
        let answer = client.request("textDocument/hover", at(line, character));
        answer["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let on_value = hover(&mut client, 5, 28);
    assert!(
        on_value.contains("**value** `tier is gold`, used 2 times"),
        "{on_value}"
    );
    assert!(
        on_value.contains("dimension tier: gold, silver"),
        "{on_value}"
    );
    let on_party = hover(&mut client, 7, 46);
    assert!(
        on_party.contains("party auditor \"External auditor\""),
        "{on_party}"
    );
    let on_builtin = hover(&mut client, 4, 8);
    assert!(
        on_builtin.contains("where it decides"),
        "a rule's party: {on_builtin}"
    );
    let on_rule = hover(&mut client, 5, 15);
    assert!(
        on_rule.contains("- auditor when `tier is gold`"),
        "{on_rule}"
    );
    insta::assert_snapshot!("hover_on_a_value", on_value);
    insta::assert_snapshot!("hover_on_a_party", on_party);
    insta::assert_snapshot!("hover_on_a_rule", on_rule);
    insta::assert_snapshot!("hover_on_a_zone", hover(&mut client, 3, 6));
    client.stop();
}

/// A code lens on each test: whether it passes, and what it got wrong.
#[test]
fn tests_show_whether_they_pass() {
    let mut client = Client::start();
    let text = "\
zone os
os: provider when paas
test \"paas\" { model: paas } expect { os: provider }
test \"iaas\" { model: iaas } expect { os: provider }
";
    open(&mut client, text);
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": URI}}),
    );
    let shown: Vec<(u64, &str)> = (lenses.as_array().unwrap().iter())
        .map(|l| {
            (
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["command"]["title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (2, "✓ passes"),
            (3, "✗ fails: os: expected provider, got customer")
        ]
    );
    insta::assert_json_snapshot!("code_lenses", lenses);
    // Choosing a lens runs its test again and says how it went.
    let failing = &lenses[1]["command"];
    let answer = client.request(
        "workspace/executeCommand",
        json!({"command": failing["command"], "arguments": failing["arguments"]}),
    );
    assert_eq!(answer, Value::Null);
    let shown = client.message("window/showMessage");
    assert_eq!(
        shown,
        json!({"type": 1, "message": "test \"iaas\": ✗ fails: os: expected provider, got customer"})
    );
    client.stop();
}

/// A change to a zone of a large policy is answered in two steps: at once,
/// the errors and the findings of every zone it left alone (kept from
/// before); then, with the changed zone analysed, every finding.
#[test]
fn a_large_change_is_answered_at_once_then_whole() {
    let mut client = Client::start();
    // z0 has more rules than are analysed at once; z1 and z2 a few. Each
    // zone's last rule conflicts with every rule before it: one merged
    // diagnostic a zone.
    let policy = |last_of_z0: &str| {
        let mut text = String::from("dimension tier: gold, silver\n");
        for (zone, rules) in [(0, 250), (1, 5), (2, 5)] {
            for rule in 0..rules {
                let party = match (zone, rule + 1 == rules) {
                    (0, true) => last_of_z0,
                    (_, true) => "customer",
                    _ => "provider",
                };
                text.push_str(&format!("z{zone}: {party} when tier is gold\n"));
            }
        }
        text
    };
    let conflicts_in = |d: &[Value]| -> Vec<String> {
        (d.iter())
            .filter(|d| d["code"] == "conflict")
            .map(|d| {
                // The zone, as the message names it: `z0`.
                let message = d["message"].as_str().unwrap();
                let zone = &message[message.find("`z").unwrap() + 1..];
                zone[..zone.find('`').unwrap()].to_string()
            })
            .collect()
    };
    // Opened: nothing was analysed before, so the first answer has no
    // finding, and the whole one all three.
    assert_eq!(
        conflicts_in(&open(&mut client, &policy("customer"))),
        Vec::<String>::new()
    );
    assert_eq!(conflicts_in(&client.diagnostics(URI)), ["z0", "z1", "z2"]);
    // z0's last rule changes: z1's and z2's findings come at once, z0's
    // after its analysis (it has none now).
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": policy("provider")}]}),
    );
    assert_eq!(conflicts_in(&client.diagnostics(URI)), ["z1", "z2"]);
    assert_eq!(conflicts_in(&client.diagnostics(URI)), ["z1", "z2"]);
    // And back: z0's conflict is found again.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 3}, "contentChanges": [{"text": policy("customer")}]}),
    );
    assert_eq!(conflicts_in(&client.diagnostics(URI)), ["z1", "z2"]);
    assert_eq!(conflicts_in(&client.diagnostics(URI)), ["z0", "z1", "z2"]);
    client.stop();
}

/// The built-in policies, opened as an author opens them: no error, each
/// zone's hover its row of the matrix, nothing to format, every test passing
/// in its code lens.
#[test]
fn the_built_in_policies_in_the_editor() {
    let mut client = Client::start();
    let folder = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../policies"));
    let mut files: Vec<_> = (std::fs::read_dir(folder).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "onus"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for (version, path) in files.iter().enumerate() {
        let path = path.canonicalize().unwrap();
        let uri = format!("file://{}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "onus", "version": version, "text": text}}),
        );
        let diagnostics = client.diagnostics(&uri);
        assert!(
            diagnostics.iter().all(|d| d["severity"] != 1),
            "{}: {diagnostics:?}",
            path.display()
        );
        let document = json!({"uri": uri});
        let line = text.lines().position(|l| l.starts_with("zone ")).unwrap() as u32;
        let hover = client.request(
            "textDocument/hover",
            json!({"textDocument": document, "position": {"line": line, "character": 6}}),
        );
        let markdown = hover["contents"]["value"].as_str().unwrap();
        assert!(
            markdown.contains(", by ") && markdown.contains("\n- `"),
            "{markdown}"
        );
        let edits = client.request(
            "textDocument/formatting",
            json!({"textDocument": document, "options": {"tabSize": 4, "insertSpaces": true}}),
        );
        assert_eq!(edits, json!([]), "{} is formatted", path.display());
        let lenses = client.request("textDocument/codeLens", json!({"textDocument": document}));
        let titles: Vec<&str> = (lenses.as_array().unwrap().iter())
            .map(|l| l["command"]["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles.len(),
            text.matches("\ntest \"").count(),
            "{}",
            path.display()
        );
        assert!(titles.iter().all(|t| *t == "✓ passes"), "{titles:?}");
    }
    client.stop();
}

/// Rename (issue 29): every place of a zone, party, dimension or value,
/// across the policy and the test file that tests it; refused for
/// keywords, the language's own names, names the grammar cannot write and
/// names already taken. References go from the test file to the policy
/// and back; workspace symbols search every policy of the folder.
#[test]
fn rename_references_across_files_and_workspace_symbols() {
    let root = std::env::temp_dir().join(format!("onus-lsp-rename-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let policy = "dimension tier: basic, premium\nparty vendor \"The vendor\"\nzone os\nos: vendor when premium\nos: customer when basic\n";
    let tests =
        "tests for \"policy.onus\"\ntest \"premium os\" { tier: premium } expect { os: vendor }\n";
    std::fs::write(root.join("policy.onus"), policy).unwrap();
    std::fs::write(root.join("policy-tests.onus"), tests).unwrap();
    std::fs::create_dir_all(root.join("more")).unwrap();
    std::fs::write(
        root.join("more/other.onus"),
        "zone osmosis\nosmosis: customer always\n",
    )
    .unwrap();
    let policy_uri = format!("file://{}", root.join("policy.onus").display());
    let tests_uri = format!("file://{}", root.join("policy-tests.onus").display());
    let mut client = Client::start_in(&root);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": tests_uri, "languageId": "onus", "version": 1, "text": tests}}),
    );
    client.diagnostics(&tests_uri);

    // From `os` in the test file: its places in the policy, on disk, too.
    let at = |uri: &str, line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    let mut params = at(&tests_uri, 1, 45);
    params["context"] = json!({"includeDeclaration": true});
    let found = client.request("textDocument/references", params);
    let places: Vec<(String, u64)> = (found.as_array().unwrap().iter())
        .map(|l| {
            let uri = l["uri"].as_str().unwrap();
            let file = uri.rsplit('/').next().unwrap().to_string();
            (file, l["range"]["start"]["line"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        places,
        [
            ("policy-tests.onus".to_string(), 1),
            ("policy.onus".to_string(), 2),
            ("policy.onus".to_string(), 3),
            ("policy.onus".to_string(), 4)
        ],
        "{found}"
    );

    // And back: from the open policy to the test file on disk.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": policy_uri, "languageId": "onus", "version": 1, "text": policy}}),
    );
    client.diagnostics(&policy_uri);
    let mut params = at(&policy_uri, 3, 4);
    params["context"] = json!({"includeDeclaration": false});
    let found = client.request("textDocument/references", params);
    let files: Vec<&str> = (found.as_array().unwrap().iter())
        .map(|l| l["uri"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(files, ["policy.onus", "policy-tests.onus"], "{found}");

    // prepareRename: a party of the document yes; a keyword, a built-in
    // party no.
    let prepared = client.request("textDocument/prepareRename", at(&policy_uri, 3, 4));
    assert_eq!(prepared["placeholder"], "vendor");
    assert_eq!(
        client.request("textDocument/prepareRename", at(&policy_uri, 3, 11)),
        Value::Null
    );
    assert_eq!(
        client.request("textDocument/prepareRename", at(&policy_uri, 4, 5)),
        Value::Null
    );

    // How many edits a rename makes in one file.
    let edits = |edit: &Value, uri: &str| edit["changes"][uri].as_array().unwrap().len();
    // Rename the party across both files.
    let mut params = at(&policy_uri, 3, 4);
    params["newName"] = json!("supplier");
    let edit = client.request("textDocument/rename", params);
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes[&policy_uri].as_array().unwrap().len(), 2, "{edit}");
    assert_eq!(changes[&tests_uri].as_array().unwrap().len(), 1, "{edit}");
    assert!(
        (changes.values().flat_map(|e| e.as_array().unwrap())).all(|e| e["newText"] == "supplier")
    );
    // A zone may take spaces; a value of one dimension only.
    let mut params = at(&policy_uri, 2, 5);
    params["newName"] = json!("operating system");
    let edit = client.request("textDocument/rename", params);
    assert_eq!(edits(&edit, &policy_uri), 3, "{edit}");
    let mut params = at(&policy_uri, 0, 24);
    params["newName"] = json!("gold");
    let edit = client.request("textDocument/rename", params);
    assert_eq!(edits(&edit, &policy_uri), 2, "{edit}");
    assert_eq!(edits(&edit, &tests_uri), 1, "{edit}");
    // Refused, with why.
    for (new, why) in [
        ("Two Words", "not a name"),
        ("when", "not a name"),
        ("customer", "taken"),
        ("shared", "taken"),
        ("conflict", "not a name"),
    ] {
        let mut params = at(&policy_uri, 3, 4);
        params["newName"] = json!(new);
        let answer = client.answer("textDocument/rename", params);
        let message = answer["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(why), "{new}: {answer}");
    }

    // From the test file too: the dimension its scenario names, renamed in
    // the policy and in the test file.
    let tier = "test \"premium os\" { ".len() as u32;
    let mut params = at(&tests_uri, 1, tier);
    params["newName"] = json!("plan");
    let edit = client.request("textDocument/rename", params);
    assert_eq!(edits(&edit, &policy_uri), 1, "{edit}");
    assert_eq!(edits(&edit, &tests_uri), 1, "{edit}");

    // Workspace symbols: every policy of the folder, open or not.
    let found = client.request("workspace/symbol", json!({"query": "os"}));
    let mut names: Vec<(String, String)> = (found.as_array().unwrap().iter())
        .map(|s| {
            let uri = s["location"]["uri"].as_str().unwrap();
            (
                s["name"].as_str().unwrap().to_string(),
                uri.rsplit('/').next().unwrap().to_string(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("os".to_string(), "policy.onus".to_string()),
            ("osmosis".to_string(), "other.onus".to_string()),
            ("premium os".to_string(), "policy-tests.onus".to_string())
        ]
    );
    client.stop();
    std::fs::remove_dir_all(&root).unwrap();
}

/// Forty zones of 45 rules over twelve dimensions of eight values, each
/// zone's rules in conflict; the first dimension has `values` values. A
/// change to it makes every zone new to the analysis, which then takes a
/// while (about two seconds in a debug build), one zone after another.
fn many_zones(values: usize) -> String {
    let mut text = String::new();
    for d in 0..12 {
        let count = if d == 0 { values } else { 8 };
        let names: Vec<String> = (0..count).map(|v| format!("d{d}v{v}")).collect();
        text.push_str(&format!("dimension d{d}: {}\n", names.join(", ")));
    }
    for z in 0..40 {
        text.push_str(&format!("zone z{z}\n"));
    }
    for z in 0..40 {
        for r in 0..45 {
            let party = ["customer", "provider", "shared"][r % 3];
            let atoms: Vec<String> = (0..3)
                .map(|k| {
                    let d = (z * 7 + r * 5 + k * 3) % 12;
                    let (x, y) = ((z + r + k) % 8, (z * 3 + r * 2 + k) % 8);
                    match (r + k) % 3 {
                        0 => format!("d{d} in [d{d}v{x}, d{d}v{y}]"),
                        1 => format!("not d{d} is d{d}v{y}"),
                        _ => format!("d{d} is not d{d}v{x}"),
                    }
                })
                .collect();
            text.push_str(&format!("z{z}: {party} when {}\n", atoms.join(" and ")));
        }
    }
    text
}

/// Each version's diagnostics as published, in order.
type Published = Vec<(u64, Vec<Value>)>;

impl Client {
    /// Reads until the answer to request `id` and the diagnostics of
    /// `version` that `whole` accepts: the answer, whether it came first,
    /// and every version published on the way.
    fn answer_and_whole(
        &mut self,
        id: Option<u64>,
        version: u64,
        whole: impl Fn(&[Value]) -> bool,
    ) -> (Option<Value>, bool, Published) {
        let (mut answer, mut first) = (None, false);
        let mut published: Published = Vec::new();
        loop {
            let message = self.receive();
            if id.is_some() && message["id"] == json!(id) {
                first = !published.iter().any(|(v, d)| *v == version && whole(d));
                answer = Some(message);
            } else if message["method"] == "window/logMessage" {
                self.shown.push(message);
            } else if message["method"] == "textDocument/publishDiagnostics" {
                let params = &message["params"];
                let diagnostics = params["diagnostics"].as_array().unwrap().clone();
                let done = params["version"] == version && whole(&diagnostics);
                published.push((params["version"].as_u64().unwrap(), diagnostics));
                if done && (id.is_none() || answer.is_some()) {
                    return (answer, first, published);
                }
            }
        }
    }
}

fn has_conflicts(diagnostics: &[Value]) -> bool {
    diagnostics.iter().any(|d| d["code"] == "conflict")
}

/// The server never waits on itself: while a change is analysed (every
/// zone, one after another), a hover and a completion are answered from
/// the latest analysed state; a newer text stops the analysis of the one
/// before it, whose whole diagnostics are then never published; and a
/// request cancelled before it is read is answered as cancelled.
#[test]
fn requests_are_answered_while_a_change_is_analysed() {
    let mut client = Client::start();
    let uri = URI;
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "onus", "version": 1, "text": many_zones(8)}}),
    );
    client.answer_and_whole(None, 1, has_conflicts);

    // A ninth value: every zone is analysed again.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": many_zones(9)}]}),
    );
    let zone_line = 12 + 5; // `zone z5`
    let id = client.next_id;
    client.next_id += 1;
    client.send(
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": uri}, "position": {"line": zone_line, "character": 6}}}),
    );
    let (hover, first, _) = client.answer_and_whole(Some(id), 2, has_conflicts);
    assert!(first, "the hover was answered before the analysis ended");
    let markdown = hover.unwrap()["result"]["contents"]["value"].clone();
    let markdown = markdown.as_str().unwrap();
    assert!(markdown.starts_with("**z5**, by d0:"), "{markdown}");
    assert!(
        markdown.ends_with("_As of the last analysed text: a newer one is being analysed._"),
        "{markdown}"
    );

    // Completion, likewise, after the colon of the first rule.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": many_zones(8)}]}),
    );
    let id = client.next_id;
    client.next_id += 1;
    client.send(
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/completion", "params": {
        "textDocument": {"uri": uri}, "position": {"line": 52, "character": 4}}}),
    );
    let (completion, first, _) = client.answer_and_whole(Some(id), 3, has_conflicts);
    assert!(
        first,
        "the completion was answered before the analysis ended"
    );
    let labels: Vec<Value> = (completion.unwrap()["result"].as_array().unwrap().iter())
        .map(|item| item["label"].clone())
        .collect();
    assert_eq!(labels, ["customer", "provider", "shared"]);

    // A change while the one before is analysed (its first answer, with
    // no zone analysed yet, is out): the earlier analysis stops.
    let change = |client: &mut Client, version: u64, values: usize| {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": many_zones(values)}]}),
        );
    };
    change(&mut client, 4, 9);
    client.answer_and_whole(None, 4, |d| !has_conflicts(d));
    change(&mut client, 5, 10);
    let (_, _, published) = client.answer_and_whole(None, 5, has_conflicts);
    assert!(
        !(published.iter()).any(|(version, d)| *version == 4 && has_conflicts(d)),
        "version 4 was stopped before its findings: {:?}",
        published
            .iter()
            .map(|(v, d)| (v, d.len()))
            .collect::<Vec<_>>()
    );
    // Stopped between two zones, not analysed to the end and then dropped:
    // the server says so in the client's log.
    let logged: Vec<&Value> = (client.shown.iter())
        .filter(|m| m["method"] == "window/logMessage")
        .map(|m| &m["params"]["message"])
        .collect();
    assert_eq!(
        logged,
        [&json!(format!(
            "stopped analysing version 4 of {uri}: a newer text came"
        ))]
    );

    // A request cancelled before the server reads it: formatting goes
    // first, so the hover and its cancellation wait together.
    let (format_id, hover_id) = (client.next_id, client.next_id + 1);
    client.next_id += 2;
    let messages = [
        json!({"jsonrpc": "2.0", "id": format_id, "method": "textDocument/formatting", "params": {
            "textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}}),
        json!({"jsonrpc": "2.0", "id": hover_id, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": zone_line, "character": 6}}}),
        json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": hover_id}}),
    ];
    let framed: String = (messages.iter())
        .map(|m| format!("Content-Length: {}\r\n\r\n{m}", m.to_string().len()))
        .collect();
    client.input.write_all(framed.as_bytes()).unwrap();
    client.input.flush().unwrap();
    let mut answers = Vec::new();
    while answers.len() < 2 {
        let message = client.receive();
        if message.get("id").is_some() {
            answers.push(message);
        }
    }
    assert_eq!(answers[0]["id"], format_id);
    assert!(answers[0].get("error").is_none(), "{}", answers[0]);
    assert_eq!(answers[1]["id"], hover_id);
    assert_eq!(answers[1]["error"]["code"], -32800, "{}", answers[1]);
    client.stop();
}
