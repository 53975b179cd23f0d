/*
 * testdb.h - the per-test database fixture shared by the domain-level unit tests
 * (test_domain.c, test_calendar.c, test_process.c). Test-only: each test program includes it once,
 * so its globals and functions are static.
 *
 * Every test gets a freshly migrated database and a context on it (g_c, actor NULL = the
 * system, now = T0): a new SQLite file in a temporary directory and, when SHENPI_TEST_PG_URL
 * names a scratch PostgreSQL database, that database emptied (DROP SCHEMA public CASCADE) and
 * migrated again. Use fresh_db/close_db as each test's setup/teardown, call testdb_init()
 * first in main() and then testdb_run(), which runs the tests on SQLite and, if configured,
 * on PostgreSQL (else prints a SKIPPED line). query_int, count and clear_fail are the small
 * helpers the tests share.
 */
#ifndef SHENPI_TESTDB_H
#define SHENPI_TESTDB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/token.h"
#include "db/db.h"
#include "domain/ctx.h"

#define POOL_SIZE 2
#define T0	  1767225600 /* 2026-01-01 00:00 UTC, 08:00 in Beijing: each test's now */

static const char *g_name;   /* the test program, e.g. "domain" */
static const char *g_kind;   /* "sqlite" or "postgresql" */
static const char *g_pg_url; /* the scratch PostgreSQL database */
static char g_dir[64];	     /* SQLite's temporary directory */
static int g_serial;	     /* SQLite: one file per test */
static struct db *g_db;	     /* this test's database */
static struct arena g_arena; /* this test's arena */
static struct ctx g_c;	     /* this test's context; actor NULL = the system */

/* Called by close_db after each test, if set: put back global state a test may change. */
static void (*g_after_close)(void);

/* ---- per-test database ---- */

static int open_sqlite(void)
{
	char url[128];

	snprintf(url, sizeof(url), "sqlite:%s/t%d.db", g_dir, ++g_serial);
	return db_open(&g_db, url, POOL_SIZE);
}

static int open_pg(void)
{
	struct dbc *c;
	int rc = db_open(&g_db, g_pg_url, POOL_SIZE);

	if (rc != DB_OK)
		return rc;
	c = db_acquire(g_db);
	rc = db_script(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
	if (rc != DB_OK)
		fprintf(stderr, "%s: drop schema: %s\n", g_kind, db_errmsg(c));
	db_release(c);
	return rc;
}

static int fresh_db(void **state)
{
	int applied = 0;
	int rc = !strcmp(g_kind, "sqlite") ? open_sqlite() : open_pg();

	(void)state;
	if (rc != DB_OK)
		return -1;
	if (db_migrate(g_db, &applied) != DB_OK || applied != db_migrations_count) {
		fprintf(stderr, "%s: migrate failed (%d applied)\n", g_kind, applied);
		return -1;
	}
	g_arena = (struct arena)ARENA_INIT;
	g_c = (struct ctx){.db = db_acquire(g_db), .arena = &g_arena, .now = T0, .ip = "127.0.0.1"};
	return 0;
}

static int close_db(void **state)
{
	(void)state;
	if (g_c.db)
		db_release(g_c.db);
	g_c = (struct ctx){0};
	arena_release(&g_arena);
	db_close(g_db);
	g_db = NULL;
	if (g_after_close)
		g_after_close();
	if (!strcmp(g_kind, "sqlite")) {
		static const char *const ext[] = {"", "-wal", "-shm", "-journal", "-lock"};
		char path[128];
		size_t i;

		for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
			snprintf(path, sizeof(path), "%s/t%d.db%s", g_dir, g_serial, ext[i]);
			unlink(path);
		}
	}
	return 0;
}

/* A signed-in user of a test's fixture: id, username, name, roles, center and unit ids. */
#define TEST_ACTOR(id_, username_, name_, roles_, center_, unit_)                                  \
	{                                                                                          \
		.id = (id_), .username = (username_), .name = (name_), .roles = (roles_),          \
		.center_id = (center_), .unit_id = (unit_), .scope_region = "", .csrf = ""         \
	}

/* ---- helpers on this test's database (unused ones are fine: not every test needs all) ---- */

/* The integer in the first column of the first row (fails the test when there is none). */
static inline int64_t query_int(const char *sql, const struct db_val *p, int n)
{
	struct db_res *r;
	int64_t v;
	int rc = db_query(g_c.db, &r, sql, p, n);

	if (rc != DB_OK)
		fail_msg("%s: %s -> %d (%s)", g_kind, sql, rc, db_errmsg(g_c.db));
	if (db_next(r) != 1)
		fail_msg("%s: %s: no row", g_kind, sql);
	v = db_int(r, 0);
	db_res_free(r);
	return v;
}

/* SELECT COUNT(*) FROM table_where, e.g. count("events WHERE type = 'process.save'"). */
static inline int64_t count(const char *table_where)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table_where);
	return query_int(sql, NULL, 0);
}

/* The names of table's droppable indexes and foreign keys (db_indexes, db_fkeys), each
 * followed by a space, in out (size len): what a bulk load drops and must build again. */
static inline const char *table_keys(const char *table, char *out, size_t len)
{
	int (*const lists[])(struct dbc *, struct db_res **, const char *) = {db_indexes,
									       db_fkeys};
	size_t used = 0;
	out[0] = '\0';
	for (int l = 0; l < 2; l++) {
		struct db_res *r;
		assert_int_equal(lists[l](g_c.db, &r, table), DB_OK);
		while (db_next(r) > 0 && used < len)
			used += (size_t)snprintf(out + used, len - used, "%s ", db_text(r, 0));
		db_res_free(r);
	}
	assert_true(used < len);
	return out;
}

/* Forget the previous failure's field and message before a domain call. */
static inline void clear_fail(void)
{
	g_c.fail_field = NULL;
	g_c.fail_message = NULL;
}

/* ---- the two groups ---- */

static int sqlite_group_setup(void **state)
{
	(void)state;
	g_kind = "sqlite";
	snprintf(g_dir, sizeof(g_dir), "/tmp/shenpi-test-%s-XXXXXX", g_name);
	return mkdtemp(g_dir) ? 0 : -1;
}

static int sqlite_group_teardown(void **state)
{
	(void)state;
	rmdir(g_dir);
	return 0;
}

static int pg_group_setup(void **state)
{
	(void)state;
	g_kind = "postgresql";
	return 0;
}

static int pg_group_teardown(void **state)
{
	struct db *db;

	(void)state;
	/* leave the scratch database empty */
	if (db_open(&db, g_pg_url, 1) == DB_OK) {
		struct dbc *c = db_acquire(db);

		db_script(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
		db_release(c);
		db_close(db);
	}
	return 0;
}

/* Start of main(): the token library and quiet logging. 0, or -1 (reported) on failure. */
static int testdb_init(void)
{
	if (token_init() < 0) {
		fputs("token_init failed\n", stderr);
		return -1;
	}
	log_set_level(LOG_ERROR);
	return 0;
}

/* Run the n tests as group "<name>/sqlite" and, when SHENPI_TEST_PG_URL is set, as
 * "<name>/postgresql"; the number of failures. */
static int testdb_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	char group[64];
	int failed;

	g_name = name;
	snprintf(group, sizeof(group), "%s/sqlite", name);
	failed =
	    _cmocka_run_group_tests(group, tests, n, sqlite_group_setup, sqlite_group_teardown);
	g_pg_url = getenv("SHENPI_TEST_PG_URL");
	if (g_pg_url && *g_pg_url) {
		snprintf(group, sizeof(group), "%s/postgresql", name);
		failed +=
		    _cmocka_run_group_tests(group, tests, n, pg_group_setup, pg_group_teardown);
	} else {
		printf("[  SKIPPED ] %s/postgresql: set SHENPI_TEST_PG_URL to a scratch database\n",
		       name);
	}
	return failed;
}

#endif
