-- Schema of the IM server's own tables, SQLite flavour (PostgreSQL:
-- db/postgres/im_server.sql). The version row lets an upgrade tell which
-- schema a database carries.
INSERT INTO version (table_name, table_version) VALUES ('im_server', 5);

-- Policy of the participating function (OP-1, TP-1): scope '*' holds the
-- operator's defaults, a user's URI his own values (isb and ipab here are
-- what applies until the user publishes his own, im_settings). Names and
-- values are documented in modules/im_pf/README.md; edit with kamcmd
-- im_pf.policy_*.
CREATE TABLE im_policy (
    id INTEGER PRIMARY KEY NOT NULL,
    scope VARCHAR(255) DEFAULT '*' NOT NULL,
    name VARCHAR(64) NOT NULL,
    value VARCHAR(255) NOT NULL,
    CONSTRAINT im_policy_scope_name_idx UNIQUE (scope, name)
);

-- Shared Policy access rules of a user (TP-1 step 2): requests from
-- sender ('*', '*@domain' or a URI) for media are allowed or rejected.
CREATE TABLE im_access_rule (
    id INTEGER PRIMARY KEY NOT NULL,
    owner VARCHAR(255) NOT NULL,
    sender VARCHAR(255) DEFAULT '*' NOT NULL,
    media VARCHAR(32) DEFAULT '*' NOT NULL,
    action VARCHAR(16) DEFAULT 'reject' NOT NULL,
    CONSTRAINT im_access_rule_idx UNIQUE (owner, sender, media)
);

-- Interconnected IM domains (TR-1029 NNI): where their requests go, what
-- they support (D-3), and how their requests are recognised (trust): 'tls'
-- by a verified client certificate naming the domain, 'address' by source
-- IP (and UDP port), an opt-in that anyone able to forge or share that
-- address defeats. Schema 3 added trust; to upgrade a schema 2 database:
--   ALTER TABLE im_peer ADD COLUMN trust VARCHAR(16) DEFAULT 'tls' NOT NULL;
--   UPDATE version SET table_version = 3 WHERE table_name = 'im_server';
CREATE TABLE im_peer (
    id INTEGER PRIMARY KEY NOT NULL,
    domain VARCHAR(128) NOT NULL,
    address VARCHAR(160) NOT NULL,
    features VARCHAR(255) DEFAULT '*' NOT NULL,
    trust VARCHAR(16) DEFAULT 'tls' NOT NULL,
    CONSTRAINT im_peer_domain_idx UNIQUE (domain)
);

-- The IM service settings each user published (PUBLISH Event:
-- poc-settings, OMA TS 6.1.1.5, App E; SS-1): one live publication per
-- user (sip:user@host), its RFC 3903 entity tag and expiry (unix time),
-- the settings parsed. Written by im_pf only (read into shared memory at
-- start; kamcmd im_pf.settings_show shows it). Schema 4 added it; to
-- upgrade a schema 3 database run this statement and
--   UPDATE version SET table_version = 4 WHERE table_name = 'im_server';
CREATE TABLE im_settings (
    id INTEGER PRIMARY KEY NOT NULL,
    aor VARCHAR(255) NOT NULL,
    etag VARCHAR(64) NOT NULL,
    expires BIGINT NOT NULL,
    isb SMALLINT DEFAULT 0 NOT NULL,
    ipab SMALLINT DEFAULT 0 NOT NULL,
    offline_delivery SMALLINT DEFAULT 0 NOT NULL,
    vis_status SMALLINT DEFAULT 1 NOT NULL,
    hist_session SMALLINT DEFAULT 0 NOT NULL,
    hist_pager SMALLINT DEFAULT 0 NOT NULL,
    CONSTRAINT im_settings_aor_idx UNIQUE (aor)
);

-- The documents of system messages (OMA TS 5.4 step 3, C-3): a payload
-- over the pager size or needing the user's response is hosted here and
-- the MESSAGE points at <sysdoc_url><token> (message/external-body); the
-- user's response (an HTTP POST to that URL) is kept in answer. expires and
-- delivered (the 2xx of a message needing a response, from which Ts1
-- runs; a restart finds the responses still owed here) are unix times;
-- im_pf deletes what has expired. Schema 5 added it; to
-- upgrade a schema 4 database run this statement and
--   UPDATE version SET table_version = 5 WHERE table_name = 'im_server';
CREATE TABLE im_sysdoc (
    id INTEGER PRIMARY KEY NOT NULL,
    token VARCHAR(64) NOT NULL,
    recipient VARCHAR(255) NOT NULL,
    content_type VARCHAR(255) NOT NULL,
    body TEXT NOT NULL,
    need_response SMALLINT DEFAULT 0 NOT NULL,
    answered SMALLINT DEFAULT 0 NOT NULL,
    answer TEXT DEFAULT '' NOT NULL,
    expires BIGINT NOT NULL,
    delivered BIGINT DEFAULT 0 NOT NULL,
    CONSTRAINT im_sysdoc_token_idx UNIQUE (token)
);
CREATE INDEX im_sysdoc_expires_idx ON im_sysdoc (expires);
