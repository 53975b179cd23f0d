/*
 * fuzz_ids.c - the national identifier checks (core/ids.c) and the day parser: any string
 * is refused with a reason or accepted in a canonical form that is accepted again as is.
 */
#include "fuzz.h"

#include "core/ids.h"
#include "domain/calendar.h"

static void check(int (*fn)(const char *, char[19], const char **), const char *s)
{
	char out[19], again[19];
	const char *why = NULL;
	if (fn(s, out, &why) == 0) {
		FUZZ_CHECK(strlen(out) == 18);
		FUZZ_CHECK(fn(out, again, NULL) == 0 && !strcmp(out, again));
		FUZZ_CHECK(!strpbrk(out, "abcdefghijklmnopqrstuvwxyz"));
	} else {
		FUZZ_CHECK(why && *why);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	check(ids_check_id_card, s);
	check(ids_check_credit_code, s);

	char parent[7];
	int level = ids_region_level(s, parent);
	FUZZ_CHECK(level >= 0 && level <= 3);
	if (level == 1)
		FUZZ_CHECK(!*parent);
	else if (level > 1)
		FUZZ_CHECK(ids_region_level(parent, NULL) == level - 1);

	int32_t day;
	char back[CALENDAR_DAY_LEN];
	if (calendar_parse_day(s, &day) == 0) {
		calendar_format_day(day, back);
		FUZZ_CHECK(!strcmp(back, s));
	}
	free(s);
	return 0;
}
