/*
 * test_attach.c - the files of cases (domain/attach.h): types judged by content, names
 * made safe, and the store on SQLite (files next to the database) and PostgreSQL
 * (attachment_data): uploads that arrive intact and are stored once, refusals that leave
 * nothing behind, deletion only before the decision, access, and `verify` finding a missing
 * or corrupt file.
 */
#define _GNU_SOURCE /* nftw */
#include "testdb.h" /* cmocka, g_c and the rest of the per-test database */

#include <ftw.h>
#include <string.h>
#include <sys/stat.h>

#include "domain/attach.h"
#include "domain/case.h"

static const struct actor g_clerk = TEST_ACTOR(1, "wang", "王窗口", ROLE_CLERK, 1, 1);
/* a clerk of another center */
static const struct actor g_other = TEST_ACTOR(2, "zhao", "赵窗口", ROLE_CLERK, 2, 2);

static const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
static const char elf[] = "\x7F"
			  "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";

/* ---- content types and names (no database) ---- */

/* a string literal and its length, NULs included */
#define B(lit) lit, sizeof(lit) - 1

static void test_sniff(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *mime; /* NULL: refused */
	} cases[] = {
	    {pdf, sizeof(pdf) - 1, "application/pdf"},
	    {B("\xFF\xD8\xFF\xE0\0\x10JFIF"), "image/jpeg"},
	    {B("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"), "image/png"},
	    {B("GIF89a\x01\0\x01\0"), "image/gif"},
	    {B("II*\0\x08\0\0\0"), "image/tiff"},
	    {B("MM\0*\0\0\0\x08"), "image/tiff"},
	    {B("BM\x46\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"), "image/bmp"},
	    {B("BMP is a format\n"), "text/plain"}, /* text, not a bitmap */
	    {B("PK\x03\x04....[Content_Types].xml....word/document.xml"),
	     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	    {B("PK\x03\x04....[Content_Types].xml....xl/workbook.xml"),
	     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	    {B("PK\x03\x04....[Content_Types].xml....ppt/presentation.xml"),
	     "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	    {B("PK\x03\x04....OFD.xml....Doc_0/Document.xml"), "application/ofd"},
	    {B("PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\0\0"
	       "mimetypeapplication/vnd.oasis.opendocument.text"),
	     "application/vnd.oasis.opendocument.text"},
	    {B("\xEF\xBB\xBF申请说明\r\n\t第二行\n"), "text/plain"},
	    {B("plain text"), "text/plain"},
	    /* refused */
	    {elf, sizeof(elf) - 1, NULL},
	    {B("MZ\x90\0\x03\0\0\0"), NULL},
	    {B("MZ is plain text"), NULL},
	    {B("#!/bin/sh\nrm -rf /\n"), NULL},
	    {B("\xCA\xFE\xBA\xBE\0\0\0\x34"), NULL},   /* Java class */
	    {B("\xCF\xFA\xED\xFE\x07\0\0\x01"), NULL}, /* Mach-O */
	    {B("PK\x03\x04....payload.exe"), NULL},    /* any other ZIP */
	    {B("PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\0\0"
	       "mimetypeapplication/vnd.oasis.opendocument.graphics"),
	     NULL},
	    {B("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), NULL}, /* OLE (.doc, may carry macros) */
	    {B("text with a \0 NUL"), NULL},
	    {B("\xC0\xAF overlong"), NULL},
	    {B("\xED\xA0\x80 surrogate"), NULL},
	    {B("bell \x07"), NULL},
	    {B(""), NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *m = attach_sniff(cases[i].bytes, cases[i].len);
		if (cases[i].mime ? !m || strcmp(m, cases[i].mime) : m != NULL)
			fail_msg("case %zu: %s, want %s", i, m ? m : "refused",
				 cases[i].mime ? cases[i].mime : "refused");
	}
}

static void test_clean_name(void **state)
{
	static const char *const cases[][2] = {
	    {"../../etc/passwd.pdf", "passwd.pdf"},
	    {"C:\\Users\\张三\\营业执照.pdf", "营业执照.pdf"},
	    {"..", "未命名"},
	    {"", "未命名"},
	    {"/", "未命名"},
	    {".hidden.pdf", "hidden.pdf"},
	    {" . 申请书 .pdf. ", "申请书 .pdf"},
	    {"a\r\nb\t<c>:\"d\"|e?*.pdf", "abcde.pdf"},
	    {"bad\xFF\xFEutf8.pdf", "badutf8.pdf"},
	    {"c1\xC2\x85"
	     "control.pdf",
	     "c1control.pdf"},
	    {"身份证（正反面）.jpg", "身份证（正反面）.jpg"},
	    /* a right-to-left override would show "发票\u202Efdp.txt" as "发票txt.pdf" */
	    {"发票\xE2\x80\xAE"
	     "fdp.txt",
	     "发票fdp.txt"},
	    {"a\xE2\x80\x8B\xE2\x80\x8F"
	     "b\xE2\x81\xA6"
	     "c\xE2\x81\xA9\xEF\xBB\xBF.pdf",
	     "abc.pdf"},
	};
	struct arena a = ARENA_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(attach_clean_name(&a, cases[i][0]), cases[i][1]);
	assert_string_equal(attach_clean_name(&a, NULL), "未命名");

	/* 150 Chinese characters and an extension: cut to 100 characters, extension kept */
	char longname[150 * 3 + 5] = "";
	for (int i = 0; i < 150; i++)
		strcat(longname, "材");
	strcat(longname, ".pdf");
	const char *s = attach_clean_name(&a, longname);
	assert_int_equal(strlen(s), 96 * 3 + 4);
	assert_string_equal(s + 96 * 3, ".pdf");

	/* exactly 100 characters once the trailing dots and spaces are gone: kept whole */
	char fits[200] = "";
	for (int i = 0; i < 96; i++)
		strcat(fits, "a");
	strcat(fits, ".pdf . . . .  ");
	s = attach_clean_name(&a, fits);
	assert_int_equal(strlen(s), 100);
	assert_string_equal(s + 96, ".pdf");
	arena_release(&a);
}

/* ---- the store ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The file store of this test's SQLite database. */
static const char *store_dir(void)
{
	static char dir[128];
	snprintf(dir, sizeof(dir), "%s/files", g_dir);
	return dir;
}

static int teardown(void **state)
{
	nftw(store_dir(), rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return close_db(state);
}

/* Files in the store (0 on PostgreSQL: the bytes are in attachment_data). */
static int store_count_;
static int count_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	store_count_ += flag == FTW_F && S_ISREG(st->st_mode);
	return 0;
}
static int stored_files(void)
{
	store_count_ = 0;
	nftw(store_dir(), count_entry, 8, FTW_PHYS);
	return store_count_;
}

static const char *g_no; /* the case of each test, applied for by g_clerk */

static int setup(void **state)
{
	if (fresh_db(state) < 0)
		return -1;
	int rc = db_script(
	    g_c.db,
	    "INSERT INTO regions (code, name, parent, level) VALUES ('510000', '四川省', NULL, 1);"
	    "INSERT INTO centers (region_code, name, created_at) VALUES ('510000', '省中心', 0),"
	    " ('510000', '另一中心', 0);"
	    "INSERT INTO units (center_id, code, name, created_at) VALUES (1, 'scj', '市场监管局', "
	    "0),"
	    " (2, 'scj', '市场监管局', 0);"
	    "INSERT INTO users (username, name, password_hash, roles, center_id, unit_id, "
	    "created_at)"
	    " VALUES ('wang', '王窗口', 'x', 1, 1, 1, 0), ('zhao', '赵窗口', 'x', 1, 2, 2, 0);"
	    "INSERT INTO items (center_id, unit_id, code, name, kind, statutory_days, "
	    "promised_days,"
	    " created_at, updated_at) VALUES (1, 1, 'SCJ-001', '食品经营许可', 'immediate', 0, 0, "
	    "0, 0);"
	    "INSERT INTO item_materials (item_id, seq, name, form, copies, required)"
	    " VALUES (1, 1, '申请书', 'original', 1, 1);");
	if (rc != DB_OK)
		fail_msg("%s: %s", g_kind, db_errmsg(g_c.db));
	json_t *in = json_pack("{s:i,s:{s:s,s:s,s:s,s:s},s:[{s:i,s:b}]}", "item_id", 1, "applicant",
			       "kind", "person", "name", "张三", "id_no", "11010519491231002X",
			       "phone", "13800000000", "materials", "id", 1, "present", 1);
	g_c.actor = &g_clerk;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	struct case_brief b;
	assert_int_equal(case_apply(&g_c, in, &b), E_OK);
	g_no = b.no;
	assert_int_equal(db_commit(g_c.db), DB_OK);
	json_decref(in);
	return 0;
}

/* Upload to the case's first material as who, in a write transaction kept only on success. */
static int upload(const struct actor *who, const char *name, const void *data, size_t len,
		  json_t **out)
{
	g_c.actor = who;
	clear_fail();
	*out = NULL;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	int rc = attach_add_material(&g_c, g_no, 1, name, data, len, out);
	if (rc == E_OK)
		assert_int_equal(db_commit(g_c.db), DB_OK);
	else
		db_rollback(g_c.db);
	return rc;
}

static int get(const struct actor *who, int64_t id, struct attach_file *f)
{
	g_c.actor = who;
	clear_fail();
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	int rc = attach_get(&g_c, id, f);
	db_rollback(g_c.db);
	return rc;
}

static int del(const struct actor *who, int64_t id)
{
	g_c.actor = who;
	clear_fail();
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	int rc = attach_delete(&g_c, id);
	if (rc == E_OK)
		assert_int_equal(db_commit(g_c.db), DB_OK);
	else
		db_rollback(g_c.db);
	return rc;
}

static int verify(const char **bad)
{
	int64_t n;
	const char *why;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	int rc = attach_verify(&g_c, &n, bad, &why);
	db_rollback(g_c.db);
	return rc;
}

static int sqlite(void)
{
	return !strcmp(g_kind, "sqlite");
}

static void test_upload_download(void **state)
{
	json_t *f = NULL, *g = NULL;
	struct attach_file file;
	const char *bad;

	(void)state;
	assert_int_equal(upload(&g_clerk, "../../etc/passwd.pdf", pdf, sizeof(pdf) - 1, &f), E_OK);
	assert_string_equal(json_string_value(json_object_get(f, "name")), "passwd.pdf");
	assert_string_equal(json_string_value(json_object_get(f, "mime")), "application/pdf");
	assert_int_equal(json_integer_value(json_object_get(f, "size")), sizeof(pdf) - 1);
	int64_t id = json_integer_value(json_object_get(f, "id"));
	const char *sha = json_string_value(json_object_get(f, "sha256"));
	char want[TOKEN_HEX];
	token_sha256(pdf, sizeof(pdf) - 1, want);
	assert_string_equal(sha, want);

	/* the bytes come back as they went in, with the name */
	assert_int_equal(get(&g_clerk, id, &file), E_OK);
	assert_int_equal(file.len, sizeof(pdf) - 1);
	assert_memory_equal(file.data, pdf, sizeof(pdf) - 1);
	assert_string_equal(file.name, "passwd.pdf");
	assert_string_equal(file.mime, "application/pdf");

	/* where the bytes live */
	if (sqlite()) {
		char path[256];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%.2s/%s", store_dir(), sha, sha + 2);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, sizeof(pdf) - 1);
		assert_int_equal(stored_files(), 1);
	} else {
		assert_int_equal(count("attachment_data"), 1);
	}

	/* the same content again, under a name without extension: stored once, named by type */
	assert_int_equal(upload(&g_clerk, "扫描件", pdf, sizeof(pdf) - 1, &g), E_OK);
	assert_string_equal(json_string_value(json_object_get(g, "name")), "扫描件.pdf");
	assert_int_equal(count("case_files"), 2);
	assert_int_equal(count("attachments"), 1);
	assert_int_equal(sqlite() ? stored_files() : count("attachment_data"), 1);
	assert_int_equal(count("events WHERE type = 'file.upload'"), 2);
	assert_int_equal(verify(&bad), E_OK);
	json_decref(f);
	json_decref(g);
}

static void test_refusals_leave_nothing(void **state)
{
	json_t *f = NULL;
	size_t big = ATTACH_MAX + 1;
	char *mb = malloc(big);

	(void)state;
	assert_non_null(mb);
	memset(mb, 'a', big); /* text, one byte too many */
	assert_int_equal(upload(&g_clerk, "a.txt", mb, big, &f), E_MATERIAL_TOO_LARGE);
	assert_string_equal(err_code(E_MATERIAL_TOO_LARGE), "material_too_large");
	assert_string_equal(err_message(E_MATERIAL_TOO_LARGE), "附件不能超过3M");
	assert_int_equal(upload(&g_clerk, "a.txt", mb, ATTACH_MAX, &f), E_OK); /* exactly 3 MB */
	json_decref(f);
	assert_int_equal(del(&g_clerk, 1), E_OK);
	free(mb);
	int64_t files = count("case_files"), blobs = count("attachments");
	int stored = sqlite() ? stored_files() : (int)count("attachment_data");

	assert_int_equal(upload(&g_clerk, "invoice.pdf", elf, sizeof(elf) - 1, &f), E_FILE_TYPE);
	assert_int_equal(upload(&g_clerk, "a.pdf", "plain text", 10, &f), E_FILE_TYPE);
	assert_non_null(strstr(g_c.fail_message, "扩展名"));
	assert_int_equal(upload(&g_clerk, "a.exe", pdf, sizeof(pdf) - 1, &f), E_FILE_TYPE);
	assert_int_equal(upload(&g_clerk, "a.pdf", "", 0, &f), E_INVALID);
	/* another center's clerk does not see the case */
	assert_int_equal(upload(&g_other, "a.pdf", pdf, sizeof(pdf) - 1, &f), E_NOT_FOUND);
	/* a material of no case of theirs */
	g_c.actor = &g_clerk;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	assert_int_equal(attach_add_material(&g_c, g_no, 999, "a.pdf", pdf, sizeof(pdf) - 1, &f),
			 E_NOT_FOUND);
	db_rollback(g_c.db);
	assert_null(f);

	assert_int_equal(count("case_files"), files);
	assert_int_equal(count("attachments"), blobs);
	assert_int_equal(sqlite() ? stored_files() : (int)count("attachment_data"), stored);
	assert_int_equal(count("events WHERE type = 'file.upload'"), 1);
}

static void test_access_and_delete(void **state)
{
	json_t *f = NULL;
	struct attach_file file;

	(void)state;
	assert_int_equal(upload(&g_clerk, "a.pdf", pdf, sizeof(pdf) - 1, &f), E_OK);
	int64_t id = json_integer_value(json_object_get(f, "id"));
	json_decref(f);
	assert_int_equal(get(&g_other, id, &file), E_NOT_FOUND);
	assert_int_equal(get(&g_clerk, id + 1, &file), E_NOT_FOUND);
	assert_int_equal(del(&g_other, id), E_NOT_FOUND);

	/* deleted before the decision: gone for readers, the content stays for the record */
	assert_int_equal(del(&g_clerk, id), E_OK);
	assert_int_equal(get(&g_clerk, id, &file), E_NOT_FOUND);
	assert_int_equal(count("case_files"), 0);
	assert_int_equal(count("attachments"), 1);
	assert_int_equal(count("events WHERE type = 'file.delete'"), 1);

	/* after acceptance files stay */
	assert_int_equal(upload(&g_clerk, "b.pdf", pdf, sizeof(pdf) - 1, &f), E_OK);
	id = json_integer_value(json_object_get(f, "id"));
	json_decref(f);
	g_c.actor = &g_clerk;
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	json_t *in = json_object();
	struct case_brief b;
	assert_int_equal(case_act(&g_c, g_no, "accept", in, &b), E_OK);
	assert_int_equal(db_commit(g_c.db), DB_OK);
	json_decref(in);
	assert_int_equal(del(&g_clerk, id), E_STATE);
	assert_int_equal(count("case_files"), 1);

	/* a signed notice of a kind that exists, and one that does not */
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	assert_int_equal(attach_add_signed(&g_c, g_no, "accept", "回执.jpg",
					   "\xFF\xD8\xFF\xE0\0\x10JFIF", 10, &f),
			 E_OK);
	assert_string_equal(json_string_value(json_object_get(f, "mime")), "image/jpeg");
	json_decref(f);
	f = NULL;
	assert_int_equal(attach_add_signed(&g_c, g_no, "nonsense", "回执.jpg",
					   "\xFF\xD8\xFF\xE0\0\x10JFIF", 10, &f),
			 E_NOT_FOUND);
	assert_int_equal(db_commit(g_c.db), DB_OK);
	assert_int_equal(count("case_files WHERE notice_kind = 'accept'"), 1);
}

static void test_verify_finds_damage(void **state)
{
	json_t *f = NULL;
	const char *bad;

	(void)state;
	assert_int_equal(upload(&g_clerk, "a.pdf", pdf, sizeof(pdf) - 1, &f), E_OK);
	char sha[TOKEN_HEX];
	snprintf(sha, sizeof(sha), "%s", json_string_value(json_object_get(f, "sha256")));
	json_decref(f);
	assert_int_equal(verify(&bad), E_OK);

	/* same size, other bytes */
	char damaged[sizeof(pdf)];
	memcpy(damaged, pdf, sizeof(pdf));
	damaged[3] = 'X';
	if (sqlite()) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%.2s/%s", store_dir(), sha, sha + 2);
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		fwrite(damaged, 1, sizeof(pdf) - 1, fp);
		fclose(fp);
	} else {
		struct db_val p[] = {DBB(damaged, sizeof(pdf) - 1), DBT(sha)};
		assert_int_equal(db_exec(g_c.db,
					 "UPDATE attachment_data SET data = ? WHERE sha256 = ?", p,
					 2, NULL),
				 DB_OK);
	}
	assert_int_equal(verify(&bad), E_INTERNAL);
	assert_string_equal(bad, sha);

	/* missing */
	if (sqlite()) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%.2s/%s", store_dir(), sha, sha + 2);
		assert_int_equal(unlink(path), 0);
	} else {
		struct db_val p[] = {DBT(sha)};
		assert_int_equal(
		    db_exec(g_c.db, "DELETE FROM attachment_data WHERE sha256 = ?", p, 1, NULL),
		    DB_OK);
	}
	assert_int_equal(verify(&bad), E_INTERNAL);
	assert_string_equal(bad, sha);
	/* and the download says so instead of sending something else */
	struct attach_file file;
	assert_int_equal(get(&g_clerk, 1, &file), E_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_clean_name),
	};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_upload_download, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals_leave_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_access_and_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verify_finds_damage, setup, teardown),
	};
	if (testdb_init() < 0)
		return 1;
	int failed = cmocka_run_group_tests_name("attach", pure, NULL, NULL);
	failed += testdb_run("attach", tests, sizeof(tests) / sizeof(tests[0]));
	return failed ? 1 : 0;
}
