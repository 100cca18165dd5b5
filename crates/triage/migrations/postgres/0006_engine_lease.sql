-- The engine lease: which of several processes sharing this database runs the engine. Only
-- the holder of the current term may commit (every commit renews the lease and checks the
-- term in its own transaction). PostgreSQL only: an embedded store has one process.
CREATE TABLE engine_lease (
    name       TEXT COLLATE "C" PRIMARY KEY,
    holder     TEXT        NOT NULL,
    url        TEXT        NOT NULL,
    term       BIGINT      NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
