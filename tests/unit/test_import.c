/*
 * test_import.c - the exchange folder of `shenpi import` (domain/exchange.c) below the CLI:
 * CSV fields written by csv_put read back unchanged, header mistakes and in-file duplicates
 * named by file, row and column, a GBK file read as well as UTF-8, the rules a case's state
 * brings, case numbers that continue the day's serials, and cases and steps past one batch
 * of inserts each attached to its own case, with the tables' indexes and foreign keys back
 * after the import and after its rollback. On SQLite and PostgreSQL.
 */
#include "testdb.h"

#include <sys/stat.h>

#include "core/buf.h"
#include "core/csv.h"
#include "domain/exchange.h"

static char g_folder[128];
static int g_folders;

/* A new exchange folder holding files (name, text, name, text, …, NULL). */
static const char *folder(const char *name, ...)
{
	va_list ap;
	snprintf(g_folder, sizeof(g_folder), "%s/x%d-%s", g_dir, ++g_folders, g_kind);
	assert_int_equal(mkdir(g_folder, 0700), 0);
	va_start(ap, name);
	for (const char *f = name; f; f = va_arg(ap, const char *)) {
		const char *text = va_arg(ap, const char *);
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", g_folder, f);
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		fputs(text, fp);
		fclose(fp);
	}
	va_end(ap);
	return g_folder;
}

/* Import the folder; the failure's message (or "" on success) is returned, *out freed. */
static const char *import(const char *dir, int *rc)
{
	struct exchange_opts o = {.dir = dir};
	json_t *out = NULL;
	clear_fail();
	*rc = exchange_import(&g_c, &o, &out);
	json_decref(out);
	return g_c.fail_message ? g_c.fail_message : "";
}

#define ORG                                                                                          \
	"regions.csv", "code,name\n520000,贵州省\n520100,贵阳市\n", "centers.csv",                   \
	    "id,region_code,name\nC01,520100,贵阳市政务服务中心\n", "units.csv",                     \
	    "id,center,code,name\nU01,C01,scj,市场监督管理局\n", "users.csv",                        \
	    "id,username,name,roles,center,unit\n7,gy_ck,李窗口,clerk|handler,C01,U01\n",            \
	    "items.csv",                                                                             \
	    "id,unit,code,name,kind,statutory_days,promised_days\nI1,U01,a-1,补领,immediate,3,0\n" \
	    "I2,U01,a-2,许可,promised,20,10\n"
#define CASE_HEAD                                                                                  \
	"old_no,item,state,applicant_kind,applicant_name,created_by,applied_at,"                   \
	"accepted_by,accepted_at,completed_by,completed_at\n"

static void test_csv_put_round_trip(void **state)
{
	(void)state;
	const char *in[] = {"plain",	"",	 "a,b", "say \"hi\"", "two\nlines",
			    " padded ", "末尾,", "\"",	"x"};
	size_t n = sizeof(in) / sizeof(in[0]);
	struct buf b = BUF_INIT(4096);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addstr(&b, ",");
		csv_put(&b, in[i]);
	}
	buf_addstr(&b, "\n");
	struct csv r;
	const char *why;
	char *f[16];
	int got;
	assert_int_equal(csv_open(&r, &g_arena, b.buf, b.len, &why), 0);
	assert_int_equal(csv_next(&r, f, 16, &got), 1);
	assert_int_equal(got, (int)n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(f[i], in[i]);
	buf_release(&b);
}

static void test_header_and_duplicates(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(import(folder("regions.csv", "code,nmae\n520000,贵州省\n", NULL), &rc),
			    "regions.csv 第1行：未知的列“nmae”");
	assert_int_equal(rc, E_INVALID);
	assert_string_equal(import(folder("regions.csv", "code\n520000\n", NULL), &rc),
			    "regions.csv 第1行：缺少必需的列 name");
	assert_string_equal(
	    import(folder("regions.csv", "code,name\n520000,贵州省\n", "centers.csv",
			  "id,region_code,name\nC01,520000,一中心\n\nC01,520000,二中心\n", NULL),
		   &rc),
	    "centers.csv 第4行 id 列：“C01”与第2行重复");
	assert_int_equal(count("regions"), 0);
	assert_int_equal(count("centers"), 0);
}

static void test_gbk(void **state)
{
	(void)state;
	int rc;
	/* "code,name\n520000,贵州省\n" in GBK */
	assert_string_equal(
	    import(folder("regions.csv", "code,name\n520000,\xb9\xf3\xd6\xdd\xca\xa1\n", NULL),
		   &rc),
	    "");
	assert_int_equal(rc, E_OK);
	assert_int_equal(query_int("SELECT COUNT(*) FROM regions WHERE name = '贵州省'", NULL, 0),
			 1);
}

static void test_case_rules(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(
	    import(folder(ORG, "cases.csv",
			  CASE_HEAD "K1,I1,completed,person,张三,7,2019-03-04 09:00:00,7,"
				    "2019-03-04 09:10:00,,\n",
			  NULL),
		   &rc),
	    "cases.csv 第2行 completed_at 列：状态为completed的办件须有办结人和办结时间");
	assert_string_equal(
	    import(folder(ORG, "cases.csv",
			  CASE_HEAD "K1,I1,accepted,person,张三,7,2019-03-04 09:00:00,7,"
				    "2019-03-04 08:00:00,,\n",
			  NULL),
		   &rc),
	    "cases.csv 第2行 accepted_at 列：受理时间早于申请时间");
	assert_string_equal(
	    import(folder(ORG, "cases.csv",
			  CASE_HEAD "K1,I1,applied,person,张三,7,2019-03-04 09:00:00,,,,\n"
				    "K2,I2,in_process,person,李四,7,2019-03-04 09:00:00,7,"
				    "2019-03-04 09:30:00,,\n",
			  NULL),
		   &rc),
	    "cases.csv 第3行 state 列：审批中（in_process）的承诺件“K2”在case_steps.csv中须有"
	    "办理中（active或out）的环节");
	assert_int_equal(count("cases"), 0);
	assert_int_equal(count("users"), 0);
}

/* Numbers continue the serials of the application day, across runs and with real cases. */
static void test_numbers(void **state)
{
	(void)state;
	int rc;
	import(folder(ORG, "cases.csv",
		      CASE_HEAD "K1,I1,applied,person,张三,7,2019-03-04 09:00:00,,,,\n"
				"K2,I1,applied,person,李四,7,2019-03-04 10:00:00,,,,\n",
		      NULL),
	       &rc);
	assert_int_equal(rc, E_OK);
	import(folder(ORG, "cases.csv",
		      CASE_HEAD "K1,I1,applied,person,张三,7,2019-03-04 09:00:00,,,,\n"
				"K3,I1,completed,person,王五,7,2019-03-04 11:00:00,7,"
				"2019-03-04 11:10:00,7,2019-03-04 11:20:00\n",
		      NULL),
	       &rc);
	assert_int_equal(rc, E_OK);
	assert_int_equal(count("cases"), 3);
	assert_int_equal(
	    query_int(
		"SELECT COUNT(*) FROM cases WHERE (old_no = 'K1' AND no = "
		"'520100-20190304-000001') OR (old_no = 'K2' AND no = "
		"'520100-20190304-000002') OR (old_no = 'K3' AND no = '520100-20190304-000003')",
		NULL, 0),
	    3);
	assert_int_equal(query_int("SELECT last FROM serials WHERE day = 17959", NULL, 0), 3);
	/* an immediate case completed: counted in the rollups of its day */
	assert_int_equal(
	    query_int("SELECT SUM(completed) FROM stats_daily WHERE day = 17959", NULL, 0), 1);
}

#define STEP_HEAD "case,stage,seq,name,kind,limit_days,state,started_at,finished_at\n"

/* n accepted promised cases, K1…Kn, each with one step named after its case. */
static void many_cases(struct buf *cases, struct buf *steps, int n)
{
	buf_addstr(cases, CASE_HEAD);
	buf_addstr(steps, STEP_HEAD);
	for (int i = 1; i <= n; i++) {
		buf_addf(cases,
			 "K%d,I2,accepted,person,申请人%d,7,2019-03-04 09:00:00,7,"
			 "2019-03-04 09:10:00,,\n",
			 i, i);
		buf_addf(steps,
			 "K%d,1,1,K%d,accept,0,done,2019-03-04 09:10:00,2019-03-04 09:10:00\n", i,
			 i);
	}
}

/* Cases and steps are inserted many rows at a time: each step still lands on its own case,
 * and a bad row in a later batch leaves nothing behind, named at its own line. */
static void test_batches(void **state)
{
	(void)state;
	int rc;
	struct buf cases = BUF_INIT(1 << 20), steps = BUF_INIT(1 << 20);
	char keys[2][1024], now[1024];
	table_keys("cases", keys[0], sizeof(keys[0]));
	table_keys("case_steps", keys[1], sizeof(keys[1]));
	many_cases(&cases, &steps, 250);
	buf_addstr(&steps, "K240,1,1,重复,accept,0,done,2019-03-04 09:10:00,2019-03-04 09:10:00\n");
	assert_string_equal(
	    import(folder(ORG, "cases.csv", cases.buf, "case_steps.csv", steps.buf, NULL), &rc),
	    "case_steps.csv 第252行 seq 列：办件“K240”已有第1阶段的第1个环节");
	assert_int_equal(rc, E_INVALID);
	assert_int_equal(count("cases"), 0);
	assert_int_equal(count("case_steps"), 0);
	assert_int_equal(count("serials"), 0);
	/* the keys dropped for the first import came back with the rollback */
	assert_string_equal(table_keys("cases", now, sizeof(now)), keys[0]);
	assert_string_equal(table_keys("case_steps", now, sizeof(now)), keys[1]);

	buf_reset(&cases);
	buf_reset(&steps);
	many_cases(&cases, &steps, 250);
	assert_string_equal(
	    import(folder(ORG, "cases.csv", cases.buf, "case_steps.csv", steps.buf, NULL), &rc),
	    "");
	assert_int_equal(rc, E_OK);
	assert_int_equal(count("cases"), 250);
	assert_int_equal(
	    count("case_steps s JOIN cases k ON k.id = s.case_id AND k.old_no = s.name "
		  "AND s.center_id = k.center_id AND s.item_id = k.item_id"),
	    250);
	/* in file order: K250 is the day's 250th case */
	assert_int_equal(count("cases WHERE old_no = 'K250' AND no = '520100-20190304-000250'"), 1);
	/* and were built again after the rows */
	assert_string_equal(table_keys("cases", now, sizeof(now)), keys[0]);
	assert_string_equal(table_keys("case_steps", now, sizeof(now)), keys[1]);
	buf_release(&cases);
	buf_release(&steps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_csv_put_round_trip, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_header_and_duplicates, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_gbk, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_case_rules, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_numbers, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_batches, fresh_db, close_db),
	};
	if (testdb_init() < 0)
		return 1;
	return testdb_run("import", tests, sizeof(tests) / sizeof(tests[0])) ? 1 : 0;
}
