/*
 * gen.h - a synthetic province at a chosen scale, for benchmarks and demos (`shenpi gen`).
 *
 * Sichuan (510000) with its 21 cities and synthesized counties (GB/T 2260 shaped codes), one
 * service center per region up to the number asked for, ten units per center, twenty items
 * per unit (about 30% immediate; statutory and promised days; entered and authorized flags),
 * a process per promised item (accept, one or two approve stages, sometimes a parallel step
 * and a transfer-out, complete), a clerk and two handlers per unit, an admin per center, a
 * province supervisor; and a year of cases on the working days before today, each in a
 * state that fits its age: refused, supplement, in process (steps done / active / out /
 * waiting with due days from the working-day calendar), completed, picked up with a rating
 * skewed high; transfer-outs, late and stuck (overdue) cases, urges on some overdue ones and
 * follow-ups of bad ratings. Numbers are RRRRRR-YYYYMMDD-NNNNNN with `serials` bumped so
 * real applications continue the sequence. Rows are written directly (not through the
 * case transitions): the cases are planned GEN_CHUNK at a time with their ids given up
 * front, then bulk-loaded table by table (db_copy_*: COPY on PostgreSQL), into tables
 * without their secondary indexes and foreign keys when they were empty (bulk.h: built
 * after the rows); the statistics rollups are rebuilt from them (stats_rebuild) and one
 * summary event "gen" is appended.
 *
 * Generated accounts (initial password 888888): genNNNadmin (center NNN's admin),
 * genNNNuUUck (clerk), genNNNuUUh1 / h2 (handlers, the first works at the hall),
 * genjc510000 (the province supervisor).
 */
#ifndef SHENPI_GEN_H
#define SHENPI_GEN_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "domain/ctx.h"

#define GEN_MAX_CENTERS 2000
#define GEN_MAX_CASES	50000000LL
#define GEN_MAX_DAYS	3660

struct gen_opts {
	int centers;	/* 1..GEN_MAX_CENTERS */
	int64_t cases;	/* 0..GEN_MAX_CASES */
	int days;	/* 1..GEN_MAX_DAYS: cases are applied over the days before today */
	uint64_t seed;	/* the same seed and options give the same province */
	FILE *progress; /* NULL: quiet */
};

/* Generate into c->db, which must be outside a transaction and hold no province 510000 yet
 * (E_DUPLICATE). Runs in one write transaction of its own: a failure leaves the database as
 * it was (the dropped keys too); on SQLite with synchronous=OFF while it runs. *out gets the counts:
 * {"regions","centers","units","items","processes","users","cases","case_steps",
 *  "open","overdue","urges","followups"}. */
int gen_run(struct ctx *c, const struct gen_opts *o, json_t **out);

#endif
