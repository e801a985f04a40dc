-- Agencies, their client companies (tenants), users, memberships, API keys, platform audit.

CREATE TABLE platform.agencies (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE platform.users (
    id                  uuid PRIMARY KEY,
    agency_id           uuid NOT NULL REFERENCES platform.agencies (id) ON DELETE CASCADE,
    email               text NOT NULL,
    email_normalized    text NOT NULL UNIQUE,
    display_name        text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash       text NOT NULL,
    -- 'admin' reaches every tenant of the agency; 'member' only tenants with a membership.
    agency_role         text NOT NULL CHECK (agency_role IN ('admin', 'member')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_agency_idx ON platform.users (agency_id);

CREATE TABLE platform.tenants (
    id           uuid PRIMARY KEY,
    agency_id    uuid NOT NULL REFERENCES platform.agencies (id) ON DELETE RESTRICT,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug         text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$'),
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    -- Derived by the system from id; never from user text.
    schema_name  text NOT NULL UNIQUE CHECK (schema_name = 't_' || replace(id::text, '-', '')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency_id, slug)
);

CREATE TABLE platform.memberships (
    user_id     uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, tenant_id)
);
CREATE INDEX memberships_tenant_idx ON platform.memberships (tenant_id);

CREATE TABLE platform.api_keys (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- The visible start of the key ("kk_" + 8 chars), for recognising it in lists.
    prefix       text NOT NULL,
    -- SHA-256 of the whole key; the key itself is shown once and never stored.
    secret_hash  bytea NOT NULL UNIQUE,
    role         text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    created_by   uuid REFERENCES platform.users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant_idx ON platform.api_keys (tenant_id, created_at);

-- Platform-level audit: tenant lifecycle and agency administration. Append-only.
CREATE TABLE platform.audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    agency_id   uuid NOT NULL,
    tenant_id   uuid,
    actor       text NOT NULL,
    action      text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_agency_idx ON platform.audit_events (agency_id, id);

CREATE FUNCTION platform.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table %.% is append-only', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON platform.audit_events
    FOR EACH ROW EXECUTE FUNCTION platform.refuse_change();
