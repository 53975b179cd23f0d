/*
 * supervision.c - warning lists, 督办 / 催办, accountability cards and the follow-ups of bad
 * ratings.
 */
#include "api/api.h"
#include "domain/card.h"
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
	static const char *const names[] = {"kind",  "center_id", "unit_id", "region", "item",
					    "q",     "light",	  "page",    "size",	 NULL};
	json_t *q = api_query(k, names);
	int rc = warning_list(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}

int api_cards_list(struct call *k)
{
	static const char *const names[] = {"state",   "color", "center_id", "unit_id", "region",
					    "user_id", "page",	"size",	     NULL};
	json_t *q = api_query(k, names);
	int rc = card_list(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}

int api_cards_get(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : card_get(&k->ctx, id, &k->out);
}

int api_cards_decide(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : card_decide(&k->ctx, id, k->r->params[1], k->in, &k->out);
}

int api_followups_list(struct call *k)
{
	static const char *const names[] = {"view", "state", "page", "size", NULL};
	json_t *q = api_query(k, names);
	int rc = followup_list(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}

int api_followups_answer(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : followup_answer(&k->ctx, id, k->in, &k->out);
}
