/*
 * fuzz_csv.c - the CSV reader (core/csv.c) that the import reads every file with: any bytes
 * are read to the end or refused, and every record read, written back with csv_put, reads
 * back the same (the export/import round trip).
 */
#include "fuzz.h"

#include "core/buf.h"
#include "core/csv.h"
#include "core/utf8.h"

#define MAXF 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = {0};
	struct csv r;
	const char *why = NULL;
	if (csv_open(&r, &a, (const char *)data, size, &why) < 0) {
		FUZZ_CHECK(why && *why);
		arena_release(&a);
		return 0;
	}
	char *f[MAXF];
	int n, rc;
	while ((rc = csv_next(&r, f, MAXF, &n)) == 1) {
		FUZZ_CHECK(n >= 1 && r.line >= 1);
		if (n > MAXF)
			continue;
		/* after a first line: a leading U+FEFF of the file would be read as its BOM */
		struct buf b = BUF_INIT(1 << 20);
		buf_addstr(&b, "-\n");
		for (int i = 0; i < n; i++) {
			FUZZ_CHECK(utf8_valid(f[i], strlen(f[i])));
			if (i)
				buf_addstr(&b, ",");
			csv_put(&b, f[i]);
		}
		buf_addstr(&b, "\n");
		struct arena a2 = {0};
		struct csv r2;
		char *g[MAXF];
		int m;
		FUZZ_CHECK(csv_open(&r2, &a2, b.buf, b.len, &why) == 0);
		FUZZ_CHECK(csv_next(&r2, g, MAXF, &m) == 1 && m == 1);
		FUZZ_CHECK(csv_next(&r2, g, MAXF, &m) == 1 && m == n);
		for (int i = 0; i < n; i++)
			FUZZ_CHECK(!strcmp(f[i], g[i]));
		FUZZ_CHECK(csv_next(&r2, g, MAXF, &m) == 0);
		arena_release(&a2);
		buf_release(&b);
	}
	FUZZ_CHECK(rc == 0 || rc == -1);
	arena_release(&a);
	return 0;
}
