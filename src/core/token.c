/*
 * token.c - random tokens and SHA-256 digests; see token.h.
 */
#include "core/token.h"

#include <sodium.h>
#include <string.h>

int token_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void token_random(char out[TOKEN_HEX])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, TOKEN_HEX, raw, sizeof(raw));
}

void token_sha256(const void *data, size_t len, char out[TOKEN_HEX])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, data, len);
	sodium_bin2hex(out, TOKEN_HEX, d, sizeof(d));
}

int token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la == lb && sodium_memcmp(a, b, la) == 0;
}
