-- Tianye collection server on PostgreSQL: first schema (the same tables as SQLite's
-- 0001_init.sql). Applied in one transaction at start, under an advisory lock, and
-- recorded in schema_version. Times are text, UTC RFC 3339 with milliseconds, as the
-- server writes them, so both backends sort and export them alike.

-- Every questionnaire version ever loaded, in the order first seen (seq). A version
-- that received submissions is never removed, so old responses keep their schema.
CREATE TABLE forms (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form_id       TEXT NOT NULL,
    version       TEXT NOT NULL,
    json          TEXT NOT NULL,
    content_hash  BYTEA NOT NULL,
    registered_at TEXT NOT NULL,
    UNIQUE (form_id, version)
);

-- Upload tokens (one per team) and admin tokens; only the SHA-256 of a token is kept.
CREATE TABLE tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('team', 'admin')),
    team       TEXT NOT NULL,
    hash       BYTEA NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- One row per accepted response. `raw` is the body exactly as received; `content_hash`
-- is the SHA-256 of its canonical form (keys sorted), for idempotent retries: the
-- UNIQUE instance_id is what makes a retry from any server process find the first copy.
CREATE TABLE submissions (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id  TEXT NOT NULL UNIQUE,
    form_id      TEXT NOT NULL,
    version      TEXT NOT NULL,
    team         TEXT NOT NULL,
    token_id     BIGINT REFERENCES tokens (id),
    received_at  TEXT NOT NULL,
    content_hash BYTEA NOT NULL,
    raw          TEXT NOT NULL,
    meta         TEXT NOT NULL,
    answers      TEXT NOT NULL,
    FOREIGN KEY (form_id, version) REFERENCES forms (form_id, version)
);

CREATE INDEX submissions_by_form ON submissions (form_id, seq);
CREATE INDEX submissions_by_team ON submissions (team);
