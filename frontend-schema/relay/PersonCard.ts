import { graphql } from "./graphql";

// A person card that refreshes itself through `node(id:)`.
export const PersonCard = graphql`
  fragment PersonCard_person on Person
  @refetchable(queryName: "PersonCardRefetchQuery") {
    id
    displayName
    email
    city
    lifecycleStage
    owner { id displayName }
  }
`;
