/**
 * @generated SignedSource<<f5dc5f029a12fe1c7372b2e7f66344e6>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type BuyingRole = "COACH" | "ECONOMIC_BUYER" | "TECHNICAL_BUYER" | "USER_BUYER" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type OrganizationPage_organization$data = {
  readonly city: string | null | undefined;
  readonly id: string;
  readonly industry: string | null | undefined;
  readonly name: string;
  readonly people: ReadonlyArray<{
    readonly buyingRole: BuyingRole | null | undefined;
    readonly id: string;
    readonly isPrimary: boolean;
    readonly jobTitle: string | null | undefined;
    readonly person: {
      readonly " $fragmentSpreads": FragmentRefs<"PersonCard_person">;
    } | null | undefined;
  }>;
  readonly " $fragmentType": "OrganizationPage_organization";
};
export type OrganizationPage_organization$key = {
  readonly " $data"?: OrganizationPage_organization$data;
  readonly " $fragmentSpreads": FragmentRefs<"OrganizationPage_organization">;
};

import OrganizationPageRefetchQuery_graphql from './OrganizationPageRefetchQuery.graphql';

const node: ReaderFragment = (function(){
var v0 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
};
return {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": OrganizationPageRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "OrganizationPage_organization",
  "selections": [
    (v0/*:: as any*/),
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "name",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "industry",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "city",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Relation",
      "kind": "LinkedField",
      "name": "people",
      "plural": true,
      "selections": [
        (v0/*:: as any*/),
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "jobTitle",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "isPrimary",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "buyingRole",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "concreteType": "Person",
          "kind": "LinkedField",
          "name": "person",
          "plural": false,
          "selections": [
            {
              "args": null,
              "kind": "FragmentSpread",
              "name": "PersonCard_person"
            }
          ],
          "storageKey": null
        }
      ],
      "storageKey": null
    }
  ],
  "type": "Organization",
  "abstractKey": null
};
})();

(node as any).hash = "85e99f0a50071f886892b18adb5b0137";

export default node;
