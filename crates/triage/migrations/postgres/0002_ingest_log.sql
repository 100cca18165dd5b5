-- The write-ahead log of accepted alert batches: a POST is acknowledged once its batch is
-- here. Checkpoints write the alerts table and the history, then trim the log; a restart
-- replays what remains.
CREATE TABLE ingest_log (
    seq             BIGINT PRIMARY KEY,
    received_at     BIGINT NOT NULL,
    resolve_timeout BIGINT NOT NULL,
    body            BYTEA  NOT NULL
);
