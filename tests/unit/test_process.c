/*
 * test_process.c - the process of a promised item: every rule of DESIGN.md section 4 with
 * the message a user reads, versions, the default process and the flowchart, on SQLite and
 * (with SHENPI_TEST_PG_URL) PostgreSQL.
 */
#include "testdb.h" /* cmocka, T0, g_c and the rest of the per-test database */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "domain/event.h"
#include "domain/flowchart.h"
#include "domain/process.h"

/* Fixture ids: every test's database starts empty, so ids are assigned in this order. */
enum { CENTER = 1, UNIT = 1, OTHER_UNIT = 2 };
enum { H_ZHANG = 1, H_LI = 2, CLERK_WANG = 3, H_OFF = 4, H_OTHER = 5, UNIT_ADMIN = 6 };
enum { ITEM = 1, IMMEDIATE = 2 };

static const struct actor g_unit_admin =
    TEST_ACTOR(UNIT_ADMIN, "scj_admin", "单位管理员", ROLE_UNIT_ADMIN, CENTER, UNIT);
static const struct actor g_other_admin =
    TEST_ACTOR(7, "gaj_admin", "公安管理员", ROLE_UNIT_ADMIN, CENTER, OTHER_UNIT);

static void sql(const char *text)
{
	int rc = db_script(g_c.db, text);
	if (rc != DB_OK)
		fail_msg("%s: %s -> %s", g_kind, text, db_errmsg(g_c.db));
}

static int setup(void **state)
{
	if (fresh_db(state) < 0)
		return -1;
	sql("INSERT INTO regions (code, name, parent, level) VALUES ('510000', '四川省', NULL, 1);"
	    "INSERT INTO centers (region_code, name, created_at) VALUES ('510000', '省中心', 0);"
	    "INSERT INTO units (center_id, code, name, created_at) VALUES (1, 'scj', '市场监管局', "
	    "0);"
	    "INSERT INTO units (center_id, code, name, created_at) VALUES (1, 'gaj', '公安局', 0);"
	    "INSERT INTO users (username, name, password_hash, roles, center_id, unit_id, disabled,"
	    " created_at) VALUES"
	    " ('zhang', '张承办', 'x', 2, 1, 1, 0, 0),"
	    " ('li', '李承办', 'x', 3, 1, 1, 0, 0),"
	    " ('wang', '王窗口', 'x', 1, 1, 1, 0, 0),"
	    " ('off', '赵停用', 'x', 2, 1, 1, 1, 0),"
	    " ('other', '钱公安', 'x', 2, 1, 2, 0, 0),"
	    " ('scj_admin', '单位管理员', 'x', 4, 1, 1, 0, 0),"
	    " ('gaj_admin', '公安管理员', 'x', 4, 1, 2, 0, 0);"
	    "INSERT INTO items (center_id, unit_id, code, name, kind, statutory_days, "
	    "promised_days,"
	    " created_at, updated_at) VALUES (1, 1, 'SCJ-001', '食品经营许可', 'promised', 20, 10, "
	    "0, 0),"
	    " (1, 1, 'SCJ-002', '证明开具', 'immediate', 0, 0, 0, 0);");
	g_c.actor = &g_unit_admin;
	return 0;
}

/* ---- helpers ---- */

static json_t *step(int stage, const char *name, const char *kind, int64_t handler, int days)
{
	json_t *s = json_pack("{s:i,s:s,s:s,s:i}", "stage", stage, "name", name, "kind", kind,
			      "limit_days", days);
	if (handler)
		json_object_set_new(s, "handler_id", json_integer(handler));
	return s;
}

static json_t *transfer(int stage, const char *name, const char *desc, int days)
{
	return json_pack("{s:i,s:s,s:s,s:s,s:i,s:i}", "stage", stage, "name", name, "kind",
			 "transfer_out", "transfer_desc", desc, "transfer_days", days, "limit_days",
			 0);
}

/* accept(0) → approve(zhang, a) → complete(c): the simple process. */
static json_t *simple(int a, int c)
{
	return json_pack("{s:s,s:[ooo]}", "name", "食品经营许可流程", "steps",
			 step(1, "受理", "accept", 0, 0), step(2, "审查", "approve", H_ZHANG, a),
			 step(3, "办结", "complete", 0, c));
}

/* Save in (consumed) in a write transaction; the domain result. */
static int save(int64_t item, json_t *in)
{
	json_t *out = NULL;
	int rc;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	clear_fail();
	rc = process_save(&g_c, item, in, &out);
	if (rc == E_OK)
		assert_int_equal(db_commit(g_c.db), DB_OK);
	else
		db_rollback(g_c.db);
	json_decref(out);
	json_decref(in);
	return rc;
}

static void assert_fail(const char *field, const char *message)
{
	if (!g_c.fail_field || strcmp(g_c.fail_field, field))
		fail_msg("field: want %s, got %s (%s)", field,
			 g_c.fail_field ? g_c.fail_field : "-",
			 g_c.fail_message ? g_c.fail_message : "-");
	if (!g_c.fail_message || !strstr(g_c.fail_message, message))
		fail_msg("message: want …%s…, got %s", message,
			 g_c.fail_message ? g_c.fail_message : "-");
}

static json_t *get(int64_t item, int64_t version)
{
	json_t *out = NULL;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	int rc = process_get(&g_c, item, version, &out);
	db_rollback(g_c.db);
	if (rc != E_OK)
		fail_msg("process_get %lld v%lld: %d %s", (long long)item, (long long)version, rc,
			 g_c.fail_message ? g_c.fail_message : "");
	return out;
}

static int64_t jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* ---- tests ---- */

static void test_accept_and_complete_required(void **state)
{
	(void)state;
	assert_int_equal(
	    save(ITEM, json_pack("{s:[oo]}", "steps", step(1, "审查", "approve", H_ZHANG, 9),
				 step(2, "办结", "complete", 0, 1))),
	    E_INVALID);
	assert_fail("steps", "流程缺少受理环节");
	assert_int_equal(save(ITEM, json_pack("{s:[oo]}", "steps", step(1, "受理", "accept", 0, 0),
					      step(2, "审查", "approve", H_ZHANG, 10))),
			 E_INVALID);
	assert_fail("steps", "流程缺少办结环节");
	/* an accept step that is not first */
	assert_int_equal(
	    save(ITEM,
		 json_pack("{s:[ooo]}", "steps", step(1, "审查", "approve", H_ZHANG, 9),
			   step(2, "受理", "accept", 0, 0), step(3, "办结", "complete", 0, 1))),
	    E_INVALID);
	assert_fail("steps[0].kind", "第1阶段只能是一个受理环节");
	/* no approve step at all */
	assert_int_equal(save(ITEM, json_pack("{s:[oo]}", "steps", step(1, "受理", "accept", 0, 9),
					      step(2, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps", "至少有一个审批环节");
	assert_int_equal(save(ITEM, json_pack("{s:[]}", "steps")), E_INVALID);
	assert_fail("steps", "流程没有环节");
	assert_int_equal(count("processes"), 0);
}

static void test_handler_rules(void **state)
{
	(void)state;
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      step(2, "审查", "approve", 0, 9),
					      step(3, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].handler_id", "第2个环节（审查）：审批环节须指定承办人");
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      step(2, "审查", "approve", H_OTHER, 9),
					      step(3, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].handler_id", "承办人须为本单位（市场监管局）的人员");
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      step(2, "审查", "approve", CLERK_WANG, 9),
					      step(3, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].handler_id", "用户“王窗口”没有承办人角色");
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      step(2, "审查", "approve", H_OFF, 9),
					      step(3, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].handler_id", "已停用");
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      step(2, "审查", "approve", 99999, 9),
					      step(3, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].handler_id", "本单位");
}

static void test_sum_rule(void **state)
{
	(void)state;
	assert_int_equal(save(ITEM, simple(8, 1)), E_INVALID);
	assert_fail("steps", "各环节时限之和(9)须等于承诺时限(10)");
	assert_int_equal(save(ITEM, simple(9, 2)), E_INVALID);
	assert_fail("steps", "各环节时限之和(11)须等于承诺时限(10)");
	assert_int_equal(save(ITEM, simple(9, 1)), E_OK);
}

static void test_parallel_longest_branch_and_transfer_excluded(void **state)
{
	json_t *p;
	(void)state;
	/* stage 2: 5 and 3 in parallel count 5; stage 3: a transfer-out of 20 days counts 0 */
	json_t *in = json_pack(
	    "{s:[oooooo]}", "steps", step(1, "受理", "accept", 0, 1),
	    step(2, "食品安全审查", "approve", H_ZHANG, 5), step(2, "消防审查", "approve", H_LI, 3),
	    transfer(3, "专家评审", "组织专家现场评审", 20),
	    step(4, "审批决定", "approve", H_LI, 3), step(5, "办结", "complete", 0, 1));
	assert_int_equal(save(ITEM, in), E_OK);
	p = get(ITEM, 0);
	assert_int_equal(jint(p, "version"), 1);
	assert_int_equal(jint(p, "total_days"), 10);
	assert_false(json_is_true(json_object_get(p, "default")));
	json_t *steps = json_object_get(p, "steps");
	assert_int_equal(json_array_size(steps), 6);
	json_t *s2 = json_array_get(steps, 2);
	assert_int_equal(jint(s2, "stage"), 2);
	assert_int_equal(jint(s2, "seq"), 2);
	assert_string_equal(json_string_value(json_object_get(s2, "handler_name")), "李承办");
	json_t *t = json_array_get(steps, 3);
	assert_string_equal(json_string_value(json_object_get(t, "kind")), "transfer_out");
	assert_int_equal(jint(t, "transfer_days"), 20);
	json_decref(p);

	/* counting the shorter branch or the transfer-out would be wrong */
	in = json_pack("{s:[ooooo]}", "steps", step(1, "受理", "accept", 0, 0),
		       step(2, "甲", "approve", H_ZHANG, 6), step(2, "乙", "approve", H_LI, 9),
		       transfer(3, "检验", "产品检验", 5), step(4, "办结", "complete", 0, 1));
	assert_int_equal(save(ITEM, in), E_OK);
	in = json_pack("{s:[ooooo]}", "steps", step(1, "受理", "accept", 0, 0),
		       step(2, "甲", "approve", H_ZHANG, 6), step(2, "乙", "approve", H_LI, 4),
		       transfer(3, "检验", "产品检验", 5), step(4, "办结", "complete", 0, 1));
	assert_int_equal(save(ITEM, in), E_INVALID);
	assert_fail("steps", "各环节时限之和(7)须等于承诺时限(10)");
}

static void test_transfer_out_rules(void **state)
{
	(void)state;
	json_t *bad = transfer(3, "专家评审", "", 5);
	assert_int_equal(
	    save(ITEM, json_pack("{s:[oooo]}", "steps", step(1, "受理", "accept", 0, 0),
				 step(2, "审查", "approve", H_ZHANG, 9), bad,
				 step(4, "办结", "complete", 0, 1))),
	    E_INVALID);
	assert_fail("steps[2].transfer_desc", "转外环节须填写转外说明");
	assert_int_equal(
	    save(ITEM,
		 json_pack("{s:[oooo]}", "steps", step(1, "受理", "accept", 0, 0),
			   step(2, "审查", "approve", H_ZHANG, 9),
			   transfer(3, "专家评审", "评审", 0), step(4, "办结", "complete", 0, 1))),
	    E_INVALID);
	assert_fail("steps[2].transfer_days", "转外环节须填写转外时限");
	json_t *with_limit = transfer(3, "专家评审", "评审", 5);
	json_object_set_new(with_limit, "limit_days", json_integer(2));
	assert_int_equal(
	    save(ITEM, json_pack("{s:[oooo]}", "steps", step(1, "受理", "accept", 0, 0),
				 step(2, "审查", "approve", H_ZHANG, 9), with_limit,
				 step(4, "办结", "complete", 0, 1))),
	    E_INVALID);
	assert_fail("steps[2].limit_days", "转外环节不计入承诺时限");
	json_t *approve_desc = step(2, "审查", "approve", H_ZHANG, 9);
	json_object_set_new(approve_desc, "transfer_desc", json_string("听证"));
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      approve_desc, step(3, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].transfer_desc", "只有转外环节可以填写转外说明");
}

static void test_stages_forward_only(void **state)
{
	(void)state;
	/* a gap */
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      step(3, "审查", "approve", H_ZHANG, 9),
					      step(4, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].stage", "缺少阶段");
	/* going back (the only way a list of stages could loop) */
	assert_int_equal(
	    save(ITEM,
		 json_pack("{s:[oooo]}", "steps", step(1, "受理", "accept", 0, 0),
			   step(2, "审查", "approve", H_ZHANG, 4),
			   step(3, "复核", "approve", H_LI, 5), step(2, "办结", "complete", 0, 1))),
	    E_INVALID);
	assert_fail("steps[3].stage", "不能回退或成环");
	/* a stage that is not a positive integer */
	json_t *s = step(2, "审查", "approve", H_ZHANG, 9);
	json_object_set_new(s, "stage", json_string("2"));
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      s, step(3, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].stage", "阶段须为整数");
	s = step(2, "审查", "approve", H_ZHANG, 9);
	json_object_set_new(s, "stage", json_integer(0));
	assert_int_equal(save(ITEM, json_pack("{s:[ooo]}", "steps", step(1, "受理", "accept", 0, 0),
					      s, step(3, "办结", "complete", 0, 1))),
			 E_INVALID);
	assert_fail("steps[1].stage", "阶段须在1到30之间");
	/* a second accept step in stage 1, a parallel complete */
	assert_int_equal(
	    save(ITEM,
		 json_pack("{s:[oooo]}", "steps", step(1, "受理", "accept", 0, 0),
			   step(1, "受理2", "accept", 0, 0), step(2, "审查", "approve", H_ZHANG, 9),
			   step(3, "办结", "complete", 0, 1))),
	    E_INVALID);
	assert_fail("steps", "第1阶段只能有一个受理环节");
	assert_int_equal(
	    save(ITEM,
		 json_pack("{s:[oooo]}", "steps", step(1, "受理", "accept", 0, 0),
			   step(2, "审查", "approve", H_ZHANG, 9),
			   step(3, "办结", "complete", 0, 1), step(3, "送达", "approve", H_LI, 1))),
	    E_INVALID);
	assert_fail("steps[3].kind", "最后一个阶段（第3阶段）只能是一个办结环节");
	/* too many steps, an unknown kind, a limit out of range */
	json_t *many = json_array();
	for (int i = 0; i < 31; i++)
		json_array_append_new(many, step(1, "受理", "accept", 0, 0));
	assert_int_equal(save(ITEM, json_pack("{s:o}", "steps", many)), E_INVALID);
	assert_fail("steps", "流程最多30个环节");
	assert_int_equal(save(ITEM, json_pack("{s:[o]}", "steps", step(1, "会签", "sign", 0, 0))),
			 E_INVALID);
	assert_fail("steps[0].kind", "环节类型须为");
	assert_int_equal(
	    save(ITEM, json_pack("{s:[o]}", "steps", step(1, "受理", "accept", 0, 366))),
	    E_INVALID);
	assert_fail("steps[0].limit_days", "第1个环节：环节时限须在0到365之间");
	assert_int_equal(count("processes"), 0);
}

static void test_versions(void **state)
{
	json_t *p;
	(void)state;
	int64_t events = count("events WHERE type = 'process.save'");
	assert_int_equal(save(ITEM, simple(9, 1)), E_OK);
	assert_int_equal(save(ITEM, simple(8, 2)), E_OK);
	assert_int_equal(save(ITEM, simple(10, 0)), E_OK);
	assert_int_equal(count("events WHERE type = 'process.save'"), events + 3);
	p = get(ITEM, 0);
	assert_int_equal(jint(p, "version"), 3);
	assert_int_equal(json_array_size(json_object_get(p, "versions")), 3);
	assert_int_equal(jint(json_array_get(json_object_get(p, "versions"), 0), "version"), 3);
	json_decref(p);
	/* an old version stays as it was saved */
	p = get(ITEM, 1);
	assert_int_equal(jint(p, "version"), 1);
	assert_int_equal(jint(json_array_get(json_object_get(p, "steps"), 1), "limit_days"), 9);
	assert_string_equal(json_string_value(json_object_get(p, "created_by_name")), "单位管理员");
	json_decref(p);
	json_t *out = NULL;
	assert_int_equal(process_get(&g_c, ITEM, 4, &out), E_NOT_FOUND);
	int64_t n, bad;
	const char *why;
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK);
}

static void test_default_process(void **state)
{
	json_t *p;
	(void)state;
	p = get(ITEM, 0);
	assert_true(json_is_true(json_object_get(p, "default")));
	assert_int_equal(jint(p, "version"), 0);
	assert_int_equal(jint(p, "total_days"), 10);
	json_t *steps = json_object_get(p, "steps");
	assert_int_equal(json_array_size(steps), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(steps, 0), "kind")),
			    "accept");
	assert_int_equal(jint(json_array_get(steps, 1), "handler_id"), H_ZHANG);
	assert_string_equal(json_string_value(json_object_get(json_array_get(steps, 2), "kind")),
			    "complete");
	/* the unit's handlers to choose from: enabled, with the handler role */
	json_t *h = json_object_get(p, "handlers");
	assert_int_equal(json_array_size(h), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "name")),
			    "李承办");
	/* the default passes every rule as it is: saving it unchanged makes version 1 */
	json_t *in = json_pack("{s:O}", "steps", steps);
	json_decref(p);
	assert_int_equal(count("processes"), 0); /* reading stored nothing */
	assert_int_equal(save(ITEM, in), E_OK);
	p = get(ITEM, 0);
	assert_false(json_is_true(json_object_get(p, "default")));
	assert_int_equal(jint(p, "version"), 1);
	json_decref(p);

	/* a one-day item: accept 0 + approve 1 + complete 0 */
	sql("INSERT INTO items (center_id, unit_id, code, name, kind, statutory_days, "
	    "promised_days,"
	    " created_at, updated_at) VALUES (1, 1, 'SCJ-003', '备案', 'promised', 5, 1, 0, 0);");
	p = get(3, 0);
	assert_int_equal(jint(p, "total_days"), 1);
	json_decref(p);
}

static void test_immediate_and_access(void **state)
{
	json_t *out = NULL;
	(void)state;
	assert_int_equal(process_get(&g_c, IMMEDIATE, 0, &out), E_INVALID);
	assert_string_equal(g_c.fail_message, "即办事项无需配置流程");
	assert_int_equal(save(IMMEDIATE, simple(9, 1)), E_INVALID);
	assert_string_equal(g_c.fail_message, "即办事项无需配置流程");
	assert_int_equal(process_get(&g_c, 99, 0, &out), E_NOT_FOUND);
	/* another unit's admin reads but may not save */
	g_c.actor = &g_other_admin;
	out = get(ITEM, 0);
	json_decref(out);
	assert_int_equal(save(ITEM, simple(9, 1)), E_FORBIDDEN);
	assert_int_equal(count("processes"), 0);
}

static void test_flowchart(void **state)
{
	const char *svg = NULL;
	size_t len = 0;
	(void)state;
	json_t *in = json_pack("{s:[ooooo]}", "steps", step(1, "受理", "accept", 0, 0),
			       step(2, "食品安全审查", "approve", H_ZHANG, 9),
			       step(2, "消防\"审查\\n", "approve", H_LI, 4),
			       transfer(3, "专家评审", "组织专家现场评审", 20),
			       step(4, "办结", "complete", 0, 1));
	assert_int_equal(save(ITEM, in), E_OK);
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	assert_int_equal(process_svg(&g_c, ITEM, 0, &svg, &len), E_OK);
	db_rollback(g_c.db);
	assert_true(!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4));
	assert_int_equal(strlen(svg), len);
	assert_non_null(strstr(svg, "</svg>"));
	assert_non_null(strstr(svg, "食品安全审查"));
	assert_non_null(strstr(svg, "承办人：张承办"));
	assert_non_null(strstr(svg, "9个工作日"));
	assert_non_null(strstr(svg, "转外时限：20个工作日"));
	assert_non_null(strstr(svg, "第2阶段（并联）"));
	/* the quote and backslash of a name are text, not DOT syntax */
	assert_non_null(strstr(svg, "消防&quot;审查\\n"));

	/* a preview of unsaved, still wrong steps draws them; malformed ones are refused */
	json_t *pv =
	    json_pack("{s:i,s:[ooo]}", "item_id", ITEM, "steps", step(3, "办结", "complete", 0, 1),
		      step(1, "受理", "accept", 0, 0), step(2, "草稿审查", "approve", H_OTHER, 2));
	assert_int_equal(process_preview_svg(&g_c, pv, &svg, &len), E_OK);
	assert_non_null(strstr(svg, "草稿审查"));
	assert_non_null(strstr(svg, "（无效）")); /* another unit's user is not named */
	assert_non_null(strstr(svg, "各环节时限之和3 / 承诺时限10个工作日"));
	json_decref(pv);
	pv = json_pack("{s:i,s:[{s:s}]}", "item_id", ITEM, "steps", "stage", "x");
	assert_int_equal(process_preview_svg(&g_c, pv, &svg, &len), E_INVALID);
	assert_fail("steps[0].stage", "阶段须为整数");
	json_decref(pv);

	/* lights for cases */
	struct flowchart_step fs[] = {
	    {.stage = 1, .name = "受理", .kind = "accept", .light = FLOWCHART_GREEN},
	    {.stage = 2,
	     .name = "审查",
	     .kind = "approve",
	     .limit_days = 3,
	     .light = FLOWCHART_RED},
	    {.stage = 3, .name = "办结", .kind = "complete", .light = FLOWCHART_GREY}};
	assert_int_equal(flowchart_svg(fs, 3, NULL, g_c.arena, &svg, &len), E_OK);
	assert_non_null(strstr(svg, "#fde2e2"));
	assert_non_null(strstr(svg, "#e1f3d8"));
}

#define PROCESS_TESTS                                                                              \
	cmocka_unit_test_setup_teardown(test_accept_and_complete_required, setup, close_db),       \
	    cmocka_unit_test_setup_teardown(test_handler_rules, setup, close_db),                  \
	    cmocka_unit_test_setup_teardown(test_sum_rule, setup, close_db),                       \
	    cmocka_unit_test_setup_teardown(test_parallel_longest_branch_and_transfer_excluded,    \
					    setup, close_db),                                      \
	    cmocka_unit_test_setup_teardown(test_transfer_out_rules, setup, close_db),             \
	    cmocka_unit_test_setup_teardown(test_stages_forward_only, setup, close_db),            \
	    cmocka_unit_test_setup_teardown(test_versions, setup, close_db),                       \
	    cmocka_unit_test_setup_teardown(test_default_process, setup, close_db),                \
	    cmocka_unit_test_setup_teardown(test_immediate_and_access, setup, close_db),           \
	    cmocka_unit_test_setup_teardown(test_flowchart, setup, close_db)

int main(void)
{
	const struct CMUnitTest tests[] = {PROCESS_TESTS};
	int failed;

	if (testdb_init() < 0)
		return 1;
	failed = testdb_run("process", tests, sizeof(tests) / sizeof(tests[0]));
	flowchart_shutdown();
	return failed ? 1 : 0;
}
