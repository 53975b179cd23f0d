/*
 * token.h - random secrets and their digests (libsodium).
 *
 * Session cookies, CSRF tokens and API tokens are 256-bit random values written as 64 hex
 * digits. The database keeps only their SHA-256, so a stolen database copy opens no session,
 * and checking one costs a hash, not a password hash (argon2id is kept for passwords).
 */
#ifndef SHENPI_TOKEN_H
#define SHENPI_TOKEN_H

#include <stddef.h>

#define TOKEN_HEX 65 /* 64 hex digits and the NUL */

/* Call once before threads start; 0 or -1. */
int token_init(void);
/* 32 random bytes as hex into out[TOKEN_HEX]. */
void token_random(char out[TOKEN_HEX]);
/* SHA-256 of len bytes as hex into out[TOKEN_HEX]. */
void token_sha256(const void *data, size_t len, char out[TOKEN_HEX]);
/* Constant-time comparison of two NUL-terminated strings. */
int token_equal(const char *a, const char *b);

#endif
