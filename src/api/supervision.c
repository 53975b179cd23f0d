/*
 * urges.c - the warning lists, and 督办 / 催办 with their answers.
 */
#include "api/api.h"
#include "domain/urge.h"
#include "domain/warning.h"

int api_urges_create(struct call *k)
{
	k->status = 201;
	return urge_create(&k->ctx, k->in, &k->out);
}

int api_urges_answer(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : urge_answer(&k->ctx, id, k->in, &k->out);
}

int api_urges_list(struct call *k)
{
	static const char *const names[] = {"view", "state", "case_no", "page", "size", NULL};
	json_t *q = api_query(k, names);
	int rc = urge_list(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}

int api_warnings_list(struct call *k)
{
	static const char *const names[] = {"kind", "center_id", "unit_id", "item", "q",
					    "light", "page", "size", NULL};
	json_t *q = api_query(k, names);
	int rc = warning_list(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}
