/*
 * test_db.c - the storage interface (db.h), the same tests on both backends.
 *
 * Every test runs against SQLite (a file in a temporary directory) and, when the environment
 * variable SHENPI_TEST_PG_URL names a scratch PostgreSQL database, against PostgreSQL too.
 * Tests use db.h only, with SQL that both backends accept, on tables named ut_* that each
 * test drops and creates again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"

#define POOL_SIZE	  4
#define WRITERS		  4
#define WRITES_PER_THREAD 200

static struct db *g_db;	   /* the pool under test */
static const char *g_kind; /* "sqlite" or "postgresql" */
static char g_dir[64];	   /* SQLite's temporary directory */

static const char schema[] = "DROP TABLE IF EXISTS ut_copy;"
			     "DROP TABLE IF EXISTS ut_child;"
			     "DROP TABLE IF EXISTS ut_parent;"
			     "DROP TABLE IF EXISTS ut_kv;"
			     "DROP TABLE IF EXISTS ut_counter;"
			     "DROP TABLE IF EXISTS ut_seq;"
			     "CREATE TABLE ut_kv (k TEXT PRIMARY KEY, i BIGINT, s TEXT);"
			     "CREATE TABLE ut_parent (id BIGINT PRIMARY KEY, name TEXT NOT NULL);"
			     "CREATE TABLE ut_child (id BIGINT PRIMARY KEY,"
			     " parent_id BIGINT NOT NULL REFERENCES ut_parent (id));"
			     "CREATE TABLE ut_counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);"
			     "CREATE TABLE ut_seq (no BIGINT PRIMARY KEY, thread INTEGER NOT NULL);"
			     "CREATE INDEX ut_seq_thread ON ut_seq (thread);";

static const char drop_all[] = "DROP TABLE IF EXISTS ut_copy;"
			       "DROP TABLE IF EXISTS ut_child;"
			       "DROP TABLE IF EXISTS ut_parent;"
			       "DROP TABLE IF EXISTS ut_kv;"
			       "DROP TABLE IF EXISTS ut_counter;"
			       "DROP TABLE IF EXISTS ut_seq;";

/* Run a statement, failing the test with the backend's message when it fails. */
static void exec_ok(struct dbc *c, const char *sql, const struct db_val *p, int n)
{
	int rc = db_exec(c, sql, p, n, NULL);

	if (rc != DB_OK)
		fail_msg("%s: %s -> %d (%s)", g_kind, sql, rc, db_errmsg(c));
}

static void insert_kv(struct dbc *c, const char *k, struct db_val i, struct db_val s)
{
	struct db_val p[] = {DBT(k), i, s};

	exec_ok(c, "INSERT INTO ut_kv (k, i, s) VALUES (?, ?, ?)", p, 3);
}

/* The integer in the first column of the only row of a query. */
static int64_t query_int(struct dbc *c, const char *sql, const struct db_val *p, int n)
{
	struct db_res *r;
	int64_t v;
	int rc = db_query(c, &r, sql, p, n);

	if (rc != DB_OK)
		fail_msg("%s: %s -> %d (%s)", g_kind, sql, rc, db_errmsg(c));
	assert_int_equal(db_next(r), 1);
	v = db_int(r, 0);
	assert_int_equal(db_next(r), 0);
	db_res_free(r);
	return v;
}

static int64_t count_kv(struct dbc *c)
{
	return query_int(c, "SELECT COUNT(*) FROM ut_kv", NULL, 0);
}

/* Per test: fresh tables. */
static int reset_tables(void **state)
{
	struct dbc *c = db_acquire(g_db);
	int rc = db_script(c, schema);

	(void)state;
	if (rc != DB_OK)
		fprintf(stderr, "%s: schema: %s\n", g_kind, db_errmsg(c));
	db_release(c);
	return rc == DB_OK ? 0 : -1;
}

static void test_kind(void **state)
{
	(void)state;
	assert_string_equal(db_kind(g_db), g_kind);
	/* the database file: where SQLite keeps attachments beside it; none on PostgreSQL */
	struct dbc *c = db_acquire(g_db);
	const char *file = db_file(c);
	if (!strcmp(g_kind, "sqlite")) {
		assert_non_null(file);
		assert_true(file[0] == '/' && strstr(file, g_dir) == file);
	} else {
		assert_null(file);
	}
	db_release(c);
}

static void test_exec_query_changes(void **state)
{
	struct dbc *c = db_acquire(g_db);
	struct db_res *r;
	int64_t changes = -1;
	struct db_val one[] = {DBT("a"), DBI(1), DBT("x")};
	struct db_val gt[] = {DBT("upd"), DBI(1)};
	struct db_val none[] = {DBT("zzz")};

	(void)state;
	assert_int_equal(
		db_exec(c, "INSERT INTO ut_kv (k, i, s) VALUES (?, ?, ?)", one, 3, &changes),
		DB_OK);
	assert_int_equal(changes, 1);
	insert_kv(c, "b", DBI(2), DBT("y"));
	insert_kv(c, "c", DBI(3), DBT("z"));

	assert_int_equal(db_exec(c, "UPDATE ut_kv SET s = ? WHERE i > ?", gt, 2, &changes), DB_OK);
	assert_int_equal(changes, 2);
	assert_int_equal(db_exec(c, "DELETE FROM ut_kv WHERE k = ?", none, 1, &changes), DB_OK);
	assert_int_equal(changes, 0);

	assert_int_equal(db_query(c, &r, "SELECT k, i, s FROM ut_kv ORDER BY k", NULL, 0), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_string_equal(db_text(r, 0), "a");
	assert_int_equal(db_int(r, 1), 1);
	assert_string_equal(db_text(r, 2), "x");
	assert_int_equal(db_next(r), 1);
	assert_string_equal(db_text(r, 0), "b");
	assert_string_equal(db_text(r, 2), "upd");
	assert_int_equal(db_next(r), 1);
	assert_string_equal(db_text(r, 0), "c");
	assert_int_equal(db_int(r, 1), 3);
	assert_int_equal(db_next(r), 0);
	db_res_free(r);

	/* a query without rows */
	assert_int_equal(db_query(c, &r, "SELECT k FROM ut_kv WHERE k = ?", none, 1), DB_OK);
	assert_int_equal(db_next(r), 0);
	db_res_free(r);
	db_release(c);
}

static void test_null_roundtrip(void **state)
{
	struct dbc *c = db_acquire(g_db);
	struct db_res *r;
	struct db_val k[] = {DBT("n1")};

	(void)state;
	insert_kv(c, "n1", DBN, DBT(NULL));
	insert_kv(c, "n2", DBI(0), DBT(""));

	assert_int_equal(db_query(c, &r, "SELECT i, s FROM ut_kv WHERE k = ?", k, 1), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_true(db_isnull(r, 0));
	assert_true(db_isnull(r, 1));
	assert_int_equal(db_int(r, 0), 0);
	assert_string_equal(db_text(r, 1), "");
	db_res_free(r);

	k[0] = DBT("n2");
	assert_int_equal(db_query(c, &r, "SELECT i, s FROM ut_kv WHERE k = ?", k, 1), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_false(db_isnull(r, 0)); /* zero is a value */
	assert_false(db_isnull(r, 1)); /* so is the empty string */
	assert_string_equal(db_text(r, 1), "");
	db_res_free(r);

	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_kv WHERE s IS NULL", NULL, 0), 1);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_kv WHERE i IS NULL", NULL, 0), 1);
	db_release(c);
}

static void test_big_integers(void **state)
{
	static const int64_t vals[] = {0,
				       -1,
				       2147483647LL,
				       2147483648LL,
				       -2147483649LL,
				       4102444800LL, /* 2100-01-01 in Unix seconds */
				       1LL << 40,
				       INT64_MAX,
				       INT64_MIN};
	struct dbc *c = db_acquire(g_db);
	char key[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		snprintf(key, sizeof(key), "v%zu", i);
		insert_kv(c, key, DBI(vals[i]), DBN);
	}
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct db_val k[] = {DBT(key)};

		snprintf(key, sizeof(key), "v%zu", i);
		assert_int_equal(query_int(c, "SELECT i FROM ut_kv WHERE k = ?", k, 1), vals[i]);
	}
	{
		struct db_val p[] = {DBI(2147483648LL)};
		struct db_val k[] = {DBT("v6")};

		/* compared and computed in SQL, not only stored */
		assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_kv WHERE i >= ?", p, 1), 4);
		assert_int_equal(query_int(c, "SELECT i + 1 FROM ut_kv WHERE k = ?", k, 1),
				 (1LL << 40) + 1);
	}
	db_release(c);
}

static void test_utf8_chinese(void **state)
{
	static const struct {
		const char *k, *s;
		int chars;
	} rows[] = {
		{"cn1", "四川省成都市政务服务中心", 12},
		{"cn2", "行政审批电子监察系统：一次性告知通知书", 19},
		{"cn3", "𠀀𪚥 生僻字 🙂", 8}, /* outside the Basic Multilingual Plane */
	};
	struct dbc *c = db_acquire(g_db);
	struct db_res *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		insert_kv(c, rows[i].k, DBI((int64_t)i), DBT(rows[i].s));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct db_val k[] = {DBT(rows[i].k)};

		assert_int_equal(
			db_query(c, &r, "SELECT s, length(s) FROM ut_kv WHERE k = ?", k, 1), DB_OK);
		assert_int_equal(db_next(r), 1);
		assert_string_equal(db_text(r, 0), rows[i].s);
		assert_int_equal(db_int(r, 1), rows[i].chars); /* characters, not bytes */
		db_res_free(r);
	}
	{
		struct db_val like[] = {DBT("%政务服务%")};
		struct db_val eq[] = {DBT("四川省成都市政务服务中心")};

		assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_kv WHERE s LIKE ?", like, 1),
				 1);
		assert_int_equal(query_int(c, "SELECT i FROM ut_kv WHERE s = ?", eq, 1), 0);
	}
	db_release(c);
}

static void test_placeholder_in_literal(void **state)
{
	struct dbc *c = db_acquire(g_db);
	struct db_res *r;
	struct db_val p[] = {DBT("x"), DBI(7)};
	struct db_val one[] = {DBI(5)};
	struct db_val k[] = {DBT("q?")};

	(void)state;
	assert_int_equal(
		db_query(c, &r, "SELECT '?', ?, 'it''s ?', ? /* why? */ -- really?\n", p, 2),
		DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_string_equal(db_text(r, 0), "?");
	assert_string_equal(db_text(r, 1), "x");
	assert_string_equal(db_text(r, 2), "it's ?");
	assert_int_equal(db_int(r, 3), 7);
	db_res_free(r);

	exec_ok(c, "INSERT INTO ut_kv (k, i, s) VALUES ('q?', ?, 'what?')", one, 1);
	assert_int_equal(db_query(c, &r, "SELECT i, s FROM ut_kv WHERE k = ?", k, 1), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_int_equal(db_int(r, 0), 5);
	assert_string_equal(db_text(r, 1), "what?");
	db_res_free(r);
	db_release(c);
}

static void test_rollback_leaves_nothing(void **state)
{
	struct dbc *c1 = db_acquire(g_db), *c2 = db_acquire(g_db);

	(void)state;
	assert_int_equal(db_begin_write(c1), DB_OK);
	insert_kv(c1, "t1", DBI(1), DBT("a"));
	insert_kv(c1, "t2", DBI(2), DBT("b"));
	assert_int_equal(count_kv(c1), 2); /* a transaction sees its own writes */
	assert_int_equal(count_kv(c2), 0); /* nobody else does */
	db_rollback(c1);
	assert_int_equal(count_kv(c1), 0);
	assert_int_equal(count_kv(c2), 0);

	assert_int_equal(db_begin_write(c1), DB_OK);
	insert_kv(c1, "t3", DBI(3), DBT("c"));
	assert_int_equal(db_commit(c1), DB_OK);
	assert_int_equal(count_kv(c2), 1);

	/* a failed statement inside a transaction: roll back, the connection goes on working */
	assert_int_equal(db_begin_write(c1), DB_OK);
	insert_kv(c1, "t4", DBI(4), DBT("d"));
	{
		struct db_val p[] = {DBT("t3"), DBI(0), DBN};

		assert_int_equal(
			db_exec(c1, "INSERT INTO ut_kv (k, i, s) VALUES (?, ?, ?)", p, 3, NULL),
			DB_UNIQUE);
	}
	db_rollback(c1);
	assert_int_equal(count_kv(c1), 1);

	/* releasing a connection with a transaction open rolls it back */
	assert_int_equal(db_begin_write(c1), DB_OK);
	insert_kv(c1, "t5", DBI(5), DBT("e"));
	db_release(c1);
	c1 = db_acquire(g_db);
	assert_int_equal(count_kv(c1), 1);
	assert_int_equal(count_kv(c2), 1);
	assert_int_equal(db_begin_write(c1), DB_OK);
	assert_int_equal(db_commit(c1), DB_OK);

	/* a script inside a transaction that is rolled back leaves nothing either */
	assert_int_equal(db_begin_write(c1), DB_OK);
	assert_int_equal(db_script(c1, "INSERT INTO ut_kv (k, i) VALUES ('s1', 1);"
				       "INSERT INTO ut_kv (k, i) VALUES ('s2', 2);"),
			 DB_OK);
	db_rollback(c1);
	assert_int_equal(count_kv(c1), 1);
	db_release(c1);
	db_release(c2);
}

/* A read transaction sees one state of the database throughout, as a report needs. */
static void test_read_snapshot(void **state)
{
	struct dbc *c1 = db_acquire(g_db), *c2 = db_acquire(g_db);

	(void)state;
	insert_kv(c2, "r1", DBI(1), DBN);
	assert_int_equal(db_begin_read(c1), DB_OK);
	assert_int_equal(count_kv(c1), 1);
	insert_kv(c2, "r2", DBI(2), DBN); /* a writer is not blocked by the reader */
	assert_int_equal(count_kv(c1), 1);
	assert_int_equal(db_commit(c1), DB_OK);
	assert_int_equal(count_kv(c1), 2);
	db_release(c1);
	db_release(c2);
}

static void test_constraint_errors(void **state)
{
	struct dbc *c = db_acquire(g_db);
	struct db_val dup[] = {DBT("dup"), DBI(1), DBN};
	struct db_val orphan[] = {DBI(1), DBI(99)};
	struct db_val parent[] = {DBI(1), DBT("中心")};
	struct db_val child[] = {DBI(1), DBI(1)};
	struct db_val pid[] = {DBI(1)};

	(void)state;
	insert_kv(c, "dup", DBI(0), DBN);
	assert_int_equal(db_exec(c, "INSERT INTO ut_kv (k, i, s) VALUES (?, ?, ?)", dup, 3, NULL),
			 DB_UNIQUE);
	assert_true(db_errmsg(c)[0] != '\0');

	assert_int_equal(
		db_exec(c, "INSERT INTO ut_child (id, parent_id) VALUES (?, ?)", orphan, 2, NULL),
		DB_FOREIGN);
	exec_ok(c, "INSERT INTO ut_parent (id, name) VALUES (?, ?)", parent, 2);
	exec_ok(c, "INSERT INTO ut_child (id, parent_id) VALUES (?, ?)", child, 2);
	assert_int_equal(db_exec(c, "DELETE FROM ut_parent WHERE id = ?", pid, 1, NULL),
			 DB_FOREIGN);

	assert_int_equal(db_exec(c, "INSERT INTO ut_nosuch VALUES (1)", NULL, 0, NULL), DB_ERROR);
	assert_true(db_errmsg(c)[0] != '\0');
	assert_int_equal(db_exec(c, "SELEKT 1", NULL, 0, NULL), DB_ERROR);

	/* errors outside a transaction leave the connection usable and the data intact */
	assert_int_equal(count_kv(c), 1);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_child", NULL, 0), 1);
	db_release(c);
}

static void test_script(void **state)
{
	struct dbc *c = db_acquire(g_db);
	struct db_val k[] = {DBT("s1")};
	struct db_res *r;

	(void)state;
	assert_int_equal(db_script(c, "INSERT INTO ut_kv (k, i, s) VALUES ('s1', 1, 'a;b');\n"
				      "-- a comment; with a semicolon\n"
				      "INSERT INTO ut_kv (k, i, s) VALUES ('s2', 2, '审批');\n"),
			 DB_OK);
	assert_int_equal(count_kv(c), 2);
	assert_int_equal(db_query(c, &r, "SELECT s FROM ut_kv WHERE k = ?", k, 1), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_string_equal(db_text(r, 0), "a;b");
	db_res_free(r);
	assert_int_equal(db_script(c, "SELEKT 1;"), DB_ERROR);
	db_release(c);
}

static void test_many_rows(void **state)
{
	struct dbc *c = db_acquire(g_db);
	struct db_res *r;
	int64_t i, n = 0, sum = 0;
	char key[16];
	int rc;

	(void)state;
	assert_int_equal(db_begin_write(c), DB_OK);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "m%04d", (int)i);
		insert_kv(c, key, DBI(i), DBT(key));
	}
	assert_int_equal(db_commit(c), DB_OK);
	assert_int_equal(db_query(c, &r, "SELECT k, i FROM ut_kv ORDER BY k", NULL, 0), DB_OK);
	while ((rc = db_next(r)) > 0) {
		snprintf(key, sizeof(key), "m%04d", (int)n);
		assert_string_equal(db_text(r, 0), key);
		sum += db_int(r, 1);
		n++;
	}
	assert_int_equal(rc, 0);
	db_res_free(r);
	assert_int_equal(n, 1000);
	assert_int_equal(sum, 999 * 1000 / 2);
	db_release(c);
}

/* SQL built at run time in a reused buffer must run as written, not as a statement cached
 * for the buffer's earlier contents. */
static void test_dynamic_sql(void **state)
{
	struct dbc *c = db_acquire(g_db);
	char sql[128];
	struct db_val one[] = {DBI(5)};
	struct db_val two[] = {DBI(5), DBI(15)};
	struct db_val many[40];
	int i;

	(void)state;
	insert_kv(c, "d1", DBI(10), DBN);
	insert_kv(c, "d2", DBI(30), DBN);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM ut_kv WHERE i > ?");
	assert_int_equal(query_int(c, sql, one, 1), 2);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM ut_kv WHERE i < ?");
	assert_int_equal(query_int(c, sql, one, 1), 0);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM ut_kv WHERE i BETWEEN ? AND ?");
	assert_int_equal(query_int(c, sql, two, 2), 1);

	/* more distinct statements than any cache holds */
	for (i = 0; i < 1500; i++) {
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) + %d FROM ut_kv WHERE i > ?", i);
		assert_int_equal(query_int(c, sql, one, 1), 2 + i);
	}

	/* a long parameter list */
	for (i = 0; i < 40; i++)
		many[i] = DBI(i == 39 ? 30 : -i);
	assert_int_equal(query_int(c,
				   "SELECT COUNT(*) FROM ut_kv WHERE i IN (?, ?, ?, ?, ?, ?, ?, ?, "
				   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
				   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				   many, 40),
			 1);
	db_release(c);
}

/* Statements cached before a schema change still work after it (migrations run while
 * servers run). */
static void test_schema_change(void **state)
{
	struct dbc *c = db_acquire(g_db);
	static const char sql[] = "SELECT * FROM ut_kv WHERE k = ?";
	struct db_val k[] = {DBT("a")};
	struct db_res *r;

	(void)state;
	insert_kv(c, "a", DBI(1), DBT("x"));
	assert_int_equal(db_query(c, &r, sql, k, 1), DB_OK);
	assert_int_equal(db_next(r), 1);
	db_res_free(r);
	assert_int_equal(db_script(c, "ALTER TABLE ut_kv ADD COLUMN extra TEXT"), DB_OK);
	if (db_query(c, &r, sql, k, 1) != DB_OK)
		fail_msg("%s: after ALTER TABLE: %s", g_kind, db_errmsg(c));
	assert_int_equal(db_next(r), 1);
	assert_string_equal(db_text(r, 2), "x");
	assert_true(db_isnull(r, 3));
	db_res_free(r);
	db_release(c);
}

struct writer {
	int id;
	int failures;
	char err[256];
};

/* What one write transaction of a writer does. */
struct take {
	struct dbc *c;
	int thread;
	int refuse;    /* give up midway: a request refused after its writes */
	uint64_t seen; /* when refused: the commits made before it read */
};

/* Take the next number from a counter row and record it, the pattern of gapless case numbers;
 * -1 when refused (or failed). */
static int take_number(void *arg)
{
	struct take *t = arg;
	struct db_res *r = NULL;
	int64_t no = 0;
	int rc = db_exec(t->c, "UPDATE ut_counter SET n = n + 1 WHERE id = 1", NULL, 0, NULL);

	if (rc == DB_OK)
		rc = db_query(t->c, &r, "SELECT n FROM ut_counter WHERE id = 1", NULL, 0);
	if (rc == DB_OK) {
		rc = db_next(r) == 1 ? DB_OK : DB_ERROR;
		no = rc == DB_OK ? db_int(r, 0) : 0;
		db_res_free(r);
	}
	if (rc == DB_OK) {
		struct db_val p[] = {DBI(t->refuse ? -1 : no), DBI(t->thread)};

		rc = db_exec(t->c, "INSERT INTO ut_seq (no, thread) VALUES (?, ?)", p, 2, NULL);
	}
	if (t->refuse) {
		struct db_commit_stats st;

		db_commit_stats(t->c, &st);
		t->seen = st.commits;
	}
	return rc == DB_OK && !t->refuse ? 0 : -1;
}

/* One writer: each transaction takes a number; every third is followed by one that does the
 * same and is refused. Writers of odd id go through db_write (on SQLite, run by its writing
 * thread), the others through db_begin_write and db_commit. */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct dbc *c = db_acquire(g_db);
	int i, rc;

	for (i = 0; i < WRITES_PER_THREAD; i++) {
		for (int refuse = 0; refuse <= (i % 3 == 2); refuse++) {
			struct take t = {.c = c, .thread = w->id, .refuse = refuse};
			int result = 0;

			if (w->id % 2) {
				rc = db_write(c, take_number, &t, &result);
			} else if ((rc = db_begin_write(c)) == DB_OK) {
				if ((result = take_number(&t)) == 0)
					rc = db_commit(c);
				else
					db_rollback(c);
			}
			if ((rc != DB_OK || result != -refuse) && w->failures++ == 0)
				snprintf(w->err, sizeof(w->err), "rc %d, result %d: %s", rc, result,
					 db_errmsg(c));
			/* a refusal, like a commit, is answered once what it read is on disk */
			struct db_commit_stats st;

			db_commit_stats(c, &st);
			if (refuse && st.durable < t.seen && w->failures++ == 0)
				snprintf(w->err, sizeof(w->err),
					 "refused before %llu commits it saw were durable",
					 (unsigned long long)(t.seen - st.durable));
		}
	}
	db_release(c);
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	pthread_t th[WRITERS];
	struct writer w[WRITERS];
	struct dbc *c;
	int i;

	(void)state;
	c = db_acquire(g_db);
	exec_ok(c, "INSERT INTO ut_counter (id, n) VALUES (1, 0)", NULL, 0);
	db_release(c);

	struct db_commit_stats st0, st;
	c = db_acquire(g_db);
	db_commit_stats(c, &st0);
	db_release(c);
	memset(w, 0, sizeof(w));
	for (i = 0; i < WRITERS; i++) {
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < WRITERS; i++)
		if (w[i].failures)
			fail_msg("%s: writer %d: %d failed transactions, first %s", g_kind, i,
				 w[i].failures, w[i].err);

	c = db_acquire(g_db);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_seq", NULL, 0),
			 WRITERS * WRITES_PER_THREAD);
	assert_int_equal(query_int(c, "SELECT MIN(no) FROM ut_seq", NULL, 0), 1);
	assert_int_equal(query_int(c, "SELECT MAX(no) FROM ut_seq", NULL, 0),
			 WRITERS * WRITES_PER_THREAD);
	assert_int_equal(query_int(c, "SELECT n FROM ut_counter WHERE id = 1", NULL, 0),
			 WRITERS * WRITES_PER_THREAD);
	for (i = 0; i < WRITERS; i++) {
		struct db_val p[] = {DBI(i)};

		assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_seq WHERE thread = ?", p, 1),
				 WRITES_PER_THREAD);
	}
	/* SQLite: concurrent transactions shared commits, and commits shared syncs of the WAL */
	db_commit_stats(c, &st);
	db_release(c);
	if (!strcmp(g_kind, "sqlite")) {
		uint64_t tx = st.transactions - st0.transactions,
			 commits = st.commits - st0.commits, syncs = st.syncs - st0.syncs;
		assert_int_equal(tx, WRITERS * WRITES_PER_THREAD);
		if (commits >= tx || syncs > commits || syncs < 1)
			fail_msg("%d writers: %llu transactions took %llu commits and %llu syncs",
				 WRITERS, (unsigned long long)tx, (unsigned long long)commits,
				 (unsigned long long)syncs);
	} else {
		assert_true(st.transactions == 0 && st.commits == 0 && st.syncs == 0 &&
			    st.durable == 0);
	}
}

/* The embedded migrations apply on this backend, and a second run applies none. */
/* Bytes go in and come out as they are: every byte value, an empty blob, NULL, and one of
 * 3 MB (an attachment) - as BLOB on SQLite, as a binary bytea parameter on PostgreSQL. */
static void test_blob_roundtrip(void **state)
{
	struct dbc *c = db_acquire(g_db);
	size_t big = 3 << 20, len;
	unsigned char all[256], *mb = malloc(big);
	struct db_res *r;
	const void *b;
	char sql[128];

	(void)state;
	assert_non_null(mb);
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	for (size_t i = 0; i < big; i++)
		mb[i] = (unsigned char)(i * 7919 >> 3);
	snprintf(sql, sizeof(sql), "CREATE TABLE ut_blob (k INTEGER PRIMARY KEY, b %s)",
		 strcmp(g_kind, "sqlite") ? "BYTEA" : "BLOB");
	assert_int_equal(db_script(c, "DROP TABLE IF EXISTS ut_blob"), DB_OK);
	assert_int_equal(db_script(c, sql), DB_OK);
	struct db_val rows[][2] = {
	    {DBI(1), DBB(all, sizeof(all))},
	    {DBI(2), DBB("", 0)},
	    {DBI(3), DBB(NULL, 0)},
	    {DBI(4), DBB(mb, big)},
	};
	for (size_t i = 0; i < 4; i++)
		exec_ok(c, "INSERT INTO ut_blob (k, b) VALUES (?, ?)", rows[i], 2);

	assert_int_equal(db_query(c, &r, "SELECT k, b FROM ut_blob ORDER BY k", NULL, 0), DB_OK);
	assert_int_equal(db_next(r), 1);
	b = db_blob(r, 1, &len);
	assert_int_equal(len, sizeof(all));
	assert_memory_equal(b, all, sizeof(all));
	assert_int_equal(db_next(r), 1);
	assert_false(db_isnull(r, 1)); /* empty is a value */
	b = db_blob(r, 1, &len);
	assert_non_null(b);
	assert_int_equal(len, 0);
	assert_int_equal(db_next(r), 1);
	assert_true(db_isnull(r, 1));
	b = db_blob(r, 1, &len);
	assert_non_null(b);
	assert_int_equal(len, 0);
	assert_int_equal(db_next(r), 1);
	b = db_blob(r, 1, &len);
	assert_int_equal(len, big);
	assert_memory_equal(b, mb, big);
	assert_int_equal(db_next(r), 0);
	db_res_free(r);

	/* a blob compares as bytes in a WHERE clause */
	struct db_val key[] = {DBB(all, sizeof(all))};
	assert_int_equal(query_int(c, "SELECT k FROM ut_blob WHERE b = ?", key, 1), 1);
	assert_int_equal(db_script(c, "DROP TABLE ut_blob"), DB_OK);
	free(mb);
	db_release(c);
}

/* Bulk loading: the rows arrive whole (text with the characters COPY escapes, Chinese, NULL,
 * blobs, large integers), rows given their ids move the automatic id on, and a copy that
 * fails part-way leaves none of its rows once rolled back. */
static void test_copy(void **state)
{
	struct dbc *c = db_acquire(g_db);
	unsigned char all[256];
	char sql[256];
	size_t len;
	struct db_res *r;

	(void)state;
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE ut_copy (id %s, parent_id BIGINT REFERENCES ut_parent (id), "
		 "s TEXT, i BIGINT, b %s)",
		 strcmp(g_kind, "sqlite") ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
					  : "INTEGER PRIMARY KEY",
		 strcmp(g_kind, "sqlite") ? "BYTEA" : "BLOB");
	assert_int_equal(db_script(c, sql), DB_OK);
	exec_ok(c, "INSERT INTO ut_parent (id, name) VALUES (1, 'p')", NULL, 0);

	/* outside a transaction: refused */
	assert_int_equal(db_copy_begin(c, "ut_copy", "id, s"), DB_ERROR);

	static const char *const texts[] = {"tab\there", "line\nbreak\r\n", "back\\slash \\N",
					    "中文办件", ""};
	struct db_val rows[][5] = {
	    {DBI(1), DBI(1), DBT(texts[0]), DBI(INT64_MAX), DBB(all, sizeof(all))},
	    {DBI(2), DBN, DBT(texts[1]), DBI(INT64_MIN), DBB("", 0)},
	    {DBI(3), DBI(1), DBT(texts[2]), DBN, DBN},
	    {DBI(4), DBI(1), DBT(texts[3]), DBI(-1), DBB("\\x00", 4)},
	    {DBI(100), DBN, DBT(texts[4]), DBI(0), DBB(all, 1)},
	};
	assert_int_equal(db_begin_write(c), DB_OK);
	assert_int_equal(db_copy_begin(c, "ut_copy", "id, parent_id, s, i, b"), DB_OK);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(db_copy_row(c, rows[i], 5), DB_OK);
	assert_int_equal(db_copy_end(c), DB_OK);
	/* a row without an id gets the next one after the largest copied */
	exec_ok(c, "INSERT INTO ut_copy (s) VALUES ('next')", NULL, 0);
	assert_int_equal(db_commit(c), DB_OK);
	assert_int_equal(query_int(c, "SELECT id FROM ut_copy WHERE s = 'next'", NULL, 0), 101);

	assert_int_equal(
	    db_query(c, &r, "SELECT id, parent_id, s, i, b FROM ut_copy ORDER BY id", NULL, 0),
	    DB_OK);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(db_next(r), 1);
		assert_int_equal(db_int(r, 0), rows[i][0].i);
		assert_int_equal(db_isnull(r, 1), rows[i][1].type == DB_NULL);
		assert_string_equal(db_text(r, 2), texts[i]);
		assert_int_equal(db_isnull(r, 3), rows[i][3].type == DB_NULL);
		if (rows[i][3].type == DB_INT)
			assert_int_equal(db_int(r, 3), rows[i][3].i);
		assert_int_equal(db_isnull(r, 4), rows[i][4].type == DB_NULL);
		const void *b = db_blob(r, 4, &len);
		assert_int_equal(len, rows[i][4].len);
		assert_memory_equal(b, rows[i][4].s ? rows[i][4].s : "", len);
	}
	db_res_free(r);

	/* many rows, then one that breaks a foreign key: none of them stays */
	assert_int_equal(db_begin_write(c), DB_OK);
	assert_int_equal(db_copy_begin(c, "ut_copy", "parent_id, s"), DB_OK);
	int rc = DB_OK;
	for (int i = 0; i < 5000 && rc == DB_OK; i++) {
		struct db_val row[] = {DBI(i == 4000 ? 2 : 1), DBT("many")};
		rc = db_copy_row(c, row, 2);
	}
	assert_int_equal(db_copy_end(c), DB_FOREIGN);
	db_rollback(c);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_copy", NULL, 0), 6);

	/* a duplicate id, and a row of the wrong width: the same */
	assert_int_equal(db_begin_write(c), DB_OK);
	assert_int_equal(db_copy_begin(c, "ut_copy", "id, s"), DB_OK);
	struct db_val dup[][2] = {{DBI(200), DBT("new")}, {DBI(4), DBT("dup")}};
	db_copy_row(c, dup[0], 2);
	db_copy_row(c, dup[1], 2);
	assert_int_equal(db_copy_end(c), DB_UNIQUE);
	db_rollback(c);
	assert_int_equal(db_begin_write(c), DB_OK);
	assert_int_equal(db_copy_begin(c, "ut_copy", "id, s"), DB_OK);
	assert_int_equal(db_copy_row(c, dup[0], 2), DB_OK);
	assert_int_equal(db_copy_row(c, dup[0], 1), DB_ERROR);
	assert_int_equal(db_copy_end(c), DB_ERROR);
	db_rollback(c);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_copy", NULL, 0), 6);

	/* the connection goes on working */
	exec_ok(c, "INSERT INTO ut_copy (s) VALUES ('after')", NULL, 0);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_copy", NULL, 0), 7);
	assert_int_equal(db_script(c, "DROP TABLE ut_copy"), DB_OK);
	db_release(c);
}

static void test_migrate(void **state)
{
	struct dbc *c;
	int applied = -1;

	(void)state;
	assert_int_equal(db_migrate(g_db, &applied), DB_OK);
	assert_true(applied >= 0);
	assert_int_equal(db_migrate(g_db, &applied), DB_OK);
	assert_int_equal(applied, 0);
	c = db_acquire(g_db);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM schema_migrations", NULL, 0),
			 db_migrations_count);
	/* @BLOB@ became a column of bytes */
	struct db_val blob[] = {DBB("\0\xff", 2)};
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM attachment_data WHERE data = ?", blob, 1),
			 0);
	/* SQLite's CHECKs of states and kinds are comparisons, not lists (016_check_lists) */
	if (!strcmp(g_kind, "sqlite"))
		assert_int_equal(
		    query_int(c,
			      "SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('cases', "
			      "'case_steps') AND sql NOT LIKE '%state IN (%' AND sql NOT LIKE "
			      "'%kind IN (''accept''%' AND sql LIKE '%state = ''withdrawn''%' = "
			      "(name = 'cases') AND sql LIKE '%kind = ''complete''%' = "
			      "(name = 'case_steps')",
			      NULL, 0),
		    2);
	/* PostgreSQL vacuums the case tables after 1% of them changed (018_autovacuum) */
	if (!strcmp(g_kind, "postgresql"))
		assert_int_equal(query_int(c,
					   "SELECT COUNT(*) FROM pg_class WHERE relname IN ('cases', "
					   "'case_steps') AND 'autovacuum_vacuum_scale_factor=0.01' = "
					   "ANY (reloptions)",
					   NULL, 0),
				 2);
	db_release(c);
}

/* db_lock: one connection at a time holds a lock, each lock apart; taking it again is a
 * no-op, one db_unlock frees it; with wait, a connection waits until the holder unlocks. */
struct waiter {
	struct dbc *c;
	atomic_int rc; /* 1 while waiting */
};

static void *wait_lock(void *arg)
{
	struct waiter *w = arg;
	atomic_store(&w->rc, db_lock(w->c, DB_LOCK_SWEEP, 1));
	return NULL;
}

static void test_locks(void **state)
{
	struct dbc *c1 = db_acquire(g_db), *c2 = db_acquire(g_db);
	struct waiter w = {.c = c2, .rc = 1};
	pthread_t t;

	(void)state;
	assert_int_equal(db_lock(c1, DB_LOCK_SWEEPER, 0), DB_OK);
	assert_int_equal(db_lock(c1, DB_LOCK_SWEEPER, 0), DB_OK);
	assert_int_equal(db_lock(c2, DB_LOCK_SWEEPER, 0), DB_BUSY);
	assert_int_equal(db_lock(c2, DB_LOCK_SWEEP, 0), DB_OK);
	assert_int_equal(db_lock(c1, DB_LOCK_SWEEP, 0), DB_BUSY);
	db_unlock(c1, DB_LOCK_SWEEPER);
	assert_int_equal(db_lock(c2, DB_LOCK_SWEEPER, 0), DB_OK);
	db_unlock(c2, DB_LOCK_SWEEPER);
	db_unlock(c2, DB_LOCK_SWEEP);

	assert_int_equal(db_lock(c1, DB_LOCK_SWEEP, 1), DB_OK);
	assert_int_equal(pthread_create(&t, NULL, wait_lock, &w), 0);
	usleep(300 * 1000);
	assert_int_equal(atomic_load(&w.rc), 1);
	db_unlock(c1, DB_LOCK_SWEEP);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load(&w.rc), DB_OK);
	assert_int_equal(db_lock(c1, DB_LOCK_SWEEP, 0), DB_BUSY);
	db_unlock(c2, DB_LOCK_SWEEP);
	db_release(c1);
	db_release(c2);
}

static void test_bad_urls(void **state)
{
	struct db *db = (struct db *)1;

	(void)state;
	assert_int_equal(db_open(&db, "mysql://localhost/x", 1), DB_ERROR);
	assert_null(db);
	assert_int_equal(db_open(&db, "sqlite:/nonexistent-dir/sub/t.db", 1), DB_UNAVAILABLE);
	assert_null(db);
	/* port 1 on loopback: refused at once */
	assert_int_equal(db_open(&db, "postgresql://postgres@127.0.0.1:1/x", 1), DB_UNAVAILABLE);
	assert_null(db);
}

/* PostgreSQL only: a connection the server drops fails with DB_UNAVAILABLE and works again
 * on the next call, with its statements prepared anew. */
static void test_pg_reconnect(void **state)
{
	static const char sql[] = "SELECT COUNT(*) FROM ut_kv WHERE i >= ?";
	struct dbc *c1 = db_acquire(g_db), *c2 = db_acquire(g_db);
	struct db_val zero[] = {DBI(0)};
	struct db_val pid[1];
	struct db_res *r;

	(void)state;
	insert_kv(c1, "a", DBI(1), DBN);
	assert_int_equal(query_int(c1, sql, zero, 1), 1);
	pid[0] = DBI(query_int(c1, "SELECT pg_backend_pid()", NULL, 0));
	assert_int_equal(query_int(c2,
				   "SELECT CASE WHEN pg_terminate_backend(?, 5000) THEN 1 "
				   "ELSE 0 END",
				   pid, 1),
			 1);
	assert_int_equal(db_query(c1, &r, sql, zero, 1), DB_UNAVAILABLE);
	assert_true(db_errmsg(c1)[0] != '\0');
	assert_int_equal(query_int(c1, sql, zero, 1), 1);

	/* statements the server forgot are prepared again */
	assert_int_equal(db_script(c1, "DEALLOCATE ALL"), DB_OK);
	assert_int_equal(query_int(c1, sql, zero, 1), 1);

	/* a connection lost inside a transaction stays failed until rolled back */
	assert_int_equal(db_begin_write(c1), DB_OK);
	pid[0] = DBI(query_int(c1, "SELECT pg_backend_pid()", NULL, 0));
	assert_int_equal(query_int(c2,
				   "SELECT CASE WHEN pg_terminate_backend(?, 5000) THEN 1 "
				   "ELSE 0 END",
				   pid, 1),
			 1);
	assert_int_equal(db_query(c1, &r, sql, zero, 1), DB_UNAVAILABLE);
	assert_int_equal(db_query(c1, &r, sql, zero, 1), DB_UNAVAILABLE);
	assert_int_equal(db_commit(c1), DB_UNAVAILABLE);
	assert_int_equal(query_int(c1, sql, zero, 1), 1);
	db_release(c1);
	db_release(c2);
}

/* PostgreSQL only: a session the server ends takes its locks with it; the connection, reset,
 * knows it holds none. */
static void test_pg_lock_lost(void **state)
{
	struct dbc *c1 = db_acquire(g_db), *c2 = db_acquire(g_db);
	struct db_val pid[1];

	(void)state;
	assert_int_equal(db_lock(c1, DB_LOCK_SWEEPER, 0), DB_OK);
	pid[0] = DBI(query_int(c1, "SELECT pg_backend_pid()", NULL, 0));
	assert_int_equal(db_lock(c2, DB_LOCK_SWEEPER, 0), DB_BUSY);
	assert_int_equal(query_int(c2,
				   "SELECT CASE WHEN pg_terminate_backend(?, 5000) THEN 1 "
				   "ELSE 0 END",
				   pid, 1),
			 1);
	assert_int_equal(db_lock(c2, DB_LOCK_SWEEPER, 0), DB_OK);
	assert_int_equal(db_script(c1, "SELECT 1"), DB_UNAVAILABLE);
	assert_int_equal(db_lock(c1, DB_LOCK_SWEEPER, 0), DB_BUSY);
	db_unlock(c2, DB_LOCK_SWEEPER);
	assert_int_equal(db_lock(c1, DB_LOCK_SWEEPER, 0), DB_OK);
	db_unlock(c1, DB_LOCK_SWEEPER);
	db_release(c1);
	db_release(c2);
}

/* A query of n rows, 1 to n, whose row `bad` fails (abs of the smallest bigint overflows on
 * both backends) when it is computed. */
#define SERIES(n, bad)                                                                             \
	"WITH RECURSIVE t(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM t WHERE x < " #n ") "        \
	"SELECT abs(CASE WHEN x = " #bad " THEN -9223372036854775807 - 1 ELSE x END) FROM t"

/* Read the next row of r, which must be x. */
static void next_is(struct db_res *r, int64_t x)
{
	assert_int_equal(db_next(r), 1);
	assert_int_equal(db_int(r, 0), x);
}

/* db_query_partial: a long result read in part computes no more than was read, leaves the
 * connection usable between its rows and after it, inside a transaction and outside. */
static void test_query_partial(void **state)
{
	struct dbc *c = db_acquire(g_db);
	struct db_res *r;
	int64_t n = 0, sum = 0;
	int rc;

	(void)state;
	/* the failing row is never reached by a reader that stops before it */
	assert_int_equal(db_begin_read(c), DB_OK);
	assert_int_equal(db_query_partial(c, &r, SERIES(100000, 100000), NULL, 0), DB_OK);
	next_is(r, 1);
	/* another statement between two rows; then the rows go on, past the first batch */
	assert_int_equal(count_kv(c), 0);
	for (int64_t x = 2; x <= 250; x++)
		next_is(r, x);
	assert_int_equal(count_kv(c), 0);
	next_is(r, 251);
	db_res_free(r);
	assert_int_equal(count_kv(c), 0);
	assert_int_equal(db_commit(c), DB_OK);

	/* read to the end, in a write transaction that writes between the rows */
	assert_int_equal(db_begin_write(c), DB_OK);
	assert_int_equal(db_query_partial(c, &r, SERIES(100000, 0), NULL, 0), DB_OK);
	while ((rc = db_next(r)) > 0) {
		sum += db_int(r, 0);
		if (++n % 25000 == 0) {
			char key[16];

			snprintf(key, sizeof(key), "p%d", (int)(n / 25000));
			insert_kv(c, key, DBI(n), DBN);
		}
	}
	assert_int_equal(rc, 0);
	db_res_free(r);
	assert_int_equal(n, 100000);
	assert_int_equal(sum, (int64_t)100000 * 100001 / 2);
	assert_int_equal(db_commit(c), DB_OK);
	assert_int_equal(count_kv(c), 4);

	/* an error met while reading: rows in order up to it (PostgreSQL fails the whole batch
	 * that holds the failing row), then the error; the transaction is rolled back and the
	 * connection works on */
	assert_int_equal(db_begin_write(c), DB_OK);
	insert_kv(c, "p5", DBI(5), DBN);
	assert_int_equal(db_query_partial(c, &r, SERIES(100000, 5000), NULL, 0), DB_OK);
	for (n = 1; (rc = db_next(r)) > 0; n++)
		assert_int_equal(db_int(r, 0), n);
	assert_true(rc < 0);
	assert_true(n > 100 && n <= 5000);
	db_res_free(r);
	db_rollback(c);
	assert_int_equal(count_kv(c), 4);

	/* a result freed only after its transaction was rolled back */
	assert_int_equal(db_begin_read(c), DB_OK);
	assert_int_equal(db_query_partial(c, &r, SERIES(100000, 100000), NULL, 0), DB_OK);
	next_is(r, 1);
	db_rollback(c);
	db_res_free(r);
	assert_int_equal(count_kv(c), 4);

	/* outside a transaction: read one row, then the connection goes back to the pool and
	 * serves the next one */
	assert_int_equal(db_query_partial(c, &r, SERIES(100000, 0), NULL, 0), DB_OK);
	next_is(r, 1);
	db_res_free(r);
	db_release(c);
	c = db_acquire(g_db);
	assert_int_equal(count_kv(c), 4);
	{
		struct db_val p[] = {DBI(50000)};

		assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_kv WHERE i > ?", p, 1), 2);
	}
	db_release(c);
}

/* SQLite: each commit is in the WAL file when db_commit returns, though wal_buffer.c gathers
 * its frames: a handle of SQLite's own VFS, reading the files, sees every row at once, also
 * after transactions bigger than a gathering (1 MB). */
static void test_wal_on_disk(void **state)
{
	char path[160], text[1001], key[32];
	sqlite3 *raw;
	sqlite3_stmt *st;
	struct dbc *c = db_acquire(g_db);
	int64_t rows = 0;

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;
	snprintf(path, sizeof(path), "%s/t.db", g_dir);
	assert_int_equal(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT COUNT(*) FROM ut_kv", -1, &st, NULL),
			 SQLITE_OK);
	for (int i = 1; i <= 200; i++) {
		int n = i % 50 == 0 ? 1500 : 1; /* 1.5 MB */
		assert_int_equal(db_begin_write(c), DB_OK);
		for (int k = 0; k < n; k++) {
			snprintf(key, sizeof(key), "%d-%d", i, k);
			struct db_val p[] = {DBT(key), DBI(i), DBT(text)};
			exec_ok(c, "INSERT INTO ut_kv (k, i, s) VALUES (?, ?, ?)", p, 3);
		}
		assert_int_equal(db_commit(c), DB_OK);
		rows += n;
		if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) != rows)
			fail_msg("after commit %d: %s, %lld rows of %lld", i, sqlite3_errmsg(raw),
				 (long long)sqlite3_column_int64(st, 0), (long long)rows);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(raw);
	db_release(c);
}

/* A row of 64 KB of ut_kv, by db_write (struct take's thread and refuse fields as its key). */
static int put_big(void *arg)
{
	static char text[64 * 1024];
	struct take *t = arg;
	char key[32];

	if (!text[0])
		memset(text, 'x', sizeof(text) - 1);
	snprintf(key, sizeof(key), "%d-%d", t->thread, t->refuse);
	struct db_val p[] = {DBT(key), DBI(t->thread), DBT(text)};
	return db_exec(t->c, "INSERT INTO ut_kv (k, i, s) VALUES (?, ?, ?)", p, 3, NULL) == DB_OK
		   ? 0
		   : -1;
}

static void *big_writer(void *arg)
{
	int id = (int)(intptr_t)arg, failures = 0;
	struct dbc *c = db_acquire(g_db);

	for (int i = 0; i < 400; i++) {
		struct take t = {.c = c, .thread = id, .refuse = i};
		int result;

		failures += db_write(c, put_big, &t, &result) != DB_OK || result != 0;
	}
	db_release(c);
	return (void *)(intptr_t)failures;
}

/* The server's WAL stays bounded under steady writes: the checkpointer copies it into the
 * database file beside the writer, and the writer checkpoints itself at WAL_RESTART_PAGES so
 * that the WAL starts again from its beginning. 4 writers put 100 MB (25,600 pages); the WAL
 * file, as long as the most it ever held, stays under 15,000 pages of 4 KB. */
static void test_wal_bounded(void **state)
{
	pthread_t th[4];
	char wal[160];
	struct stat st;
	intptr_t failures = 0;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, big_writer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < 4; i++) {
		void *f;

		pthread_join(th[i], &f);
		failures += (intptr_t)f;
	}
	assert_int_equal(failures, 0);
	struct dbc *c = db_acquire(g_db);
	assert_int_equal(query_int(c, "SELECT COUNT(*) FROM ut_kv", NULL, 0), 1600);
	db_release(c);
	snprintf(wal, sizeof(wal), "%s/t.db-wal", g_dir);
	assert_int_equal(stat(wal, &st), 0);
	if (st.st_size > 15000LL * 4096)
		fail_msg("the WAL grew to %lld bytes", (long long)st.st_size);
}

#define COMMON_TESTS                                                                               \
	cmocka_unit_test_setup(test_kind, reset_tables),                                           \
		cmocka_unit_test_setup(test_exec_query_changes, reset_tables),                     \
		cmocka_unit_test_setup(test_null_roundtrip, reset_tables),                         \
		cmocka_unit_test_setup(test_blob_roundtrip, reset_tables),                         \
		cmocka_unit_test_setup(test_copy, reset_tables),                                   \
		cmocka_unit_test_setup(test_big_integers, reset_tables),                           \
		cmocka_unit_test_setup(test_utf8_chinese, reset_tables),                           \
		cmocka_unit_test_setup(test_placeholder_in_literal, reset_tables),                 \
		cmocka_unit_test_setup(test_rollback_leaves_nothing, reset_tables),                \
		cmocka_unit_test_setup(test_read_snapshot, reset_tables),                          \
		cmocka_unit_test_setup(test_constraint_errors, reset_tables),                      \
		cmocka_unit_test_setup(test_script, reset_tables),                                 \
		cmocka_unit_test_setup(test_many_rows, reset_tables),                              \
		cmocka_unit_test_setup(test_query_partial, reset_tables),                          \
		cmocka_unit_test_setup(test_dynamic_sql, reset_tables),                            \
		cmocka_unit_test_setup(test_schema_change, reset_tables),                          \
		cmocka_unit_test_setup(test_concurrent_writers, reset_tables),                     \
		cmocka_unit_test_setup(test_locks, reset_tables),                                  \
		cmocka_unit_test(test_migrate)

static int sqlite_setup(void **state)
{
	char url[128];

	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/shenpi-unit-XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(url, sizeof(url), "sqlite:%s/t.db", g_dir);
	g_kind = "sqlite";
	return db_open(&g_db, url, POOL_SIZE) == DB_OK ? 0 : -1;
}

static int sqlite_teardown(void **state)
{
	static const char *const files[] = {"t.db", "t.db-wal", "t.db-shm", "t.db-journal",
					    "t.db-lock"};
	char path[128];
	size_t i;

	(void)state;
	db_close(g_db);
	g_db = NULL;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", g_dir, files[i]);
		unlink(path);
	}
	rmdir(g_dir);
	return 0;
}

static int pg_setup(void **state)
{
	(void)state;
	g_kind = "postgresql";
	return db_open(&g_db, getenv("SHENPI_TEST_PG_URL"), POOL_SIZE) == DB_OK ? 0 : -1;
}

static int pg_teardown(void **state)
{
	struct dbc *c = db_acquire(g_db);

	(void)state;
	db_script(c, drop_all);
	db_release(c);
	db_close(g_db);
	g_db = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest common[] = {cmocka_unit_test(test_bad_urls)};
	const struct CMUnitTest sqlite_tests[] = {
	    COMMON_TESTS,
	    cmocka_unit_test_setup(test_wal_on_disk, reset_tables),
	    cmocka_unit_test_setup(test_wal_bounded, reset_tables),
	};
	const struct CMUnitTest pg_tests[] = {
		COMMON_TESTS,
		cmocka_unit_test_setup(test_pg_reconnect, reset_tables),
		cmocka_unit_test_setup(test_pg_lock_lost, reset_tables),
	};
	const char *pg_url = getenv("SHENPI_TEST_PG_URL");
	int failed = 0;

	failed += cmocka_run_group_tests_name("db", common, NULL, NULL);
	failed += cmocka_run_group_tests_name("db/sqlite", sqlite_tests, sqlite_setup,
					      sqlite_teardown);
	if (pg_url && *pg_url)
		failed += cmocka_run_group_tests_name("db/postgresql", pg_tests, pg_setup,
						      pg_teardown);
	else
		printf("[  SKIPPED ] db/postgresql: set SHENPI_TEST_PG_URL to a scratch "
		       "database\n");
	return failed ? 1 : 0;
}
