-- Processes (办理流程) of promised items: versioned lists of steps (DESIGN.md section 4).
-- Portable SQL for SQLite and PostgreSQL; @ID@ is an auto-increment BIGINT primary key.
--
-- Saving a process inserts a new version; rows are never updated or deleted, so a case keeps
-- the version it started on. An item's current process is its highest version; a promised
-- item without any version runs the generated default (domain/process.h, docs/process.md).
-- Steps of one stage run in parallel (并联); stages are 1..n without gaps. limit_days is in
-- working days; a transfer-out step (转外) has limit_days 0 and its own transfer_days.

CREATE TABLE processes (
	id @ID@,
	item_id BIGINT NOT NULL REFERENCES items (id),
	version INTEGER NOT NULL CHECK (version >= 1),
	name TEXT NOT NULL,
	created_by BIGINT REFERENCES users (id),
	created_at BIGINT NOT NULL,
	svg TEXT NOT NULL DEFAULT '', -- the flowchart, drawn once when the version is saved
	UNIQUE (item_id, version)
);

CREATE TABLE process_steps (
	id @ID@,
	process_id BIGINT NOT NULL REFERENCES processes (id),
	stage INTEGER NOT NULL CHECK (stage >= 1),
	seq INTEGER NOT NULL CHECK (seq >= 1),
	name TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('accept', 'approve', 'transfer_out', 'complete')),
	handler_id BIGINT REFERENCES users (id),
	limit_days INTEGER NOT NULL CHECK (limit_days BETWEEN 0 AND 365),
	transfer_desc TEXT NOT NULL DEFAULT '',
	transfer_days INTEGER NOT NULL DEFAULT 0 CHECK (transfer_days BETWEEN 0 AND 365),
	remarks TEXT NOT NULL DEFAULT '',
	UNIQUE (process_id, stage, seq)
);
