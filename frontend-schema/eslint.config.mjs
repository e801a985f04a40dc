// The SDL linted as Relay clients need it: @graphql-eslint's schema-relay rules (connections,
// edges, page info, paging arguments) and strict-id-in-types (every entity has `id: ID!`;
// value objects are listed in lint/value-objects.mjs, each with the reason it has no id).
import graphqlPlugin from "@graphql-eslint/eslint-plugin";
import { valueObjects, valueSuffixes } from "./lint/value-objects.mjs";

export default [
  {
    files: ["schema.graphql"],
    languageOptions: {
      parser: graphqlPlugin.parser,
      parserOptions: { graphQLConfig: { schema: "schema.graphql" } },
    },
    plugins: { "@graphql-eslint": graphqlPlugin },
    rules: {
      ...graphqlPlugin.configs["flat/schema-relay"].rules,
      // Lists of scalars and bounded value lists (`tags`, `consents`, a report's rows) are
      // plain lists, as in GitHub's and Shopify's schemas; entity lists are connections.
      "@graphql-eslint/relay-edge-types": ["error", { listTypeCanWrapOnlyEdgeType: false }],
      "@graphql-eslint/strict-id-in-types": [
        "error",
        {
          acceptedIdNames: ["id"],
          acceptedIdTypes: ["ID"],
          exceptions: { types: Object.keys(valueObjects), suffixes: valueSuffixes },
        },
      ],
    },
  },
];
