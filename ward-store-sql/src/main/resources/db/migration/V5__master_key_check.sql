-- The check value of the master key this database's sealed data (tenant keys, JWT signing keys) is under:
-- an HMAC of a constant under a key derived from the master key, so a process with another key is refused
-- before it seals anything. One row at most.
CREATE TABLE master_key_check (
    id           SMALLINT     PRIMARY KEY CHECK (id = 1),
    check_value  VARCHAR(100) NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
