-- Notice templates (通知书模板): the title and body of a notice kind, overriding the built-in
-- default for the whole platform (item_id 0) or for one item (domain/notice.h,
-- docs/notices.md). Portable SQL for SQLite and PostgreSQL; @ID@ is an auto-increment BIGINT
-- primary key. item_id is not a foreign key: 0 stands for the platform.

CREATE TABLE notice_templates (
	id @ID@,
	kind TEXT NOT NULL CHECK (kind IN ('consult', 'accept', 'refuse', 'supplement', 'complete', 'deny')),
	item_id BIGINT NOT NULL DEFAULT 0,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	updated_by BIGINT,
	updated_at BIGINT NOT NULL,
	UNIQUE (kind, item_id)
);
