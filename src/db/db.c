/*
 * db.c - the backend-neutral half of db.h: URL dispatch, the connection pool, forwarding
 * calls through the backend table, and the migration runner.
 */
#include "db/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

struct db {
	const struct db_backend *be;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct dbc *free_list;
	struct dbc **all;
	int size;
};

#define HEAD(c) ((struct dbc_head *)(c))

static const struct db_backend *backend_for(const char *url)
{
	if (!strncmp(url, "sqlite:", 7))
		return &db_sqlite_backend;
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
		return &db_pg_backend;
	return NULL;
}

int db_open(struct db **out, const char *url, int size)
{
	const struct db_backend *be = backend_for(url);
	char err[512] = "";
	*out = NULL;
	if (!be) {
		log_msg(LOG_ERROR, "unknown database URL (use sqlite:PATH or postgresql://...)",
			json_pack("{s:s}", "url", url));
		return DB_ERROR;
	}
	if (size < 1)
		size = 1;
	struct db *db = calloc(1, sizeof(*db));
	if (!db || !(db->all = calloc((size_t)size, sizeof(*db->all))))
		abort();
	db->be = be;
	pthread_mutex_init(&db->lock, NULL);
	pthread_cond_init(&db->freed, NULL);
	for (int i = 0; i < size; i++) {
		struct dbc *c;
		if (be->connect(&c, url, err, sizeof(err)) < 0) {
			log_msg(LOG_ERROR, "cannot open database",
				json_pack("{s:s,s:s}", "kind", be->kind, "error", err));
			db->size = i;
			db_close(db);
			return DB_UNAVAILABLE;
		}
		HEAD(c)->be = be;
		HEAD(c)->pool = db;
		HEAD(c)->next_free = db->free_list;
		db->free_list = c;
		db->all[i] = c;
	}
	db->size = size;
	*out = db;
	return DB_OK;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->size; i++)
		db->be->disconnect(db->all[i]);
	pthread_mutex_destroy(&db->lock);
	pthread_cond_destroy(&db->freed);
	free(db->all);
	free(db);
}

const char *db_kind(const struct db *db)
{
	return db->be->kind;
}

struct dbc *db_acquire(struct db *db)
{
	pthread_mutex_lock(&db->lock);
	while (!db->free_list)
		pthread_cond_wait(&db->freed, &db->lock);
	struct dbc *c = db->free_list;
	db->free_list = HEAD(c)->next_free;
	pthread_mutex_unlock(&db->lock);
	return c;
}

void db_release(struct dbc *c)
{
	if (!c)
		return;
	if (HEAD(c)->in_tx)
		db_rollback(c);
	struct db *db = HEAD(c)->pool;
	pthread_mutex_lock(&db->lock);
	HEAD(c)->next_free = db->free_list;
	db->free_list = c;
	pthread_cond_signal(&db->freed);
	pthread_mutex_unlock(&db->lock);
}

static int begin(struct dbc *c, int write)
{
	int rc = HEAD(c)->be->begin(c, write);
	if (rc == DB_OK)
		HEAD(c)->in_tx = 1;
	return rc;
}

int db_begin_read(struct dbc *c)
{
	return begin(c, 0);
}

int db_begin_write(struct dbc *c)
{
	return begin(c, 1);
}

int db_commit(struct dbc *c)
{
	int rc = HEAD(c)->be->commit(c);
	if (rc < 0)
		HEAD(c)->be->rollback(c);
	HEAD(c)->in_tx = 0;
	return rc;
}

void db_rollback(struct dbc *c)
{
	HEAD(c)->be->rollback(c);
	HEAD(c)->in_tx = 0;
}

int db_write_plain(struct dbc *c, int (*fn)(void *arg), void *arg, int *result)
{
	*result = 0;
	int rc = db_begin_write(c);
	if (rc < 0)
		return rc;
	if ((*result = fn(arg)) < 0) {
		db_rollback(c);
		return DB_OK;
	}
	return db_commit(c);
}

int db_write(struct dbc *c, int (*fn)(void *arg), void *arg, int *result)
{
	return HEAD(c)->be->write ? HEAD(c)->be->write(c, fn, arg, result)
				  : db_write_plain(c, fn, arg, result);
}

int db_exec(struct dbc *c, const char *sql, const struct db_val *params, int n, int64_t *changes)
{
	return HEAD(c)->be->exec(c, sql, params, n, changes);
}

#define RBE(r) (HEAD(((struct db_res_head *)(r))->conn)->be)

int db_query(struct dbc *c, struct db_res **out, const char *sql, const struct db_val *params,
	     int n)
{
	return HEAD(c)->be->query(c, out, sql, params, n);
}

int db_query_partial(struct dbc *c, struct db_res **out, const char *sql,
		     const struct db_val *params, int n)
{
	const struct db_backend *be = HEAD(c)->be;
	return (be->query_partial ? be->query_partial : be->query)(c, out, sql, params, n);
}

int db_next(struct db_res *r)
{
	return RBE(r)->next(r);
}

int64_t db_int(struct db_res *r, int col)
{
	return RBE(r)->get_int(r, col);
}

const char *db_text(struct db_res *r, int col)
{
	return RBE(r)->get_text(r, col);
}

const void *db_blob(struct db_res *r, int col, size_t *len)
{
	return RBE(r)->get_blob(r, col, len);
}

int db_isnull(struct db_res *r, int col)
{
	return RBE(r)->isnull(r, col);
}

void db_res_free(struct db_res *r)
{
	if (r)
		RBE(r)->res_free(r);
}

int db_script(struct dbc *c, const char *sql)
{
	return HEAD(c)->be->script(c, sql);
}

int db_copy_begin(struct dbc *c, const char *table, const char *columns)
{
	struct dbc_head *h = HEAD(c);
	int cols = 1, rc = DB_OK;
	for (const char *p = columns; *p; p++)
		cols += *p == ',';
	if (h->copy_cols || !h->in_tx) {
		log_msg(LOG_ERROR, "db_copy_begin outside a transaction or inside a copy",
			json_pack("{s:s}", "table", table));
		return DB_ERROR;
	}
	if (h->be->copy_begin) {
		rc = h->be->copy_begin(c, table, columns);
	} else {
		/* INSERT INTO t (columns) VALUES (?, ?, …) */
		size_t len = strlen(table) + strlen(columns) + 3 * (size_t)cols + 32, o;
		if (!(h->copy_insert = malloc(len)))
			abort();
		o = (size_t)snprintf(h->copy_insert, len, "INSERT INTO %s (%s) VALUES (?", table,
				     columns);
		for (int i = 1; i < cols; i++)
			o += (size_t)snprintf(h->copy_insert + o, len - o, ", ?");
		snprintf(h->copy_insert + o, len - o, ")");
	}
	if (rc == DB_OK) {
		h->copy_cols = cols;
		h->copy_rc = DB_OK;
	}
	return rc;
}

int db_copy_row(struct dbc *c, const struct db_val *vals, int n)
{
	struct dbc_head *h = HEAD(c);
	if (h->copy_rc < 0)
		return h->copy_rc;
	if (n != h->copy_cols)
		h->copy_rc = DB_ERROR;
	else if (h->be->copy_row)
		h->copy_rc = h->be->copy_row(c, vals, n);
	else
		h->copy_rc = h->be->exec(c, h->copy_insert, vals, n, NULL);
	return h->copy_rc;
}

int db_copy_end(struct dbc *c)
{
	struct dbc_head *h = HEAD(c);
	int rc = h->copy_rc;
	if (!h->copy_cols)
		return DB_ERROR;
	if (h->be->copy_end) {
		int end = h->be->copy_end(c, rc < 0);
		if (rc == DB_OK)
			rc = end;
	}
	free(h->copy_insert);
	h->copy_insert = NULL;
	h->copy_cols = 0;
	return rc;
}

int db_check(struct dbc *c, char *why, size_t len)
{
	return HEAD(c)->be->check(c, why, len);
}

const char *db_file(struct dbc *c)
{
	return HEAD(c)->be->file(c);
}

int db_backup(struct dbc *c, const char *to, void (*progress)(void *arg, int done, int total),
	      void *arg)
{
	const struct db_backend *be = HEAD(c)->be;
	return be->backup ? be->backup(c, to, progress, arg) : DB_ERROR;
}

void db_commit_stats(struct dbc *c, struct db_commit_stats *out)
{
	*out = (struct db_commit_stats){0};
	if (HEAD(c)->be->commit_stats)
		HEAD(c)->be->commit_stats(c, out);
}

int db_indexes(struct dbc *c, struct db_res **out, const char *table)
{
	struct db_val p[] = {DBT(table)};
	return db_query(c, out, HEAD(c)->be->indexes_sql, p, 1);
}

int db_fkeys(struct dbc *c, struct db_res **out, const char *table)
{
	struct db_val p[] = {DBT(table)};
	return db_query(c, out, HEAD(c)->be->fkeys_sql, p, 1);
}

int db_analyze(struct dbc *c, const char *table)
{
	const char *fmt = HEAD(c)->be->analyze_sql;
	char sql[128];
	if (!fmt)
		return DB_OK;
	if (snprintf(sql, sizeof(sql), fmt, table) >= (int)sizeof(sql))
		return DB_ERROR;
	return db_exec(c, sql, NULL, 0, NULL);
}

const char *db_errmsg(struct dbc *c)
{
	return HEAD(c)->be->errmsg(c);
}

int db_lock(struct dbc *c, enum db_lock l, int wait)
{
	return HEAD(c)->be->lock(c, l, wait);
}

void db_unlock(struct dbc *c, enum db_lock l)
{
	HEAD(c)->be->unlock(c, l);
}

static int applied_version(struct dbc *c, int64_t *version)
{
	struct db_res *r;
	int rc = db_query(c, &r, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL,
			  0);
	if (rc < 0)
		return rc;
	rc = db_next(r);
	*version = rc > 0 ? db_int(r, 0) : 0;
	db_res_free(r);
	return rc < 0 ? rc : DB_OK;
}

/* sql with every tok replaced by repl; malloc'd. */
static char *expand(const char *sql, const char *tok, const char *repl)
{
	size_t tl = strlen(tok), rl = strlen(repl), n = 0;
	for (const char *p = sql; (p = strstr(p, tok)); p += tl)
		n++;
	char *out = malloc(strlen(sql) + n * rl + 1), *o = out;
	if (!out)
		abort();
	for (const char *p = sql, *q;; p = q + tl) {
		size_t len = (q = strstr(p, tok)) ? (size_t)(q - p) : strlen(p);
		memcpy(o, p, len);
		o += len;
		if (!q)
			break;
		memcpy(o, repl, rl);
		o += rl;
	}
	*o = '\0';
	return out;
}

int db_migrate(struct db *db, int *applied)
{
	struct dbc *c = db_acquire(db);
	const struct db_backend *be = db->be;
	int rc, count = 0;

	if ((rc = db_lock(c, DB_LOCK_MIGRATE, 1)) < 0)
		goto out_unlocked;
	rc = db_script(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  "version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
	for (int i = 0; rc == DB_OK && i < db_migrations_count; i++) {
		const struct db_migration *m = &db_migrations[i];
		int64_t have = 0;
		/* re-read inside the write transaction: another process may have migrated */
		if ((rc = db_begin_write(c)) < 0 || (rc = applied_version(c, &have)) < 0)
			break;
		if (m->version <= have) {
			db_rollback(c);
			continue;
		}
		if (!m->backend || !strcmp(m->backend, be->kind)) {
			char *ids = expand(m->sql, "@ID@", be->id_column);
			char *sql = expand(ids, "@BLOB@", be->blob_column);
			rc = db_script(c, sql);
			free(sql);
			free(ids);
		}
		struct db_val p[] = {DBI(m->version), DBT(m->name), DBI(time(NULL))};
		if (rc == DB_OK)
			rc = db_exec(c,
				     "INSERT INTO schema_migrations (version, name, applied_at) "
				     "VALUES (?, ?, ?)",
				     p, 3, NULL);
		if (rc == DB_OK)
			rc = db_commit(c);
		if (rc < 0) {
			log_msg(LOG_ERROR, "migration failed",
				json_pack("{s:i,s:s,s:s}", "version", m->version, "name", m->name,
					  "error", db_errmsg(c)));
			break;
		}
		count++;
	}
	db_unlock(c, DB_LOCK_MIGRATE);
out_unlocked:
	if (rc < 0 && count == 0)
		log_msg(LOG_ERROR, "cannot migrate database", json_pack("{s:s}", "error", db_errmsg(c)));
	db_release(c); /* rolls back a transaction left open by a failure */
	if (applied)
		*applied = count;
	return rc < 0 ? rc : DB_OK;
}

/* Eight bytes a step, as statements run to kilobytes (the statistics' upserts) and are hashed
 * on every run; the last step mixes the high bits into the low ones the caches index by. */
uint64_t db_sql_hash(const char *sql)
{
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	size_t n = strlen(sql);
	uint64_t h = n * k, w;
	for (; n >= 8; n -= 8, sql += 8) {
		memcpy(&w, sql, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, sql, n);
	h = (h ^ w) * k;
	h ^= h >> 29;
	h *= k;
	return h ^ (h >> 32);
}
