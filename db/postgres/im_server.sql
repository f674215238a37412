-- Schema of the IM server's own tables, PostgreSQL flavour (see
-- db/sqlite/im_server.sql for what each table is).
INSERT INTO version (table_name, table_version) VALUES ('im_server', 5);

CREATE TABLE im_policy (
    id SERIAL PRIMARY KEY NOT NULL,
    scope VARCHAR(255) DEFAULT '*' NOT NULL,
    name VARCHAR(64) NOT NULL,
    value VARCHAR(255) NOT NULL,
    CONSTRAINT im_policy_scope_name_idx UNIQUE (scope, name)
);

CREATE TABLE im_access_rule (
    id SERIAL PRIMARY KEY NOT NULL,
    owner VARCHAR(255) NOT NULL,
    sender VARCHAR(255) DEFAULT '*' NOT NULL,
    media VARCHAR(32) DEFAULT '*' NOT NULL,
    action VARCHAR(16) DEFAULT 'reject' NOT NULL,
    CONSTRAINT im_access_rule_idx UNIQUE (owner, sender, media)
);

CREATE TABLE im_peer (
    id SERIAL PRIMARY KEY NOT NULL,
    domain VARCHAR(128) NOT NULL,
    address VARCHAR(160) NOT NULL,
    features VARCHAR(255) DEFAULT '*' NOT NULL,
    trust VARCHAR(16) DEFAULT 'tls' NOT NULL,
    CONSTRAINT im_peer_domain_idx UNIQUE (domain)
);

CREATE TABLE im_settings (
    id SERIAL PRIMARY KEY NOT NULL,
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

CREATE TABLE im_sysdoc (
    id SERIAL PRIMARY KEY NOT NULL,
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
