-- Deferred messages, PostgreSQL flavour (see db/sqlite/im_store.sql).
INSERT INTO version (table_name, table_version) VALUES ('im_store', 3);

CREATE TABLE im_store (
    id SERIAL PRIMARY KEY NOT NULL,
    token VARCHAR(32) NOT NULL,
    message_id VARCHAR(160) NOT NULL,
    recipient VARCHAR(255) NOT NULL,
    sender VARCHAR(255) NOT NULL,
    call_id VARCHAR(255) NOT NULL,
    received BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    size INTEGER NOT NULL,
    kind VARCHAR(16) DEFAULT 'message' NOT NULL,
    request BYTEA NOT NULL,
    imdn_message_id VARCHAR(128) DEFAULT NULL,
    imdn_datetime VARCHAR(64) DEFAULT NULL,
    imdn_from VARCHAR(255) DEFAULT NULL,
    imdn_to VARCHAR(255) DEFAULT NULL,
    CONSTRAINT im_store_token_idx UNIQUE (token),
    CONSTRAINT im_store_message_id_idx UNIQUE (message_id)
);
CREATE INDEX im_store_recipient_idx ON im_store (recipient);
CREATE INDEX im_store_expires_idx ON im_store (expires);
