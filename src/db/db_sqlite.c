/*
 * db_sqlite.c - the embedded SQLite backend of db.h.
 *
 * One sqlite3 handle per pooled connection, in WAL mode with synchronous=FULL (a commit is
 * on disk when it returns) and foreign keys on. Writers take the lock with BEGIN IMMEDIATE,
 * so concurrent requests queue instead of failing: within this process on a mutex, which
 * hands over at once (SQLite's busy handler sleeps and retries, up to 100 ms a time), and
 * against other processes on the busy timeout. Prepared
 * statements are cached per connection, looked up by a hash of their text (db_sql_hash), so
 * SQL built per call is prepared once too.
 */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"

#define STMT_CACHE 128 /* slots, a power of two */
#define BUSY_TIMEOUT_MS 10000
#define BACKUP_PAGES	1024 /* pages a backup step copies: 4 MB at the default page size */
#define BACKUP_PAUSE_US 2000 /* between steps, leaving the disk to the server a moment */

struct sq_conn {
	struct dbc_head head;
	sqlite3 *h;
	struct {
		uint64_t hash; /* of sql */
		char *sql;     /* a copy of the text */
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
	char err[256];
	int writing; /* holds writer_lock */
	int lock_fd; /* PATH-lock once db_lock opened it, else -1 */
};

/* One writer at a time in this process (see the top of the file). */
static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;

struct sq_res {
	struct db_res_head head;
	sqlite3_stmt *st;
	int owned; /* not from the cache: finalize instead of reset */
};

#define SQ(c) ((struct sq_conn *)(c))

/* Whether a failed system call ran out of room or into a read-only file system: the disk may
 * be freed or remounted while the server runs, and reads go on meanwhile. */
static int storage_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EROFS;
}

static int map_error(struct sq_conn *c, int rc)
{
	int p = rc & 0xff, e = 0;
	/* the errno of SQLite's last system call, which only these codes come from */
	if (p == SQLITE_IOERR || p == SQLITE_CANTOPEN || p == SQLITE_FULL || p == SQLITE_READONLY)
		e = sqlite3_system_errno(c->h);
	snprintf(c->err, sizeof(c->err), "%s%s%s", sqlite3_errmsg(c->h), e ? ": " : "",
		 e ? strerror(e) : "");
	switch (p) {
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return DB_UNIQUE;
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return DB_FOREIGN;
		return DB_ERROR;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	case SQLITE_FULL:
	case SQLITE_READONLY:
		return DB_STORAGE;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		return storage_errno(e) ? DB_STORAGE : DB_UNAVAILABLE;
	default:
		return DB_ERROR;
	}
}

/* Open the database file at path with the settings of every connection; *h is set (for
 * sqlite3_errmsg and sqlite3_close) even when this fails. A file SQLite may not write (its
 * permissions, a read-only mount) opens read-only. */
static int open_handle(const char *path, sqlite3 **h)
{
	int rc = sqlite3_open_v2(path, h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(*h, 1);
		sqlite3_busy_timeout(*h, BUSY_TIMEOUT_MS);
		rc = sqlite3_exec(*h,
				  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				  "PRAGMA foreign_keys=ON;",
				  NULL, NULL, NULL);
	}
	return rc;
}

static int sq_connect(struct dbc **out, const char *url, char *errbuf, size_t errlen)
{
	const char *path = url + strlen("sqlite:");
	struct sq_conn *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->lock_fd = -1;
	int rc = open_handle(path, &c->h);
	if (rc != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s: %s", path, c->h ? sqlite3_errmsg(c->h) : "cannot open");
		sqlite3_close(c->h);
		free(c);
		return DB_UNAVAILABLE;
	}
	*out = (struct dbc *)c;
	return DB_OK;
}

static void clear_cache(struct sq_conn *c)
{
	for (int i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(c->cache[i].st);
		free(c->cache[i].sql);
	}
	memset(c->cache, 0, sizeof(c->cache));
}

static void sq_disconnect(struct dbc *dc)
{
	struct sq_conn *c = SQ(dc);
	clear_cache(c);
	sqlite3_close(c->h);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c);
}

/* A statement for sql, from the cache when it is free; *owned is set when the caller must
 * finalize it (cache slot taken by another statement still being stepped). */
static int prepare(struct sq_conn *c, const char *sql, sqlite3_stmt **st, int *owned)
{
	uint64_t hash = db_sql_hash(sql);
	size_t slot = hash & (STMT_CACHE - 1);
	*owned = 0;
	if (c->cache[slot].sql && c->cache[slot].hash == hash && !strcmp(c->cache[slot].sql, sql) &&
	    !sqlite3_stmt_busy(c->cache[slot].st)) {
		*st = c->cache[slot].st;
		return DB_OK;
	}
	int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK)
		return map_error(c, rc);
	if (c->cache[slot].st && sqlite3_stmt_busy(c->cache[slot].st)) {
		*owned = 1;
	} else {
		sqlite3_finalize(c->cache[slot].st);
		free(c->cache[slot].sql);
		c->cache[slot].hash = hash;
		c->cache[slot].sql = strdup(sql);
		c->cache[slot].st = *st;
		if (!c->cache[slot].sql)
			abort();
	}
	return DB_OK;
}

static int bind(struct sq_conn *c, sqlite3_stmt *st, const struct db_val *p, int n)
{
	for (int i = 0; i < n; i++) {
		int rc;
		if (p[i].type == DB_INT)
			rc = sqlite3_bind_int64(st, i + 1, p[i].i);
		else if (p[i].type == DB_TEXT && p[i].s)
			rc = sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_STATIC);
		else if (p[i].type == DB_BLOB && p[i].s)
			rc = sqlite3_bind_blob64(st, i + 1, p[i].s, p[i].len, SQLITE_STATIC);
		else
			rc = sqlite3_bind_null(st, i + 1);
		if (rc != SQLITE_OK)
			return map_error(c, rc);
	}
	return DB_OK;
}

static void done(sqlite3_stmt *st, int owned)
{
	if (owned) {
		sqlite3_finalize(st);
	} else {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

static int sq_exec(struct dbc *dc, const char *sql, const struct db_val *p, int n,
		   int64_t *changes)
{
	struct sq_conn *c = SQ(dc);
	sqlite3_stmt *st;
	int owned, rc = prepare(c, sql, &st, &owned);
	if (rc < 0)
		return rc;
	if ((rc = bind(c, st, p, n)) == DB_OK) {
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW)
			;
		rc = s == SQLITE_DONE ? DB_OK : map_error(c, sqlite3_extended_errcode(c->h));
		if (rc == DB_OK && changes)
			*changes = sqlite3_changes64(c->h);
	}
	done(st, owned);
	return rc;
}

static int sq_query(struct dbc *dc, struct db_res **out, const char *sql, const struct db_val *p,
		    int n)
{
	struct sq_conn *c = SQ(dc);
	sqlite3_stmt *st;
	int owned, rc = prepare(c, sql, &st, &owned);
	*out = NULL;
	if (rc < 0)
		return rc;
	if ((rc = bind(c, st, p, n)) < 0) {
		done(st, owned);
		return rc;
	}
	struct sq_res *r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->head.conn = dc;
	r->st = st;
	r->owned = owned;
	*out = (struct db_res *)r;
	return DB_OK;
}

static int sq_next(struct db_res *dr)
{
	struct sq_res *r = (struct sq_res *)dr;
	int s = sqlite3_step(r->st);
	if (s == SQLITE_ROW)
		return 1;
	if (s == SQLITE_DONE)
		return 0;
	struct sq_conn *c = SQ(r->head.conn);
	return map_error(c, sqlite3_extended_errcode(c->h));
}

static int64_t sq_int(struct db_res *dr, int col)
{
	return sqlite3_column_int64(((struct sq_res *)dr)->st, col);
}

static const char *sq_text(struct db_res *dr, int col)
{
	const unsigned char *s = sqlite3_column_text(((struct sq_res *)dr)->st, col);
	return s ? (const char *)s : "";
}

static const void *sq_blob(struct db_res *dr, int col, size_t *len)
{
	sqlite3_stmt *st = ((struct sq_res *)dr)->st;
	const void *b = sqlite3_column_blob(st, col); /* before _bytes, as SQLite asks */
	*len = b ? (size_t)sqlite3_column_bytes(st, col) : 0;
	return b ? b : "";
}

static int sq_isnull(struct db_res *dr, int col)
{
	return sqlite3_column_type(((struct sq_res *)dr)->st, col) == SQLITE_NULL;
}

static void sq_res_free(struct db_res *dr)
{
	struct sq_res *r = (struct sq_res *)dr;
	done(r->st, r->owned);
	free(r);
}

static int sq_script(struct dbc *dc, const char *sql)
{
	struct sq_conn *c = SQ(dc);
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? DB_OK : map_error(c, sqlite3_extended_errcode(c->h));
}

static void writer_done(struct sq_conn *c)
{
	if (c->writing) {
		c->writing = 0;
		pthread_mutex_unlock(&writer_lock);
	}
}

/* A handle that opened its file read-only stays so: before a write, open the file again,
 * in case it has been made writable since, so that the server writes again without a restart
 * (else the write fails with DB_STORAGE, as it would have). */
static void reopen_if_readonly(struct sq_conn *c)
{
	sqlite3 *h;
	if (sqlite3_db_readonly(c->h, "main") != 1)
		return;
	if (open_handle(sqlite3_db_filename(c->h, "main"), &h) != SQLITE_OK ||
	    sqlite3_db_readonly(h, "main") == 1) {
		sqlite3_close(h);
		return;
	}
	clear_cache(c);
	sqlite3_close(c->h);
	c->h = h;
}

static int sq_begin(struct dbc *dc, int write)
{
	struct sq_conn *c = SQ(dc);
	if (!write)
		return sq_script(dc, "BEGIN");
	reopen_if_readonly(c);
	pthread_mutex_lock(&writer_lock);
	c->writing = 1;
	int rc = sq_script(dc, "BEGIN IMMEDIATE");
	if (rc < 0)
		writer_done(c);
	return rc;
}

static int sq_commit(struct dbc *dc)
{
	struct sq_conn *c = SQ(dc);
	int rc = sq_script(dc, "COMMIT");
	if (rc == DB_OK)
		writer_done(c);
	return rc;
}

static void sq_rollback(struct dbc *dc)
{
	struct sq_conn *c = SQ(dc);
	if (!sqlite3_get_autocommit(c->h))
		sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
	writer_done(c);
}

static const char *sq_errmsg(struct dbc *dc)
{
	return SQ(dc)->err;
}

static int sq_check(struct dbc *dc, char *why, size_t len)
{
	static const char *const checks[] = {"PRAGMA integrity_check", "PRAGMA foreign_key_check"};
	struct sq_conn *c = SQ(dc);
	for (size_t i = 0; i < 2; i++) {
		sqlite3_stmt *st;
		int rc = sqlite3_prepare_v2(c->h, checks[i], -1, &st, NULL);
		if (rc != SQLITE_OK)
			return map_error(c, rc);
		int bad = 0;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			/* integrity_check says "ok"; foreign_key_check lists violations */
			const char *t = (const char *)sqlite3_column_text(st, 0);
			bad = i == 1 || !t || strcmp(t, "ok");
			if (bad)
				snprintf(why, len, "%s: %s", checks[i], t ? t : "?");
		} else if (rc != SQLITE_DONE) {
			rc = map_error(c, sqlite3_extended_errcode(c->h));
			sqlite3_finalize(st);
			return rc;
		}
		sqlite3_finalize(st);
		if (bad)
			return DB_ERROR;
	}
	return DB_OK;
}

static const char *sq_file(struct dbc *dc)
{
	return sqlite3_db_filename(SQ(dc)->h, "main");
}

/* ---- online backup (db_backup) ---- */

static int sq_backup(struct dbc *dc, const char *to, void (*progress)(void *, int, int), void *arg)
{
	struct sq_conn *c = SQ(dc);
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc, fd;
	/* the copy needs no journal: a failed one is removed whole. One read transaction over
	 * every step: without it each step would see the server's latest commit, and the backup
	 * would start again after each. */
	if ((rc = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)) ||
	    (rc = sqlite3_exec(dst, "PRAGMA journal_mode=OFF", NULL, NULL, NULL)) ||
	    (rc = sqlite3_exec(c->h, "BEGIN; SELECT COUNT(*) FROM sqlite_schema", NULL, NULL, NULL)))
		goto failed;
	if (!(b = sqlite3_backup_init(dst, "main", c->h, "main"))) {
		rc = sqlite3_extended_errcode(dst);
		goto failed;
	}
	while ((rc = sqlite3_backup_step(b, BACKUP_PAGES)) == SQLITE_OK) {
		if (progress)
			progress(arg, sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b),
				 sqlite3_backup_pagecount(b));
		usleep(BACKUP_PAUSE_US);
	}
	if (progress && rc == SQLITE_DONE)
		progress(arg, sqlite3_backup_pagecount(b), sqlite3_backup_pagecount(b));
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		goto failed;
	sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(dst);
	/* durable before the caller gives it its name */
	fd = open(to, O_RDONLY | O_CLOEXEC);
	rc = fd >= 0 && fsync(fd) == 0 ? DB_OK : DB_UNAVAILABLE;
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		snprintf(c->err, sizeof(c->err), "backup to %s: fsync failed", to);
	return rc;
failed:
	snprintf(c->err, sizeof(c->err), "backup to %s: %s", to, sqlite3_errstr(rc));
	if (!sqlite3_get_autocommit(c->h))
		sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(dst);
	return DB_UNAVAILABLE;
}

/* ---- cross-process locks (db_lock) ---- */

/* Locks of the open file description, not of the process: two connections of one process
 * exclude each other too, and closing another descriptor of the file frees nothing. Each
 * enum db_lock is one byte of the file. */
static int sq_lock(struct dbc *dc, enum db_lock l, int wait)
{
	struct sq_conn *c = SQ(dc);
	const char *file = sqlite3_db_filename(c->h, "main");
	if (!file || !*file)
		return DB_OK;
	if (c->lock_fd < 0) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s-lock", file);
		if ((c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
			snprintf(c->err, sizeof(c->err), "%s-lock: %s", file, strerror(errno));
			return DB_UNAVAILABLE;
		}
		/* created by root (an operator's `shenpi init`): the database's owner, who runs
		 * the server, must open it too; SQLite does the same with -wal and -shm */
		struct stat st;
		if (geteuid() == 0 && stat(file, &st) == 0 &&
		    fchown(c->lock_fd, st.st_uid, st.st_gid))
			log_msg(LOG_WARN, "cannot give the lock file to the database's owner",
				json_pack("{s:s,s:s}", "file", path, "error", strerror(errno)));
	}
	struct flock f = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = l, .l_len = 1};
	while (fcntl(c->lock_fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &f) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EACCES)
			return DB_BUSY;
		snprintf(c->err, sizeof(c->err), "%s-lock: %s", file, strerror(errno));
		return DB_ERROR;
	}
	return DB_OK;
}

static void sq_unlock(struct dbc *dc, enum db_lock l)
{
	struct sq_conn *c = SQ(dc);
	struct flock f = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = l, .l_len = 1};
	if (c->lock_fd >= 0)
		fcntl(c->lock_fd, F_OFD_SETLK, &f);
}

const struct db_backend db_sqlite_backend = {
	.kind = "sqlite",
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.exec = sq_exec,
	.query = sq_query,
	.next = sq_next,
	.get_int = sq_int,
	.get_text = sq_text,
	.get_blob = sq_blob,
	.isnull = sq_isnull,
	.res_free = sq_res_free,
	.script = sq_script,
	.errmsg = sq_errmsg,
	.check = sq_check,
	.file = sq_file,
	.backup = sq_backup,
	.id_column = "INTEGER PRIMARY KEY",
	.blob_column = "BLOB",
	.lock = sq_lock,
	.unlock = sq_unlock,
};
