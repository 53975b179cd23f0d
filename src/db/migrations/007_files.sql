-- The bytes of attachments on PostgreSQL (DESIGN.md sections 1 and 5): in the database, so
-- that every server of a city or province reads the same files. On SQLite the bytes live in
-- the file store next to the database file (<dir>/files/ab/cdef..., named by SHA-256) and
-- this table stays empty. Rows are never updated: the key is the hash of the data.
CREATE TABLE attachment_data (
	sha256 TEXT PRIMARY KEY REFERENCES attachments (sha256),
	data @BLOB@ NOT NULL
);
