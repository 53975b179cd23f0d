-- Cases (办件), their steps, materials and files, and consultations (DESIGN.md section 5).
-- Portable SQL for SQLite and PostgreSQL; @ID@ is an auto-increment BIGINT primary key.
--
-- Days (*_day) are day numbers (days since 1970-01-01, Asia/Shanghai, see domain/calendar.h);
-- times (*_at) are Unix seconds. A case copies what it depends on when it starts (the item's
-- kind and limits, the checklist, the process steps) so that later catalog edits leave it be.

-- The warning threshold (预警时间): a case or step is yellow when its remaining working days
-- are at most this many. Per center, and per item where set (NULL = the center's).
ALTER TABLE centers ADD COLUMN warn_days INTEGER NOT NULL DEFAULT 1 CHECK (warn_days BETWEEN 0 AND 10);
ALTER TABLE items ADD COLUMN warn_days INTEGER CHECK (warn_days BETWEEN 0 AND 10);

-- Serial numbers per center, kind ('case', 'consult') and day: the row is bumped inside the
-- transaction that creates the case, so numbers are unique and gapless.
CREATE TABLE serials (
	center_id BIGINT NOT NULL REFERENCES centers (id),
	kind TEXT NOT NULL,
	day INTEGER NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (center_id, kind, day)
);

CREATE TABLE consultations (
	id @ID@,
	no TEXT NOT NULL UNIQUE,
	center_id BIGINT NOT NULL REFERENCES centers (id),
	unit_id BIGINT NOT NULL REFERENCES units (id),
	item_id BIGINT NOT NULL REFERENCES items (id),
	applicant_kind TEXT NOT NULL CHECK (applicant_kind IN ('person', 'org')),
	applicant_name TEXT NOT NULL,
	applicant_id_no TEXT NOT NULL DEFAULT '',
	applicant_phone TEXT NOT NULL DEFAULT '',
	question TEXT NOT NULL,
	answer TEXT NOT NULL,
	created_by BIGINT NOT NULL REFERENCES users (id),
	created_at BIGINT NOT NULL
);
CREATE INDEX consultations_center ON consultations (center_id, created_at);

CREATE TABLE cases (
	id @ID@,
	no TEXT NOT NULL UNIQUE,
	old_no TEXT,
	center_id BIGINT NOT NULL REFERENCES centers (id),
	unit_id BIGINT NOT NULL REFERENCES units (id),
	item_id BIGINT NOT NULL REFERENCES items (id),
	item_kind TEXT NOT NULL CHECK (item_kind IN ('immediate', 'promised')),
	statutory_days INTEGER NOT NULL,
	promised_days INTEGER NOT NULL,
	process_version INTEGER NOT NULL DEFAULT 0,
	state TEXT NOT NULL CHECK (state IN ('applied', 'supplement', 'refused', 'accepted',
		'in_process', 'completed', 'picked_up', 'withdrawn')),
	applicant_kind TEXT NOT NULL CHECK (applicant_kind IN ('person', 'org')),
	applicant_name TEXT NOT NULL,
	applicant_id_no TEXT NOT NULL,
	applicant_phone TEXT NOT NULL DEFAULT '',
	applicant_address TEXT NOT NULL DEFAULT '',
	contact_name TEXT NOT NULL DEFAULT '',
	contact_id_no TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '',
	project TEXT NOT NULL DEFAULT '', -- investment-project data, a JSON object or ''
	summary TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL REFERENCES users (id),
	created_at BIGINT NOT NULL,
	applied_day INTEGER NOT NULL,
	accepted_by BIGINT REFERENCES users (id),
	accepted_at BIGINT,
	accepted_day INTEGER,
	due_day INTEGER,              -- the case deadline (承诺时限), pauses included
	paused_since INTEGER,         -- the day a transfer-out went out; NULL when none is out
	paused_days INTEGER NOT NULL DEFAULT 0,
	decision_note TEXT NOT NULL DEFAULT '', -- refusal reasons, one-time notice text, withdrawal reason
	decided_at BIGINT,            -- refusal / one-time notice / withdrawal
	completed_by BIGINT REFERENCES users (id),
	completed_at BIGINT,
	completed_day INTEGER,
	permitted INTEGER CHECK (permitted IN (0, 1)),
	doc_no TEXT,
	opinion TEXT,
	picked_up_by BIGINT REFERENCES users (id),
	picked_up_at BIGINT,
	no_id_card INTEGER CHECK (no_id_card IN (0, 1)),
	rating INTEGER CHECK (rating BETWEEN 1 AND 5),
	rating_comment TEXT,
	urged INTEGER NOT NULL DEFAULT 0 CHECK (urged IN (0, 1)),
	updated_at BIGINT NOT NULL
);
-- open cases by deadline (warning lists), a unit's work, searches
CREATE INDEX cases_center_state ON cases (center_id, state, due_day);
CREATE INDEX cases_unit_state ON cases (unit_id, state, due_day);
CREATE INDEX cases_item ON cases (item_id, applied_day);
CREATE INDEX cases_applied ON cases (center_id, applied_day);
CREATE INDEX cases_applicant ON cases (applicant_name);
CREATE INDEX cases_old_no ON cases (old_no);

-- The materials checklist of a case: a copy of the item's list at application.
CREATE TABLE case_materials (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES cases (id),
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	form TEXT NOT NULL,
	copies INTEGER NOT NULL,
	required INTEGER NOT NULL,
	present INTEGER NOT NULL DEFAULT 0 CHECK (present IN (0, 1)),
	note TEXT NOT NULL DEFAULT '',
	UNIQUE (case_id, seq)
);

-- The steps of a promised case: a copy of its process version at acceptance. A step is
-- waiting, active (its stage is the current one), out (a transfer-out under way: the case
-- clock is stopped) or done. A return puts the previous stage back to active.
CREATE TABLE case_steps (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES cases (id),
	stage INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('accept', 'approve', 'transfer_out', 'complete')),
	handler_id BIGINT REFERENCES users (id),
	limit_days INTEGER NOT NULL,
	transfer_desc TEXT NOT NULL DEFAULT '',
	transfer_days INTEGER NOT NULL DEFAULT 0,
	state TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'out', 'done')),
	started_at BIGINT,
	started_day INTEGER,
	due_day INTEGER,
	out_day INTEGER,
	finished_at BIGINT,
	finished_by BIGINT REFERENCES users (id),
	opinion TEXT NOT NULL DEFAULT '',
	UNIQUE (case_id, stage, seq)
);
CREATE INDEX case_steps_handler ON case_steps (handler_id, state, due_day);
CREATE INDEX case_steps_open ON case_steps (state, due_day);

-- Files are stored once per content (SHA-256). Where the bytes live depends on the backend:
-- a file store under the data directory (SQLite) or the database itself (PostgreSQL).
CREATE TABLE attachments (
	sha256 TEXT PRIMARY KEY,
	size BIGINT NOT NULL,
	mime TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

-- A file of a case (a material, or a signed notice scanned back) or of a consultation.
CREATE TABLE case_files (
	id @ID@,
	case_id BIGINT REFERENCES cases (id),
	consultation_id BIGINT REFERENCES consultations (id),
	material_id BIGINT REFERENCES case_materials (id),
	notice_kind TEXT,             -- a signed notice: its kind
	name TEXT NOT NULL,
	sha256 TEXT NOT NULL REFERENCES attachments (sha256),
	uploaded_by BIGINT NOT NULL REFERENCES users (id),
	uploaded_at BIGINT NOT NULL,
	CHECK ((case_id IS NULL) <> (consultation_id IS NULL))
);
CREATE INDEX case_files_case ON case_files (case_id, material_id);
CREATE INDEX case_files_consultation ON case_files (consultation_id);

CREATE INDEX events_case ON events (case_id, seq);
