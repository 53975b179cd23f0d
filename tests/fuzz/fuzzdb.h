/*
 * fuzzdb.h - the database of the targets that need one (fuzz_import, fuzz_http): a migrated
 * SQLite file in a new directory of /dev/shm, removed at exit, and a context on it acting as
 * the system. Include once, after fuzz.h.
 */
#ifndef SHENPI_FUZZDB_H
#define SHENPI_FUZZDB_H

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/token.h"
#include "db/db.h"
#include "domain/ctx.h"

static char fuzz_dir[64];
static struct db *fuzz_db;

static void fuzz_db_remove(void)
{
	char path[128];
	db_close(fuzz_db);
	for (const char *const *s =
		 (const char *const[]){"db", "db-wal", "db-shm", "db-lock", NULL};
	     *s; s++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, *s);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

/* Quiet logs, the token generator, and fuzz_db in /dev/shm/shenpi-fuzz-NAME-PID; what a
 * target registers with atexit after this runs before the database goes. */
static void fuzz_db_open(const char *name)
{
	char url[128];
	log_set_level(LOG_ERROR);
	snprintf(fuzz_dir, sizeof(fuzz_dir), "/dev/shm/shenpi-fuzz-%s-%d", name, (int)getpid());
	snprintf(url, sizeof(url), "sqlite:%s/db", fuzz_dir);
	FUZZ_CHECK(token_init() == 0 && mkdir(fuzz_dir, 0700) == 0);
	FUZZ_CHECK(db_open(&fuzz_db, url, 1) == 0 && db_migrate(fuzz_db, NULL) == 0);
	atexit(fuzz_db_remove);
}

/* A context on fuzz_db as the system, allocating from a; db_release(c.db) when done. */
static struct ctx fuzz_ctx(struct arena *a)
{
	return (struct ctx){.db = db_acquire(fuzz_db), .arena = a, .now = time(NULL), .ip = ""};
}

#endif
