/*
 * bulk.c - dropping the keys of empty tables before a bulk load and building them after it;
 * see bulk.h.
 */
#include "domain/bulk.h"

/* Append to `to` a [name, statement] for each row of the query keys() (db_indexes or
 * db_fkeys) of table. */
static int keys_read(struct ctx *c, int (*keys)(struct dbc *, struct db_res **, const char *),
		     const char *table, json_t *to)
{
	struct db_res *res;
	int rc = keys(c->db, &res, table);
	if (rc < 0)
		return ctx_db(c, rc);
	while ((rc = db_next(res)) > 0)
		json_array_append_new(to, json_pack("[ss]", db_text(res, 0), db_text(res, 1)));
	db_res_free(res);
	return ctx_db(c, rc);
}

int bulk_drop(struct ctx *c, const char *const *tables, int n, struct bulk *b)
{
	*b = (struct bulk){.tables = tables, .ntables = n};
	b->indexes = json_array();
	b->fkeys = json_array();
	int rc = E_OK;
	for (int t = 0; t < n && rc == E_OK; t++) {
		int64_t any = 0;
		const char *sql =
		    arena_printf(c->arena, "SELECT EXISTS (SELECT 1 FROM %s)", tables[t]);
		if ((rc = ctx_int(c, sql, NULL, 0, &any)) == E_OK && any)
			return E_OK; /* not a first load: the keys stay */
	}
	for (int t = 0; t < n && rc == E_OK; t++) {
		json_t *fkeys = json_array();
		if ((rc = keys_read(c, db_indexes, tables[t], b->indexes)) == E_OK &&
		    (rc = keys_read(c, db_fkeys, tables[t], fkeys)) == E_OK) {
			size_t i;
			json_t *k;
			json_array_foreach(fkeys, i, k)
			{
				const char *sql = arena_printf(
				    c->arena, "ALTER TABLE %s DROP CONSTRAINT %s", tables[t],
				    json_string_value(json_array_get(k, 0)));
				if ((rc = ctx_db(c, db_exec(c->db, sql, NULL, 0, NULL))) < 0)
					break;
			}
		}
		json_array_extend(b->fkeys, fkeys);
		json_decref(fkeys);
	}
	size_t i;
	json_t *k;
	json_array_foreach(b->indexes, i, k)
	{
		if (rc < 0)
			break;
		const char *sql = arena_printf(c->arena, "DROP INDEX %s",
					       json_string_value(json_array_get(k, 0)));
		rc = ctx_db(c, db_exec(c->db, sql, NULL, 0, NULL));
	}
	return rc;
}

/* Run each [name, statement] of keys, telling progress what (索引 or 外键) it builds. */
static int keys_build(struct ctx *c, json_t *keys, const char *what, FILE *progress, time_t started)
{
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
	{
		if (progress)
			fprintf(progress, "建立%s %s……（第%lld秒）\n", what,
				json_string_value(json_array_get(k, 0)),
				(long long)(time(NULL) - started));
		int rc = db_exec(c->db, json_string_value(json_array_get(k, 1)), NULL, 0, NULL);
		if (rc < 0)
			return ctx_db(c, rc);
	}
	return E_OK;
}

int bulk_build(struct ctx *c, struct bulk *b, FILE *progress, time_t started)
{
	if (!json_array_size(b->indexes) && !json_array_size(b->fkeys))
		return E_OK;
	for (int t = 0; t < b->ntables; t++) {
		int rc = db_analyze(c->db, b->tables[t]);
		if (rc < 0)
			return ctx_db(c, rc);
	}
	int rc = keys_build(c, b->indexes, "索引", progress, started);
	return rc < 0 ? rc : keys_build(c, b->fkeys, "外键", progress, started);
}

void bulk_release(struct bulk *b)
{
	json_decref(b->indexes);
	json_decref(b->fkeys);
	b->indexes = b->fkeys = NULL;
}
