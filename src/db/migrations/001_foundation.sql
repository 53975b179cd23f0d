-- Organisation, accounts, sessions and the hash-chained event log.
-- Portable SQL for SQLite and PostgreSQL; @ID@ is an auto-increment BIGINT primary key.

CREATE TABLE regions (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	parent TEXT REFERENCES regions (code),
	level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3)
);
CREATE INDEX regions_parent ON regions (parent);

CREATE TABLE centers (
	id @ID@,
	region_code TEXT NOT NULL REFERENCES regions (code),
	name TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	UNIQUE (name)
);
CREATE INDEX centers_region ON centers (region_code);

CREATE TABLE units (
	id @ID@,
	center_id BIGINT NOT NULL REFERENCES centers (id),
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	UNIQUE (center_id, code),
	UNIQUE (center_id, name)
);

-- roles is a bit set: see domain/user.h.
CREATE TABLE users (
	id @ID@,
	username TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	roles INTEGER NOT NULL,
	center_id BIGINT REFERENCES centers (id),
	unit_id BIGINT REFERENCES units (id),
	scope_region TEXT REFERENCES regions (code),
	in_center INTEGER NOT NULL DEFAULT 0,
	disabled INTEGER NOT NULL DEFAULT 0,
	must_change INTEGER NOT NULL DEFAULT 1,
	phone TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX users_center ON users (center_id, unit_id);

-- Sessions and API tokens are stored as the SHA-256 of the secret only.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id),
	csrf TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	seen_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id @ID@,
	token_hash TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users (id),
	name TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed logins per username within the current window (login throttling).
CREATE TABLE login_failures (
	username TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	window_start BIGINT NOT NULL
);
CREATE INDEX login_failures_window ON login_failures (window_start);

-- The event log: appended to in the same transaction as every change, never updated.
-- hash = SHA-256(prev_hash | seq | at | center | actor | case | type | payload).
CREATE TABLE events (
	seq BIGINT PRIMARY KEY,
	at BIGINT NOT NULL,
	center_id BIGINT,
	actor_id BIGINT,
	case_id BIGINT,
	type TEXT NOT NULL,
	payload TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX events_center ON events (center_id, seq);

-- The head of the chain: one row, locked by every appender (UPDATE) so that appends are
-- serialised on both backends.
CREATE TABLE event_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO event_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
