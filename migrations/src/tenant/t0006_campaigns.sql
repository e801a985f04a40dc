-- Campaigns: snippets and templates, campaigns with a goal, an audience and steps, the
-- recipients frozen at launch (with the reason each excluded one was left out), the send
-- ledger that makes every (campaign, step, contact, round) happen exactly once, tasks for
-- manual steps, and tracking events (opens, clicks, bounces, complaints).

-- Text snippets ("Textbausteine"), usable in templates as {{ snippets.<key> }}.
CREATE TABLE snippets (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    body        text NOT NULL CHECK (length(body) <= 20000),
    version     int NOT NULL DEFAULT 1,
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE templates (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    channel     text NOT NULL CHECK (channel IN ('email', 'letter', 'phone', 'social')),
    subject     text CHECK (length(subject) <= 500),
    html        text CHECK (length(html) <= 200000),
    body        text NOT NULL CHECK (length(body) <= 100000),
    version     int NOT NULL DEFAULT 1,
    archived_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (channel <> 'email' OR subject IS NOT NULL)
);

CREATE TABLE campaigns (
    id                       uuid PRIMARY KEY,
    name                     text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                     text NOT NULL CHECK (kind IN ('newsletter', 'winback', 'occasion', 'custom')),
    status                   text NOT NULL DEFAULT 'draft'
                             CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
    -- The consent purpose every message of the campaign is sent for.
    purpose                  text NOT NULL REFERENCES consent_purposes (key),
    goal_kind                text NOT NULL CHECK (goal_kind IN ('purchase', 'reply', 'meeting', 'referral', 'click')),
    goal_target              int NOT NULL CHECK (goal_target BETWEEN 1 AND 100000000),
    goal_deadline            date,
    attribution_days         int NOT NULL DEFAULT 30 CHECK (attribution_days BETWEEN 1 AND 365),
    segment_id               uuid REFERENCES segments (id),
    exclude_dnr              boolean NOT NULL DEFAULT true,
    exclude_contacted_days   int CHECK (exclude_contacted_days BETWEEN 1 AND 3650),
    exclude_segments         uuid[] NOT NULL DEFAULT '{}',
    -- Occasion campaigns: what makes a contact due, e.g. {"kind": "birthday"}.
    occasion                 jsonb,
    scheduled_at             timestamptz,
    launched_at              timestamptz,
    snapshot_id              uuid REFERENCES segment_snapshots (id),
    finished_at              timestamptz,
    version                  int NOT NULL DEFAULT 1,
    created_by               text NOT NULL,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'occasion') = (occasion IS NOT NULL)),
    CHECK (kind = 'occasion' OR segment_id IS NOT NULL)
);
CREATE INDEX campaigns_status_idx ON campaigns (status, scheduled_at);

CREATE TABLE campaign_steps (
    id                   uuid PRIMARY KEY,
    campaign_id          uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    position             int NOT NULL CHECK (position BETWEEN 1 AND 50),
    channel              text NOT NULL CHECK (channel IN ('email', 'letter', 'phone', 'social')),
    -- Days after the launch (or after the occasion) the step is due.
    delay_days           int NOT NULL DEFAULT 0 CHECK (delay_days BETWEEN 0 AND 365),
    template_id          uuid NOT NULL REFERENCES templates (id),
    -- A/B: the share of recipients (0-100) that gets the variant template.
    variant_template_id  uuid REFERENCES templates (id),
    variant_percent      int NOT NULL DEFAULT 0 CHECK (variant_percent BETWEEN 0 AND 100),
    -- Manual steps (phone, social): who does them, and within how many days.
    assignee             text CHECK (length(assignee) <= 200),
    due_days             int NOT NULL DEFAULT 2 CHECK (due_days BETWEEN 0 AND 90),
    UNIQUE (campaign_id, position),
    CHECK (channel NOT IN ('phone', 'social') OR assignee IS NOT NULL),
    CHECK ((variant_template_id IS NULL) = (variant_percent = 0))
);

-- The audience of one round: everyone of the snapshot (or, for occasions, due that day),
-- with the reason for each one excluded before any step ran.
CREATE TABLE campaign_recipients (
    campaign_id     uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round           date NOT NULL,
    person_id       uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    excluded        text,
    PRIMARY KEY (campaign_id, round, person_id)
);
CREATE INDEX campaign_recipients_person_idx ON campaign_recipients (person_id);

-- The send ledger: one row per (campaign, step, contact, round), claimed before anything
-- leaves. `claimed` means the final dot of the message was not written; `handed` is committed
-- right before the dot is written (the server has the message unless the sender died between
-- those two writes); `sent` is confirmed by the server. Skips keep their reason.
CREATE TABLE campaign_sends (
    id               uuid PRIMARY KEY,
    campaign_id      uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    step_id          uuid NOT NULL REFERENCES campaign_steps (id) ON DELETE CASCADE,
    person_id        uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    round            date NOT NULL,
    channel          text NOT NULL,
    variant          char(1) NOT NULL DEFAULT 'A' CHECK (variant IN ('A', 'B')),
    status           text NOT NULL CHECK (status IN ('claimed', 'handed', 'sent', 'skipped', 'failed', 'task')),
    reason           text,
    -- Counts towards the frequency cap (a message or a manual touch that happened).
    touch            boolean NOT NULL DEFAULT false,
    subject          text,
    -- Letters keep their rendered text for the mail-merge export.
    rendered         text,
    message_id       text,
    claimed_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    opened_at        timestamptz,
    opens            int NOT NULL DEFAULT 0,
    clicked_at       timestamptz,
    clicks           int NOT NULL DEFAULT 0,
    bounced_at       timestamptz,
    complained_at    timestamptz,
    UNIQUE (campaign_id, step_id, person_id, round)
);
CREATE INDEX campaign_sends_person_idx ON campaign_sends (person_id, sent_at) WHERE touch;
CREATE INDEX campaign_sends_message_idx ON campaign_sends (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX campaign_sends_step_idx ON campaign_sends (step_id, status);

-- Phone and social steps: a task for the assignee, done with an outcome.
CREATE TABLE campaign_tasks (
    id           uuid PRIMARY KEY,
    send_id      uuid NOT NULL UNIQUE REFERENCES campaign_sends (id) ON DELETE CASCADE,
    assignee     text NOT NULL,
    due_on       date NOT NULL,
    done_at      timestamptz,
    outcome      text CHECK (outcome IN ('reached', 'not_reached', 'declined', 'converted')),
    note         text CHECK (length(note) <= 2000),
    done_by      text
);
CREATE INDEX campaign_tasks_open_idx ON campaign_tasks (assignee, due_on) WHERE done_at IS NULL;

CREATE TABLE campaign_events (
    id        uuid PRIMARY KEY,
    send_id   uuid NOT NULL REFERENCES campaign_sends (id) ON DELETE CASCADE,
    kind      text NOT NULL CHECK (kind IN ('open', 'click', 'bounce', 'soft_bounce', 'complaint')),
    url       text,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaign_events_send_idx ON campaign_events (send_id, at);
