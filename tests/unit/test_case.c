/*
 * test_case.c - a case's clock: acceptance, step deadlines, a transfer-out that stops the
 * clock and adds its working days to the deadline, the warning lights as the days pass, and
 * the transitions the state machine refuses; on SQLite and (with SHENPI_TEST_PG_URL)
 * PostgreSQL. Time is moved by setting the context's `now`.
 */
#include "testdb.h" /* cmocka, g_c and the rest of the per-test database */

#include <string.h>

#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/flowchart.h"
#include "domain/process.h"

enum { ITEM = 1 };
static const struct actor g_clerk = TEST_ACTOR(1, "wang", "王窗口", ROLE_CLERK, 1, 1);
static const struct actor g_zhang = TEST_ACTOR(2, "zhang", "张承办", ROLE_HANDLER, 1, 1);
static const struct actor g_li = TEST_ACTOR(3, "li", "李承办", ROLE_HANDLER, 1, 1);

/* 10:00 in Beijing on a day of March 2026 (the 2nd is a Monday; no holidays that month). */
static int64_t march(int d)
{
	return calendar_day_start(calendar_day_from_ymd(2026, 3, d)) + 10 * 3600;
}

static int setup(void **state)
{
	if (fresh_db(state) < 0)
		return -1;
	int rc = db_script(
	    g_c.db,
	    "INSERT INTO regions (code, name, parent, level) VALUES ('510000', '四川省', NULL, 1);"
	    "INSERT INTO centers (region_code, name, created_at) VALUES ('510000', '省中心', 0);"
	    "INSERT INTO units (center_id, code, name, created_at) VALUES (1, 'scj', '市场监管局', "
	    "0);"
	    "INSERT INTO users (username, name, password_hash, roles, center_id, unit_id, "
	    "created_at)"
	    " VALUES ('wang', '王窗口', 'x', 1, 1, 1, 0), ('zhang', '张承办', 'x', 2, 1, 1, 0),"
	    " ('li', '李承办', 'x', 2, 1, 1, 0);"
	    "INSERT INTO items (center_id, unit_id, code, name, kind, statutory_days, "
	    "promised_days,"
	    " created_at, updated_at) VALUES (1, 1, 'SCJ-001', '食品经营许可', 'promised', 20, 5, "
	    "0, 0);"
	    "INSERT INTO item_materials (item_id, seq, name, form, copies, required)"
	    " VALUES (1, 1, '申请书', 'original', 1, 1);");
	if (rc != DB_OK)
		fail_msg("%s: %s", g_kind, db_errmsg(g_c.db));
	/* accept 0 → review by zhang 3 → expert review out 5 → complete 2: promised 5 */
	json_t *in =
	    json_pack("{s:s,s:[{s:i,s:s,s:s,s:i},{s:i,s:s,s:s,s:i,s:i},{s:i,s:s,s:s,s:i,s:s,s:i},"
		      "{s:i,s:s,s:s,s:i}]}",
		      "name", "流程", "steps", "stage", 1, "name", "受理", "kind", "accept",
		      "limit_days", 0, "stage", 2, "name", "审查", "kind", "approve", "handler_id",
		      2, "limit_days", 3, "stage", 3, "name", "专家评审", "kind", "transfer_out",
		      "limit_days", 0, "transfer_desc", "专家组现场评审", "transfer_days", 5,
		      "stage", 4, "name", "办结", "kind", "complete", "limit_days", 2);
	json_t *out = NULL;
	g_c.actor = NULL;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	assert_int_equal(process_save(&g_c, ITEM, in, &out), E_OK);
	assert_int_equal(db_commit(g_c.db), DB_OK);
	json_decref(in);
	json_decref(out);
	return 0;
}

static json_t *read_case(const struct actor *who, int64_t now, const char *no)
{
	json_t *out = NULL;
	g_c.actor = who;
	g_c.now = now;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	assert_int_equal(case_get(&g_c, no, &out), E_OK);
	db_rollback(g_c.db);
	return out;
}

/* Run one call as `who` at `now` in a write transaction; the case afterwards in *out (may be
 * NULL), read as the API does once the call has committed, and the brief the call gave back
 * checked against it. */
static int act(const struct actor *who, int64_t now, const char *no, const char *action, json_t *in,
	       json_t **out)
{
	g_c.actor = who;
	g_c.now = now;
	clear_fail();
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	struct case_brief b;
	int rc = case_act(&g_c, no, action, in, &b);
	if (rc == E_OK)
		assert_int_equal(db_commit(g_c.db), DB_OK);
	else
		db_rollback(g_c.db);
	json_decref(in);
	if (rc == E_OK && out) {
		*out = read_case(who, now, no);
		json_t *brief = case_brief_json(&b);
		assert_true(
		    json_equal(json_object_get(brief, "state"), json_object_get(*out, "state")));
		assert_true(json_equal(json_object_get(brief, "due_day"),
				       json_object_get(*out, "due_day")));
		assert_string_equal(json_string_value(json_object_get(brief, "no")), no);
		json_decref(brief);
	}
	return rc;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "(null)";
}

static json_t *step_of(json_t *c, size_t i)
{
	return json_array_get(json_object_get(c, "steps"), i);
}

/* Apply and accept on Monday March 2nd; the case number. */
static const char *accepted(void)
{
	json_t *out = NULL;
	g_c.actor = &g_clerk;
	g_c.now = march(2);
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	json_t *in =
	    json_pack("{s:i,s:{s:s,s:s,s:s,s:s},s:[{s:i,s:b}]}", "item_id", ITEM, "applicant",
		      "kind", "person", "name", "张三", "id_no", "11010519491231002x", "phone",
		      "13800000000", "materials", "id", 1, "present", 1);
	struct case_brief b;
	assert_int_equal(case_apply(&g_c, in, &b), E_OK);
	const char *no = b.no;
	assert_int_equal(db_commit(g_c.db), DB_OK);
	json_decref(in);
	out = read_case(&g_clerk, march(2), no);
	/* the ID number is kept normalised */
	assert_string_equal(str(json_object_get(out, "applicant"), "id_no"), "11010519491231002X");
	json_decref(out);
	assert_int_equal(act(&g_clerk, march(2), no, "accept", json_object(), &out), E_OK);
	json_decref(out);
	return no;
}

static void test_deadline_and_lights(void **state)
{
	(void)state;
	const char *no = accepted();
	assert_string_equal(no, "510000-20260302-000001");
	json_t *c = read_case(&g_clerk, march(2), no);
	assert_string_equal(str(c, "due_day"), "2026-03-09"); /* 5 working days after Monday */
	assert_int_equal(json_integer_value(json_object_get(c, "days_left")), 5);
	assert_string_equal(str(c, "light"), "green");
	assert_string_equal(str(step_of(c, 1), "due_day"), "2026-03-05");
	json_decref(c);

	/* Thursday: the review step is due today (yellow), the case has 3 days */
	c = read_case(&g_zhang, march(5), no);
	assert_string_equal(str(step_of(c, 1), "light"), "yellow");
	assert_string_equal(str(c, "light"), "green");
	json_decref(c);
	/* Friday: the step is overdue (red) */
	c = read_case(&g_zhang, march(6), no);
	assert_string_equal(str(step_of(c, 1), "light"), "red");
	json_decref(c);
	/* Monday 9th: the case's last day (yellow); Tuesday: overdue (red) */
	c = read_case(&g_clerk, march(9), no);
	assert_string_equal(str(c, "light"), "yellow");
	assert_int_equal(json_integer_value(json_object_get(c, "days_left")), 0);
	json_decref(c);
	c = read_case(&g_clerk, march(10), no);
	assert_string_equal(str(c, "light"), "red");
	assert_int_equal(json_integer_value(json_object_get(c, "days_left")), -1);
	json_decref(c);
}

static void test_transfer_out_stops_the_clock(void **state)
{
	(void)state;
	const char *no = accepted();
	json_t *c = NULL;
	assert_int_equal(
	    act(&g_zhang, march(3), no, "submit", json_pack("{s:s}", "opinion", "同意"), &c), E_OK);
	json_decref(c);
	/* out on Wednesday the 4th: 3 working days left, frozen while it is out */
	assert_int_equal(
	    act(&g_clerk, march(4), no, "transfer-out", json_pack("{s:s}", "note", "送专家组"), &c),
	    E_OK);
	assert_int_equal(json_integer_value(json_object_get(c, "days_left")), 3);
	assert_true(json_is_true(json_object_get(c, "paused")));
	assert_string_equal(str(step_of(c, 2), "due_day"), "2026-03-11"); /* its own 5 days */
	json_decref(c);
	c = read_case(&g_clerk, march(6), no);
	assert_int_equal(json_integer_value(json_object_get(c, "days_left")), 3);
	assert_string_equal(str(c, "light"), "green");
	json_decref(c);
	/* back on Monday the 9th: out for the 5th, 6th and 9th, so the deadline moves from the
	 * 9th by three working days to Thursday the 12th */
	assert_int_equal(act(&g_clerk, march(9), no, "transfer-back",
			     json_pack("{s:s}", "opinion", "评审通过"), &c),
			 E_OK);
	assert_string_equal(str(c, "due_day"), "2026-03-12");
	assert_int_equal(json_integer_value(json_object_get(c, "paused_days")), 3);
	assert_int_equal(json_integer_value(json_object_get(c, "days_left")), 3);
	assert_false(json_is_true(json_object_get(c, "paused")));
	assert_string_equal(str(step_of(c, 3), "state"), "active");
	assert_string_equal(str(step_of(c, 3), "due_day"), "2026-03-11");
	json_decref(c);
	/* completed on the 12th: on time */
	assert_int_equal(act(&g_clerk, march(12), no, "complete",
			     json_pack("{s:s,s:s,s:b}", "opinion", "准予许可", "doc_no", "无批文号",
				       "permitted", 1),
			     &c),
			 E_OK);
	assert_string_equal(str(c, "state"), "completed");
	assert_string_equal(str(c, "light"), "none");
	json_decref(c);
}

static void test_illegal_transitions(void **state)
{
	(void)state;
	const char *no = accepted();
	json_t *c = NULL;
	/* pickup before completion */
	assert_int_equal(act(&g_clerk, march(3), no, "pickup",
			     json_pack("{s:b,s:i}", "no_id_card", 1, "rating", 5), &c),
			 E_STATE);
	assert_non_null(strstr(g_c.fail_message, "不能取件"));
	/* approval by someone who is not the step's handler */
	assert_int_equal(
	    act(&g_li, march(3), no, "submit", json_pack("{s:s}", "opinion", "同意"), &c),
	    E_FORBIDDEN);
	assert_non_null(strstr(g_c.fail_message, "承办人"));
	/* the first step after acceptance cannot be returned */
	assert_int_equal(
	    act(&g_zhang, march(3), no, "return", json_pack("{s:s}", "reason", "x"), &c), E_STATE);
	/* completion while the process is still at its review step */
	assert_int_equal(
	    act(&g_clerk, march(3), no, "complete",
		json_pack("{s:s,s:s,s:b}", "opinion", "x", "doc_no", "x", "permitted", 1), &c),
	    E_STATE);
	/* nothing of the refused calls was written: one apply and one accept event */
	assert_int_equal(count("events WHERE case_id IS NOT NULL"), 2);
	/* a double submit: the second finds the step done */
	assert_int_equal(
	    act(&g_zhang, march(3), no, "submit", json_pack("{s:s}", "opinion", "同意"), &c), E_OK);
	json_decref(c);
	assert_int_equal(
	    act(&g_zhang, march(3), no, "submit", json_pack("{s:s}", "opinion", "同意"), &c),
	    E_STATE);
	assert_int_equal(count("events WHERE case_id IS NOT NULL"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_deadline_and_lights, setup, close_db),
	    cmocka_unit_test_setup_teardown(test_transfer_out_stops_the_clock, setup, close_db),
	    cmocka_unit_test_setup_teardown(test_illegal_transitions, setup, close_db),
	};
	if (testdb_init() < 0)
		return 1;
	int failed = testdb_run("case", tests, sizeof(tests) / sizeof(tests[0]));
	flowchart_shutdown();
	return failed ? 1 : 0;
}
