import { graphql } from "./graphql";

// The person list: "1–50 of 2,000", paged forward with usePaginationFragment.
export const PersonListQuery = graphql`
  query PersonListQuery($filter: PersonFilter) {
    ...PersonList_query @arguments(filter: $filter)
  }
`;

export const PersonList = graphql`
  fragment PersonList_query on Query
  @refetchable(queryName: "PersonListPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 50 }
    cursor: { type: "String" }
    filter: { type: "PersonFilter" }
  ) {
    persons(first: $count, after: $cursor, filter: $filter)
    @connection(key: "PersonList_persons", filters: ["filter"]) {
      __id
      totalCount
      edges {
        node {
          id
          ...PersonCard_person
          organizations { id isPrimary organization { id name } }
        }
      }
    }
  }
`;
