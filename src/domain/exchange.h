/*
 * exchange.h - the exchange format of `shenpi import` and `shenpi export` (docs/import.md):
 * a folder of UTF-8 CSV files that brings in the previous system's organisation, users,
 * catalog, processes and cases with their steps (R5.2), and writes them back.
 *
 * Every record of the folder is keyed by the old system's own identifier: regions by their
 * code, cases by their old number (cases.old_no, searchable like a case number, R1.7), the
 * rest by an `id` column kept in the table import_keys. A re-run recognises what an earlier
 * run brought in and skips it (counted as skipped), so nothing is imported twice. A center,
 * unit, user or item the database already holds under its natural key (a center's name, a
 * unit's or an item's code in its center, a username) is mapped to, not created: skipped too.
 *
 * Regions, centers, users, items with their materials and processes with their steps go
 * through the same domain calls as the web UI (org, user, catalog, process), with the same
 * checks and one event each; units are written directly (an imported unit brings its own
 * users, not a default one). Cases and their steps are written directly in bulk, many rows
 * per INSERT (into empty tables with their indexes and foreign keys built after the rows,
 * domain/bulk.h): the case gets a new number (RRRRRR-YYYYMMDD-NNNNNN of its application
 * day, serials bumped), and the
 * event log records them in events "case.import", one per center and up to
 * EXCHANGE_EVENT_CASES cases, listing each case's new and old number. The statistics
 * rollups are rebuilt at the end (stats_rebuild).
 *
 * Imported accounts follow the rule of every new account: the initial password 888888,
 * to be changed at the first login. No password is taken from the old system.
 */
#ifndef SHENPI_EXCHANGE_H
#define SHENPI_EXCHANGE_H

#include <stdio.h>

#include <jansson.h>

#include "domain/ctx.h"

#define EXCHANGE_EVENT_CASES 1000	 /* cases listed in one "case.import" event */
#define EXCHANGE_MAX_FILE    (4LL << 30) /* the largest CSV file read */

struct exchange_opts {
	const char *dir; /* the folder */
	FILE *progress;	 /* NULL: quiet */
	int tty;	 /* progress is a terminal: one bar redrawn in place */
};

/* Import the folder into c->db in one write transaction of its own (c->db must be outside
 * one): on any bad row nothing is kept, and the failure (E_INVALID and others) carries a
 * message naming the file, its line and the column. *out gets, per file present,
 * {"regions":{"imported":N,"skipped":N}, …}. */
int exchange_import(struct ctx *c, const struct exchange_opts *o, json_t **out);

/* Write every record of the database to the folder (created when missing) in the same
 * format, keyed by its import key where it has one and by its id otherwise; a case's old
 * number is its old_no, or its number when it has none. *out gets the rows per file. */
int exchange_export(struct ctx *c, const struct exchange_opts *o, json_t **out);

#endif
