/*
 * stats.h - statistics and indicators (DESIGN.md section 7, docs/indicators.md).
 *
 * Every figure is read from per-day rollups (table stats_daily: one row per day, center,
 * unit and item) rather than from the cases, so a province-wide page costs a sum over the
 * days of the period. The rollups are kept current by stats_on_case(), called inside the
 * transaction of every case transition, and can be recomputed from the cases with
 * stats_rebuild(). Each counter is counted on the day of its event (docs/indicators.md).
 *
 * A scope (query parameter "scope") is a region code (its subtree: 510000 the province,
 * 510100 a city, 510104 a county), "center:ID", "unit:ID" or "item:ID"; absent, the actor's
 * widest: a sysadmin the top region, a supervisor their region, a center admin their center,
 * other staff their unit. A supervisor reaches their region's subtree, a center admin their
 * center, unit staff their unit; anything else is E_FORBIDDEN. A period ("from", "to",
 * "YYYY-MM-DD") defaults to this month and may span at most STATS_MAX_DAYS days.
 *
 * The JSON shapes are in docs/api.md ("Statistics").
 */
#ifndef SHENPI_STATS_H
#define SHENPI_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "domain/ctx.h"

#define STATS_MAX_DAYS	   366 /* the longest period */
#define STATS_MAX_CHILDREN 500 /* the most children a drill-down or table lists */

/* Count case_id's `action` ("apply", "accept", "refuse", "complete", "pickup"; the others
 * count nothing) into the rollups, inside the caller's write transaction, after the case
 * row has been changed. */
int stats_on_case(struct ctx *c, int64_t case_id, const char *action);
/* Recompute every rollup from the cases, inside the caller's write transaction. */
int stats_rebuild(struct ctx *c);

/* q: a JSON object of strings "scope", "from", "to".
 * {"scope","scope_name","from","to","indicators":[{"key","label","value","numerator",
 *  "denominator","unit"}]} */
int stats_indicators(struct ctx *c, json_t *q, json_t **out);
/* The indicators of each child of the scope (a province's own centers and cities → a city's
 * or county's centers → units → items), with their open cases, warning lights and open
 * cards: {"scope","scope_name","from","to","items":[{"scope","name","level","indicators":[…],
 * "open","yellow","red","cards_yellow","cards_red"}]} */
int stats_children(struct ctx *c, json_t *q, json_t **out);
/* Table `name` (workload, efficiency, overtime, transfer, satisfaction, catalog) with a row
 * per child of the scope and a last row "合计" for the scope: {"name","label","scope",
 * "scope_name","from","to","columns":[{"key","label"}],"rows":[{…}]}. E_NOT_FOUND for an
 * unknown name. */
int stats_table(struct ctx *c, const char *name, json_t *q, json_t **out);
/* The same table as an .xlsx file: *data malloc'd, *len its size. */
int stats_table_xlsx(struct ctx *c, const char *name, json_t *q, char **data, size_t *len);

#endif
