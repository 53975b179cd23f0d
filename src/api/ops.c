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
	struct db_commit_stats st;
	http_metrics(&b);
	api_sweep_metrics(&b);
	db_commit_stats(k->ctx.db, &st);
	buf_addf(
	    &b,
	    "# HELP shenpi_db_transactions_total Write transactions committed (SQLite).\n"
	    "# TYPE shenpi_db_transactions_total counter\n"
	    "shenpi_db_transactions_total %llu\n"
	    "# HELP shenpi_db_commits_total Commits of SQLite that made them; the transactions "
	    "of concurrent requests share one (group commit).\n"
	    "# TYPE shenpi_db_commits_total counter\n"
	    "shenpi_db_commits_total %llu\n"
	    "# HELP shenpi_db_syncs_total Syncs of the SQLite WAL that commits waited for; "
	    "several commits may share one.\n"
	    "# TYPE shenpi_db_syncs_total counter\n"
	    "shenpi_db_syncs_total %llu\n"
	    "# HELP shenpi_db_durable_commits_total Of these commits, those known to be on disk.\n"
	    "# TYPE shenpi_db_durable_commits_total counter\n"
	    "shenpi_db_durable_commits_total %llu\n",
	    (unsigned long long)st.transactions, (unsigned long long)st.commits,
	    (unsigned long long)st.syncs, (unsigned long long)st.durable);
	k->text = arena_strndup(&k->r->arena, b.buf, b.len);
	k->text_len = b.len;
	k->text_type = "text/plain; version=0.0.4; charset=utf-8";
	buf_release(&b);
	return E_OK;
}
