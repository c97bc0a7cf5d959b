-- Review of submissions (the same table as SQLite's 0003_review.sql): an append-only
-- history of review events. A submission with no event is "received"; its state is
-- that of its newest event (highest id). Rows are never updated or deleted.
CREATE TABLE reviews (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id TEXT NOT NULL REFERENCES submissions (instance_id),
    state       TEXT NOT NULL
                CHECK (state IN ('received', 'has_issues', 'approved', 'rejected')),
    comment     TEXT NOT NULL,
    token_id    BIGINT REFERENCES tokens (id),
    at          TEXT NOT NULL
);

CREATE INDEX reviews_by_submission ON reviews (instance_id, id);
