/*
 * ops.c - the event feed, health and metrics.
 */
#include "api/api.h"
#include "domain/event.h"

int api_events_list(struct call *k)
{
	return event_list(&k->ctx, api_query_int(k, "after"), api_query_int(k, "size"), &k->out);
}

int api_ops_healthz(struct call *k)
{
	int64_t one;
	if (ctx_int(&k->ctx, "SELECT 1", NULL, 0, &one) < 0 || one != 1)
		return E_DB_UNAVAILABLE;
	k->out = json_pack("{s:s}", "status", "ok");
	return E_OK;
}

int api_ops_metrics(struct call *k)
{
	struct buf b = BUF_INIT(1 << 20);
	http_metrics(&b);
	api_sweep_metrics(&b);
	k->text = arena_strndup(&k->r->arena, b.buf, b.len);
	k->text_len = b.len;
	k->text_type = "text/plain; version=0.0.4; charset=utf-8";
	buf_release(&b);
	return E_OK;
}
