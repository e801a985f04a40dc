-- Sign-up by mail: `signUp` answers alike whether the address is free or taken (no account
-- enumeration) and mails either a confirmation link (stored here, as a hash) or, to an
-- existing account's owner, a note; the agency and its admin exist once the link is used.
CREATE TABLE platform.sign_up_requests (
    id             uuid PRIMARY KEY,
    email          text NOT NULL,
    agency_name    text NOT NULL,
    display_name   text NOT NULL,
    password_hash  text NOT NULL,
    token_hash     text NOT NULL UNIQUE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX sign_up_requests_expires_idx ON platform.sign_up_requests (expires_at);
