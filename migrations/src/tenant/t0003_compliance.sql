-- Compliance (kartei_compliance): consent ledger with a hash chain, purposes and consent texts,
-- the UWG §7(3) existing-customer records, the suppression list, single-use link tokens, sent
-- messages, data-subject requests, erasure records, retention policies and the register of
-- processing activities (GDPR Art. 30).

-- Per-tenant secrets, generated here from the server's strong random source. `suppression`
-- keys the HMAC of addresses on the suppression list (and the address bound to a consent).
CREATE TABLE compliance_secrets (
    name        text PRIMARY KEY,
    secret      bytea NOT NULL CHECK (length(secret) = 32),
    -- HMAC-SHA256's inner and outer pads of the key, so SQL computes the same HMAC as Rust.
    ipad        bytea NOT NULL CHECK (length(ipad) = 64),
    opad        bytea NOT NULL CHECK (length(opad) = 64),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION hmac_pad(key bytea, pad int) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    out bytea := decode(repeat(lpad(to_hex(pad), 2, '0'), 64), 'hex');
BEGIN
    FOR i IN 0 .. length(key) - 1 LOOP
        out := set_byte(out, i, get_byte(key, i) # pad);
    END LOOP;
    RETURN out;
END;
$$;

INSERT INTO compliance_secrets (name, secret, ipad, opad)
SELECT 'suppression', k, hmac_pad(k, 54), hmac_pad(k, 92)
FROM (SELECT sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                               || clock_timestamp()::text, 'UTF8')) AS k) s;

-- Every person's addresses as keyed hashes, kept by a trigger whatever path writes, so that
-- set-based policy decisions compare hashes instead of computing them per person and query.
ALTER TABLE persons
    ADD COLUMN email_hash bytea,
    ADD COLUMN phone_hash bytea,
    ADD COLUMN mobile_hash bytea;

CREATE FUNCTION persons_address_hashes() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
DECLARE
    k compliance_secrets%ROWTYPE;
BEGIN
    IF TG_OP = 'INSERT' OR NEW.email_normalized IS DISTINCT FROM OLD.email_normalized
       OR NEW.phone IS DISTINCT FROM OLD.phone OR NEW.mobile IS DISTINCT FROM OLD.mobile THEN
        SELECT * INTO k FROM compliance_secrets WHERE name = 'suppression';
        NEW.email_hash := sha256(k.opad || sha256(k.ipad || convert_to(NEW.email_normalized, 'UTF8')));
        NEW.phone_hash := sha256(k.opad || sha256(k.ipad || convert_to(NEW.phone, 'UTF8')));
        NEW.mobile_hash := sha256(k.opad || sha256(k.ipad || convert_to(NEW.mobile, 'UTF8')));
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER persons_address_hashes BEFORE INSERT OR UPDATE ON persons
    FOR EACH ROW EXECUTE FUNCTION persons_address_hashes();

UPDATE persons p SET
    email_hash = sha256(k.opad || sha256(k.ipad || convert_to(p.email_normalized, 'UTF8'))),
    phone_hash = sha256(k.opad || sha256(k.ipad || convert_to(p.phone, 'UTF8'))),
    mobile_hash = sha256(k.opad || sha256(k.ipad || convert_to(p.mobile, 'UTF8')))
FROM compliance_secrets k WHERE k.name = 'suppression';

-- What a consent is for; tenant-defined. `existing_customer_ok`: the purpose advertises the
-- tenant's own similar products, so UWG §7(3) may cover it.
CREATE TABLE consent_purposes (
    key                   text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    label                 text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    description           text CHECK (length(description) <= 2000),
    existing_customer_ok  boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now()
);
INSERT INTO consent_purposes (key, label, description, existing_customer_ok) VALUES
    ('newsletter', 'Newsletter', 'Regular newsletter with news and offers', false),
    ('offers', 'Angebote', 'Offers for products similar to those already bought', true),
    ('surveys', 'Umfragen', 'Customer satisfaction surveys', false);

-- The exact wording a person agreed to, addressed by the SHA-256 of its body.
CREATE TABLE consent_texts (
    hash        text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    language    text NOT NULL DEFAULT 'de' CHECK (language ~ '^[a-z]{2}$'),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL
);

-- The head of this tenant's consent hash chain (one row; seq 0 holds the genesis hash).
CREATE TABLE consent_chain (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq       bigint NOT NULL,
    hash      bytea NOT NULL
);
INSERT INTO consent_chain (seq, hash) VALUES (0, sha256('kartei consent chain'::bytea));

-- Append-only. `seq`, `content_digest` and `chain_hash` are set by the insert trigger:
-- chain_hash = sha256(previous chain_hash || content_digest). Erasure may only redact a row
-- (clear its personal fields, keep digest and chain), never delete it.
CREATE TABLE consent_events (
    seq             bigint PRIMARY KEY,
    id              uuid NOT NULL UNIQUE,
    person_id       uuid REFERENCES persons (id),
    channel         text NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'letter', 'messenger')),
    -- NULL: every purpose (an objection or revocation of all direct marketing on the channel).
    purpose         text REFERENCES consent_purposes (key),
    kind            text NOT NULL
                    CHECK (kind IN ('pending', 'granted', 'confirmed', 'revoked', 'objected', 'presumed', 'expired')),
    at              timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    source          text NOT NULL
                    CHECK (source IN ('web_form', 'import', 'call', 'paper', 'email', 'api',
                                      'double_opt_in', 'unsubscribe_link', 'merge', 'retention')),
    source_ref      text CHECK (length(source_ref) <= 2000),
    text_hash       text REFERENCES consent_texts (hash),
    -- HMAC of the address the consent was given for (NULL for letter and objections).
    address_hash    bytea,
    ip              inet,
    user_agent      text CHECK (length(user_agent) <= 1000),
    actor           text NOT NULL,
    note            text CHECK (length(note) <= 2000),
    carried_from    uuid,
    -- Set by the insert trigger: the digest of this row's content, the chain hash of the event
    -- before it in the tenant (the genesis hash for the first) and sha256(prev_hash || digest).
    content_digest  bytea NOT NULL DEFAULT '',
    prev_hash       bytea NOT NULL DEFAULT '',
    chain_hash      bytea NOT NULL DEFAULT '',
    redacted_at     timestamptz,
    CHECK (purpose IS NOT NULL OR kind IN ('revoked', 'objected', 'expired'))
);
CREATE INDEX consent_events_person_idx ON consent_events (person_id, channel, at DESC, seq DESC);

-- The canonical content of an event, hashed. Timestamps as integer microseconds so the text
-- does not depend on the session's time zone.
CREATE FUNCTION consent_digest(e consent_events) RETURNS bytea
LANGUAGE sql STABLE
AS $$
    SELECT sha256(convert_to(jsonb_build_object(
        'id', e.id, 'person', e.person_id, 'channel', e.channel, 'purpose', e.purpose,
        'kind', e.kind, 'at', (extract(epoch FROM e.at) * 1000000)::bigint,
        'recorded', (extract(epoch FROM e.recorded_at) * 1000000)::bigint,
        'source', e.source, 'ref', e.source_ref, 'text', e.text_hash,
        'address', encode(e.address_hash, 'hex'), 'ip', host(e.ip), 'ua', e.user_agent,
        'actor', e.actor, 'note', e.note, 'from', e.carried_from)::text, 'UTF8'))
$$;

-- Each row links to the one before: the tenant's chain is serialized by a transaction-scoped
-- advisory lock, and a row trigger sees the rows an earlier part of the same statement wrote,
-- so bulk inserts chain correctly. The head is moved once per statement.
CREATE FUNCTION consent_events_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
DECLARE
    prev_seq bigint;
    prev_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('kartei.consent_chain.' || current_schema()));
    SELECT seq, chain_hash INTO prev_seq, prev_hash FROM consent_events ORDER BY seq DESC LIMIT 1;
    IF prev_seq IS NULL THEN
        SELECT seq, hash INTO prev_seq, prev_hash FROM consent_chain;
    END IF;
    NEW.seq := prev_seq + 1;
    NEW.redacted_at := NULL;
    NEW.prev_hash := prev_hash;
    NEW.content_digest := consent_digest(NEW);
    NEW.chain_hash := sha256(prev_hash || NEW.content_digest);
    RETURN NEW;
END;
$$;
CREATE TRIGGER consent_events_chain BEFORE INSERT ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_chain();

CREATE FUNCTION consent_chain_head() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$
BEGIN
    UPDATE consent_chain h SET seq = n.seq, hash = n.chain_hash
    FROM (SELECT seq, chain_hash FROM inserted ORDER BY seq DESC LIMIT 1) n
    WHERE n.seq > h.seq;
    RETURN NULL;
END;
$$;
CREATE TRIGGER consent_chain_head AFTER INSERT ON consent_events
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION consent_chain_head();

-- Erasure (and only erasure, flagged by `SET LOCAL kartei.erasure = 'on'`) may redact a row;
-- nothing may delete one.
CREATE FUNCTION consent_events_guard() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('kartei.erasure', true) = 'on'
       AND NEW.seq = OLD.seq AND NEW.id = OLD.id
       AND NEW.content_digest = OLD.content_digest AND NEW.chain_hash = OLD.chain_hash
       AND NEW.prev_hash = OLD.prev_hash
       AND NEW.redacted_at IS NOT NULL AND NEW.person_id IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'consent_events is append-only; erasure may only redact'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER consent_events_guard BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_guard();

-- UWG §7(3): the address was obtained in a sale, is used for the tenant's own similar
-- products (`purposes`), the person was told they may object at any time (`notice_given_at`).
-- Whether they objected is read from the ledger at decision time.
CREATE TABLE customer_exceptions (
    id                uuid PRIMARY KEY,
    person_id         uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    address_hash      bytea NOT NULL,
    obtained_at       timestamptz NOT NULL,
    sale_reference    text NOT NULL CHECK (length(sale_reference) BETWEEN 1 AND 200),
    purposes          text[] NOT NULL CHECK (cardinality(purposes) > 0),
    notice_given_at   timestamptz NOT NULL,
    notice_text_hash  text REFERENCES consent_texts (hash),
    recorded_by       text NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_exceptions_person_idx ON customer_exceptions (person_id);

-- Keyed hashes of normalized emails and E.164 phone numbers that must never be contacted.
-- Survives erasure: it is the only trace left, and it cannot be read back into an address.
CREATE TABLE suppressions (
    hash        bytea PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('email', 'phone')),
    reason      text NOT NULL CHECK (reason IN ('erasure', 'unsubscribe', 'bounce', 'complaint', 'manual')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL
);

-- Single-use public link tokens (confirm, unsubscribe) that have been spent.
CREATE TABLE used_tokens (
    jti      uuid PRIMARY KEY,
    action   text NOT NULL,
    used_at  timestamptz NOT NULL DEFAULT now()
);

-- Every message Kartei sent to a person (double opt-in mails now; campaign sends later).
CREATE TABLE sent_messages (
    id           uuid PRIMARY KEY,
    person_id    uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    channel      text NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'letter', 'messenger')),
    kind         text NOT NULL,
    -- What caused it (the pending consent of a confirmation mail, a campaign step's send).
    ref_id       uuid,
    subject      text,
    message_id   text,
    sent_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, ref_id)
);
CREATE INDEX sent_messages_person_idx ON sent_messages (person_id, sent_at);

-- Data-subject requests (GDPR Art. 15-21) with their deadline: one month from receipt
-- (Art. 12(3)), extendable by two further months with a reason.
CREATE TABLE data_subject_requests (
    id               uuid PRIMARY KEY,
    person_id        uuid REFERENCES persons (id) ON DELETE SET NULL,
    kind             text NOT NULL
                     CHECK (kind IN ('access', 'portability', 'erasure', 'rectification', 'restriction', 'objection')),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'rejected')),
    received_at      timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    extended_reason  text CHECK (length(extended_reason) <= 2000),
    note             text CHECK (length(note) <= 2000),
    created_by       text NOT NULL,
    completed_at     timestamptz,
    completed_by     text,
    CHECK ((status = 'open') = (completed_at IS NULL))
);
CREATE INDEX data_subject_requests_open_idx ON data_subject_requests (due_at) WHERE status = 'open';

-- What is left of an erased person: when, who, why, how much. No personal data.
CREATE TABLE erasures (
    id          uuid PRIMARY KEY,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    request_id  uuid REFERENCES data_subject_requests (id),
    removed     jsonb NOT NULL
);

CREATE TABLE retention_policies (
    id               uuid PRIMARY KEY,
    name             text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    inactive_months  int NOT NULL CHECK (inactive_months BETWEEN 1 AND 600),
    action           text NOT NULL CHECK (action IN ('flag', 'erase')),
    enabled          boolean NOT NULL DEFAULT true,
    last_run_at      timestamptz,
    last_result      jsonb,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- GDPR Art. 30 register of processing activities.
CREATE TABLE processing_activities (
    id                uuid PRIMARY KEY,
    name              text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    purpose           text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 2000),
    legal_basis       text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
    data_subjects     text[] NOT NULL DEFAULT '{}',
    data_categories   text[] NOT NULL DEFAULT '{}',
    recipients        text[] NOT NULL DEFAULT '{}',
    third_countries   text CHECK (length(third_countries) <= 1000),
    retention         text NOT NULL CHECK (length(retention) BETWEEN 1 AND 1000),
    safeguards        text NOT NULL CHECK (length(safeguards) BETWEEN 1 AND 4000),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    updated_by        text NOT NULL
);
INSERT INTO processing_activities
    (id, name, purpose, legal_basis, data_subjects, data_categories, recipients, retention, safeguards, updated_by)
VALUES
    (gen_random_uuid(), 'Kundenverwaltung (CRM)',
     'Managing customer and prospect relationships, orders and invoices',
     'Art. 6(1)(b) GDPR (contract), Art. 6(1)(f) GDPR (legitimate interest)',
     '{customers,prospects,business contacts}', '{name,contact details,address,purchase history,interactions}',
     '{agency staff,hosting provider}', 'Until the retention policy applies; invoices per §147 AO in accounting',
     'Tenant isolation per schema, role-based access, encrypted transport, audit log', 'system'),
    (gen_random_uuid(), 'Newsletter und Direktwerbung',
     'Sending newsletters and offers by email, letter and phone',
     'Art. 6(1)(a) GDPR with UWG §7(2) (consent); UWG §7(3) for existing customers; Art. 6(1)(f) for letters',
     '{subscribers,customers}', '{name,email,phone,consent proof}', '{agency staff,mail delivery provider}',
     'Until revocation or objection; consent proof for the limitation period',
     'Double opt-in, suppression list, consent ledger with hash chain, audit log', 'system');

-- Erasure may redact what the audit log holds about a person (its detail), never delete rows.
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('kartei.erasure', true) = 'on'
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE INDEX audit_log_subject_idx ON audit_log (subject, id);

-- Imports: an optional consent to grant to every imported row (with the file as proof), and
-- warnings (e.g. a suppressed address) beside errors.
ALTER TABLE imports
    ADD COLUMN consent jsonb,
    ADD COLUMN rows_warned bigint NOT NULL DEFAULT 0;
-- An upload's bytes are removed once its import completed (or by erasure); the row stays.
ALTER TABLE uploads ADD COLUMN purged_at timestamptz;
ALTER TABLE import_errors
    ADD COLUMN severity text NOT NULL DEFAULT 'error' CHECK (severity IN ('error', 'warning'));

-- Changes other stores must see (search index, caches), written in the data's transaction.
CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic       text NOT NULL,
    subject_id  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
