/**
 * @generated SignedSource<<40112df563cbabcf5269fdecb10b3e3c>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type LifecycleStage = "CUSTOMER" | "EX_CUSTOMER" | "LEAD" | "PROSPECT" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type PersonCard_person$data = {
  readonly city: string | null | undefined;
  readonly displayName: string;
  readonly email: string | null | undefined;
  readonly id: string;
  readonly lifecycleStage: LifecycleStage;
  readonly owner: {
    readonly displayName: string;
    readonly id: string;
  } | null | undefined;
  readonly " $fragmentType": "PersonCard_person";
};
export type PersonCard_person$key = {
  readonly " $data"?: PersonCard_person$data;
  readonly " $fragmentSpreads": FragmentRefs<"PersonCard_person">;
};

import PersonCardRefetchQuery_graphql from './PersonCardRefetchQuery.graphql';

const node: ReaderFragment = (function(){
var v0 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
},
v1 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "displayName",
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
      "operation": PersonCardRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "PersonCard_person",
  "selections": [
    (v0/*:: as any*/),
    (v1/*:: as any*/),
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "email",
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
      "kind": "ScalarField",
      "name": "lifecycleStage",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "User",
      "kind": "LinkedField",
      "name": "owner",
      "plural": false,
      "selections": [
        (v0/*:: as any*/),
        (v1/*:: as any*/)
      ],
      "storageKey": null
    }
  ],
  "type": "Person",
  "abstractKey": null
};
})();

(node as any).hash = "ddaecacad9a87143126d7a1d753c9de0";

export default node;
