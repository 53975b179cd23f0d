/*
 * urge.h - 督办 (supervise) and 催办 (hurry): a center admin, a supervisor whose region
 * covers the center, or a sysadmin urges an open case, one of its active steps, or a unit,
 * with a message and a day to answer by. The urged unit's staff (for a step: its handler)
 * see it on their home page and answer once; the exchange is kept, each part with its event
 * ("urge.create", "urge.answer"). A case with an unanswered urge is flagged (cases.urged).
 *
 * Shapes in docs/api.md ("Urges").
 */
#ifndef SHENPI_URGE_H
#define SHENPI_URGE_H
#include <jansson.h>
#include "domain/ctx.h"

#define URGE_MAX_TEXT 1000

/* in {kind, case_no? | unit_id?, step_id?, message, reply_by}; *out gets the urge. */
int urge_create(struct ctx *c, json_t *in, json_t **out);
/* in {answer}; *out gets the urge. */
int urge_answer(struct ctx *c, int64_t id, json_t *in, json_t **out);
/* Filters from the query (strings): view = mine (to me or my unit) | all (what the actor
 * may oversee; the default), state = open | answered, case_no, page, size. */
int urge_list(struct ctx *c, json_t *q, json_t **out);

#endif
