/*
 * field.c - input field readers; see field.h.
 */
#include "domain/field.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MAX 100

/* Code points in s, or -1 when s is not valid UTF-8 or holds a control character (other
 * than a line break, when lines are allowed). */
static long utf8_chars(const char *s, int lines)
{
	long n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
		int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
		/* C0 controls, DEL, and C1 controls (U+0080..U+009F, encoded C2 80..C2 9F) */
		if (!len || (*p < 0x20 && !(lines && *p == '\n')) || *p == 0x7f ||
		    (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return -1;
		for (int i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				return -1;
		p += len;
	}
	return n;
}

/* The value of key, or NULL when it is absent or null (*rc then says whether that is an
 * error: a required field). */
static json_t *lookup(struct ctx *c, json_t *in, const char *key, const char *label,
		      int required, int *present, int *rc)
{
	json_t *v = json_object_get(in, key);
	if (present)
		*present = 0;
	*rc = E_OK;
	if (v && !json_is_null(v))
		return v;
	if (required)
		*rc = ctx_fail(c, E_INVALID, key, "请填写%s", label);
	return NULL;
}

/* field_text and field_lines: lines says whether line breaks are kept. */
static int text(struct ctx *c, json_t *in, const char *key, const char *label, int required,
		size_t minc, size_t maxc, int lines, const char **out, int *present)
{
	int rc;
	json_t *v = lookup(c, in, key, label, required, present, &rc);
	if (!v)
		return rc;
	if (!json_is_string(v))
		return ctx_fail(c, E_INVALID, key, "%s须为文本", label);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (strlen(s) != len)
		return ctx_fail(c, E_INVALID, key, "%s含有不允许的字符", label);
	while (*s == ' ')
		s++, len--;
	while (len && s[len - 1] == ' ')
		len--;
	char *t = arena_strndup(c->arena, s, len);
	if (lines) { /* CRLF from Windows and Excel cells becomes LF */
		char *w = t;
		for (const char *r = t; *r; r++)
			if (!(*r == '\r' && r[1] == '\n'))
				*w++ = *r;
		*w = '\0';
	}
	long n = utf8_chars(t, lines);
	if (n < 0)
		return ctx_fail(c, E_INVALID, key, "%s含有不允许的字符", label);
	if (n == 0 && required && minc > 0)
		return ctx_fail(c, E_INVALID, key, "请填写%s", label);
	if ((size_t)n < minc || (size_t)n > maxc) {
		if (minc == 0)
			return ctx_fail(c, E_INVALID, key, "%s不能超过%zu个字符", label, maxc);
		return ctx_fail(c, E_INVALID, key, "%s长度须在%zu到%zu个字符之间", label, minc,
				maxc);
	}
	*out = t;
	if (present)
		*present = 1;
	return E_OK;
}

int field_text(struct ctx *c, json_t *in, const char *key, const char *label, int required,
	       size_t minc, size_t maxc, const char **out, int *present)
{
	return text(c, in, key, label, required, minc, maxc, 0, out, present);
}

int field_lines(struct ctx *c, json_t *in, const char *key, const char *label, int required,
		size_t minc, size_t maxc, const char **out, int *present)
{
	return text(c, in, key, label, required, minc, maxc, 1, out, present);
}

int field_ascii(struct ctx *c, json_t *in, const char *key, const char *label, int required,
		size_t minc, size_t maxc, const char *allowed, const char **out, int *present)
{
	const char *s = NULL;
	int rc = field_text(c, in, key, label, required, minc, maxc, &s, present);
	if (rc < 0 || !s)
		return rc;
	if (strspn(s, allowed) != strlen(s)) {
		const char *what = !strcmp(allowed, FIELD_USERNAME) ? "字母、数字、下划线、点和减号"
				   : !strcmp(allowed, FIELD_CODE)   ? "小写字母、数字和下划线"
				   : !strcmp(allowed, FIELD_PHONE)  ? "数字、加号和减号"
								    : "数字";
		return ctx_fail(c, E_INVALID, key, "%s只能包含%s", label, what);
	}
	*out = s;
	return E_OK;
}

int field_int(struct ctx *c, json_t *in, const char *key, const char *label, int required,
	      int64_t min, int64_t max, int64_t *out, int *present)
{
	int rc;
	json_t *v = lookup(c, in, key, label, required, present, &rc);
	if (!v)
		return rc;
	if (!json_is_integer(v))
		return ctx_fail(c, E_INVALID, key, "%s须为整数", label);
	int64_t i = json_integer_value(v);
	if (i < min || i > max) {
		if (max == INT64_MAX) /* an id: the client chose nothing sensible */
			return ctx_fail(c, E_INVALID, key, "请选择%s", label);
		return ctx_fail(c, E_INVALID, key, "%s须在%lld到%lld之间", label, (long long)min,
				(long long)max);
	}
	*out = i;
	if (present)
		*present = 1;
	return E_OK;
}

int field_bool(struct ctx *c, json_t *in, const char *key, const char *label, int *out,
	       int *present)
{
	int rc;
	json_t *v = lookup(c, in, key, label, 0, present, &rc);
	if (!v)
		return rc;
	if (!json_is_boolean(v))
		return ctx_fail(c, E_INVALID, key, "%s须为是或否", label);
	*out = json_is_true(v);
	if (present)
		*present = 1;
	return E_OK;
}

static int64_t parse_pos(const char *s, int64_t dflt)
{
	if (!s || !*s || strspn(s, FIELD_DIGITS) != strlen(s) || strlen(s) > 9)
		return dflt;
	int64_t v = strtoll(s, NULL, 10);
	return v > 0 ? v : dflt;
}

const char *field_query(json_t *q, const char *key)
{
	const char *s = json_string_value(json_object_get(q, key));
	return s ? s : "";
}

void field_page(const char *page, const char *size, struct page *out)
{
	out->page = parse_pos(page, 1);
	out->size = parse_pos(size, 20);
	if (out->size > PAGE_MAX)
		out->size = PAGE_MAX;
	if (out->page > 1000000)
		out->page = 1000000;
}

int field_answer_filter(struct ctx *c, json_t *q, int *mine, const char **state)
{
	const char *view = field_query(q, "view");
	*mine = !strcmp(view, "mine");
	*state = field_query(q, "state");
	if (!*mine && *view && strcmp(view, "all"))
		return ctx_fail(c, E_INVALID, "view", "视图须为mine或all");
	if (**state && strcmp(*state, "open") && strcmp(*state, "answered"))
		return ctx_fail(c, E_INVALID, "state", "状态须为open或answered");
	return E_OK;
}

json_t *field_pick(json_t *in, ...)
{
	json_t *out = json_object();
	va_list ap;
	va_start(ap, in);
	for (const char *k; (k = va_arg(ap, const char *));) {
		json_t *v = json_object_get(in, k);
		if (v)
			json_object_set(out, k, v);
	}
	va_end(ap);
	return out;
}

const char *field_like(struct ctx *c, const char *s)
{
	char *p = arena_alloc(c->arena, strlen(s) * 2 + 3), *o = p;
	*o++ = '%';
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}
