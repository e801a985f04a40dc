// A minimal typed client, type-checked against the generated operation types (`make frontend`).
// It shows the contract: bearer token, X-Tenant-Id for tenant data, cursor paging and
// `extensions.code` on every error.
import type {
  LoginMutation,
  LoginMutationVariables,
  PersonsQuery,
  PersonsQueryVariables,
  TenantsQuery,
  TenantsQueryVariables,
} from "../generated/graphql";

/** The stable error codes (`extensions.code`); see GUIDE.md. */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "VALIDATION_FAILED"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "UNAVAILABLE"
  | "BAD_REQUEST"
  | (string & {});

export class KarteiError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; fields?: Record<string, string> } }[];
}

export class Kartei {
  private accessToken?: string;

  constructor(
    private readonly url: string,
    private tenantId?: string,
  ) {}

  async request<T, V>(query: string, variables: V): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    if (this.tenantId) headers["x-tenant-id"] = this.tenantId;
    const res = await fetch(`${this.url}/graphql`, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GraphQLResponse<T>;
    const first = body.errors?.[0];
    if (first) {
      throw new KarteiError(first.extensions?.code ?? "INTERNAL", first.message, first.extensions?.fields);
    }
    if (!body.data) throw new KarteiError("INTERNAL", "no data");
    return body.data;
  }

  async login(vars: LoginMutationVariables): Promise<LoginMutation["login"]["user"]> {
    const data = await this.request<LoginMutation, LoginMutationVariables>(
      `mutation Login($email: String!, $password: String!) {
        login(input: {email: $email, password: $password}) {
          accessToken refreshToken expiresIn user { id email displayName agencyRole }
        }
      }`,
      vars,
    );
    if (!data.login.accessToken) throw new KarteiError("UNAUTHENTICATED", "no token");
    this.accessToken = data.login.accessToken;
    return data.login.user;
  }

  async firstTenant(): Promise<string | undefined> {
    const data = await this.request<TenantsQuery, TenantsQueryVariables>(
      `query Tenants($first: Int) { tenants(first: $first) { edges { node { id name slug status } } pageInfo { hasNextPage endCursor } } }`,
      { first: 1 },
    );
    this.tenantId = data.tenants.edges[0]?.node.id;
    return this.tenantId;
  }

  /** Every person, page by page (keyset cursors: pass `endCursor` as `after`). */
  async *persons(
    pageSize = 50,
  ): AsyncGenerator<PersonsQuery["persons"]["edges"][number]["node"]> {
    let after: string | null | undefined = undefined;
    do {
      const data: PersonsQuery = await this.request<PersonsQuery, PersonsQueryVariables>(
        `query Persons($first: Int, $after: String) {
          persons(first: $first, after: $after, sort: NAME) {
            totalCount
            edges {
              cursor
              node {
                id displayName email phone city tags lifecycleStage version
                organizations { id isPrimary organization { id name } }
              }
            }
            pageInfo { hasNextPage endCursor }
          }
        }`,
        { first: pageSize, after },
      );
      for (const edge of data.persons.edges) yield edge.node;
      after = data.persons.pageInfo.hasNextPage ? data.persons.pageInfo.endCursor : undefined;
    } while (after);
  }
}
