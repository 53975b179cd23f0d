/*
 * fuzz_import.c - the import reader (domain/exchange.c) on a real SQLite database: the
 * first byte of the input picks the exchange file ('0' regions.csv … '9' case_steps.csv),
 * the rest is its content, imported into a database that already holds the organisation,
 * catalog and cases of tests/fixtures/import (so rows can refer to them). Whatever the file
 * holds, the import succeeds or fails with a message, and the database stays readable.
 * Run from the repository root; the database lives in /dev/shm and is removed at exit.
 */
#include "fuzz.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/token.h"
#include "domain/exchange.h"

static const char *const files[] = {
    "regions.csv",   "centers.csv",   "units.csv",	   "users.csv", "items.csv",
    "materials.csv", "processes.csv", "process_steps.csv", "cases.csv", "case_steps.csv"};
#define NFILES (sizeof(files) / sizeof(files[0]))

static char g_dir[64], g_in[80];
static struct db *g_db;

static int import(const char *dir, const char **message)
{
	struct arena a = {0};
	struct ctx c = {.db = db_acquire(g_db), .arena = &a, .now = time(NULL), .ip = ""};
	struct exchange_opts o = {.dir = dir};
	json_t *out = NULL;
	int rc = exchange_import(&c, &o, &out);
	FUZZ_CHECK(rc == 0 ? out != NULL : c.fail_message && *c.fail_message);
	*message = rc ? strdup(c.fail_message) : NULL;
	json_decref(out);
	db_release(c.db);
	arena_release(&a);
	return rc;
}

static void cleanup(void)
{
	char path[128];
	for (size_t i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", g_in, files[i]);
		unlink(path);
	}
	rmdir(g_in);
	db_close(g_db);
	for (const char *const *s = (const char *const[]){"db", "db-wal", "db-shm", NULL}; *s;
	     s++) {
		snprintf(path, sizeof(path), "%s/%s", g_dir, *s);
		unlink(path);
	}
	rmdir(g_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char url[128];
	const char *message;
	log_set_level(LOG_ERROR);
	snprintf(g_dir, sizeof(g_dir), "/dev/shm/shenpi-fuzz-import-%d", (int)getpid());
	snprintf(g_in, sizeof(g_in), "%s/in", g_dir);
	snprintf(url, sizeof(url), "sqlite:%s/db", g_dir);
	FUZZ_CHECK(token_init() == 0 && mkdir(g_dir, 0700) == 0 && mkdir(g_in, 0700) == 0);
	FUZZ_CHECK(db_open(&g_db, url, 1) == 0 && db_migrate(g_db, NULL) == 0);
	atexit(cleanup);
	if (import("tests/fixtures/import", &message)) {
		fprintf(stderr,
			"fuzz_import: the fixtures do not import (run from the repository "
			"root): %s\n",
			message);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	const char *name = files[(unsigned)(data[0] - '0') % NFILES], *message = NULL;
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", g_in, name);
	FILE *f = fopen(path, "wb");
	FUZZ_CHECK(f && fwrite(data + 1, 1, size - 1, f) == size - 1 && fclose(f) == 0);
	(void)import(g_in, &message);
	free((void *)message);
	unlink(path);
	return 0;
}
