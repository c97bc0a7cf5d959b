-- Attachments: the files a submission's answers name (photos, signatures, files).
-- A row is written with its submission (received_at NULL: expected) and marked
-- received when the bytes arrive; the bytes themselves live on disk under the data
-- folder by content hash (attachments/<sha256[0..2]>/<sha256>), never in the database.
-- A submission is complete on the server when none of its rows has received_at NULL.
CREATE TABLE attachments (
    instance_id TEXT NOT NULL REFERENCES submissions (instance_id),
    file        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    media_type  TEXT NOT NULL,
    received_at TEXT,
    PRIMARY KEY (instance_id, file)
);

CREATE INDEX attachments_missing ON attachments (instance_id) WHERE received_at IS NULL;
