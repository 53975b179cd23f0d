-- The card sweep reads only the due rows whose card it has not found yet (domain/card.c,
-- docs/performance.md, "20 million cases on PostgreSQL"). A row the sweep reads keeps, in its
-- card_* column, the value of the field that makes its card's key (a step's started_day or
-- out_day, a case's due_day; an urge's and a follow-up's key is their id, their reply day
-- stands for it) once that card exists; each index below holds the open rows whose mark does
-- not match, so a sweep with nothing new reads none of the hundreds of thousands of overdue
-- rows that have their card. A mark is a cache of the card's existence: the sweep still
-- checks the card's key before raising one, and sets the marks itself (NULL here). Each index
-- begins with the columns of the one the rule read before (case_steps_open, cases_open_due,
-- urges_open, followups_open): SQLite, which keeps no statistics here, then takes them (with
-- the due day alone it took the others).
ALTER TABLE case_steps ADD COLUMN card_started_day INTEGER;
ALTER TABLE case_steps ADD COLUMN card_out_day INTEGER;
ALTER TABLE cases ADD COLUMN card_due_day INTEGER;
ALTER TABLE urges ADD COLUMN card_reply_by INTEGER;
ALTER TABLE followups ADD COLUMN card_due_day INTEGER;
CREATE INDEX case_steps_sweep_active ON case_steps (state, due_day)
	WHERE state = 'active' AND (card_started_day IS NULL OR card_started_day <> started_day);
CREATE INDEX case_steps_sweep_out ON case_steps (state, due_day)
	WHERE state = 'out' AND (card_out_day IS NULL OR card_out_day <> out_day);
CREATE INDEX cases_sweep ON cases (state, due_day)
	WHERE state IN ('accepted', 'in_process') AND paused_since IS NULL
	AND (card_due_day IS NULL OR card_due_day <> due_day);
CREATE INDEX urges_sweep ON urges (answered_at, reply_by)
	WHERE answered_at IS NULL AND (card_reply_by IS NULL OR card_reply_by <> reply_by);
CREATE INDEX followups_sweep ON followups (answered_at, due_day)
	WHERE answered_at IS NULL AND (card_due_day IS NULL OR card_due_day <> due_day);
