/*
 * cases.c - consultations, cases and their transitions, the case flowchart, the public
 * progress lookup and the personal and unit statistics.
 */
#include "api/api.h"
#include "domain/case.h"

int api_consultations_create(struct call *k)
{
	k->status = 201;
	return consultation_create(&k->ctx, k->in, &k->out);
}

int api_consultations_list(struct call *k)
{
	static const char *const names[] = {"q", "page", "size", NULL};
	json_t *q = api_query(k, names);
	int rc = consultation_list(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}

int api_consultations_get(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : consultation_get(&k->ctx, id, &k->out);
}

/* The whole case, read once its change has committed. */
static int reply_case(struct call *k)
{
	return case_get(&k->ctx, k->reply_key, &k->out);
}

/* The reply of a case's change b (rc its result): with `Prefer: return=minimal` (RFC 7240)
 * the case in brief, for programs that need no more; else the whole case. */
static int reply_change(struct call *k, int rc, const struct case_brief *b)
{
	if (rc < 0)
		return rc;
	if (http_prefers(k->r, "return=minimal")) {
		k->r->preference_applied = "return=minimal";
		k->out = case_brief_json(b);
	} else {
		k->reply = reply_case;
		k->reply_key = b->no;
	}
	return rc;
}

int api_cases_create(struct call *k)
{
	struct case_brief b;
	k->status = 201;
	return reply_change(k, case_apply(&k->ctx, k->in, &b), &b);
}

int api_cases_list(struct call *k)
{
	static const char *const names[] = {"no",   "q",    "item_id", "unit_id", "state",
					    "from", "to",   "view",    "page",    "size", NULL};
	json_t *q = api_query(k, names);
	int rc = case_list(&k->ctx, q, &k->out);
	json_decref(q);
	return rc;
}

int api_cases_get(struct call *k)
{
	return case_get(&k->ctx, k->r->params[0], &k->out);
}

int api_cases_act(struct call *k)
{
	struct case_brief b;
	return reply_change(k, case_act(&k->ctx, k->r->params[0], k->r->params[1], k->in, &b), &b);
}

int api_cases_svg(struct call *k)
{
	int rc = case_svg(&k->ctx, k->r->params[0], &k->text, &k->text_len);
	if (rc == 0)
		k->text_type = "image/svg+xml; charset=utf-8";
	return rc;
}

int api_cases_public(struct call *k)
{
	return case_public(&k->ctx, k->r->params[0], http_query(k->r, "name"),
			   http_query(k->r, "phone"), &k->out);
}

int api_stats_mine(struct call *k)
{
	return case_stats(&k->ctx, 0, http_query(k->r, "from"), http_query(k->r, "to"), &k->out);
}

int api_stats_unit(struct call *k)
{
	int64_t unit = api_query_int(k, "unit_id");
	if (!unit)
		unit = k->actor.unit_id;
	if (!unit)
		return ctx_fail(&k->ctx, E_INVALID, "unit_id", "请选择窗口单位");
	return case_stats(&k->ctx, unit, http_query(k->r, "from"), http_query(k->r, "to"),
			  &k->out);
}
