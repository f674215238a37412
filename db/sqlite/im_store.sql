-- Deferred messages (modules/im_store, OMA TS 12, DM-*), SQLite flavour
-- (PostgreSQL: db/postgres/im_store.sql). A row is one stored MESSAGE
-- for a recipient who was not registered: the request as received but
-- for credentials, headers the routing script removed and, when the
-- sender asked for anonymity, P-Asserted-Identity (12.2.2.3). token is
-- the MSRP Message-ID of its push; message_id "sip:<token>@<host>" is the
-- OMA Message-ID (12.2.2.3 item 4); times are Unix seconds. kind is
-- 'message' (request: the MESSAGE) or 'large-message' (request: the
-- multipart/mixed body of its push, D-30: INVITE, 200, the SENDs, BYE).
-- imdn_*: set when the MESSAGE's message/cpim body asked for a failure
-- IMDN (imdn.Disposition-Notification with negative-delivery, RFC 5438):
-- its imdn.Message-ID, DateTime, CPIM From and To, what the failure IMDN
-- to its sender needs when it expires or is deleted unread (DM-7); NULL
-- otherwise.
INSERT INTO version (table_name, table_version) VALUES ('im_store', 3);

CREATE TABLE im_store (
    id INTEGER PRIMARY KEY NOT NULL,
    token VARCHAR(32) NOT NULL,
    message_id VARCHAR(160) NOT NULL,
    recipient VARCHAR(255) NOT NULL,
    sender VARCHAR(255) NOT NULL,
    call_id VARCHAR(255) NOT NULL,
    received BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    size INTEGER NOT NULL,
    kind VARCHAR(16) DEFAULT 'message' NOT NULL,
    request BLOB NOT NULL,
    imdn_message_id VARCHAR(128) DEFAULT NULL,
    imdn_datetime VARCHAR(64) DEFAULT NULL,
    imdn_from VARCHAR(255) DEFAULT NULL,
    imdn_to VARCHAR(255) DEFAULT NULL,
    CONSTRAINT im_store_token_idx UNIQUE (token),
    CONSTRAINT im_store_message_id_idx UNIQUE (message_id)
);
CREATE INDEX im_store_recipient_idx ON im_store (recipient);
CREATE INDEX im_store_expires_idx ON im_store (expires);
