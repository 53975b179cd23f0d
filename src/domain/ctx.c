/*
 * ctx.c - failure recording and database error mapping for the domain layer.
 */
#include "domain/ctx.h"

#include <stdarg.h>

#include "core/log.h"

int ctx_fail(struct ctx *c, int code, const char *field, const char *fmt, ...)
{
	c->fail_field = field;
	c->fail_message = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		c->fail_message = arena_vprintf(c->arena, fmt, ap);
		va_end(ap);
	}
	return code;
}

int ctx_db(struct ctx *c, int db_rc)
{
	switch (db_rc) {
	case DB_OK:
		return E_OK;
	case DB_UNIQUE:
		return E_DUPLICATE;
	case DB_UNAVAILABLE:
	case DB_BUSY:
		log_msg(LOG_ERROR, "database unavailable", json_pack("{s:s}", "error", db_errmsg(c->db)));
		return E_DB_UNAVAILABLE;
	case DB_STORAGE:
		log_msg(LOG_ERROR, "storage full or read-only",
			json_pack("{s:s}", "error", db_errmsg(c->db)));
		return E_STORAGE;
	default:
		log_msg(LOG_ERROR, "database error", json_pack("{s:s}", "error", db_errmsg(c->db)));
		return E_INTERNAL;
	}
}

int ctx_rows(struct ctx *c, const char *sql, const struct db_val *p, int n, ctx_row_fn row,
	     json_t **out)
{
	struct db_res *r;
	int rc = db_query(c->db, &r, sql, p, n);
	if (rc < 0)
		return ctx_db(c, rc);
	json_t *items = json_array();
	while ((rc = db_next(r)) > 0)
		json_array_append_new(items, row(r));
	db_res_free(r);
	if (rc < 0) {
		json_decref(items);
		return ctx_db(c, rc);
	}
	*out = items;
	return E_OK;
}

int ctx_one(struct ctx *c, const char *sql, const struct db_val *p, int n, ctx_row_fn row,
	    int missing, const char *message, json_t **out)
{
	json_t *items;
	int rc = ctx_rows(c, sql, p, n, row, &items);
	if (rc < 0)
		return rc;
	if (json_array_size(items) == 0) {
		json_decref(items);
		return ctx_fail(c, missing, NULL, "%s", message);
	}
	*out = json_incref(json_array_get(items, 0));
	json_decref(items);
	return E_OK;
}

int ctx_int(struct ctx *c, const char *sql, const struct db_val *p, int n, int64_t *out)
{
	struct db_res *r;
	int rc = db_query(c->db, &r, sql, p, n);
	if (rc < 0)
		return ctx_db(c, rc);
	rc = db_next(r);
	*out = rc > 0 ? db_int(r, 0) : 0;
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

json_t *ctx_int_json(struct db_res *r, int col)
{
	return db_isnull(r, col) ? json_null() : json_integer(db_int(r, col));
}

json_t *ctx_text_json(struct db_res *r, int col)
{
	return db_isnull(r, col) ? json_null() : json_string(db_text(r, col));
}

int ctx_list(struct ctx *c, const struct ctx_list *l, const struct page *pg, json_t **out)
{
	int64_t total = 0;
	json_t *items = NULL;
	int rc = ctx_int(c, arena_printf(c->arena, "SELECT COUNT(*) FROM %s %s", l->from, l->where),
			 l->p, l->n, &total);
	if (rc < 0)
		return rc;
	/* the select's parameters, the where's, then the page's */
	int n = l->sn + l->n + 2;
	struct db_val *p = arena_alloc(c->arena, n * sizeof(*p));
	for (int i = 0; i < l->sn; i++)
		p[i] = l->sp[i];
	for (int i = 0; i < l->n; i++)
		p[l->sn + i] = l->p[i];
	p[n - 2] = DBI(pg->size);
	p[n - 1] = DBI((pg->page - 1) * pg->size);
	if ((rc = ctx_rows(c,
			   arena_printf(c->arena, "%s %s ORDER BY %s LIMIT ? OFFSET ?", l->select,
					l->where, l->order),
			   p, n, l->row, &items)) < 0)
		return rc;
	*out = json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total, "page",
			 (json_int_t)pg->page, "size", (json_int_t)pg->size);
	return E_OK;
}
