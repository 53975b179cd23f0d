/*
 * fuzz_multipart.c - the multipart/form-data reader (core/multipart.c): the input is a
 * Content-Type line and the body after it. Whatever it holds, the parts found lie inside
 * the body and have names.
 */
#include "fuzz.h"

#include "core/err.h"
#include "core/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t head = nl ? (size_t)(nl - data) : size;
	char *type = fuzz_str(data, head);
	/* the body alone in its own allocation, so that ASan sees any read past its end */
	size_t len = nl ? size - head - 1 : 0;
	char *body = malloc(len ? len : 1);
	memcpy(body, data + size - len, len);

	struct arena a = {0};
	struct multipart m;
	const char *why = NULL;
	int rc = multipart_parse(&m, &a, type, body, len, &why);
	if (rc == 0) {
		FUZZ_CHECK(m.n <= MULTIPART_MAX_PARTS);
		for (size_t i = 0; i < m.n; i++) {
			const struct multipart_part *p = &m.parts[i];
			FUZZ_CHECK(p->name && p->type);
			FUZZ_CHECK(p->data >= body && p->data + p->len <= body + len);
			FUZZ_CHECK(!p->filename || strlen(p->filename) < 100000);
			FUZZ_CHECK(multipart_get(&m, p->name) != NULL);
		}
	} else if (rc != E_MEDIA_TYPE) {
		FUZZ_CHECK(why && *why);
	}
	arena_release(&a);
	free(body);
	free(type);
	return 0;
}
