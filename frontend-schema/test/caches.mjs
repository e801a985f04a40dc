// Runs every example operation through Apollo Client's InMemoryCache and urql's Graphcache,
// with no hand-written keyFields or keys: each operation's mocked response is written, all
// into one cache per client (so screens share their objects, as in an app), and every
// operation is read back afterwards. It fails on a cache warning ("Invalid key", "Cache
// data may be lost"), on a re-read that comes back null or different, and when a person
// list's second page drops its first (relay-style pagination, a field policy, not a key).
import { readFileSync, readdirSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { InMemoryCache, gql } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";
import { Client } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { filter, map, pipe } from "wonka";
import { relayPagination } from "@urql/exchange-graphcache/extras";
import { addMocksToSchema } from "@graphql-tools/mock";
import { makeExecutableSchema } from "@graphql-tools/schema";
import {
  Kind,
  buildSchema,
  execute,
  getIntrospectionQuery,
  graphqlSync,
  isAbstractType,
  isObjectType,
  parse,
} from "graphql";

const here = new URL("..", import.meta.url);
const sdl = readFileSync(new URL("schema.graphql", here), "utf8");
const schema = buildSchema(sdl);
const introspection = graphqlSync({ schema, source: getIntrospectionQuery() }).data;

// One object per type (id `<Type>:1`), so every screen that shows "the person" shows the
// same record and the caches must merge what the screens select of it.
const mocked = addMocksToSchema({
  schema: makeExecutableSchema({ typeDefs: sdl }),
  mocks: {
    ID: () => "1",
    DateTime: () => "2026-12-03T10:00:00Z",
    NaiveDate: () => "2026-12-03",
    JSON: () => ({}),
    UUID: () => "00000000-0000-7000-8000-000000000001",
    Int: () => 2,
    Float: () => 0.5,
    String: () => "Wert",
    Boolean: () => true,
  },
});
const idOf = (typename) => `${typename}:1`;
// Give every object with an id the id of its type (mocks give the same ID everywhere).
const withIds = (value) => {
  if (Array.isArray(value)) return value.map(withIds);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = withIds(v);
    if ("id" in out && out.__typename) out.id = idOf(out.__typename);
    return out;
  }
  return value;
};

// The possible types of every interface and union, from the schema (not hand-written).
const possibleTypes = {};
for (const type of Object.values(schema.getTypeMap())) {
  if (isAbstractType(type) && !type.name.startsWith("__")) {
    possibleTypes[type.name] = schema.getPossibleTypes(type).map((t) => t.name);
  }
}

// Operations: every named operation of operations/*.graphql, with __typename added (both
// clients add it themselves; the mocked response must carry it).
const addTypename = (doc) => {
  const visitSet = (set) => {
    if (!set) return set;
    const selections = set.selections.map((s) => ({ ...s, selectionSet: visitSet(s.selectionSet) }));
    const has = selections.some((s) => s.kind === Kind.FIELD && s.name.value === "__typename");
    if (!has) selections.push({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: "__typename" } });
    return { ...set, selections };
  };
  return {
    ...doc,
    definitions: doc.definitions.map((d) =>
      d.kind === Kind.OPERATION_DEFINITION
        ? { ...d, selectionSet: { ...d.selectionSet, selections: d.selectionSet.selections.map((s) => ({ ...s, selectionSet: visitSet(s.selectionSet) })) } }
        : d,
    ),
  };
};
const operations = [];
for (const file of readdirSync(new URL("operations/", here)).filter((f) => f.endsWith(".graphql"))) {
  const doc = parse(readFileSync(new URL(`operations/${file}`, here), "utf8"));
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION || def.operation !== "query") continue;
    operations.push({ name: `${file}:${def.name.value}`, document: addTypename({ kind: Kind.DOCUMENT, definitions: [def] }) });
  }
}

// Variables for the required arguments (a fixed id, a word), as a screen would pass them.
const variablesFor = (def) => {
  const vars = {};
  for (const v of def.variableDefinitions ?? []) {
    if (v.type.kind !== Kind.NON_NULL_TYPE) continue;
    const name = v.type.type.name?.value;
    const type = schema.getType(name);
    vars[v.variable.name.value] =
      name === "ID" ? "1" : name === "Int" ? 10 : type?.getValues ? type.getValues()[0].value : "Wert";
  }
  return vars;
};

const warnings = [];
for (const level of ["warn", "error"]) {
  const original = console[level];
  console[level] = (...args) => {
    warnings.push(args.map(String).join(" "));
    if (process.env.DEBUG) original(...args);
  };
}

const fieldPolicies = { persons: relayStylePagination(["filter", "sort", "descending"]) };
const apollo = new InMemoryCache({ possibleTypes, typePolicies: { Query: { fields: fieldPolicies } } });
// urql: a client with Graphcache and, in place of the network, the mocked server.
let respond = () => null;
const mockServer = () => (ops$) =>
  pipe(
    ops$,
    filter((op) => op.kind !== "teardown"),
    map((op) => ({ operation: op, data: respond(op), stale: false, hasNext: false })),
  );
// Graphcache keys every type by `id`; value objects (the types the schema gives no id, see
// lint/value-objects.mjs) are embedded in their parent, which Graphcache wants said with a
// null key. Derived from the schema, not written per type.
const embedded = Object.fromEntries(
  Object.values(schema.getTypeMap())
    .filter((t) => isObjectType(t) && !t.name.startsWith("__") && !("id" in t.getFields()))
    .filter((t) => !["Query", "Mutation", "Subscription"].includes(t.name))
    .map((t) => [t.name, () => null]),
);
const urql = new Client({
  url: "http://kartei.invalid/graphql",
  exchanges: [
    cacheExchange({
      schema: introspection,
      keys: embedded,
      resolvers: { Query: { persons: relayPagination() } },
    }),
    mockServer,
  ],
});
const fromServer = (op) =>
  urql.query(op.document, op.variables, { requestPolicy: "network-only" }).toPromise();
const fromCache = (op) => urql.readQuery(op.document, op.variables, { requestPolicy: "cache-only" });

let failures = 0;
const fail = (message) => {
  failures += 1;
  console.log(`caches: ${message}`);
};
const same = (a, b) => isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));

// Write every operation's response, then read every operation back.
const written = [];
for (const op of operations) {
  const def = op.document.definitions[0];
  const variables = variablesFor(def);
  const result = await execute({ schema: mocked, document: op.document, variableValues: variables });
  if (result.errors) {
    fail(`${op.name}: the mock cannot answer it: ${result.errors[0].message}`);
    continue;
  }
  const data = withIds(result.data);
  apollo.writeQuery({ query: op.document, variables, data });
  respond = () => data;
  const answered = await fromServer({ ...op, variables });
  if (answered.error) fail(`${op.name}: urql: ${answered.error.message}`);
  written.push({ ...op, variables, data, urqlData: answered.data });
}
for (const op of written) {
  const fromApollo = apollo.readQuery({ query: op.document, variables: op.variables });
  if (fromApollo === null) fail(`${op.name}: Apollo re-read null after the other screens were written`);
  else if (!same(fromApollo, op.data)) {
    fail(`${op.name}: Apollo re-read differs from what was written`);
    if (process.env.DEBUG) console.log(JSON.stringify(fromApollo), "\n", JSON.stringify(op.data));
  }
  const fromUrql = fromCache(op)?.data ?? null;
  if (fromUrql === null) fail(`${op.name}: Graphcache re-read null after the other screens were written`);
  else if (!same(fromUrql, op.urqlData)) fail(`${op.name}: Graphcache re-read differs from what was written`);
}

// Paging the person list: page 2 arrives, page 1 stays.
const list = gql`
  query PersonPage($after: String) {
    persons(first: 2, after: $after) {
      __typename
      edges { __typename cursor node { __typename id displayName } }
      pageInfo { __typename hasNextPage endCursor }
    }
  }
`;
const page = (n, after) => ({
  persons: {
    __typename: "PersonConnection",
    edges: [1, 2].map((i) => ({
      __typename: "PersonEdge",
      cursor: `c${n}${i}`,
      node: { __typename: "Person", id: `Person:${n}${i}`, displayName: `Person ${n}${i}` },
    })),
    pageInfo: { __typename: "PageInfo", hasNextPage: n === 1, endCursor: `c${n}2` },
  },
});
apollo.writeQuery({ query: list, variables: { after: null }, data: page(1) });
apollo.writeQuery({ query: list, variables: { after: "c12" }, data: page(2) });
const apolloPages = apollo.readQuery({ query: list, variables: { after: null } });
const apolloIds = apolloPages?.persons.edges.map((e) => e.node.id) ?? [];
if (!same(apolloIds, ["Person:11", "Person:12", "Person:21", "Person:22"])) {
  fail(`Apollo relayStylePagination kept ${JSON.stringify(apolloIds)} after page 2`);
}
respond = (op) => page(op.variables.after ? 2 : 1);
await fromServer({ document: list, variables: { after: null } });
await fromServer({ document: list, variables: { after: "c12" } });
const urqlPages = fromCache({ document: list, variables: { after: null } })?.data;
const urqlIds = urqlPages?.persons.edges.map((e) => e.node.id) ?? [];
if (!same(urqlIds, ["Person:11", "Person:12", "Person:21", "Person:22"])) {
  fail(`Graphcache relayPagination kept ${JSON.stringify(urqlIds)} after page 2`);
}

for (const w of warnings) fail(`warning: ${w.split("\n")[0]}`);
if (failures > 0) {
  console.log(`caches: ${failures} problem(s)`);
  process.exit(1);
}
console.log(
  `caches: ${written.length} example queries written to and re-read from Apollo's InMemoryCache and urql's Graphcache with no keys, no warnings; page 1 kept after page 2 in both`,
);
