-- Automatic accountability (自动问责, DESIGN.md section 7): cards raised by the sweep as time
-- passes, each tied to its case, step, urge or follow-up and the person responsible; and the
-- follow-ups (整改/解释) a bad rating (差评) opens.

ALTER TABLE centers ADD COLUMN followup_days INTEGER NOT NULL DEFAULT 5 CHECK (followup_days BETWEEN 1 AND 30);

CREATE TABLE followups (
	id @ID@,
	case_id BIGINT NOT NULL UNIQUE REFERENCES cases (id),
	center_id BIGINT NOT NULL REFERENCES centers (id),
	unit_id BIGINT NOT NULL REFERENCES units (id),
	due_day INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	answer TEXT,
	answered_by BIGINT REFERENCES users (id),
	answered_at BIGINT
);
CREATE INDEX followups_open ON followups (answered_at, due_day);
CREATE INDEX followups_unit ON followups (unit_id, answered_at);

CREATE TABLE cards (
	id @ID@,
	key TEXT NOT NULL UNIQUE, -- rule and object: the sweep raises each card once
	center_id BIGINT NOT NULL REFERENCES centers (id),
	unit_id BIGINT NOT NULL REFERENCES units (id),
	case_id BIGINT REFERENCES cases (id),
	step_id BIGINT REFERENCES case_steps (id),
	urge_id BIGINT REFERENCES urges (id),
	followup_id BIGINT REFERENCES followups (id),
	user_id BIGINT REFERENCES users (id),
	rule TEXT NOT NULL,
	color TEXT NOT NULL CHECK (color IN ('yellow', 'red')),
	raised_at BIGINT NOT NULL,
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'confirmed', 'dismissed')),
	note TEXT NOT NULL DEFAULT '',
	decided_by BIGINT REFERENCES users (id),
	decided_at BIGINT
);
CREATE INDEX cards_center ON cards (center_id, state, raised_at);
CREATE INDEX cards_unit ON cards (unit_id, state);
CREATE INDEX cards_user ON cards (user_id, state);

-- what the sweep reads: open objects by due day, across centers
CREATE INDEX cases_open_due ON cases (state, due_day);
CREATE INDEX urges_open ON urges (answered_at, reply_by);

