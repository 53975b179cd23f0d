/*
 * event.h - the hash-chained event log (DESIGN.md section 7).
 *
 * Every change appends one event in the same transaction as the change itself:
 *   (seq, at, center, actor, case, type, payload, prev_hash, hash)
 * with hash = SHA-256 over the previous hash and the record, so editing or deleting any row
 * breaks the chain at that row. Nothing updates or deletes an event.
 */
#ifndef SHENPI_EVENT_H
#define SHENPI_EVENT_H

#include <jansson.h>

#include "domain/ctx.h"

/* Append an event inside the caller's write transaction. center_id/case_id 0 = none; the
 * actor is c->actor (NULL = system). payload is consumed. */
int event_append(struct ctx *c, int64_t center_id, int64_t case_id, const char *type,
		 json_t *payload);

/* A new event, for event_append_all. */
struct event_new {
	int64_t center_id, case_id; /* 0 = none */
	const char *type;
	json_t *payload; /* consumed */
};
/* Append n events in order, as n event_append calls would, with one move of the chain's head
 * row: a sweep that raises 300,000 cards in one transaction appends them in linear time
 * (PostgreSQL keeps every version of a row a transaction updates until it ends). */
int event_append_all(struct ctx *c, struct event_new *ev, size_t n);

/* Events with seq > after, at most size of them (capped at 1000), that the actor may see:
 * {"items":[...],"next_after":N}. */
int event_list(struct ctx *c, int64_t after, int64_t size, json_t **out);

/* Recompute the whole chain. Returns 0 when intact; otherwise E_INTERNAL with *bad_seq set
 * to the first record that does not verify (a record changed with its own hash recomputed is
 * found by the next one, which still names its old hash, and is the one named; a deleted one
 * by its number) and *why to a short Chinese reason. *count gets the number of events before
 * *bad_seq that verified (all of them when intact). */
int event_verify(struct ctx *c, int64_t *count, int64_t *bad_seq, const char **why);

#endif
