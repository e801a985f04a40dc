// Lints schema.graphql with @graphql-eslint (eslint.config.mjs: the schema-relay rules and
// strict-id-in-types) and compares the findings with lint/baseline.json, the findings still
// open in the schema as it stands. A finding not in the baseline fails (the schema got
// worse); a baseline entry no longer found fails too (it was fixed: take it out), so the
// baseline only shrinks. Findings are keyed by rule and type, not by line.
import { readFileSync, writeFileSync } from "node:fs";
import { ESLint } from "eslint";

const here = new URL("..", import.meta.url);
const eslint = new ESLint({ cwd: new URL(".", here).pathname });
const [result] = await eslint.lintFiles(["schema.graphql"]);
const lines = readFileSync(new URL("schema.graphql", here), "utf8").split("\n");

// The type a finding is in: the nearest `type`/`interface`/`input` line at or above it.
const typeAt = (line) => {
  for (let i = line - 1; i >= 0; i -= 1) {
    const m = /^(?:type|interface|input|enum|union)\s+(\w+)/.exec(lines[i]);
    if (m) return m[1];
  }
  return "?";
};
const found = [
  ...new Set(
    result.messages.map((m) => {
      if (!m.ruleId) throw new Error(`lint: ${m.message}`);
      return `${m.ruleId.replace("@graphql-eslint/", "")} ${typeAt(m.line)}`;
    }),
  ),
].sort();

const baselineUrl = new URL("lint/baseline.json", here);
if (process.argv.includes("--write-baseline")) {
  writeFileSync(baselineUrl, `${JSON.stringify(found, null, 2)}\n`);
  console.log(`lint: baseline written, ${found.length} open finding(s)`);
  process.exit(0);
}
const baseline = new Set(JSON.parse(readFileSync(baselineUrl, "utf8")));
const added = found.filter((f) => !baseline.has(f));
const fixed = [...baseline].filter((f) => !found.includes(f));
for (const f of added) console.error(`lint: new finding: ${f}`);
for (const f of fixed) console.error(`lint: fixed, take it out of lint/baseline.json: ${f}`);
if (added.length > 0 || fixed.length > 0) process.exit(1);
console.log(
  `lint: schema-relay + strict-id-in-types: ${found.length} open finding(s), all in lint/baseline.json`,
);
