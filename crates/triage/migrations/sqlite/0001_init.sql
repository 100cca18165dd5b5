-- triage's embedded store. Times are microseconds since the Unix epoch (UTC).

-- Alerts held now: firing ones, and resolved ones until garbage collection.
CREATE TABLE alerts (
    fingerprint   INTEGER PRIMARY KEY,
    labels        TEXT    NOT NULL,
    annotations   TEXT    NOT NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER,
    updated_at    INTEGER NOT NULL,
    generator_url TEXT    NOT NULL,
    timeout       INTEGER NOT NULL
);

-- Every state change of every alert: the history.
CREATE TABLE transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    labels      TEXT    NOT NULL
);
CREATE INDEX transitions_fp_at ON transitions (fingerprint, at);
CREATE INDEX transitions_at ON transitions (at);

-- Silences, as the API's JSON.
CREATE TABLE silences (
    id         TEXT PRIMARY KEY,
    body       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The notification log: what was last sent per group and integration.
CREATE TABLE notify_log (
    group_key   TEXT    NOT NULL,
    receiver    TEXT    NOT NULL,
    integration INTEGER NOT NULL,
    entry       TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (group_key, receiver, integration)
);

-- Aggregation group timers, so that a restart resumes them.
CREATE TABLE group_timers (
    group_key   TEXT PRIMARY KEY,
    next_flush  INTEGER NOT NULL,
    has_flushed INTEGER NOT NULL
);

-- Every notification decision with its reason: sent, failed, or skipped and why.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    group_key   TEXT    NOT NULL,
    receiver    TEXT    NOT NULL,
    integration INTEGER NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    alerts      INTEGER NOT NULL
);
CREATE INDEX notifications_at ON notifications (at);
