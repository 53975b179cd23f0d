/*
 * fuzz_import.c - the import reader (domain/exchange.c) on a real SQLite database: the
 * first byte of the input picks the exchange file ('0' regions.csv … '9' case_steps.csv),
 * the rest is its content, imported into a database that already holds the organisation,
 * catalog and cases of tests/fixtures/import (so rows can refer to them). Whatever the file
 * holds, the import succeeds or fails with a message, and the database stays readable.
 * Run from the repository root; the database lives in /dev/shm and is removed at exit.
 */
#include "fuzz.h"
#include "fuzzdb.h"

#include "domain/exchange.h"

static const char *const files[] = {
    "regions.csv",   "centers.csv",   "units.csv",	   "users.csv", "items.csv",
    "materials.csv", "processes.csv", "process_steps.csv", "cases.csv", "case_steps.csv"};
#define NFILES (sizeof(files) / sizeof(files[0]))

static char g_in[80];

static int import(const char *dir, const char **message)
{
	struct arena a = {0};
	struct ctx c = fuzz_ctx(&a);
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
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *message;
	fuzz_db_open("import");
	snprintf(g_in, sizeof(g_in), "%s/in", fuzz_dir);
	FUZZ_CHECK(mkdir(g_in, 0700) == 0);
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
