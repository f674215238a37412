-- Schema of the IM server's own tables, SQLite flavour.
-- The version row lets an upgrade tell which schema a database carries.
INSERT INTO version (table_name, table_version) VALUES ('im_server', 1);
