/*
 * test_notice.c - the notices (通知书): every kind drawn from a hand-made case (or
 * consultation) and read back as a user and the hall's scanner would - the text through
 * pdftotext, the Code128 and QR codes through pdftoppm and zbarimg - and the templates:
 * overrides per platform and per item, unknown placeholders refused, who may edit, the
 * state each kind needs. On SQLite and (with SHENPI_TEST_PG_URL) PostgreSQL.
 */
#include "testdb.h" /* cmocka, T0, g_c and the rest of the per-test database */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "domain/notice.h"
#include "pdf/notice.h"

#define NO  "510104-20261127-000001"
#define URL "https://zwfw.example.cn"

enum { CENTER = 1, UNIT = 1, OTHER_UNIT = 2, ITEM = 1 };

static const struct actor g_unit_admin =
    TEST_ACTOR(1, "scj_admin", "单位管理员", ROLE_UNIT_ADMIN, CENTER, UNIT);
static const struct actor g_other_admin =
    TEST_ACTOR(2, "gaj_admin", "公安管理员", ROLE_UNIT_ADMIN, CENTER, OTHER_UNIT);

static char g_tmp[64]; /* the PDFs and pictures of this run */

static int setup(void **state)
{
	if (fresh_db(state) < 0)
		return -1;
	if (db_script(
		g_c.db,
		"INSERT INTO regions (code, name, parent, level) VALUES ('510104', '锦江区', NULL, "
		"3);"
		"INSERT INTO centers (region_code, name, phone, created_at) VALUES ('510104', "
		"'锦江区政务服务中心', '028-86660000', 0);"
		"INSERT INTO units (center_id, code, name, created_at) VALUES "
		"(1, 'scj', '锦江区市场监督管理局', 0), (1, 'gaj', '锦江区公安分局', 0);"
		"INSERT INTO users (username, name, password_hash, roles, center_id, unit_id, "
		"disabled, created_at) VALUES ('scj_admin', '单位管理员', 'x', 4, 1, 1, 0, 0), "
		"('gaj_admin', '公安管理员', 'x', 4, 1, 2, 0, 0);"
		"INSERT INTO items (center_id, unit_id, code, name, kind, statutory_days, "
		"promised_days, created_at, updated_at) VALUES (1, 1, 'SCJ-001', "
		"'食品经营许可证核发', 'promised', 20, 10, 0, 0);") != DB_OK)
		fail_msg("%s: fixture: %s", g_kind, db_errmsg(g_c.db));
	return 0;
}

/* ---- helpers ---- */

/* A case of the contract's shape (/work/wt/cases-contract.md) in the given state. */
static json_t *a_case(const char *state)
{
	json_t *c = json_pack(
	    "{s:I,s:s,s:s,s:{s:I,s:s,s:s,s:s},s:{s:I,s:s},s:{s:I,s:s,s:s,s:i,s:i},"
	    "s:{s:s,s:s,s:s},s:[s,s],s:s,s:n,s:n,s:s,s:n,s:n,s:n}",
	    "id", (json_int_t)7, "no", NO, "state", state, "center", "id", (json_int_t)CENTER,
	    "name", "锦江区政务服务中心", "address", "成都市锦江区人民南路1号", "phone",
	    "028-86660000", "unit", "id", (json_int_t)UNIT, "name", "锦江区市场监督管理局", "item",
	    "id", (json_int_t)ITEM, "code", "SCJ-001", "name", "食品经营许可证核发",
	    "statutory_days", 20, "promised_days", 10, "applicant", "kind", "person", "name",
	    "张三", "phone", "13800000000", "missing", "营业执照副本", "法定代表人身份证明",
	    "applied_day", "2026-11-27", "accepted_at", "accepted_day", "due_day", "2026-12-11",
	    "refuse_reason", "supplement_note", "completion");
	if (!c)
		fail_msg("json_pack");
	if (strcmp(state, "applied") && strcmp(state, "refused") && strcmp(state, "supplement")) {
		json_object_set_new(c, "accepted_at", json_integer(T0));
		json_object_set_new(c, "accepted_day", json_string("2026-11-27"));
	}
	return c;
}

static void complete(json_t *c, int permitted)
{
	json_object_set_new(c, "completion",
			    json_pack("{s:b,s:s,s:s,s:s,s:I}", "permitted", permitted, "doc_no",
				      "川食许〔2026〕1号", "opinion",
				      permitted ? "符合法定条件，准予许可。"
						: "经现场核查，经营场所与申请材料不符。",
				      "by", "王承办", "at", (json_int_t)T0));
}

/* Write the PDF to g_tmp/name.pdf; its path. */
static const char *save_pdf(const char *name, const char *pdf, size_t len)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s.pdf", g_tmp, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pdf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* The standard output of a shell command (fails the test when it fails), malloc'd. */
static char *run(const char *fmt, const char *arg, const char *arg2)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg2);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	struct buf b = BUF_INIT(1 << 20);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&b, chunk, n);
	if (pclose(p) != 0)
		fail_msg("%s failed", cmd);
	return buf_detach(&b, NULL);
}

/* The text pdftotext reads from the PDF, with line breaks and spaces removed so that a
 * sentence wrapped over two lines is still found. */
static char *pdf_text(const char *path)
{
	char *t = run("pdftotext -enc UTF-8 %s -%s", path, ""), *w = t;
	for (char *r = t; *r; r++)
		if (*r != '\n' && *r != ' ' && *r != '\f')
			*w++ = *r;
	*w = 0;
	return t;
}

static void assert_has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("want \"%s\" in: %s", want, text);
}

/* Render the notice of a case; the PDF's path. */
static const char *case_notice(json_t *c, const char *kind)
{
	const char *pdf;
	size_t len = 0;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	clear_fail();
	int rc = notice_case_pdf(&g_c, c, kind, URL, &pdf, &len);
	db_rollback(g_c.db);
	if (rc != E_OK)
		fail_msg("%s: %d %s", kind, rc, g_c.fail_message ? g_c.fail_message : "");
	assert_true(len > 1000 && !memcmp(pdf, "%PDF-", 5));
	return save_pdf(kind, pdf, len);
}

/* ---- tests ---- */

/* Every kind carries its title, the applicant, item, number and the wording it is for. */
static void test_every_kind_reads_right(void **state)
{
	(void)state;
	static const struct {
		const char *kind, *state, *title, *text[3];
	} cases[] = {
	    {"accept", "in_process", "受理通知书", {"决定予以受理", "2026年12月11日", "受理日期"}},
	    {"refuse",
	     "refused",
	     "不予受理通知书",
	     {"不属于本机关职权范围", "六十日内", "六个月内"}},
	    {"supplement",
	     "supplement",
	     "一次性告知通知书",
	     {"1.营业执照副本", "2.法定代表人身份证明", "复印件须加盖公章"}},
	    {"complete", "completed", "办结通知书", {"川食许〔2026〕1号", "准予行政许可", "领取"}},
	    {"deny",
	     "completed",
	     "不予办结通知书",
	     {"经现场核查，经营场所与申请材料不符。", "六十日内", "行政诉讼"}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *c = a_case(cases[i].state);
		json_object_set_new(c, "refuse_reason",
				    json_string("申请事项不属于本机关职权范围"));
		json_object_set_new(c, "supplement_note", json_string("复印件须加盖公章。"));
		if (!strcmp(cases[i].kind, "complete") || !strcmp(cases[i].kind, "deny"))
			complete(c, !strcmp(cases[i].kind, "complete"));
		char *t = pdf_text(case_notice(c, cases[i].kind));
		assert_has(t, cases[i].title);
		assert_has(t, "锦江区政务服务中心");
		assert_has(t, "张三");
		assert_has(t, "食品经营许可证核发");
		assert_has(t, "编号：" NO);
		assert_has(t, "（盖章）");
		assert_has(t, "申请人（签收）");
		for (int j = 0; j < 3; j++)
			assert_has(t, cases[i].text[j]);
		free(t);
		json_decref(c);
	}
}

/* The hall's scanner reads the number from the barcode, a phone the URL from the QR code. */
static void test_barcode_and_qr_decode(void **state)
{
	(void)state;
	json_t *c = a_case("in_process");
	const char *path = case_notice(c, "accept");
	char png[128];
	snprintf(png, sizeof(png), "%s/scan", g_tmp);
	free(run("pdftoppm -r 200 -png -singlefile %s %s", path, png));
	char *codes = run("zbarimg -q --raw -Sdisable -Scode128.enable -Sqrcode.enable %s.png%s",
			  png, " 2>/dev/null | sort");
	assert_string_equal(codes, NO "\n" URL "/progress?no=" NO "\n");
	free(codes);
	json_decref(c);
}

/* A notice the case is not in the state for is refused with the reason. */
static void test_kind_needs_its_state(void **state)
{
	(void)state;
	static const struct {
		const char *kind, *state, *message;
	} cases[] = {
	    {"accept", "applied", "尚未受理"},
	    {"refuse", "accepted", "未被决定不予受理"},
	    {"supplement", "applied", "不在补正材料阶段"},
	    {"complete", "in_process", "尚未办结"},
	    {"deny", "completed", "不予许可"},
	};
	const char *pdf;
	size_t len;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *c = a_case(cases[i].state);
		if (!strcmp(cases[i].kind, "deny"))
			complete(c, 1); /* permitted: no 不予办结 */
		clear_fail();
		assert_int_equal(notice_case_pdf(&g_c, c, cases[i].kind, URL, &pdf, &len), E_STATE);
		assert_non_null(strstr(g_c.fail_message, cases[i].message));
		json_decref(c);
	}
	json_t *c = a_case("in_process");
	assert_int_equal(notice_case_pdf(&g_c, c, "invoice", URL, &pdf, &len), E_NOT_FOUND);
	json_decref(c);
}

static void test_consultation_notice(void **state)
{
	(void)state;
	json_t *q = json_pack("{s:I,s:s,s:{s:I,s:s,s:i,s:i},s:{s:s},s:{s:s,s:s},s:{s:s,s:s},"
			      "s:s,s:s,s:I}",
			      "id", (json_int_t)3, "no", "ZX510104-20261127-0001", "item", "id",
			      (json_int_t)ITEM, "name", "食品经营许可证核发", "statutory_days", 20,
			      "promised_days", 10, "unit", "name", "锦江区市场监督管理局", "center",
			      "name", "锦江区政务服务中心", "phone", "028-86660000", "applicant",
			      "kind", "person", "name", "李四", "question", "需要哪些材料？",
			      "answer", "请携带营业执照和身份证明。", "created_at", (json_int_t)T0);
	const char *pdf;
	size_t len;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	int rc = notice_consultation_pdf(&g_c, q, &pdf, &len);
	db_rollback(g_c.db);
	assert_int_equal(rc, E_OK);
	char *t = pdf_text(save_pdf("consult", pdf, len));
	assert_has(t, "咨询通知书");
	assert_has(t, "李四：");
	assert_has(t, "请携带营业执照和身份证明。");
	assert_has(t, "该事项由锦江区市场监督管理局承办。");
	assert_has(t, "028-86660000");
	assert_has(t, "咨询人（签收）");
	assert_has(t, "2026年1月1日");
	free(t);
	json_decref(q);
}

/* Save as actor a in a write transaction; the domain result. */
static int save(const struct actor *a, const char *kind, int64_t item, const char *title,
		const char *body)
{
	json_t *in = json_pack("{s:s,s:s}", "title", title, "body", body), *out = NULL;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	g_c.actor = a;
	clear_fail();
	int rc = notice_template_save(&g_c, kind, item, in, &out);
	if (rc == E_OK)
		assert_int_equal(db_commit(g_c.db), DB_OK);
	else
		db_rollback(g_c.db);
	g_c.actor = NULL;
	json_decref(in);
	json_decref(out);
	return rc;
}

static int delete (const struct actor *a, const char *kind, int64_t item)
{
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	g_c.actor = a;
	clear_fail();
	int rc = notice_template_delete(&g_c, kind, item);
	if (rc == E_OK)
		assert_int_equal(db_commit(g_c.db), DB_OK);
	else
		db_rollback(g_c.db);
	g_c.actor = NULL;
	return rc;
}

/* The accept entry of the list for item: its title, source and overridden. */
static void assert_accept(int64_t item, const char *title, const char *source, int overridden)
{
	json_t *out = NULL;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	assert_int_equal(notice_template_list(&g_c, item, &out), E_OK);
	db_rollback(g_c.db);
	json_t *e = json_array_get(json_object_get(out, "templates"), 1);
	assert_string_equal(json_string_value(json_object_get(e, "kind")), "accept");
	assert_string_equal(json_string_value(json_object_get(e, "title")), title);
	assert_string_equal(json_string_value(json_object_get(e, "source")), source);
	assert_int_equal(json_is_true(json_object_get(e, "overridden")), overridden);
	assert_int_equal(json_array_size(json_object_get(out, "placeholders")), 24);
	json_decref(out);
}

static void test_templates_override_and_revert(void **state)
{
	(void)state;
	int64_t events = count("events WHERE type LIKE 'notice_template.%'");
	assert_accept(ITEM, "受理通知书", "default", 0);
	assert_int_equal(save(NULL, "accept", 0, "受理凭证", "{{applicant_name}}：\n平台模板"),
			 E_OK);
	assert_accept(ITEM, "受理凭证", "platform", 0);
	assert_int_equal(save(&g_unit_admin, "accept", ITEM, "{{item_name}}受理通知书",
			      "{{applicant_name}}：\n　　事项模板，编号{{no}}。\n{{missing}}"),
			 E_OK);
	assert_accept(ITEM, "{{item_name}}受理通知书", "item", 1);
	assert_accept(0, "受理凭证", "platform", 1);

	/* the case's notice is drawn from the item's template, placeholders filled in */
	json_t *c = a_case("accepted");
	char *t = pdf_text(case_notice(c, "accept"));
	json_decref(c);
	assert_has(t, "食品经营许可证核发受理通知书");
	assert_has(t, "事项模板，编号" NO "。");
	assert_has(t, "1.营业执照副本");
	free(t);

	assert_int_equal(delete (&g_unit_admin, "accept", ITEM), E_OK);
	assert_accept(ITEM, "受理凭证", "platform", 0);
	assert_int_equal(delete (&g_unit_admin, "accept", ITEM), E_NOT_FOUND);
	assert_int_equal(delete (NULL, "accept", 0), E_OK);
	assert_accept(ITEM, "受理通知书", "default", 0);
	assert_int_equal(count("events WHERE type LIKE 'notice_template.%'"), events + 4);
}

static void test_unknown_placeholders_and_limits_refused(void **state)
{
	(void)state;
	assert_int_equal(save(NULL, "refuse", 0, "不予受理通知书",
			      "{{applicant_name}}：因{{reason}}不予受理，{{foo}}。"),
			 E_INVALID);
	assert_string_equal(g_c.fail_field, "body");
	assert_string_equal(g_c.fail_message, "正文中有未知的占位符：{{reason}}、{{foo}}");
	assert_int_equal(save(NULL, "refuse", 0, "{{title}}", "正文"), E_INVALID);
	assert_string_equal(g_c.fail_field, "title");
	assert_int_equal(save(NULL, "refuse", 0, "标题", "{{applicant_name"), E_INVALID);
	assert_non_null(strstr(g_c.fail_message, "缺少对应的"));
	char *long_body = malloc(3 * (NOTICE_BODY_MAX + 1) + 1);
	for (int i = 0; i <= NOTICE_BODY_MAX; i++)
		memcpy(long_body + 3 * i, "字", 3);
	long_body[3 * (NOTICE_BODY_MAX + 1)] = 0;
	assert_int_equal(save(NULL, "refuse", 0, "标题", long_body), E_INVALID);
	free(long_body);
	assert_int_equal(save(NULL, "invoice", 0, "标题", "正文"), E_NOT_FOUND);
	assert_int_equal(count("notice_templates"), 0);
}

static void test_who_may_edit(void **state)
{
	(void)state;
	/* a unit admin: not the platform's templates, not another unit's items */
	assert_int_equal(save(&g_unit_admin, "accept", 0, "标题", "正文"), E_FORBIDDEN);
	assert_non_null(strstr(g_c.fail_message, "系统管理员"));
	assert_int_equal(save(&g_other_admin, "accept", ITEM, "标题", "正文"), E_FORBIDDEN);
	assert_int_equal(save(&g_unit_admin, "accept", 99, "标题", "正文"), E_NOT_FOUND);
	assert_int_equal(count("notice_templates"), 0);
}

/* A body longer than a page continues on the next, nothing lost. */
static void test_long_body_flows_onto_more_pages(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(64 * 1024);
	buf_addstr(&b, "{{applicant_name}}：");
	for (int i = 1; i <= 40; i++)
		buf_addf(&b, "\n第%d段：本段文字用于检验分页，内容较长时应当自动续排到下一页。", i);
	assert_int_equal(save(NULL, "accept", 0, "受理通知书", b.buf), E_OK);
	buf_release(&b);
	json_t *c = a_case("accepted");
	const char *path = case_notice(c, "accept");
	json_decref(c);
	char *pages = run("pdfinfo %s | grep -c '^Pages: *[2-9]'%s", path, "");
	assert_string_equal(pages, "1\n");
	free(pages);
	char *t = pdf_text(path);
	assert_has(t, "第1段");
	assert_has(t, "第40段");
	assert_has(t, "申请人（签收）");
	free(t);
}

/* Many server threads render at once. */
static void *render_some(void *arg)
{
	const struct notice_doc *d = arg;
	struct arena a = ARENA_INIT;
	const char *pdf;
	size_t len;
	intptr_t bad = 0;
	for (int i = 0; i < 5; i++)
		bad += notice_pdf(d, &a, &pdf, &len) != E_OK || memcmp(pdf, "%PDF-", 5);
	arena_release(&a);
	return (void *)bad;
}

static void test_threads(void **state)
{
	(void)state;
	static const struct notice_para paras[] = {{NOTICE_TEXT, "并发生成通知书。"}};
	const struct notice_doc d = {.header = "中心",
				     .title = "受理通知书",
				     .no = NO,
				     .qr = URL,
				     .paras = paras,
				     .nparas = 1};
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, render_some, (void *)&d), 0);
	for (int i = 0; i < 4; i++) {
		void *bad;
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

#define NOTICE_TESTS                                                                               \
	cmocka_unit_test_setup_teardown(test_every_kind_reads_right, setup, close_db),             \
	    cmocka_unit_test_setup_teardown(test_barcode_and_qr_decode, setup, close_db),          \
	    cmocka_unit_test_setup_teardown(test_kind_needs_its_state, setup, close_db),           \
	    cmocka_unit_test_setup_teardown(test_consultation_notice, setup, close_db),            \
	    cmocka_unit_test_setup_teardown(test_templates_override_and_revert, setup, close_db),  \
	    cmocka_unit_test_setup_teardown(test_unknown_placeholders_and_limits_refused, setup,   \
					    close_db),                                             \
	    cmocka_unit_test_setup_teardown(test_who_may_edit, setup, close_db),                   \
	    cmocka_unit_test_setup_teardown(test_long_body_flows_onto_more_pages, setup,           \
					    close_db),                                             \
	    cmocka_unit_test_setup_teardown(test_threads, setup, close_db)

int main(void)
{
	const struct CMUnitTest tests[] = {NOTICE_TESTS};
	int failed;

	if (testdb_init() < 0)
		return 1;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/shenpi-notice-XXXXXX");
	if (!mkdtemp(g_tmp))
		return 1;
	failed = testdb_run("notice", tests, sizeof(tests) / sizeof(tests[0]));
	notice_shutdown();
	free(run("rm -rf %s%s", g_tmp, ""));
	return failed ? 1 : 0;
}
