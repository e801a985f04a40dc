import { graphql } from "./graphql";

// An organization with its buying center: who decides, who uses, who advises.
export const OrganizationPageQuery = graphql`
  query OrganizationPageQuery($id: ID!) {
    organization(id: $id) {
      ...OrganizationPage_organization
    }
  }
`;

export const OrganizationPage = graphql`
  fragment OrganizationPage_organization on Organization
  @refetchable(queryName: "OrganizationPageRefetchQuery") {
    id
    name
    industry
    city
    people {
      id
      jobTitle
      isPrimary
      buyingRole
      person { ...PersonCard_person }
    }
  }
`;
