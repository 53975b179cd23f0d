-- Per-day rollups of the cases for the indicators and statistics tables (DESIGN.md section 7,
-- docs/indicators.md). Portable SQL for SQLite and PostgreSQL.
--
-- One row per day, center, unit and item that saw anything. Each counter is counted on the
-- day of the event it counts, so a period's figure is a sum over the days of the period:
--   applied                       the application day (applied_day)
--   accepted                      the acceptance day (accepted_day)
--   refused                       the day of the refusal (decided_at)
--   completed … transfer_days     the completion day (completed_day)
--   picked_up … rating_bad        the pickup day (picked_up_at)
-- domain/stats.c keeps them current inside the transaction of each case transition, and
-- `shenpi verify --rebuild-stats` recomputes them from the cases.
--
-- stats_center_daily holds the same counters summed per day and center: a region's or a
-- center's figures read it (a province's month is a few thousand rows), a unit's or an item's
-- read stats_daily through its indexes.
CREATE TABLE stats_daily (
	day INTEGER NOT NULL,
	center_id BIGINT NOT NULL REFERENCES centers (id),
	unit_id BIGINT NOT NULL REFERENCES units (id),
	item_id BIGINT NOT NULL REFERENCES items (id),
	applied BIGINT NOT NULL DEFAULT 0,
	accepted BIGINT NOT NULL DEFAULT 0,
	refused BIGINT NOT NULL DEFAULT 0,
	completed BIGINT NOT NULL DEFAULT 0,
	completed_onsite BIGINT NOT NULL DEFAULT 0,   -- every step and the completion by in_center staff
	completed_instant BIGINT NOT NULL DEFAULT 0,  -- completed on the acceptance day
	completed_ontime BIGINT NOT NULL DEFAULT 0,   -- completed_day <= due_day
	completed_early BIGINT NOT NULL DEFAULT 0,    -- completed_day < due_day
	completed_late BIGINT NOT NULL DEFAULT 0,     -- completed_day > due_day
	permitted BIGINT NOT NULL DEFAULT 0,
	completed_promised BIGINT NOT NULL DEFAULT 0, -- completed promised (承诺件) cases
	promised_days_sum BIGINT NOT NULL DEFAULT 0,  -- their promised working days
	used_days_sum BIGINT NOT NULL DEFAULT 0,      -- their working days used, pauses excluded
	transfer_outs BIGINT NOT NULL DEFAULT 0,      -- transfer-out steps of completed cases
	transfer_days BIGINT NOT NULL DEFAULT 0,      -- the working days those were out
	picked_up BIGINT NOT NULL DEFAULT 0,
	rated BIGINT NOT NULL DEFAULT 0,
	rating_satisfied BIGINT NOT NULL DEFAULT 0,   -- rating >= 3
	rating_bad BIGINT NOT NULL DEFAULT 0,         -- rating <= 2
	PRIMARY KEY (day, center_id, unit_id, item_id)
);
CREATE INDEX stats_daily_center ON stats_daily (center_id, day);
CREATE INDEX stats_daily_unit ON stats_daily (unit_id, day);
CREATE INDEX stats_daily_item ON stats_daily (item_id, day);
-- 现场办结项目总数 counts the items with an on-site completion in a period
CREATE INDEX stats_daily_onsite ON stats_daily (day, center_id, item_id) WHERE completed_onsite > 0;

CREATE TABLE stats_center_daily (
	day INTEGER NOT NULL,
	center_id BIGINT NOT NULL REFERENCES centers (id),
	applied BIGINT NOT NULL DEFAULT 0,
	accepted BIGINT NOT NULL DEFAULT 0,
	refused BIGINT NOT NULL DEFAULT 0,
	completed BIGINT NOT NULL DEFAULT 0,
	completed_onsite BIGINT NOT NULL DEFAULT 0,
	completed_instant BIGINT NOT NULL DEFAULT 0,
	completed_ontime BIGINT NOT NULL DEFAULT 0,
	completed_early BIGINT NOT NULL DEFAULT 0,
	completed_late BIGINT NOT NULL DEFAULT 0,
	permitted BIGINT NOT NULL DEFAULT 0,
	completed_promised BIGINT NOT NULL DEFAULT 0,
	promised_days_sum BIGINT NOT NULL DEFAULT 0,
	used_days_sum BIGINT NOT NULL DEFAULT 0,
	transfer_outs BIGINT NOT NULL DEFAULT 0,
	transfer_days BIGINT NOT NULL DEFAULT 0,
	picked_up BIGINT NOT NULL DEFAULT 0,
	rated BIGINT NOT NULL DEFAULT 0,
	rating_satisfied BIGINT NOT NULL DEFAULT 0,
	rating_bad BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (day, center_id)
);
CREATE INDEX stats_center_daily_center ON stats_center_daily (center_id, day);
