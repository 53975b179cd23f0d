/*
 * case.h - cases (办件) from application to pickup, and consultations (DESIGN.md section 5).
 *
 * A case is numbered RRRRRR-YYYYMMDD-NNNNNN when it is applied for: the center's region code,
 * the day, and a serial per center and day bumped in the same transaction, so numbers are
 * unique and gapless however many windows apply at once. Its states:
 *
 *   applied ─┬─ refuse ──────────────→ refused
 *            ├─ supplement ─→ supplement ─ resupply ─→ applied
 *            ├─ withdraw ────────────→ withdrawn
 *            └─ accept ─┬─ (immediate) → accepted ─ complete ─→ completed ─ pickup ─→ picked_up
 *                       └─ (promised)  → in_process ─ steps … complete ─→ completed
 *
 * A promised case copies its item's current process at acceptance (the default one when
 * none is saved) and walks it stage by stage: the accept step is done by acceptance; the
 * steps of a stage are active together (并联) and the next stage starts when all are done;
 * an approve step is submitted by its handler only; a transfer-out step (转外) is sent out
 * and taken back, and the working days it was out are added to the case deadline; a step
 * may be returned to the previous stage with a reason; the complete step ends the case with
 * complete(). Every transition is one call inside the caller's write transaction that also
 * appends its event ("case.<action>"), and refuses with a Chinese message what the state,
 * the actor or the input does not allow - leaving nothing written.
 *
 * Who may do what: the window work (apply, materials, accept, refuse, supplement, resupply,
 * withdraw, complete of an immediate case or of a complete step without a handler, pickup)
 * is for clerks and handlers of the case's unit; a step with a handler is for that handler
 * alone. Reading: the case's unit, its step handlers, the center's admins, sysadmins and
 * supervisors whose region covers the center see everything; other users of the same center
 * see an overview ("overview":true) without the applicant's data; anybody else gets
 * E_NOT_FOUND.
 *
 * The JSON shapes are in docs/api.md ("Cases").
 */
#ifndef SHENPI_CASE_H
#define SHENPI_CASE_H
#include <stdint.h>
#include <jansson.h>
#include "domain/ctx.h"

/* Caps of what clients send. */
#define CASE_MAX_TEXT 2000  /* opinions, reasons, questions, answers */
#define CASE_MAX_NAME 100   /* names, numbers, phones */
#define CASE_MAX_PAGE 100

/* A case as a change leaves it: what a program that asks for no more gets back. */
struct case_brief {
	const char *no, *state; /* from c->arena */
	int32_t due_day;	/* 0 while there is none */
};
/* {no, state, state_name, due_day} */
json_t *case_brief_json(const struct case_brief *b);

/* Apply: in as in POST /api/v1/cases; *out gets the new case (its number, for case_get once
 * committed). */
int case_apply(struct ctx *c, json_t *in, struct case_brief *out);
/* A transition on case `no`: action is one of "materials", "accept", "refuse", "supplement",
 * "resupply", "withdraw", "submit", "return", "transfer-out", "transfer-back", "complete",
 * "pickup" with its body `in`. E_NOT_FOUND for an unknown action. */
int case_act(struct ctx *c, const char *no, const char *action, json_t *in, struct case_brief *out);
/* The case as JSON if the actor may see it (an overview when they may only see that);
 * E_NOT_FOUND otherwise. */
int case_get(struct ctx *c, const char *no, json_t **out);
/* May the actor see the whole case (write = 0) or change its files (write = 1: the case's
 * unit, clerks and handlers, case still open)? 0 with the ids filled, E_NOT_FOUND or
 * E_FORBIDDEN. */
int case_access(struct ctx *c, const char *no, int write, int64_t *case_id, int64_t *center_id);
/* Search (GET /api/v1/cases): filters from the query, q = a JSON object of strings. */
int case_list(struct ctx *c, json_t *q, json_t **out);
/* The flowchart of the case's steps, lit by progress: SVG from c->arena. */
int case_svg(struct ctx *c, const char *no, const char **svg, size_t *len);
/* The public progress lookup (no login): number plus the applicant's name or phone. */
int case_public(struct ctx *c, const char *no, const char *name, const char *phone,
		json_t **out);
/* Counts for a person (unit_id 0: the actor) or a unit, over applied days from..to
 * ("YYYY-MM-DD", either may be NULL). */
int case_stats(struct ctx *c, int64_t unit_id, const char *from, const char *to, json_t **out);

/* The warning lights (DESIGN.md section 6). The working days left until `due` (0 on the day,
 * below 0 once overdue), a transfer-out still out (since paused_since, 0 = none) not counted
 * against the case: those days are added to its deadline when it comes back. */
struct calendar;
int case_days_left(const struct calendar *cal, int32_t today, int32_t due, int32_t paused_since);
/* "red" below 0 days left, "yellow" at most warn (a center's or item's threshold, 0-10
 * working days), else "green". */
const char *case_light(int left, int warn);
/* The last day a case or step can be due and still be lit: today plus the largest warning
 * threshold any center or item sets now, in working days. */
int case_lit_until(struct ctx *c, const struct calendar *cal, int32_t *day);
/* Count the lights of the rows sql yields: due day, pause start (0: none), threshold and
 * how many cases or steps share them (… GROUP BY 1, 2, 3). Adds to *yellow and *red. */
int case_count_lights(struct ctx *c, const struct calendar *cal, const char *sql,
		      const struct db_val *p, int n, int64_t *yellow, int64_t *red);

/* Consultations (咨询). */
int consultation_create(struct ctx *c, json_t *in, json_t **out);
int consultation_get(struct ctx *c, int64_t id, json_t **out);
int consultation_list(struct ctx *c, json_t *q, json_t **out);
/* May the actor see (write = 0) or add files to (write = 1) consultation id? */
int consultation_access(struct ctx *c, int64_t id, int write, int64_t *center_id);

#endif
