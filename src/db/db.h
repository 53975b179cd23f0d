/*
 * db.h - the one storage interface of shenpi.
 *
 * A `struct db` is a pool of connections to one database, chosen by URL:
 *   sqlite:PATH              embedded SQLite (WAL, synchronous=FULL, foreign keys on)
 *   postgresql://...         PostgreSQL through libpq (also postgres://)
 * Each backend fills a `struct db_backend` table of functions (db_sqlite.c, db_pg.c); nothing
 * above this header knows which one runs.
 *
 * SQL is written once for both backends: positional parameters are `?` (the PostgreSQL
 * backend rewrites them to $1, $2, ...), values are integers, text, bytes (blobs) or NULL,
 * times are Unix seconds in BIGINT columns and booleans are 0/1 integers. Migration scripts
 * may use the tokens @ID@ (an auto-increment BIGINT primary key) and @BLOB@ (a column of
 * bytes: BLOB, BYTEA) which each backend expands.
 *
 * Errors: every function returns 0 on success or a negative `enum db_err`. The message of
 * the last failure of a connection is kept in db_errmsg() for the log; it never reaches users.
 */
#ifndef SHENPI_DB_H
#define SHENPI_DB_H

#include <stddef.h>
#include <stdint.h>

enum db_err {
	DB_OK = 0,
	DB_ERROR = -1,	    /* anything else: logged, reported to users as internal */
	DB_UNIQUE = -2,	    /* a unique or primary-key constraint was violated */
	DB_FOREIGN = -3,    /* a foreign-key constraint was violated */
	DB_BUSY = -4,	    /* the database stayed locked past the busy timeout */
	DB_UNAVAILABLE = -5, /* cannot connect / connection lost */
	DB_STORAGE = -6	     /* disk full or database read-only: writes fail, reads go on */
};

enum db_type { DB_NULL, DB_INT, DB_TEXT, DB_BLOB };

/* One bound parameter. Build them with the DBI/DBT/DBB/DBN macros below. */
struct db_val {
	enum db_type type;
	int64_t i;
	const char *s; /* DB_TEXT: NUL-terminated UTF-8; DB_BLOB: len bytes; NULL = SQL NULL */
	size_t len;    /* DB_BLOB */
};
#define DBI(v) ((struct db_val){.type = DB_INT, .i = (int64_t)(v)})
#define DBT(v) ((struct db_val){.type = DB_TEXT, .s = (v)})
#define DBB(p, n) ((struct db_val){.type = DB_BLOB, .s = (const char *)(p), .len = (n)})
#define DBN ((struct db_val){.type = DB_NULL})

struct db;     /* a pool of connections */
struct dbc;    /* one connection, used by one thread at a time */
struct db_res; /* the rows of one query */

/* Open a pool of `size` connections (at least 1) to `url`. */
int db_open(struct db **out, const char *url, int size);
/* Close every connection; all must have been released. */
void db_close(struct db *db);
/* "sqlite" or "postgresql". */
const char *db_kind(const struct db *db);

/* Take a connection from the pool, waiting for one if all are in use; give it back. A
 * connection is released outside any transaction (an open one is rolled back). */
struct dbc *db_acquire(struct db *db);
void db_release(struct dbc *c);

/* Transactions. db_begin_write takes the write lock at once (BEGIN IMMEDIATE on SQLite) so
 * that concurrent writers queue instead of failing on lock upgrade. */
int db_begin_read(struct dbc *c);
int db_begin_write(struct dbc *c);
int db_commit(struct dbc *c);
void db_rollback(struct dbc *c);
/* A write transaction of c running fn(arg): as db_begin_write, fn, then db_commit, or
 * db_rollback when fn returns < 0. *result gets what fn returned (0 when it did not run); the
 * return is the DB_ code of the begin or the commit. When fn failed it is DB_OK once what fn
 * read is as durable as a commit would be, else the code of what kept it from that: a refusal
 * is not answered before the writes it may rest on could survive a power cut. On SQLite fn may run
 * on another thread, one that runs the queued transactions of several callers in turn (while the
 * caller waits), so fn must use only c, arg and what they lead to. */
int db_write(struct dbc *c, int (*fn)(void *arg), void *arg, int *result);

/* Run one statement that returns no rows; *changes (may be NULL) gets the rows affected. */
int db_exec(struct dbc *c, const char *sql, const struct db_val *params, int n, int64_t *changes);
/* Run one statement and step through its rows:
 *   struct db_res *r; if (db_query(c, &r, sql, p, n) < 0) ...
 *   while ((rc = db_next(r)) > 0) { db_int(r, 0); db_text(r, 1); }
 *   db_res_free(r);
 * db_next returns 1 for a row, 0 at the end, a negative db_err on failure. Column values stay
 * valid until the next db_next or db_res_free. db_text returns "" for NULL; db_isnull tells.
 * db_blob returns the bytes of a blob column and their count in *len (never NULL: "" with
 * *len 0 for NULL or an empty blob). */
int db_query(struct dbc *c, struct db_res **out, const char *sql, const struct db_val *params,
	     int n);
/* db_query for a long result that the caller may stop reading early (a page read in order
 * and decided row by row). SQLite steps lazily anyway; PostgreSQL, which db_query makes
 * compute and send every row before the first db_next, computes the rows here in batches as
 * they are read, through a cursor planned for its first rows. The cursor belongs to the
 * transaction: inside one, other statements may run between two db_next, and the result
 * must be freed before the transaction ends (db_next fails afterwards; an error found while
 * reading, as at db_query, aborts the transaction). Outside a transaction it is db_query. */
int db_query_partial(struct dbc *c, struct db_res **out, const char *sql,
		     const struct db_val *params, int n);
int db_next(struct db_res *r);
int64_t db_int(struct db_res *r, int col);
const char *db_text(struct db_res *r, int col);
const void *db_blob(struct db_res *r, int col, size_t *len);
int db_isnull(struct db_res *r, int col);
void db_res_free(struct db_res *r);

/* Run several ;-separated statements without parameters (migrations). */
int db_script(struct dbc *c, const char *sql);

/* Bulk loading: many rows into one table, inside a write transaction, nothing else run on the
 * connection between begin and end:
 *   db_copy_begin(c, "case_steps", "id, case_id, stage");
 *   for each row: db_copy_row(c, vals, 3);     (a value for each column, in their order)
 *   if (db_copy_end(c) < 0) db_rollback(c);
 * PostgreSQL streams the rows with COPY FROM STDIN; other backends run a prepared INSERT a
 * row. `table` and `columns` are SQL text of the program, never input. A failure shows at
 * db_copy_row or only at db_copy_end, which returns the first one: always call db_copy_end,
 * and roll back when it fails (none of the copy's rows remain then). When the columns
 * include `id`, the table's next automatic id continues after the largest id copied, so
 * rows may be given their ids up front and be referred to by rows copied later. */
int db_copy_begin(struct dbc *c, const char *table, const char *columns);
int db_copy_row(struct dbc *c, const struct db_val *vals, int n);
int db_copy_end(struct dbc *c);

/* Check the database's own integrity (SQLite: integrity_check and foreign_key_check).
 * 0 when sound; otherwise DB_ERROR with a description in why. */
int db_check(struct dbc *c, char *why, size_t len);

/* The database file (SQLite, an absolute path) or NULL (PostgreSQL). */
const char *db_file(struct dbc *c);

/* Copy the database c is connected to into the empty file `to`, as one consistent
 * snapshot taken while other connections and processes go on writing: SQLite's online backup,
 * a few megabytes a step with a pause between, inside one read transaction (in WAL mode a
 * reader holds no writer up, and the snapshot never restarts). `to` is complete and fsynced
 * when this returns 0; on failure it may be partial, for the caller to remove. progress (may
 * be NULL) gets the pages copied and the total after every step. SQLite only: DB_ERROR on
 * PostgreSQL, which pg_dump and pg_basebackup back up (docs/admin.md). */
int db_backup(struct dbc *c, const char *to, void (*progress)(void *arg, int done, int total),
	      void *arg);

/* Group commit on SQLite (db_sqlite.c): what this process has written to c's database. All 0
 * on PostgreSQL, which groups commits itself. */
struct db_commit_stats {
	uint64_t transactions; /* write transactions committed */
	uint64_t commits;      /* commits of SQLite that made them: several a commit */
	uint64_t syncs;	       /* of the log, that commits waited for: several commits a sync */
	uint64_t durable;      /* of the commits, those known to be on disk */
};
void db_commit_stats(struct dbc *c, struct db_commit_stats *out);

/* The indexes of `table` that no constraint needs (neither its primary key's nor a UNIQUE
 * constraint's), one row each: the index's name and the statement that creates it again.
 * A bulk load into an empty table drops them and builds each once after the rows are in
 * (domain/bulk.h); inside a transaction both are undone by a rollback. */
int db_indexes(struct dbc *c, struct db_res **out, const char *table);

/* The foreign keys of `table` that can be dropped and added again, one row each: the
 * constraint's name and the statement that adds it again (ALTER TABLE … ADD CONSTRAINT, which
 * checks every row at once). None on SQLite, where a foreign key is part of its table's
 * statement and cannot be dropped alone. */
int db_fkeys(struct dbc *c, struct db_res **out, const char *table);

/* Give the planner the statistics of `table` after a bulk load (PostgreSQL: ANALYZE, without
 * which it plans from the table's size alone); nothing on SQLite. */
int db_analyze(struct dbc *c, const char *table);

/* The text of the last failure on this connection, for logs. */
const char *db_errmsg(struct dbc *c);

/* Cross-process locks, for work that one process at a time may do. A lock belongs to the
 * connection that took it until db_unlock, until the connection closes, or until its process
 * dies, so a crashed holder never keeps it:
 *   PostgreSQL  session-level advisory locks; a session lost and reset has none left (a lost
 *               session is noticed at the connection's next statement)
 *   SQLite      fcntl locks of the open file description on one byte each of the file
 *               PATH-lock beside the database (none for a database without a file, which no
 *               other process can open)
 * db_lock with wait blocks until the lock is free; without, it returns DB_BUSY at once when
 * another connection holds it. DB_OK when c holds it (taken now or before). */
enum db_lock {
	DB_LOCK_MIGRATE, /* db_migrate */
	DB_LOCK_SWEEPER, /* kept by the one server that runs the background sweep (api/sweep.c) */
	DB_LOCK_SWEEP,	 /* held through each run of the sweep, the CLI's too */
};
int db_lock(struct dbc *c, enum db_lock l, int wait);
void db_unlock(struct dbc *c, enum db_lock l);

/* Apply the embedded migrations (src/db/migrations/NNN_name.sql) that are not yet applied,
 * each in its own transaction, serialised across processes. *applied gets how many ran. */
int db_migrate(struct db *db, int *applied);

/* The hash of a statement's text, for the backends' caches of prepared statements: keyed by
 * the text, so SQL built per call (arena_printf) is prepared once, like a literal. */
uint64_t db_sql_hash(const char *sql);

/* The backend function table; one per backend file. */
struct db_backend {
	const char *kind;
	/* connect one connection; errbuf gets a message on failure */
	int (*connect)(struct dbc **out, const char *url, char *errbuf, size_t errlen);
	void (*disconnect)(struct dbc *c);
	int (*begin)(struct dbc *c, int write);
	int (*commit)(struct dbc *c);
	void (*rollback)(struct dbc *c);
	/* db_write; NULL for db_write_plain */
	int (*write)(struct dbc *c, int (*fn)(void *arg), void *arg, int *result);
	int (*exec)(struct dbc *c, const char *sql, const struct db_val *p, int n, int64_t *changes);
	int (*query)(struct dbc *c, struct db_res **out, const char *sql, const struct db_val *p,
		     int n);
	/* db_query_partial; NULL when query already reads lazily */
	int (*query_partial)(struct dbc *c, struct db_res **out, const char *sql,
			     const struct db_val *p, int n);
	int (*next)(struct db_res *r);
	int64_t (*get_int)(struct db_res *r, int col);
	const char *(*get_text)(struct db_res *r, int col);
	const void *(*get_blob)(struct db_res *r, int col, size_t *len);
	int (*isnull)(struct db_res *r, int col);
	void (*res_free)(struct db_res *r);
	int (*script)(struct dbc *c, const char *sql);
	const char *(*errmsg)(struct dbc *c);
	int (*check)(struct dbc *c, char *why, size_t len);
	const char *(*file)(struct dbc *c);
	/* db_backup; NULL when the backend has none */
	int (*backup)(struct dbc *c, const char *to, void (*progress)(void *, int, int), void *arg);
	/* what @ID@ in a migration becomes: an auto-increment BIGINT primary key */
	const char *id_column;
	/* what @BLOB@ becomes: a column of bytes */
	const char *blob_column;
	/* db_indexes, db_fkeys: queries of one parameter, the table's name */
	const char *indexes_sql, *fkeys_sql;
	/* db_analyze: a statement with %s for the table's name; NULL for none */
	const char *analyze_sql;
	/* db_lock / db_unlock */
	int (*lock)(struct dbc *c, enum db_lock l, int wait);
	void (*unlock)(struct dbc *c, enum db_lock l);
	/* db_commit_stats; NULL when the backend has none */
	void (*commit_stats)(struct dbc *c, struct db_commit_stats *out);
	/* db_copy_*, the column count checked by db.c; copy_end gets whether a row failed (the
	 * copy is to be abandoned). NULL when the backend has no bulk path: db.c then runs an
	 * INSERT a row through exec. */
	int (*copy_begin)(struct dbc *c, const char *table, const char *columns);
	int (*copy_row)(struct dbc *c, const struct db_val *vals, int n);
	int (*copy_end)(struct dbc *c, int failed);
};

/* db_write through begin, commit and rollback. */
int db_write_plain(struct dbc *c, int (*fn)(void *arg), void *arg, int *result);

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pg_backend;

/* Every backend connection struct starts with this header so db.c can pool it, and every
 * backend result struct starts with a `struct db_res_head` so db.c finds its backend. */
struct dbc_head {
	const struct db_backend *be;
	struct db *pool;
	struct dbc *next_free;
	int in_tx;	/* a copy under way (db_copy_begin): its column count (0 = none), its first failure,
	 * and for a backend without copy_* the INSERT run for each row */
	int copy_cols, copy_rc;
	char *copy_insert;
};
struct db_res_head {
	struct dbc *conn;
};

/* The embedded migrations, generated at build time from src/db/migrations/. */
struct db_migration {
	int version;
	const char *name;
	const char *backend; /* the kind of the one backend it is for; NULL for all */
	const char *sql;
};
extern const struct db_migration db_migrations[];
extern const int db_migrations_count;

#endif
