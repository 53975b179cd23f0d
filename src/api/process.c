/*
 * process.c - the process (办理流程) of an item and its flowchart.
 */
#include "api/api.h"
#include "domain/process.h"

#define SVG_TYPE "image/svg+xml; charset=utf-8"

int api_process_get(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : process_get(&k->ctx, id, api_query_int(k, "version"), &k->out);
}

int api_process_save(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : process_save(&k->ctx, id, k->in, &k->out);
}

int api_process_svg(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	if (rc < 0 ||
	    (rc = process_svg(&k->ctx, id, api_query_int(k, "version"), &k->text, &k->text_len)) < 0)
		return rc;
	k->text_type = SVG_TYPE;
	return rc;
}

int api_process_preview(struct call *k)
{
	int rc = process_preview_svg(&k->ctx, k->in, &k->text, &k->text_len);
	if (rc < 0)
		return rc;
	k->text_type = SVG_TYPE;
	return rc;
}
