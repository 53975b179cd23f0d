/*
 * test_core.c - the core modules: the capped string builder (buf), the region allocator
 * (arena), the error table (err), GB/T 2260 region codes, GB 11643 ID card numbers and
 * GB 32100 credit codes (ids), multipart/form-data bodies (multipart) and tokens (token).
 *
 * Checks that would end the process (an allocation too big to serve, an out-of-range error
 * code) run in a forked child, so that one such failure does not stop the other tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/multipart.h"
#include "core/token.h"

/* Run fn in a child process; its wait status. */
static int in_child(void (*fn)(void))
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* ---- buf ---- */

static void test_buf_fresh_is_printable(void **state)
{
	struct buf b = BUF_INIT(16);
	struct buf c;
	char *s;
	size_t len = 99;

	(void)state;
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	buf_init(&c, 16);
	assert_non_null(c.buf);
	assert_string_equal(c.buf, "");
	buf_reset(&c);
	assert_string_equal(c.buf, "");

	/* detaching a buffer that never grew still hands over a string the caller frees */
	s = buf_detach(&c, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	assert_string_equal(c.buf, "");
	buf_release(&b);
	assert_string_equal(b.buf, "");
}

static void test_buf_append(void **state)
{
	struct buf b = BUF_INIT(1 << 20);
	char big[5000];
	size_t i;

	(void)state;
	assert_int_equal(buf_addstr(&b, "审批"), 0);
	assert_int_equal(buf_add(&b, "|abc", 2), 0);
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_string_equal(b.buf, "审批|a");
	assert_int_equal(b.len, strlen("审批|a"));

	/* growth across many reallocations keeps every byte */
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 20; i++)
		assert_int_equal(buf_add(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, strlen("审批|a") + 20 * sizeof(big));
	assert_int_equal(strlen(b.buf), b.len);
	assert_memory_equal(b.buf, "审批|a", strlen("审批|a"));
	assert_int_equal(b.buf[b.len - 1], 'x');

	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	assert_int_equal(buf_addstr(&b, "again"), 0);
	assert_string_equal(b.buf, "again");
	buf_release(&b);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 1 << 20); /* the cap survives release */
}

static void test_buf_cap(void **state)
{
	struct buf b = BUF_INIT(10);
	struct buf z = BUF_INIT(0);

	(void)state;
	assert_int_equal(buf_addstr(&b, "12345"), 0);
	/* one byte too many: refused, nothing appended */
	assert_int_equal(buf_addstr(&b, "678901"), -1);
	assert_string_equal(b.buf, "12345");
	assert_int_equal(b.len, 5);
	assert_int_equal(buf_addf(&b, "%d", 678901), -1);
	assert_string_equal(b.buf, "12345");
	assert_int_equal(b.len, 5);
	/* exactly up to the cap is fine */
	assert_int_equal(buf_addstr(&b, "67890"), 0);
	assert_string_equal(b.buf, "1234567890");
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_int_equal(buf_add(&b, "x", 1), -1);
	assert_int_equal(buf_addf(&b, "x"), -1);
	assert_string_equal(b.buf, "1234567890");
	/* a length that would wrap around size_t is refused too */
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -1);
	assert_string_equal(b.buf, "1234567890");
	buf_release(&b);

	assert_int_equal(buf_addstr(&z, "a"), -1);
	assert_string_equal(z.buf, "");
	buf_release(&z);
}

static void test_buf_addf(void **state)
{
	struct buf b = BUF_INIT(256);
	char *s;
	size_t len = 0;

	(void)state;
	assert_int_equal(buf_addf(&b, "%s-%d", "case", 42), 0);
	assert_int_equal(buf_addf(&b, "|%05.1f|%lld", 3.14159, (long long)INT64_MIN), 0);
	assert_int_equal(buf_addf(&b, "%s", ""), 0);
	assert_string_equal(b.buf, "case-42|003.1|-9223372036854775808");
	assert_int_equal(b.len, strlen(b.buf));

	s = buf_detach(&b, &len);
	assert_string_equal(s, "case-42|003.1|-9223372036854775808");
	assert_int_equal(len, strlen(s));
	/* b is empty and usable again, and no longer shares memory with s */
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_addstr(&b, "new"), 0);
	assert_string_equal(b.buf, "new");
	assert_string_equal(s, "case-42|003.1|-9223372036854775808");
	free(s);
	s = buf_detach(&b, NULL);
	assert_string_equal(s, "new");
	free(s);
	buf_release(&b);
}

/* ---- arena ---- */

static void test_arena_alloc_zeroed_aligned(void **state)
{
	struct arena a = ARENA_INIT;
	unsigned char *blocks[200];
	size_t sizes[200], i, j, sum = 0;

	(void)state;
	for (i = 0; i < 200; i++) {
		sizes[i] = (i * 37) % 300; /* includes 0 */
		blocks[i] = arena_alloc(&a, sizes[i]);
		assert_non_null(blocks[i]);
		assert_int_equal((uintptr_t)blocks[i] % _Alignof(max_align_t), 0);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(blocks[i][j], 0);
		memset(blocks[i], (int)(i & 0xff) | 1, sizes[i]);
		sum += sizes[i];
	}
	assert_true(a.total >= sum);
	/* no block overlaps another: each still holds its own pattern */
	for (i = 0; i < 200; i++)
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(blocks[i][j], (i & 0xff) | 1);
	arena_release(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);

	/* memory handed out again after release is zeroed again */
	{
		unsigned char *p = arena_alloc(&a, 64);

		for (j = 0; j < 64; j++)
			assert_int_equal(p[j], 0);
		memset(p, 0xff, 64);
	}
	arena_release(&a);
}

static void test_arena_strings(void **state)
{
	struct arena a = ARENA_INIT;
	char src[] = "四川省政务服务中心";
	char *d, *n, *p, *e;

	(void)state;
	d = arena_strdup(&a, src);
	src[0] = 'X'; /* a copy, not the same memory */
	assert_string_equal(d, "四川省政务服务中心");
	n = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(n, "abc");
	p = arena_printf(&a, "%s-%04d-%s", "510104", 7, "锦江");
	assert_string_equal(p, "510104-0007-锦江");
	e = arena_printf(&a, "%s", "");
	assert_string_equal(e, "");
	/* a formatted string longer than a chunk */
	{
		char *big = arena_printf(&a, "%20000d|", 5);

		assert_int_equal(strlen(big), 20001);
		assert_int_equal(big[19999], '5');
		assert_int_equal(big[20000], '|');
	}
	assert_string_equal(d, "四川省政务服务中心");
	assert_string_equal(n, "abc");
	arena_release(&a);
}

static void test_arena_large(void **state)
{
	struct arena a = ARENA_INIT;
	unsigned char *small1, *big, *small2, *huge;
	size_t i;

	(void)state;
	small1 = arena_alloc(&a, 100);
	memset(small1, 0x11, 100);
	big = arena_alloc(&a, 100000); /* beyond one chunk */
	for (i = 0; i < 100000; i++)
		assert_int_equal(big[i], 0);
	memset(big, 0x22, 100000);
	small2 = arena_alloc(&a, 100);
	memset(small2, 0x33, 100);
	huge = arena_alloc(&a, 3u << 20);
	assert_int_equal(huge[0], 0);
	assert_int_equal(huge[(3u << 20) - 1], 0);
	memset(huge, 0x44, 3u << 20);
	assert_int_equal((uintptr_t)big % _Alignof(max_align_t), 0);
	assert_int_equal((uintptr_t)huge % _Alignof(max_align_t), 0);
	for (i = 0; i < 100; i++) {
		assert_int_equal(small1[i], 0x11);
		assert_int_equal(small2[i], 0x33);
	}
	for (i = 0; i < 100000; i++)
		assert_int_equal(big[i], 0x22);
	assert_true(a.total >= 100000 + (3u << 20) + 200);
	/* many chunks' worth of small allocations after the big ones */
	for (i = 0; i < 2000; i++)
		memset(arena_alloc(&a, 100), 0x55, 100);
	for (i = 0; i < 100000; i++)
		assert_int_equal(big[i], 0x22);
	arena_release(&a); /* LeakSanitizer checks every chunk went back */
	assert_null(a.head);
}

static void alloc_impossible(void)
{
	struct arena a = ARENA_INIT;
	unsigned char *p = arena_alloc(&a, SIZE_MAX - 8);

	/* reaching here means a block of "SIZE_MAX - 8" bytes was handed out */
	p[0] = 1;
	arena_release(&a);
}

/* A size no allocator can serve must end the process (arena.h: allocation failure aborts),
 * never hand out a small block the caller then overruns. */
static void test_arena_impossible_size_aborts(void **state)
{
	int status;

	(void)state;
	status = in_child(alloc_impossible);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		fail_msg("arena_alloc(SIZE_MAX - 8) returned a block instead of aborting");
}

/* ---- err ---- */

static void test_err_table(void **state)
{
	int e, f;

	(void)state;
	assert_string_equal(err_code(E_OK), "ok");
	assert_int_equal(err_status(E_OK), 200);
	for (e = -1; e > -E_COUNT_; e--) {
		const char *code = err_code(e), *msg = err_message(e);
		int status = err_status(e);

		if (!code || !*code || !msg || !*msg)
			fail_msg("error %d has no code or message", e);
		if (status < 400 || status > 599)
			fail_msg("error %d (%s) has HTTP status %d", e, code, status);
		/* stable code strings are lower-case words, distinct from every other's */
		assert_int_equal(strspn(code, "abcdefghijklmnopqrstuvwxyz_"), strlen(code));
		for (f = e - 1; f > -E_COUNT_; f--)
			if (!strcmp(code, err_code(f)))
				fail_msg("errors %d and %d share the code %s", e, f, code);
		/* users read Chinese: at least one non-ASCII character */
		assert_true(strspn(msg, " !\"#$%&'()*+,-./0123456789:;<=>?@"
					"ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
					"abcdefghijklmnopqrstuvwxyz{|}~") < strlen(msg));
	}
	/* the codes programs rely on */
	assert_string_equal(err_code(E_INVALID), "invalid");
	assert_string_equal(err_code(E_DUPLICATE), "duplicate");
	assert_int_equal(err_status(E_DUPLICATE), 409);
	assert_int_equal(err_status(E_UNAUTHENTICATED), 401);
	assert_int_equal(err_status(E_FORBIDDEN), 403);
	assert_int_equal(err_status(E_NOT_FOUND), 404);
	assert_int_equal(err_status(E_THROTTLED), 429);
	assert_int_equal(err_status(E_INTERNAL), 500);
	assert_int_equal(err_status(E_DB_UNAVAILABLE), 503);
}

static void test_err_unknown_is_internal(void **state)
{
	static const int unknown[] = {1, 7, -E_COUNT_, -E_COUNT_ - 1, -1000, INT_MAX, INT_MIN + 1};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_string_equal(err_code(unknown[i]), "internal");
		assert_string_equal(err_message(unknown[i]), err_message(E_INTERNAL));
		assert_int_equal(err_status(unknown[i]), 500);
	}
}

static void err_int_min(void)
{
	if (err_status(INT_MIN) != 500 || strcmp(err_code(INT_MIN), "internal") != 0)
		_exit(2);
}

/* INT_MIN is an unknown value too; it must not overflow on the way to "internal". */
static void test_err_int_min(void **state)
{
	int status;

	(void)state;
	status = in_child(err_int_min);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("err_status(INT_MIN) did not return 500/internal (child status 0x%x)",
			 status);
}

/* ---- ids ---- */

static void test_ids_levels(void **state)
{
	char parent[7];

	(void)state;
	memset(parent, 'x', sizeof(parent));
	assert_int_equal(ids_region_level("510000", parent), 1);
	assert_string_equal(parent, "");
	assert_int_equal(ids_region_level("510100", parent), 2);
	assert_string_equal(parent, "510000");
	assert_int_equal(ids_region_level("510104", parent), 3);
	assert_string_equal(parent, "510100");
	assert_int_equal(ids_region_level("110101", parent), 3);
	assert_string_equal(parent, "110100");
	assert_int_equal(ids_region_level("820000", parent), 1); /* Macao */
	assert_string_equal(parent, "");
	assert_int_equal(ids_region_level("650100", NULL), 2); /* parent is optional */
}

static void test_ids_malformed(void **state)
{
	static const char *const bad[] = {
	    "51000",   /* five digits */
	    "5100001", /* seven */
	    "51a000",  /* not a digit */
	    "990000",  /* no such province */
	    "000000",  /* no such province */
	    "100000",  /* no such province */
	    "510004",  /* a county without a city */
	    "",	       " 51000", "510000 ", "-51000", "51000\n",
	};
	size_t i;
	char parent[7];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ids_region_level(bad[i], parent) != 0)
			fail_msg("\"%s\" accepted as a region code", bad[i]);
	}
	assert_int_equal(ids_region_level(NULL, parent), 0);
	assert_int_equal(ids_region_level(NULL, NULL), 0);
}

/* Each refused number with the start of the reason it must give. */
struct refusal {
	const char *s, *why;
};

static void test_ids_id_card_valid(void **state)
{
	char out[19];
	const char *why = NULL;

	(void)state;
	/* the example of GB 11643-1999 itself */
	assert_int_equal(ids_check_id_card("11010519491231002X", out, &why), 0);
	assert_string_equal(out, "11010519491231002X");
	/* a lower-case x is accepted and written in upper case */
	assert_int_equal(ids_check_id_card("11010519491231002x", out, &why), 0);
	assert_string_equal(out, "11010519491231002X");
	/* check digits computed by hand: sum of digit x weight (7 9 10 5 8 4 2 1 6 3 ...) mod 11
	 * indexes "10X98765432" */
	assert_int_equal(ids_check_id_card("510104199001011230", out, NULL), 0);
	assert_string_equal(out, "510104199001011230");
	assert_int_equal(ids_check_id_card("440306200002290017", out, NULL), 0); /* leap day */
	/* residence permit of a Taiwan resident: prefix 83 */
	assert_int_equal(ids_check_id_card("830000199001011234", out, NULL), 0);
}

static void test_ids_id_card_refused(void **state)
{
	static const struct refusal bad[] = {
	    {"110105194912310021", "身份证号校验位错误"},
	    {"11010519491231002Y", "身份证号格式不正确"},
	    {"1101051949123100X2", "身份证号格式不正确"},
	    {"11010519491231002", "身份证号格式不正确"},
	    {"11010519491231002X1", "身份证号格式不正确"},
	    {"", "身份证号格式不正确"},
	    {" 1010519491231002X", "身份证号格式不正确"},
	    {"990104199001011230", "身份证号地址码无效"},
	    {"440306190002290013", "身份证号出生日期无效"}, /* 1900 was no leap year */
	    {"510104199013011230", "身份证号出生日期无效"},
	    {"510104199004311230", "身份证号出生日期无效"},
	    {"510104189912311230", "身份证号出生日期无效"},
	    {"510104209901011234", "身份证号出生日期无效"}, /* in the future */
	};
	char out[19];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		if (ids_check_id_card(bad[i].s, out, &why) != E_INVALID)
			fail_msg("\"%s\" accepted as an ID card number", bad[i].s);
		if (!why || strncmp(why, bad[i].why, strlen(bad[i].why)))
			fail_msg("\"%s\": reason %s, want %s", bad[i].s, why, bad[i].why);
	}
	assert_int_equal(ids_check_id_card(NULL, out, NULL), E_INVALID);
}

static void test_ids_credit_code_valid(void **state)
{
	static const char *const good[] = {
	    "91350100M000100Y43", /* the public example */
	    "91510104123456788F", /* enterprise; check characters computed by hand */
	    "11100000400000018R", /* a central organ: region 100000 */
	    "52510000MJ0000018P", /* a private non-enterprise unit */
	};
	char out[19];
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (ids_check_credit_code(good[i], out, &why) != 0)
			fail_msg("\"%s\" refused: %s", good[i], why);
		assert_string_equal(out, good[i]);
	}
	assert_int_equal(ids_check_credit_code("91350100m000100y43", out, NULL), 0);
	assert_string_equal(out, "91350100M000100Y43");
}

static void test_ids_credit_code_refused(void **state)
{
	static const struct refusal bad[] = {
	    {"91350100M000100Y44", "统一社会信用代码校验位错误"},
	    {"91350100M000100Y53", "统一社会信用代码中的组织机构代码校验位错误"},
	    {"91350100I000100Y43", "统一社会信用代码格式不正确"}, /* I is not used */
	    {"91350100O000100Y43", "统一社会信用代码格式不正确"},
	    {"91350100M000100Y4", "统一社会信用代码格式不正确"},
	    {"91350100M000100Y43 ", "统一社会信用代码格式不正确"},
	    {"91350100M000-00Y43", "统一社会信用代码格式不正确"},
	    {"", "统一社会信用代码格式不正确"},
	    {"99350100M000100Y43", "统一社会信用代码的登记管理部门"},
	    {"B1350100M000100Y43", "统一社会信用代码的登记管理部门"},
	    {"94350100M000100Y43", "统一社会信用代码的登记管理部门"},
	    {"91990100M000100Y43", "统一社会信用代码的登记管理机关行政区划码无效"},
	    {"913500A0M000100Y43", "统一社会信用代码的登记管理机关行政区划码无效"},
	};
	char out[19];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		if (ids_check_credit_code(bad[i].s, out, &why) != E_INVALID)
			fail_msg("\"%s\" accepted as a credit code", bad[i].s);
		if (!why || strncmp(why, bad[i].why, strlen(bad[i].why)))
			fail_msg("\"%s\": reason %s, want %s", bad[i].s, why, bad[i].why);
	}
	assert_int_equal(ids_check_credit_code(NULL, out, NULL), E_INVALID);
}

/* ---- multipart ---- */

#define CT "multipart/form-data; boundary=XyZ"

/* Parse body (copied into memory of exactly its size, so ASan sees any read past it). */
static int mp(struct multipart *m, struct arena *a, const char *type, const char *body, size_t len,
	      const char **why)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, body, len);
	*why = NULL;
	rc = multipart_parse(m, a, type, copy, len, why);
	/* data points into the body: check it before it goes */
	for (size_t i = 0; rc == 0 && i < m->n; i++)
		assert_true(m->parts[i].data >= copy &&
			    m->parts[i].data + m->parts[i].len <= copy + len);
	free(copy);
	return rc;
}

static const char form[] =
    "preamble\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"note\"\r\n"
    "\r\n"
    "hello\r\n"
    "--XyZ  \r\n"
    "content-disposition: form-data; name=file; filename=\"a \\\"b\\\".pdf\"\r\n"
    "Content-Type: application/pdf\r\n"
    "X-Other: ignored\r\n"
    "\r\n"
    "%PDF-\r\n--X\r\n\0bin\r\n"
    "--XyZ--\r\n"
    "epilogue";

static void test_multipart_parts(void **state)
{
	struct arena a = ARENA_INIT;
	struct multipart m;
	const struct multipart_part *f;
	const char *why;

	(void)state;
	assert_int_equal(mp(&m, &a, CT, form, sizeof(form) - 1, &why), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.parts[0].name, "note");
	assert_null(m.parts[0].filename);
	assert_string_equal(m.parts[0].type, "");
	assert_int_equal(m.parts[0].len, 5);
	f = multipart_get(&m, "file");
	assert_non_null(f);
	assert_string_equal(f->filename, "a \"b\".pdf");
	assert_string_equal(f->type, "application/pdf");
	assert_int_equal(f->len, 16); /* CR LF, "--X" and a NUL byte are data */
	assert_null(multipart_get(&m, "other"));

	/* a quoted boundary, the first delimiter at the very start, filename* wins */
	static const char ext[] =
	    "--a b\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"fallback.pdf\"; filename*=utf-8''%E7%94%B3%E8%AF%B7.pdf\r\n"
	    "\r\n"
	    "x\r\n"
	    "--a b--";
	assert_int_equal(
	    mp(&m, &a, "Multipart/Form-Data ; boundary=\"a b\"", ext, sizeof(ext) - 1, &why), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.parts[0].filename, "申请.pdf");
	assert_int_equal(m.parts[0].len, 1);

	/* only the close delimiter: no parts */
	assert_int_equal(mp(&m, &a, CT, "--XyZ--", 7, &why), 0);
	assert_int_equal(m.n, 0);
	arena_release(&a);
}

static void test_multipart_not_multipart(void **state)
{
	struct arena a = ARENA_INIT;
	struct multipart m;
	const char *why;

	(void)state;
	assert_int_equal(mp(&m, &a, NULL, form, sizeof(form) - 1, &why), E_MEDIA_TYPE);
	assert_int_equal(mp(&m, &a, "application/json", "{}", 2, &why), E_MEDIA_TYPE);
	assert_int_equal(
	    mp(&m, &a, "multipart/form-datax; boundary=XyZ", form, sizeof(form) - 1, &why),
	    E_MEDIA_TYPE);
	assert_non_null(why);
	arena_release(&a);
}

static void test_multipart_malformed(void **state)
{
	static const struct {
		const char *type, *body, *why;
	} bad[] = {
	    {"multipart/form-data", "--XyZ--", "boundary"},
	    {"multipart/form-data; boundary=", "--XyZ--", "boundary"},
	    {"multipart/form-data; boundary=\"a \"", "--a --", "boundary"},
	    {"multipart/form-data; boundary=a{b", "--a{b--", "分号"},
	    {"multipart/form-data; boundary=\"XyZ", "--XyZ--", "引号未闭合"},
	    {"multipart/form-data; boundary=XyZ; boundary=X", "--XyZ--", "重复"},
	    {"multipart/form-data boundary=XyZ", "--XyZ--", "分号"},
	    {"multipart/form-data; boundary=0123456789012345678901234567890123456789"
	     "0123456789012345678901234567890",
	     "--XyZ--", "boundary"},
	    {CT, "", "找不到分隔符"},
	    {CT, "no delimiter here", "找不到分隔符"},
	    {CT, "--XyZ", "换行"},
	    {CT, "--XyZx\r\n", "换行"},
	    {CT, "--XyZ\r\n", "头部未结束"},
	    {CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\ndata", "结束分隔符"},
	    {CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\ndata\r\n--XyZ", "换行"},
	    {CT, "--XyZ\r\n\r\ndata\r\n--XyZ--", "缺少Content-Disposition"},
	    {CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
	     "缺少Content-Disposition"},
	    {CT, "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ--",
	     "form-data"},
	    {CT, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--", "缺少name"},
	    {CT, "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--XyZ--", "等号"},
	    {CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--", "引号"},
	    {CT, "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nx\r\n--XyZ--",
	     "重复"},
	    {CT,
	     "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
	     "Content-Disposition: form-data; name=b\r\n\r\nx\r\n--XyZ--",
	     "重复"},
	    {CT, "--XyZ\r\nno colon\r\n\r\nx\r\n--XyZ--", "冒号"},
	    {CT, "--XyZ\r\n: empty name\r\n\r\nx\r\n--XyZ--", "冒号"},
	    {CT, "--XyZ\r\n folded: x\r\n\r\nx\r\n--XyZ--", "名称无效"},
	    {CT, "--XyZ\r\nX-A: a\rb\r\n\r\nx\r\n--XyZ--", "控制字符"},
	    {CT,
	     "--XyZ\r\nContent-Disposition: form-data; name=a; filename*=GBK''%D6%D0\r\n\r\n"
	     "x\r\n--XyZ--",
	     "UTF-8"},
	    {CT,
	     "--XyZ\r\nContent-Disposition: form-data; name=a; filename*=UTF-8''%E7%9\r\n\r\n"
	     "x\r\n--XyZ--",
	     "百分号"},
	    {CT,
	     "--XyZ\r\nContent-Disposition: form-data; name=a; filename*=UTF-8''a%00.pdf\r\n\r\n"
	     "x\r\n--XyZ--",
	     "百分号"},
	};
	struct arena a = ARENA_INIT;
	struct multipart m;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mp(&m, &a, bad[i].type, bad[i].body, strlen(bad[i].body), &why) != E_INVALID)
			fail_msg("case %zu accepted", i);
		if (!why || !strstr(why, bad[i].why))
			fail_msg("case %zu: reason %s, want %s", i, why, bad[i].why);
	}
	arena_release(&a);
}

static void test_multipart_caps(void **state)
{
	struct arena a = ARENA_INIT;
	struct multipart m;
	struct buf b = BUF_INIT(1 << 20);
	const char *why;

	(void)state;
	/* one part more than the cap */
	for (int i = 0; i <= MULTIPART_MAX_PARTS; i++)
		buf_addf(&b, "--XyZ\r\nContent-Disposition: form-data; name=f%d\r\n\r\nx\r\n", i);
	buf_addstr(&b, "--XyZ--");
	assert_int_equal(mp(&m, &a, CT, b.buf, b.len, &why), E_INVALID);
	assert_non_null(strstr(why, "部件过多"));

	/* a header block one byte past the cap, and one that just fits */
	for (int over = 1; over >= 0; over--) {
		static const char cd[] = "Content-Disposition: form-data; name=a\r\n";
		/* the block: cd, "X: ", the filler and CRLF = the cap + over */
		size_t fill = MULTIPART_MAX_HEADERS - (sizeof(cd) - 1) - 5 + (size_t)over;
		buf_reset(&b);
		buf_addstr(&b, "--XyZ\r\n");
		buf_addstr(&b, cd);
		buf_addstr(&b, "X: ");
		for (size_t i = 0; i < fill; i++)
			buf_add(&b, "y", 1);
		buf_addstr(&b, "\r\n\r\nx\r\n--XyZ--");
		int rc = mp(&m, &a, CT, b.buf, b.len, &why);
		if (over) {
			assert_int_equal(rc, E_INVALID);
			assert_non_null(strstr(why, "头部过长"));
		} else {
			assert_int_equal(rc, 0);
		}
	}
	buf_release(&b);
	arena_release(&a);
}

/* Every prefix of a valid body and every single-byte change of it parses or fails cleanly:
 * ASan and UBSan watch. */
static void test_multipart_truncated_and_mutated(void **state)
{
	struct arena a = ARENA_INIT;
	struct multipart m;
	const char *why;
	char body[sizeof(form)];

	(void)state;
	for (size_t len = 0; len < sizeof(form) - 1; len++) {
		int rc = mp(&m, &a, CT, form, len, &why);
		assert_true(rc == 0 || rc == E_INVALID);
	}
	for (size_t i = 0; i < sizeof(form) - 1; i++) {
		static const char bytes[] = {'\0', '\r', '\n', '-', '"',
					     ';',  '%',	 '\\', 'Z', (char)0xff};
		for (size_t j = 0; j < sizeof(bytes); j++) {
			memcpy(body, form, sizeof(form));
			body[i] = bytes[j];
			int rc = mp(&m, &a, CT, body, sizeof(form) - 1, &why);
			assert_true(rc == 0 || rc == E_INVALID);
		}
		arena_release(&a);
	}
	arena_release(&a);
}

/* ---- token ---- */

static void test_token_random(void **state)
{
	char t1[TOKEN_HEX], t2[TOKEN_HEX];
	int i;

	(void)state;
	token_random(t1);
	assert_true(is_hex64(t1));
	for (i = 0; i < 100; i++) {
		token_random(t2);
		assert_true(is_hex64(t2));
		assert_string_not_equal(t1, t2);
	}
}

static void test_token_sha256(void **state)
{
	char h[TOKEN_HEX];

	(void)state;
	token_sha256("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	token_sha256("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* exactly len bytes are hashed, not up to the NUL */
	token_sha256("abcdef", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_token_equal(void **state)
{
	(void)state;
	assert_true(token_equal("", ""));
	assert_true(token_equal("abc123", "abc123"));
	assert_false(token_equal("abc123", "abc124"));
	assert_false(token_equal("abc123", "abc12"));
	assert_false(token_equal("abc12", "abc123"));
	assert_false(token_equal("", "a"));
	assert_false(token_equal("Abc", "abc"));
}

/* ---- csv ---- */

static void test_csv_fields_and_quotes(void **state)
{
	static const char text[] = "\xEF\xBB\xBF"
				   "code,name,note\r\n"
				   "\r\n"
				   " A01 , \"营业执照, 变更\" ,\"say \"\"hi\"\"\"\n"
				   "A02,\"two\nlines\",\n"
				   "A03\n";
	struct arena a = ARENA_INIT;
	struct csv r;
	const char *why = NULL;
	char *f[3];
	int n;
	(void)state;
	assert_int_equal(csv_open(&r, &a, text, sizeof(text) - 1, &why), 0);
	assert_int_equal(csv_next(&r, f, 3, &n), 1);
	assert_int_equal(n, 3);
	assert_string_equal(f[0], "code"); /* the BOM is gone */
	assert_string_equal(f[2], "note"); /* and the CR */
	assert_int_equal(csv_next(&r, f, 3, &n), 1);
	assert_int_equal(r.line, 3); /* the blank line 2 is skipped but counted */
	assert_string_equal(f[0], "A01");
	assert_string_equal(f[1], "营业执照, 变更");
	assert_string_equal(f[2], "say \"hi\"");
	assert_int_equal(csv_next(&r, f, 3, &n), 1);
	assert_int_equal(r.line, 4);
	assert_string_equal(f[1], "two\nlines");
	assert_int_equal(n, 3);
	assert_string_equal(f[2], "");
	assert_int_equal(csv_next(&r, f, 3, &n), 1);
	assert_int_equal(r.line, 6); /* the quoted line break moved the count on */
	assert_int_equal(n, 1);
	assert_int_equal(csv_next(&r, f, 3, &n), 0);
	arena_release(&a);
}

static void test_csv_more_fields_than_kept(void **state)
{
	struct arena a = ARENA_INIT;
	struct csv r;
	const char *why;
	char *f[2];
	int n;
	(void)state;
	assert_int_equal(csv_open(&r, &a, "a,b,c,d", 7, &why), 0);
	assert_int_equal(csv_next(&r, f, 2, &n), 1);
	assert_int_equal(n, 4);
	assert_string_equal(f[1], "b");
	arena_release(&a);
}

static void test_csv_unclosed_quote(void **state)
{
	static const char text[] = "ok,1\nbad,\"never closed\n";
	struct arena a = ARENA_INIT;
	struct csv r;
	const char *why;
	char *f[2];
	int n;
	(void)state;
	assert_int_equal(csv_open(&r, &a, text, sizeof(text) - 1, &why), 0);
	assert_int_equal(csv_next(&r, f, 2, &n), 1);
	assert_int_equal(csv_next(&r, f, 2, &n), -1);
	assert_int_equal(r.line, 2);
	arena_release(&a);
}

static void test_csv_empty_rows_and_replacement_char(void **state)
{
	static const char text[] = "a,b\n,,\n , \nc,\n,,,,\n";
	struct arena a = ARENA_INIT;
	struct csv r;
	const char *why = NULL;
	char *f[2];
	int n;
	(void)state;
	assert_int_equal(csv_open(&r, &a, text, sizeof(text) - 1, &why), 0);
	assert_int_equal(csv_next(&r, f, 2, &n), 1);
	assert_string_equal(f[0], "a");
	assert_int_equal(csv_next(&r, f, 2, &n), 1); /* rows of empty cells are skipped */
	assert_string_equal(f[0], "c");
	assert_int_equal(r.line, 4);
	assert_int_equal(csv_next(&r, f, 2, &n), 0);
	/* GBK read as UTF-8 by a browser: U+FFFD in place of every character */
	assert_int_equal(csv_open(&r, &a, "2030-10-01,\xEF\xBF\xBD\xEF\xBF\xBD", 17, &why), -1);
	assert_non_null(strstr(why, "无法识别"));
	arena_release(&a);
}

static void test_csv_gbk_and_binary(void **state)
{
	/* "日期,名称" in GBK, as Chinese Excel saves a CSV by default */
	static const char gbk[] = "\xC8\xD5\xC6\xDA,\xC3\xFB\xB3\xC6\n";
	struct arena a = ARENA_INIT;
	struct csv r;
	const char *why = NULL;
	char *f[2];
	int n;
	(void)state;
	assert_int_equal(csv_open(&r, &a, gbk, sizeof(gbk) - 1, &why), 0);
	assert_int_equal(csv_next(&r, f, 2, &n), 1);
	assert_string_equal(f[0], "日期");
	assert_string_equal(f[1], "名称");
	assert_int_equal(csv_open(&r, &a, "PK\x03\x04\0\0", 6, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, "CSV"));
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_fresh_is_printable),
	    cmocka_unit_test(test_buf_append),
	    cmocka_unit_test(test_buf_cap),
	    cmocka_unit_test(test_buf_addf),
	    cmocka_unit_test(test_arena_alloc_zeroed_aligned),
	    cmocka_unit_test(test_arena_strings),
	    cmocka_unit_test(test_arena_large),
	    cmocka_unit_test(test_arena_impossible_size_aborts),
	    cmocka_unit_test(test_err_table),
	    cmocka_unit_test(test_err_unknown_is_internal),
	    cmocka_unit_test(test_err_int_min),
	    cmocka_unit_test(test_ids_levels),
	    cmocka_unit_test(test_ids_malformed),
	    cmocka_unit_test(test_ids_id_card_valid),
	    cmocka_unit_test(test_ids_id_card_refused),
	    cmocka_unit_test(test_ids_credit_code_valid),
	    cmocka_unit_test(test_ids_credit_code_refused),
	    cmocka_unit_test(test_multipart_parts),
	    cmocka_unit_test(test_multipart_not_multipart),
	    cmocka_unit_test(test_multipart_malformed),
	    cmocka_unit_test(test_multipart_caps),
	    cmocka_unit_test(test_multipart_truncated_and_mutated),
	    cmocka_unit_test(test_token_random),
	    cmocka_unit_test(test_token_sha256),
	    cmocka_unit_test(test_token_equal),
	    cmocka_unit_test(test_csv_fields_and_quotes),
	    cmocka_unit_test(test_csv_more_fields_than_kept),
	    cmocka_unit_test(test_csv_unclosed_quote),
	    cmocka_unit_test(test_csv_gbk_and_binary),
	    cmocka_unit_test(test_csv_empty_rows_and_replacement_char),
	};

	if (token_init() < 0) {
		fputs("token_init failed\n", stderr);
		return 1;
	}
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
