-- PostgreSQL only. The province's open-case reads (warnings, the sweep, the dashboard) are
-- index-only scans of cases and case_steps, which skip the heap only for pages the visibility
-- map marks all-visible; every change to a row clears its page's mark until a VACUUM sets it
-- again. With the default thresholds (20% of a table changed, or inserted) autovacuum would
-- not visit a province of 20 million cases for months, and the scans would go to the heap for
-- every open row changed since: after the first sweep of migration 017 had marked 279,455
-- rows there, the count of the promised warnings made 123,735 heap fetches and the list took
-- 208-273 ms instead of 57 ms (docs/performance.md). At 1% autovacuum comes about every
-- 200,000 changes at that size and reads only the pages changed since its last run.
ALTER TABLE cases SET (autovacuum_vacuum_scale_factor = 0.01,
	autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE case_steps SET (autovacuum_vacuum_scale_factor = 0.01,
	autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
