/**
 * @generated SignedSource<<d8eb91aab6ba6a84edc433e38cf8b776>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
export type UserErrorCode = "CONFLICT" | "CONSENT_REQUIRED" | "NOT_FOUND" | "RESTRICTED" | "TOKEN_EXPIRED" | "TOKEN_INVALID" | "TOKEN_USED" | "VALIDATION_FAILED" | "%future added value";
export type ArchivePersonInput = {
  id: string;
  version: number;
};
export type PersonMutationsArchiveMutation$variables = {
  connections: ReadonlyArray<string>;
  input: ArchivePersonInput;
};
export type PersonMutationsArchiveMutation$data = {
  readonly archivePerson: {
    readonly archivedPersonId: string | null | undefined;
    readonly userErrors: ReadonlyArray<{
      readonly code: UserErrorCode;
      readonly field: ReadonlyArray<string> | null | undefined;
      readonly message: string;
    }>;
  };
};
export type PersonMutationsArchiveMutation = {
  response: PersonMutationsArchiveMutation$data;
  variables: PersonMutationsArchiveMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "connections"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "input"
},
v2 = [
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  }
],
v3 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "archivedPersonId",
  "storageKey": null
},
v4 = {
  "alias": null,
  "args": null,
  "concreteType": "UserError",
  "kind": "LinkedField",
  "name": "userErrors",
  "plural": true,
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "field",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "message",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "code",
      "storageKey": null
    }
  ],
  "storageKey": null
};
return {
  "fragment": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "PersonMutationsArchiveMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "ArchivePersonPayload",
        "kind": "LinkedField",
        "name": "archivePerson",
        "plural": false,
        "selections": [
          (v3/*:: as any*/),
          (v4/*:: as any*/)
        ],
        "storageKey": null
      }
    ],
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [
      (v1/*:: as any*/),
      (v0/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "PersonMutationsArchiveMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "ArchivePersonPayload",
        "kind": "LinkedField",
        "name": "archivePerson",
        "plural": false,
        "selections": [
          (v3/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "filters": null,
            "handle": "deleteEdge",
            "key": "",
            "kind": "ScalarHandle",
            "name": "archivedPersonId",
            "handleArgs": [
              {
                "kind": "Variable",
                "name": "connections",
                "variableName": "connections"
              }
            ]
          },
          (v4/*:: as any*/)
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "37431ea8ab1b75022744391b94441e0e",
    "id": null,
    "metadata": {},
    "name": "PersonMutationsArchiveMutation",
    "operationKind": "mutation",
    "text": "mutation PersonMutationsArchiveMutation(\n  $input: ArchivePersonInput!\n) {\n  archivePerson(input: $input) {\n    archivedPersonId\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "2ad5049fd5dffe8978ad096d91794cfe";

export default node;
