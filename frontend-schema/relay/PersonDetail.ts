import { graphql } from "./graphql";

// The person screen: where they work (with buying-center roles), consent per channel, and
// a timeline paged with usePaginationFragment on the person itself (a Node).
export const PersonDetailQuery = graphql`
  query PersonDetailQuery($id: ID!) {
    person(id: $id) {
      ...PersonDetail_person
      ...PersonTimeline_person
    }
  }
`;

export const PersonDetail = graphql`
  fragment PersonDetail_person on Person {
    id
    displayName
    salutation
    firstName
    lastName
    email
    phone
    version
    organizations {
      id
      jobTitle
      isPrimary
      buyingRole
      organization { id name industry }
    }
    consents {
      channel
      purpose
      kind
      since
      event { id source }
    }
  }
`;

export const PersonTimeline = graphql`
  fragment PersonTimeline_person on Person
  @refetchable(queryName: "PersonTimelinePaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
  ) {
    timeline(first: $count, after: $cursor)
    @connection(key: "PersonTimeline_timeline") {
      totalCount
      edges {
        node {
          __typename
          at
          ... on InteractionEntry { interaction { id kind direction subject summary } }
          ... on TransactionEntry { transaction { id kind status number amountMinor currency } }
          ... on MessageEntry { message { id campaignName channel status sentAt } }
          ... on MergeEntry { merge { id mergedAt } }
        }
      }
    }
  }
`;
