/*
 * test_gen.c - `shenpi gen` at a small scale: the counts follow the options, every case's
 * state fits its dates and steps, numbers are unique and continue in `serials`, the
 * database and the event chain verify, the tables' indexes and foreign keys dropped for the
 * load are all back, and the sweep raises a card for each overdue case and marks its row;
 * on SQLite and (with SHENPI_TEST_PG_URL) PostgreSQL.
 */
#include "testdb.h" /* cmocka, g_c and the rest of the per-test database */

#include "domain/calendar.h"
#include "domain/card.h"
#include "domain/event.h"
#include "domain/gen.h"

#define CENTERS 25 /* the province, its 21 cities and 3 counties */
#define CASES	3000
/* COUNT("table WHERE …"): testdb.h's count() for conditions longer than its buffer */
#define COUNT(table_where) query_int("SELECT COUNT(*) FROM " table_where, NULL, 0)

static void generate(void)
{
	struct gen_opts o = {.centers = CENTERS, .cases = CASES, .days = 60, .seed = 7};
	json_t *out = NULL;
	assert_int_equal(gen_run(&g_c, &o, &out), E_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "cases")), CASES);
	assert_int_equal(json_integer_value(json_object_get(out, "case_steps")),
			 COUNT("case_steps"));
	assert_int_equal(json_integer_value(json_object_get(out, "overdue")),
			 COUNT("cases WHERE state = 'in_process' AND paused_since IS NULL AND "
			       "due_day < 20454"));
	json_decref(out);
}

static void test_counts(void **state)
{
	(void)state;
	generate();
	assert_int_equal(COUNT("regions"), CENTERS);
	assert_int_equal(COUNT("regions WHERE level = 3 AND parent = '510100'"), 1);
	assert_int_equal(COUNT("centers"), CENTERS);
	assert_int_equal(COUNT("units"), CENTERS * 10);
	assert_int_equal(COUNT("items"), CENTERS * 10 * 20);
	assert_int_equal(COUNT("processes"), COUNT("items WHERE kind = 'promised'"));
	/* a clerk and two handlers per unit, an admin per center, the province supervisor */
	assert_int_equal(COUNT("users"), CENTERS * (1 + 10 * 3) + 1);
	assert_int_equal(COUNT("cases"), CASES);
	/* the mixes: about 30% immediate, about 5% refused, some open, overdue, rated badly */
	int64_t immediate = COUNT("cases WHERE item_kind = 'immediate'");
	int64_t refused = COUNT("cases WHERE state = 'refused'");
	assert_true(immediate > CASES / 5 && immediate < CASES * 2 / 5);
	assert_true(refused > CASES / 50 && refused < CASES / 10);
	assert_true(COUNT("cases WHERE state = 'in_process'") > 0);
	assert_true(COUNT("cases WHERE state = 'in_process' AND due_day < 20454") > 0);
	assert_true(COUNT("case_steps WHERE kind = 'transfer_out' AND state = 'done'") > 0);
	assert_true(COUNT("followups") > 0);
	/* the statistics rollups were rebuilt from the cases */
	assert_true(COUNT("stats_daily") > 0);
	/* one summary event, and the chain holds */
	int64_t n = 0, bad = 0;
	const char *why = NULL;
	assert_int_equal(COUNT("events WHERE type = 'gen'"), 1);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK);
	char problem[256] = "";
	assert_int_equal(db_check(g_c.db, problem, sizeof(problem)), DB_OK);
	/* a second province is refused */
	struct gen_opts o = {.centers = 1, .cases = 0, .days = 1};
	json_t *out = NULL;
	assert_int_equal(gen_run(&g_c, &o, &out), E_DUPLICATE);
	assert_null(out);
}

static void test_numbers(void **state)
{
	(void)state;
	generate();
	assert_int_equal(query_int("SELECT COUNT(DISTINCT no) FROM cases", NULL, 0), CASES);
	/* each center's day is numbered 1..n and serials holds n */
	assert_int_equal(COUNT("serials s WHERE s.kind <> 'case' OR s.last <> (SELECT COUNT(*) "
			       "FROM cases k WHERE k.center_id = s.center_id AND k.applied_day = "
			       "s.day)"),
			 0);
	assert_int_equal(COUNT("cases k JOIN centers ce ON ce.id = k.center_id WHERE k.no NOT "
			       "LIKE ce.region_code || '-%'"),
			 0);
	assert_int_equal(query_int("SELECT SUM(last) FROM serials", NULL, 0), CASES);
}

static void test_states(void **state)
{
	(void)state;
	generate();
	/* finished cases: dates in order, every step done; picked-up ones rated */
	assert_int_equal(COUNT("cases WHERE state IN ('completed', 'picked_up') AND "
			       "(completed_day IS NULL OR completed_day < accepted_day OR "
			       "accepted_day < applied_day OR doc_no IS NULL)"),
			 0);
	assert_int_equal(COUNT("cases WHERE state = 'picked_up' AND (rating IS NULL OR "
			       "picked_up_at < completed_at)"),
			 0);
	assert_int_equal(COUNT("case_steps s JOIN cases k ON k.id = s.case_id WHERE k.state IN "
			       "('completed', 'picked_up') AND s.state <> 'done'"),
			 0);
	/* not accepted: no steps, no acceptance */
	assert_int_equal(COUNT("case_steps s JOIN cases k ON k.id = s.case_id WHERE k.state IN "
			       "('refused', 'withdrawn', 'supplement')"),
			 0);
	assert_int_equal(COUNT("cases WHERE state IN ('refused', 'withdrawn', 'supplement') AND "
			       "(accepted_day IS NOT NULL OR decided_at IS NULL)"),
			 0);
	/* in process: exactly one stage active (or out), those before done, after waiting */
	assert_int_equal(COUNT("cases k WHERE k.state = 'in_process' AND (SELECT COUNT(DISTINCT "
			       "stage) FROM case_steps s WHERE s.case_id = k.id AND s.state IN "
			       "('active', 'out')) <> 1"),
			 0);
	assert_int_equal(
	    COUNT("case_steps s JOIN cases k ON k.id = s.case_id JOIN case_steps a ON a.case_id = "
		  "k.id AND a.state IN ('active', 'out') WHERE k.state = 'in_process' AND "
		  "((s.stage < a.stage AND s.state <> 'done') OR (s.stage > a.stage AND s.state <> "
		  "'waiting') OR (s.stage = a.stage AND s.state NOT IN ('active', 'out')))"),
	    0);
	/* a transfer-out still out stops the case clock */
	assert_int_equal(COUNT("cases k WHERE k.state = 'in_process' AND (k.paused_since IS NOT "
			       "NULL) <> EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = k.id "
			       "AND s.state = 'out')"),
			 0);
	/* a follow-up for each bad rating; urges only on urged cases */
	assert_int_equal(COUNT("followups"), COUNT("cases WHERE rating <= 2"));
	assert_int_equal(COUNT("urges g JOIN cases k ON k.id = g.case_id WHERE k.urged = 0"), 0);
	/* deadlines from the working-day calendar: the promised days, plus the working days
	 * of the transfer-outs that came back */
	struct calendar cal;
	struct db_res *r;
	assert_int_equal(calendar_load(&g_c, &cal), E_OK);
	assert_int_equal(db_query(g_c.db, &r,
				  "SELECT accepted_day, promised_days, paused_days, due_day FROM "
				  "cases WHERE accepted_day IS NOT NULL",
				  NULL, 0),
			 DB_OK);
	int rows = 0;
	while (db_next(r) > 0) {
		int32_t accepted = (int32_t)db_int(r, 0);
		int32_t due =
		    calendar_add_workdays(&cal, accepted, (int)(db_int(r, 1) + db_int(r, 2)));
		assert_int_equal(db_int(r, 3), due);
		rows++;
	}
	db_res_free(r);
	assert_true(rows > CASES / 2);
}

/* The first gen loads its cases without their tables' indexes and foreign keys and builds
 * them after (domain/bulk.h): all of them are back, and a foreign key holds again. */
static void test_keys(void **state)
{
	(void)state;
	static const char *const tables[] = {"cases", "case_materials", "case_steps", "urges",
					     "followups"};
	char before[5][1024], after[1024];
	for (int t = 0; t < 5; t++)
		table_keys(tables[t], before[t], sizeof(before[t]));
	assert_non_null(strstr(before[0], "cases_open_due "));
	assert_non_null(strstr(before[2], "case_steps_open "));
	if (strcmp(g_kind, "postgresql") == 0)
		assert_non_null(strstr(before[2], "case_steps_case_id_fkey "));
	generate();
	for (int t = 0; t < 5; t++)
		assert_string_equal(table_keys(tables[t], after, sizeof(after)), before[t]);
	struct db_val p[] = {DBI(query_int("SELECT MAX(id) + 1 FROM cases", NULL, 0))};
	assert_int_equal(db_exec(g_c.db,
				 "INSERT INTO case_materials (case_id, seq, name, form, copies, "
				 "required) VALUES (?, 1, '身份证', '原件', 1, 1)",
				 p, 1, NULL),
			 DB_FOREIGN);
}

static void test_sweep(void **state)
{
	(void)state;
	generate();
	int64_t raised = 0;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	assert_int_equal(card_sweep(&g_c, &raised), E_OK);
	assert_int_equal(db_commit(g_c.db), DB_OK);
	assert_true(raised > 0);
	assert_int_equal(COUNT("cards WHERE rule = 'case_overdue'"),
			 COUNT("cases WHERE state = 'in_process' AND paused_since IS NULL AND "
			       "due_day < 20454"));
	/* each card has its event, appended to the chain in one move of its head */
	assert_int_equal(COUNT("events WHERE type = 'card.raise'"), raised);
	/* the rows with a card are marked, so that the next sweeps skip them (migration 017);
	 * the next one raises nothing */
	assert_int_equal(COUNT("cases WHERE card_due_day = due_day"),
			 COUNT("cards WHERE rule = 'case_overdue'"));
	assert_int_equal(COUNT("case_steps WHERE card_started_day = started_day"),
			 COUNT("cards WHERE rule = 'step_overdue'"));
	assert_int_equal(COUNT("followups WHERE card_due_day = due_day"),
			 COUNT("cards WHERE rule = 'followup_overdue'"));
	assert_true(COUNT("cards WHERE rule = 'step_overdue'") > 0);
	int64_t again = -1;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	assert_int_equal(card_sweep(&g_c, &again), E_OK);
	assert_int_equal(db_commit(g_c.db), DB_OK);
	assert_int_equal(again, 0);
	int64_t verified = 0, bad = 0;
	const char *why = NULL;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	assert_int_equal(event_verify(&g_c, &verified, &bad, &why), E_OK);
	db_rollback(g_c.db);
	assert_int_equal(verified, COUNT("events"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_counts, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_numbers, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_states, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_keys, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_sweep, fresh_db, close_db),
	};
	if (testdb_init() < 0)
		return 1;
	return testdb_run("gen", tests, sizeof(tests) / sizeof(tests[0])) ? 1 : 0;
}
