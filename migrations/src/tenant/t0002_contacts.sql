-- Contacts: picklists, custom fields, organizations, persons, their relations, interactions,
-- transactions, merges, duplicate candidates, uploads and imports.

CREATE TABLE picklists (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    builtin     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE picklist_values (
    picklist_key  text NOT NULL REFERENCES picklists (key) ON DELETE CASCADE,
    value         text NOT NULL CHECK (value ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    label         text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    position      int NOT NULL DEFAULT 0,
    archived      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (picklist_key, value)
);

INSERT INTO picklists (key, label, builtin) VALUES
    ('industry', 'Branche', true),
    ('source', 'Quelle', true),
    ('dnr_reason', 'Grund: nicht reaktivieren', true);

INSERT INTO picklist_values (picklist_key, value, label, position) VALUES
    ('industry', 'handwerk', 'Handwerk', 1),
    ('industry', 'handel', 'Handel', 2),
    ('industry', 'gastronomie', 'Gastronomie', 3),
    ('industry', 'it', 'IT und Software', 4),
    ('industry', 'industrie', 'Industrie', 5),
    ('industry', 'dienstleistung', 'Dienstleistung', 6),
    ('industry', 'gesundheit', 'Gesundheit', 7),
    ('industry', 'automobil', 'Automobil', 8),
    ('industry', 'bau', 'Bau und Immobilien', 9),
    ('industry', 'oeffentlich', 'Öffentliche Hand', 10),
    ('source', 'trade_fair', 'Messe', 1),
    ('source', 'event', 'Veranstaltung', 2),
    ('source', 'business_card', 'Visitenkarte', 3),
    ('source', 'web_form', 'Webformular', 4),
    ('source', 'import', 'Import', 5),
    ('source', 'referral', 'Empfehlung', 6),
    ('source', 'other', 'Sonstiges', 7),
    ('dnr_reason', 'bargain_hunter', 'Schnäppchenjäger', 1),
    ('dnr_reason', 'bad_payer', 'Schlechter Zahler', 2),
    ('dnr_reason', 'complaint', 'Beschwerde', 3),
    ('dnr_reason', 'deceased', 'Verstorben', 4),
    ('dnr_reason', 'moved_away', 'Verzogen', 5),
    ('dnr_reason', 'other', 'Sonstiges', 6);

CREATE TABLE custom_fields (
    entity        text NOT NULL CHECK (entity IN ('person', 'organization')),
    key           text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    label         text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    kind          text NOT NULL CHECK (kind IN ('text', 'number', 'date', 'boolean', 'picklist')),
    picklist_key  text REFERENCES picklists (key),
    required      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, key),
    CHECK ((kind = 'picklist') = (picklist_key IS NOT NULL))
);

CREATE TABLE organizations (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Lower-case, transliterated, legal form dropped: for sorting and duplicate matching.
    name_key             text NOT NULL,
    industry             text,
    website              text,
    email                text,
    email_normalized     text,
    phone                text,
    street               text,
    postal_code          text,
    city                 text,
    country              char(2) CHECK (country ~ '^[A-Z]{2}$'),
    tags                 text[] NOT NULL DEFAULT '{}',
    custom               jsonb NOT NULL DEFAULT '{}'::jsonb,
    owner_id             uuid,
    source               text,
    external_id          text UNIQUE,
    lifecycle_stage      text NOT NULL DEFAULT 'lead'
                         CHECK (lifecycle_stage IN ('lead', 'prospect', 'customer', 'ex_customer')),
    do_not_reactivate    boolean NOT NULL DEFAULT false,
    dnr_reason           text,
    archived_at          timestamptz,
    merged_into          uuid REFERENCES organizations (id),
    last_interaction_at  timestamptz,
    last_purchase_at     date,
    version              int NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (do_not_reactivate = (dnr_reason IS NOT NULL))
);
CREATE INDEX organizations_name_key_idx ON organizations (name_key, id);
CREATE INDEX organizations_created_idx ON organizations (created_at, id);

CREATE TABLE persons (
    id                   uuid PRIMARY KEY,
    salutation           text,
    title                text,
    first_name           text,
    last_name            text,
    -- Derived match keys (see kartei_contacts::normalize): transliterated lower case and
    -- Kölner Phonetik codes.
    name_key             text NOT NULL,
    first_phonetic       text NOT NULL DEFAULT '',
    last_phonetic        text NOT NULL DEFAULT '',
    email                text,
    email_normalized     text,
    phone                text CHECK (phone ~ '^\+[1-9][0-9]{4,14}$'),
    mobile               text CHECK (mobile ~ '^\+[1-9][0-9]{4,14}$'),
    birthday             date,
    position             text,
    street               text,
    postal_code          text,
    city                 text,
    city_key             text NOT NULL DEFAULT '',
    country              char(2) CHECK (country ~ '^[A-Z]{2}$'),
    website              text,
    tags                 text[] NOT NULL DEFAULT '{}',
    custom               jsonb NOT NULL DEFAULT '{}'::jsonb,
    owner_id             uuid,
    source               text,
    external_id          text UNIQUE,
    lifecycle_stage      text NOT NULL DEFAULT 'lead'
                         CHECK (lifecycle_stage IN ('lead', 'prospect', 'customer', 'ex_customer')),
    do_not_reactivate    boolean NOT NULL DEFAULT false,
    dnr_reason           text,
    archived_at          timestamptz,
    merged_into          uuid REFERENCES persons (id),
    last_interaction_at  timestamptz,
    last_purchase_at     date,
    version              int NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (last_name IS NOT NULL OR email IS NOT NULL),
    CHECK (do_not_reactivate = (dnr_reason IS NOT NULL))
);
CREATE INDEX persons_name_key_idx ON persons (name_key, id);
CREATE INDEX persons_created_idx ON persons (created_at, id);
CREATE INDEX persons_email_idx ON persons (email_normalized);
CREATE INDEX persons_phone_idx ON persons (phone);
CREATE INDEX persons_mobile_idx ON persons (mobile);
CREATE INDEX persons_phonetic_idx ON persons (last_phonetic, first_phonetic, city_key);
CREATE INDEX persons_last_interaction_idx ON persons (last_interaction_at);
CREATE INDEX persons_tags_idx ON persons USING gin (tags);

CREATE TABLE person_organizations (
    person_id        uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    job_title        text,
    is_primary       boolean NOT NULL DEFAULT false,
    buying_role      text CHECK (buying_role IN ('economic_buyer', 'user_buyer', 'technical_buyer', 'coach')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, organization_id)
);
CREATE UNIQUE INDEX person_organizations_primary_idx ON person_organizations (person_id) WHERE is_primary;
CREATE INDEX person_organizations_org_idx ON person_organizations (organization_id);

CREATE TABLE interactions (
    id               uuid PRIMARY KEY,
    person_id        uuid REFERENCES persons (id),
    organization_id  uuid REFERENCES organizations (id),
    kind             text NOT NULL
                     CHECK (kind IN ('call', 'letter', 'email', 'meeting', 'offer', 'gift', 'note', 'social')),
    direction        text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
    occurred_at      timestamptz NOT NULL,
    author           text NOT NULL,
    subject          text,
    summary          text,
    archived_at      timestamptz,
    version          int NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (person_id IS NOT NULL OR organization_id IS NOT NULL)
);
CREATE INDEX interactions_person_idx ON interactions (person_id, occurred_at);
CREATE INDEX interactions_org_idx ON interactions (organization_id, occurred_at);

CREATE TABLE transactions (
    id               uuid PRIMARY KEY,
    person_id        uuid REFERENCES persons (id),
    organization_id  uuid REFERENCES organizations (id),
    kind             text NOT NULL CHECK (kind IN ('order', 'invoice')),
    number           text NOT NULL CHECK (length(number) BETWEEN 1 AND 64),
    amount_minor     bigint NOT NULL,
    currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    issued_on        date NOT NULL,
    due_on           date,
    paid_on          date,
    status           text NOT NULL CHECK (status IN ('open', 'paid', 'cancelled')),
    description      text,
    archived_at      timestamptz,
    version          int NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, number),
    CHECK (person_id IS NOT NULL OR organization_id IS NOT NULL),
    CHECK ((status = 'paid') = (paid_on IS NOT NULL)),
    CHECK (due_on IS NULL OR due_on >= issued_on)
);
CREATE INDEX transactions_person_idx ON transactions (person_id, issued_on);
CREATE INDEX transactions_org_idx ON transactions (organization_id, issued_on);

-- last_interaction_at / last_purchase_at are derived and kept exact by triggers, whatever
-- path writes (API, import, merge, archive).
CREATE FUNCTION refresh_last_touch(p uuid, o uuid) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF p IS NOT NULL THEN
        UPDATE persons SET
            last_interaction_at = (SELECT max(occurred_at) FROM interactions
                                   WHERE person_id = p AND archived_at IS NULL),
            last_purchase_at = (SELECT max(issued_on) FROM transactions
                                WHERE person_id = p AND archived_at IS NULL AND status <> 'cancelled')
        WHERE id = p;
    END IF;
    IF o IS NOT NULL THEN
        UPDATE organizations SET
            last_interaction_at = (SELECT max(occurred_at) FROM interactions
                                   WHERE organization_id = o AND archived_at IS NULL),
            last_purchase_at = (SELECT max(issued_on) FROM transactions
                                WHERE organization_id = o AND archived_at IS NULL AND status <> 'cancelled')
        WHERE id = o;
    END IF;
END $$;

-- Bulk loaders (demo data, history imports) set `kartei.defer_touch` for their transaction
-- and recompute set-wise at the end (see kartei_contacts::timeline::refresh_all_touches).
CREATE FUNCTION touch_on_change() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF current_setting('kartei.defer_touch', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM refresh_last_touch(OLD.person_id, OLD.organization_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM refresh_last_touch(NEW.person_id, NEW.organization_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER interactions_touch AFTER INSERT OR UPDATE OR DELETE ON interactions
    FOR EACH ROW EXECUTE FUNCTION touch_on_change();
CREATE TRIGGER transactions_touch AFTER INSERT OR UPDATE OR DELETE ON transactions
    FOR EACH ROW EXECUTE FUNCTION touch_on_change();

-- One row per merge: who merged what into what, with the losers as they were.
CREATE TABLE merges (
    id               uuid PRIMARY KEY,
    entity           text NOT NULL CHECK (entity IN ('person', 'organization')),
    winner_id        uuid NOT NULL,
    loser_ids        uuid[] NOT NULL,
    field_choices    jsonb NOT NULL,
    loser_snapshots  jsonb NOT NULL,
    moved            jsonb NOT NULL,
    actor            text NOT NULL,
    merged_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX merges_winner_idx ON merges (winner_id, merged_at);

-- Results of the last duplicate scan; dismissed pairs survive rescans.
CREATE TABLE duplicate_pairs (
    a             uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    b             uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    score         real NOT NULL,
    reasons       text[] NOT NULL,
    found_at      timestamptz NOT NULL DEFAULT now(),
    dismissed_at  timestamptz,
    dismissed_by  text,
    PRIMARY KEY (a, b),
    CHECK (a < b)
);
CREATE INDEX duplicate_pairs_score_idx ON duplicate_pairs (score DESC, a, b);

-- Uploaded files, kept in the database in 1 MiB chunks so any worker on any node can read them.
CREATE TABLE uploads (
    id            uuid PRIMARY KEY,
    filename      text NOT NULL,
    size_bytes    bigint NOT NULL DEFAULT 0,
    complete      boolean NOT NULL DEFAULT false,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE upload_chunks (
    upload_id  uuid NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    seq        int NOT NULL,
    data       bytea NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

CREATE TABLE imports (
    id                  uuid PRIMARY KEY,
    upload_id           uuid NOT NULL REFERENCES uploads (id),
    format              text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    mapping             jsonb NOT NULL,
    match_keys          text[] NOT NULL,
    dry_run             boolean NOT NULL,
    status              text NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    encoding            text,
    delimiter           text,
    rows_total          bigint,
    rows_done           bigint NOT NULL DEFAULT 0,
    rows_created        bigint NOT NULL DEFAULT 0,
    rows_updated        bigint NOT NULL DEFAULT 0,
    rows_unchanged      bigint NOT NULL DEFAULT 0,
    rows_failed         bigint NOT NULL DEFAULT 0,
    duplicate_warnings  bigint NOT NULL DEFAULT 0,
    -- The last data line whose batch committed; a resumed job continues after it.
    checkpoint_line     bigint NOT NULL DEFAULT 0,
    preview             jsonb NOT NULL DEFAULT '[]'::jsonb,
    cancel_requested    boolean NOT NULL DEFAULT false,
    error               text,
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz
);

CREATE TABLE import_errors (
    import_id  uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line       bigint NOT NULL,
    col        text NOT NULL,
    reason     text NOT NULL,
    PRIMARY KEY (import_id, line, col)
);

-- Staleness review hands records over for erasure; the compliance domain carries it out.
ALTER TABLE persons
    ADD COLUMN erasure_requested_at timestamptz,
    ADD COLUMN erasure_requested_by text;
CREATE INDEX persons_erasure_idx ON persons (erasure_requested_at) WHERE erasure_requested_at IS NOT NULL;
