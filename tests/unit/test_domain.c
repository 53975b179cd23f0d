/*
 * test_domain.c - the domain rules through the domain API, against a real database.
 *
 * Every test gets a freshly migrated database: a new SQLite file in a temporary directory
 * and, when SHENPI_TEST_PG_URL names a scratch PostgreSQL database, that database emptied
 * (DROP SCHEMA public CASCADE) and migrated again. Writes run in a write transaction that is
 * committed on success and rolled back on failure, as the CLI does (src/main.c cli_write).
 */
#include "testdb.h" /* cmocka, POOL_SIZE, T0, g_c and the rest of the per-test database */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/token.h"
#include "db/db.h"
#include "domain/access.h"
#include "domain/ctx.h"
#include "domain/demo.h"
#include "domain/event.h"
#include "domain/field.h"
#include "domain/org.h"
#include "domain/session.h"
#include "domain/user.h"

/* ---- helpers ---- */

static void exec_ok(const char *sql, const struct db_val *p, int n)
{
	int rc = db_exec(g_c.db, sql, p, n, NULL);

	if (rc != DB_OK)
		fail_msg("%s: %s -> %d (%s)", g_kind, sql, rc, db_errmsg(g_c.db));
}

static int64_t center_id(const char *name)
{
	struct db_val p[] = {DBT(name)};

	return query_int("SELECT id FROM centers WHERE name = ?", p, 1);
}

static int64_t unit_id(int64_t center, const char *code)
{
	struct db_val p[] = {DBI(center), DBT(code)};

	return query_int("SELECT id FROM units WHERE center_id = ? AND code = ?", p, 2);
}

static int64_t user_id(const char *username)
{
	struct db_val p[] = {DBT(username)};

	return query_int("SELECT id FROM users WHERE username = ?", p, 1);
}

/* Run a domain write in its own transaction, committed only when it succeeds. */
static int tx_write(int (*fn)(struct ctx *, json_t *, json_t **), json_t *in, json_t **out)
{
	int rc = ctx_db(&g_c, db_begin_write(g_c.db));

	clear_fail();
	if (rc == E_OK && (rc = fn(&g_c, in, out)) == E_OK)
		rc = ctx_db(&g_c, db_commit(g_c.db));
	else
		db_rollback(g_c.db);
	return rc;
}

/* tx_write() with a packed input that is consumed and an output that is dropped. */
static int write_in(int (*fn)(struct ctx *, json_t *, json_t **), json_t *in)
{
	json_t *out = NULL;
	int rc = tx_write(fn, in, &out);

	json_decref(in);
	json_decref(out);
	return rc;
}

static void load_demo(void)
{
	json_t *accounts = NULL;
	int rc = tx_write(demo_load, NULL, &accounts);

	if (rc != E_OK)
		fail_msg("%s: demo_load -> %s (%s)", g_kind, err_code(rc),
			 g_c.fail_message ? g_c.fail_message : "");
	assert_true(json_array_size(accounts) > 10);
	json_decref(accounts);
}

static int has_non_ascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* The failure names this field and tells the user, in Chinese, what to fix. */
static void assert_fail_on(const char *field)
{
	assert_non_null(g_c.fail_field);
	assert_string_equal(g_c.fail_field, field);
	assert_non_null(g_c.fail_message);
	assert_true(has_non_ascii(g_c.fail_message));
}

static int is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int roles_has(json_t *user, const char *role)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(user, "roles"), i, v)
	{
		if (!strcmp(json_string_value(v), role))
			return 1;
	}
	return 0;
}

/* ---- the event log ---- */

static void test_event_chain_intact(void **state)
{
	int64_t n = -1, bad = -1;
	const char *why = "x";

	(void)state;
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK); /* empty chain */
	assert_int_equal(n, 0);
	load_demo();
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK);
	assert_int_equal(n, count("events"));
	assert_true(n > 20);
	assert_int_equal(n, query_int("SELECT seq FROM event_head WHERE id = 1", NULL, 0));
	assert_int_equal(bad, 0);
	assert_null(why);
}

static void test_event_tampered_payload(void **state)
{
	int64_t n = -1, bad = -1;
	const char *why = NULL;

	(void)state;
	load_demo();
	exec_ok("UPDATE events SET payload = '{}' WHERE seq = 5", NULL, 0);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_INTERNAL);
	assert_int_equal(bad, 5);
	assert_int_equal(n, 4); /* the records before it verified */
	assert_non_null(why);
	assert_true(has_non_ascii(why));
}

static void test_event_tampered_time_and_actor(void **state)
{
	int64_t n, bad;
	const char *why;

	(void)state;
	load_demo();
	exec_ok("UPDATE events SET at = at + 1 WHERE seq = 3", NULL, 0);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_INTERNAL);
	assert_int_equal(bad, 3);
	exec_ok("UPDATE events SET at = at - 1 WHERE seq = 3", NULL, 0);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK);
	exec_ok("UPDATE events SET actor_id = 1 WHERE seq = 7", NULL, 0);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_INTERNAL);
	assert_int_equal(bad, 7);
}

/* The digest event.c keeps of an event, for an attacker who read it there: ids 0 as empty. */
static void forge_hash(struct db_res *r, int64_t seq, const char *payload, char out[TOKEN_HEX])
{
	char ids[3][24], text[1024];

	for (int i = 0; i < 3; i++) {
		ids[i][0] = '\0';
		if (db_int(r, 2 + i))
			snprintf(ids[i], sizeof(ids[i]), "%lld", (long long)db_int(r, 2 + i));
	}
	snprintf(text, sizeof(text), "%s|%lld|%lld|%s|%s|%s|%s|%s", db_text(r, 0), (long long)seq,
		 (long long)db_int(r, 1), ids[0], ids[1], ids[2], db_text(r, 5), payload);
	token_sha256(text, strlen(text), out);
}

static void test_event_rehashed(void **state)
{
	int64_t n, bad;
	const char *why;
	struct db_res *r;
	char hash[TOKEN_HEX];

	(void)state;
	load_demo();
	assert_int_equal(
	    db_query(g_c.db, &r,
		     "SELECT prev_hash, at, COALESCE(center_id, 0), "
		     "COALESCE(actor_id, 0), COALESCE(case_id, 0), type, payload, hash "
		     "FROM events WHERE seq = 5",
		     NULL, 0),
	    DB_OK);
	assert_true(db_next(r) > 0);
	forge_hash(r, 5, db_text(r, 6), hash);
	assert_string_equal(hash, db_text(r, 7)); /* the attacker hashes as event.c does */
	forge_hash(r, 5, "{}", hash);
	db_res_free(r);

	/* event 5 changed with its own hash recomputed: named, not event 6 */
	struct db_val p[] = {DBT(hash)};
	exec_ok("UPDATE events SET payload = '{}', hash = ? WHERE seq = 5", p, 1);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_INTERNAL);
	assert_int_equal(bad, 5);
	assert_int_equal(n, 4);
	assert_true(has_non_ascii(why));

	/* event 6's link rewritten too: now event 6 does not hash right */
	exec_ok("UPDATE events SET prev_hash = ? WHERE seq = 6", p, 1);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_INTERNAL);
	assert_int_equal(bad, 6);
	assert_int_equal(n, 5);
}

static void test_event_deleted(void **state)
{
	int64_t n, bad, last;
	const char *why;
	struct db_val p[1];

	(void)state;
	load_demo();
	last = query_int("SELECT MAX(seq) FROM events", NULL, 0);
	p[0] = DBI(last);
	exec_ok("DELETE FROM events WHERE seq = ?", p, 1);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_INTERNAL);
	assert_int_equal(bad, last);
	assert_non_null(why);
	assert_int_equal(n, last - 1);

	/* a hole in the middle is reported at the missing number */
	exec_ok("DELETE FROM events WHERE seq = 10", NULL, 0);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_INTERNAL);
	assert_int_equal(bad, 10);
	assert_non_null(why);
}

/* ---- field readers ---- */

/* n copies of a three-byte character */
static char *chinese(size_t n)
{
	char *s = arena_alloc(&g_arena, n * 3 + 1);
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(s + i * 3, "审", 3);
	return s;
}

static void test_field_text(void **state)
{
	json_t *in;
	const char *out = NULL;
	int present = -1;

	(void)state;
	in = json_pack("{s:s,s:s,s:s,s:n,s:s}", "name", "  张三  ", "blank", "   ", "empty", "",
		       "nul", "emoji", "𠀀🙂");
	clear_fail();
	assert_int_equal(field_text(&g_c, in, "name", "姓名", 1, 1, 64, &out, &present), E_OK);
	assert_string_equal(out, "张三");
	assert_int_equal(present, 1);
	/* characters outside the BMP count as one each */
	assert_int_equal(field_text(&g_c, in, "emoji", "备注", 1, 2, 2, &out, NULL), E_OK);
	assert_string_equal(out, "𠀀🙂");

	/* a required field that is missing, null or only spaces */
	out = "kept";
	assert_int_equal(field_text(&g_c, in, "missing", "姓名", 1, 1, 64, &out, &present),
			 E_INVALID);
	assert_fail_on("missing");
	assert_non_null(strstr(g_c.fail_message, "姓名"));
	assert_int_equal(present, 0);
	assert_int_equal(field_text(&g_c, in, "nul", "姓名", 1, 1, 64, &out, NULL), E_INVALID);
	assert_fail_on("nul");
	assert_int_equal(field_text(&g_c, in, "blank", "姓名", 1, 1, 64, &out, NULL), E_INVALID);
	assert_fail_on("blank");
	assert_int_equal(field_text(&g_c, in, "empty", "姓名", 1, 1, 64, &out, NULL), E_INVALID);
	assert_string_equal(out, "kept");

	/* an optional field that is absent or null leaves out alone */
	clear_fail();
	assert_int_equal(field_text(&g_c, in, "missing", "备注", 0, 0, 64, &out, &present), E_OK);
	assert_int_equal(field_text(&g_c, in, "nul", "备注", 0, 0, 64, &out, &present), E_OK);
	assert_string_equal(out, "kept");
	assert_int_equal(present, 0);
	assert_null(g_c.fail_field);
	/* an optional empty text is given, and empty */
	assert_int_equal(field_text(&g_c, in, "empty", "备注", 0, 0, 64, &out, &present), E_OK);
	assert_string_equal(out, "");
	assert_int_equal(present, 1);
	json_decref(in);
}

static void test_field_text_counts_characters(void **state)
{
	json_t *in;
	const char *out = NULL;
	char *padded;

	(void)state;
	padded = arena_printf(&g_arena, "  %s ", chinese(64));
	in = json_pack("{s:s,s:s,s:s}", "n64", chinese(64), "n65", chinese(65), "pad", padded);
	clear_fail();
	/* 64 characters are 192 bytes: fine for a limit of 64 characters */
	assert_int_equal(field_text(&g_c, in, "n64", "姓名", 1, 1, 64, &out, NULL), E_OK);
	assert_string_equal(out, chinese(64));
	assert_int_equal(field_text(&g_c, in, "pad", "姓名", 1, 1, 64, &out, NULL), E_OK);
	assert_string_equal(out, chinese(64));
	assert_int_equal(field_text(&g_c, in, "n65", "姓名", 1, 1, 64, &out, NULL), E_INVALID);
	assert_fail_on("n65");
	assert_non_null(strstr(g_c.fail_message, "姓名"));
	assert_non_null(strstr(g_c.fail_message, "64"));
	/* and too short */
	assert_int_equal(field_text(&g_c, in, "n64", "姓名", 1, 65, 70, &out, NULL), E_INVALID);
	assert_fail_on("n64");
	json_decref(in);
}

static void test_field_text_rejects(void **state)
{
	static const char *const bad[] = {"a\tb", "a\nb", "行\r", "\x01", "a\x1b[31m", "x\x7f"};
	json_t *in = json_object();
	const char *out = "kept";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object_set_new(in, "v", json_string(bad[i]));
		clear_fail();
		if (field_text(&g_c, in, "v", "名称", 1, 0, 64, &out, NULL) != E_INVALID)
			fail_msg("control character accepted in \"%s\"", bad[i]);
		assert_fail_on("v");
	}
	/* an embedded NUL */
	json_object_set_new(in, "v", json_stringn("a\0b", 3));
	assert_int_equal(field_text(&g_c, in, "v", "名称", 1, 0, 64, &out, NULL), E_INVALID);
	/* not a string */
	json_object_set_new(in, "v", json_integer(5));
	clear_fail();
	assert_int_equal(field_text(&g_c, in, "v", "名称", 1, 0, 64, &out, NULL), E_INVALID);
	assert_fail_on("v");
	assert_non_null(strstr(g_c.fail_message, "名称"));
	json_object_set_new(in, "v", json_true());
	assert_int_equal(field_text(&g_c, in, "v", "名称", 0, 0, 64, &out, NULL), E_INVALID);
	json_object_set_new(in, "v", json_pack("[s]", "a"));
	assert_int_equal(field_text(&g_c, in, "v", "名称", 0, 0, 64, &out, NULL), E_INVALID);
	json_object_set_new(in, "v", json_object());
	assert_int_equal(field_text(&g_c, in, "v", "名称", 0, 0, 64, &out, NULL), E_INVALID);
	assert_string_equal(out, "kept");
	json_decref(in);
}

/* U+0080..U+009F are control characters too (C1; U+009B is the 8-bit CSI that starts a
 * terminal escape sequence, U+0085 a line break). */
static void test_field_text_rejects_c1_controls(void **state)
{
	static const struct {
		const char *s;
		unsigned cp;
	} bad[] = {{"a\xc2\x85"
		    "b",
		    0x85},
		   {"\xc2\x9b"
		    "31m红",
		    0x9b},
		   {"\xc2\x80", 0x80}};
	json_t *in = json_object();
	const char *out = "kept";
	unsigned accepted = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object_set_new(in, "v", json_string(bad[i].s));
		clear_fail();
		if (field_text(&g_c, in, "v", "名称", 1, 0, 64, &out, NULL) != E_INVALID &&
		    !accepted)
			accepted = bad[i].cp;
	}
	json_decref(in);
	if (accepted)
		fail_msg("C1 control character U+%04X accepted", accepted);
	assert_string_equal(out, "kept");
}

static void test_field_ascii(void **state)
{
	json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "code", " scj_2 ", "upper", "Scj",
			       "dash", "s-cj", "cn", "审批", "user", "zhang.san-01_", "short", "a");
	const char *out = NULL;

	(void)state;
	clear_fail();
	assert_int_equal(
	    field_ascii(&g_c, in, "code", "单位代码", 1, 2, 16, FIELD_CODE, &out, NULL), E_OK);
	assert_string_equal(out, "scj_2");
	assert_int_equal(
	    field_ascii(&g_c, in, "user", "用户名", 1, 3, 32, FIELD_USERNAME, &out, NULL), E_OK);
	assert_string_equal(out, "zhang.san-01_");

	out = "kept";
	assert_int_equal(
	    field_ascii(&g_c, in, "upper", "单位代码", 1, 2, 16, FIELD_CODE, &out, NULL),
	    E_INVALID);
	assert_fail_on("upper");
	assert_non_null(strstr(g_c.fail_message, "单位代码"));
	assert_non_null(strstr(g_c.fail_message, "小写字母"));
	assert_int_equal(
	    field_ascii(&g_c, in, "dash", "单位代码", 1, 2, 16, FIELD_CODE, &out, NULL), E_INVALID);
	assert_fail_on("dash");
	assert_int_equal(
	    field_ascii(&g_c, in, "cn", "用户名", 1, 1, 32, FIELD_USERNAME, &out, NULL), E_INVALID);
	assert_fail_on("cn");
	assert_int_equal(field_ascii(&g_c, in, "code", "电话", 1, 1, 20, FIELD_PHONE, &out, NULL),
			 E_INVALID);
	assert_int_equal(
	    field_ascii(&g_c, in, "short", "单位代码", 1, 2, 16, FIELD_CODE, &out, NULL),
	    E_INVALID);
	assert_fail_on("short");
	assert_string_equal(out, "kept");
	/* absent and optional */
	assert_int_equal(field_ascii(&g_c, in, "none", "电话", 0, 0, 20, FIELD_PHONE, &out, NULL),
			 E_OK);
	assert_string_equal(out, "kept");
	json_decref(in);
}

static void test_field_int(void **state)
{
	json_t *in = json_pack("{s:i,s:i,s:i,s:f,s:s,s:n,s:I}", "days", 30, "lo", 1, "hi", 365,
			       "real", 1.5, "text", "5", "nul", "big", (json_int_t)INT64_MAX);
	int64_t out = -7;
	int present = -1;

	(void)state;
	clear_fail();
	assert_int_equal(field_int(&g_c, in, "days", "有效天数", 1, 1, 365, &out, &present), E_OK);
	assert_int_equal(out, 30);
	assert_int_equal(present, 1);
	assert_int_equal(field_int(&g_c, in, "lo", "有效天数", 1, 1, 365, &out, NULL), E_OK);
	assert_int_equal(out, 1);
	assert_int_equal(field_int(&g_c, in, "hi", "有效天数", 1, 1, 365, &out, NULL), E_OK);
	assert_int_equal(out, 365);
	assert_int_equal(field_int(&g_c, in, "big", "编号", 1, 1, INT64_MAX, &out, NULL), E_OK);
	assert_int_equal(out, INT64_MAX);

	out = -7;
	assert_int_equal(field_int(&g_c, in, "hi", "有效天数", 1, 1, 364, &out, NULL), E_INVALID);
	assert_fail_on("hi");
	assert_non_null(strstr(g_c.fail_message, "有效天数"));
	assert_non_null(strstr(g_c.fail_message, "364"));
	assert_int_equal(field_int(&g_c, in, "lo", "有效天数", 1, 2, 365, &out, NULL), E_INVALID);
	assert_fail_on("lo");
	assert_int_equal(field_int(&g_c, in, "real", "有效天数", 1, 1, 365, &out, NULL), E_INVALID);
	assert_fail_on("real");
	assert_int_equal(field_int(&g_c, in, "text", "有效天数", 1, 1, 365, &out, NULL), E_INVALID);
	assert_fail_on("text");
	assert_int_equal(field_int(&g_c, in, "nul", "有效天数", 1, 1, 365, &out, NULL), E_INVALID);
	assert_fail_on("nul");
	assert_int_equal(field_int(&g_c, in, "none", "有效天数", 1, 1, 365, &out, NULL), E_INVALID);
	assert_int_equal(out, -7);
	/* null and absent are the same for an optional field */
	assert_int_equal(field_int(&g_c, in, "nul", "有效天数", 0, 1, 365, &out, &present), E_OK);
	assert_int_equal(present, 0);
	assert_int_equal(field_int(&g_c, in, "none", "有效天数", 0, 1, 365, &out, &present), E_OK);
	assert_int_equal(present, 0);
	assert_int_equal(out, -7);
	json_decref(in);
}

static void test_field_page(void **state)
{
	static const struct {
		const char *page, *size;
		int64_t want_page, want_size;
	} cases[] = {
	    {NULL, NULL, 1, 20},	{"", "", 1, 20},      {"3", "50", 3, 50},
	    {"1", "100", 1, 100},	{"1", "101", 1, 100}, {"2", "1000", 2, 100},
	    {"1", "999999999", 1, 100}, {"0", "0", 1, 20},    {"-2", "-5", 1, 20},
	    {"abc", "1e3", 1, 20},	{"2x", " 5", 1, 20},  {"1", "1", 1, 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct page pg = {-1, -1};

		field_page(cases[i].page, cases[i].size, &pg);
		if (pg.page != cases[i].want_page || pg.size != cases[i].want_size)
			fail_msg("page=%s size=%s -> %lld/%lld, want %lld/%lld",
				 cases[i].page ? cases[i].page : "NULL",
				 cases[i].size ? cases[i].size : "NULL", (long long)pg.page,
				 (long long)pg.size, (long long)cases[i].want_page,
				 (long long)cases[i].want_size);
		assert_true(pg.size >= 1 && pg.size <= 100);
	}
}

/* ---- organisation and users ---- */

static void test_region_rules(void **state)
{
	struct actor clerk = {.id = 99,
			      .username = "c",
			      .name = "c",
			      .roles = ROLE_CLERK,
			      .center_id = 1,
			      .scope_region = "",
			      .csrf = ""};
	json_t *in, *out = NULL;

	(void)state;
	/* a city before its province */
	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "510100", "name", "成都市")),
	    E_INVALID_REGION);
	assert_fail_on("code");
	assert_non_null(strstr(g_c.fail_message, "510000"));
	assert_int_equal(count("regions"), 0);

	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "510000", "name", "四川省")),
	    E_OK);
	in = json_pack("{s:s,s:s}", "code", "510100", "name", "成都市");
	assert_int_equal(tx_write(org_region_create, in, &out), E_OK);
	json_decref(in);
	assert_string_equal(json_string_value(json_object_get(out, "parent")), "510000");
	assert_int_equal(json_integer_value(json_object_get(out, "level")), 2);
	json_decref(out);

	/* a county whose city is missing */
	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "510704", "name", "某区")),
	    E_INVALID_REGION);
	assert_fail_on("code");
	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "510104", "name", "锦江区")),
	    E_OK);
	/* malformed codes */
	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "990000", "name", "无")),
	    E_INVALID_REGION);
	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "510004", "name", "无")),
	    E_INVALID_REGION);
	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "51a000", "name", "无")),
	    E_INVALID_REGION);
	/* the same code twice */
	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "510000", "name", "四川")),
	    E_DUPLICATE);
	assert_fail_on("code");
	/* only a sysadmin changes regions */
	g_c.actor = &clerk;
	assert_int_equal(
	    write_in(org_region_create, json_pack("{s:s,s:s}", "code", "520000", "name", "贵州省")),
	    E_FORBIDDEN);
	g_c.actor = NULL;
	assert_int_equal(count("regions"), 3);
	{
		struct db_val p[] = {DBT("510104")};

		assert_int_equal(query_int("SELECT level FROM regions WHERE code = ?", p, 1), 3);
	}
}

static json_t *clerk_in(const char *username, int64_t center, int64_t unit)
{
	json_t *in = json_pack("{s:s,s:s,s:[s],s:I}", "username", username, "name", "李四", "roles",
			       "clerk", "center_id", (json_int_t)center);

	if (unit)
		json_object_set_new(in, "unit_id", json_integer(unit));
	return in;
}

static void test_user_rules_system(void **state)
{
	int64_t cd, unit, users;
	json_t *in, *out = NULL;

	(void)state;
	load_demo();
	cd = center_id("成都市政务服务中心");
	unit = unit_id(cd, "scj");
	users = count("users");

	/* duplicate username */
	assert_int_equal(
	    write_in(user_create, json_pack("{s:s,s:s,s:[s]}", "username", "admin", "name",
					    "另一个管理员", "roles", "sysadmin")),
	    E_DUPLICATE);
	assert_fail_on("username");
	assert_non_null(strstr(g_c.fail_message, "admin"));
	assert_int_equal(count("users"), users);

	/* a clerk needs a unit, and a unit of their own center */
	assert_int_equal(write_in(user_create, clerk_in("lisi", cd, 0)), E_INVALID);
	assert_fail_on("unit_id");
	assert_int_equal(
	    write_in(user_create,
		     clerk_in("lisi", cd, unit_id(center_id("绵阳市政务服务中心"), "scj"))),
	    E_INVALID);
	assert_fail_on("unit_id");
	/* a supervisor needs a scope */
	assert_int_equal(write_in(user_create, json_pack("{s:s,s:s,s:[s]}", "username", "jc2",
							 "name", "监察员", "roles", "supervisor")),
			 E_INVALID);
	assert_fail_on("scope_region");
	assert_int_equal(count("users"), users);

	/* and with all that right, the account starts on the initial password */
	in = clerk_in("lisi", cd, unit);
	assert_int_equal(tx_write(user_create, in, &out), E_OK);
	json_decref(in);
	assert_string_equal(json_string_value(json_object_get(out, "username")), "lisi");
	assert_int_equal(json_integer_value(json_object_get(out, "center_id")), cd);
	assert_int_equal(json_integer_value(json_object_get(out, "unit_id")), unit);
	assert_true(json_is_true(json_object_get(out, "must_change_password")));
	assert_true(roles_has(out, "clerk"));
	json_decref(out);
	assert_int_equal(count("users"), users + 1);
}

static void test_user_rules_center_admin(void **state)
{
	struct actor a = {.username = "510100admin",
			  .name = "管理员",
			  .roles = ROLE_CENTER_ADMIN,
			  .scope_region = "",
			  .csrf = ""};
	int64_t cd, my, users;
	json_t *in0, *out = NULL;

	(void)state;
	load_demo();
	cd = center_id("成都市政务服务中心");
	my = center_id("绵阳市政务服务中心");
	a.id = user_id("510100admin");
	a.center_id = cd;
	users = count("users");
	g_c.actor = &a;

	/* another center's user */
	assert_int_equal(write_in(user_create, clerk_in("lisi", my, unit_id(my, "scj"))),
			 E_FORBIDDEN);
	assert_int_equal(g_c.fail_field ? strcmp(g_c.fail_field, "center_id") : -1, 0);
	/* roles a center admin may not grant */
	assert_int_equal(write_in(user_create, json_pack("{s:s,s:s,s:[s]}", "username", "root2",
							 "name", "越权", "roles", "sysadmin")),
			 E_FORBIDDEN);
	assert_int_equal(
	    write_in(user_create,
		     json_pack("{s:s,s:s,s:[ss],s:I,s:I}", "username", "root3", "name", "越权",
			       "roles", "clerk", "sysadmin", "center_id", (json_int_t)cd, "unit_id",
			       (json_int_t)unit_id(cd, "scj"))),
	    E_FORBIDDEN);
	assert_int_equal(write_in(user_create, json_pack("{s:s,s:s,s:[s],s:s}", "username", "jc3",
							 "name", "越权", "roles", "supervisor",
							 "scope_region", "510100")),
			 E_FORBIDDEN);
	/* a clerk without a unit */
	assert_int_equal(write_in(user_create, clerk_in("lisi", cd, 0)), E_INVALID);
	assert_fail_on("unit_id");
	/* another center's unit */
	assert_int_equal(write_in(user_create, clerk_in("lisi", cd, unit_id(my, "scj"))),
			 E_INVALID);
	assert_fail_on("unit_id");
	/* a unit in another center */
	assert_int_equal(
	    write_in(org_unit_create, json_pack("{s:I,s:s,s:s}", "center_id", (json_int_t)my,
						"code", "gaj", "name", "公安局")),
	    E_FORBIDDEN);
	assert_int_equal(count("users"), users);

	/* making an own user a sysadmin afterwards is refused as well */
	in0 = clerk_in("lisi", cd, unit_id(cd, "scj"));
	assert_int_equal(tx_write(user_create, in0, &out), E_OK);
	json_decref(in0);
	assert_int_equal(json_integer_value(json_object_get(out, "center_id")), cd);
	{
		int64_t id = json_integer_value(json_object_get(out, "id"));
		json_t *in = json_pack("{s:[s]}", "roles", "sysadmin"), *upd = NULL;
		int rc;

		json_decref(out);
		assert_int_equal(ctx_db(&g_c, db_begin_write(g_c.db)), E_OK);
		rc = user_update(&g_c, id, in, &upd);
		db_rollback(g_c.db);
		json_decref(in);
		json_decref(upd);
		assert_int_equal(rc, E_FORBIDDEN);
		assert_int_equal(count("users WHERE roles >= 32"), 1); /* admin only */
	}
	/* and no one else's account can be changed at all */
	{
		json_t *in = json_pack("{s:s}", "name", "改名"), *upd = NULL;
		int rc;

		assert_int_equal(ctx_db(&g_c, db_begin_write(g_c.db)), E_OK);
		rc = user_update(&g_c, user_id("510700admin"), in, &upd);
		db_rollback(g_c.db);
		json_decref(in);
		json_decref(upd);
		assert_int_equal(rc, E_FORBIDDEN);
	}
	assert_int_equal(count("users"), users + 1);
}

static void test_unit_default_user(void **state)
{
	int64_t cd;
	json_t *in, *out = NULL, *unit, *user;
	char token[TOKEN_HEX], csrf[TOKEN_HEX];
	json_t *me = NULL;

	(void)state;
	load_demo();
	cd = center_id("成都市政务服务中心");
	in = json_pack("{s:I,s:s,s:s}", "center_id", (json_int_t)cd, "code", "gaj", "name",
		       "成都市公安局");
	assert_int_equal(tx_write(org_unit_create, in, &out), E_OK);
	json_decref(in);
	unit = json_object_get(out, "unit");
	user = json_object_get(out, "default_user");
	assert_string_equal(json_string_value(json_object_get(unit, "code")), "gaj");
	assert_int_equal(json_integer_value(json_object_get(unit, "center_id")), cd);
	assert_int_equal(json_integer_value(json_object_get(unit, "user_count")), 1);
	/* R2.6: region code + unit code, a unit admin who also works the window and the desk */
	assert_string_equal(json_string_value(json_object_get(user, "username")), "510100gaj");
	assert_true(json_is_true(json_object_get(user, "must_change_password")));
	assert_true(json_is_true(json_object_get(user, "in_center")));
	assert_true(roles_has(user, "unit_admin"));
	assert_true(roles_has(user, "clerk"));
	assert_true(roles_has(user, "handler"));
	assert_int_equal(json_integer_value(json_object_get(user, "unit_id")),
			 json_integer_value(json_object_get(unit, "id")));
	json_decref(out);

	/* the default user logs in with the initial password and must change it */
	assert_int_equal(session_login(&g_c, "510100gaj", USER_INITIAL_PASSWORD, token, csrf, &me),
			 E_OK);
	assert_true(json_is_true(json_object_get(me, "must_change_password")));
	json_decref(me);
}

static void test_unit_create_rolled_back(void **state)
{
	int64_t cd, units, users, events, n, bad;
	const char *why;

	(void)state;
	load_demo();
	cd = center_id("成都市政务服务中心");
	units = count("units");
	users = count("users");
	events = count("events");

	/* the unit row goes in, then its default user collides with an existing account */
	assert_int_equal(
	    write_in(org_unit_create,
		     json_pack("{s:I,s:s,s:s,s:s}", "center_id", (json_int_t)cd, "code", "gaj",
			       "name", "成都市公安局", "default_username", "admin")),
	    E_DUPLICATE);
	assert_fail_on("default_username");
	assert_int_equal(count("units"), units);
	assert_int_equal(count("units WHERE code = 'gaj'"), 0);
	assert_int_equal(count("users"), users);
	assert_int_equal(count("events"), events);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK);

	/* a unit code the center already has */
	assert_int_equal(
	    write_in(org_unit_create, json_pack("{s:I,s:s,s:s}", "center_id", (json_int_t)cd,
						"code", "scj", "name", "另一个市场监管局")),
	    E_DUPLICATE);
	assert_fail_on("code");
	assert_int_equal(count("units"), units);
	assert_int_equal(count("users"), users);

	/* the same unit with a free name then works, and the chain goes on intact */
	assert_int_equal(
	    write_in(org_unit_create,
		     json_pack("{s:I,s:s,s:s,s:s}", "center_id", (json_int_t)cd, "code", "gaj",
			       "name", "成都市公安局", "default_username", "cdgaj")),
	    E_OK);
	assert_int_equal(count("units"), units + 1);
	assert_int_equal(count("users"), users + 1);
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK);
	assert_int_equal(n, count("events"));
}

static void test_access_region_like(void **state)
{
	(void)state;
	assert_string_equal(access_region_like(&g_c, "510000"), "51%");
	assert_string_equal(access_region_like(&g_c, "510100"), "5101%");
	assert_string_equal(access_region_like(&g_c, "510104"), "510104%");
	assert_string_equal(access_region_like(&g_c, "510110"), "510110%");
}

/* A supervisor of Chengdu sees Chengdu's centers and those below it, and no other. */
static void test_supervisor_scope(void **state)
{
	struct actor a = {.username = "jc510100",
			  .name = "监察员",
			  .roles = ROLE_SUPERVISOR,
			  .scope_region = "510100",
			  .csrf = ""};
	json_t *out = NULL, *items, *v;
	size_t i;

	(void)state;
	load_demo();
	a.id = user_id("jc510100");
	g_c.actor = &a;
	assert_int_equal(org_center_list(&g_c, NULL, &out), E_OK);
	items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), 3);
	json_array_foreach(items, i, v)
	{
		const char *code = json_string_value(json_object_get(v, "region_code"));

		assert_memory_equal(code, "5101", 4);
	}
	json_decref(out);
	clear_fail();
	assert_int_equal(access_center(&g_c, center_id("成都市锦江区政务服务中心"), ACCESS_READ),
			 E_OK);
	assert_int_equal(access_center(&g_c, center_id("绵阳市政务服务中心"), ACCESS_READ),
			 E_FORBIDDEN);
	assert_int_equal(access_center(&g_c, center_id("四川省政务服务中心"), ACCESS_READ),
			 E_FORBIDDEN);
	assert_int_equal(access_center(&g_c, center_id("成都市锦江区政务服务中心"), ACCESS_WRITE),
			 E_FORBIDDEN);
}

/* ---- sessions ---- */

static int login(const char *user, const char *pw, char token[TOKEN_HEX], char csrf[TOKEN_HEX])
{
	json_t *me = NULL;
	int rc;

	clear_fail();
	rc = session_login(&g_c, user, pw, token, csrf, &me);
	json_decref(me);
	return rc;
}

static void test_login_throttled(void **state)
{
	char token[TOKEN_HEX], csrf[TOKEN_HEX];
	int i;

	(void)state;
	load_demo();
	/* four failures do not lock the account, and a success clears them */
	for (i = 0; i < 4; i++)
		assert_int_equal(login("admin", "wrong-password", token, csrf), E_BAD_CREDENTIALS);
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_OK);
	for (i = 0; i < 4; i++)
		assert_int_equal(login("admin", "wrong-password", token, csrf), E_BAD_CREDENTIALS);
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_OK);
	assert_int_equal(count("sessions"), 2);

	/* the fifth failure within the window refuses even the right password */
	for (i = 0; i < 5; i++)
		assert_int_equal(login("admin", "wrong-password", token, csrf), E_BAD_CREDENTIALS);
	g_c.now += 60;
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_THROTTLED);
	assert_int_equal(count("sessions"), 2);
	/* another account is not affected */
	assert_int_equal(login("510100admin", USER_INITIAL_PASSWORD, token, csrf), E_OK);
	/* an unknown name is throttled the same way: no probing which names exist */
	for (i = 0; i < 5; i++)
		assert_int_equal(login("nosuchuser", "x", token, csrf), E_BAD_CREDENTIALS);
	assert_int_equal(login("nosuchuser", "x", token, csrf), E_THROTTLED);

	/* after the window the right password works again */
	g_c.now = T0 + LOGIN_WINDOW + 1;
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_OK);
}

static void test_login_session(void **state)
{
	char token[TOKEN_HEX], csrf[TOKEN_HEX], h[TOKEN_HEX];
	struct actor a;
	json_t *me = NULL;

	(void)state;
	load_demo();
	assert_int_equal(session_login(&g_c, "admin", USER_INITIAL_PASSWORD, token, csrf, &me),
			 E_OK);
	assert_true(is_hex64(token));
	assert_true(is_hex64(csrf));
	assert_string_not_equal(token, csrf);
	assert_string_equal(json_string_value(json_object_get(me, "username")), "admin");
	assert_true(json_is_true(json_object_get(me, "must_change_password")));
	assert_true(roles_has(me, "sysadmin"));
	json_decref(me);

	/* the database keeps only the digest of the cookie */
	{
		struct db_val raw[] = {DBT(token)}, dig[1];

		token_sha256(token, strlen(token), h);
		dig[0] = DBT(h);
		assert_int_equal(
		    query_int("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", raw, 1), 0);
		assert_int_equal(
		    query_int("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", dig, 1), 1);
	}

	memset(&a, 0, sizeof(a));
	g_c.now += 10;
	assert_int_equal(session_from_cookie(&g_c, token, &a), E_OK);
	assert_int_equal(a.id, user_id("admin"));
	assert_string_equal(a.username, "admin");
	assert_true(a.roles & ROLE_SYSADMIN);
	assert_int_equal(a.center_id, 0);
	assert_true(a.must_change);
	assert_false(a.by_token);
	assert_string_equal(a.csrf, csrf);
	assert_string_equal(a.session_hash, h);

	/* wrong, empty or shortened secrets open nothing */
	memset(&a, 0, sizeof(a));
	token[63] = token[63] == '0' ? '1' : '0';
	assert_int_equal(session_from_cookie(&g_c, token, &a), E_SESSION_EXPIRED);
	assert_int_equal(session_from_cookie(&g_c, "", &a), E_SESSION_EXPIRED);
	assert_int_equal(session_from_cookie(&g_c, h, &a), E_SESSION_EXPIRED);

	/* the wrong password opens no session either */
	assert_int_equal(login("admin", "888889", token, csrf), E_BAD_CREDENTIALS);
	assert_int_equal(login("510100admin", "wrong", token, csrf), E_BAD_CREDENTIALS);
	assert_int_equal(count("sessions"), 1);
}

static void test_session_idle_expiry(void **state)
{
	char token[TOKEN_HEX], csrf[TOKEN_HEX];
	struct actor a;

	(void)state;
	load_demo();
	session_idle = 30;
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_OK);
	g_c.now = T0 + 30;
	assert_int_equal(session_from_cookie(&g_c, token, &a), E_OK);
	g_c.now = T0 + 300;
	assert_int_equal(session_from_cookie(&g_c, token, &a), E_SESSION_EXPIRED);
	/* a new login works */
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_OK);
	g_c.now += 5;
	assert_int_equal(session_from_cookie(&g_c, token, &a), E_OK);
}

/* "Sessions end after SESSION_IDLE seconds without use": a session used 20 seconds ago is
 * alive, whatever the idle limit. */
static void test_session_idle_counts_from_last_use(void **state)
{
	char token[TOKEN_HEX], csrf[TOKEN_HEX];
	struct actor a;
	int64_t t;

	(void)state;
	load_demo();
	session_idle = 30;
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_OK);
	for (t = T0 + 20; t <= T0 + 200; t += 20) {
		g_c.now = t;
		if (session_from_cookie(&g_c, token, &a) != E_OK)
			fail_msg("session used every 20 s with a 30 s idle limit expired after "
				 "%lld s",
				 (long long)(t - T0));
	}
}

static void test_session_max_lifetime(void **state)
{
	char token[TOKEN_HEX], csrf[TOKEN_HEX];
	struct actor a;
	int64_t t;

	(void)state;
	load_demo();
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_OK);
	/* used every hour it stays alive until session_max, and not a second longer */
	for (t = T0 + 3600; t <= T0 + session_max; t += 3600) {
		g_c.now = t;
		assert_int_equal(session_from_cookie(&g_c, token, &a), E_OK);
	}
	g_c.now = T0 + session_max + 1;
	assert_int_equal(session_from_cookie(&g_c, token, &a), E_SESSION_EXPIRED);
}

static void test_set_password(void **state)
{
	char token[TOKEN_HEX], csrf[TOKEN_HEX], old_token[TOKEN_HEX];
	struct actor a;
	json_t *me = NULL;

	(void)state;
	load_demo();
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, old_token, csrf), E_OK);

	/* weak passwords are refused and change nothing */
	clear_fail();
	assert_int_equal(user_set_password(&g_c, "admin", "short1"), E_WEAK_PASSWORD);
	assert_int_equal(user_set_password(&g_c, "admin", "onlyletters"), E_WEAK_PASSWORD);
	assert_int_equal(user_set_password(&g_c, "admin", "1234567890"), E_WEAK_PASSWORD);
	assert_int_equal(user_set_password(&g_c, "nosuchuser", "Shenpi2026"), E_NOT_FOUND);
	assert_int_equal(session_from_cookie(&g_c, old_token, &a), E_OK);

	assert_int_equal(user_set_password(&g_c, "admin", "Shenpi2026"), E_OK);
	assert_int_equal(login("admin", USER_INITIAL_PASSWORD, token, csrf), E_BAD_CREDENTIALS);
	clear_fail();
	assert_int_equal(session_login(&g_c, "admin", "Shenpi2026", token, csrf, &me), E_OK);
	assert_false(json_is_true(json_object_get(me, "must_change_password")));
	json_decref(me);
	/* the session opened with the old password has ended */
	assert_int_equal(session_from_cookie(&g_c, old_token, &a), E_SESSION_EXPIRED);
	assert_int_equal(session_from_cookie(&g_c, token, &a), E_OK);
	assert_false(a.must_change);

	/* back to the initial password: must be changed again at the next login */
	assert_int_equal(user_set_password(&g_c, "admin", NULL), E_OK);
	me = NULL;
	assert_int_equal(session_login(&g_c, "admin", USER_INITIAL_PASSWORD, token, csrf, &me),
			 E_OK);
	assert_true(json_is_true(json_object_get(me, "must_change_password")));
	json_decref(me);
	{
		int64_t n, bad;
		const char *why;

		assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK);
	}
}

static void test_disabled_account(void **state)
{
	char token[TOKEN_HEX], csrf[TOKEN_HEX];
	struct actor a;
	int64_t id;
	json_t *in, *out = NULL;
	int rc;

	(void)state;
	load_demo();
	assert_int_equal(login("510100scj", USER_INITIAL_PASSWORD, token, csrf), E_OK);
	id = user_id("510100scj");
	in = json_pack("{s:b}", "disabled", 1);
	assert_int_equal(ctx_db(&g_c, db_begin_write(g_c.db)), E_OK);
	rc = user_update(&g_c, id, in, &out);
	if (rc == E_OK)
		assert_int_equal(db_commit(g_c.db), DB_OK);
	else
		db_rollback(g_c.db);
	json_decref(in);
	assert_int_equal(rc, E_OK);
	assert_true(json_is_true(json_object_get(out, "disabled")));
	json_decref(out);
	/* the open session ends, and the right password no longer opens one */
	assert_int_equal(session_from_cookie(&g_c, token, &a), E_SESSION_EXPIRED);
	assert_int_equal(login("510100scj", USER_INITIAL_PASSWORD, token, csrf),
			 E_ACCOUNT_DISABLED);
	assert_int_equal(count("sessions"), 0);
}

#define DOMAIN_TESTS                                                                               \
	cmocka_unit_test_setup_teardown(test_event_chain_intact, fresh_db, close_db),              \
	    cmocka_unit_test_setup_teardown(test_event_tampered_payload, fresh_db, close_db),      \
	    cmocka_unit_test_setup_teardown(test_event_tampered_time_and_actor, fresh_db,          \
					    close_db),                                             \
	    cmocka_unit_test_setup_teardown(test_event_rehashed, fresh_db, close_db),              \
	    cmocka_unit_test_setup_teardown(test_event_deleted, fresh_db, close_db),               \
	    cmocka_unit_test_setup_teardown(test_field_text, fresh_db, close_db),                  \
	    cmocka_unit_test_setup_teardown(test_field_text_counts_characters, fresh_db,           \
					    close_db),                                             \
	    cmocka_unit_test_setup_teardown(test_field_text_rejects, fresh_db, close_db),          \
	    cmocka_unit_test_setup_teardown(test_field_text_rejects_c1_controls, fresh_db,         \
					    close_db),                                             \
	    cmocka_unit_test_setup_teardown(test_field_ascii, fresh_db, close_db),                 \
	    cmocka_unit_test_setup_teardown(test_field_int, fresh_db, close_db),                   \
	    cmocka_unit_test_setup_teardown(test_field_page, fresh_db, close_db),                  \
	    cmocka_unit_test_setup_teardown(test_region_rules, fresh_db, close_db),                \
	    cmocka_unit_test_setup_teardown(test_user_rules_system, fresh_db, close_db),           \
	    cmocka_unit_test_setup_teardown(test_user_rules_center_admin, fresh_db, close_db),     \
	    cmocka_unit_test_setup_teardown(test_unit_default_user, fresh_db, close_db),           \
	    cmocka_unit_test_setup_teardown(test_unit_create_rolled_back, fresh_db, close_db),     \
	    cmocka_unit_test_setup_teardown(test_access_region_like, fresh_db, close_db),          \
	    cmocka_unit_test_setup_teardown(test_supervisor_scope, fresh_db, close_db),            \
	    cmocka_unit_test_setup_teardown(test_login_throttled, fresh_db, close_db),             \
	    cmocka_unit_test_setup_teardown(test_login_session, fresh_db, close_db),               \
	    cmocka_unit_test_setup_teardown(test_session_idle_expiry, fresh_db, close_db),         \
	    cmocka_unit_test_setup_teardown(test_session_idle_counts_from_last_use, fresh_db,      \
					    close_db),                                             \
	    cmocka_unit_test_setup_teardown(test_session_max_lifetime, fresh_db, close_db),        \
	    cmocka_unit_test_setup_teardown(test_set_password, fresh_db, close_db),                \
	    cmocka_unit_test_setup_teardown(test_disabled_account, fresh_db, close_db)

/* Put back the session limits a test may have shortened. */
static void reset_session_limits(void)
{
	session_idle = 2 * 3600;
	session_max = 12 * 3600;
}

int main(void)
{
	const struct CMUnitTest tests[] = {DOMAIN_TESTS};

	if (testdb_init() < 0)
		return 1;
	(void)user_initial_hash();
	g_after_close = reset_session_limits;
	return testdb_run("domain", tests, sizeof(tests) / sizeof(tests[0])) ? 1 : 0;
}
