-- Incidents of the routes that notify per incident: one row per incident, its whole record
-- as JSON; open ones (closed_at NULL) are restored at start.
CREATE TABLE incidents (
    id        TEXT COLLATE "C" PRIMARY KEY,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    body      TEXT   NOT NULL
);
CREATE INDEX incidents_opened ON incidents (opened_at);
CREATE INDEX incidents_open ON incidents (closed_at);
