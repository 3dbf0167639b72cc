// Starts the Onus language server for `.onus` files: `onus lsp` over stdio,
// through Microsoft's vscode-languageclient. The server does the rest
// (diagnostics, quick fixes, hover, completion, formatting, code lenses).
"use strict";
const { workspace } = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate() {
  // `onus.server.path`: the `onus` binary, if it is not on the PATH.
  const command = workspace.getConfiguration("onus").get("server.path", "onus");
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "onus",
    "Onus",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "onus" }] }
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
