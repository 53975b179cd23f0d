/*
 * stats.c - indicators, drill-down and statistics tables (and their Excel export).
 */
#include <stdlib.h>

#include "api/api.h"
#include "domain/stats.h"

static const char *const names[] = {"scope", "from", "to", NULL};

int api_stats_indicators(struct call *k)
{
	json_t *q = api_query(k, names);
	int rc = stats_indicators(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}

int api_stats_children(struct call *k)
{
	json_t *q = api_query(k, names);
	int rc = stats_children(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}

int api_stats_table(struct call *k)
{
	json_t *q = api_query(k, names);
	int rc = stats_table(&k->ctx, k->r->params[0], q, &k->out);
	json_decref(q);
	return rc;
}

int api_stats_table_xlsx(struct call *k)
{
	json_t *q = api_query(k, names);
	char *data = NULL;
	size_t len = 0;
	int rc = stats_table_xlsx(&k->ctx, k->r->params[0], q, &data, &len);
	json_decref(q);
	if (rc < 0)
		return rc;
	k->text = arena_strndup(k->ctx.arena, data, len);
	k->text_len = len;
	free(data);
	k->text_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	k->filename = arena_printf(k->ctx.arena, "%s.xlsx", k->r->params[0]);
	return E_OK;
}
