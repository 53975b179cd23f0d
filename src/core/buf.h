/*
 * buf.h - the one string builder: capped, never NULL, always NUL-terminated.
 *
 * A buf is created with a maximum size so that bytes from a client can never grow it
 * without bound; an append past the cap fails with -1 and leaves the contents unchanged.
 * `b.buf` points at "" until the first append, so it can always be printed.
 */
#ifndef SHENPI_BUF_H
#define SHENPI_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *buf;
	size_t len, alloc, max;
};

extern char buf_empty[];
#define BUF_INIT(maxbytes) {.buf = buf_empty, .len = 0, .alloc = 0, .max = (maxbytes)}

void buf_init(struct buf *b, size_t max);
/* Append; 0 on success, -1 when the result would exceed b->max (nothing appended). */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_addstr(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
/* Hand the malloc'd string to the caller (NUL-terminated; never NULL); b is empty again. */
char *buf_detach(struct buf *b, size_t *len);
/* Free the memory; b is empty again. */
void buf_release(struct buf *b);

#endif
