/*
 * ids.c - identifier checks; see ids.h.
 */
#include "core/ids.h"

#include <string.h>

/* Province-level prefixes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao). */
static int province_prefix_ok(int p)
{
	static const int valid[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
				    41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64,
				    65, 71, 81, 82};
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		if (valid[i] == p)
			return 1;
	return 0;
}

int ids_region_level(const char *code, char *parent)
{
	if (!code || strlen(code) != 6)
		return 0;
	for (int i = 0; i < 6; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	if (!province_prefix_ok((code[0] - '0') * 10 + (code[1] - '0')))
		return 0;
	int city = memcmp(code + 2, "00", 2) != 0;
	int county = memcmp(code + 4, "00", 2) != 0;
	int level = county ? 3 : city ? 2 : 1;
	if (county && !city)
		return 0; /* XX00ZZ names no city */
	if (parent) {
		if (level == 1) {
			parent[0] = '\0';
		} else {
			memcpy(parent, code, 6);
			parent[6] = '\0';
			memset(parent + (level == 2 ? 2 : 4), '0', level == 2 ? 4 : 2);
		}
	}
	return level;
}
