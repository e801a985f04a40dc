import { graphql } from "./graphql";

// The search box: hits paged with @connection, each linking to its person or organization.
export const SearchBoxQuery = graphql`
  query SearchBoxQuery($query: String!) {
    ...SearchBox_query @arguments(query: $query)
  }
`;

export const SearchBox = graphql`
  fragment SearchBox_query on Query
  @refetchable(queryName: "SearchBoxPaginationQuery")
  @argumentDefinitions(
    query: { type: "String!" }
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
  ) {
    searchContacts(query: $query, first: $count, after: $cursor)
    @connection(key: "SearchBox_searchContacts", filters: ["query"]) {
      totalCount
      edges {
        node {
          kind
          name
          highlights { field html }
          person { id ...PersonCard_person }
          organization { id name }
        }
      }
    }
  }
`;
