-- The write-ahead log of accepted alert batches: a POST is acknowledged once its batch is
-- here. Checkpoints write the alerts table and the history, then trim the log; a restart
-- replays what remains.
CREATE TABLE ingest_log (
    seq             INTEGER PRIMARY KEY,
    received_at     INTEGER NOT NULL,
    resolve_timeout INTEGER NOT NULL,
    body            BLOB    NOT NULL
);
