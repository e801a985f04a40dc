// Lints schema.graphql with @graphql-eslint (eslint.config.mjs: the schema-relay rules and
// strict-id-in-types) and fails on any finding. The only exceptions are the value objects
// of lint/value-objects.mjs, each listed with its reason.
import { readFileSync } from "node:fs";
import { ESLint } from "eslint";
import { buildSchema } from "graphql";
import { valueEdges, valueObjects } from "./value-objects.mjs";

const here = new URL("..", import.meta.url);
const eslint = new ESLint({ cwd: new URL(".", here).pathname });
const [result] = await eslint.lintFiles(["schema.graphql"]);
const lines = readFileSync(new URL("schema.graphql", here), "utf8").split("\n");

// The type a finding is in: the nearest type definition at or above it.
const typeAt = (line) => {
  for (let i = line - 1; i >= 0; i -= 1) {
    const m = /^(?:type|interface|input|enum|union)\s+(\w+)/.exec(lines[i]);
    if (m) return m[1];
  }
  return "?";
};
const findings = result.messages.filter((m) => {
  if (!m.ruleId) throw new Error(`lint: ${m.message}`);
  const edgeOfValue =
    m.ruleId === "@graphql-eslint/relay-edge-types" &&
    m.message.includes("must implement `Node`") &&
    valueEdges.includes(typeAt(m.line));
  return !edgeOfValue;
});
// A listed value object that has an id (or no longer exists) is listed wrongly.
const schema = buildSchema(readFileSync(new URL("schema.graphql", here), "utf8"));
for (const name of Object.keys(valueObjects)) {
  const type = schema.getType(name);
  if (!type?.getFields || "id" in type.getFields()) {
    findings.push({ line: 0, message: `${name} is listed as a value object but is not one`, ruleId: "lint/value-objects.mjs" });
  } else if (name !== "PageInfo" && !/value object/i.test(type.description ?? "")) {
    findings.push({ line: 0, message: `${name}: the SDL does not say it is a value object`, ruleId: "lint/value-objects.mjs" });
  }
}
for (const m of findings) {
  console.error(`schema.graphql:${m.line} ${typeAt(m.line)}: ${m.message} (${m.ruleId})`);
}
if (findings.length > 0) {
  console.error(`lint: ${findings.length} finding(s)`);
  process.exit(1);
}
const rules = Object.keys(
  (await eslint.calculateConfigForFile("schema.graphql")).rules,
).map((r) => r.replace("@graphql-eslint/", ""));
console.log(`lint: schema.graphql has no finding of ${rules.join(", ")}`);
