-- Segmentation and customer analytics: rule segments and static lists, their materialized
-- membership with history, frozen snapshots, ABC analysis, lifecycle rules, BANT and
-- target-group scoring.

CREATE TABLE segments (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description  text CHECK (length(description) <= 2000),
    kind         text NOT NULL CHECK (kind IN ('dynamic', 'static')),
    -- The rule tree of a dynamic segment, as validated by kartei_segments::rule.
    rule         jsonb,
    -- Segments this one's rule refers to (kept for cycle and delete checks).
    refers_to    uuid[] NOT NULL DEFAULT '{}',
    -- Materialized membership: when it was last refreshed and how many members it had.
    refreshed_at timestamptz,
    member_count bigint,
    archived_at  timestamptz,
    version      int NOT NULL DEFAULT 1,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'dynamic') = (rule IS NOT NULL))
);
CREATE UNIQUE INDEX segments_name_idx ON segments (lower(name)) WHERE archived_at IS NULL;
CREATE INDEX segments_refers_idx ON segments USING gin (refers_to);

-- Members of a static list, and the current materialized members of a dynamic segment.
CREATE TABLE segment_members (
    segment_id  uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    person_id   uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    since       timestamptz NOT NULL DEFAULT now(),
    added_by    text NOT NULL,
    PRIMARY KEY (segment_id, person_id)
);
CREATE INDEX segment_members_person_idx ON segment_members (person_id);

-- Membership history: who entered or left a segment, and when.
CREATE TABLE segment_membership_events (
    id          bigserial PRIMARY KEY,
    segment_id  uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    person_id   uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    event       text NOT NULL CHECK (event IN ('entered', 'left')),
    at          timestamptz NOT NULL,
    actor       text NOT NULL
);
CREATE INDEX segment_membership_events_segment_idx ON segment_membership_events (segment_id, id);
CREATE INDEX segment_membership_events_person_idx ON segment_membership_events (person_id, id);

-- A segment frozen for a campaign: the members at one moment, never changed afterwards.
CREATE TABLE segment_snapshots (
    id           uuid PRIMARY KEY,
    segment_id   uuid NOT NULL REFERENCES segments (id),
    label        text CHECK (length(label) <= 200),
    rule         jsonb,
    member_count bigint NOT NULL,
    taken_by     text NOT NULL,
    taken_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX segment_snapshots_segment_idx ON segment_snapshots (segment_id, taken_at);

CREATE TABLE segment_snapshot_members (
    snapshot_id  uuid NOT NULL REFERENCES segment_snapshots (id) ON DELETE CASCADE,
    person_id    uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    PRIMARY KEY (snapshot_id, person_id)
);
CREATE INDEX segment_snapshot_members_person_idx ON segment_snapshot_members (person_id);

CREATE FUNCTION segment_snapshot_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- Erasure may remove a person; nothing else changes a snapshot.
    IF current_setting('kartei.erasure', true) = 'on' THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'segment snapshots are frozen' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER segment_snapshot_members_frozen BEFORE UPDATE OR DELETE ON segment_snapshot_members
    FOR EACH ROW EXECUTE FUNCTION segment_snapshot_frozen();

-- ABC analysis: one run per computation, one row per classified customer (the latest run).
CREATE TABLE abc_runs (
    id              uuid PRIMARY KEY,
    settings        jsonb NOT NULL,
    period_from     date NOT NULL,
    period_to       date NOT NULL,
    customers       bigint NOT NULL,
    revenue_minor   bigint NOT NULL,
    distribution    jsonb NOT NULL,
    pareto          jsonb NOT NULL,
    actor           text NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE abc_results (
    person_id         uuid PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    run_id            uuid NOT NULL REFERENCES abc_runs (id),
    class             char(1) NOT NULL CHECK (class IN ('A', 'B', 'C')),
    -- The class by value alone, before the payment downgrade.
    value_class       char(1) NOT NULL CHECK (value_class IN ('A', 'B', 'C')),
    rank              int NOT NULL,
    value_minor       bigint NOT NULL,
    share             double precision NOT NULL,
    cumulative_share  double precision NOT NULL,
    avg_days_late     double precision,
    overdue_invoices  int NOT NULL DEFAULT 0,
    reasons           text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX abc_results_class_idx ON abc_results (class, person_id);

-- Transactions may carry a margin for ABC by margin.
ALTER TABLE transactions ADD COLUMN margin_minor bigint;

-- Lifecycle: when a person became dormant or an ex-customer, and every automatic change.
ALTER TABLE persons ADD COLUMN dormant_since date;
ALTER TABLE persons ADD COLUMN ex_customer_since date;
CREATE INDEX persons_last_purchase_idx ON persons (last_purchase_at);
CREATE INDEX persons_lifecycle_idx ON persons (lifecycle_stage);
CREATE INDEX persons_postal_code_idx ON persons (postal_code text_pattern_ops);
CREATE INDEX persons_birthday_month_idx ON persons ((extract(month FROM birthday)::int));

CREATE TABLE lifecycle_events (
    id          bigserial PRIMARY KEY,
    person_id   uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    change      text NOT NULL CHECK (change IN ('became_dormant', 'woke_up', 'became_ex_customer', 'became_customer')),
    from_stage  text,
    to_stage    text,
    effective   date NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lifecycle_events_person_idx ON lifecycle_events (person_id, id);

-- BANT qualification of a lead: each criterion scored 0..25, the total 0..100.
CREATE TABLE bant_scores (
    person_id   uuid PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    budget      smallint NOT NULL CHECK (budget BETWEEN 0 AND 25),
    authority   smallint NOT NULL CHECK (authority BETWEEN 0 AND 25),
    need        smallint NOT NULL CHECK (need BETWEEN 0 AND 25),
    timing      smallint NOT NULL CHECK (timing BETWEEN 0 AND 25),
    total       smallint GENERATED ALWAYS AS (budget + authority + need + timing) STORED,
    note        text CHECK (length(note) <= 2000),
    scored_by   text NOT NULL,
    scored_at   timestamptz NOT NULL DEFAULT now(),
    version     int NOT NULL DEFAULT 1
);
CREATE INDEX bant_scores_total_idx ON bant_scores (total);

-- Target groups scored 1..5 on profit, competition (5 = little), access and passion.
CREATE TABLE target_groups (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description  text CHECK (length(description) <= 2000),
    offer        text CHECK (length(offer) <= 2000),
    problems     text[] NOT NULL DEFAULT '{}',
    profit       smallint NOT NULL CHECK (profit BETWEEN 1 AND 5),
    competition  smallint NOT NULL CHECK (competition BETWEEN 1 AND 5),
    access       smallint NOT NULL CHECK (access BETWEEN 1 AND 5),
    passion      smallint NOT NULL CHECK (passion BETWEEN 1 AND 5),
    total        smallint GENERATED ALWAYS AS (profit + competition + access + passion) STORED,
    segment_id   uuid REFERENCES segments (id),
    version      int NOT NULL DEFAULT 1,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX target_groups_name_idx ON target_groups (lower(name));
