export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * Implement the DateTime<Utc> scalar
   *
   * The input/output is a string in RFC3339 format.
   */
  DateTime: { input: string; output: string; }
  /** A scalar that can represent any JSON value. */
  JSON: { input: unknown; output: unknown; }
  /**
   * ISO 8601 calendar date without timezone.
   * Format: %Y-%m-%d
   *
   * # Examples
   *
   * * `1994-11-13`
   * * `2000-02-24`
   */
  NaiveDate: { input: string; output: string; }
  /**
   * A UUID is a unique 128-bit number, stored as 16 octets. UUIDs are parsed as
   * Strings within GraphQL. UUIDs are used to assign unique identifiers to
   * entities without requiring a central allocating authority.
   *
   * # References
   *
   * * [Wikipedia: Universally Unique Identifier](http://en.wikipedia.org/wiki/Universally_unique_identifier)
   * * [RFC4122: A Universally Unique Identifier (UUID) URN Namespace](http://tools.ietf.org/html/rfc4122)
   */
  UUID: { input: string; output: string; }
};

export type AbcBasis =
  | 'MARGIN'
  | 'REVENUE';

/** An ABC class: A the few customers with most of the value, C the many with little. */
export type AbcClass =
  | 'A'
  | 'B'
  | 'C';

/** A value object (no id): one class's figures inside an AbcReport. */
export type AbcClassStats = {
  __typename?: 'AbcClassStats';
  class: AbcClass;
  customerShare: Scalars['Float']['output'];
  customers: Scalars['Int']['output'];
  /** Customers in this class because of the payment downgrade. */
  downgraded: Scalars['Int']['output'];
  /** Revenue (or margin) in minor units (cents). */
  valueMinor: Scalars['Int']['output'];
  valueShare: Scalars['Float']['output'];
};

/** A value object (no id): the result of one ABC run, computed. */
export type AbcReport = {
  __typename?: 'AbcReport';
  classes: Array<AbcClassStats>;
  computedAt: Scalars['DateTime']['output'];
  customers: Scalars['Int']['output'];
  /** The Pareto curve at every 5 % of customers, from (0, 0). */
  pareto: Array<ParetoPoint>;
  periodFrom: Scalars['NaiveDate']['output'];
  periodTo: Scalars['NaiveDate']['output'];
  runId: Scalars['ID']['output'];
  settings: AbcSettings;
  valueMinor: Scalars['Int']['output'];
};

/** One customer's ABC result with the reasons. */
export type AbcResult = Node & {
  __typename?: 'AbcResult';
  avgDaysLate?: Maybe<Scalars['Float']['output']>;
  class: AbcClass;
  cumulativeShare: Scalars['Float']['output'];
  /** The result's id: one per customer, for the latest run. */
  id: Scalars['ID']['output'];
  overdueInvoices: Scalars['Int']['output'];
  personId: Scalars['ID']['output'];
  rank: Scalars['Int']['output'];
  /** `VALUE_CLASS_A|B|C`, and `OVERDUE_INVOICES` / `LATE_PAYMENT` for a downgrade. */
  reasons: Array<Scalars['String']['output']>;
  share: Scalars['Float']['output'];
  /** The class by value alone, before the payment downgrade. */
  valueClass: AbcClass;
  valueMinor: Scalars['Int']['output'];
};

export type AbcResultConnection = {
  __typename?: 'AbcResultConnection';
  /** A list of edges. */
  edges: Array<AbcResultEdge>;
  /** A list of nodes. */
  nodes: Array<AbcResult>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type AbcResultEdge = {
  __typename?: 'AbcResultEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: AbcResult;
};

/** A value object (no id): the tenant's singleton ABC settings (Query.abcSettings). */
export type AbcSettings = {
  __typename?: 'AbcSettings';
  /** Percent of the total the A customers make up (default 80). */
  aShare: Scalars['Float']['output'];
  /** Percent after A that the B customers make up (default 15). */
  bShare: Scalars['Float']['output'];
  basis: AbcBasis;
  /** Customers with an overdue open invoice are moved to C. */
  downgradeOverdue: Scalars['Boolean']['output'];
  /** `invoice`, `order` or both. */
  kinds: Array<Scalars['String']['output']>;
  /** Average days late above which a customer is moved to C (null: off). */
  maxAvgDaysLate?: Maybe<Scalars['Int']['output']>;
  periodMonths: Scalars['Int']['output'];
};

/** A value object (no id): the tenant's singleton ABC settings (Query.abcSettings). */
export type AbcSettingsInput = {
  /** Percent of the total the A customers make up (default 80). */
  aShare: Scalars['Float']['input'];
  /** Percent after A that the B customers make up (default 15). */
  bShare: Scalars['Float']['input'];
  basis: AbcBasis;
  /** Customers with an overdue open invoice are moved to C. */
  downgradeOverdue: Scalars['Boolean']['input'];
  /** `invoice`, `order` or both. */
  kinds: Array<Scalars['String']['input']>;
  /** Average days late above which a customer is moved to C (null: off). */
  maxAvgDaysLate?: InputMaybe<Scalars['Int']['input']>;
  periodMonths: Scalars['Int']['input'];
};

/**
 * A value object (no id): who did something, as recorded — a user, an API key of the tenant,
 * or Kartei itself (a scheduled job, a public page); `user` links the user where there is one.
 */
export type Actor = {
  __typename?: 'Actor';
  kind: ActorKind;
  /** As recorded: `user:<id>`, `api_key:<id>`, `system:<job>`, `public:<page>`. */
  label: Scalars['String']['output'];
  /**
   * The user, for a user's action: name and email, shown to the tenant's members. Null
   * for the other kinds and for a user who is no longer a member of the tenant.
   */
  user?: Maybe<User>;
};

/** The kind of an [`Actor`]. */
export type ActorKind =
  /** An API key of the tenant. */
  | 'API_KEY'
  /** Someone on a public page: a subscribe form, an unsubscribe or confirmation link. */
  | 'PUBLIC'
  /** Kartei itself: a scheduled job, a send run, an import (`system:…` and the like). */
  | 'SYSTEM'
  /** A user of the agency. */
  | 'USER';

/** The input of `addSegmentMembers`. */
export type AddSegmentMembersInput = {
  id: Scalars['ID']['input'];
  personIds: Array<Scalars['ID']['input']>;
};

/** The result of `addSegmentMembers`. */
export type AddSegmentMembersPayload = {
  __typename?: 'AddSegmentMembersPayload';
  added?: Maybe<Scalars['Int']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `addSuppression`. */
export type AddSuppressionInput = {
  reason: SuppressionReason;
  value: Scalars['String']['input'];
};

/** The result of `addSuppression`. */
export type AddSuppressionPayload = {
  __typename?: 'AddSuppressionPayload';
  added?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type AddressFormInput =
  /** Informal: "Liebe Anna". */
  | 'DU'
  /** Formal: "Sehr geehrte Frau Müller". */
  | 'SIE';

export type Agency = {
  __typename?: 'Agency';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

export type AgencyRole =
  /** Reaches every tenant of the agency as owner; manages users and tenants. */
  | 'ADMIN'
  /** Reaches only tenants with a membership. */
  | 'MEMBER';

export type ApiKey = Node & {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The visible start of the key, to recognise it. */
  prefix: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  role: Role;
};

export type ApiKeyConnection = {
  __typename?: 'ApiKeyConnection';
  /** A list of edges. */
  edges: Array<ApiKeyEdge>;
  /** A list of nodes. */
  nodes: Array<ApiKey>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ApiKeyEdge = {
  __typename?: 'ApiKeyEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: ApiKey;
};

/** The interaction to archive. */
export type ArchiveInteractionInput = {
  id: Scalars['ID']['input'];
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The interaction as archived. */
export type ArchiveInteractionPayload = {
  __typename?: 'ArchiveInteractionPayload';
  /** The archived interaction's id, for `@deleteEdge` on timelines. */
  archivedInteractionId?: Maybe<Scalars['ID']['output']>;
  interaction?: Maybe<Interaction>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The organization to archive. */
export type ArchiveOrganizationInput = {
  id: Scalars['ID']['input'];
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The organization as archived. */
export type ArchiveOrganizationPayload = {
  __typename?: 'ArchiveOrganizationPayload';
  /** The archived organization's id, for `@deleteEdge`. */
  archivedOrganizationId?: Maybe<Scalars['ID']['output']>;
  organization?: Maybe<Organization>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The person to archive. */
export type ArchivePersonInput = {
  id: Scalars['ID']['input'];
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The person as archived. */
export type ArchivePersonPayload = {
  __typename?: 'ArchivePersonPayload';
  /** The archived person's id, for `@deleteEdge` on the lists that showed it. */
  archivedPersonId?: Maybe<Scalars['ID']['output']>;
  person?: Maybe<Person>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `archiveSegment`. */
export type ArchiveSegmentInput = {
  id: Scalars['ID']['input'];
  version: Scalars['Int']['input'];
};

/** The result of `archiveSegment`. */
export type ArchiveSegmentPayload = {
  __typename?: 'ArchiveSegmentPayload';
  segment?: Maybe<Segment>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The transaction to archive. */
export type ArchiveTransactionInput = {
  id: Scalars['ID']['input'];
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The transaction as archived. */
export type ArchiveTransactionPayload = {
  __typename?: 'ArchiveTransactionPayload';
  /** The archived transaction's id, for `@deleteEdge` on timelines. */
  archivedTransactionId?: Maybe<Scalars['ID']['output']>;
  transaction?: Maybe<Transaction>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** One entry of the tenant's audit log. */
export type AuditEntry = Node & {
  __typename?: 'AuditEntry';
  action: Scalars['String']['output'];
  actor: Actor;
  at: Scalars['DateTime']['output'];
  detail: Scalars['JSON']['output'];
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  subject?: Maybe<Scalars['String']['output']>;
};

export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  /** A list of edges. */
  edges: Array<AuditEntryEdge>;
  /** A list of nodes. */
  nodes: Array<AuditEntry>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type AuditEntryEdge = {
  __typename?: 'AuditEntryEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: AuditEntry;
};

export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** Send as `Authorization: Bearer <accessToken>`; short-lived. */
  accessToken?: Maybe<Scalars['String']['output']>;
  /** Seconds until the access token expires. */
  expiresIn?: Maybe<Scalars['Int']['output']>;
  /** Exchange once at `refresh` for a new pair; a second use revokes the session. */
  refreshToken?: Maybe<Scalars['String']['output']>;
  user?: Maybe<User>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type BantInput = {
  authority: Scalars['Int']['input'];
  budget: Scalars['Int']['input'];
  need: Scalars['Int']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
  personId: Scalars['ID']['input'];
  timing: Scalars['Int']['input'];
  /** The version of the current score; leave out for the first score. */
  version?: InputMaybe<Scalars['Int']['input']>;
};

/** A BANT qualification: each criterion 0..25, total 0..100. */
export type BantScore = {
  __typename?: 'BantScore';
  authority: Scalars['Int']['output'];
  budget: Scalars['Int']['output'];
  /** One per person. */
  id: Scalars['ID']['output'];
  need: Scalars['Int']['output'];
  note?: Maybe<Scalars['String']['output']>;
  personId: Scalars['ID']['output'];
  scoredAt: Scalars['DateTime']['output'];
  scoredBy: Actor;
  timing: Scalars['Int']['output'];
  total: Scalars['Int']['output'];
  version: Scalars['Int']['output'];
};

export type BulkAction = {
  kind: BulkActionKind;
  /** For FLAG_DO_NOT_REACTIVATE: a value of picklist `dnr_reason`. */
  reason?: InputMaybe<Scalars['String']['input']>;
  /** For TAG. */
  tag?: InputMaybe<Scalars['String']['input']>;
};

export type BulkActionKind =
  | 'ARCHIVE'
  | 'FLAG_DO_NOT_REACTIVATE'
  /** Marks for erasure (carried out by the compliance workflow) and archives. */
  | 'HAND_OVER_FOR_ERASURE'
  | 'TAG';

/** Which persons a bulk action applies to: give exactly one. */
export type BulkTarget = {
  ids?: InputMaybe<Array<Scalars['ID']['input']>>;
  /** Every stale person: no interaction for this many months and no open transaction. */
  staleMonths?: InputMaybe<Scalars['Int']['input']>;
};

/** The input of `bulkUpdatePersons`. */
export type BulkUpdatePersonsInput = {
  action: BulkAction;
  target: BulkTarget;
};

/** The result of `bulkUpdatePersons`. */
export type BulkUpdatePersonsPayload = {
  __typename?: 'BulkUpdatePersonsPayload';
  changed?: Maybe<Scalars['Int']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type BuyingRole =
  | 'COACH'
  | 'ECONOMIC_BUYER'
  | 'TECHNICAL_BUYER'
  | 'USER_BUYER';

export type Campaign = Node & {
  __typename?: 'Campaign';
  attributionDays: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  excludeContactedDays?: Maybe<Scalars['Int']['output']>;
  excludeDoNotReactivate: Scalars['Boolean']['output'];
  excludeSegmentIds: Array<Scalars['ID']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  goalDeadline?: Maybe<Scalars['NaiveDate']['output']>;
  goalKind: GoalKindInput;
  goalTarget: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  kind: CampaignKind;
  launchedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  occasion?: Maybe<Scalars['JSON']['output']>;
  /** The consent purpose every message is sent for. */
  purpose: Scalars['String']['output'];
  scheduledAt?: Maybe<Scalars['DateTime']['output']>;
  segmentId?: Maybe<Scalars['ID']['output']>;
  /** The segment snapshot frozen at launch. */
  snapshotId?: Maybe<Scalars['ID']['output']>;
  status: CampaignStatus;
  steps: Array<CampaignStep>;
  version: Scalars['Int']['output'];
};

/** A step's (and its template's) channel. */
export type CampaignChannel =
  | 'EMAIL'
  | 'LETTER'
  | 'PHONE'
  | 'SOCIAL';

export type CampaignConnection = {
  __typename?: 'CampaignConnection';
  /** A list of edges. */
  edges: Array<CampaignEdge>;
  /** A list of nodes. */
  nodes: Array<Campaign>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type CampaignEdge = {
  __typename?: 'CampaignEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Campaign;
};

export type CampaignInput = {
  attributionDays?: Scalars['Int']['input'];
  excludeContactedDays?: InputMaybe<Scalars['Int']['input']>;
  excludeDoNotReactivate?: Scalars['Boolean']['input'];
  excludeSegmentIds?: Array<Scalars['ID']['input']>;
  goalDeadline?: InputMaybe<Scalars['NaiveDate']['input']>;
  goalKind: GoalKindInput;
  goalTarget: Scalars['Int']['input'];
  kind: CampaignKind;
  name: Scalars['String']['input'];
  occasion?: InputMaybe<OccasionInput>;
  /** The consent purpose (e.g. "newsletter", "offers"). */
  purpose: Scalars['String']['input'];
  segmentId?: InputMaybe<Scalars['ID']['input']>;
  steps: Array<CampaignStepInput>;
};

export type CampaignKind =
  | 'CUSTOM'
  | 'NEWSLETTER'
  | 'OCCASION'
  | 'WINBACK';

/** A campaign message (email, letter) or manual touch (phone, social task) in the timeline. */
export type CampaignMessage = {
  __typename?: 'CampaignMessage';
  campaignId: Scalars['ID']['output'];
  campaignName: Scalars['String']['output'];
  channel: CampaignChannel;
  clickedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  openedAt?: Maybe<Scalars['DateTime']['output']>;
  sentAt: Scalars['DateTime']['output'];
  status: CampaignMessageStatus;
  subject?: Maybe<Scalars['String']['output']>;
};

/** A campaign message's state on the timeline. */
export type CampaignMessageStatus =
  /**
   * Handed to the mail server; its answer was not recorded (counts as sent; also a message
   * recovered as sent after a crash, an unconfirmed handover).
   */
  | 'HANDED'
  /** Accepted by the mail server. */
  | 'SENT'
  /** A phone or social task. */
  | 'TASK';

/**
 * Who a launched campaign can reach now (before the frequency cap, which depends on what
 * is sent until then).
 *
 * A value object (no id): computed: who a campaign would reach now.
 */
export type CampaignReach = {
  __typename?: 'CampaignReach';
  audience: Scalars['Int']['output'];
  excluded: Scalars['Int']['output'];
  round?: Maybe<Scalars['NaiveDate']['output']>;
  steps: Array<CampaignStepReach>;
};

/** A value object (no id): one row of a computed campaign report. */
export type CampaignReasonCount = {
  __typename?: 'CampaignReasonCount';
  count: Scalars['Int']['output'];
  reason: Scalars['String']['output'];
};

/** A value object (no id): a campaign's figures, computed. */
export type CampaignReport = {
  __typename?: 'CampaignReport';
  attainmentPercent: Scalars['Float']['output'];
  audience: Scalars['Int']['output'];
  converted: Scalars['Int']['output'];
  deadlinePassed: Scalars['Boolean']['output'];
  excluded: Array<CampaignReasonCount>;
  goalDeadline?: Maybe<Scalars['NaiveDate']['output']>;
  goalKind: GoalKindInput;
  goalReached: Scalars['Boolean']['output'];
  goalTarget: Scalars['Int']['output'];
  revenueMinor: Scalars['Int']['output'];
  skipped: Array<CampaignReasonCount>;
  steps: Array<CampaignStepReport>;
};

/** A value object (no id): the tenant's singleton campaign settings. */
export type CampaignSettingsInput = {
  addressForm: AddressFormInput;
  /** ... within this many days, across all campaigns. */
  capDays: Scalars['Int']['input'];
  /** At most this many marketing touches per contact ... */
  capTouches: Scalars['Int']['input'];
  /** Emails per second for the tenant. */
  throttlePerSecond: Scalars['Int']['input'];
  /**
   * Open and click tracking (§25 TDDDG). Off by default; when on, applied only to
   * recipients with a consent for the purpose `tracking` on record (collect it with a
   * subscribe form for that purpose). Reports count them as `measurable`.
   */
  tracking?: Scalars['Boolean']['input'];
};

/** A value object (no id): the tenant's singleton campaign settings. */
export type CampaignSettingsObject = {
  __typename?: 'CampaignSettingsObject';
  addressForm: AddressFormInput;
  /** ... within this many days, across all campaigns. */
  capDays: Scalars['Int']['output'];
  /** At most this many marketing touches per contact ... */
  capTouches: Scalars['Int']['output'];
  /** Emails per second for the tenant. */
  throttlePerSecond: Scalars['Int']['output'];
  /**
   * Open and click tracking (§25 TDDDG). Off by default; when on, applied only to
   * recipients with a consent for the purpose `tracking` on record (collect it with a
   * subscribe form for that purpose). Reports count them as `measurable`.
   */
  tracking: Scalars['Boolean']['output'];
};

export type CampaignStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'DRAFT'
  | 'PAUSED'
  | 'RUNNING'
  | 'SCHEDULED';

export type CampaignStep = {
  __typename?: 'CampaignStep';
  assignee?: Maybe<Scalars['String']['output']>;
  channel: CampaignChannel;
  delayDays: Scalars['Int']['output'];
  dueDays: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  position: Scalars['Int']['output'];
  /** The step's template. */
  template?: Maybe<Template>;
  templateId: Scalars['ID']['output'];
  variantPercent: Scalars['Int']['output'];
  /** The B variant's template, for an A/B split. */
  variantTemplate?: Maybe<Template>;
  variantTemplateId?: Maybe<Scalars['ID']['output']>;
};

export type CampaignStepInput = {
  /** Phone and social steps: who does them. */
  assignee?: InputMaybe<Scalars['String']['input']>;
  channel: CampaignChannel;
  delayDays?: Scalars['Int']['input'];
  dueDays?: Scalars['Int']['input'];
  templateId: Scalars['ID']['input'];
  variantPercent?: Scalars['Int']['input'];
  /** A/B test: the variant template and the share (1-100 %) that gets it. */
  variantTemplateId?: InputMaybe<Scalars['ID']['input']>;
};

/**
 * One step's reach: the policy of its channel applied to the audience at once.
 *
 * A value object (no id): one step's row of a computed reach.
 */
export type CampaignStepReach = {
  __typename?: 'CampaignStepReach';
  /** Of those, how many the channel policy allows now. */
  allowed: Scalars['Int']['output'];
  channel: CampaignChannel;
  /** Recipients not excluded at launch. */
  eligible: Scalars['Int']['output'];
  position: Scalars['Int']['output'];
  /** Every decision by its reason (the allowing ones by their legal reason). */
  reasons: Array<CampaignReasonCount>;
};

/** A value object (no id): one step's row of a computed report. */
export type CampaignStepReport = {
  __typename?: 'CampaignStepReport';
  bounced: Scalars['Int']['output'];
  channel: CampaignChannel;
  clicked: Scalars['Int']['output'];
  complained: Scalars['Int']['output'];
  converted: Scalars['Int']['output'];
  delivered: Scalars['Int']['output'];
  failed: Scalars['Int']['output'];
  /**
   * Emails sent with open and click tracking: tracking is off unless the tenant turns it
   * on, and then only for recipients with a tracking consent (§25 TDDDG). Open and click
   * rates are rates of this number, not of `sent`.
   */
  measurable: Scalars['Int']['output'];
  opened: Scalars['Int']['output'];
  position: Scalars['Int']['output'];
  replied: Scalars['Int']['output'];
  sent: Scalars['Int']['output'];
  skipped: Scalars['Int']['output'];
  tasks: Scalars['Int']['output'];
  unsubscribed: Scalars['Int']['output'];
  variant: Scalars['String']['output'];
};

export type CampaignTask = {
  __typename?: 'CampaignTask';
  assignee: Scalars['String']['output'];
  campaignId: Scalars['ID']['output'];
  campaignName: Scalars['String']['output'];
  channel: CampaignChannel;
  doneAt?: Maybe<Scalars['DateTime']['output']>;
  dueOn: Scalars['NaiveDate']['output'];
  id: Scalars['ID']['output'];
  note?: Maybe<Scalars['String']['output']>;
  outcome?: Maybe<Scalars['String']['output']>;
  personId: Scalars['ID']['output'];
  /** The rendered call or message script. */
  script?: Maybe<Scalars['String']['output']>;
};

/** A value object (no id): the result of one status change (the campaign inside has its id). */
export type CampaignTransition = {
  __typename?: 'CampaignTransition';
  /** At launch: contacts frozen into the audience, and how many of them are excluded. */
  audience?: Maybe<Scalars['Int']['output']>;
  campaign: Campaign;
  excluded?: Maybe<Scalars['Int']['output']>;
};

/** The input of `cancelImport`. */
export type CancelImportInput = {
  id: Scalars['ID']['input'];
};

/** The result of `cancelImport`. */
export type CancelImportPayload = {
  __typename?: 'CancelImportPayload';
  import?: Maybe<Import>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): one finding of a consent-chain check. */
export type ChainBreak = {
  __typename?: 'ChainBreak';
  eventId?: Maybe<Scalars['ID']['output']>;
  /** `content_changed`, `chain_broken`, `sequence_gap` or `head_mismatch`. */
  problem: Scalars['String']['output'];
  seq: Scalars['Int']['output'];
};

/** The input of `changePassword`. */
export type ChangePasswordInput = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};

/** The result of `changePassword`. */
export type ChangePasswordPayload = {
  __typename?: 'ChangePasswordPayload';
  /** How many other sessions were ended. */
  endedSessions?: Maybe<Scalars['Int']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `closeDataSubjectRequest`. */
export type CloseDataSubjectRequestInput = {
  id: Scalars['ID']['input'];
  rejected?: Scalars['Boolean']['input'];
};

/** The result of `closeDataSubjectRequest`. */
export type CloseDataSubjectRequestPayload = {
  __typename?: 'CloseDataSubjectRequestPayload';
  dataSubjectRequest?: Maybe<DataSubjectRequest>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `completeCampaignTask`. */
export type CompleteCampaignTaskInput = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
  outcome: Scalars['String']['input'];
};

/** The result of `completeCampaignTask`. */
export type CompleteCampaignTaskPayload = {
  __typename?: 'CompleteCampaignTaskPayload';
  task?: Maybe<CampaignTask>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): the tenant's singleton compliance policy. */
export type CompliancePolicy = {
  __typename?: 'CompliancePolicy';
  /** Validity of double opt-in confirmation links (1-720 hours, default 72). */
  doubleOptInLinkHours: Scalars['Int']['output'];
  /** Email to existing customers under UWG §7(3) where its conditions are recorded. */
  existingCustomerException: Scalars['Boolean']['output'];
  /** Businesses may be called on a recorded presumed consent (default false). */
  presumedBusinessPhone: Scalars['Boolean']['output'];
  /** Email consent counts only once confirmed by double opt-in (default true). */
  requireDoubleOptIn: Scalars['Boolean']['output'];
};

/** A value object (no id): the tenant's singleton compliance policy. */
export type CompliancePolicyInput = {
  /** Validity of double opt-in confirmation links (1-720 hours, default 72). */
  doubleOptInLinkHours: Scalars['Int']['input'];
  /** Email to existing customers under UWG §7(3) where its conditions are recorded. */
  existingCustomerException: Scalars['Boolean']['input'];
  /** Businesses may be called on a recorded presumed consent (default false). */
  presumedBusinessPhone: Scalars['Boolean']['input'];
  /** Email consent counts only once confirmed by double opt-in (default true). */
  requireDoubleOptIn: Scalars['Boolean']['input'];
};

/** The input of `confirmSignUp`. */
export type ConfirmSignUpInput = {
  /** The token of the link in the confirmation mail. */
  token: Scalars['String']['input'];
};

/** A value object (no id): the result of a consent-chain check, computed. */
export type ConsentChainReport = {
  __typename?: 'ConsentChainReport';
  breaks: Array<ChainBreak>;
  events: Scalars['Int']['output'];
  /** Anchor this outside the database to detect a rewrite of the whole chain. */
  headHash: Scalars['String']['output'];
  headSeq: Scalars['Int']['output'];
  intact: Scalars['Boolean']['output'];
  redacted: Scalars['Int']['output'];
};

export type ConsentChannel =
  | 'EMAIL'
  | 'LETTER'
  | 'MESSENGER'
  | 'PHONE'
  | 'SMS';

export type ConsentEvent = {
  __typename?: 'ConsentEvent';
  actor: Actor;
  at: Scalars['DateTime']['output'];
  /** Set on events carried over from a merged record: the original event. */
  carriedFrom?: Maybe<Scalars['ID']['output']>;
  /** sha256(prevHash || digest of this event's content). */
  chainHash: Scalars['String']['output'];
  channel: ConsentChannel;
  id: Scalars['ID']['output'];
  ip?: Maybe<Scalars['String']['output']>;
  kind: ConsentEventKind;
  note?: Maybe<Scalars['String']['output']>;
  personId?: Maybe<Scalars['ID']['output']>;
  /** The chain hash of the tenant's event before this one: the link this event carries. */
  prevHash: Scalars['String']['output'];
  purpose?: Maybe<Scalars['String']['output']>;
  recordedAt: Scalars['DateTime']['output'];
  /** Position in the tenant's hash chain. */
  seq: Scalars['Int']['output'];
  source: ConsentEventSource;
  sourceRef?: Maybe<Scalars['String']['output']>;
  textHash?: Maybe<Scalars['String']['output']>;
  userAgent?: Maybe<Scalars['String']['output']>;
};

export type ConsentEventInput = {
  /** When it happened (default: now); never in the future. */
  at?: InputMaybe<Scalars['DateTime']['input']>;
  channel: ConsentChannel;
  kind: RecordableConsentKind;
  note?: InputMaybe<Scalars['String']['input']>;
  personId: Scalars['ID']['input'];
  /** Required except for REVOKED, OBJECTED and EXPIRED, where null means every purpose. */
  purpose?: InputMaybe<Scalars['String']['input']>;
  source: ConsentSource;
  /** The proof's reference: form URL, call note id, archive number of the paper form. */
  sourceRef?: InputMaybe<Scalars['String']['input']>;
  /** The consent text version the person agreed to (required for GRANTED). */
  textHash?: InputMaybe<Scalars['String']['input']>;
};

/** What happened to a consent (every kind the ledger knows). */
export type ConsentEventKind =
  /** Confirmed by double opt-in. */
  | 'CONFIRMED'
  | 'EXPIRED'
  /** Express consent given. */
  | 'GRANTED'
  /** Objection to direct marketing (GDPR Art. 21(2)). */
  | 'OBJECTED'
  /** Asked for, not yet confirmed (double opt-in mail sent). */
  | 'PENDING'
  /** Presumed consent of a business to be called (UWG §7(2) Nr. 1). */
  | 'PRESUMED'
  | 'REVOKED';

/** Where the proof of a consent event comes from (every source the ledger knows). */
export type ConsentEventSource =
  | 'API'
  | 'CALL'
  | 'DOUBLE_OPT_IN'
  | 'EMAIL'
  | 'IMPORT'
  | 'MERGE'
  | 'PAPER'
  | 'RETENTION'
  | 'UNSUBSCRIBE_LINK'
  | 'WEB_FORM';

/** What a consent is for (a newsletter, product news, ...). */
export type ConsentPurpose = {
  __typename?: 'ConsentPurpose';
  description?: Maybe<Scalars['String']['output']>;
  /** The purpose advertises the tenant's own similar products (UWG §7(3) may cover it). */
  existingCustomerOk: Scalars['Boolean']['output'];
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  key: Scalars['String']['output'];
  label: Scalars['String']['output'];
};

export type ConsentPurposeInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  /** The purpose advertises the tenant's own similar products (UWG §7(3) may cover it). */
  existingCustomerOk: Scalars['Boolean']['input'];
  key: Scalars['String']['input'];
  label: Scalars['String']['input'];
};

/** Where the proof of a staff-recorded event comes from. */
export type ConsentSource =
  | 'API'
  | 'CALL'
  | 'EMAIL'
  | 'PAPER'
  | 'WEB_FORM';

/**
 * A person's consent on one channel for one purpose now: the latest ledger event there.
 * Keyed by the person, the channel and the purpose, so a cache keeps one state per pair
 * and updates it when a newer event arrives; `event` is the ledger entry behind it.
 */
export type ConsentState = {
  __typename?: 'ConsentState';
  channel: ConsentChannel;
  event: ConsentEvent;
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  /**
   * The latest event's kind: GRANTED or CONFIRMED mean consent; see `mayContact` for the
   * full decision (suppression, the address it was given for, the tenant's policy).
   */
  kind: ConsentEventKind;
  /** The purpose, or none for a channel-wide event (an objection, say). */
  purpose?: Maybe<Scalars['String']['output']>;
  since: Scalars['DateTime']['output'];
};

export type ConsentText = {
  __typename?: 'ConsentText';
  body: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  createdBy: Actor;
  /** SHA-256 of the body: the version's address. */
  hash: Scalars['String']['output'];
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  language: Scalars['String']['output'];
  title: Scalars['String']['output'];
};

/** A value object (no id): computed: may this person be contacted now. */
export type ContactDecision = {
  __typename?: 'ContactDecision';
  allowed: Scalars['Boolean']['output'];
  /** The legal basis when allowed, e.g. `GDPR_ART_6_1_A_CONSENT`, `UWG_7_3_EXISTING_CUSTOMER`. */
  legalBasis?: Maybe<Scalars['String']['output']>;
  /** A stable code, e.g. `DOUBLE_OPT_IN_CONFIRMED`, `REVOKED`, `SUPPRESSED`, `NO_CONSENT`. */
  reason: Scalars['String']['output'];
};

export type ContactEntity =
  | 'ORGANIZATION'
  | 'PERSON';

export type ContactKind =
  | 'ORGANIZATION'
  | 'PERSON';

/** The input of `createApiKey`. */
export type CreateApiKeyInput = {
  name: Scalars['String']['input'];
  role: Role;
};

/** The result of `createApiKey`. */
export type CreateApiKeyPayload = {
  __typename?: 'CreateApiKeyPayload';
  /** The new key and, this once, its secret. */
  created?: Maybe<CreatedApiKey>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `createCampaign`. */
export type CreateCampaignPayload = {
  __typename?: 'CreateCampaignPayload';
  campaign?: Maybe<Campaign>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `createDataSubjectRequest`. */
export type CreateDataSubjectRequestInput = {
  kind: DataSubjectRequestKind;
  note?: InputMaybe<Scalars['String']['input']>;
  personId: Scalars['ID']['input'];
  receivedAt?: InputMaybe<Scalars['DateTime']['input']>;
};

/** The result of `createDataSubjectRequest`. */
export type CreateDataSubjectRequestPayload = {
  __typename?: 'CreateDataSubjectRequestPayload';
  dataSubjectRequest?: Maybe<DataSubjectRequest>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The interaction as recorded. */
export type CreateInteractionPayload = {
  __typename?: 'CreateInteractionPayload';
  interaction?: Maybe<Interaction>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The organization as created. */
export type CreateOrganizationPayload = {
  __typename?: 'CreateOrganizationPayload';
  organization?: Maybe<Organization>;
  /** The new organization as an edge of `organizations` (by name), for `@appendEdge`. */
  organizationEdge?: Maybe<OrganizationEdge>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The person as created, with what to look at before moving on. */
export type CreatePersonPayload = {
  __typename?: 'CreatePersonPayload';
  /**
   * Compliance warnings, e.g. `SUPPRESSED_EMAIL`: the address is on the suppression list,
   * the person will never be contacted there.
   */
  complianceWarnings: Array<Scalars['String']['output']>;
  /** Existing persons this one looks like; the person is created anyway. */
  duplicateWarnings: Array<DuplicateCandidate>;
  person?: Maybe<Person>;
  /**
   * The new person as an edge of `persons` in its default order (by name), for
   * `@appendEdge`/`@prependEdge`.
   */
  personEdge?: Maybe<PersonEdge>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `createPicklist`. */
export type CreatePicklistInput = {
  key: Scalars['String']['input'];
  label: Scalars['String']['input'];
};

/** The result of `createPicklist`. */
export type CreatePicklistPayload = {
  __typename?: 'CreatePicklistPayload';
  picklist?: Maybe<Picklist>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `createSegment`. */
export type CreateSegmentPayload = {
  __typename?: 'CreateSegmentPayload';
  segment?: Maybe<Segment>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `createSubscribeForm`. */
export type CreateSubscribeFormInput = {
  pageUrl?: InputMaybe<Scalars['String']['input']>;
  purpose: Scalars['String']['input'];
  textHash: Scalars['String']['input'];
  validDays?: Scalars['Int']['input'];
};

/** The result of `createSubscribeForm`. */
export type CreateSubscribeFormPayload = {
  __typename?: 'CreateSubscribeFormPayload';
  subscribeForm?: Maybe<SubscribeForm>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `createTargetGroup`. */
export type CreateTargetGroupPayload = {
  __typename?: 'CreateTargetGroupPayload';
  targetGroup?: Maybe<TargetGroup>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `createTemplate`. */
export type CreateTemplatePayload = {
  __typename?: 'CreateTemplatePayload';
  template?: Maybe<Template>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type CreateTenantInput = {
  name: Scalars['String']['input'];
  /** Lower-case letters, digits and '-'; derived from the name when omitted. */
  slug?: InputMaybe<Scalars['String']['input']>;
};

/** The result of `createTenant`. */
export type CreateTenantPayload = {
  __typename?: 'CreateTenantPayload';
  tenant?: Maybe<Tenant>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The transaction as recorded. */
export type CreateTransactionPayload = {
  __typename?: 'CreateTransactionPayload';
  transaction?: Maybe<Transaction>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type CreateUserInput = {
  agencyAdmin?: Scalars['Boolean']['input'];
  displayName: Scalars['String']['input'];
  email: Scalars['String']['input'];
  /** At least 12 characters; not a common password. */
  password: Scalars['String']['input'];
};

/** The result of `createUser`. */
export type CreateUserPayload = {
  __typename?: 'CreateUserPayload';
  user?: Maybe<User>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): the one-time reveal of a new key's secret (the key has its id). */
export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  apiKey: ApiKey;
  /** The full key. Shown this once; store it in a secret manager. */
  secret: Scalars['String']['output'];
};

export type CustomField = {
  __typename?: 'CustomField';
  entity: ContactEntity;
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  key: Scalars['String']['output'];
  kind: CustomFieldKind;
  label: Scalars['String']['output'];
  picklistKey?: Maybe<Scalars['String']['output']>;
  required: Scalars['Boolean']['output'];
};

export type CustomFieldInput = {
  entity: ContactEntity;
  key: Scalars['String']['input'];
  kind: CustomFieldKind;
  label: Scalars['String']['input'];
  picklistKey?: InputMaybe<Scalars['String']['input']>;
  required?: Scalars['Boolean']['input'];
};

export type CustomFieldKind =
  | 'BOOLEAN'
  | 'DATE'
  | 'NUMBER'
  | 'PICKLIST'
  | 'TEXT';

/** A value object (no id): computed data-quality figures. */
export type DataQualityReport = {
  __typename?: 'DataQualityReport';
  archived: Scalars['Int']['output'];
  doNotReactivate: Scalars['Int']['output'];
  duplicatePairs: Scalars['Int']['output'];
  /** Shares of active persons, 0-1. */
  emailShare: Scalars['Float']['output'];
  organizations: Scalars['Int']['output'];
  persons: Scalars['Int']['output'];
  personsInDuplicatePairs: Scalars['Int']['output'];
  phoneShare: Scalars['Float']['output'];
  stale: Scalars['Int']['output'];
  staleMonths: Scalars['Int']['output'];
  withAddress: Scalars['Int']['output'];
  withEmail: Scalars['Int']['output'];
  withPhone: Scalars['Int']['output'];
};

export type DataSubjectRequest = {
  __typename?: 'DataSubjectRequest';
  completedAt?: Maybe<Scalars['DateTime']['output']>;
  completedBy?: Maybe<Actor>;
  createdBy: Actor;
  /** One month after receipt (Art. 12(3) GDPR), three when extended. */
  dueAt: Scalars['DateTime']['output'];
  /** For access and portability requests: the archive to send (GET, same headers). */
  exportPath?: Maybe<Scalars['String']['output']>;
  extendedReason?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  kind: DataSubjectRequestKind;
  note?: Maybe<Scalars['String']['output']>;
  overdue: Scalars['Boolean']['output'];
  /** Null once the person was erased. */
  personId?: Maybe<Scalars['ID']['output']>;
  receivedAt: Scalars['DateTime']['output'];
  status: DataSubjectRequestStatus;
};

export type DataSubjectRequestKind =
  | 'ACCESS'
  | 'ERASURE'
  | 'OBJECTION'
  | 'PORTABILITY'
  | 'RECTIFICATION'
  | 'RESTRICTION';

/** Where a data-subject request stands. */
export type DataSubjectRequestStatus =
  | 'COMPLETED'
  | 'OPEN'
  | 'REJECTED';

/** The result of `defineCustomField`. */
export type DefineCustomFieldPayload = {
  __typename?: 'DefineCustomFieldPayload';
  customField?: Maybe<CustomField>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `deleteProcessingActivity`. */
export type DeleteProcessingActivityInput = {
  id: Scalars['ID']['input'];
};

/** The result of `deleteProcessingActivity`. */
export type DeleteProcessingActivityPayload = {
  __typename?: 'DeleteProcessingActivityPayload';
  deleted?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `deleteSetting`. */
export type DeleteSettingInput = {
  key: Scalars['String']['input'];
};

/** The result of `deleteSetting`. */
export type DeleteSettingPayload = {
  __typename?: 'DeleteSettingPayload';
  deleted?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `deleteSnippet`. */
export type DeleteSnippetInput = {
  key: Scalars['String']['input'];
};

/** The result of `deleteSnippet`. */
export type DeleteSnippetPayload = {
  __typename?: 'DeleteSnippetPayload';
  deleted?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `deleteTargetGroup`. */
export type DeleteTargetGroupInput = {
  id: Scalars['ID']['input'];
  version: Scalars['Int']['input'];
};

/** The result of `deleteTargetGroup`. */
export type DeleteTargetGroupPayload = {
  __typename?: 'DeleteTargetGroupPayload';
  deleted?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `deleteTenant`. */
export type DeleteTenantInput = {
  confirmSlug: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};

/** The result of `deleteTenant`. */
export type DeleteTenantPayload = {
  __typename?: 'DeleteTenantPayload';
  deleted?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type DeliveryEventKind =
  | 'COMPLAINT'
  | 'HARD_BOUNCE'
  | 'SOFT_BOUNCE';

/** A value object (no id): the result of recording one delivery event. */
export type DeliveryEventResult = {
  __typename?: 'DeliveryEventResult';
  personId: Scalars['ID']['output'];
  suppressed: Scalars['Boolean']['output'];
};

export type Direction =
  | 'INBOUND'
  | 'INTERNAL'
  | 'OUTBOUND';

/** The input of `dismissDuplicate`. */
export type DismissDuplicateInput = {
  a: Scalars['ID']['input'];
  b: Scalars['ID']['input'];
};

/** The result of `dismissDuplicate`. */
export type DismissDuplicatePayload = {
  __typename?: 'DismissDuplicatePayload';
  dismissed?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): computed live: a likely duplicate and its score. */
export type DuplicateCandidate = {
  __typename?: 'DuplicateCandidate';
  aId: Scalars['ID']['output'];
  bId: Scalars['ID']['output'];
  reasons: Array<Scalars['String']['output']>;
  /** 0-1. */
  score: Scalars['Float']['output'];
};

/** A stored pair from the last scan, with both records. */
export type DuplicatePair = Node & {
  __typename?: 'DuplicatePair';
  foundAt: Scalars['DateTime']['output'];
  /** Opaque; keyed by the two persons. */
  id: Scalars['ID']['output'];
  persons: Array<Person>;
  reasons: Array<Scalars['String']['output']>;
  score: Scalars['Float']['output'];
};

export type DuplicatePairConnection = {
  __typename?: 'DuplicatePairConnection';
  /** A list of edges. */
  edges: Array<DuplicatePairEdge>;
  /** A list of nodes. */
  nodes: Array<DuplicatePair>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type DuplicatePairEdge = {
  __typename?: 'DuplicatePairEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: DuplicatePair;
};

/** A value object (no id): the result of one duplicate scan. */
export type DuplicateScan = {
  __typename?: 'DuplicateScan';
  pairs: Scalars['Int']['output'];
  personsScanned: Scalars['Int']['output'];
};

/** The input of `erasePerson`. */
export type ErasePersonInput = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
  requestId?: InputMaybe<Scalars['ID']['input']>;
};

/** The result of `erasePerson`. */
export type ErasePersonPayload = {
  __typename?: 'ErasePersonPayload';
  erasure?: Maybe<ErasureSummary>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `eraseRequestedPersons`. */
export type EraseRequestedPersonsInput = {
  limit?: Scalars['Int']['input'];
};

/** The result of `eraseRequestedPersons`. */
export type EraseRequestedPersonsPayload = {
  __typename?: 'EraseRequestedPersonsPayload';
  erasures?: Maybe<Array<ErasureSummary>>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type ErasureRecord = {
  __typename?: 'ErasureRecord';
  actor: Actor;
  erasedAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  reason: Scalars['String']['output'];
  removed: Scalars['JSON']['output'];
  requestId?: Maybe<Scalars['ID']['output']>;
};

/** A value object (no id): the result of one erasure. */
export type ErasureSummary = {
  __typename?: 'ErasureSummary';
  erasureId: Scalars['ID']['output'];
  /** What a legal duty keeps, as legal holds (Art. 17(3)(b) GDPR): kind, basis, until when. */
  kept: Array<KeptRecords>;
  /** What was removed, by table; no personal data. */
  removed: Scalars['JSON']['output'];
};

export type ExistingCustomerInput = {
  /** When the customer was told they may object at any time. */
  noticeGivenAt: Scalars['DateTime']['input'];
  noticeTextHash?: InputMaybe<Scalars['String']['input']>;
  /** When the email address was obtained in the sale. */
  obtainedAt: Scalars['DateTime']['input'];
  personId: Scalars['ID']['input'];
  /** Purposes for the tenant's own similar products. */
  purposes: Array<Scalars['String']['input']>;
  /** The order or invoice number of that sale. */
  saleReference: Scalars['String']['input'];
};

export type ExistingCustomerRecord = {
  __typename?: 'ExistingCustomerRecord';
  id: Scalars['ID']['output'];
  noticeGivenAt: Scalars['DateTime']['output'];
  noticeTextHash?: Maybe<Scalars['String']['output']>;
  obtainedAt: Scalars['DateTime']['output'];
  personId: Scalars['ID']['output'];
  purposes: Array<Scalars['String']['output']>;
  recordedAt: Scalars['DateTime']['output'];
  recordedBy: Actor;
  saleReference: Scalars['String']['output'];
};

/** The input of `extendDataSubjectRequest`. */
export type ExtendDataSubjectRequestInput = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};

/** The result of `extendDataSubjectRequest`. */
export type ExtendDataSubjectRequestPayload = {
  __typename?: 'ExtendDataSubjectRequestPayload';
  dataSubjectRequest?: Maybe<DataSubjectRequest>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): one facet of a search answer. */
export type FacetCount = {
  __typename?: 'FacetCount';
  facet: SearchFacet;
  /** Most frequent first (at most 20). */
  values: Array<FacetValue>;
};

/** A value object (no id): one value of a search facet. */
export type FacetValue = {
  __typename?: 'FacetValue';
  count: Scalars['Int']['output'];
  value: Scalars['String']['output'];
};

export type FieldChoiceInput = {
  /** A person field (`email`, `phone`, `custom.<key>`, …). */
  field: Scalars['String']['input'];
  /** The record whose value wins. */
  fromId: Scalars['ID']['input'];
};

/** What counts as a campaign's success. */
export type GoalKindInput =
  | 'CLICK'
  | 'MEETING'
  | 'PURCHASE'
  | 'REFERRAL'
  /** A customer who had bought before buys again within the attribution window. */
  | 'REPEAT_PURCHASE'
  | 'REPLY'
  /**
   * A contact spends more within the attribution window after the send than in the same
   * number of days before it.
   */
  | 'SPEND_INCREASE';

export type Import = Node & {
  __typename?: 'Import';
  createdAt: Scalars['DateTime']['output'];
  delimiter?: Maybe<Scalars['String']['output']>;
  dryRun: Scalars['Boolean']['output'];
  /** New persons that look like someone already in the tenant. */
  duplicateWarnings: Scalars['Int']['output'];
  encoding?: Maybe<Scalars['String']['output']>;
  error?: Maybe<Scalars['String']['output']>;
  /** Path of the downloadable error report (CSV), relative to the API's base URL. */
  errorReportPath: Scalars['String']['output'];
  /** Per-row errors and warnings, by line. */
  errors: ImportRowErrorConnection;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** `csv` or `xlsx`. */
  format: ImportFormat;
  id: Scalars['ID']['output'];
  /** Target field per column; null = column skipped. */
  mapping: Array<Maybe<Scalars['String']['output']>>;
  matchKeys: Array<Scalars['String']['output']>;
  /** Dry runs: the first rows as they would be stored. */
  preview: Scalars['JSON']['output'];
  rowsCreated: Scalars['Int']['output'];
  rowsDone: Scalars['Int']['output'];
  rowsFailed: Scalars['Int']['output'];
  rowsTotal?: Maybe<Scalars['Int']['output']>;
  rowsUnchanged: Scalars['Int']['output'];
  rowsUpdated: Scalars['Int']['output'];
  /**
   * Rows written with a warning (a field left empty because its value was invalid; a
   * suppressed address: imported, never contacted, no consent recorded); listed in
   * `errors` with severity `warning`.
   */
  rowsWarned: Scalars['Int']['output'];
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: ImportStatus;
  /**
   * Rows with an invalid field are refused whole (otherwise the field is left empty and
   * the row imported with a warning).
   */
  strict: Scalars['Boolean']['output'];
  /** The uploaded file this import reads. */
  upload?: Maybe<Upload>;
  uploadId: Scalars['ID']['output'];
};


export type ImportErrorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type ImportConnection = {
  __typename?: 'ImportConnection';
  /** A list of edges. */
  edges: Array<ImportEdge>;
  /** A list of nodes. */
  nodes: Array<Import>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

export type ImportConsentInput = {
  /** `email`, `phone`, `sms`, `letter` or `messenger`. */
  channel: Scalars['String']['input'];
  /** When the consents were collected (default: now). */
  collectedAt?: InputMaybe<Scalars['DateTime']['input']>;
  note?: InputMaybe<Scalars['String']['input']>;
  purpose: Scalars['String']['input'];
  /** The consent text the people agreed to (`storeConsentText`). */
  textHash: Scalars['String']['input'];
};

/** An edge in a connection. */
export type ImportEdge = {
  __typename?: 'ImportEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Import;
};

/** The file format of an upload or import. */
export type ImportFormat =
  | 'CSV'
  | 'XLSX';

/** A value object (no id): a custom field an import creates for a column. */
export type ImportNewField = {
  __typename?: 'ImportNewField';
  /** 1 to 40 characters of a-z, 0-9 and '_', starting with a letter. */
  key: Scalars['String']['output'];
  kind: CustomFieldKind;
  label: Scalars['String']['output'];
};

/** A value object (no id): a custom field an import creates for a column. */
export type ImportNewFieldInput = {
  /** 1 to 40 characters of a-z, 0-9 and '_', starting with a letter. */
  key: Scalars['String']['input'];
  kind: CustomFieldKind;
  label: Scalars['String']['input'];
};

/** A value object (no id): computed from an upload before it is imported. */
export type ImportPreview = {
  __typename?: 'ImportPreview';
  delimiter?: Maybe<Scalars['String']['output']>;
  encoding?: Maybe<Scalars['String']['output']>;
  format: ImportFormat;
  headers: Array<Scalars['String']['output']>;
  rows: Array<ImportPreviewRow>;
  /**
   * A suggested target field per column (German and English headers understood, the
   * exports of Outlook, Excel lists and common CRMs).
   */
  suggestedMapping: Array<Maybe<Scalars['String']['output']>>;
  /**
   * Per column nothing above takes: a custom field the import can create for it (pass it
   * in `startImport`'s `newFields` and map the column to `custom.<key>`), typed by the
   * column's values; null for mapped columns.
   */
  suggestedNewFields: Array<Maybe<ImportNewField>>;
};

/** A value object (no id): one row of an import preview. */
export type ImportPreviewRow = {
  __typename?: 'ImportPreviewRow';
  cells: Array<Scalars['String']['output']>;
  line: Scalars['Int']['output'];
};

/** A value object (no id): one line of an import's error report, read through its import. */
export type ImportRowError = {
  __typename?: 'ImportRowError';
  /** The file's column header (or `(row)`). */
  column: Scalars['String']['output'];
  line: Scalars['Int']['output'];
  reason: Scalars['String']['output'];
  /**
   * `error`: the row was not written; `warning`: written, with a caveat (a value left out
   * because it was invalid, a suppressed address that gets no consent).
   */
  severity: RowSeverity;
  /** The file's value the line is about (up to 200 characters), if the column had one. */
  value?: Maybe<Scalars['String']['output']>;
};

export type ImportRowErrorConnection = {
  __typename?: 'ImportRowErrorConnection';
  /** A list of edges. */
  edges: Array<ImportRowErrorEdge>;
  /** A list of nodes. */
  nodes: Array<ImportRowError>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ImportRowErrorEdge = {
  __typename?: 'ImportRowErrorEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: ImportRowError;
};

export type ImportStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING';

/**
 * A value object (no id): the tenant's imprint (Impressum, §5 DDG). Every marketing email
 * closes with it and the objection notice; letters carry it as sender line and page foot; a
 * campaign that mails or writes letters cannot launch without it.
 */
export type Imprint = {
  __typename?: 'Imprint';
  city: Scalars['String']['output'];
  /** The full name with its legal form ("Muster Marketing GmbH"). */
  company: Scalars['String']['output'];
  /** ISO 3166-1 alpha-2. */
  country: Scalars['String']['output'];
  /** An address for quick electronic contact. */
  email: Scalars['String']['output'];
  phone?: Maybe<Scalars['String']['output']>;
  postalCode: Scalars['String']['output'];
  /** Register court and number, where registered ("Amtsgericht Köln, HRB 12345"). */
  register?: Maybe<Scalars['String']['output']>;
  /** Who represents the company ("Geschäftsführerin: Anna Muster"). */
  representedBy: Scalars['String']['output'];
  street: Scalars['String']['output'];
  /** VAT identification number, where there is one. */
  vatId?: Maybe<Scalars['String']['output']>;
};

/**
 * A value object (no id): the tenant's imprint (Impressum, §5 DDG). Every marketing email
 * closes with it and the objection notice; letters carry it as sender line and page foot; a
 * campaign that mails or writes letters cannot launch without it.
 */
export type ImprintInput = {
  city: Scalars['String']['input'];
  /** The full name with its legal form ("Muster Marketing GmbH"). */
  company: Scalars['String']['input'];
  /** ISO 3166-1 alpha-2. */
  country?: Scalars['String']['input'];
  /** An address for quick electronic contact. */
  email: Scalars['String']['input'];
  phone?: InputMaybe<Scalars['String']['input']>;
  postalCode: Scalars['String']['input'];
  /** Register court and number, where registered ("Amtsgericht Köln, HRB 12345"). */
  register?: InputMaybe<Scalars['String']['input']>;
  /** Who represents the company ("Geschäftsführerin: Anna Muster"). */
  representedBy: Scalars['String']['input'];
  street: Scalars['String']['input'];
  /** VAT identification number, where there is one. */
  vatId?: InputMaybe<Scalars['String']['input']>;
};

export type Interaction = Node & {
  __typename?: 'Interaction';
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  /** `user:<id>` or `api_key:<id>`. */
  author: Actor;
  createdAt: Scalars['DateTime']['output'];
  direction: Direction;
  id: Scalars['ID']['output'];
  kind: InteractionKind;
  occurredAt: Scalars['DateTime']['output'];
  organizationId?: Maybe<Scalars['ID']['output']>;
  personId?: Maybe<Scalars['ID']['output']>;
  subject?: Maybe<Scalars['String']['output']>;
  summary?: Maybe<Scalars['String']['output']>;
  version: Scalars['Int']['output'];
};

/**
 * A timeline entry: an interaction.
 *
 * A value object (no id): a timeline entry: the interaction inside has its id.
 */
export type InteractionEntry = TimelineEntry & {
  __typename?: 'InteractionEntry';
  /** When it happened; the timeline is ordered by it, newest first. */
  at: Scalars['DateTime']['output'];
  interaction: Interaction;
};

export type InteractionInput = {
  direction: Direction;
  kind: InteractionKind;
  /** Defaults to now. */
  occurredAt?: InputMaybe<Scalars['DateTime']['input']>;
  organizationId?: InputMaybe<Scalars['ID']['input']>;
  personId?: InputMaybe<Scalars['ID']['input']>;
  subject?: InputMaybe<Scalars['String']['input']>;
  summary?: InputMaybe<Scalars['String']['input']>;
};

export type InteractionKind =
  | 'CALL'
  | 'EMAIL'
  | 'GIFT'
  | 'LETTER'
  | 'MEETING'
  | 'NOTE'
  | 'OFFER'
  | 'SOCIAL';

export type InteractionPatch = {
  direction?: InputMaybe<Direction>;
  kind?: InputMaybe<InteractionKind>;
  occurredAt?: InputMaybe<Scalars['DateTime']['input']>;
  subject?: InputMaybe<Scalars['String']['input']>;
  summary?: InputMaybe<Scalars['String']['input']>;
};

/** A value object (no id): records of one kind an erasure kept as legal holds. */
export type KeptRecords = {
  __typename?: 'KeptRecords';
  /** The law that requires keeping them. */
  basis: Scalars['String']['output'];
  count: Scalars['Int']['output'];
  /** The last day the longest-kept of them is kept. */
  heldUntil: Scalars['NaiveDate']['output'];
  kind: LegalHoldKind;
};

/**
 * A record kept after an erasure because a legal duty requires it. Only this view shows it,
 * to tenant admins, and every read is audited.
 */
export type LegalHold = {
  __typename?: 'LegalHold';
  basis: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** The date its period counts from (for consent proof: the last use of the consent). */
  documentDate: Scalars['NaiveDate']['output'];
  /** The erasure that created it. */
  erasureId: Scalars['ID']['output'];
  /** The last day it is kept; the retention run deletes it the day after. */
  heldUntil: Scalars['NaiveDate']['output'];
  id: Scalars['ID']['output'];
  kind: LegalHoldKind;
  /** For consent proof: every held event still hashes to the digest the consent chain holds. */
  proofVerified?: Maybe<Scalars['Boolean']['output']>;
  /** The minimized record. */
  record: Scalars['JSON']['output'];
};

/** What a legal hold keeps. */
export type LegalHoldKind =
  /** A letter or offer sent or received (a business letter, §257 HGB). */
  | 'BUSINESS_LETTER'
  /** An invoice (an accounting voucher, §147 AO, §257 HGB). */
  | 'INVOICE'
  /** An order (a business letter). */
  | 'ORDER'
  /** The proof of a phone consent (§7a UWG): its events and the calls made on it. */
  | 'PHONE_CONSENT_PROOF';

/** A value object (no id): a generated export. */
export type LetterExport = {
  __typename?: 'LetterExport';
  /**
   * Addresses and letter texts, for mail merge, as German Excel and Word open it: a
   * byte-order mark first, `;` between fields, CRLF line ends. Save it byte for byte.
   */
  csv: Scalars['String']['output'];
  /** One printable document, a page per letter. */
  html: Scalars['String']['output'];
  letters: Scalars['Int']['output'];
};

/** What a lifecycle run changed. */
export type LifecycleChange =
  | 'BECAME_CUSTOMER'
  | 'BECAME_DORMANT'
  | 'BECAME_EX_CUSTOMER'
  | 'WOKE_UP';

export type LifecycleEvent = {
  __typename?: 'LifecycleEvent';
  at: Scalars['DateTime']['output'];
  change: LifecycleChange;
  /** When the rule was met (e.g. last purchase + N months). */
  effective: Scalars['NaiveDate']['output'];
  fromStage?: Maybe<LifecycleStage>;
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  toStage?: Maybe<LifecycleStage>;
};

/** A value object (no id): the result of one lifecycle run. */
export type LifecycleRun = {
  __typename?: 'LifecycleRun';
  becameCustomer: Scalars['Int']['output'];
  becameDormant: Scalars['Int']['output'];
  becameExCustomer: Scalars['Int']['output'];
  wokeUp: Scalars['Int']['output'];
};

/** A value object (no id): the tenant's singleton lifecycle settings. */
export type LifecycleSettings = {
  __typename?: 'LifecycleSettings';
  dormantAfterMonths: Scalars['Int']['output'];
  enabled: Scalars['Boolean']['output'];
  exCustomerAfterMonths: Scalars['Int']['output'];
};

/** A value object (no id): the tenant's singleton lifecycle settings. */
export type LifecycleSettingsInput = {
  dormantAfterMonths: Scalars['Int']['input'];
  enabled: Scalars['Boolean']['input'];
  exCustomerAfterMonths: Scalars['Int']['input'];
};

export type LifecycleStage =
  | 'CUSTOMER'
  | 'EX_CUSTOMER'
  | 'LEAD'
  | 'PROSPECT';

/** The input of `liftRestriction`. */
export type LiftRestrictionInput = {
  personId: Scalars['ID']['input'];
  /** Why it ends (Art. 18(3): tell the person before); kept in the audit log. */
  reason: Scalars['String']['input'];
};

/** The result of `liftRestriction`. */
export type LiftRestrictionPayload = {
  __typename?: 'LiftRestrictionPayload';
  person?: Maybe<Person>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The link, and both ends, whose lists changed. */
export type LinkPersonToOrganizationPayload = {
  __typename?: 'LinkPersonToOrganizationPayload';
  /** The organization, with `people` as they are now. */
  organization?: Maybe<Organization>;
  /** The person, with `organizations` as they are now. */
  person?: Maybe<Person>;
  relation?: Maybe<Relation>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `login`. */
export type LoginInput = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

/** The result of `logoutEverywhere`. */
export type LogoutEverywherePayload = {
  __typename?: 'LogoutEverywherePayload';
  /** How many sessions were ended. */
  endedSessions?: Maybe<Scalars['Int']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `logout`. */
export type LogoutPayload = {
  __typename?: 'LogoutPayload';
  /** True: the session is over. */
  loggedOut?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): one header of a rendered mail. */
export type MailHeader = {
  __typename?: 'MailHeader';
  name: Scalars['String']['output'];
  value: Scalars['String']['output'];
};

/** A user's membership of the tenant, with their role. */
export type Member = Node & {
  __typename?: 'Member';
  createdAt: Scalars['DateTime']['output'];
  displayName: Scalars['String']['output'];
  email: Scalars['String']['output'];
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  role: Role;
  userId: Scalars['ID']['output'];
};

export type MemberConnection = {
  __typename?: 'MemberConnection';
  /** A list of edges. */
  edges: Array<MemberEdge>;
  /** A list of nodes. */
  nodes: Array<Member>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type MemberEdge = {
  __typename?: 'MemberEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Member;
};

export type MembershipChange =
  | 'ENTERED'
  | 'LEFT';

export type MembershipEvent = Node & {
  __typename?: 'MembershipEvent';
  actor: Actor;
  at: Scalars['DateTime']['output'];
  event: MembershipChange;
  id: Scalars['ID']['output'];
  personId: Scalars['ID']['output'];
  segmentId: Scalars['ID']['output'];
};

export type MembershipEventConnection = {
  __typename?: 'MembershipEventConnection';
  /** A list of edges. */
  edges: Array<MembershipEventEdge>;
  /** A list of nodes. */
  nodes: Array<MembershipEvent>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type MembershipEventEdge = {
  __typename?: 'MembershipEventEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: MembershipEvent;
};

/**
 * A timeline entry: a duplicate merged into this record.
 *
 * A value object (no id): a timeline entry: the merge inside has its id.
 */
export type MergeEntry = TimelineEntry & {
  __typename?: 'MergeEntry';
  /** When it happened; the timeline is ordered by it, newest first. */
  at: Scalars['DateTime']['output'];
  merge: MergeEvent;
};

/** A merge, as it appears on the winner's timeline. */
export type MergeEvent = {
  __typename?: 'MergeEvent';
  actor: Actor;
  /** Field → id of the record whose value won. */
  fieldChoices: Scalars['JSON']['output'];
  id: Scalars['ID']['output'];
  loserIds: Array<Scalars['ID']['output']>;
  mergedAt: Scalars['DateTime']['output'];
  /** Counts of what moved over. */
  moved: Scalars['JSON']['output'];
};

export type MergePersonsInput = {
  choices?: Array<FieldChoiceInput>;
  /** Compute the result and what would move, change nothing. */
  dryRun?: Scalars['Boolean']['input'];
  loserIds: Array<Scalars['ID']['input']>;
  winnerId: Scalars['ID']['input'];
};

/** The result of `mergePersons`. */
export type MergePersonsPayload = {
  __typename?: 'MergePersonsPayload';
  merge?: Maybe<MergeResult>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): the result of one merge (the persons inside have their ids). */
export type MergeResult = {
  __typename?: 'MergeResult';
  addedTags: Scalars['Int']['output'];
  dryRun: Scalars['Boolean']['output'];
  /** Null in a dry run. */
  mergeId?: Maybe<Scalars['ID']['output']>;
  movedInteractions: Scalars['Int']['output'];
  movedRelations: Scalars['Int']['output'];
  movedTransactions: Scalars['Int']['output'];
  /** The winner's values after the merge. */
  result: Scalars['JSON']['output'];
  /** The winner after the merge (in a dry run: as it is now). */
  winner: Person;
};

/**
 * A timeline entry: a campaign message or manual touch.
 *
 * A value object (no id): a timeline entry: the campaign message inside has its id.
 */
export type MessageEntry = TimelineEntry & {
  __typename?: 'MessageEntry';
  /** When it happened; the timeline is ordered by it, newest first. */
  at: Scalars['DateTime']['output'];
  message: CampaignMessage;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Adds persons to a static list; returns how many were new. */
  addSegmentMembers: AddSegmentMembersPayload;
  /**
   * Puts an email address or phone number on the suppression list (tenant admins); only
   * its keyed hash is stored.
   */
  addSuppression: AddSuppressionPayload;
  archiveInteraction: ArchiveInteractionPayload;
  archiveOrganization: ArchiveOrganizationPayload;
  /** Archives a person: out of lists, segments and campaigns; history kept. */
  archivePerson: ArchivePersonPayload;
  /** Archives a segment that no other segment or target group uses. */
  archiveSegment: ArchiveSegmentPayload;
  archiveTransaction: ArchiveTransactionPayload;
  /** Applies one action to many persons (e.g. every stale one); returns how many changed. */
  bulkUpdatePersons: BulkUpdatePersonsPayload;
  /** Stops an import after its current batch; committed rows stay. */
  cancelImport: CancelImportPayload;
  /** Changes the password and ends every other session. */
  changePassword: ChangePasswordPayload;
  /** Closes a request as completed (or rejected). */
  closeDataSubjectRequest: CloseDataSubjectRequestPayload;
  completeCampaignTask: CompleteCampaignTaskPayload;
  /**
   * Uses the token of a sign-up mail: creates the agency and its admin and logs them in.
   * An unknown, used or expired token is `TOKEN_INVALID`.
   */
  confirmSignUp: AuthPayload;
  /** Creates an API key for the current tenant; the secret is returned only here. */
  createApiKey: CreateApiKeyPayload;
  createCampaign: CreateCampaignPayload;
  /** Registers a data-subject request; its deadline is one month from receipt. */
  createDataSubjectRequest: CreateDataSubjectRequestPayload;
  /** Records a touch; the contact's `lastInteractionAt` follows. */
  createInteraction: CreateInteractionPayload;
  createOrganization: CreateOrganizationPayload;
  /** Creates a person; likely duplicates come back as warnings. */
  createPerson: CreatePersonPayload;
  /** A tenant-defined picklist (tenant admins). */
  createPicklist: CreatePicklistPayload;
  /** Creates a dynamic segment (with a rule) or a static list (without). */
  createSegment: CreateSegmentPayload;
  /** A signed token for a website's double opt-in subscribe form (tenant admins). */
  createSubscribeForm: CreateSubscribeFormPayload;
  createTargetGroup: CreateTargetGroupPayload;
  createTemplate: CreateTemplatePayload;
  /** Creates a client company with its own schema (agency admins). The caller becomes owner. */
  createTenant: CreateTenantPayload;
  /** Records an order or invoice; the contact's `lastPurchaseAt` follows. */
  createTransaction: CreateTransactionPayload;
  /** Adds a user to the caller's agency (agency admins only). */
  createUser: CreateUserPayload;
  /** Defines a typed custom field (tenant admins). */
  defineCustomField: DefineCustomFieldPayload;
  deleteProcessingActivity: DeleteProcessingActivityPayload;
  deleteSetting: DeleteSettingPayload;
  deleteSnippet: DeleteSnippetPayload;
  deleteTargetGroup: DeleteTargetGroupPayload;
  /** Deletes a tenant and all its data, irreversibly. `confirmSlug` must equal its slug. */
  deleteTenant: DeleteTenantPayload;
  /** Marks two persons as not duplicates; rescans keep them apart. */
  dismissDuplicate: DismissDuplicatePayload;
  /**
   * Erases a person across every table, the search index (via the outbox) and caches;
   * leaves the suppression hashes and an erasure record (tenant admins).
   */
  erasePerson: ErasePersonPayload;
  /** Carries out pending hand-overs for erasure (staleness review, retention policies). */
  eraseRequestedPersons: EraseRequestedPersonsPayload;
  /** Extends a request's deadline by two months (once, with the reason; Art. 12(3)). */
  extendDataSubjectRequest: ExtendDataSubjectRequestPayload;
  /** Lifts a person's restriction of processing, with the reason. */
  liftRestriction: LiftRestrictionPayload;
  /**
   * Links a person to an organization (or changes the link); the payload carries both
   * ends, whose `organizations` and `people` changed.
   */
  linkPersonToOrganization: LinkPersonToOrganizationPayload;
  /** Signs in; a wrong email or password is `UNAUTHENTICATED`. */
  login: AuthPayload;
  /** Ends the current session. */
  logout: LogoutPayload;
  /** Ends every session of the current user. */
  logoutEverywhere: LogoutEverywherePayload;
  /**
   * Merges persons into a winner with per-field choices; everything they own moves over
   * (each domain's tables by its rules, see [`merge_hooks`]).
   */
  mergePersons: MergePersonsPayload;
  /**
   * Records an objection to direct marketing (GDPR Art. 21(2)) on the given channels (all
   * when omitted) for every purpose.
   */
  objectToMarketing: ObjectToMarketingPayload;
  /** Creates or changes a consent purpose (tenant admins). */
  putConsentPurpose: PutConsentPurposePayload;
  /** Maintains the tenant's imprint (§5 DDG), replacing the last one. */
  putImprint: PutImprintPayload;
  /** Adds a picklist value or changes its label, position or archived flag (tenant admins). */
  putPicklistValue: PutPicklistValuePayload;
  /** Creates (no `id`) or replaces an entry of the processing register (tenant admins). */
  putProcessingActivity: PutProcessingActivityPayload;
  /**
   * Creates (no `id`) or changes a retention policy (tenant admins); enabled policies run
   * daily in the worker.
   */
  putRetentionPolicy: PutRetentionPolicyPayload;
  /** Creates or replaces a snippet, used in templates as `{{ snippets.<key> }}`. */
  putSnippet: PutSnippetPayload;
  reactivateTenant: ReactivateTenantPayload;
  /**
   * Records a consent event with its proof (granted on paper or by phone, a revocation, an
   * objection, a presumed business consent, an expiry). Confirmations only come from the
   * double opt-in flow.
   */
  recordConsent: RecordConsentPayload;
  /**
   * Intake for bounces and complaints (from the mail provider's webhook, with an API key):
   * marks the send; hard bounces and complaints suppress the address.
   */
  recordDeliveryEvent: RecordDeliveryEventPayload;
  /** Records the UWG §7(3) existing-customer conditions for a person's current email. */
  recordExistingCustomer: RecordExistingCustomerPayload;
  /** Exchanges a refresh token for a new pair (rotation). */
  refresh: AuthPayload;
  /** Brings a dynamic segment's stored membership up to date, recording entries and exits. */
  refreshSegment: RefreshSegmentPayload;
  /**
   * Rebuilds this tenant's search index in the background (fresh index, then an atomic
   * switch); `searchStatus.reindexedAt` tells when it is done.
   */
  reindexSearch: ReindexSearchPayload;
  removeMember: RemoveMemberPayload;
  removeSegmentMembers: RemoveSegmentMembersPayload;
  /** Lifts a suppression (tenant admins; audited). Erasure hashes stay unless lifted here. */
  removeSuppression: RemoveSuppressionPayload;
  /** Renames the current tenant (tenant admins). */
  renameTenant: RenameTenantPayload;
  /** Brings an archived person back into lists, segments and campaigns. */
  restorePerson: RestorePersonPayload;
  /**
   * Places a person under restriction of processing (Art. 18 GDPR): from now on they are
   * only stored. A data-subject request of kind RESTRICTION does this by itself.
   */
  restrictProcessing: RestrictProcessingPayload;
  revokeApiKey: RevokeApiKeyPayload;
  /** Runs the ABC analysis now (the worker also runs it daily). */
  runAbcAnalysis: RunAbcAnalysisPayload;
  /** Applies the lifecycle rules now (the worker also runs them daily). */
  runLifecycle: RunLifecyclePayload;
  /** Runs a retention policy now (tenant admins); audited. */
  runRetentionPolicy: RunRetentionPolicyPayload;
  /** Rescans the tenant for duplicate persons; read the result with `duplicatePairs`. */
  scanDuplicates: ScanDuplicatesPayload;
  /** Scores a lead on budget, authority, need and timing (0..25 each). */
  scoreBant: ScoreBantPayload;
  /** Grants a user of the agency a role in the current tenant (tenant admins). */
  setMember: SetMemberPayload;
  /** Sets a tenant setting (tenant admins); audited. */
  setSetting: SetSettingPayload;
  /**
   * Asks for a new agency with its first user (an agency admin). The answer is the same
   * whether or not the address has an account: a mail goes to it either way, with a link
   * to `confirmSignUp` (valid 24 hours) or, for an existing account, a note to its owner.
   */
  signUp: SignUpPayload;
  /** Queues an import of an uploaded file (`POST /files/uploads`); poll `import(id)`. */
  startImport: StartImportPayload;
  /** Stores a consent text version (tenant admins); the same body is the same version. */
  storeConsentText: StoreConsentTextPayload;
  /** Suspends a tenant: its data stays, every request naming it gets FORBIDDEN. */
  suspendTenant: SuspendTenantPayload;
  /** Freezes the segment's members now (e.g. as a campaign's audience). */
  takeSegmentSnapshot: TakeSegmentSnapshotPayload;
  /**
   * Moves a campaign to another state: draft → scheduled (with `scheduledAt`) or running
   * (launch: the audience is frozen), running ⇄ paused, → completed or cancelled. Other
   * moves get CONFLICT and change nothing.
   */
  transitionCampaign: TransitionCampaignPayload;
  /** Removes a person's link to an organization; the payload carries both ends. */
  unlinkPersonFromOrganization: UnlinkPersonFromOrganizationPayload;
  updateAbcSettings: UpdateAbcSettingsPayload;
  /** Replaces a draft's settings and steps. */
  updateCampaign: UpdateCampaignPayload;
  updateCampaignSettings: UpdateCampaignSettingsPayload;
  /** Changes the tenant's channel policy (tenant admins); applies to the next decision. */
  updateCompliancePolicy: UpdateCompliancePolicyPayload;
  updateInteraction: UpdateInteractionPayload;
  updateLifecycleSettings: UpdateLifecycleSettingsPayload;
  /** Given fields replace, omitted fields stay. */
  updateOrganization: UpdateOrganizationPayload;
  /** Changes a person if `version` is current (CONFLICT otherwise). */
  updatePerson: UpdatePersonPayload;
  updateSegment: UpdateSegmentPayload;
  updateTargetGroup: UpdateTargetGroupPayload;
  updateTemplate: UpdateTemplatePayload;
  updateTransaction: UpdateTransactionPayload;
};


export type MutationAddSegmentMembersArgs = {
  input: AddSegmentMembersInput;
};


export type MutationAddSuppressionArgs = {
  input: AddSuppressionInput;
};


export type MutationArchiveInteractionArgs = {
  input: ArchiveInteractionInput;
};


export type MutationArchiveOrganizationArgs = {
  input: ArchiveOrganizationInput;
};


export type MutationArchivePersonArgs = {
  input: ArchivePersonInput;
};


export type MutationArchiveSegmentArgs = {
  input: ArchiveSegmentInput;
};


export type MutationArchiveTransactionArgs = {
  input: ArchiveTransactionInput;
};


export type MutationBulkUpdatePersonsArgs = {
  input: BulkUpdatePersonsInput;
};


export type MutationCancelImportArgs = {
  input: CancelImportInput;
};


export type MutationChangePasswordArgs = {
  input: ChangePasswordInput;
};


export type MutationCloseDataSubjectRequestArgs = {
  input: CloseDataSubjectRequestInput;
};


export type MutationCompleteCampaignTaskArgs = {
  input: CompleteCampaignTaskInput;
};


export type MutationConfirmSignUpArgs = {
  input: ConfirmSignUpInput;
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateCampaignArgs = {
  input: CampaignInput;
};


export type MutationCreateDataSubjectRequestArgs = {
  input: CreateDataSubjectRequestInput;
};


export type MutationCreateInteractionArgs = {
  input: InteractionInput;
};


export type MutationCreateOrganizationArgs = {
  input: OrganizationInput;
};


export type MutationCreatePersonArgs = {
  input: PersonInput;
};


export type MutationCreatePicklistArgs = {
  input: CreatePicklistInput;
};


export type MutationCreateSegmentArgs = {
  input: SegmentInput;
};


export type MutationCreateSubscribeFormArgs = {
  input: CreateSubscribeFormInput;
};


export type MutationCreateTargetGroupArgs = {
  input: TargetGroupInput;
};


export type MutationCreateTemplateArgs = {
  input: TemplateInput;
};


export type MutationCreateTenantArgs = {
  input: CreateTenantInput;
};


export type MutationCreateTransactionArgs = {
  input: TransactionInput;
};


export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


export type MutationDefineCustomFieldArgs = {
  input: CustomFieldInput;
};


export type MutationDeleteProcessingActivityArgs = {
  input: DeleteProcessingActivityInput;
};


export type MutationDeleteSettingArgs = {
  input: DeleteSettingInput;
};


export type MutationDeleteSnippetArgs = {
  input: DeleteSnippetInput;
};


export type MutationDeleteTargetGroupArgs = {
  input: DeleteTargetGroupInput;
};


export type MutationDeleteTenantArgs = {
  input: DeleteTenantInput;
};


export type MutationDismissDuplicateArgs = {
  input: DismissDuplicateInput;
};


export type MutationErasePersonArgs = {
  input: ErasePersonInput;
};


export type MutationEraseRequestedPersonsArgs = {
  input?: InputMaybe<EraseRequestedPersonsInput>;
};


export type MutationExtendDataSubjectRequestArgs = {
  input: ExtendDataSubjectRequestInput;
};


export type MutationLiftRestrictionArgs = {
  input: LiftRestrictionInput;
};


export type MutationLinkPersonToOrganizationArgs = {
  input: RelationInput;
};


export type MutationLoginArgs = {
  input: LoginInput;
};


export type MutationMergePersonsArgs = {
  input: MergePersonsInput;
};


export type MutationObjectToMarketingArgs = {
  input: ObjectToMarketingInput;
};


export type MutationPutConsentPurposeArgs = {
  input: ConsentPurposeInput;
};


export type MutationPutImprintArgs = {
  input: ImprintInput;
};


export type MutationPutPicklistValueArgs = {
  input: PutPicklistValueInput;
};


export type MutationPutProcessingActivityArgs = {
  input: PutProcessingActivityInput;
};


export type MutationPutRetentionPolicyArgs = {
  input: PutRetentionPolicyInput;
};


export type MutationPutSnippetArgs = {
  input: PutSnippetInput;
};


export type MutationReactivateTenantArgs = {
  input: ReactivateTenantInput;
};


export type MutationRecordConsentArgs = {
  input: ConsentEventInput;
};


export type MutationRecordDeliveryEventArgs = {
  input: RecordDeliveryEventInput;
};


export type MutationRecordExistingCustomerArgs = {
  input: ExistingCustomerInput;
};


export type MutationRefreshArgs = {
  input: RefreshInput;
};


export type MutationRefreshSegmentArgs = {
  input: RefreshSegmentInput;
};


export type MutationRemoveMemberArgs = {
  input: RemoveMemberInput;
};


export type MutationRemoveSegmentMembersArgs = {
  input: RemoveSegmentMembersInput;
};


export type MutationRemoveSuppressionArgs = {
  input: RemoveSuppressionInput;
};


export type MutationRenameTenantArgs = {
  input: RenameTenantInput;
};


export type MutationRestorePersonArgs = {
  input: RestorePersonInput;
};


export type MutationRestrictProcessingArgs = {
  input: RestrictProcessingInput;
};


export type MutationRevokeApiKeyArgs = {
  input: RevokeApiKeyInput;
};


export type MutationRunRetentionPolicyArgs = {
  input: RunRetentionPolicyInput;
};


export type MutationScoreBantArgs = {
  input: BantInput;
};


export type MutationSetMemberArgs = {
  input: SetMemberInput;
};


export type MutationSetSettingArgs = {
  input: SetSettingInput;
};


export type MutationSignUpArgs = {
  input: SignUpInput;
};


export type MutationStartImportArgs = {
  input: StartImportInput;
};


export type MutationStoreConsentTextArgs = {
  input: StoreConsentTextInput;
};


export type MutationSuspendTenantArgs = {
  input: SuspendTenantInput;
};


export type MutationTakeSegmentSnapshotArgs = {
  input: TakeSegmentSnapshotInput;
};


export type MutationTransitionCampaignArgs = {
  input: TransitionCampaignInput;
};


export type MutationUnlinkPersonFromOrganizationArgs = {
  input: UnlinkPersonFromOrganizationInput;
};


export type MutationUpdateAbcSettingsArgs = {
  input: AbcSettingsInput;
};


export type MutationUpdateCampaignArgs = {
  input: UpdateCampaignInput;
};


export type MutationUpdateCampaignSettingsArgs = {
  input: CampaignSettingsInput;
};


export type MutationUpdateCompliancePolicyArgs = {
  input: CompliancePolicyInput;
};


export type MutationUpdateInteractionArgs = {
  input: UpdateInteractionInput;
};


export type MutationUpdateLifecycleSettingsArgs = {
  input: LifecycleSettingsInput;
};


export type MutationUpdateOrganizationArgs = {
  input: UpdateOrganizationInput;
};


export type MutationUpdatePersonArgs = {
  input: UpdatePersonInput;
};


export type MutationUpdateSegmentArgs = {
  input: UpdateSegmentInput;
};


export type MutationUpdateTargetGroupArgs = {
  input: UpdateTargetGroupInput;
};


export type MutationUpdateTemplateArgs = {
  input: UpdateTemplateInput;
};


export type MutationUpdateTransactionArgs = {
  input: UpdateTransactionInput;
};

/** An object with a global id, which `node(id:)` finds again (Relay's object identification). */
export type Node = {
  /** Opaque and unique across types and tenants; `node(id:)` finds the object again. */
  id: Scalars['ID']['output'];
};

/** The input of `objectToMarketing`. */
export type ObjectToMarketingInput = {
  channels?: InputMaybe<Array<ConsentChannel>>;
  personId: Scalars['ID']['input'];
  sourceRef?: InputMaybe<Scalars['String']['input']>;
};

/** The result of `objectToMarketing`. */
export type ObjectToMarketingPayload = {
  __typename?: 'ObjectToMarketingPayload';
  consentEvents?: Maybe<Array<ConsentEvent>>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type OccasionInput = {
  /**
   * BIRTHDAY: allow email steps (automatic birthday emails are off by default; the
   * greeting is personal: a call, a card or a letter).
   */
  allowEmail?: Scalars['Boolean']['input'];
  day?: InputMaybe<Scalars['Int']['input']>;
  /** NO_CONTACT: days without interaction (never contacted: since the record was created). */
  days?: InputMaybe<Scalars['Int']['input']>;
  /** BIRTHDAY: prepare this many days before the day (default 7: time for a card). */
  daysAhead?: InputMaybe<Scalars['Int']['input']>;
  /** DATE_FIELD: the custom field holding a date (YYYY-MM-DD). */
  field?: InputMaybe<Scalars['String']['input']>;
  kind: OccasionKind;
  month?: InputMaybe<Scalars['Int']['input']>;
  /** HOLIDAY: its name and day. */
  name?: InputMaybe<Scalars['String']['input']>;
};

export type OccasionKind =
  | 'BIRTHDAY'
  | 'DATE_FIELD'
  | 'HOLIDAY'
  | 'NO_CONTACT'
  | 'PURCHASE_ANNIVERSARY';

export type Organization = Node & {
  __typename?: 'Organization';
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  city?: Maybe<Scalars['String']['output']>;
  country?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  custom: Scalars['JSON']['output'];
  dnrReason?: Maybe<Scalars['String']['output']>;
  doNotReactivate: Scalars['Boolean']['output'];
  email?: Maybe<Scalars['String']['output']>;
  externalId?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** A value of picklist `industry`. */
  industry?: Maybe<Scalars['String']['output']>;
  lastInteractionAt?: Maybe<Scalars['DateTime']['output']>;
  lastPurchaseAt?: Maybe<Scalars['NaiveDate']['output']>;
  lifecycleStage: LifecycleStage;
  name: Scalars['String']['output'];
  /** The user who looks after this organization (as `Person.owner`). */
  owner?: Maybe<User>;
  ownerId?: Maybe<Scalars['ID']['output']>;
  /**
   * The people who work here, with job title and buying-center role (the oldest relation
   * first, at most 1000).
   */
  people: Array<Relation>;
  phone?: Maybe<Scalars['String']['output']>;
  postalCode?: Maybe<Scalars['String']['output']>;
  source?: Maybe<Scalars['String']['output']>;
  street?: Maybe<Scalars['String']['output']>;
  tags: Array<Scalars['String']['output']>;
  /** Interactions, transactions and merges, newest first. */
  timeline: TimelineEntryConnection;
  updatedAt: Scalars['DateTime']['output'];
  version: Scalars['Int']['output'];
  website?: Maybe<Scalars['String']['output']>;
};


export type OrganizationTimelineArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type OrganizationConnection = {
  __typename?: 'OrganizationConnection';
  /** A list of edges. */
  edges: Array<OrganizationEdge>;
  /** A list of nodes. */
  nodes: Array<Organization>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type OrganizationEdge = {
  __typename?: 'OrganizationEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Organization;
};

export type OrganizationFilter = {
  archived?: InputMaybe<Scalars['Boolean']['input']>;
  city?: InputMaybe<Scalars['String']['input']>;
  industry?: InputMaybe<Scalars['String']['input']>;
  lifecycleStages?: InputMaybe<Array<LifecycleStage>>;
  query?: InputMaybe<Scalars['String']['input']>;
  tagsAny?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type OrganizationInput = {
  city?: InputMaybe<Scalars['String']['input']>;
  country?: InputMaybe<Scalars['String']['input']>;
  custom?: InputMaybe<Scalars['JSON']['input']>;
  dnrReason?: InputMaybe<Scalars['String']['input']>;
  email?: InputMaybe<Scalars['String']['input']>;
  externalId?: InputMaybe<Scalars['String']['input']>;
  industry?: InputMaybe<Scalars['String']['input']>;
  lifecycleStage?: InputMaybe<LifecycleStage>;
  name?: InputMaybe<Scalars['String']['input']>;
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
  postalCode?: InputMaybe<Scalars['String']['input']>;
  source?: InputMaybe<Scalars['String']['input']>;
  street?: InputMaybe<Scalars['String']['input']>;
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  website?: InputMaybe<Scalars['String']['input']>;
};

/** Information about pagination in a connection */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** When paginating forwards, the cursor to continue. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** When paginating forwards, are there more items? */
  hasNextPage: Scalars['Boolean']['output'];
  /** When paginating backwards, are there more items? */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** When paginating backwards, the cursor to continue. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** A value object (no id): one point of a computed Pareto curve. */
export type ParetoPoint = {
  __typename?: 'ParetoPoint';
  customerShare: Scalars['Float']['output'];
  valueShare: Scalars['Float']['output'];
};

/** A person (B2C customer or someone at an organization). */
export type Person = Node & {
  __typename?: 'Person';
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  birthday?: Maybe<Scalars['NaiveDate']['output']>;
  city?: Maybe<Scalars['String']['output']>;
  /** The current consent state: the latest ledger event per channel and purpose. */
  consents: Array<ConsentState>;
  /** ISO 3166-1 alpha-2. */
  country?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Custom field values by key, typed by their definitions. */
  custom: Scalars['JSON']['output'];
  displayName: Scalars['String']['output'];
  /** A value of picklist `dnr_reason`. */
  dnrReason?: Maybe<Scalars['String']['output']>;
  doNotReactivate: Scalars['Boolean']['output'];
  /** Likely duplicates of this person, best first (computed live; costs 10 per person). */
  duplicates: Array<DuplicateCandidate>;
  email?: Maybe<Scalars['String']['output']>;
  externalId?: Maybe<Scalars['String']['output']>;
  firstName?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  lastInteractionAt?: Maybe<Scalars['DateTime']['output']>;
  lastName?: Maybe<Scalars['String']['output']>;
  lastPurchaseAt?: Maybe<Scalars['NaiveDate']['output']>;
  lifecycleStage: LifecycleStage;
  /** Set on records merged into another; that one is the live record. */
  mergedInto?: Maybe<Scalars['ID']['output']>;
  /** E.164. */
  mobile?: Maybe<Scalars['String']['output']>;
  organizationName?: Maybe<Scalars['String']['output']>;
  /** Organizations this person works for, the primary one first. */
  organizations: Array<Relation>;
  /**
   * The user who looks after this person: name and email, for the tenant's members. Null
   * when there is none, or the user is not (or no longer) a member of the tenant.
   */
  owner?: Maybe<User>;
  ownerId?: Maybe<Scalars['ID']['output']>;
  /** E.164. */
  phone?: Maybe<Scalars['String']['output']>;
  position?: Maybe<Scalars['String']['output']>;
  postalCode?: Maybe<Scalars['String']['output']>;
  /** Data-quality score: completeness, freshness and duplicate suspicion. */
  quality: Quality;
  /**
   * Set while the person is under restriction of processing (Art. 18 GDPR): they are only
   * stored, left out of segments, campaigns, search, exports and analytics, and cannot be
   * changed until `liftRestriction`.
   */
  restrictedAt?: Maybe<Scalars['DateTime']['output']>;
  restrictionReason?: Maybe<Scalars['String']['output']>;
  salutation?: Maybe<Scalars['String']['output']>;
  /** A value of picklist `source`. */
  source?: Maybe<Scalars['String']['output']>;
  street?: Maybe<Scalars['String']['output']>;
  tags: Array<Scalars['String']['output']>;
  /** Interactions, transactions, merges and campaign messages, newest first. */
  timeline: TimelineEntryConnection;
  title?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  /** Send back with updates; a stale version gets CONFLICT. */
  version: Scalars['Int']['output'];
  website?: Maybe<Scalars['String']['output']>;
};


/** A person (B2C customer or someone at an organization). */
export type PersonTimelineArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type PersonConnection = {
  __typename?: 'PersonConnection';
  /** A list of edges. */
  edges: Array<PersonEdge>;
  /** A list of nodes. */
  nodes: Array<Person>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type PersonEdge = {
  __typename?: 'PersonEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Person;
};

/** Filters for person lists and exports; all given conditions must hold. */
export type PersonFilter = {
  /** true: only archived; false or null: only active. */
  archived?: InputMaybe<Scalars['Boolean']['input']>;
  city?: InputMaybe<Scalars['String']['input']>;
  country?: InputMaybe<Scalars['String']['input']>;
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  doNotReactivate?: InputMaybe<Scalars['Boolean']['input']>;
  hasEmail?: InputMaybe<Scalars['Boolean']['input']>;
  hasPhone?: InputMaybe<Scalars['Boolean']['input']>;
  ids?: InputMaybe<Array<Scalars['ID']['input']>>;
  lastInteractionAfter?: InputMaybe<Scalars['DateTime']['input']>;
  lastInteractionBefore?: InputMaybe<Scalars['DateTime']['input']>;
  lifecycleStages?: InputMaybe<Array<LifecycleStage>>;
  organizationId?: InputMaybe<Scalars['ID']['input']>;
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  /** Name, email, phone or city contains this (umlauts and case ignored). */
  query?: InputMaybe<Scalars['String']['input']>;
  /**
   * true: only persons under restriction of processing (Art. 18 GDPR); false: none of
   * them; null: both. Exports never include them.
   */
  restricted?: InputMaybe<Scalars['Boolean']['input']>;
  source?: InputMaybe<Scalars['String']['input']>;
  tagsAll?: InputMaybe<Array<Scalars['String']['input']>>;
  tagsAny?: InputMaybe<Array<Scalars['String']['input']>>;
};

/**
 * A person to create. Text is trimmed; emails normalized; phones read in the tenant's
 * default region (`contacts.default_phone_region`, default DE) and stored as E.164;
 * countries accept ISO codes or common names.
 */
export type PersonInput = {
  /** YYYY-MM-DD or DD.MM.YYYY. */
  birthday?: InputMaybe<Scalars['String']['input']>;
  city?: InputMaybe<Scalars['String']['input']>;
  country?: InputMaybe<Scalars['String']['input']>;
  custom?: InputMaybe<Scalars['JSON']['input']>;
  /** Setting a reason sets the do-not-reactivate flag. */
  dnrReason?: InputMaybe<Scalars['String']['input']>;
  email?: InputMaybe<Scalars['String']['input']>;
  externalId?: InputMaybe<Scalars['String']['input']>;
  firstName?: InputMaybe<Scalars['String']['input']>;
  lastName?: InputMaybe<Scalars['String']['input']>;
  lifecycleStage?: InputMaybe<LifecycleStage>;
  mobile?: InputMaybe<Scalars['String']['input']>;
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
  position?: InputMaybe<Scalars['String']['input']>;
  postalCode?: InputMaybe<Scalars['String']['input']>;
  salutation?: InputMaybe<Scalars['String']['input']>;
  source?: InputMaybe<Scalars['String']['input']>;
  street?: InputMaybe<Scalars['String']['input']>;
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  title?: InputMaybe<Scalars['String']['input']>;
  website?: InputMaybe<Scalars['String']['input']>;
};

/** Changes to a person: omitted fields stay, `null` clears. */
export type PersonPatch = {
  birthday?: InputMaybe<Scalars['String']['input']>;
  city?: InputMaybe<Scalars['String']['input']>;
  country?: InputMaybe<Scalars['String']['input']>;
  /** Sets these custom values (null removes one); others stay. */
  custom?: InputMaybe<Scalars['JSON']['input']>;
  dnrReason?: InputMaybe<Scalars['String']['input']>;
  email?: InputMaybe<Scalars['String']['input']>;
  externalId?: InputMaybe<Scalars['String']['input']>;
  firstName?: InputMaybe<Scalars['String']['input']>;
  lastName?: InputMaybe<Scalars['String']['input']>;
  lifecycleStage?: InputMaybe<LifecycleStage>;
  mobile?: InputMaybe<Scalars['String']['input']>;
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
  position?: InputMaybe<Scalars['String']['input']>;
  postalCode?: InputMaybe<Scalars['String']['input']>;
  salutation?: InputMaybe<Scalars['String']['input']>;
  source?: InputMaybe<Scalars['String']['input']>;
  street?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the tags. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  title?: InputMaybe<Scalars['String']['input']>;
  website?: InputMaybe<Scalars['String']['input']>;
};

export type PersonSort =
  | 'CREATED_AT'
  | 'LAST_INTERACTION_AT'
  | 'NAME'
  | 'UPDATED_AT';

export type Picklist = {
  __typename?: 'Picklist';
  /** Built-in lists (industry, source, dnr_reason) cannot be removed. */
  builtin: Scalars['Boolean']['output'];
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  key: Scalars['String']['output'];
  label: Scalars['String']['output'];
  values: Array<PicklistValue>;
};

export type PicklistValue = {
  __typename?: 'PicklistValue';
  archived: Scalars['Boolean']['output'];
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  label: Scalars['String']['output'];
  position: Scalars['Int']['output'];
  value: Scalars['String']['output'];
};

export type ProcessingActivity = {
  __typename?: 'ProcessingActivity';
  dataCategories: Array<Scalars['String']['output']>;
  dataSubjects: Array<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  legalBasis: Scalars['String']['output'];
  name: Scalars['String']['output'];
  purpose: Scalars['String']['output'];
  recipients: Array<Scalars['String']['output']>;
  retention: Scalars['String']['output'];
  safeguards: Scalars['String']['output'];
  thirdCountries?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  updatedBy: Actor;
};

export type ProcessingActivityInput = {
  dataCategories?: Array<Scalars['String']['input']>;
  dataSubjects?: Array<Scalars['String']['input']>;
  legalBasis: Scalars['String']['input'];
  name: Scalars['String']['input'];
  purpose: Scalars['String']['input'];
  recipients?: Array<Scalars['String']['input']>;
  retention: Scalars['String']['input'];
  /** Technical and organisational measures (Art. 32). */
  safeguards: Scalars['String']['input'];
  thirdCountries?: InputMaybe<Scalars['String']['input']>;
};

/** A value object (no id): a proof dossier, generated on request (and audited). */
export type ProofDossier = {
  __typename?: 'ProofDossier';
  /** Whether the tenant's whole consent chain verified when the dossier was made. */
  chainIntact: Scalars['Boolean']['output'];
  /** Consent and objection events on the channel. */
  events: Scalars['Int']['output'];
  generatedAt: Scalars['DateTime']['output'];
  /** The printable document (HTML; print it to PDF in a browser). */
  html: Scalars['String']['output'];
  /** Messages sent on the channel. */
  messages: Scalars['Int']['output'];
};

/** The result of `putConsentPurpose`. */
export type PutConsentPurposePayload = {
  __typename?: 'PutConsentPurposePayload';
  consentPurpose?: Maybe<ConsentPurpose>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `putImprint`. */
export type PutImprintPayload = {
  __typename?: 'PutImprintPayload';
  imprint?: Maybe<Imprint>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `putPicklistValue`. */
export type PutPicklistValueInput = {
  archived?: Scalars['Boolean']['input'];
  label: Scalars['String']['input'];
  picklistKey: Scalars['String']['input'];
  position?: InputMaybe<Scalars['Int']['input']>;
  value: Scalars['String']['input'];
};

/** The result of `putPicklistValue`. */
export type PutPicklistValuePayload = {
  __typename?: 'PutPicklistValuePayload';
  picklistValue?: Maybe<PicklistValue>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `putProcessingActivity`. */
export type PutProcessingActivityInput = {
  id?: InputMaybe<Scalars['ID']['input']>;
  patch: ProcessingActivityInput;
};

/** The result of `putProcessingActivity`. */
export type PutProcessingActivityPayload = {
  __typename?: 'PutProcessingActivityPayload';
  processingActivity?: Maybe<ProcessingActivity>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `putRetentionPolicy`. */
export type PutRetentionPolicyInput = {
  id?: InputMaybe<Scalars['ID']['input']>;
  patch: RetentionPolicyInput;
};

/** The result of `putRetentionPolicy`. */
export type PutRetentionPolicyPayload = {
  __typename?: 'PutRetentionPolicyPayload';
  retentionPolicy?: Maybe<RetentionPolicy>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `putSnippet`. */
export type PutSnippetInput = {
  body: Scalars['String']['input'];
  key: Scalars['String']['input'];
};

/** The result of `putSnippet`. */
export type PutSnippetPayload = {
  __typename?: 'PutSnippetPayload';
  snippet?: Maybe<Snippet>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): a computed score breakdown of the person that holds it. */
export type Quality = {
  __typename?: 'Quality';
  completeness: Scalars['Float']['output'];
  duplicateSuspected: Scalars['Boolean']['output'];
  freshness: Scalars['Float']['output'];
  /** 0-100: half completeness, 30% freshness, 20% no duplicate suspicion. */
  score: Scalars['Int']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** The latest ABC analysis: distribution per class and the Pareto curve. */
  abcReport?: Maybe<AbcReport>;
  abcResult?: Maybe<AbcResult>;
  /** Classified customers by rank, optionally of one class. */
  abcResults: AbcResultConnection;
  abcSettings: AbcSettings;
  /** API keys of the current tenant, newest first (tenant admins). */
  apiKeys: ApiKeyConnection;
  /**
   * The tenant's audit log, newest first (tenant admins): who viewed, exported, changed,
   * merged or erased what. `subject` is an id (a person's, say); `action` an action or a
   * prefix ending in `.` (`person.`).
   */
  auditLog: AuditEntryConnection;
  bantScore?: Maybe<BantScore>;
  campaign?: Maybe<Campaign>;
  /**
   * Who a launched campaign can reach now: its audience (latest round unless `round`),
   * the launch exclusions, and per step the channel policy applied to everyone.
   */
  campaignReach: CampaignReach;
  /** The funnel per step and variant, exclusions and skips with reasons, and the goal. */
  campaignReport: CampaignReport;
  campaignSettings: CampaignSettingsObject;
  /** Tasks of phone and social steps, by due date. */
  campaignTasks: Array<CampaignTask>;
  /** Campaigns, newest first. */
  campaigns: CampaignConnection;
  compliancePolicy: CompliancePolicy;
  /** A person's consent history with proof, newest first. */
  consentEvents: Array<ConsentEvent>;
  /**
   * How many persons may (and may not) be approached on a channel for a purpose, by reason:
   * the set-based form of `mayContact` over the whole tenant.
   */
  consentOverview: Array<ReasonCount>;
  consentPurposes: Array<ConsentPurpose>;
  /** Stored consent texts (the newest 500). */
  consentTexts: Array<ConsentText>;
  /** The tenant named by `X-Tenant-Id`. */
  currentTenant: Tenant;
  customFields: Array<CustomField>;
  /** The tenant's data quality: shares with email/phone, duplicates, stale records. */
  dataQualityReport: DataQualityReport;
  /** Data-subject requests, open ones first by deadline (tenant admins). */
  dataSubjectRequests: Array<DataSubjectRequest>;
  /** Duplicate candidates from the last `scanDuplicates`, best first. */
  duplicatePairs: DuplicatePairConnection;
  /** Erasures carried out: when, who, why and how much; no personal data. */
  erasureRecords: Array<ErasureRecord>;
  existingCustomerRecords: Array<ExistingCustomerRecord>;
  import?: Maybe<Import>;
  /** Reads an uploaded file's header and first rows and suggests a column mapping. */
  importPreview: ImportPreview;
  /** Imports, newest first. */
  imports: ImportConnection;
  /** The tenant's imprint, null until maintained (`putImprint`). */
  imprint?: Maybe<Imprint>;
  /**
   * Records kept after erasures because a legal duty requires it (tenant admins; every
   * read is audited), soonest end first.
   */
  legalHolds: Array<LegalHold>;
  /** The mail-merge export of a letter step. */
  letterExport: LetterExport;
  /** A person's automatic lifecycle changes, oldest first. */
  lifecycleEvents: Array<LifecycleEvent>;
  lifecycleSettings: LifecycleSettings;
  /**
   * May this person be approached on this channel for this purpose (now, or at `at`)? With
   * the reason and the legal basis. Asked again at every send.
   */
  mayContact: ContactDecision;
  /** The logged-in user. */
  me: User;
  /** Members of the current tenant, by email. */
  members: MemberConnection;
  /**
   * The object with this global id, in the request's tenant. An id of another tenant, a
   * malformed id and an id of a type `node` does not serve all get the same NOT_FOUND.
   */
  node?: Maybe<Node>;
  /**
   * The objects with these global ids, in order; `null` where one is not found (at most
   * 100 ids).
   */
  nodes: Array<Maybe<Node>>;
  organization?: Maybe<Organization>;
  /** An organization's timeline, newest first. */
  organizationTimeline: TimelineEntryConnection;
  /** Organizations by name. */
  organizations: OrganizationConnection;
  person?: Maybe<Person>;
  /** How many persons match the filter. */
  personCount: Scalars['Int']['output'];
  /** Persons, filtered and sorted; merged records never appear. */
  persons: PersonConnection;
  /** Every picklist with its values (archived values included, flagged). */
  picklists: Array<Picklist>;
  /**
   * What a rule selects, without saving it: its count and its members (a connection).
   * An invalid rule is VALIDATION_FAILED here.
   */
  previewSegment: SegmentPreview;
  /** A template rendered for one contact, as it would be sent. */
  previewTemplate: TemplatePreview;
  /**
   * The register of processing activities (GDPR Art. 30); CSV at
   * `GET /files/compliance/processing-activities.csv`.
   */
  processingActivities: Array<ProcessingActivity>;
  /**
   * The proof dossier of a person on a channel: every consent and objection event with its
   * proof, the chain check, §7a UWG uses, and the rule that allowed each message sent. For a
   * court or a supervisory authority; generating it is audited (tenant admins).
   */
  proofDossier: ProofDossier;
  /** Who a retention policy would flag or erase now; changes nothing. */
  retentionDryRun: RetentionDryRun;
  retentionPolicies: Array<RetentionPolicy>;
  /**
   * Finds persons and organizations by part of a name, a misspelt company, a city, an
   * e-mail or a phone fragment; typo-tolerant, umlauts folded (Müller = Mueller = Muller).
   * An empty query lists everything matching the filters, by name.
   */
  searchContacts: SearchHitConnection;
  /** How far the search index is behind the data, and the indexer's last error. */
  searchStatus: SearchStatus;
  segment?: Maybe<Segment>;
  /** Every field a rule can use in this tenant, with its operators. */
  segmentFields: Array<SegmentField>;
  segmentSnapshot?: Maybe<SegmentSnapshot>;
  /** Active segments and lists, oldest first. */
  segments: SegmentConnection;
  setting?: Maybe<Setting>;
  /** Settings of the current tenant, by key. */
  settings: SettingConnection;
  snippets: Array<Snippet>;
  /**
   * Persons without an interaction for `months` months and without an open transaction,
   * longest untouched first (`lastInteractionAt` is their last touch).
   */
  stalePersons: PersonConnection;
  /** Whether an email address or phone number is on the suppression list (tenant admins). */
  suppression?: Maybe<SuppressionEntry>;
  suppressionCounts: SuppressionCounts;
  targetGroup?: Maybe<TargetGroup>;
  /** Target groups, most attractive first. */
  targetGroups: Array<TargetGroup>;
  templates: Array<Template>;
  /** One tenant the caller can see. */
  tenant?: Maybe<Tenant>;
  /** Tenants the caller can see, by slug. */
  tenants: TenantConnection;
  /** A signed unsubscribe link for a mail to this person (valid 400 days, single use). */
  unsubscribeLink: UnsubscribeLink;
  /** Recomputes every consent event's digest and chain link (tenant admins). */
  verifyConsentChain: ConsentChainReport;
};


export type QueryAbcResultArgs = {
  personId: Scalars['ID']['input'];
};


export type QueryAbcResultsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  class?: InputMaybe<AbcClass>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryApiKeysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryAuditLogArgs = {
  action?: InputMaybe<Scalars['String']['input']>;
  actor?: InputMaybe<Scalars['String']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  subject?: InputMaybe<Scalars['String']['input']>;
};


export type QueryBantScoreArgs = {
  personId: Scalars['ID']['input'];
};


export type QueryCampaignArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCampaignReachArgs = {
  id: Scalars['ID']['input'];
  round?: InputMaybe<Scalars['NaiveDate']['input']>;
};


export type QueryCampaignReportArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCampaignTasksArgs = {
  assignee?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
  openOnly?: Scalars['Boolean']['input'];
};


export type QueryCampaignsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryConsentEventsArgs = {
  channel?: InputMaybe<ConsentChannel>;
  personId: Scalars['ID']['input'];
};


export type QueryConsentOverviewArgs = {
  channel: ConsentChannel;
  purpose: Scalars['String']['input'];
};


export type QueryCustomFieldsArgs = {
  entity?: InputMaybe<ContactEntity>;
};


export type QueryDataQualityReportArgs = {
  staleMonths?: Scalars['Int']['input'];
};


export type QueryDataSubjectRequestsArgs = {
  limit?: Scalars['Int']['input'];
  openOnly?: Scalars['Boolean']['input'];
};


export type QueryDuplicatePairsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryErasureRecordsArgs = {
  limit?: Scalars['Int']['input'];
};


export type QueryExistingCustomerRecordsArgs = {
  personId: Scalars['ID']['input'];
};


export type QueryImportArgs = {
  id: Scalars['ID']['input'];
};


export type QueryImportPreviewArgs = {
  uploadId: Scalars['ID']['input'];
};


export type QueryImportsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryLegalHoldsArgs = {
  limit?: Scalars['Int']['input'];
};


export type QueryLetterExportArgs = {
  campaignId: Scalars['ID']['input'];
  stepId: Scalars['ID']['input'];
};


export type QueryLifecycleEventsArgs = {
  personId: Scalars['ID']['input'];
};


export type QueryMayContactArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
  channel: ConsentChannel;
  personId: Scalars['ID']['input'];
  purpose: Scalars['String']['input'];
};


export type QueryMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


export type QueryNodesArgs = {
  ids: Array<Scalars['ID']['input']>;
};


export type QueryOrganizationArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOrganizationTimelineArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryOrganizationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<OrganizationFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryPersonArgs = {
  id: Scalars['ID']['input'];
};


export type QueryPersonCountArgs = {
  filter?: InputMaybe<PersonFilter>;
};


export type QueryPersonsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  descending?: Scalars['Boolean']['input'];
  filter?: InputMaybe<PersonFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  sort?: PersonSort;
};


export type QueryPreviewSegmentArgs = {
  rule: Scalars['JSON']['input'];
};


export type QueryPreviewTemplateArgs = {
  personId: Scalars['ID']['input'];
  templateId: Scalars['ID']['input'];
};


export type QueryProofDossierArgs = {
  channel: ConsentChannel;
  personId: Scalars['ID']['input'];
};


export type QueryRetentionDryRunArgs = {
  id: Scalars['ID']['input'];
  limit?: Scalars['Int']['input'];
};


export type QuerySearchContactsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  facets?: InputMaybe<Array<SearchFacet>>;
  filters?: InputMaybe<SearchFilterInput>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  query: Scalars['String']['input'];
};


export type QuerySegmentArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySegmentSnapshotArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySegmentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySettingArgs = {
  key: Scalars['String']['input'];
};


export type QuerySettingsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryStalePersonsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  months: Scalars['Int']['input'];
};


export type QuerySuppressionArgs = {
  value: Scalars['String']['input'];
};


export type QueryTargetGroupArgs = {
  id: Scalars['ID']['input'];
};


export type QueryTenantArgs = {
  id: Scalars['ID']['input'];
};


export type QueryTenantsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryUnsubscribeLinkArgs = {
  channel: ConsentChannel;
  personId: Scalars['ID']['input'];
  purpose: Scalars['String']['input'];
};

/** The input of `reactivateTenant`. */
export type ReactivateTenantInput = {
  id: Scalars['ID']['input'];
};

/** The result of `reactivateTenant`. */
export type ReactivateTenantPayload = {
  __typename?: 'ReactivateTenantPayload';
  tenant?: Maybe<Tenant>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): one row of a computed report. */
export type ReasonCount = {
  __typename?: 'ReasonCount';
  allowed: Scalars['Boolean']['output'];
  persons: Scalars['Int']['output'];
  reason: Scalars['String']['output'];
};

/** The result of `recordConsent`. */
export type RecordConsentPayload = {
  __typename?: 'RecordConsentPayload';
  consentEvent?: Maybe<ConsentEvent>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `recordDeliveryEvent`. */
export type RecordDeliveryEventInput = {
  kind: DeliveryEventKind;
  messageId: Scalars['String']['input'];
};

/** The result of `recordDeliveryEvent`. */
export type RecordDeliveryEventPayload = {
  __typename?: 'RecordDeliveryEventPayload';
  result?: Maybe<DeliveryEventResult>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `recordExistingCustomer`. */
export type RecordExistingCustomerPayload = {
  __typename?: 'RecordExistingCustomerPayload';
  existingCustomerRecord?: Maybe<ExistingCustomerRecord>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** Events staff may record. `PENDING` and `CONFIRMED` come only from the double opt-in flow. */
export type RecordableConsentKind =
  | 'EXPIRED'
  | 'GRANTED'
  | 'OBJECTED'
  | 'PRESUMED'
  | 'REVOKED';

/** The input of `refresh`. */
export type RefreshInput = {
  refreshToken: Scalars['String']['input'];
};

/** The input of `refreshSegment`. */
export type RefreshSegmentInput = {
  id: Scalars['ID']['input'];
};

/** The result of `refreshSegment`. */
export type RefreshSegmentPayload = {
  __typename?: 'RefreshSegmentPayload';
  refresh?: Maybe<SegmentRefresh>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `reindexSearch`. */
export type ReindexSearchPayload = {
  __typename?: 'ReindexSearchPayload';
  started?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** Who works where: a person at an organization, with job title and buying-center role. */
export type Relation = Node & {
  __typename?: 'Relation';
  buyingRole?: Maybe<BuyingRole>;
  createdAt: Scalars['DateTime']['output'];
  /** Opaque; the same for as long as the person and the organization stay linked. */
  id: Scalars['ID']['output'];
  isPrimary: Scalars['Boolean']['output'];
  jobTitle?: Maybe<Scalars['String']['output']>;
  /** The organization. */
  organization?: Maybe<Organization>;
  organizationId: Scalars['ID']['output'];
  /** The person. */
  person?: Maybe<Person>;
  personId: Scalars['ID']['output'];
};

export type RelationInput = {
  buyingRole?: InputMaybe<BuyingRole>;
  isPrimary?: Scalars['Boolean']['input'];
  jobTitle?: InputMaybe<Scalars['String']['input']>;
  organizationId: Scalars['ID']['input'];
  personId: Scalars['ID']['input'];
};

/** The input of `removeMember`. */
export type RemoveMemberInput = {
  userId: Scalars['ID']['input'];
};

/** The result of `removeMember`. */
export type RemoveMemberPayload = {
  __typename?: 'RemoveMemberPayload';
  removed?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `removeSegmentMembers`. */
export type RemoveSegmentMembersInput = {
  id: Scalars['ID']['input'];
  personIds: Array<Scalars['ID']['input']>;
};

/** The result of `removeSegmentMembers`. */
export type RemoveSegmentMembersPayload = {
  __typename?: 'RemoveSegmentMembersPayload';
  removed?: Maybe<Scalars['Int']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `removeSuppression`. */
export type RemoveSuppressionInput = {
  value: Scalars['String']['input'];
};

/** The result of `removeSuppression`. */
export type RemoveSuppressionPayload = {
  __typename?: 'RemoveSuppressionPayload';
  removed?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `renameTenant`. */
export type RenameTenantInput = {
  name: Scalars['String']['input'];
};

/** The result of `renameTenant`. */
export type RenameTenantPayload = {
  __typename?: 'RenameTenantPayload';
  tenant?: Maybe<Tenant>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The archived person to restore. */
export type RestorePersonInput = {
  id: Scalars['ID']['input'];
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The person as restored. */
export type RestorePersonPayload = {
  __typename?: 'RestorePersonPayload';
  person?: Maybe<Person>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `restrictProcessing`. */
export type RestrictProcessingInput = {
  personId: Scalars['ID']['input'];
  /** Why (a request, a contested accuracy, a pending objection); kept in the audit log. */
  reason: Scalars['String']['input'];
};

/** The result of `restrictProcessing`. */
export type RestrictProcessingPayload = {
  __typename?: 'RestrictProcessingPayload';
  person?: Maybe<Person>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type RetentionAction =
  /** Erase right away. */
  | 'ERASE'
  /** Hand over for erasure (erasure queue, archived), for a person to confirm. */
  | 'FLAG';

/** A value object (no id): one row of a retention dry run. */
export type RetentionCandidate = {
  __typename?: 'RetentionCandidate';
  createdAt: Scalars['DateTime']['output'];
  email?: Maybe<Scalars['String']['output']>;
  firstName?: Maybe<Scalars['String']['output']>;
  /** Already handed over for erasure. */
  flagged: Scalars['Boolean']['output'];
  lastInteractionAt?: Maybe<Scalars['DateTime']['output']>;
  lastName?: Maybe<Scalars['String']['output']>;
  personId: Scalars['ID']['output'];
};

/** A value object (no id): computed: what a retention policy would erase. */
export type RetentionDryRun = {
  __typename?: 'RetentionDryRun';
  cutoff: Scalars['DateTime']['output'];
  sample: Array<RetentionCandidate>;
  total: Scalars['Int']['output'];
};

export type RetentionPolicy = {
  __typename?: 'RetentionPolicy';
  /** `flag` or `erase`. */
  action: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  createdBy: Actor;
  enabled: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  inactiveMonths: Scalars['Int']['output'];
  lastResult?: Maybe<Scalars['JSON']['output']>;
  lastRunAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
};

export type RetentionPolicyInput = {
  action: RetentionAction;
  enabled?: Scalars['Boolean']['input'];
  /** Due after this many months without interaction, purchase or consent activity. */
  inactiveMonths: Scalars['Int']['input'];
  name: Scalars['String']['input'];
};

/** The input of `revokeApiKey`. */
export type RevokeApiKeyInput = {
  id: Scalars['ID']['input'];
};

/** The result of `revokeApiKey`. */
export type RevokeApiKeyPayload = {
  __typename?: 'RevokeApiKeyPayload';
  apiKey?: Maybe<ApiKey>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type Role =
  | 'ADMIN'
  | 'MEMBER'
  | 'OWNER'
  | 'VIEWER';

/** How bad an import row's problem is. */
export type RowSeverity =
  /** The row was not written. */
  | 'ERROR'
  /** The row was written; something about it deserves a look. */
  | 'WARNING';

/** The result of `runAbcAnalysis`. */
export type RunAbcAnalysisPayload = {
  __typename?: 'RunAbcAnalysisPayload';
  report?: Maybe<AbcReport>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `runLifecycle`. */
export type RunLifecyclePayload = {
  __typename?: 'RunLifecyclePayload';
  run?: Maybe<LifecycleRun>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `runRetentionPolicy`. */
export type RunRetentionPolicyInput = {
  id: Scalars['ID']['input'];
};

/** The result of `runRetentionPolicy`. */
export type RunRetentionPolicyPayload = {
  __typename?: 'RunRetentionPolicyPayload';
  result?: Maybe<Scalars['JSON']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `scanDuplicates`. */
export type ScanDuplicatesPayload = {
  __typename?: 'ScanDuplicatesPayload';
  scan?: Maybe<DuplicateScan>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `scoreBant`. */
export type ScoreBantPayload = {
  __typename?: 'ScoreBantPayload';
  bantScore?: Maybe<BantScore>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type SearchFacet =
  | 'CITY'
  | 'INDUSTRY'
  | 'KIND'
  | 'LIFECYCLE_STAGE'
  | 'OWNER'
  | 'TAGS';

/** All given filters must hold; within one, any of the values. */
export type SearchFilterInput = {
  cities?: Array<Scalars['String']['input']>;
  industries?: Array<Scalars['String']['input']>;
  kind?: InputMaybe<ContactKind>;
  lifecycleStages?: Array<Scalars['String']['input']>;
  owners?: Array<Scalars['UUID']['input']>;
  /** Every one of these tags. */
  tags?: Array<Scalars['String']['input']>;
};

/**
 * A matched field: its text HTML-escaped, the matched words in `<mark>`.
 *
 * A value object (no id): one highlighted field of a search hit.
 */
export type SearchHighlight = {
  __typename?: 'SearchHighlight';
  /** `name`, `organization`, `email`, `city`, `postalCode` or `phone`. */
  field: Scalars['String']['output'];
  html: Scalars['String']['output'];
};

/**
 * One search hit: the fields of a person or organization as they were indexed, with
 * highlights. A value object with no id of its own (a cache keeps it inside its edge);
 * `contactId` names the record, and `person` or `organization` links to it as it is now.
 */
export type SearchHit = {
  __typename?: 'SearchHit';
  city?: Maybe<Scalars['String']['output']>;
  /** The id of the person or organization found. */
  contactId: Scalars['ID']['output'];
  email?: Maybe<Scalars['String']['output']>;
  firstName?: Maybe<Scalars['String']['output']>;
  highlights: Array<SearchHighlight>;
  industry?: Maybe<Scalars['String']['output']>;
  kind: ContactKind;
  lastName?: Maybe<Scalars['String']['output']>;
  lifecycleStage: LifecycleStage;
  name: Scalars['String']['output'];
  /** The organization found; null for a person (and for an organization deleted since). */
  organization?: Maybe<Organization>;
  /** A person's organization, by name as indexed. */
  organizationName?: Maybe<Scalars['String']['output']>;
  ownerId?: Maybe<Scalars['ID']['output']>;
  /** The person found; null for an organization (and for a person deleted since). */
  person?: Maybe<Person>;
  phones: Array<Scalars['String']['output']>;
  position?: Maybe<Scalars['String']['output']>;
  postalCode?: Maybe<Scalars['String']['output']>;
  tags: Array<Scalars['String']['output']>;
};

export type SearchHitConnection = {
  __typename?: 'SearchHitConnection';
  /** `postgres` or `meilisearch`. */
  backend: Scalars['String']['output'];
  /** A list of edges. */
  edges: Array<SearchHitEdge>;
  /** Counted over every match when `totalCountExact`, else over the first 1,000 hits. */
  facets: Array<FacetCount>;
  /** A list of nodes. */
  nodes: Array<SearchHit>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  tookMs: Scalars['Float']['output'];
  /**
   * Matching contacts, counted up to 1,000 (paging reaches the first 1,000). When more
   * match, this is 1,000 and `totalCountExact` is false: show "1,000+".
   */
  totalCount: Scalars['Int']['output'];
  /**
   * Whether `totalCount` is exact. When it is not, facet counts cover the first 1,000 hits
   * (in rank order; without a query, the first 1,000 found) rather than every match: a
   * broad query never costs a pass over every match.
   */
  totalCountExact: Scalars['Boolean']['output'];
};

/** An edge in a connection. */
export type SearchHitEdge = {
  __typename?: 'SearchHitEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: SearchHit;
};

/** A value object (no id): the search backend's state, computed. */
export type SearchStatus = {
  __typename?: 'SearchStatus';
  /** `postgres` or `meilisearch`. */
  backend: Scalars['String']['output'];
  /** Consecutive failed attempts to reach the engine (it is retried with backoff). */
  failures: Scalars['Int']['output'];
  /** Age of the oldest pending change in seconds (0 when the index is current). */
  lagSeconds: Scalars['Float']['output'];
  lastDrainedAt?: Maybe<Scalars['DateTime']['output']>;
  lastError?: Maybe<Scalars['String']['output']>;
  lastErrorAt?: Maybe<Scalars['DateTime']['output']>;
  oldestPendingAt?: Maybe<Scalars['DateTime']['output']>;
  /** Changes not yet in the index. */
  pendingChanges: Scalars['Int']['output'];
  reindexedAt?: Maybe<Scalars['DateTime']['output']>;
};

/**
 * A segment: a rule evaluated live, or a static list.
 *
 * A rule is a JSON tree: `{"and": [...]}`, `{"or": [...]}`, `{"not": {...}}` or a condition
 * `{"field": F, "op": O, "value": V, "filter": {...}}`. Fields: person fields (`city`,
 * `postalCode`, `birthday`, `tags`, `lifecycleStage`, `doNotReactivate`, `dnrReason`,
 * `ownerId`, `lastInteractionAt`, `dormantSince`, `exCustomerSince`, ...), `custom.<key>`,
 * `organization.<field>` and `organization.custom.<key>`, `interactions.count|last`,
 * `transactions.count|sum|last|overdue` (filter: kinds, directions or statuses, period),
 * `mayContact` (filter: channel, purpose), `abcClass`, `bant.total|budget|authority|need|timing`
 * and `segment` (`memberOf` another segment). `segmentFields` lists the operators per field.
 */
export type Segment = Node & {
  __typename?: 'Segment';
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  createdBy: Actor;
  description?: Maybe<Scalars['String']['output']>;
  /** Who entered or left (at refreshes, or by hand for static lists), newest first. */
  history: MembershipEventConnection;
  id: Scalars['ID']['output'];
  kind: SegmentKind;
  /**
   * The number of members now: a count over the segment's rule, per segment (each rule is
   * its own query), so it costs 20 in the complexity limit.
   */
  liveCount: Scalars['Int']['output'];
  /** Members at the last refresh (the live figure is `liveCount`). */
  memberCount?: Maybe<Scalars['Int']['output']>;
  /** The members now, by name. */
  members: PersonConnection;
  name: Scalars['String']['output'];
  refreshedAt?: Maybe<Scalars['DateTime']['output']>;
  rule?: Maybe<Scalars['JSON']['output']>;
  /** Frozen member lists (campaign audiences), newest first. */
  snapshots: SegmentSnapshotConnection;
  updatedAt: Scalars['DateTime']['output'];
  version: Scalars['Int']['output'];
};


/**
 * A segment: a rule evaluated live, or a static list.
 *
 * A rule is a JSON tree: `{"and": [...]}`, `{"or": [...]}`, `{"not": {...}}` or a condition
 * `{"field": F, "op": O, "value": V, "filter": {...}}`. Fields: person fields (`city`,
 * `postalCode`, `birthday`, `tags`, `lifecycleStage`, `doNotReactivate`, `dnrReason`,
 * `ownerId`, `lastInteractionAt`, `dormantSince`, `exCustomerSince`, ...), `custom.<key>`,
 * `organization.<field>` and `organization.custom.<key>`, `interactions.count|last`,
 * `transactions.count|sum|last|overdue` (filter: kinds, directions or statuses, period),
 * `mayContact` (filter: channel, purpose), `abcClass`, `bant.total|budget|authority|need|timing`
 * and `segment` (`memberOf` another segment). `segmentFields` lists the operators per field.
 */
export type SegmentHistoryArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  personId?: InputMaybe<Scalars['ID']['input']>;
};


/**
 * A segment: a rule evaluated live, or a static list.
 *
 * A rule is a JSON tree: `{"and": [...]}`, `{"or": [...]}`, `{"not": {...}}` or a condition
 * `{"field": F, "op": O, "value": V, "filter": {...}}`. Fields: person fields (`city`,
 * `postalCode`, `birthday`, `tags`, `lifecycleStage`, `doNotReactivate`, `dnrReason`,
 * `ownerId`, `lastInteractionAt`, `dormantSince`, `exCustomerSince`, ...), `custom.<key>`,
 * `organization.<field>` and `organization.custom.<key>`, `interactions.count|last`,
 * `transactions.count|sum|last|overdue` (filter: kinds, directions or statuses, period),
 * `mayContact` (filter: channel, purpose), `abcClass`, `bant.total|budget|authority|need|timing`
 * and `segment` (`memberOf` another segment). `segmentFields` lists the operators per field.
 */
export type SegmentMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * A segment: a rule evaluated live, or a static list.
 *
 * A rule is a JSON tree: `{"and": [...]}`, `{"or": [...]}`, `{"not": {...}}` or a condition
 * `{"field": F, "op": O, "value": V, "filter": {...}}`. Fields: person fields (`city`,
 * `postalCode`, `birthday`, `tags`, `lifecycleStage`, `doNotReactivate`, `dnrReason`,
 * `ownerId`, `lastInteractionAt`, `dormantSince`, `exCustomerSince`, ...), `custom.<key>`,
 * `organization.<field>` and `organization.custom.<key>`, `interactions.count|last`,
 * `transactions.count|sum|last|overdue` (filter: kinds, directions or statuses, period),
 * `mayContact` (filter: channel, purpose), `abcClass`, `bant.total|budget|authority|need|timing`
 * and `segment` (`memberOf` another segment). `segmentFields` lists the operators per field.
 */
export type SegmentSnapshotsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type SegmentConnection = {
  __typename?: 'SegmentConnection';
  /** A list of edges. */
  edges: Array<SegmentEdge>;
  /** A list of nodes. */
  nodes: Array<Segment>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type SegmentEdge = {
  __typename?: 'SegmentEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Segment;
};

/**
 * A field rules can use, with its type and operators.
 *
 * A value object (no id): one entry of the static segment-field catalog.
 */
export type SegmentField = {
  __typename?: 'SegmentField';
  field: Scalars['String']['output'];
  operators: Array<Scalars['String']['output']>;
  type: Scalars['String']['output'];
  /** The allowed values of enum and picklist fields. */
  values?: Maybe<Array<Scalars['String']['output']>>;
};

export type SegmentInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /** The rule of a dynamic segment; leave out for a static list. */
  rule?: InputMaybe<Scalars['JSON']['input']>;
};

export type SegmentKind =
  /** Members follow a rule, evaluated live. */
  | 'DYNAMIC'
  /** Members are added and removed by hand. */
  | 'STATIC';

/**
 * A value object (no id): what a rule would select now, its count and its members (paged like
 * every list), without saving a segment.
 */
export type SegmentPreview = {
  __typename?: 'SegmentPreview';
  /** How many persons the rule selects. */
  count: Scalars['Int']['output'];
  /** The persons the rule selects, by last name. */
  members: PersonConnection;
};


/**
 * A value object (no id): what a rule would select now, its count and its members (paged like
 * every list), without saving a segment.
 */
export type SegmentPreviewMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** A value object (no id): the result of one segment refresh. */
export type SegmentRefresh = {
  __typename?: 'SegmentRefresh';
  entered: Scalars['Int']['output'];
  left: Scalars['Int']['output'];
  members: Scalars['Int']['output'];
};

/** The members of a segment frozen at one moment (a campaign's audience). */
export type SegmentSnapshot = Node & {
  __typename?: 'SegmentSnapshot';
  id: Scalars['ID']['output'];
  label?: Maybe<Scalars['String']['output']>;
  memberCount: Scalars['Int']['output'];
  members: PersonConnection;
  rule?: Maybe<Scalars['JSON']['output']>;
  segmentId: Scalars['ID']['output'];
  takenAt: Scalars['DateTime']['output'];
  takenBy: Actor;
};


/** The members of a segment frozen at one moment (a campaign's audience). */
export type SegmentSnapshotMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type SegmentSnapshotConnection = {
  __typename?: 'SegmentSnapshotConnection';
  /** A list of edges. */
  edges: Array<SegmentSnapshotEdge>;
  /** A list of nodes. */
  nodes: Array<SegmentSnapshot>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type SegmentSnapshotEdge = {
  __typename?: 'SegmentSnapshotEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: SegmentSnapshot;
};

/** The input of `setMember`. */
export type SetMemberInput = {
  email: Scalars['String']['input'];
  role: Role;
};

/** The result of `setMember`. */
export type SetMemberPayload = {
  __typename?: 'SetMemberPayload';
  member?: Maybe<Member>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `setSetting`. */
export type SetSettingInput = {
  key: Scalars['String']['input'];
  value: Scalars['JSON']['input'];
};

/** The result of `setSetting`. */
export type SetSettingPayload = {
  __typename?: 'SetSettingPayload';
  setting?: Maybe<Setting>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A tenant setting: a JSON value under a dotted key. */
export type Setting = Node & {
  __typename?: 'Setting';
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  key: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
  /** `user:<id>` or `api_key:<id>`. */
  updatedBy: Actor;
  value: Scalars['JSON']['output'];
};

export type SettingConnection = {
  __typename?: 'SettingConnection';
  /** A list of edges. */
  edges: Array<SettingEdge>;
  /** A list of nodes. */
  nodes: Array<Setting>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type SettingEdge = {
  __typename?: 'SettingEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Setting;
};

export type SignUpInput = {
  agencyName: Scalars['String']['input'];
  displayName: Scalars['String']['input'];
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

/** The result of `signUp`: the same whether or not the address has an account. */
export type SignUpPayload = {
  __typename?: 'SignUpPayload';
  /**
   * True: a mail is on its way to the address (a confirmation link, or, when the
   * address has an account already, a note to its owner).
   */
  accepted?: Maybe<Scalars['Boolean']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type Snippet = {
  __typename?: 'Snippet';
  body: Scalars['String']['output'];
  /** Opaque and unique across types and tenants. */
  id: Scalars['ID']['output'];
  key: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
  updatedBy: Actor;
  version: Scalars['Int']['output'];
};

export type StartImportInput = {
  /**
   * A consent every imported row gave (e.g. newsletter sign-ups collected on paper at a
   * trade fair), recorded with this import as proof. Rows with a suppressed address get none.
   */
  consent?: InputMaybe<ImportConsentInput>;
  dryRun?: Scalars['Boolean']['input'];
  /**
   * One entry per column: a person field (`first_name`, `email`, `custom.<key>`, `tags`,
   * `organization`, `job_title`, `note` — a note on the person's timeline — …) or null to
   * skip. Take `importPreview.suggestedMapping` as the starting point.
   */
  mapping: Array<InputMaybe<Scalars['String']['input']>>;
  /** Existing persons are matched on these, in order: `email`, `external_id`. */
  matchKeys?: Array<Scalars['String']['input']>;
  /**
   * Custom fields to create for columns mapped to `custom.<key>` (see
   * `importPreview.suggestedNewFields`); one that exists with the same kind is used as is.
   */
  newFields?: Array<ImportNewFieldInput>;
  /**
   * Refuse a row with any invalid field. By default an invalid optional field (an email,
   * phone, birthday, picklist value) is left empty and reported as a warning, and only rows
   * with neither a last name nor a usable email are refused.
   */
  strict?: Scalars['Boolean']['input'];
  uploadId: Scalars['ID']['input'];
};

/** The result of `startImport`. */
export type StartImportPayload = {
  __typename?: 'StartImportPayload';
  import?: Maybe<Import>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `storeConsentText`. */
export type StoreConsentTextInput = {
  body: Scalars['String']['input'];
  language?: Scalars['String']['input'];
  title: Scalars['String']['input'];
};

/** The result of `storeConsentText`. */
export type StoreConsentTextPayload = {
  __typename?: 'StoreConsentTextPayload';
  consentText?: Maybe<ConsentText>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): a signed form token, generated and not stored. */
export type SubscribeForm = {
  __typename?: 'SubscribeForm';
  /** Where the form posts to (`email`, optional `firstName`, `lastName`, `token`). */
  actionUrl: Scalars['String']['output'];
  /** Put this in the form as the hidden field `token`. */
  token: Scalars['String']['output'];
};

/** A value object (no id): computed counts. */
export type SuppressionCounts = {
  __typename?: 'SuppressionCounts';
  email: Scalars['Int']['output'];
  phone: Scalars['Int']['output'];
};

/** A value object (no id): the answer to looking up one address (the list keeps keyed hashes, not ids). */
export type SuppressionEntry = {
  __typename?: 'SuppressionEntry';
  createdAt: Scalars['DateTime']['output'];
  createdBy: Actor;
  kind: SuppressionKind;
  reason: Scalars['String']['output'];
};

/** Which kind of address a suppression entry blocks. */
export type SuppressionKind =
  | 'EMAIL'
  | 'PHONE';

export type SuppressionReason =
  | 'BOUNCE'
  | 'COMPLAINT'
  | 'MANUAL'
  | 'UNSUBSCRIBE';

/** The input of `suspendTenant`. */
export type SuspendTenantInput = {
  id: Scalars['ID']['input'];
};

/** The result of `suspendTenant`. */
export type SuspendTenantPayload = {
  __typename?: 'SuspendTenantPayload';
  tenant?: Maybe<Tenant>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `takeSegmentSnapshot`. */
export type TakeSegmentSnapshotInput = {
  id: Scalars['ID']['input'];
  label?: InputMaybe<Scalars['String']['input']>;
};

/** The result of `takeSegmentSnapshot`. */
export type TakeSegmentSnapshotPayload = {
  __typename?: 'TakeSegmentSnapshotPayload';
  snapshot?: Maybe<SegmentSnapshot>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

export type TargetGroup = Node & {
  __typename?: 'TargetGroup';
  access: Scalars['Int']['output'];
  competition: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  createdBy: Actor;
  description?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  offer?: Maybe<Scalars['String']['output']>;
  passion: Scalars['Int']['output'];
  problems: Array<Scalars['String']['output']>;
  profit: Scalars['Int']['output'];
  /** 1 = most attractive; ties share a rank. */
  rank: Scalars['Int']['output'];
  segmentId?: Maybe<Scalars['ID']['output']>;
  /** profit + competition + access + passion (4..20). */
  total: Scalars['Int']['output'];
  updatedAt: Scalars['DateTime']['output'];
  version: Scalars['Int']['output'];
};

export type TargetGroupInput = {
  access: Scalars['Int']['input'];
  competition: Scalars['Int']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  offer?: InputMaybe<Scalars['String']['input']>;
  passion: Scalars['Int']['input'];
  problems?: Array<Scalars['String']['input']>;
  /** 1..5 each; competition 5 = little competition. */
  profit: Scalars['Int']['input'];
  segmentId?: InputMaybe<Scalars['ID']['input']>;
};

export type Template = Node & {
  __typename?: 'Template';
  body: Scalars['String']['output'];
  channel: CampaignChannel;
  html?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  subject?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  version: Scalars['Int']['output'];
};

export type TemplateInput = {
  /** The text body (email text part, letter text, call or social script). */
  body: Scalars['String']['input'];
  channel: CampaignChannel;
  /** Email only: the HTML body (values are HTML-escaped). */
  html?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /** Email only. */
  subject?: InputMaybe<Scalars['String']['input']>;
};

/** A value object (no id): a rendered preview. */
export type TemplatePreview = {
  __typename?: 'TemplatePreview';
  html?: Maybe<Scalars['String']['output']>;
  /** Set when the contact lacks a value the template prints: they would be skipped. */
  missingValue?: Maybe<Scalars['String']['output']>;
  subject?: Maybe<Scalars['String']['output']>;
  text?: Maybe<Scalars['String']['output']>;
};

/** A client company of the agency; its data lives in its own schema. */
export type Tenant = Node & {
  __typename?: 'Tenant';
  createdAt: Scalars['DateTime']['output'];
  /** Send as `X-Tenant-Id` to act in this tenant. */
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  slug: Scalars['String']['output'];
  status: TenantStatus;
  updatedAt: Scalars['DateTime']['output'];
};

export type TenantConnection = {
  __typename?: 'TenantConnection';
  /** A list of edges. */
  edges: Array<TenantEdge>;
  /** A list of nodes. */
  nodes: Array<Tenant>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type TenantEdge = {
  __typename?: 'TenantEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Tenant;
};

export type TenantStatus =
  | 'ACTIVE'
  /** Requests naming a suspended tenant get FORBIDDEN. */
  | 'SUSPENDED';

/**
 * One entry of a timeline: when it happened (`at`, the order of the timeline) and what. Each
 * kind of entry links its object under its own field (`interaction`, `transaction`, `merge`,
 * `message`), so one query over every kind validates without aliases even where the objects
 * have same-named fields of different types (`kind`, `status`).
 */
export type TimelineEntry = {
  /** When it happened; the timeline is ordered by it, newest first. */
  at: Scalars['DateTime']['output'];
};

export type TimelineEntryConnection = {
  __typename?: 'TimelineEntryConnection';
  /** A list of edges. */
  edges: Array<TimelineEntryEdge>;
  /** A list of nodes. */
  nodes: Array<TimelineEntry>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /**
   * The number of items in the whole list (every page), exact. Counted only when asked
   * for, with the list's filter, in the same snapshot as the page: on a tenant with a
   * million persons an unfiltered person count takes a few hundred milliseconds, so ask
   * for it once per filter rather than on every page turn.
   */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type TimelineEntryEdge = {
  __typename?: 'TimelineEntryEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: TimelineEntry;
};

export type Transaction = Node & {
  __typename?: 'Transaction';
  /** In minor units (cents). */
  amountMinor: Scalars['Int']['output'];
  archivedAt?: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** ISO 4217. */
  currency: Scalars['String']['output'];
  /** Days paid late, or days overdue today while open. */
  daysLate?: Maybe<Scalars['Int']['output']>;
  description?: Maybe<Scalars['String']['output']>;
  dueOn?: Maybe<Scalars['NaiveDate']['output']>;
  id: Scalars['ID']['output'];
  issuedOn: Scalars['NaiveDate']['output'];
  kind: TransactionKind;
  /** Order or invoice number, unique per kind. */
  number: Scalars['String']['output'];
  organizationId?: Maybe<Scalars['ID']['output']>;
  paidOn?: Maybe<Scalars['NaiveDate']['output']>;
  personId?: Maybe<Scalars['ID']['output']>;
  status: TransactionStatus;
  version: Scalars['Int']['output'];
};

/**
 * A timeline entry: an order, invoice, quote or credit note (`at` is its issue date).
 *
 * A value object (no id): a timeline entry: the transaction inside has its id.
 */
export type TransactionEntry = TimelineEntry & {
  __typename?: 'TransactionEntry';
  /** When it happened; the timeline is ordered by it, newest first. */
  at: Scalars['DateTime']['output'];
  transaction: Transaction;
};

export type TransactionInput = {
  amountMinor: Scalars['Int']['input'];
  currency?: Scalars['String']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  dueOn?: InputMaybe<Scalars['NaiveDate']['input']>;
  /** Defaults to today. */
  issuedOn?: InputMaybe<Scalars['NaiveDate']['input']>;
  kind: TransactionKind;
  number: Scalars['String']['input'];
  organizationId?: InputMaybe<Scalars['ID']['input']>;
  paidOn?: InputMaybe<Scalars['NaiveDate']['input']>;
  personId?: InputMaybe<Scalars['ID']['input']>;
  status?: TransactionStatus;
};

export type TransactionKind =
  | 'INVOICE'
  | 'ORDER';

export type TransactionPatch = {
  amountMinor?: InputMaybe<Scalars['Int']['input']>;
  currency?: InputMaybe<Scalars['String']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  dueOn?: InputMaybe<Scalars['NaiveDate']['input']>;
  issuedOn?: InputMaybe<Scalars['NaiveDate']['input']>;
  number?: InputMaybe<Scalars['String']['input']>;
  paidOn?: InputMaybe<Scalars['NaiveDate']['input']>;
  status?: InputMaybe<TransactionStatus>;
};

export type TransactionStatus =
  | 'CANCELLED'
  | 'OPEN'
  | 'PAID';

/** The input of `transitionCampaign`. */
export type TransitionCampaignInput = {
  id: Scalars['ID']['input'];
  scheduledAt?: InputMaybe<Scalars['DateTime']['input']>;
  to: CampaignStatus;
  version: Scalars['Int']['input'];
};

/** The result of `transitionCampaign`. */
export type TransitionCampaignPayload = {
  __typename?: 'TransitionCampaignPayload';
  transition?: Maybe<CampaignTransition>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The link to remove. */
export type UnlinkPersonFromOrganizationInput = {
  organizationId: Scalars['ID']['input'];
  personId: Scalars['ID']['input'];
};

/** Both ends of the removed link, whose lists changed. */
export type UnlinkPersonFromOrganizationPayload = {
  __typename?: 'UnlinkPersonFromOrganizationPayload';
  organization?: Maybe<Organization>;
  person?: Maybe<Person>;
  /** The removed link's id (for `@deleteRecord`); null when there was no such link. */
  unlinkedRelationId?: Maybe<Scalars['ID']['output']>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** A value object (no id): a signed link, generated and not stored. */
export type UnsubscribeLink = {
  __typename?: 'UnsubscribeLink';
  /** `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058) for the mail that carries it. */
  headers: Array<MailHeader>;
  url: Scalars['String']['output'];
};

/** The result of `updateAbcSettings`. */
export type UpdateAbcSettingsPayload = {
  __typename?: 'UpdateAbcSettingsPayload';
  settings?: Maybe<AbcSettings>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `updateCampaign`. */
export type UpdateCampaignInput = {
  id: Scalars['ID']['input'];
  patch: CampaignInput;
  version: Scalars['Int']['input'];
};

/** The result of `updateCampaign`. */
export type UpdateCampaignPayload = {
  __typename?: 'UpdateCampaignPayload';
  campaign?: Maybe<Campaign>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `updateCampaignSettings`. */
export type UpdateCampaignSettingsPayload = {
  __typename?: 'UpdateCampaignSettingsPayload';
  settings?: Maybe<CampaignSettingsObject>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `updateCompliancePolicy`. */
export type UpdateCompliancePolicyPayload = {
  __typename?: 'UpdateCompliancePolicyPayload';
  policy?: Maybe<CompliancePolicy>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** Changes to an interaction. */
export type UpdateInteractionInput = {
  id: Scalars['ID']['input'];
  patch: InteractionPatch;
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The interaction as changed. */
export type UpdateInteractionPayload = {
  __typename?: 'UpdateInteractionPayload';
  interaction?: Maybe<Interaction>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The result of `updateLifecycleSettings`. */
export type UpdateLifecycleSettingsPayload = {
  __typename?: 'UpdateLifecycleSettingsPayload';
  settings?: Maybe<LifecycleSettings>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** Changes to an organization: given fields replace, omitted fields stay. */
export type UpdateOrganizationInput = {
  id: Scalars['ID']['input'];
  patch: OrganizationInput;
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The organization as changed. */
export type UpdateOrganizationPayload = {
  __typename?: 'UpdateOrganizationPayload';
  organization?: Maybe<Organization>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** Changes to a person. */
export type UpdatePersonInput = {
  id: Scalars['ID']['input'];
  patch: PersonPatch;
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The person as changed. */
export type UpdatePersonPayload = {
  __typename?: 'UpdatePersonPayload';
  person?: Maybe<Person>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `updateSegment`. */
export type UpdateSegmentInput = {
  id: Scalars['ID']['input'];
  patch: SegmentInput;
  version: Scalars['Int']['input'];
};

/** The result of `updateSegment`. */
export type UpdateSegmentPayload = {
  __typename?: 'UpdateSegmentPayload';
  segment?: Maybe<Segment>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `updateTargetGroup`. */
export type UpdateTargetGroupInput = {
  id: Scalars['ID']['input'];
  patch: TargetGroupInput;
  version: Scalars['Int']['input'];
};

/** The result of `updateTargetGroup`. */
export type UpdateTargetGroupPayload = {
  __typename?: 'UpdateTargetGroupPayload';
  targetGroup?: Maybe<TargetGroup>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** The input of `updateTemplate`. */
export type UpdateTemplateInput = {
  id: Scalars['ID']['input'];
  patch: TemplateInput;
  version: Scalars['Int']['input'];
};

/** The result of `updateTemplate`. */
export type UpdateTemplatePayload = {
  __typename?: 'UpdateTemplatePayload';
  template?: Maybe<Template>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** Changes to a transaction. */
export type UpdateTransactionInput = {
  id: Scalars['ID']['input'];
  patch: TransactionPatch;
  /** The version last read; a stale one changes nothing and answers CONFLICT. */
  version: Scalars['Int']['input'];
};

/** The transaction as changed. */
export type UpdateTransactionPayload = {
  __typename?: 'UpdateTransactionPayload';
  transaction?: Maybe<Transaction>;
  /** What the user can fix; empty when the mutation succeeded. */
  userErrors: Array<UserError>;
};

/** An uploaded file (its bytes are removed after a completed import or by erasure). */
export type Upload = {
  __typename?: 'Upload';
  complete: Scalars['Boolean']['output'];
  createdAt: Scalars['DateTime']['output'];
  createdBy: Actor;
  filename: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  purgedAt?: Maybe<Scalars['DateTime']['output']>;
  sizeBytes: Scalars['Int']['output'];
};

export type User = {
  __typename?: 'User';
  agency: Agency;
  agencyRole: AgencyRole;
  createdAt: Scalars['DateTime']['output'];
  displayName: Scalars['String']['output'];
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
};

/**
 * A problem with the input that the user can fix; the mutation changed nothing.
 *
 * A value object (no id): what the user can fix, inside a mutation payload.
 */
export type UserError = {
  __typename?: 'UserError';
  code: UserErrorCode;
  /**
   * The path to the input field at fault, from the mutation's argument:
   * `["input", "postalCode"]`, `["input", "patch", "email"]`. Null when the error is about
   * the input as a whole (a stale version, a record that does not exist).
   */
  field?: Maybe<Array<Scalars['String']['output']>>;
  message: Scalars['String']['output'];
};

/**
 * What a user can fix, as `userErrors[].code`. A closed set: adding a value is a contract
 * change.
 */
export type UserErrorCode =
  /** The change conflicts with current state: a stale `version`, a duplicate key. */
  | 'CONFLICT'
  /** The contact has no consent for the channel and purpose. */
  | 'CONSENT_REQUIRED'
  /** An object the input names does not exist, or is not visible to the caller. */
  | 'NOT_FOUND'
  /** The person is under restriction of processing (Art. 18 GDPR); lift it first. */
  | 'RESTRICTED'
  /** A signed public link is past its expiry. */
  | 'TOKEN_EXPIRED'
  /** A signed public link is forged, malformed or for another action. */
  | 'TOKEN_INVALID'
  /** A single-use public link was already used. */
  | 'TOKEN_USED'
  /** An input field failed validation (`field` names it). */
  | 'VALIDATION_FAILED';

export type LoginMutationVariables = Exact<{
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
}>;


export type LoginMutation = { __typename?: 'Mutation', login: { __typename?: 'AuthPayload', accessToken?: string | null, refreshToken?: string | null, expiresIn?: number | null, user?: { __typename?: 'User', id: string, email: string, displayName: string, agencyRole: AgencyRole } | null } };

export type RefreshMutationVariables = Exact<{
  refreshToken: Scalars['String']['input'];
}>;


export type RefreshMutation = { __typename?: 'Mutation', refresh: { __typename?: 'AuthPayload', accessToken?: string | null, refreshToken?: string | null, expiresIn?: number | null } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { __typename?: 'Mutation', logout: { __typename?: 'LogoutPayload', loggedOut?: boolean | null } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { __typename?: 'Query', me: { __typename?: 'User', id: string, email: string, displayName: string, agencyRole: AgencyRole, agency: { __typename?: 'Agency', id: string, name: string } } };

export type TenantsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type TenantsQuery = { __typename?: 'Query', tenants: { __typename?: 'TenantConnection', edges: Array<{ __typename?: 'TenantEdge', cursor: string, node: { __typename?: 'Tenant', id: string, name: string, slug: string, status: TenantStatus } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type CampaignsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type CampaignsQuery = { __typename?: 'Query', campaigns: { __typename?: 'CampaignConnection', edges: Array<{ __typename?: 'CampaignEdge', cursor: string, node: { __typename?: 'Campaign', id: string, name: string, kind: CampaignKind, status: CampaignStatus, goalKind: GoalKindInput, goalTarget: number } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type CampaignReachQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type CampaignReachQuery = { __typename?: 'Query', campaignReach: { __typename?: 'CampaignReach', audience: number, excluded: number, steps: Array<{ __typename?: 'CampaignStepReach', position: number, channel: CampaignChannel, eligible: number, allowed: number, reasons: Array<{ __typename?: 'CampaignReasonCount', reason: string, count: number }> }> } };

export type CampaignReportQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type CampaignReportQuery = { __typename?: 'Query', campaignReport: { __typename?: 'CampaignReport', audience: number, converted: number, revenueMinor: number, attainmentPercent: number, goalReached: boolean, skipped: Array<{ __typename?: 'CampaignReasonCount', reason: string, count: number }>, steps: Array<{ __typename?: 'CampaignStepReport', position: number, channel: CampaignChannel, variant: string, sent: number, delivered: number, opened: number, clicked: number, converted: number, bounced: number }> } };

export type ConsentOverviewQueryVariables = Exact<{
  channel: ConsentChannel;
  purpose: Scalars['String']['input'];
}>;


export type ConsentOverviewQuery = { __typename?: 'Query', consentOverview: Array<{ __typename?: 'ReasonCount', reason: string, allowed: boolean, persons: number }> };

export type PersonsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<PersonFilter>;
}>;


export type PersonsQuery = { __typename?: 'Query', persons: { __typename?: 'PersonConnection', totalCount: number, edges: Array<{ __typename?: 'PersonEdge', cursor: string, node: { __typename?: 'Person', id: string, displayName: string, email?: string | null, phone?: string | null, city?: string | null, tags: Array<string>, lifecycleStage: LifecycleStage, version: number, organizations: Array<{ __typename?: 'Relation', id: string, isPrimary: boolean, organization?: { __typename?: 'Organization', id: string, name: string } | null }> } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type PersonScreenQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type PersonScreenQuery = { __typename?: 'Query', person?: { __typename?: 'Person', id: string, displayName: string, salutation?: string | null, title?: string | null, firstName?: string | null, lastName?: string | null, email?: string | null, phone?: string | null, mobile?: string | null, street?: string | null, postalCode?: string | null, city?: string | null, country?: string | null, lifecycleStage: LifecycleStage, doNotReactivate: boolean, version: number, organizations: Array<{ __typename?: 'Relation', id: string, jobTitle?: string | null, isPrimary: boolean, buyingRole?: BuyingRole | null, organization?: { __typename?: 'Organization', id: string, name: string, industry?: string | null, city?: string | null, people: Array<{ __typename?: 'Relation', id: string, jobTitle?: string | null, buyingRole?: BuyingRole | null, person?: { __typename?: 'Person', id: string, displayName: string, email?: string | null } | null }> } | null }>, consents: Array<{ __typename?: 'ConsentState', id: string, channel: ConsentChannel, purpose?: string | null, kind: ConsentEventKind, since: string, event: { __typename?: 'ConsentEvent', id: string, source: ConsentEventSource, at: string } }>, quality: { __typename?: 'Quality', score: number, completeness: number, freshness: number, duplicateSuspected: boolean }, timeline: { __typename?: 'TimelineEntryConnection', totalCount: number, edges: Array<{ __typename?: 'TimelineEntryEdge', cursor: string, node: { __typename: 'InteractionEntry', at: string, interaction: { __typename?: 'Interaction', id: string, kind: InteractionKind, direction: Direction, occurredAt: string, subject?: string | null, summary?: string | null } } | { __typename: 'MergeEntry', at: string, merge: { __typename?: 'MergeEvent', id: string, mergedAt: string } } | { __typename: 'MessageEntry', at: string, message: { __typename?: 'CampaignMessage', id: string, campaignName: string, channel: CampaignChannel, status: CampaignMessageStatus, sentAt: string } } | { __typename: 'TransactionEntry', at: string, transaction: { __typename?: 'Transaction', id: string, kind: TransactionKind, status: TransactionStatus, number: string, amountMinor: number, currency: string, issuedOn: string } } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } } | null };

export type BuyingCenterQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type BuyingCenterQuery = { __typename?: 'Query', organization?: { __typename?: 'Organization', id: string, name: string, industry?: string | null, city?: string | null, people: Array<{ __typename?: 'Relation', id: string, jobTitle?: string | null, isPrimary: boolean, buyingRole?: BuyingRole | null, person?: { __typename?: 'Person', id: string, displayName: string, email?: string | null, phone?: string | null, consents: Array<{ __typename?: 'ConsentState', id: string, channel: ConsentChannel, kind: ConsentEventKind }> } | null }> } | null };

export type CreatePersonMutationVariables = Exact<{
  input: PersonInput;
}>;


export type CreatePersonMutation = { __typename?: 'Mutation', createPerson: { __typename?: 'CreatePersonPayload', complianceWarnings: Array<string>, person?: { __typename?: 'Person', id: string, displayName: string, email?: string | null } | null, personEdge?: { __typename?: 'PersonEdge', cursor: string, node: { __typename?: 'Person', id: string, displayName: string } } | null, duplicateWarnings: Array<{ __typename?: 'DuplicateCandidate', score: number }>, userErrors: Array<{ __typename?: 'UserError', field?: Array<string> | null, message: string, code: UserErrorCode }> } };

export type UpdatePersonMutationVariables = Exact<{
  input: UpdatePersonInput;
}>;


export type UpdatePersonMutation = { __typename?: 'Mutation', updatePerson: { __typename?: 'UpdatePersonPayload', person?: { __typename?: 'Person', id: string, version: number, displayName: string, email?: string | null, city?: string | null } | null, userErrors: Array<{ __typename?: 'UserError', field?: Array<string> | null, message: string, code: UserErrorCode }> } };

export type ArchivePersonMutationVariables = Exact<{
  input: ArchivePersonInput;
}>;


export type ArchivePersonMutation = { __typename?: 'Mutation', archivePerson: { __typename?: 'ArchivePersonPayload', archivedPersonId?: string | null, person?: { __typename?: 'Person', id: string, archivedAt?: string | null, version: number } | null, userErrors: Array<{ __typename?: 'UserError', field?: Array<string> | null, message: string, code: UserErrorCode }> } };

export type LinkPersonToOrganizationMutationVariables = Exact<{
  input: RelationInput;
}>;


export type LinkPersonToOrganizationMutation = { __typename?: 'Mutation', linkPersonToOrganization: { __typename?: 'LinkPersonToOrganizationPayload', relation?: { __typename?: 'Relation', id: string, jobTitle?: string | null, buyingRole?: BuyingRole | null, isPrimary: boolean } | null, person?: { __typename?: 'Person', id: string, organizations: Array<{ __typename?: 'Relation', id: string, jobTitle?: string | null, organization?: { __typename?: 'Organization', id: string, name: string } | null }> } | null, organization?: { __typename?: 'Organization', id: string, people: Array<{ __typename?: 'Relation', id: string, jobTitle?: string | null, person?: { __typename?: 'Person', id: string, displayName: string } | null }> } | null, userErrors: Array<{ __typename?: 'UserError', field?: Array<string> | null, message: string, code: UserErrorCode }> } };

export type SearchContactsQueryVariables = Exact<{
  query: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type SearchContactsQuery = { __typename?: 'Query', searchContacts: { __typename?: 'SearchHitConnection', totalCount: number, tookMs: number, backend: string, edges: Array<{ __typename?: 'SearchHitEdge', cursor: string, node: { __typename?: 'SearchHit', contactId: string, kind: ContactKind, name: string, email?: string | null, phones: Array<string>, city?: string | null, tags: Array<string>, organizationName?: string | null, highlights: Array<{ __typename?: 'SearchHighlight', field: string, html: string }>, person?: { __typename?: 'Person', id: string, displayName: string } | null, organization?: { __typename?: 'Organization', id: string, name: string } | null } }>, facets: Array<{ __typename?: 'FacetCount', facet: SearchFacet, values: Array<{ __typename?: 'FacetValue', value: string, count: number }> }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, hasPreviousPage: boolean, startCursor?: string | null, endCursor?: string | null } } };

export type SegmentsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type SegmentsQuery = { __typename?: 'Query', segments: { __typename?: 'SegmentConnection', edges: Array<{ __typename?: 'SegmentEdge', cursor: string, node: { __typename?: 'Segment', id: string, name: string, kind: SegmentKind, memberCount?: number | null, refreshedAt?: string | null } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };
