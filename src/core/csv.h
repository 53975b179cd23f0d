/*
 * csv.h - reading CSV files that people export from spreadsheets (RFC 4180), and writing
 * them.
 *
 * Accepts UTF-8 with or without a byte-order mark, and GB18030/GBK (what Chinese Excel
 * writes by default), converted to UTF-8. Fields may be quoted; a quoted field may hold
 * commas, doubled quotes and line breaks. Blank lines and rows of empty cells are skipped.
 * Text that holds U+FFFD (decoded earlier with the wrong encoding) is refused. The text is copied into
 * the arena and split in place, so fields live as long as the arena.
 */
#ifndef SHENPI_CSV_H
#define SHENPI_CSV_H

#include <stddef.h>

#include "core/arena.h"

struct csv {
	char *p;   /* what is left to read */
	int line;  /* the line the last record started on (1-based) */
	int next_line;
};

/* Prepare to read text. 0, or -1 with *why set (binary data, an encoding we cannot read). */
int csv_open(struct csv *r, struct arena *a, const char *text, size_t len, const char **why);
/* The next record: up to max fields into f (more are counted, not kept), their count in *n.
 * Returns 1 for a record, 0 at the end, -1 when a quote is not closed (r->line says where).
 * Spaces around unquoted fields are dropped. */
int csv_next(struct csv *r, char **f, int max, int *n);

struct buf;
/* Append s as one field (without the separator): quoted when it holds a comma, a quote or a
 * line break, or starts or ends with a space, which csv_next would drop. */
void csv_put(struct buf *b, const char *s);

#endif
