/*
 * db_sqlite.c - the embedded SQLite backend of db.h.
 *
 * Each pooled connection has its own sqlite3 handle for reading, in WAL mode with foreign keys
 * on. The connections of a process to one file share a second handle for writing (struct
 * sq_file): write transactions take it in turn, on a mutex that hands over at once (SQLite's
 * busy handler sleeps and retries, up to 100 ms a time), with BEGIN IMMEDIATE against other
 * processes (which wait on the busy timeout). One writing handle keeps its page cache: a
 * handle's cache is dropped whenever another handle has written.
 *
 * Group commit: the write transactions of concurrent requests are made one transaction of
 * SQLite. Each runs in a savepoint of the group's transaction on the writing handle; a writer
 * that fails rolls back its savepoint only. The pages they share (the day's statistics, the
 * event chain's head, the last leaves of the tables and their indexes) are then written to the
 * WAL once a group, not once a request. In a process with a writing handle (the server) three
 * threads serve the file:
 * - the writer runs the transactions of db_write one after another, each in its savepoint,
 *   while its callers wait, and commits the group when no more are queued (or it holds
 *   GROUP_MAX): the writing handle is not handed from thread to thread, each of which may have
 *   to wait for a CPU first. db_begin_write's transactions (the sweep, a login) take the handle
 *   in turn with it and join the group it has open;
 * - the syncer: commits use synchronous=NORMAL, which appends the transaction to the WAL
 *   without waiting for the disk; the syncer then fdatasyncs the WAL, one sync for all the
 *   commits made before it began, and only then are their transactions done: db_write and
 *   db_commit return, and a reply still follows a durable commit. A read transaction first
 *   waits for the commits before it to be durable, so that no reply shows what a power cut
 *   could still take back;
 * - the checkpointer copies the WAL into the database file beside them (see wal_written).
 *
 * Prepared statements are cached per handle, looked up by a hash of their text
 * (db_sql_hash), so SQL built per call is prepared once too.
 */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"
#include "db/wal_buffer.h"

#define STMT_SETS	128 /* sets of the statement cache, a power of two */
#define STMT_WAYS	4   /* statements a set holds, the least recently used replaced first */
#define BUSY_TIMEOUT_MS 10000
#define BACKUP_PAGES	1024 /* pages a backup step copies: 4 MB at the default page size */
#define BACKUP_PAUSE_US 2000 /* between steps, leaving the disk to the server a moment */
#define GROUP_MAX	64   /* write transactions one commit takes at most */
#define CHECKPOINT_PAGES  1000 /* WAL pages between checkpoints, as SQLite's default */
#define WAL_RESTART_PAGES 10000 /* the WAL's length at which the writer checkpoints itself */

/* An open sqlite3 handle and its prepared statements. */
struct sq_handle {
	sqlite3 *db;
	struct {
		uint64_t hash; /* of sql */
		uint64_t used; /* value of `tick` at its last use */
		char *sql;     /* a copy of the text */
		sqlite3_stmt *st;
	} cache[STMT_SETS * STMT_WAYS];
	uint64_t tick;
};

/* A write transaction: queued for the writing thread (db_write), then waiting for the commit
 * of the group it joined and the WAL's sync. */
struct sq_member {
	struct sq_member *next;
	struct sq_conn *conn;
	int (*fn)(void *arg); /* db_write's; NULL for db_begin_write's */
	void *arg;
	int result;   /* fn's */
	uint64_t seq; /* the file's commits once its group's was made */
	int rc;	      /* of its savepoint, that commit or the sync */
	sem_t done;   /* posted once rc is final */
};

/* What the connections of this process to one database file share. With a writing handle (a
 * process of several connections, the server), three threads serve it: the writer runs the
 * queued write transactions, the syncer makes their commits durable, and the checkpointer
 * copies the WAL into the database file. */
struct sq_file {
	struct sq_file *next;
	char *path; /* sqlite3_db_filename; "" for a database without a file (not shared) */
	int refs;
	atomic_int want;       /* threads waiting in db_begin_write for `write` */
	pthread_mutex_t write; /* held through each turn on `writer`, and guards what follows */
	struct sq_handle writer;
	int open;		   /* the group transaction is open on `writer` */
	int nmembers;		   /* the write transactions it holds (not the refused) */
	struct sq_member *members; /* waiting for its commit */
	pthread_mutex_t sync;	   /* guards what follows */
	struct sq_member *queue, **queue_tail; /* db_write's, for the writer */
	struct sq_member *unsynced;	       /* committed, for the syncer */
	pthread_cond_t work;		       /* for the writer: queued, or `want` is back to 0 */
	pthread_cond_t to_sync; /* for the syncer: `committed` has grown, or `retry` */
	pthread_cond_t synced;	/* a sync has ended */
	uint64_t transactions;	/* write transactions committed so far */
	uint64_t committed;	/* commits of SQLite that made them */
	uint64_t attempted;	/* of which the last sync covered */
	uint64_t durable;	/* of which on disk */
	uint64_t syncs;		/* of the WAL, that commits waited for */
	int sync_err;		/* errno of the last sync */
	int retry;		/* a reader waits for commits whose sync failed */
	int ckpt_frames;	/* the WAL's length at the last checkpoint */
	int ckpt_due;
	pthread_cond_t ckpt_wake;
	int stop; /* the threads end */
	pthread_t writer_thread, syncer_thread, ckpt_thread;
	struct sq_handle ckpt; /* the checkpointer's */
};

static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sq_file *files; /* with a file, shared */

struct sq_conn {
	struct dbc_head head;
	struct sq_handle own;
	struct sq_handle *cur; /* &own, or &file->writer in a write transaction */
	struct sq_file *file;
	char err[256];
	int writing; /* holds file->write */
	int lock_fd; /* PATH-lock once db_lock opened it, else -1 */
};

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
		e = sqlite3_system_errno(c->cur->db);
	snprintf(c->err, sizeof(c->err), "%s%s%s", sqlite3_errmsg(c->cur->db), e ? ": " : "",
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

static int wal_written(void *arg, sqlite3 *db, const char *name, int frames);

/* Before SQLite's first use: no statistics of its memory, whose global mutex every allocation
 * of every thread would take. */
static void configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
static void *writer_main(void *arg);
static void *syncer_main(void *arg);

/* Open path into h with the given synchronous setting; on failure errbuf says why. With hook,
 * the writing handle of that file: its commits leave the checkpoints to the file's
 * checkpointer. */
static int handle_open(struct sq_handle *h, const char *path, const char *sync,
		       struct sq_file *hook, char *errbuf, size_t errlen)
{
	char pragmas[128];
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; "
		 "PRAGMA temp_store=MEMORY;",
		 sync);
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure);
	int rc = sqlite3_open_v2(path, &h->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 wal_buffer_vfs());
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(h->db, 1);
		sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);
		if (hook)
			sqlite3_wal_hook(h->db, wal_written, hook);
		rc = sqlite3_exec(h->db, pragmas, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s: %s", path,
			 h->db ? sqlite3_errmsg(h->db) : "cannot open");
		sqlite3_close(h->db);
		h->db = NULL;
		return DB_UNAVAILABLE;
	}
	return DB_OK;
}

static void handle_close(struct sq_handle *h)
{
	for (int i = 0; i < STMT_SETS * STMT_WAYS; i++) {
		sqlite3_finalize(h->cache[i].st);
		free(h->cache[i].sql);
	}
	sqlite3_close(h->db);
}

/* A handle that opened its file read-only stays so: before a write, open the file again, in
 * case it has been made writable since, so that the server writes again without a restart
 * (else the write fails with DB_STORAGE, as it would have). hook: as handle_open's. */
static void reopen_if_readonly(struct sq_handle *h, const char *sync, struct sq_file *hook)
{
	if (sqlite3_db_readonly(h->db, "main") != 1)
		return;
	struct sq_handle fresh = {0};
	char why[256];
	if (handle_open(&fresh, sqlite3_db_filename(h->db, "main"), sync, hook, why, sizeof(why)) <
	    0)
		return;
	if (sqlite3_db_readonly(fresh.db, "main") == 1) {
		handle_close(&fresh);
		return;
	}
	handle_close(h);
	*h = fresh;
}

/* The checkpointer copies the WAL's pages into the database file (a passive checkpoint, beside
 * the writer and the readers) each time the writer has added CHECKPOINT_PAGES to the WAL, so
 * that the writer does not spend its time on it: SQLite's automatic checkpoint runs in the
 * commit that crosses its threshold, syncs included. The writer still checkpoints itself once
 * the WAL holds WAL_RESTART_PAGES: a checkpoint made while no one writes lets the next write
 * start the WAL again from its beginning, which a checkpoint beside the writes never does. */
static int wal_written(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sq_file *f = arg;
	pthread_mutex_lock(&f->sync);
	if (frames < f->ckpt_frames) /* the WAL has started again from its beginning */
		f->ckpt_frames = 0;
	if (frames - f->ckpt_frames >= CHECKPOINT_PAGES && !f->ckpt_due) {
		f->ckpt_due = 1;
		pthread_cond_signal(&f->ckpt_wake);
	}
	pthread_mutex_unlock(&f->sync);
	if (frames >= WAL_RESTART_PAGES)
		sqlite3_wal_checkpoint(db, name);
	return SQLITE_OK;
}

static void *checkpointer(void *arg)
{
	struct sq_file *f = arg;
	int failing = 0;
	pthread_setname_np(pthread_self(), "db-checkpoint");
	pthread_mutex_lock(&f->sync);
	for (;;) {
		while (!f->ckpt_due && !f->stop)
			pthread_cond_wait(&f->ckpt_wake, &f->sync);
		if (f->stop)
			break;
		f->ckpt_due = 0;
		pthread_mutex_unlock(&f->sync);
		reopen_if_readonly(&f->ckpt, "NORMAL", NULL);
		int frames = 0, copied = 0;
		int rc = sqlite3_wal_checkpoint_v2(f->ckpt.db, "main", SQLITE_CHECKPOINT_PASSIVE,
						   &frames, &copied);
		/* on a full or read-only disk the WAL grows meanwhile: said once a failure */
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && !failing)
			log_msg(LOG_WARN, "checkpoint failed: the WAL grows until one succeeds",
				json_pack("{s:s,s:s}", "file", f->path, "error",
					  sqlite3_errmsg(f->ckpt.db)));
		failing = rc != SQLITE_OK && rc != SQLITE_BUSY;
		pthread_mutex_lock(&f->sync);
		if (rc == SQLITE_OK)
			f->ckpt_frames = frames;
	}
	pthread_mutex_unlock(&f->sync);
	return NULL;
}

static void file_free(struct sq_file *f)
{
	if (f->writer.db) {
		pthread_mutex_lock(&f->sync);
		f->stop = 1;
		pthread_cond_signal(&f->work);
		pthread_cond_signal(&f->to_sync);
		pthread_cond_signal(&f->ckpt_wake);
		pthread_mutex_unlock(&f->sync);
		pthread_join(f->writer_thread, NULL);
		pthread_join(f->syncer_thread, NULL);
		pthread_join(f->ckpt_thread, NULL);
		handle_close(&f->ckpt);
		handle_close(&f->writer);
	}
	pthread_mutex_destroy(&f->write);
	pthread_mutex_destroy(&f->sync);
	pthread_cond_destroy(&f->work);
	pthread_cond_destroy(&f->to_sync);
	pthread_cond_destroy(&f->synced);
	pthread_cond_destroy(&f->ckpt_wake);
	free(f->path);
	free(f);
}

/* Start fn(arg) on a thread of its own that takes no signal: they are the process's to
 * handle (the server waits for them on its main thread). */
static void thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, was;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &was);
	if (pthread_create(t, NULL, fn, arg))
		abort();
	pthread_sigmask(SIG_SETMASK, &was, NULL);
}

/* The writing handle of f and its threads, for f's second connection. */
static int file_serve(struct sq_file *f, const char *url_path, char *errbuf, size_t errlen)
{
	int rc = handle_open(&f->writer, url_path, "NORMAL", f, errbuf, errlen);
	if (rc == DB_OK &&
	    (rc = handle_open(&f->ckpt, url_path, "NORMAL", NULL, errbuf, errlen)) < 0) {
		handle_close(&f->writer);
		f->writer = (struct sq_handle){0};
	}
	if (rc == DB_OK) {
		thread_start(&f->writer_thread, writer_main, f);
		thread_start(&f->syncer_thread, syncer_main, f);
		thread_start(&f->ckpt_thread, checkpointer, f);
	}
	return rc;
}

/* The shared part of the file c->own is open on, made for the first connection. The writing
 * handle is opened for the second: a process with one connection (the CLI) writes on that
 * connection's own handle, so that the PRAGMAs it sets (gen, import) apply to its writes. */
static int file_join(struct sq_conn *c, const char *url_path, char *errbuf, size_t errlen)
{
	const char *path = sqlite3_db_filename(c->own.db, "main");
	struct sq_file *f;
	int rc = DB_OK;
	pthread_mutex_lock(&files_lock);
	for (f = *path ? files : NULL; f && strcmp(f->path, path); f = f->next)
		;
	if (!f) {
		if (!(f = calloc(1, sizeof(*f))) || !(f->path = strdup(path)))
			abort();
		pthread_mutex_init(&f->write, NULL);
		pthread_mutex_init(&f->sync, NULL);
		pthread_cond_init(&f->work, NULL);
		pthread_cond_init(&f->to_sync, NULL);
		pthread_cond_init(&f->synced, NULL);
		pthread_cond_init(&f->ckpt_wake, NULL);
		f->queue_tail = &f->queue;
		if (*path) { /* a database without a file is its connection's alone */
			f->next = files;
			files = f;
		}
	} else if (!f->writer.db) {
		rc = file_serve(f, url_path, errbuf, errlen);
	}
	if (rc == DB_OK)
		f->refs++;
	pthread_mutex_unlock(&files_lock);
	c->file = f;
	return rc;
}

static void file_leave(struct sq_file *f)
{
	pthread_mutex_lock(&files_lock);
	int last = --f->refs == 0;
	if (last && *f->path) {
		struct sq_file **p = &files;
		while (*p != f)
			p = &(*p)->next;
		*p = f->next;
	}
	pthread_mutex_unlock(&files_lock);
	if (last)
		file_free(f);
}

static int sq_connect(struct dbc **out, const char *url, char *errbuf, size_t errlen)
{
	const char *path = url + strlen("sqlite:");
	struct sq_conn *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->lock_fd = -1;
	c->cur = &c->own;
	if (handle_open(&c->own, path, "FULL", NULL, errbuf, errlen) < 0) {
		free(c);
		return DB_UNAVAILABLE;
	}
	if (file_join(c, path, errbuf, errlen) < 0) {
		handle_close(&c->own);
		free(c);
		return DB_UNAVAILABLE;
	}
	*out = (struct dbc *)c;
	return DB_OK;
}

static void sq_disconnect(struct dbc *dc)
{
	struct sq_conn *c = SQ(dc);
	handle_close(&c->own);
	file_leave(c->file);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c);
}

/* A statement for sql, from the cache of the handle in use when it is free; *owned is set when
 * the caller must finalize it (every slot of its set holds a statement still being stepped). */
static int prepare(struct sq_conn *c, const char *sql, sqlite3_stmt **st, int *owned)
{
	struct sq_handle *h = c->cur;
	uint64_t hash = db_sql_hash(sql);
	size_t set = (hash & (STMT_SETS - 1)) * STMT_WAYS, victim = SIZE_MAX;
	*owned = 0;
	for (size_t i = set; i < set + STMT_WAYS; i++) {
		if (h->cache[i].st && sqlite3_stmt_busy(h->cache[i].st))
			continue;
		if (h->cache[i].sql && h->cache[i].hash == hash && !strcmp(h->cache[i].sql, sql)) {
			h->cache[i].used = ++h->tick;
			*st = h->cache[i].st;
			return DB_OK;
		}
		if (victim == SIZE_MAX || h->cache[i].used < h->cache[victim].used)
			victim = i;
	}
	int rc = sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK)
		return map_error(c, rc);
	if (victim == SIZE_MAX) {
		*owned = 1;
		return DB_OK;
	}
	sqlite3_finalize(h->cache[victim].st);
	free(h->cache[victim].sql);
	h->cache[victim].hash = hash;
	h->cache[victim].used = ++h->tick;
	h->cache[victim].sql = strdup(sql);
	h->cache[victim].st = *st;
	if (!h->cache[victim].sql)
		abort();
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

static int sq_exec(struct dbc *dc, const char *sql, const struct db_val *p, int n, int64_t *changes)
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
		rc = s == SQLITE_DONE ? DB_OK : map_error(c, sqlite3_extended_errcode(c->cur->db));
		if (rc == DB_OK && changes)
			*changes = sqlite3_changes64(c->cur->db);
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
	return map_error(c, sqlite3_extended_errcode(c->cur->db));
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
	int rc = sqlite3_exec(c->cur->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? DB_OK : map_error(c, sqlite3_extended_errcode(c->cur->db));
}

/* fdatasync the WAL of f through *fd, a descriptor of its own opened on first use (a sync
 * covers the file, whoever wrote it; the WAL lasts as long as the server's connections); 0 or
 * an errno. No WAL: nothing waits, a checkpoint has synced the database file. */
static int wal_sync(struct sq_file *f, int *fd)
{
	if (*fd < 0) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s-wal", f->path);
		if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return errno == ENOENT ? 0 : errno;
	}
	return fdatasync(*fd) == 0 ? 0 : errno;
}

/* m is done with rc: its thread goes on. */
static void member_done(struct sq_member *m, int rc)
{
	m->rc = rc;
	sem_post(&m->done);
}

/* The code of a failed sync of the WAL (errno err), with c's message. */
static int sync_error(struct sq_conn *c, int err)
{
	snprintf(c->err, sizeof(c->err), "%s-wal: fdatasync: %s", c->file->path, strerror(err));
	return storage_errno(err) ? DB_STORAGE : DB_UNAVAILABLE;
}

/* The syncer: syncs the WAL when commits have been made since its last sync began (or a reader
 * asks again after a failed one). One sync covers every commit made before it began: then the
 * transactions these commits hold are done, and the readers waiting for them go on. */
static void *syncer_main(void *arg)
{
	struct sq_file *f = arg;
	int fd = -1;
	pthread_setname_np(pthread_self(), "db-syncer");
	pthread_mutex_lock(&f->sync);
	for (;;) {
		while (f->attempted == f->committed && !f->retry && !f->stop)
			pthread_cond_wait(&f->to_sync, &f->sync);
		if (f->attempted == f->committed && !f->retry)
			break;
		uint64_t upto = f->committed;
		f->retry = 0;
		pthread_mutex_unlock(&f->sync);
		int err = wal_sync(f, &fd);
		pthread_mutex_lock(&f->sync);
		f->syncs++;
		f->attempted = upto;
		f->sync_err = err;
		if (!err && upto > f->durable)
			f->durable = upto;
		struct sq_member *done = NULL;
		for (struct sq_member **p = &f->unsynced; *p;) {
			struct sq_member *m = *p;
			if (m->seq > upto) {
				p = &m->next;
				continue;
			}
			*p = m->next;
			m->next = done;
			done = m;
		}
		pthread_cond_broadcast(&f->synced);
		pthread_mutex_unlock(&f->sync);
		for (struct sq_member *m = done, *next; m; m = next) {
			next = m->next; /* m is gone once posted */
			member_done(m, err ? sync_error(m->conn, err) : DB_OK);
		}
		pthread_mutex_lock(&f->sync);
	}
	pthread_mutex_unlock(&f->sync);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Before a read transaction of c: wait until the commits made so far are on disk, so that no
 * reply shows what a power cut could still take back. */
static int read_wait(struct sq_conn *c)
{
	struct sq_file *f = c->file;
	int err = 0;
	pthread_mutex_lock(&f->sync);
	uint64_t upto = f->committed, syncs = f->syncs;
	if (f->durable < upto && f->attempted >= upto) { /* their sync failed: again */
		f->retry = 1;
		pthread_cond_signal(&f->to_sync);
	}
	while (f->durable < upto && !err) {
		if (f->syncs > syncs && f->attempted >= upto)
			err = f->sync_err;
		else
			pthread_cond_wait(&f->synced, &f->sync);
	}
	pthread_mutex_unlock(&f->sync);
	return err ? sync_error(c, err) : DB_OK;
}

/* Decide the open group transaction of f, with f->write held: committed (rc DB_OK), its
 * members wait until the commits so far are durable (a group whose transactions were all
 * refused was rolled back: there is nothing new to sync); else they are done with rc. */
static void group_decide(struct sq_file *f, int rc, const char *err)
{
	pthread_mutex_lock(&f->sync);
	if (rc == DB_OK && f->nmembers) {
		f->committed++;
		f->transactions += (uint64_t)f->nmembers;
		pthread_cond_signal(&f->to_sync);
	} else if (rc == DB_OK && f->durable < f->committed && f->attempted == f->committed) {
		f->retry = 1; /* the last sync failed: again, for them */
		pthread_cond_signal(&f->to_sync);
	}
	for (struct sq_member *m = f->members, *next; m; m = next) {
		next = m->next;
		if (rc == DB_OK && f->durable < f->committed) {
			m->seq = f->committed;
			m->next = f->unsynced;
			f->unsynced = m;
			continue;
		}
		if (rc < 0 && m->conn->err != err)
			snprintf(m->conn->err, sizeof(m->conn->err), "%s", err);
		member_done(m, rc);
	}
	pthread_mutex_unlock(&f->sync);
	f->members = NULL;
	f->nmembers = 0;
	f->open = 0;
}

/* Wait until m is done; its code. */
static int member_wait(struct sq_member *m)
{
	while (sem_wait(&m->done))
		;
	sem_destroy(&m->done);
	return m->rc;
}

/* Begin c's turn on the writing handle, with f->write held: a savepoint of the group
 * transaction, which is begun first when none is open. */
static int turn_open(struct sq_conn *c)
{
	struct sq_file *f = c->file;
	c->writing = 1;
	c->cur = &f->writer;
	int rc = DB_OK;
	if (!f->open) {
		reopen_if_readonly(c->cur, "NORMAL", f);
		if ((rc = sq_exec((struct dbc *)c, "BEGIN IMMEDIATE", NULL, 0, NULL)) == DB_OK)
			f->open = 1;
	}
	return rc == DB_OK ? sq_exec((struct dbc *)c, "SAVEPOINT w", NULL, 0, NULL) : rc;
}

/* End c's savepoint: with keep, released; else (or when the release fails) rolled back, only
 * this writer's part: the group's earlier members stay. Then m, when given, joins the group's
 * members, unless the release failed: a refused transaction's answer too may rest on what the
 * group and the commits before it wrote, so it waits until they are durable as well. DB_OK
 * when m has joined; else m's code. SQLite may have rolled the whole group back itself on an
 * error (a full disk): then every member fails. */
static int turn_close(struct sq_conn *c, struct sq_member *m, int keep)
{
	struct sq_file *f = c->file;
	sqlite3 *db = f->writer.db;
	int rc = keep ? sq_exec((struct dbc *)c, "RELEASE w", NULL, 0, NULL) : DB_OK;
	if ((!keep || rc < 0) && sqlite3_get_autocommit(db)) {
		int lost = map_error(c, sqlite3_extended_errcode(db));
		if (f->open)
			group_decide(f, lost, c->err);
		return rc < 0 ? rc : lost;
	}
	if (!keep || rc < 0)
		sqlite3_exec(db, "ROLLBACK TO w; RELEASE w", NULL, NULL, NULL);
	if (rc == DB_OK && m) {
		m->next = f->members;
		f->members = m;
		f->nmembers += keep;
	}
	return rc;
}

/* End c's turn on the writing handle. The group transaction stays open when a db_begin_write
 * waits for the handle and the group is not full; else it is committed now, for all its
 * members (rolled back when it has none). */
static void writer_done(struct sq_conn *c)
{
	if (!c->writing)
		return;
	struct sq_file *f = c->file;
	if (f->open && c->cur == &f->writer &&
	    (!atomic_load(&f->want) || f->nmembers >= GROUP_MAX)) {
		int rc =
		    sq_exec((struct dbc *)c, f->nmembers ? "COMMIT" : "ROLLBACK", NULL, 0, NULL);
		if (rc < 0 && !sqlite3_get_autocommit(f->writer.db))
			sqlite3_exec(f->writer.db, "ROLLBACK", NULL, NULL, NULL);
		group_decide(f, rc, c->err);
	}
	c->writing = 0;
	c->cur = &c->own;
	pthread_mutex_unlock(&f->write);
}

/* One turn of the writer (self, a connection without a handle of its own): the queued write
 * transactions, each in its savepoint of one group, until the queue is empty or the group
 * full; then the group is committed. */
static void writer_turn(struct sq_conn *self)
{
	struct sq_file *f = self->file;
	pthread_mutex_lock(&f->write);
	for (;;) {
		pthread_mutex_lock(&f->sync);
		struct sq_member *m = f->nmembers < GROUP_MAX ? f->queue : NULL;
		if (m && !(f->queue = m->next))
			f->queue_tail = &f->queue;
		pthread_mutex_unlock(&f->sync);
		if (!m)
			break;
		struct sq_conn *c = m->conn;
		int rc = turn_open(c);
		if (rc == DB_OK) {
			c->head.in_tx = 1;
			m->result = m->fn(m->arg);
			c->head.in_tx = 0;
			rc = turn_close(c, m, m->result >= 0);
		} else {
			turn_close(c, NULL, 0);
		}
		c->writing = 0;
		c->cur = &c->own;
		/* done without joining the group: c is its thread's again */
		if (rc < 0)
			member_done(m, rc);
	}
	self->writing = 1;
	self->cur = &f->writer;
	writer_done(self);
}

/* The writer: one thread runs the write transactions of every db_write, so that the writing
 * handle is not handed from thread to thread, each of which may have to wait for a CPU first.
 * It gives way to db_begin_write's. */
static void *writer_main(void *arg)
{
	struct sq_file *f = arg;
	struct sq_conn *self = calloc(1, sizeof(*self));
	if (!self)
		abort();
	self->file = f;
	self->lock_fd = -1;
	pthread_setname_np(pthread_self(), "db-writer");
	pthread_mutex_lock(&f->sync);
	for (;;) {
		while ((!f->queue || atomic_load(&f->want)) && !f->stop)
			pthread_cond_wait(&f->work, &f->sync);
		if (f->stop)
			break;
		pthread_mutex_unlock(&f->sync);
		writer_turn(self);
		pthread_mutex_lock(&f->sync);
	}
	pthread_mutex_unlock(&f->sync);
	free(self);
	return NULL;
}

static int sq_write(struct dbc *dc, int (*fn)(void *arg), void *arg, int *result)
{
	struct sq_conn *c = SQ(dc);
	struct sq_file *f = c->file;
	if (!f->writer.db)
		return db_write_plain(dc, fn, arg, result);
	struct sq_member m = {.conn = c, .fn = fn, .arg = arg};
	sem_init(&m.done, 0, 0);
	pthread_mutex_lock(&f->sync);
	*f->queue_tail = &m;
	f->queue_tail = &m.next;
	if (f->queue == &m) /* the writer waits only for an empty queue to fill */
		pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->sync);
	int rc = member_wait(&m);
	*result = m.result;
	return rc;
}

static int sq_begin(struct dbc *dc, int write)
{
	struct sq_conn *c = SQ(dc);
	struct sq_file *f = c->file;
	if (!write) {
		int rc = read_wait(c);
		return rc < 0 ? rc : sq_exec(dc, "BEGIN", NULL, 0, NULL);
	}
	atomic_fetch_add(&f->want, 1);
	pthread_mutex_lock(&f->write);
	if (atomic_fetch_sub(&f->want, 1) == 1 && f->writer.db) { /* the writer may go on */
		pthread_mutex_lock(&f->sync);
		pthread_cond_signal(&f->work);
		pthread_mutex_unlock(&f->sync);
	}
	if (!f->writer.db) { /* the file's only connection: its own handle, synced at commit */
		c->writing = 1;
		reopen_if_readonly(c->cur, "FULL", NULL);
		int rc = sq_exec(dc, "BEGIN IMMEDIATE", NULL, 0, NULL);
		if (rc < 0)
			writer_done(c);
		return rc;
	}
	int rc = turn_open(c);
	if (rc < 0)
		writer_done(c);
	return rc;
}

/* End db_begin_write's turn of c on the writing handle, its savepoint kept or not, and wait as
 * a member of the group: what the caller answers, even a refusal, may rest on the group's
 * writes. DB_OK once they are durable; else the code. */
static int turn_end(struct sq_conn *c, int keep)
{
	struct sq_member me = {.conn = c};
	sem_init(&me.done, 0, 0);
	int rc = turn_close(c, &me, keep);
	writer_done(c);
	if (rc < 0) {
		sem_destroy(&me.done);
		return rc;
	}
	return member_wait(&me);
}

static int sq_commit(struct dbc *dc)
{
	struct sq_conn *c = SQ(dc);
	if (!c->writing || c->cur != &c->file->writer) {
		int rc = sq_exec(dc, "COMMIT", NULL, 0, NULL);
		if (rc == DB_OK)
			writer_done(c);
		return rc;
	}
	return turn_end(c, 1);
}

static void sq_rollback(struct dbc *dc)
{
	struct sq_conn *c = SQ(dc);
	sqlite3 *db = c->cur->db;
	if (!c->writing || c->cur != &c->file->writer) {
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		writer_done(c);
		return;
	}
	turn_end(c, 0);
}

static void sq_commit_stats(struct dbc *dc, struct db_commit_stats *out)
{
	struct sq_file *f = SQ(dc)->file;
	pthread_mutex_lock(&f->sync);
	out->transactions = f->transactions;
	out->commits = f->committed;
	out->syncs = f->syncs;
	out->durable = f->durable;
	pthread_mutex_unlock(&f->sync);
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
		int rc = sqlite3_prepare_v2(c->own.db, checks[i], -1, &st, NULL);
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
			rc = map_error(c, sqlite3_extended_errcode(c->own.db));
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
	return sqlite3_db_filename(SQ(dc)->own.db, "main");
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
	    (rc = sqlite3_exec(c->own.db, "BEGIN; SELECT COUNT(*) FROM sqlite_schema", NULL, NULL,
			       NULL)))
		goto failed;
	if (!(b = sqlite3_backup_init(dst, "main", c->own.db, "main"))) {
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
	sqlite3_exec(c->own.db, "ROLLBACK", NULL, NULL, NULL);
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
	if (!sqlite3_get_autocommit(c->own.db))
		sqlite3_exec(c->own.db, "ROLLBACK", NULL, NULL, NULL);
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
	const char *file = sqlite3_db_filename(c->own.db, "main");
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
	.write = sq_write,
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
	/* a constraint's index (sqlite_autoindex_…) has no statement of its own */
	.indexes_sql = "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? "
		       "AND sql IS NOT NULL ORDER BY name",
	/* a foreign key is part of its table's statement: none can be dropped alone */
	.fkeys_sql = "SELECT NULL, NULL FROM pragma_foreign_key_list(?) WHERE 0",
	.lock = sq_lock,
	.unlock = sq_unlock,
	.commit_stats = sq_commit_stats,
};
