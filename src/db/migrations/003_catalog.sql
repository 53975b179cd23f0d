-- The catalog of approval items (审批事项) and their required materials (应交材料).
-- Portable SQL for SQLite and PostgreSQL; @ID@ is an auto-increment BIGINT primary key.
--
-- Limits are in working days, 0..365. An immediate item (即办) is done on the spot: its
-- promised_days is 0. A promised item (承诺) has 1 <= promised_days <= statutory_days.
-- authorized (窗口授权) requires entered (进驻中心): 项目授权率 = authorized / entered.
-- center_id repeats the unit's center (a unit never moves) so codes are unique per center
-- and scope filters need no join.

CREATE TABLE items (
	id @ID@,
	center_id BIGINT NOT NULL REFERENCES centers (id),
	unit_id BIGINT NOT NULL REFERENCES units (id),
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('immediate', 'promised')),
	statutory_days INTEGER NOT NULL CHECK (statutory_days BETWEEN 0 AND 365),
	promised_days INTEGER NOT NULL CHECK (promised_days >= 0),
	entered INTEGER NOT NULL DEFAULT 0 CHECK (entered IN (0, 1)),
	authorized INTEGER NOT NULL DEFAULT 0 CHECK (authorized IN (0, 1)),
	basis TEXT NOT NULL DEFAULT '',
	conditions TEXT NOT NULL DEFAULT '',
	fees TEXT NOT NULL DEFAULT '',
	place_time TEXT NOT NULL DEFAULT '',
	investment INTEGER NOT NULL DEFAULT 0 CHECK (investment IN (0, 1)),
	disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CHECK (promised_days <= statutory_days),
	CHECK ((kind = 'immediate' AND promised_days = 0) OR (kind = 'promised' AND promised_days >= 1)),
	CHECK (authorized <= entered),
	UNIQUE (center_id, code)
);
CREATE INDEX items_unit ON items (unit_id, code);
CREATE INDEX items_code ON items (code);

CREATE TABLE item_materials (
	id @ID@,
	item_id BIGINT NOT NULL REFERENCES items (id),
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	form TEXT NOT NULL CHECK (form IN ('original', 'copy', 'both')),
	copies INTEGER NOT NULL CHECK (copies BETWEEN 1 AND 99),
	required INTEGER NOT NULL DEFAULT 1 CHECK (required IN (0, 1)),
	notes TEXT NOT NULL DEFAULT '',
	UNIQUE (item_id, seq)
);
