-- Small named state: each outage source's last good records, maintenance windows.
CREATE TABLE state (
    ns         TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (ns, key)
);
-- Which alerts each outage hid, and when. An open row (ended_at NULL) is a suppression in
-- progress; there is at most one per outage and alert.
CREATE TABLE suppressions (
    id           INTEGER PRIMARY KEY,
    outage_id    TEXT    NOT NULL,
    fingerprint  INTEGER NOT NULL,
    labels       TEXT    NOT NULL,
    began_at     INTEGER NOT NULL,
    ended_at     INTEGER,
    still_firing INTEGER
);
CREATE INDEX suppressions_outage ON suppressions (outage_id, began_at);
CREATE INDEX suppressions_alert ON suppressions (fingerprint, began_at);
CREATE INDEX suppressions_open ON suppressions (ended_at);
