/*
 * card.h - automatic accountability (自动问责, R4.4, DESIGN.md section 7) and the follow-ups of
 * bad ratings (差评整改).
 *
 * Cards are raised by themselves, never by a person: the sweep (card_sweep, run by the server
 * every minute and by `shenpi sweep`) reads, by their indexed due days, the objects whose
 * due day has passed — steps (step_overdue, yellow, the step's handler), open cases (case_overdue, red, the
 * handler of the step most behind), transfer-outs (transfer_overdue, yellow), urges
 * (urge_unanswered, red, the urged person or unit) and follow-ups (followup_overdue, yellow,
 * the unit) — and a one-time notice given more than 5 working days after the application
 * raises late_notice (yellow, the clerk) at once. One card per rule and object; each appends
 * "card.raise". Supervisors whose region covers the center (and sysadmins) confirm or dismiss
 * (纠错) a card with a note ("card.confirm" / "card.dismiss").
 *
 * A pickup rated 2 or below (差评) opens a follow-up due the center's followup_days working
 * days later; the unit's staff answer it. Shapes in docs/api.md ("Cards", "Follow-ups").
 */
#ifndef SHENPI_CARD_H
#define SHENPI_CARD_H
#include <stdint.h>
#include <jansson.h>
#include "domain/ctx.h"

/* Raise every card that is due, in the caller's write transaction; *raised gets how many. */
int card_sweep(struct ctx *c, int64_t *raised);
/* late_notice for a case given its one-time notice now (case.c calls it; no-op when in time). */
int card_late_notice(struct ctx *c, int64_t case_id);
/* Filters (strings): state, color, center_id, unit_id, user_id, page, size. */
int card_list(struct ctx *c, json_t *q, json_t **out);
/* One card with its evidence: the events of its case (or urge). */
int card_get(struct ctx *c, int64_t id, json_t **out);
/* decision "confirm" | "dismiss", in {note}. */
int card_decide(struct ctx *c, int64_t id, const char *decision, json_t *in, json_t **out);

/* Open the follow-up of a case just rated 2 or below (case.c calls it at pickup). */
int followup_open(struct ctx *c, int64_t case_id);
/* Filters: view = mine | all, state = open | answered, page, size. */
int followup_list(struct ctx *c, json_t *q, json_t **out);
int followup_answer(struct ctx *c, int64_t id, json_t *in, json_t **out);

#endif
