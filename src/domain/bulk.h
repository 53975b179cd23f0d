/*
 * bulk.h - a first bulk load into empty tables, with their keys built after the rows (the
 * import's cases and steps, the cases of `shenpi gen`; docs/performance.md).
 *
 * Keeping an index current costs a descent of its tree per row, and checking a foreign key
 * on PostgreSQL costs a query per row and key. Into empty tables, bulk_drop takes off the
 * indexes no constraint needs and the foreign keys (db_indexes, db_fkeys), and bulk_build
 * makes each index again from its sorted keys and checks each foreign key by one join over
 * all the rows. The indexes of constraints stay (a primary key, a case's number): they keep
 * the rows unique while they come. Both run inside the caller's write transaction, so a
 * rollback puts back whatever was dropped; on PostgreSQL the dropped keys lock their
 * tables, and the tables their foreign keys refer to (users, centers, …), until the commit:
 * a first load, before the system is in use.
 */
#ifndef SHENPI_BULK_H
#define SHENPI_BULK_H

#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "domain/ctx.h"

struct bulk {
	const char *const *tables;
	int ntables;
	json_t *indexes, *fkeys; /* [[name, statement that makes it again], …] */
};

/* When every one of the n tables is empty, drop their indexes that no constraint needs and
 * their foreign keys, remembering them in b; otherwise drop nothing. tables must outlive b.
 * Call bulk_release(b) in every case. */
int bulk_drop(struct ctx *c, const char *const *tables, int n, struct bulk *b);

/* After the rows: analyze the tables (db_analyze), build the indexes, then add the foreign
 * keys back, each checking every row (a row that breaks one fails the transaction).
 * progress (may be NULL) gets a line per index and key, with the seconds since started. */
int bulk_build(struct ctx *c, struct bulk *b, FILE *progress, time_t started);

void bulk_release(struct bulk *b);

#endif
