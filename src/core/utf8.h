/*
 * utf8.h - checking UTF-8 from outside: file contents, names, imported text.
 *
 * Strict RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
 */
#ifndef SHENPI_UTF8_H
#define SHENPI_UTF8_H

#include <stddef.h>

/* The length (1..4) of the valid UTF-8 sequence at the start of s (len bytes, len > 0), or 0
 * when it is not one. */
size_t utf8_seq(const unsigned char *s, size_t len);
/* Are the len bytes at s valid UTF-8? */
int utf8_valid(const void *s, size_t len);

#endif
