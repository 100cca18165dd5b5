-- The outbox: every notification is written here before it is sent, and marked after.
-- Open rows (pending, retrying) at start are sent again unless the notification log shows
-- them delivered.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    group_key   TEXT    NOT NULL,
    receiver    TEXT    NOT NULL,
    integration INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    alerts      INTEGER NOT NULL,
    body        TEXT    NOT NULL
);
CREATE INDEX outbox_state ON outbox (state);
CREATE INDEX outbox_updated ON outbox (updated_at);
