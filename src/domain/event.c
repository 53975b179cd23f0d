/*
 * event.c - append, list and verify the event log; see event.h.
 */
#include "domain/event.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/token.h"
#include "domain/access.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define EVENT_PAGE_MAX 1000

/* The digest of one record: fields joined with '|', ids 0 written as empty. */
static void event_hash(const char *prev, int64_t seq, int64_t at, int64_t center, int64_t actor,
		       int64_t case_id, const char *type, const char *payload, char out[TOKEN_HEX])
{
	struct buf b = BUF_INIT((size_t)-1);
	char ids[3][24];
	int64_t v[3] = {center, actor, case_id};
	for (int i = 0; i < 3; i++) {
		ids[i][0] = '\0';
		if (v[i])
			snprintf(ids[i], sizeof(ids[i]), "%" PRId64, v[i]);
	}
	buf_addf(&b, "%s|%" PRId64 "|%" PRId64 "|%s|%s|%s|%s|", prev, seq, at, ids[0], ids[1],
		 ids[2], type);
	buf_addstr(&b, payload);
	token_sha256(b.buf, b.len, out);
	buf_release(&b);
}

static struct db_val id_or_null(int64_t id)
{
	return id ? DBI(id) : DBN;
}

int event_append_all(struct ctx *c, struct event_new *ev, size_t n)
{
	int64_t actor = c->actor ? c->actor->id : 0, seq = 0;
	char prev[TOKEN_HEX] = "", hash[TOKEN_HEX] = "";
	struct db_res *r = NULL;
	int rc = DB_OK;
	size_t i = 0;
	if (!n)
		return E_OK;
	/* the UPDATE takes the chain's row lock (PostgreSQL) inside the write transaction */
	struct db_val p[] = {DBI((int64_t)n)};
	rc = db_query(c->db, &r,
		      "UPDATE event_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash", p, 1);
	if (rc == DB_OK && (rc = db_next(r)) > 0) {
		seq = db_int(r, 0) - (int64_t)n; /* the last before these */
		snprintf(prev, sizeof(prev), "%s", db_text(r, 1));
		rc = DB_OK;
	} else if (rc == 0) {
		rc = DB_ERROR;
	}
	db_res_free(r);
	for (; i < n && rc == DB_OK; i++) {
		json_t *payload = ev[i].payload ? ev[i].payload : json_object();
		char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(payload);
		if (!text) {
			i++;
			rc = DB_ERROR;
			break;
		}
		event_hash(prev, ++seq, c->now, ev[i].center_id, actor, ev[i].case_id, ev[i].type,
			   text, hash);
		struct db_val row[] = {DBI(seq),
				       DBI(c->now),
				       id_or_null(ev[i].center_id),
				       id_or_null(actor),
				       id_or_null(ev[i].case_id),
				       DBT(ev[i].type),
				       DBT(text),
				       DBT(prev),
				       DBT(hash)};
		rc = db_exec(c->db,
			     "INSERT INTO events (seq, at, center_id, actor_id, case_id, type, "
			     "payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			     row, 9, NULL);
		free(text);
		memcpy(prev, hash, sizeof(prev));
	}
	for (; i < n; i++) /* not appended after a failure: consumed all the same */
		json_decref(ev[i].payload);
	if (rc == DB_OK) {
		struct db_val head[] = {DBT(hash)};
		rc = db_exec(c->db, "UPDATE event_head SET hash = ? WHERE id = 1", head, 1, NULL);
	}
	return ctx_db(c, rc);
}

int event_append(struct ctx *c, int64_t center_id, int64_t case_id, const char *type,
		 json_t *payload)
{
	struct event_new ev = {center_id, case_id, type, payload};
	return event_append_all(c, &ev, 1);
}

static json_t *event_row(struct db_res *r)
{
	json_t *payload = json_loads(db_text(r, 6), 0, NULL);
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:s,s:o,s:s,s:s}", "seq", (json_int_t)db_int(r, 0),
			 "at", (json_int_t)db_int(r, 1), "center_id", ctx_int_json(r, 2),
			 "actor_id", ctx_int_json(r, 3), "case_id", ctx_int_json(r, 4), "type",
			 db_text(r, 5), "payload", payload ? payload : json_null(), "prev_hash",
			 db_text(r, 7), "hash", db_text(r, 8));
}

int event_list(struct ctx *c, int64_t after, int64_t size, json_t **out)
{
	const struct actor *a = c->actor;
	json_t *items;
	int rc;
	if (!actor_has(a, ROLE_SYSADMIN | ROLE_SUPERVISOR))
		return E_FORBIDDEN;
	if (size <= 0 || size > EVENT_PAGE_MAX)
		size = size <= 0 ? 100 : EVENT_PAGE_MAX;
	if (after < 0)
		after = 0;
	if (actor_has(a, ROLE_SYSADMIN)) {
		struct db_val p[] = {DBI(after), DBI(size)};
		rc = ctx_rows(c,
			      "SELECT seq, at, center_id, actor_id, case_id, type, payload, "
			      "prev_hash, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
			      p, 2, event_row, &items);
	} else {
		/* a supervisor sees the events of the centers in their region subtree */
		struct db_val p[] = {DBI(after), DBT(access_region_like(c, a->scope_region)),
				     DBI(size)};
		rc = ctx_rows(c,
			      "SELECT e.seq, e.at, e.center_id, e.actor_id, e.case_id, e.type, "
			      "e.payload, e.prev_hash, e.hash FROM events e "
			      "JOIN centers ce ON ce.id = e.center_id "
			      "WHERE e.seq > ? AND " ACCESS_REGION_SUBTREE("ce.region_code")
			      " ORDER BY e.seq LIMIT ?",
			      p, 3, event_row, &items);
	}
	if (rc < 0)
		return rc;
	size_t n = json_array_size(items);
	int64_t last = n ? json_integer_value(json_object_get(json_array_get(items, n - 1), "seq"))
			 : after;
	*out = json_pack("{s:o,s:I}", "items", items, "next_after", (json_int_t)last);
	return E_OK;
}

int event_verify(struct ctx *c, int64_t *count, int64_t *bad_seq, const char **why)
{
	struct db_res *r;
	char prev[TOKEN_HEX] = GENESIS, hash[TOKEN_HEX];
	int64_t expect = 1;
	*count = 0;
	*bad_seq = 0;
	*why = NULL;
	int rc = db_query(c->db, &r,
			  "SELECT seq, at, COALESCE(center_id, 0), COALESCE(actor_id, 0), "
			  "COALESCE(case_id, 0), type, payload, prev_hash, hash "
			  "FROM events ORDER BY seq",
			  NULL, 0);
	if (rc < 0)
		return ctx_db(c, rc);
	while ((rc = db_next(r)) > 0) {
		int64_t seq = db_int(r, 0);
		if (seq != expect) {
			*bad_seq = expect;
			*why = "事件缺失（序号不连续）";
			break;
		}
		if (strcmp(db_text(r, 7), prev) != 0) {
			/* This record names another hash of the one before. When it still
			 * hashes right over the hash it names, it is as written and the one
			 * before was changed after it, its own hash recomputed. */
			event_hash(db_text(r, 7), seq, db_int(r, 1), db_int(r, 2), db_int(r, 3),
				   db_int(r, 4), db_text(r, 5), db_text(r, 6), hash);
			if (seq > 1 && !strcmp(hash, db_text(r, 8))) {
				*bad_seq = seq - 1;
				*why = "事件内容被改动并重算了哈希（与下一条事件记下的哈希不符）";
				(*count)--;
			} else {
				*bad_seq = seq;
				*why = "前一事件的哈希不符（链被改动）";
			}
			break;
		}
		event_hash(prev, seq, db_int(r, 1), db_int(r, 2), db_int(r, 3), db_int(r, 4),
			   db_text(r, 5), db_text(r, 6), hash);
		if (strcmp(hash, db_text(r, 8)) != 0) {
			*bad_seq = seq;
			*why = "事件内容与哈希不符（记录被改动）";
			break;
		}
		memcpy(prev, hash, sizeof(prev));
		(*count)++;
		expect++;
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	if (*bad_seq)
		return E_INTERNAL;

	/* the head must point at the last event: a deleted tail shows here */
	if ((rc = db_query(c->db, &r, "SELECT seq, hash FROM event_head WHERE id = 1", NULL, 0)) < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0 && (db_int(r, 0) != expect - 1 || strcmp(db_text(r, 1), prev))) {
		*bad_seq = db_int(r, 0) >= expect ? expect : db_int(r, 0);
		*why = "事件链末尾缺失或被改动";
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	return *bad_seq ? E_INTERNAL : E_OK;
}
