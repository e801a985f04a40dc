/**
 * @generated SignedSource<<06be5c147e84ce774dab6e1aaf2fe254>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type BuyingRole = "COACH" | "ECONOMIC_BUYER" | "TECHNICAL_BUYER" | "USER_BUYER" | "%future added value";
export type ConsentChannel = "EMAIL" | "LETTER" | "MESSENGER" | "PHONE" | "SMS" | "%future added value";
export type ConsentEventKind = "CONFIRMED" | "EXPIRED" | "GRANTED" | "OBJECTED" | "PENDING" | "PRESUMED" | "REVOKED" | "%future added value";
export type ConsentEventSource = "API" | "CALL" | "DOUBLE_OPT_IN" | "EMAIL" | "IMPORT" | "MERGE" | "PAPER" | "RETENTION" | "UNSUBSCRIBE_LINK" | "WEB_FORM" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type PersonDetail_person$data = {
  readonly consents: ReadonlyArray<{
    readonly channel: ConsentChannel;
    readonly event: {
      readonly id: string;
      readonly source: ConsentEventSource;
    };
    readonly kind: ConsentEventKind;
    readonly purpose: string | null | undefined;
    readonly since: any;
  }>;
  readonly displayName: string;
  readonly email: string | null | undefined;
  readonly firstName: string | null | undefined;
  readonly id: string;
  readonly lastName: string | null | undefined;
  readonly organizations: ReadonlyArray<{
    readonly buyingRole: BuyingRole | null | undefined;
    readonly id: string;
    readonly isPrimary: boolean;
    readonly jobTitle: string | null | undefined;
    readonly organization: {
      readonly id: string;
      readonly industry: string | null | undefined;
      readonly name: string;
    } | null | undefined;
  }>;
  readonly phone: string | null | undefined;
  readonly salutation: string | null | undefined;
  readonly version: number;
  readonly " $fragmentType": "PersonDetail_person";
};
export type PersonDetail_person$key = {
  readonly " $data"?: PersonDetail_person$data;
  readonly " $fragmentSpreads": FragmentRefs<"PersonDetail_person">;
};

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
  "metadata": null,
  "name": "PersonDetail_person",
  "selections": [
    (v0/*:: as any*/),
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "displayName",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "salutation",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "firstName",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "lastName",
      "storageKey": null
    },
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
      "name": "phone",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "version",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Relation",
      "kind": "LinkedField",
      "name": "organizations",
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
          "concreteType": "Organization",
          "kind": "LinkedField",
          "name": "organization",
          "plural": false,
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
            }
          ],
          "storageKey": null
        }
      ],
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "ConsentState",
      "kind": "LinkedField",
      "name": "consents",
      "plural": true,
      "selections": [
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "channel",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "purpose",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "kind",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "since",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "concreteType": "ConsentEvent",
          "kind": "LinkedField",
          "name": "event",
          "plural": false,
          "selections": [
            (v0/*:: as any*/),
            {
              "alias": null,
              "args": null,
              "kind": "ScalarField",
              "name": "source",
              "storageKey": null
            }
          ],
          "storageKey": null
        }
      ],
      "storageKey": null
    }
  ],
  "type": "Person",
  "abstractKey": null
};
})();

(node as any).hash = "d80bad7764dee049a89f046e3513ac45";

export default node;
