// The GraphQL-over-HTTP audit of the `graphql-http` package (the spec's reference
// implementation) against a live server. Prints one JSON line per audit that did not pass and a
// summary; exits non-zero on any error or warning (MUST and SHOULD alike). Notices (MAY: GET
// requests, which this server does not execute) are listed but do not fail.
// Usage: node audit.mjs <graphql url>   (graphql-http from frontend-schema/node_modules)
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../frontend-schema/package.json"));
const { serverAudits } = require("graphql-http");

const [url] = process.argv.slice(2);
if (!url) {
  console.error("usage: audit.mjs <graphql url>");
  process.exit(2);
}
let ok = 0;
const problems = [];
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  if (result.status === "ok") {
    ok += 1;
  } else {
    problems.push({ id: audit.id, name: audit.name, status: result.status, reason: result.reason });
  }
}
for (const p of problems) console.log(JSON.stringify(p));
const count = (status) => problems.filter((p) => p.status === status).length;
const summary = { ok, warn: count("warn"), error: count("error"), notice: count("notice") };
console.log(JSON.stringify(summary));
process.exit(summary.warn === 0 && summary.error === 0 ? 0 : 1);
