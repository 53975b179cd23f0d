/*
 * db_pg.c - the PostgreSQL backend of db.h, through libpq.
 *
 * SQL arrives with `?` placeholders and is rewritten to $1, $2, ... Each connection prepares
 * a statement the first time it sees its text and reuses the prepared statement afterwards
 * (an open-addressing table keyed by the text, so SQL built at run time is safe too).
 * Parameters and results travel in text format, except blob parameters, sent in binary; the
 * server infers parameter types. A bytea result arrives as hex text and db_blob decodes it
 * with PQunescapeBytea into memory the result keeps until the next row.
 *
 * db_query_partial reads through a cursor inside a transaction (DECLARE, then FETCH in batches
 * that grow from PG_FETCH_FIRST to PG_FETCH_MAX rows, CLOSE when the result is freed): the
 * server computes only the rows fetched, and plans the query for its first rows
 * (cursor_tuple_fraction). The cursor is a server object, so other statements may run on the
 * connection between two batches; it ends with its transaction. It is declared unnamed (never
 * cached), so each run is planned for its parameters.
 *
 * A lost connection fails the call with DB_UNAVAILABLE; the next call made outside a
 * transaction resets it once (a transaction cut off by a lost connection stays failed until
 * it is rolled back, so no statement silently runs outside the transaction it belongs to).
 */
#include "db.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define PG_MAX_STMTS	  1024	/* prepared statements kept per connection; more run unnamed */
#define PG_STACK_PARAMS	  16	/* parameters converted without a heap allocation */
#define PG_MAX_PARAMS	  65535 /* the wire protocol's limit */
#define PG_LOCK_KEY	  0x7368656e7069LL /* "shenpi": advisory lock keys are this + enum db_lock */
#define PG_FETCH_FIRST	  100		   /* rows of a cursor's first batch (a page and some) */
#define PG_FETCH_MAX	  6400		   /* each batch fetches 4 times the last, up to this */

struct pg_stmt {
	char *sql;     /* owned copy of the statement text; NULL marks a free slot */
	uint64_t hash; /* of sql */
	unsigned id;   /* prepared as "s<id>" on the current session; 0 = not prepared */
	int nparams;   /* placeholders counted when it was prepared */
};

struct pg_conn {
	struct dbc_head head; /* must come first: db.c pools connections through it */
	PGconn *pg;
	int tx;	       /* inside a transaction begun by pg_begin */
	unsigned txno; /* counts the transactions begun: a cursor lives in the one it was made in */
	unsigned cursors; /* cursors declared, for their names */
	unsigned held; /* bit (1 << enum db_lock) for each advisory lock the session holds */
	unsigned next_id;
	struct pg_stmt *stmts; /* open-addressing table, `cap` slots, a power of two */
	size_t cap, used;
	char err[512];
	/* a COPY under way: its table when the rows give their ids (the identity to move on
	 * at the end), and the line of the current row */
	char *copy_ids;
	char *line;
	size_t line_len, line_cap;
};

struct pg_res {
	struct db_res_head head; /* must come first: db.c finds the backend through it */
	PGresult *res;		 /* all the rows, or a cursor's current batch */
	int row, nrows;
	unsigned char **blobs; /* per column: the current row's decoded bytea, or NULL */
	/* db_query_partial: the cursor's name ("" for a whole result), the transaction it lives
	 * in, the size of the last batch and whether more may follow it */
	char cursor[16];
	unsigned txno;
	int batch, more;
};

static inline struct pg_conn *pg_conn(struct dbc *c)
{
	return (struct pg_conn *)c;
}

static inline struct pg_res *pg_res(struct db_res *r)
{
	return (struct pg_res *)r;
}

static void pg_notice_ignore(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Remember `msg` (with an optional SQLSTATE prefix) as the connection's last error, on one
 * line for the log. */
static void pg_seterr(struct pg_conn *c, const char *state, const char *msg)
{
	size_t len;
	char *p;

	if (!msg || !*msg)
		msg = "unknown error";
	if (state)
		snprintf(c->err, sizeof(c->err), "%s: %s", state, msg);
	else
		snprintf(c->err, sizeof(c->err), "%s", msg);
	for (p = c->err; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	len = strlen(c->err);
	while (len > 0 && c->err[len - 1] == ' ')
		c->err[--len] = '\0';
}

/* Record a failed result: SQLSTATE, the primary message and the constraint involved. Values
 * from the DETAIL field stay out: they may hold personal data. */
static void pg_seterr_res(struct pg_conn *c, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	char buf[sizeof(c->err)];

	if (!msg) {
		pg_seterr(c, state, PQresultErrorMessage(res));
		return;
	}
	if (cons)
		snprintf(buf, sizeof(buf), "%s (constraint %s)", msg, cons);
	else
		snprintf(buf, sizeof(buf), "%s", msg);
	pg_seterr(c, state, buf);
}

/* Map a SQLSTATE to a db_err. */
static int pg_map_state(const char *state)
{
	static const char *const busy[] = {"40001", "40P01", "55P03"};
	size_t i;

	if (!state)
		return DB_ERROR;
	if (!strcmp(state, "23505"))
		return DB_UNIQUE;
	if (!strcmp(state, "23503"))
		return DB_FOREIGN;
	/* disk_full; read_only_sql_transaction (a database or server set read-only) */
	if (!strcmp(state, "53100") || !strcmp(state, "25006"))
		return DB_STORAGE;
	for (i = 0; i < sizeof(busy) / sizeof(busy[0]); i++)
		if (!strcmp(state, busy[i]))
			return DB_BUSY;
	/* connection exceptions and server shutdowns */
	if (!strncmp(state, "08", 2) || !strncmp(state, "57P0", 4))
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

/* Turn a result into 0 or a db_err, recording the error. Does not free `res`. */
static int pg_check(struct pg_conn *c, const PGresult *res)
{
	const char *state;
	int rc;

	if (!res) {
		pg_seterr(c, NULL, PQerrorMessage(c->pg));
		return PQstatus(c->pg) == CONNECTION_OK ? DB_ERROR : DB_UNAVAILABLE;
	}
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return 0;
	default:
		break;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	pg_seterr_res(c, res);
	rc = pg_map_state(state);
	if (PQstatus(c->pg) != CONNECTION_OK)
		rc = DB_UNAVAILABLE;
	return rc;
}

/* Run a parameterless command; 0 or a db_err. */
static int pg_command(struct pg_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->pg, sql);
	int rc = pg_check(c, res);

	PQclear(res);
	return rc;
}

/* Per-session settings, after connect and after every reset. Neither JIT compilation nor
 * parallel workers: both are chosen by the planner's estimated cost, which overestimates the
 * rows of the short index-driven queries shenpi runs (a few thousand lit or overdue rows) by
 * up to ten times; JIT then spent up to half a second compiling for a query of 150 ms, and
 * each parallel worker is a fresh process that first maps every shared buffer it reads
 * (docs/performance.md, "Province scale"). */
static int pg_session_setup(struct pg_conn *c)
{
	return pg_command(
	    c, "SET TIME ZONE 'UTC'; SET jit = off; SET max_parallel_workers_per_gather = 0");
}

/* Make sure the connection is usable: reset it once if it was lost outside a transaction.
 * A reset session has no prepared statements, so every cached statement is marked stale,
 * and no advisory locks. */
static int pg_ready(struct pg_conn *c)
{
	size_t i;

	if (PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	if (c->tx) {
		pg_seterr(c, NULL, "connection lost inside a transaction");
		return DB_UNAVAILABLE;
	}
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		pg_seterr(c, NULL, PQerrorMessage(c->pg));
		return DB_UNAVAILABLE;
	}
	for (i = 0; i < c->cap; i++)
		c->stmts[i].id = 0;
	c->held = 0;
	return pg_session_setup(c);
}

/*
 * Rewrite `?` placeholders to $1, $2, ... outside string literals, quoted identifiers and
 * comments. *out gets malloc'd text, *count the number of placeholders.
 */
static int pg_rewrite(const char *sql, char **out, int *count)
{
	size_t len = strlen(sql), marks = 0, cap;
	const char *s;
	char *o, *buf;
	int n = 0;

	for (s = sql; *s; s++)
		marks += *s == '?';
	/* each mark grows to at most "$65535" */
	cap = len + marks * 5 + 1;
	buf = malloc(cap);
	if (!buf)
		return DB_ERROR;
	for (s = sql, o = buf; *s;) {
		if (*s == '\'' || *s == '"') {
			/* a doubled quote inside reads as closing and reopening: same result */
			char q = *s;

			*o++ = *s++;
			while (*s && *s != q)
				*o++ = *s++;
			if (*s)
				*o++ = *s++;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s && *s != '\n')
				*o++ = *s++;
		} else if (s[0] == '/' && s[1] == '*') {
			*o++ = *s++;
			*o++ = *s++;
			while (*s && !(s[0] == '*' && s[1] == '/'))
				*o++ = *s++;
			if (*s) {
				*o++ = *s++;
				*o++ = *s++;
			}
		} else if (*s == '?') {
			if (n == PG_MAX_PARAMS) {
				free(buf);
				return DB_ERROR;
			}
			o += snprintf(o, cap - (size_t)(o - buf), "$%d", ++n);
			s++;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	*out = buf;
	*count = n;
	return 0;
}

/* The slot for `sql` (hash h) in a table of `cap` slots: its entry or the free slot where it
 * belongs. The table is never full (load stays at or below one half). */
static struct pg_stmt *pg_slot(struct pg_stmt *tab, size_t cap, const char *sql, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (tab[i].sql && (tab[i].hash != h || strcmp(tab[i].sql, sql)))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int pg_stmts_grow(struct pg_conn *c)
{
	size_t cap = c->cap ? c->cap * 2 : 64, i;
	struct pg_stmt *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return DB_ERROR;
	for (i = 0; i < c->cap; i++)
		if (c->stmts[i].sql)
			*pg_slot(tab, cap, c->stmts[i].sql, c->stmts[i].hash) = c->stmts[i];
	free(c->stmts);
	c->stmts = tab;
	c->cap = cap;
	return 0;
}

/* The cache entry for `sql`, added (unprepared) when new. *st is NULL when the cache is full
 * and the statement must run unnamed. */
static int pg_stmt_find(struct pg_conn *c, const char *sql, struct pg_stmt **st)
{
	uint64_t h = db_sql_hash(sql);
	struct pg_stmt *e;

	*st = NULL;
	if (c->cap) {
		e = pg_slot(c->stmts, c->cap, sql, h);
		if (e->sql) {
			*st = e;
			return 0;
		}
	}
	if (c->used >= PG_MAX_STMTS)
		return 0;
	if ((c->used + 1) * 2 > c->cap && pg_stmts_grow(c) < 0)
		goto oom;
	e = pg_slot(c->stmts, c->cap, sql, h);
	e->sql = strdup(sql);
	if (!e->sql)
		goto oom;
	e->hash = h;
	e->id = 0;
	c->used++;
	*st = e;
	return 0;
oom:
	pg_seterr(c, NULL, "out of memory");
	return DB_ERROR;
}

static void pg_stmt_name(char *name, size_t len, unsigned id)
{
	snprintf(name, len, "s%u", id);
}

/* Prepare the cached statement on this session under a fresh name. */
static int pg_stmt_prepare(struct pg_conn *c, struct pg_stmt *st)
{
	char name[16], *text = NULL;
	PGresult *res = NULL;
	unsigned id = ++c->next_id;
	int rc, n;

	if (!id)
		id = ++c->next_id;
	rc = pg_rewrite(st->sql, &text, &n);
	if (rc < 0) {
		pg_seterr(c, NULL, "cannot rewrite placeholders (out of memory or too many)");
		goto out;
	}
	pg_stmt_name(name, sizeof(name), id);
	res = PQprepare(c->pg, name, text, 0, NULL);
	rc = pg_check(c, res);
	if (rc < 0)
		goto out;
	st->id = id;
	st->nparams = n;
out:
	PQclear(res);
	free(text);
	return rc;
}

/* True when a prepared statement is gone or outdated on the server, so preparing it again
 * may help: it was deallocated, or the schema changed its result type. */
static int pg_stale(const PGresult *res)
{
	const char *state, *msg;

	if (!res)
		return 0;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (!state)
		return 0;
	if (!strcmp(state, "26000"))
		return 1;
	return !strcmp(state, "0A000") && msg && strstr(msg, "cached plan must not change");
}

static int pg_count_error(struct pg_conn *c, int want, int got)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "statement has %d parameters, %d given", want, got);
	pg_seterr(c, NULL, msg);
	return DB_ERROR;
}

/* Run a statement through a one-off unnamed prepared statement (the cache is full). */
static int pg_run_unnamed(struct pg_conn *c, const char *sql, const char *const *vals,
			  const int *lens, const int *fmts, int n, PGresult **out)
{
	char *text = NULL;
	int rc, count;

	rc = pg_rewrite(sql, &text, &count);
	if (rc < 0) {
		pg_seterr(c, NULL, "cannot rewrite placeholders (out of memory or too many)");
		goto out;
	}
	if (count != n) {
		rc = pg_count_error(c, count, n);
		goto out;
	}
	*out = PQexecParams(c->pg, text, n, NULL, vals, lens, fmts, 0);
	rc = pg_check(c, *out);
out:
	free(text);
	return rc;
}

/* Run a cached statement, preparing it when needed; a stale statement is prepared again and,
 * outside a transaction (where the failure aborted nothing), retried once. */
static int pg_run_cached(struct pg_conn *c, struct pg_stmt *st, const char *const *vals,
			 const int *lens, const int *fmts, int n, PGresult **out)
{
	char name[16];
	int rc, attempt;

	for (attempt = 0;; attempt++) {
		if (!st->id) {
			rc = pg_stmt_prepare(c, st);
			if (rc < 0)
				return rc;
		}
		if (st->nparams != n)
			return pg_count_error(c, st->nparams, n);
		pg_stmt_name(name, sizeof(name), st->id);
		*out = PQexecPrepared(c->pg, name, n, vals, lens, fmts, 0);
		rc = pg_check(c, *out);
		if (rc == 0 || !pg_stale(*out))
			return rc;
		if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
			/* frees the old name if it still exists; failure is harmless */
			char sql[32];

			snprintf(sql, sizeof(sql), "DEALLOCATE %s", name);
			PQclear(PQexec(c->pg, sql));
		}
		st->id = 0;
		if (attempt > 0 || PQtransactionStatus(c->pg) != PQTRANS_IDLE)
			return rc;
		PQclear(*out);
		*out = NULL;
	}
}

/* Run one statement with parameters, prepared and cached unless `once`; *out gets the result
 * (also on failure, may be NULL), which the caller frees with PQclear. */
static int pg_run(struct pg_conn *c, const char *sql, const struct db_val *p, int n, int once,
		  PGresult **out)
{
	const char *stack_vals[PG_STACK_PARAMS], **vals = stack_vals;
	char stack_ints[PG_STACK_PARAMS][24], (*ints)[24] = stack_ints;
	int stack_lens[PG_STACK_PARAMS], *lens = stack_lens;
	int stack_fmts[PG_STACK_PARAMS], *fmts = stack_fmts;
	struct pg_stmt *st;
	int rc, i;

	*out = NULL;
	if (n < 0 || n > PG_MAX_PARAMS || (n > 0 && !p)) {
		pg_seterr(c, NULL, "bad parameter list");
		return DB_ERROR;
	}
	rc = pg_ready(c);
	if (rc < 0)
		return rc;
	if (n > PG_STACK_PARAMS) {
		vals = malloc((size_t)n * sizeof(*vals));
		ints = malloc((size_t)n * sizeof(*ints));
		lens = malloc((size_t)n * sizeof(*lens));
		fmts = malloc((size_t)n * sizeof(*fmts));
		if (!vals || !ints || !lens || !fmts) {
			pg_seterr(c, NULL, "out of memory");
			rc = DB_ERROR;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		lens[i] = 0;
		fmts[i] = 0;
		switch (p[i].type) {
		case DB_INT:
			snprintf(ints[i], sizeof(ints[i]), "%" PRId64, p[i].i);
			vals[i] = ints[i];
			break;
		case DB_TEXT:
			vals[i] = p[i].s;
			break;
		case DB_BLOB:
			if (p[i].len > INT_MAX) {
				pg_seterr(c, NULL, "blob too large");
				rc = DB_ERROR;
				goto out;
			}
			vals[i] = p[i].s;
			lens[i] = (int)p[i].len;
			fmts[i] = 1; /* binary: the bytes as they are */
			break;
		default:
			vals[i] = NULL;
			break;
		}
	}
	st = NULL;
	if (!once && (rc = pg_stmt_find(c, sql, &st)) < 0)
		goto out;
	if (st)
		rc = pg_run_cached(c, st, vals, lens, fmts, n, out);
	else
		rc = pg_run_unnamed(c, sql, vals, lens, fmts, n, out);
out:
	if (vals != stack_vals) {
		free(vals);
		free(ints);
		free(lens);
		free(fmts);
	}
	return rc;
}

static int pg_connect(struct dbc **out, const char *url, char *errbuf, size_t errlen)
{
	/* keywords after "dbname" override the URL's, those before it are defaults */
	static const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname",
					   "client_encoding", NULL};
	const char *vals[] = {"10", "shenpi", url, "UTF8", NULL};
	struct pg_conn *c;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(errbuf, errlen, "out of memory");
		return DB_ERROR;
	}
	c->head.be = &db_pg_backend;
	c->pg = PQconnectdbParams(keys, vals, 1);
	if (!c->pg) {
		snprintf(errbuf, errlen, "out of memory");
		rc = DB_ERROR;
		goto fail;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		pg_seterr(c, NULL, PQerrorMessage(c->pg));
		rc = DB_UNAVAILABLE;
		goto fail_msg;
	}
	PQsetNoticeProcessor(c->pg, pg_notice_ignore, NULL);
	rc = pg_session_setup(c);
	if (rc < 0)
		goto fail_msg;
	*out = (struct dbc *)c;
	return 0;
fail_msg:
	snprintf(errbuf, errlen, "%s", c->err);
fail:
	PQfinish(c->pg);
	free(c);
	return rc;
}

static void pg_disconnect(struct dbc *dbc)
{
	struct pg_conn *c = pg_conn(dbc);
	size_t i;

	if (!c)
		return;
	PQfinish(c->pg);
	for (i = 0; i < c->cap; i++)
		free(c->stmts[i].sql);
	free(c->stmts);
	free(c->copy_ids);
	free(c->line);
	free(c);
}

/* Writers use READ COMMITTED and serialise on the rows they update. Readers get one snapshot
 * for the whole transaction, as on SQLite; READ ONLY makes a write there fail loudly on
 * PostgreSQL instead of racing. */
static int pg_begin(struct dbc *dbc, int write)
{
	struct pg_conn *c = pg_conn(dbc);
	int rc;

	/* whatever transaction a lost session had is gone: a new one may reset it */
	if (PQstatus(c->pg) != CONNECTION_OK)
		c->tx = 0;
	rc = pg_ready(c);
	if (rc < 0)
		return rc;
	rc = pg_command(c, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
	if (rc == 0) {
		c->tx = 1;
		c->txno++;
	}
	return rc;
}

/* COMMIT of a transaction that an error aborted succeeds on the server as a ROLLBACK; report
 * that as the failure it is. The transaction is over either way. */
static int pg_commit(struct dbc *dbc)
{
	struct pg_conn *c = pg_conn(dbc);
	PGresult *res = NULL;
	int rc;

	if (PQstatus(c->pg) != CONNECTION_OK) {
		c->tx = 0;
		pg_seterr(c, NULL, "connection lost before commit");
		return DB_UNAVAILABLE;
	}
	if (PQtransactionStatus(c->pg) == PQTRANS_INERROR) {
		pg_command(c, "ROLLBACK");
		pg_seterr(c, NULL, "transaction aborted by an earlier error, rolled back");
		rc = DB_ERROR;
		goto out;
	}
	res = PQexec(c->pg, "COMMIT");
	rc = pg_check(c, res);
	if (rc == 0 && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		pg_seterr(c, NULL, "transaction rolled back at commit");
		rc = DB_ERROR;
	}
out:
	c->tx = 0;
	PQclear(res);
	return rc;
}

static void pg_rollback(struct dbc *dbc)
{
	struct pg_conn *c = pg_conn(dbc);

	if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		pg_command(c, "ROLLBACK");
	c->tx = 0;
}

static int pg_exec(struct dbc *dbc, const char *sql, const struct db_val *p, int n,
		   int64_t *changes)
{
	struct pg_conn *c = pg_conn(dbc);
	PGresult *res;
	int rc = pg_run(c, sql, p, n, 0, &res);

	if (rc == 0 && changes)
		*changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

/* A result of `res` (taken over, freed on failure) for the caller; cursor is "" for a whole
 * result. */
static int pg_res_new(struct pg_conn *c, struct db_res **out, PGresult *res, const char *cursor,
		      int batch)
{
	struct pg_res *r = malloc(sizeof(*r));

	if (!r) {
		PQclear(res);
		pg_seterr(c, NULL, "out of memory");
		return DB_ERROR;
	}
	r->head.conn = (struct dbc *)c;
	r->res = res;
	r->row = -1;
	r->nrows = PQntuples(res);
	r->blobs = NULL;
	snprintf(r->cursor, sizeof(r->cursor), "%s", cursor);
	r->txno = c->txno;
	r->batch = batch;
	r->more = *cursor && r->nrows == batch;
	*out = (struct db_res *)r;
	return 0;
}

static int pg_query(struct dbc *dbc, struct db_res **out, const char *sql, const struct db_val *p,
		    int n)
{
	struct pg_conn *c = pg_conn(dbc);
	PGresult *res;
	int rc = pg_run(c, sql, p, n, 0, &res);

	*out = NULL;
	if (rc < 0) {
		PQclear(res);
		return rc;
	}
	return pg_res_new(c, out, res, "", 0);
}

/* The next `batch` rows of `cursor`. */
static int pg_fetch(struct pg_conn *c, const char *cursor, int batch, PGresult **out)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "FETCH FORWARD %d FROM %s", batch, cursor);
	*out = PQexec(c->pg, sql);
	return pg_check(c, *out);
}

/* Outside a transaction (where a cursor cannot live) the whole result, as pg_query. */
static int pg_query_partial(struct dbc *dbc, struct db_res **out, const char *sql,
			    const struct db_val *p, int n)
{
	struct pg_conn *c = pg_conn(dbc);
	char cursor[16], *declare;
	PGresult *res;
	size_t len = strlen(sql) + 64;
	int rc;

	if (!c->tx)
		return pg_query(dbc, out, sql, p, n);
	*out = NULL;
	snprintf(cursor, sizeof(cursor), "c%u", ++c->cursors);
	if (!(declare = malloc(len)))
		abort();
	snprintf(declare, len, "DECLARE %s NO SCROLL CURSOR FOR %s", cursor, sql);
	rc = pg_run(c, declare, p, n, 1, &res);
	free(declare);
	PQclear(res);
	if (rc < 0)
		return rc;
	if ((rc = pg_fetch(c, cursor, PG_FETCH_FIRST, &res)) < 0) {
		PQclear(res);
		return rc;
	}
	return pg_res_new(c, out, res, cursor, PG_FETCH_FIRST);
}

/* Free the current row's decoded blobs. */
static void pg_blobs_clear(struct pg_res *r)
{
	int i, n = PQnfields(r->res);

	for (i = 0; r->blobs && i < n; i++) {
		PQfreemem(r->blobs[i]);
		r->blobs[i] = NULL;
	}
}

/* A cursor's next batch, in place of the one read; DB_ERROR once its transaction is over. */
static int pg_next_batch(struct pg_res *r)
{
	struct pg_conn *c = pg_conn(r->head.conn);
	PGresult *res;
	int batch = r->batch < PG_FETCH_MAX / 4 ? r->batch * 4 : PG_FETCH_MAX, rc;

	r->more = 0;
	if (!c->tx || c->txno != r->txno) {
		pg_seterr(c, NULL, "cursor read after its transaction ended");
		return DB_ERROR;
	}
	if ((rc = pg_fetch(c, r->cursor, batch, &res)) < 0) {
		PQclear(res);
		return rc;
	}
	PQclear(r->res);
	r->res = res;
	r->row = -1;
	r->nrows = PQntuples(res);
	r->batch = batch;
	r->more = r->nrows == batch;
	return 0;
}

static int pg_next(struct db_res *dbr)
{
	struct pg_res *r = pg_res(dbr);
	int rc;

	pg_blobs_clear(r);
	if (r->row + 1 >= r->nrows && r->more) {
		r->row = r->nrows;
		if ((rc = pg_next_batch(r)) < 0)
			return rc;
	}
	if (r->row < r->nrows)
		r->row++;
	return r->row < r->nrows;
}

/* The current row's value at `col`, or NULL when there is no such field. */
static const char *pg_value(struct pg_res *r, int col)
{
	if (r->row < 0 || r->row >= r->nrows || col < 0 || col >= PQnfields(r->res))
		return NULL;
	return PQgetvalue(r->res, r->row, col);
}

/* Integers parse as decimal; booleans read as 0/1 so `SELECT a = b` works as on SQLite. */
static int64_t pg_get_int(struct db_res *dbr, int col)
{
	const char *v = pg_value(pg_res(dbr), col);

	if (!v)
		return 0;
	if (v[0] == 't' && !v[1])
		return 1;
	return strtoll(v, NULL, 10);
}

static const char *pg_get_text(struct db_res *dbr, int col)
{
	const char *v = pg_value(pg_res(dbr), col);

	return v ? v : "";
}

static const void *pg_get_blob(struct db_res *dbr, int col, size_t *len)
{
	struct pg_res *r = pg_res(dbr);
	const char *v = pg_value(r, col);

	*len = 0;
	if (!v || PQgetisnull(r->res, r->row, col))
		return "";
	if (!r->blobs && !(r->blobs = calloc((size_t)PQnfields(r->res), sizeof(*r->blobs))))
		return "";
	PQfreemem(r->blobs[col]);
	r->blobs[col] = PQunescapeBytea((const unsigned char *)v, len);
	if (!r->blobs[col]) {
		*len = 0;
		return "";
	}
	return r->blobs[col];
}

static int pg_isnull(struct db_res *dbr, int col)
{
	struct pg_res *r = pg_res(dbr);

	if (!pg_value(r, col))
		return 1;
	return PQgetisnull(r->res, r->row, col);
}

static void pg_res_free(struct db_res *dbr)
{
	struct pg_res *r = pg_res(dbr);

	if (!r)
		return;
	pg_blobs_clear(r);
	free(r->blobs);
	PQclear(r->res);
	if (*r->cursor) {
		/* the end of its transaction closes it otherwise; an aborted one refuses CLOSE */
		struct pg_conn *c = pg_conn(r->head.conn);
		char sql[32];

		if (c->tx && c->txno == r->txno && PQstatus(c->pg) == CONNECTION_OK &&
		    PQtransactionStatus(c->pg) == PQTRANS_INTRANS) {
			snprintf(sql, sizeof(sql), "CLOSE %s", r->cursor);
			pg_command(c, sql);
		}
	}
	free(r);
}

static int pg_script(struct dbc *dbc, const char *sql)
{
	struct pg_conn *c = pg_conn(dbc);
	int rc = pg_ready(c);

	if (rc < 0)
		return rc;
	return pg_command(c, sql);
}

static const char *pg_errmsg(struct dbc *dbc)
{
	return pg_conn(dbc)->err;
}

/* PostgreSQL enforces its constraints on every write; page-level checks (amcheck) are the
 * DBA's tool, described in docs/deploy.md, not something to run on a live server. */
static int pg_check_db(struct dbc *dbc, char *why, size_t len)
{
	(void)why;
	(void)len;
	return pg_script(dbc, "SELECT 1");
}

/* The data live in the server, not in a file of ours. */
static const char *pg_file(struct dbc *dbc)
{
	(void)dbc;
	return NULL;
}

/* Advisory locks are reentrant in PostgreSQL, counted per session: `held` keeps the count
 * at one, so that one db_unlock frees the lock. */
static int pg_lock(struct dbc *dbc, enum db_lock l, int wait)
{
	struct pg_conn *c = pg_conn(dbc);
	char sql[64];
	PGresult *res;
	int rc = pg_ready(c);

	if (rc < 0 || c->held & 1u << l)
		return rc;
	snprintf(sql, sizeof(sql), "SELECT pg_%sadvisory_lock(%lld)", wait ? "" : "try_",
		 PG_LOCK_KEY + l);
	res = PQexec(c->pg, sql);
	rc = pg_check(c, res);
	if (rc == 0 && !wait && strcmp(PQgetvalue(res, 0, 0), "t"))
		rc = DB_BUSY;
	PQclear(res);
	if (rc == 0)
		c->held |= 1u << l;
	return rc;
}

static void pg_unlock(struct dbc *dbc, enum db_lock l)
{
	struct pg_conn *c = pg_conn(dbc);
	char sql[64];

	if (!(c->held & 1u << l))
		return;
	c->held &= ~(1u << l);
	if (PQstatus(c->pg) != CONNECTION_OK)
		return; /* a lost session released its locks */
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)", PG_LOCK_KEY + l);
	pg_command(c, sql);
}

/* ---- COPY FROM STDIN (db_copy_*) ---- */

/* Whether the comma-separated `columns` name `id`. */
static int pg_has_id(const char *columns)
{
	for (const char *p = columns; *p;) {
		size_t n;
		p += strspn(p, " \t\n");
		n = strcspn(p, ",");
		while (n && strchr(" \t\n", p[n - 1]))
			n--;
		if (n == 2 && !strncmp(p, "id", 2))
			return 1;
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return 0;
}

static int pg_copy_begin(struct dbc *dbc, const char *table, const char *columns)
{
	struct pg_conn *c = pg_conn(dbc);
	size_t len = strlen(table) + strlen(columns) + 32;
	char *sql = malloc(len);
	PGresult *res;
	int rc = pg_ready(c);

	if (!sql)
		abort();
	snprintf(sql, len, "COPY %s (%s) FROM STDIN", table, columns);
	if (rc == 0) {
		res = PQexec(c->pg, sql);
		if (PQresultStatus(res) != PGRES_COPY_IN && (rc = pg_check(c, res)) == 0) {
			pg_seterr(c, NULL, "COPY did not start");
			rc = DB_ERROR;
		}
		PQclear(res);
	}
	free(sql);
	if (rc == 0 && pg_has_id(columns) && !(c->copy_ids = strdup(table)))
		abort();
	return rc;
}

/* Append n bytes to the current line. */
static void pg_line_add(struct pg_conn *c, const char *s, size_t n)
{
	if (c->line_len + n > c->line_cap) {
		size_t cap = c->line_cap ? c->line_cap : 1024;
		while (cap < c->line_len + n)
			cap *= 2;
		if (!(c->line = realloc(c->line, cap)))
			abort();
		c->line_cap = cap;
	}
	memcpy(c->line + c->line_len, s, n);
	c->line_len += n;
}

/* A value in COPY's text format: \N for NULL, backslash escapes for the characters that
 * delimit fields and rows, a bytea as \\x and its hex digits. */
static void pg_line_value(struct pg_conn *c, const struct db_val *v)
{
	static const char hex[] = "0123456789abcdef";
	char num[24];

	switch (v->type) {
	case DB_INT:
		pg_line_add(c, num, (size_t)snprintf(num, sizeof(num), "%" PRId64, v->i));
		return;
	case DB_TEXT:
		if (!v->s)
			break;
		for (const char *p = v->s; *p;) {
			size_t n = strcspn(p, "\\\t\n\r");
			pg_line_add(c, p, n);
			p += n;
			if (*p) {
				char esc[2] = {'\\', *p == '\t'	  ? 't'
						     : *p == '\n' ? 'n'
						     : *p == '\r' ? 'r'
								  : '\\'};
				pg_line_add(c, esc, 2);
				p++;
			}
		}
		return;
	case DB_BLOB:
		if (!v->s)
			break;
		pg_line_add(c, "\\\\x", 3);
		for (size_t i = 0; i < v->len; i++) {
			unsigned char b = (unsigned char)v->s[i];
			char h[2] = {hex[b >> 4], hex[b & 15]};
			pg_line_add(c, h, 2);
		}
		return;
	default: break;
	}
	pg_line_add(c, "\\N", 2);
}

static int pg_copy_row(struct dbc *dbc, const struct db_val *vals, int n)
{
	struct pg_conn *c = pg_conn(dbc);

	c->line_len = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			pg_line_add(c, "\t", 1);
		pg_line_value(c, &vals[i]);
	}
	pg_line_add(c, "\n", 1);
	if (c->line_len > INT_MAX || PQputCopyData(c->pg, c->line, (int)c->line_len) != 1) {
		pg_seterr(c, NULL, PQerrorMessage(c->pg));
		return DB_UNAVAILABLE;
	}
	return 0;
}

/* End the COPY (abandon it when a row failed); then, when the rows gave their ids, move
 * the identity past the largest one, never back (nextval: other sessions may have taken
 * ids meanwhile). Sequences are not transactional: a rollback leaves only a gap. */
static int pg_copy_end(struct dbc *dbc, int failed)
{
	struct pg_conn *c = pg_conn(dbc);
	PGresult *res;
	int rc = 0;

	if (PQputCopyEnd(c->pg, failed ? "a row failed" : NULL) != 1) {
		pg_seterr(c, NULL, PQerrorMessage(c->pg));
		rc = DB_UNAVAILABLE;
	}
	while ((res = PQgetResult(c->pg))) {
		int r = pg_check(c, res);
		if (rc == 0)
			rc = r;
		PQclear(res);
	}
	if (rc == 0 && !failed && c->copy_ids) {
		size_t len = 3 * strlen(c->copy_ids) + 160;
		char *sql = malloc(len);
		if (!sql)
			abort();
		snprintf(sql, len,
			 "SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT "
			 "MAX(id) FROM %s), nextval(pg_get_serial_sequence('%s', 'id'))))",
			 c->copy_ids, c->copy_ids, c->copy_ids);
		rc = pg_command(c, sql);
		free(sql);
	}
	free(c->copy_ids);
	c->copy_ids = NULL;
	return rc;
}

const struct db_backend db_pg_backend = {
	.kind = "postgresql",
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.exec = pg_exec,
	.query = pg_query,
	.query_partial = pg_query_partial,
	.next = pg_next,
	.get_int = pg_get_int,
	.get_text = pg_get_text,
	.get_blob = pg_get_blob,
	.isnull = pg_isnull,
	.res_free = pg_res_free,
	.script = pg_script,
	.errmsg = pg_errmsg,
	.id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.blob_column = "BYTEA",
	.indexes_sql = "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN "
		       "pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = to_regclass(?) AND "
		       "NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
		       "ORDER BY 1",
	.fkeys_sql = "SELECT conname, format('ALTER TABLE %s ADD CONSTRAINT %I %s', "
		     "conrelid::regclass, conname, pg_get_constraintdef(oid)) FROM pg_constraint "
		     "WHERE conrelid = to_regclass(?) AND contype = 'f' ORDER BY 1",
	.analyze_sql = "ANALYZE %s",
	.check = pg_check_db,
	.file = pg_file,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.copy_begin = pg_copy_begin,
	.copy_row = pg_copy_row,
	.copy_end = pg_copy_end,
};
