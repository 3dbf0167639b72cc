// Tokenizes Onus files with a real TextMate engine (vscode-textmate over
// vscode-oniguruma, as VS Code does) and checks that every keyword, zone
// name, name, string, comment and punctuation mark gets its scope.
//
// Usage: node check-grammar.js GRAMMAR FILE...
// Prints one line per file and a summary; exits 1 on any token without
// its scope, listing each.

"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const KEYWORDS = {
  always: "keyword.control", when: "keyword.control", unless: "keyword.control",
  because: "keyword.control", expect: "keyword.control", controls: "keyword.control",
  and: "keyword.operator.logical", or: "keyword.operator.logical", not: "keyword.operator.logical",
  is: "keyword.operator", in: "keyword.operator",
};
const DECLARATIONS = ["policy", "party", "zone", "dimension", "default", "assert", "test",
  "tests", "mapping", "resources", "resource"];

async function main() {
  const [grammarPath, ...files] = process.argv.slice(2);
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  const grammar = await registry.loadGrammar("source.onus");
  const failures = [];
  const counts = { keyword: 0, declaration: 0, zone: 0, name: 0, string: 0, comment: 0, punctuation: 0 };
  for (const file of files) {
    let ruleStack = vsctm.INITIAL;
    const lines = fs.readFileSync(file, "utf8").split("\n");
    lines.forEach((line, index) => {
      const result = grammar.tokenizeLine(line, ruleStack);
      ruleStack = result.ruleStack;
      const scopeAt = (offset) => {
        const token = result.tokens.find((t) => t.startIndex <= offset && offset < t.endIndex);
        return token ? token.scopes.join(" ") : "";
      };
      const fail = (what, offset, expected) =>
        failures.push(`${file}:${index + 1}:${offset + 1}: ${what} has "${scopeAt(offset)}", expected ${expected}`);
      const expect = (what, start, scope, kind) => {
        if (scopeAt(start).includes(scope)) counts[kind] += 1;
        else fail(what, start, scope);
      };
      // A small lexer of the language's own: where the zone name and the
      // declared name of the line are, then strings, comments, words and
      // punctuation outside strings and comments.
      const zoneSpan = (() => {
        const declared = /^(\s*zone\s+)([a-z0-9-]+(?: [a-z0-9-]+)*)/.exec(line);
        if (declared) return [declared[1].length, declared[0].length];
        const asserted = /^(\s*assert\s+)([a-z0-9-]+(?: [a-z0-9-]+)*)\s*:/.exec(line);
        if (asserted) return [asserted[1].length, asserted[1].length + asserted[2].length];
        const rule = /^(\s*)([a-z0-9-]+(?: [a-z0-9-]+)*)\s*:/.exec(line);
        if (rule && !DECLARATIONS.includes(rule[2].split(" ")[0])) {
          return [rule[1].length, rule[1].length + rule[2].length];
        }
        return [-1, -1];
      })();
      const named = /^(\s*(?:party|dimension|mapping)\s+)([a-z0-9-]+)/.exec(line);
      const nameAt = named ? named[1].length : -1;
      let i = 0;
      let first = true;
      while (i < line.length) {
        const c = line[i];
        if (c === " " || c === "\t" || c === "\r") { i += 1; continue; }
        if (c === "#") { expect("comment", i, "comment.line.number-sign", "comment"); break; }
        if (c === '"') {
          const start = i;
          i += 1;
          while (i < line.length && line[i] !== '"') i += line[i] === "\\" ? 2 : 1;
          i += 1;
          expect("string", start, "string.quoted.double", "string");
          for (let j = start; j < Math.min(i, line.length); j += 1) {
            if (!scopeAt(j).includes("string.quoted.double")) { fail("string", j, "string.quoted.double"); break; }
          }
          first = false;
          continue;
        }
        if (":,[](){}".includes(c)) { expect(`\`${c}\``, i, "punctuation", "punctuation"); i += 1; first = false; continue; }
        const word = /^[A-Za-z0-9&._-]+/.exec(line.slice(i));
        if (!word) { fail(`\`${c}\``, i, "a scope"); i += 1; continue; }
        const text = word[0];
        if (zoneSpan[0] <= i && i < zoneSpan[1]) {
          expect(`zone word \`${text}\``, i, "entity.name.tag.zone", "zone");
        } else if (i === nameAt) {
          expect(`name \`${text}\``, i, "entity.name.type", "declaration");
        } else if (first && DECLARATIONS.includes(text)) {
          expect(`\`${text}\``, i, "keyword.other.declaration", "declaration");
        } else if (text === "for" && /^\s*(tests|resources)\s+for/.test(line)) {
          expect("`for`", i, "keyword.other.declaration", "declaration");
        } else if (KEYWORDS[text]) {
          expect(`\`${text}\``, i, KEYWORDS[text], "keyword");
        } else if (scopeAt(i).trim() === "source.onus") {
          fail(`\`${text}\``, i, "a name's scope");
        } else {
          counts.name += 1;
        }
        first = false;
        i += text.length;
      }
    });
    console.log(`ok ${file}`);
  }
  console.log(JSON.stringify(counts));
  if (failures.length > 0) {
    console.log(failures.slice(0, 50).join("\n"));
    console.log(`${failures.length} tokens without their scope`);
    process.exit(1);
  }
}

main().catch((error) => { console.error(error); process.exit(2); });
