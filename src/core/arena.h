/*
 * arena.h - a region allocator: one per request (or per command), freed all at once.
 *
 * Handlers allocate from the request's arena and never free piecemeal; the HTTP layer calls
 * arena_release() when libmicrohttpd reports the request completed. Allocation failure aborts
 * the process: a server that cannot allocate a few kilobytes cannot answer anyway.
 */
#ifndef SHENPI_ARENA_H
#define SHENPI_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t total; /* bytes handed out, for tests and metrics */
};

#define ARENA_INIT {0}

/* Zeroed memory of n bytes, aligned for any type, valid until arena_release(). */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);
/* Free every allocation; the arena can be used again. */
void arena_release(struct arena *a);

#endif
