-- The steps of one case by state and due day: the sweep's case_overdue rule looks up the
-- active step of each overdue case (WHERE case_id = ? AND state = 'active' ORDER BY
-- due_day). Without it SQLite walked case_steps_open (every active step in the province)
-- once per overdue case: minutes at two million cases (docs/performance.md).
CREATE INDEX case_steps_case_state ON case_steps (case_id, state, due_day);
