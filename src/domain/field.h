/*
 * field.h - reading and checking the fields of a JSON input object.
 *
 * Each reader returns 0 or E_INVALID with the field and a Chinese message naming the field by
 * its label (via ctx_fail). An absent optional field leaves *out as it was and returns 0;
 * `present` (may be NULL) tells whether the field was given.
 */
#ifndef SHENPI_FIELD_H
#define SHENPI_FIELD_H

#include <jansson.h>

#include "domain/ctx.h"

/* A text of minc..maxc characters (UTF-8 code points), no control characters, trimmed of
 * surrounding spaces. Required fields must be present and non-empty when minc > 0. */
int field_text(struct ctx *c, json_t *in, const char *key, const char *label, int required,
	       size_t minc, size_t maxc, const char **out, int *present);
/* Like field_text, and line breaks are allowed (CRLF kept as LF): for paragraphs such as
 * a work guide. */
int field_lines(struct ctx *c, json_t *in, const char *key, const char *label, int required,
		size_t minc, size_t maxc, const char **out, int *present);
/* Like field_text, and every byte must be in `allowed` (an ASCII character set). */
int field_ascii(struct ctx *c, json_t *in, const char *key, const char *label, int required,
		size_t minc, size_t maxc, const char *allowed, const char **out, int *present);
/* An integer in [min, max]; JSON null counts as absent. */
int field_int(struct ctx *c, json_t *in, const char *key, const char *label, int required,
	      int64_t min, int64_t max, int64_t *out, int *present);
int field_bool(struct ctx *c, json_t *in, const char *key, const char *label, int *out,
	       int *present);

/* A LIKE pattern (use with ESCAPE '\\') matching s anywhere, with LIKE's wildcards in s
 * taken literally; in the arena. */
const char *field_like(struct ctx *c, const char *s);

/* A new object with those of the NULL-terminated keys that in has, for event payloads. */
json_t *field_pick(json_t *in, ...) __attribute__((sentinel));

#define FIELD_DIGITS "0123456789"
#define FIELD_USERNAME "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
#define FIELD_CODE "abcdefghijklmnopqrstuvwxyz0123456789_"
#define FIELD_PHONE "0123456789+-"

/* Parameter `key` of a query given as a JSON object of strings (api_query): "" when absent. */
const char *field_query(json_t *q, const char *key);

/* Paging from a query (struct page, ctx.h): page >= 1, 1 <= size <= 100 (default 20). */
void field_page(const char *page, const char *size, struct page *out);

/* The filters of a list of things to answer (urges, follow-ups): `view` mine|all (default
 * all) as *mine, `state` open|answered ("" for both) as *state. */
int field_answer_filter(struct ctx *c, json_t *q, int *mine, const char **state);

#endif
