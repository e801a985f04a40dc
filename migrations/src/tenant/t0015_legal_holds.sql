-- What an erasure must keep because a legal duty requires it (Art. 17(3)(b) GDPR): the proof
-- of a §7a UWG phone consent (five years after it was given and after each use), invoices and
-- other accounting vouchers (eight years, §147 AO, §257 HGB since the Viertes
-- Bürokratieentlastungsgesetz), business letters sent and received (six years), each counted
-- as the law counts it (kartei_compliance::holds). A hold is a minimized copy in its own
-- table: no other feature reads it (lists, search, segments, campaigns, exports, analytics,
-- the timeline), only the legal-hold view, whose every read is audited. The retention run
-- deletes a hold the day after it ends.
CREATE TABLE legal_holds (
    id             uuid PRIMARY KEY,
    erasure_id     uuid NOT NULL,
    kind           text NOT NULL
                   CHECK (kind IN ('phone_consent_proof', 'invoice', 'order', 'business_letter')),
    basis          text NOT NULL CHECK (length(basis) BETWEEN 1 AND 300),
    -- The document's date the period counts from (for consent proof: the last use).
    document_date  date NOT NULL,
    -- The last day the record must be kept; it is deleted the day after.
    held_until     date NOT NULL CHECK (held_until >= document_date),
    record         jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX legal_holds_until_idx ON legal_holds (held_until);

-- The canonical content of a consent event (what its digest is the hash of), so a held copy
-- of the proof can be checked against the chain: sha256(content::text) = content_digest.
CREATE FUNCTION consent_content(e consent_events) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
        'id', e.id, 'person', e.person_id, 'channel', e.channel, 'purpose', e.purpose,
        'kind', e.kind, 'at', (extract(epoch FROM e.at) * 1000000)::bigint,
        'recorded', (extract(epoch FROM e.recorded_at) * 1000000)::bigint,
        'source', e.source, 'ref', e.source_ref, 'text', e.text_hash,
        'address', encode(e.address_hash, 'hex'), 'ip', host(e.ip), 'ua', e.user_agent,
        'actor', e.actor, 'note', e.note, 'from', e.carried_from)
$$;
