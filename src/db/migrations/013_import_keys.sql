-- Keys of the records `shenpi import` brought in (docs/import.md): the previous system's
-- own id of each center, unit, user, item and process, so that a re-run recognises what it
-- already imported and `shenpi export` writes the same keys back. Regions are keyed by their
-- code and cases by their old number (cases.old_no), which need no table.
CREATE TABLE import_keys (
	kind TEXT NOT NULL CHECK (kind IN ('center', 'unit', 'user', 'item', 'process')),
	old_key TEXT NOT NULL,
	id BIGINT NOT NULL,
	PRIMARY KEY (kind, old_key)
);
CREATE INDEX import_keys_id ON import_keys (kind, id);
