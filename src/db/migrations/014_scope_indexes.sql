-- The statistics of a region read its centers' rows: domain/stats.c writes "in the region" as
-- center_id IN (the region's centers), so each table is searched center by center (a city is
-- a few of the province's 180 centers) instead of read whole and filtered. docs/performance.md,
-- "Province scale".
CREATE INDEX items_center ON items (center_id);
DROP INDEX stats_daily_onsite;
CREATE INDEX stats_daily_onsite ON stats_daily (center_id, day, item_id) WHERE completed_onsite > 0;
