-- Schema of the IM server's own tables, SQLite flavour (PostgreSQL:
-- db/postgres/im_server.sql). The version row lets an upgrade tell which
-- schema a database carries.
INSERT INTO version (table_name, table_version) VALUES ('im_server', 3);

-- Policy of the participating function (OP-1, TP-1): scope '*' holds the
-- operator's defaults, a user's URI his own values (settings the user
-- publishes, such as isb and ipab, land here too). Names and values are
-- documented in modules/im_pf/README.md; edit with kamcmd im_pf.policy_*.
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
