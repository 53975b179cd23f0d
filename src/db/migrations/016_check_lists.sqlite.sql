-- The CHECKs of the states and kinds of cases and case steps as comparisons, on SQLite only.
-- SQLite checks `x IN (a list of more than two values)` by building a temporary b-tree of the
-- list each time it writes a row, nine times in a case's change on average (docs/performance.md,
-- "Benchmark suite"); `x = a OR x = b …` is the same rule without it. The data on disk does not
-- change, so the tables' text is rewritten in place, as https://www.sqlite.org/lang_altertable.html
-- ("Making Other Kinds Of Table Schema Changes") allows for CHECK constraints. A connection that
-- still holds the old text checks the same rule.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
	'CHECK (state IN (''applied'', ''supplement'', ''refused'', ''accepted'',' || char(10, 9, 9) ||
	'''in_process'', ''completed'', ''picked_up'', ''withdrawn''))',
	'CHECK (state = ''applied'' OR state = ''supplement'' OR state = ''refused'' OR' || char(10, 9, 9) ||
	'state = ''accepted'' OR state = ''in_process'' OR state = ''completed'' OR' || char(10, 9, 9) ||
	'state = ''picked_up'' OR state = ''withdrawn'')')
WHERE type = 'table' AND name = 'cases';
UPDATE sqlite_schema SET sql = replace(replace(sql,
	'CHECK (kind IN (''accept'', ''approve'', ''transfer_out'', ''complete''))',
	'CHECK (kind = ''accept'' OR kind = ''approve'' OR kind = ''transfer_out'' OR' || char(10, 9, 9) ||
	'kind = ''complete'')'),
	'CHECK (state IN (''waiting'', ''active'', ''out'', ''done''))',
	'CHECK (state = ''waiting'' OR state = ''active'' OR state = ''out'' OR state = ''done'')')
WHERE type = 'table' AND name = 'case_steps';
PRAGMA writable_schema = RESET;
