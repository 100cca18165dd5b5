-- The outbox: every notification is written here before it is sent, and marked after.
-- Open rows (pending, retrying) at start are sent again unless the notification log shows
-- them delivered.
CREATE TABLE outbox (
    id          BIGINT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    group_key   TEXT   NOT NULL,
    receiver    TEXT   NOT NULL,
    integration BIGINT NOT NULL,
    kind        TEXT   NOT NULL,
    state       TEXT   NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT   NOT NULL DEFAULT '',
    alerts      BIGINT NOT NULL,
    body        TEXT   NOT NULL
);
CREATE INDEX outbox_state ON outbox (state);
CREATE INDEX outbox_updated ON outbox (updated_at);
