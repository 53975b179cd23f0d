/*
 * fuzz_utf8.c - the UTF-8 check (core/utf8.c) against a plain reading of RFC 3629: the
 * shortest form only, no surrogates, nothing past U+10FFFF.
 */
#include "fuzz.h"

#include "core/utf8.h"

/* The length of the valid sequence at s, or 0: decode, then check the range and form. */
static size_t reference(const unsigned char *s, size_t len)
{
	size_t n = s[0] < 0x80	     ? 1
		   : s[0] >> 5 == 6  ? 2
		   : s[0] >> 4 == 14 ? 3
		   : s[0] >> 3 == 30 ? 4
				     : 0;
	if (!n || n > len)
		return 0;
	uint32_t cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if (s[i] >> 6 != 2)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int valid = 1;
	for (size_t i = 0; i < size;) {
		size_t n = utf8_seq(data + i, size - i);
		FUZZ_CHECK(n == reference(data + i, size - i));
		if (!n) {
			valid = 0;
			break;
		}
		i += n;
	}
	FUZZ_CHECK(utf8_valid(data, size) == valid);
	return 0;
}
