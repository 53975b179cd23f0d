-- Urges (督办 / 催办, DESIGN.md section 7): a center admin or a supervisor urges a case, one
-- of its steps, or a whole unit, with a message and a day to answer by; the unit (or the
-- step's handler) answers. Rows are only ever answered, never deleted.
CREATE TABLE urges (
	id @ID@,
	center_id BIGINT NOT NULL REFERENCES centers (id),
	unit_id BIGINT NOT NULL REFERENCES units (id),
	case_id BIGINT REFERENCES cases (id),
	step_id BIGINT REFERENCES case_steps (id),
	to_user BIGINT REFERENCES users (id), -- the urged step's handler
	kind TEXT NOT NULL CHECK (kind IN ('supervise', 'hurry')),
	message TEXT NOT NULL,
	reply_by INTEGER NOT NULL,            -- a day number (domain/calendar.h)
	created_by BIGINT NOT NULL REFERENCES users (id),
	created_at BIGINT NOT NULL,
	answer TEXT,
	answered_by BIGINT REFERENCES users (id),
	answered_at BIGINT
);
CREATE INDEX urges_center ON urges (center_id, answered_at, reply_by);
CREATE INDEX urges_unit ON urges (unit_id, answered_at);
CREATE INDEX urges_case ON urges (case_id);
