/*
 * multipart.h - reading a fully buffered multipart/form-data body (RFC 7578, RFC 2046).
 *
 * The boundary comes from the request's Content-Type. Each part must carry
 * `Content-Disposition: form-data; name="..."`, optionally with a filename (quoted, with
 * backslash escapes, or `filename*=UTF-8''percent-encoded` per RFC 5987, which wins) and a
 * Content-Type. Other part headers are ignored, and so are the preamble and the epilogue.
 * Every size the sender controls is capped: the number of parts, the header block of a part
 * and the parameters of a header. The parser reads bytes from the wire and is a fuzz target:
 * it never reads past len and treats every input as data.
 */
#ifndef SHENPI_MULTIPART_H
#define SHENPI_MULTIPART_H

#include <stddef.h>

#include "core/arena.h"

#define MULTIPART_MAX_PARTS   8
#define MULTIPART_MAX_HEADERS 4096 /* bytes of one part's header block */

struct multipart_part {
	const char *name;     /* the form field (NUL-terminated, in the arena) */
	const char *filename; /* as sent, NUL-free; NULL when the part is no file */
	const char *type;     /* the part's Content-Type, "" when absent */
	const char *data;     /* the content: into the body, not NUL-terminated */
	size_t len;
};

struct multipart {
	struct multipart_part parts[MULTIPART_MAX_PARTS];
	size_t n;
};

/* Split body (len bytes) into out's parts; names and headers are copied into a, data points
 * into body. 0; E_MEDIA_TYPE when content_type (may be NULL) is not multipart/form-data;
 * E_INVALID with *why set to a Chinese reason when the body or the boundary is malformed. */
int multipart_parse(struct multipart *out, struct arena *a, const char *content_type,
		    const char *body, size_t len, const char **why);

/* The first part named name, or NULL. */
const struct multipart_part *multipart_get(const struct multipart *m, const char *name);

#endif
