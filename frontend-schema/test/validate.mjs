// Validates every example operation, and the queries a client writes without thinking about
// the server, against schema.graphql with graphql-js and all of its specified rules (the
// same validation Relay, Apollo and urql tooling runs). Exits non-zero on any error.
import { readFileSync, readdirSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";

const here = new URL("..", import.meta.url);
const schema = buildSchema(readFileSync(new URL("schema.graphql", here), "utf8"));

const documents = readdirSync(new URL("operations/", here))
  .filter((f) => f.endsWith(".graphql"))
  .map((f) => [`operations/${f}`, readFileSync(new URL(`operations/${f}`, here), "utf8")]);

// Every kind of timeline entry with the same-named fields of its object, no aliases.
documents.push([
  "unaliased timeline",
  `query Timeline($id: ID!) {
    person(id: $id) {
      timeline(first: 20) {
        edges { cursor node { __typename at
          ... on InteractionEntry { interaction { id kind direction subject } }
          ... on TransactionEntry { transaction { id kind status number amountMinor } }
          ... on MessageEntry { message { id channel status subject } }
          ... on MergeEntry { merge { id mergedAt } }
        } }
        pageInfo { hasNextPage endCursor }
      }
    }
    organizationTimeline(id: $id, first: 5) {
      edges { node { at ... on InteractionEntry { interaction { kind } } ... on TransactionEntry { transaction { kind } } } }
    }
  }`,
]);

let failures = 0;
for (const [name, text] of documents) {
  const errors = validate(schema, parse(text));
  for (const e of errors) {
    failures += 1;
    console.error(`${name}: ${e.message}`);
  }
}
if (failures > 0) {
  console.error(`validate: ${failures} error(s)`);
  process.exit(1);
}
console.log(`validate: ${documents.length} documents valid under graphql-js's specified rules`);
