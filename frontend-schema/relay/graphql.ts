// Stands in for `graphql` from react-relay: relay-compiler reads the tagged templates.
export const graphql = (strings: TemplateStringsArray): string => strings.join("");
