-- The revision of calendar_days, raised with every change to it, so that a server keeps the
-- calendar in memory and reads the table again only after a change (calendar_load).
CREATE TABLE calendar_rev (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	rev BIGINT NOT NULL
);
INSERT INTO calendar_rev (id, rev) VALUES (1, 1);
