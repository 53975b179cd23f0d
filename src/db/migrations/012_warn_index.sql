-- The warning lists and the dashboard's lights at province scale (docs/performance.md,
-- "Province scale").
--
-- The largest warning threshold in effect bounds the open cases and steps they read
-- (domain/case.c, case_lit_until); MAX over this index is one lookup, not a pass over items.
CREATE INDEX items_warn_days ON items (warn_days);
-- The lights are counted from the indexes alone: each holds what a count reads of a case or
-- step (center, unit and item for the filters and the threshold, the pause for the light).
-- A step carries its case's center, unit and item for that; they never change.
ALTER TABLE case_steps ADD COLUMN center_id BIGINT REFERENCES centers (id);
ALTER TABLE case_steps ADD COLUMN unit_id BIGINT REFERENCES units (id);
ALTER TABLE case_steps ADD COLUMN item_id BIGINT REFERENCES items (id);
UPDATE case_steps SET center_id = (SELECT k.center_id FROM cases k WHERE k.id = case_steps.case_id),
	unit_id = (SELECT k.unit_id FROM cases k WHERE k.id = case_steps.case_id),
	item_id = (SELECT k.item_id FROM cases k WHERE k.id = case_steps.case_id);
DROP INDEX case_steps_open;
CREATE INDEX case_steps_open ON case_steps (state, due_day, center_id, unit_id, item_id);
DROP INDEX cases_open_due;
CREATE INDEX cases_open_due ON cases (state, due_day, center_id, unit_id, item_id, paused_since);
DROP INDEX cases_center_state;
CREATE INDEX cases_center_state ON cases (center_id, state, due_day, unit_id, item_id, paused_since);
