import { graphql } from "./graphql";

// Mutations as a Relay screen runs them: one input, the changed objects back (so the store
// updates itself), userErrors shown next to the fields, and lists updated in place.

// Adds the new person to the person lists passed as `connections` (ConnectionHandler.getConnectionID).
export const CreatePerson = graphql`
  mutation PersonMutationsCreateMutation($input: PersonInput!, $connections: [ID!]!) {
    createPerson(input: $input) {
      personEdge @appendEdge(connections: $connections) {
        cursor
        node { id ...PersonCard_person }
      }
      duplicateWarnings { score reasons bId }
      userErrors { field message code }
    }
  }
`;

export const UpdatePerson = graphql`
  mutation PersonMutationsUpdateMutation($input: UpdatePersonInput!) {
    updatePerson(input: $input) {
      person { id version ...PersonCard_person ...PersonDetail_person }
      userErrors { field message code }
    }
  }
`;

// Removes the archived person from the lists that showed it.
export const ArchivePerson = graphql`
  mutation PersonMutationsArchiveMutation($input: ArchivePersonInput!, $connections: [ID!]!) {
    archivePerson(input: $input) {
      archivedPersonId @deleteEdge(connections: $connections)
      userErrors { field message code }
    }
  }
`;

// Both ends come back with their lists, so the person and the organization page update.
export const LinkPersonToOrganization = graphql`
  mutation PersonMutationsLinkMutation($input: RelationInput!) {
    linkPersonToOrganization(input: $input) {
      relation { id jobTitle buyingRole }
      person { id ...PersonDetail_person }
      organization { id ...OrganizationPage_organization }
      userErrors { field message code }
    }
  }
`;

export const UnlinkPersonFromOrganization = graphql`
  mutation PersonMutationsUnlinkMutation($input: UnlinkPersonFromOrganizationInput!) {
    unlinkPersonFromOrganization(input: $input) {
      unlinkedRelationId @deleteRecord
      person { id ...PersonDetail_person }
      organization { id ...OrganizationPage_organization }
      userErrors { field message code }
    }
  }
`;
