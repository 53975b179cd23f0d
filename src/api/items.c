/*
 * items.c - the catalog of approval items (审批事项).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/catalog.h"
#include "domain/itemsheet.h"

/* The list filters of the query string. */
static int items_filter(struct call *k, struct catalog_filter *f)
{
	*f = (struct catalog_filter){
	    .center_id = api_query_int(k, "center_id"),
	    .unit_id = api_query_int(k, "unit_id"),
	    .kind = http_query(k->r, "kind"),
	    .q = http_query(k->r, "q"),
	    .include_disabled = api_query_int(k, "include_disabled") == 1,
	};
	if (f->kind && *f->kind && strcmp(f->kind, "immediate") && strcmp(f->kind, "promised"))
		return ctx_fail(&k->ctx, E_INVALID, "kind", "办件类型须为immediate或promised");
	if (f->q && strlen(f->q) > 64)
		return ctx_fail(&k->ctx, E_INVALID, "q", "搜索关键字不能超过64个字符");
	return E_OK;
}

int api_items_list(struct call *k)
{
	struct catalog_filter f;
	struct page pg;
	int rc = items_filter(k, &f);
	if (rc < 0)
		return rc;
	field_page(http_query(k->r, "page"), http_query(k->r, "size"), &pg);
	return catalog_list(&k->ctx, &f, &pg, &k->out);
}

int api_items_export(struct call *k)
{
	struct catalog_filter f;
	char *data = NULL;
	size_t len = 0;
	int rc = items_filter(k, &f);
	if (rc < 0 || (rc = itemsheet_export(&k->ctx, &f, &data, &len)) < 0)
		return rc;
	k->text = arena_strndup(k->ctx.arena, data, len);
	k->text_len = len;
	free(data);
	k->text_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	k->filename = "items.xlsx";
	return E_OK;
}

int api_items_import(struct call *k)
{
	int64_t center = k->actor.center_id;
	json_t *csv = json_object_get(k->in, "csv");
	int rc;
	if ((rc = field_int(&k->ctx, k->in, "center_id", "导入到的中心", !center, 1, INT64_MAX,
			    &center, NULL)) < 0)
		return rc;
	if (!json_is_string(csv))
		return ctx_fail(&k->ctx, E_INVALID, "csv", "请选择要导入的CSV文件");
	return itemsheet_import(&k->ctx, center, json_string_value(csv), json_string_length(csv),
				&k->out);
}

int api_items_get(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : catalog_get(&k->ctx, id, &k->out);
}

int api_items_create(struct call *k)
{
	k->status = 201;
	return catalog_create(&k->ctx, k->in, &k->out);
}

int api_items_update(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : catalog_update(&k->ctx, id, k->in, &k->out);
}
