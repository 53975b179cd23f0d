/*
 * multipart.c - multipart/form-data bodies; see multipart.h.
 */
#define _GNU_SOURCE /* memmem */
#include "core/multipart.h"

#include <string.h>
#include <strings.h>

#include "core/err.h"

#define MAX_PARAMS   8	/* parameters of one header */
#define MAX_BOUNDARY 70 /* RFC 2046 */

struct param {
	const char *key, *value;
};

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return E_INVALID;
}

/* RFC 7230 tchar */
static int is_tchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

static const char *skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The `; key=value` parameters after a header's first token, up to the NUL: values are
 * tokens or quoted strings (a backslash quotes the next character). Keys are unique. */
static int parse_params(struct arena *a, const char *s, struct param *p, int *n, const char **why)
{
	*n = 0;
	for (;;) {
		s = skip_ows(s);
		if (!*s)
			return 0;
		if (*s++ != ';')
			return fail(why, "表单数据格式不正确：头部参数应以分号分隔");
		s = skip_ows(s);
		if (!*s)
			return 0; /* a trailing ';' */
		const char *k = s;
		while (is_tchar((unsigned char)*s) && *s != '=')
			s++;
		if (s == k || *s != '=')
			return fail(why, "表单数据格式不正确：头部参数缺少名称或等号");
		if (*n == MAX_PARAMS)
			return fail(why, "表单数据格式不正确：头部参数过多");
		char *key = arena_strndup(a, k, (size_t)(s - k));
		for (int i = 0; i < *n; i++)
			if (!strcasecmp(p[i].key, key))
				return fail(why, "表单数据格式不正确：头部参数重复");
		s++;
		char *v;
		if (*s == '"') {
			const char *q = ++s;
			v = arena_alloc(a, strlen(q) + 1);
			size_t o = 0;
			while (*s && *s != '"') {
				if (*s == '\\' && s[1])
					s++;
				v[o++] = *s++;
			}
			if (*s++ != '"')
				return fail(why, "表单数据格式不正确：引号未闭合");
		} else {
			const char *q = s;
			while (is_tchar((unsigned char)*s))
				s++;
			v = arena_strndup(a, q, (size_t)(s - q));
		}
		p[*n].key = key;
		p[(*n)++].value = v;
	}
}

static const char *param(const struct param *p, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcasecmp(p[i].key, key))
			return p[i].value;
	return NULL;
}

/* Does header value s start with token t (case-insensitive), followed by its parameters? */
static const char *after_token(const char *s, const char *t)
{
	size_t n = strlen(t);
	if (strncasecmp(s, t, n) || (s[n] && s[n] != ';' && s[n] != ' ' && s[n] != '\t'))
		return NULL;
	return s + n;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* RFC 5987 ext-value: UTF-8'language'percent-encoded, decoded into the arena. */
static int ext_value(struct arena *a, const char *s, const char **out, const char **why)
{
	if (strncasecmp(s, "UTF-8'", 6) || !(s = strchr(s + 6, '\'')))
		return fail(why, "表单数据格式不正确：filename*须为UTF-8编码");
	s++;
	char *v = arena_alloc(a, strlen(s) + 1);
	size_t o = 0;
	for (; *s; s++) {
		if (*s != '%') {
			v[o++] = *s;
			continue;
		}
		int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
		if (lo < 0 || (hi | lo) == 0)
			return fail(why, "表单数据格式不正确：filename*的百分号编码无效");
		v[o++] = (char)(hi * 16 + lo);
		s += 2;
	}
	*out = v;
	return 0;
}

static int content_disposition(struct arena *a, const char *v, struct multipart_part *part,
			       const char **why)
{
	struct param p[MAX_PARAMS];
	int n, rc;
	const char *rest = after_token(v, "form-data"), *ext;
	if (!rest)
		return fail(why, "表单数据格式不正确：Content-Disposition须为form-data");
	if ((rc = parse_params(a, rest, p, &n, why)) < 0)
		return rc;
	if (!(part->name = param(p, n, "name")))
		return fail(why, "表单数据格式不正确：部件缺少name");
	part->filename = param(p, n, "filename");
	if ((ext = param(p, n, "filename*")))
		return ext_value(a, ext, &part->filename, why);
	return 0;
}

/* One header line "Name: value" (without its CRLF). */
static int header(struct arena *a, const char *line, size_t len, struct multipart_part *part,
		  const char **why)
{
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			return fail(why, "表单数据格式不正确：部件头部含有控制字符");
	const char *colon = memchr(line, ':', len);
	if (!colon || colon == line)
		return fail(why, "表单数据格式不正确：部件头部缺少冒号");
	for (const char *c = line; c < colon; c++)
		if (!is_tchar((unsigned char)*c))
			return fail(why, "表单数据格式不正确：部件头部名称无效");
	size_t nlen = (size_t)(colon - line);
	const char *v = skip_ows(arena_strndup(a, colon + 1, len - nlen - 1));
	char *end = (char *)v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (nlen == 19 && !strncasecmp(line, "Content-Disposition", 19)) {
		if (part->name)
			return fail(why, "表单数据格式不正确：Content-Disposition重复");
		return content_disposition(a, v, part, why);
	}
	if (nlen == 12 && !strncasecmp(line, "Content-Type", 12))
		part->type = v;
	return 0;
}

/* The boundary parameter of a multipart/form-data Content-Type, checked against RFC 2046. */
static int boundary_of(struct arena *a, const char *content_type, const char **b, const char **why)
{
	static const char bchars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
	struct param p[MAX_PARAMS];
	int n, rc;
	const char *rest = content_type ? after_token(content_type, "multipart/form-data") : NULL;
	if (!rest) {
		*why = "请求数据须为multipart/form-data";
		return E_MEDIA_TYPE;
	}
	if ((rc = parse_params(a, rest, p, &n, why)) < 0)
		return rc;
	*b = param(p, n, "boundary");
	size_t len = *b ? strlen(*b) : 0;
	if (!len || len > MAX_BOUNDARY || strspn(*b, bchars) != len || (*b)[len - 1] == ' ')
		return fail(why, "表单数据格式不正确：Content-Type中的boundary缺失或无效");
	return 0;
}

int multipart_parse(struct multipart *out, struct arena *a, const char *content_type,
		    const char *body, size_t len, const char **why)
{
	const char *b, *p, *end = body + len;
	int rc;
	out->n = 0;
	if ((rc = boundary_of(a, content_type, &b, why)) < 0)
		return rc;
	/* every delimiter but a first one at the very start is preceded by CRLF */
	const char *delim = arena_printf(a, "\r\n--%s", b);
	size_t dlen = strlen(delim);
	if (len >= dlen - 2 && !memcmp(body, delim + 2, dlen - 2)) {
		p = body + dlen - 2;
	} else {
		const char *q = memmem(body, len, delim, dlen);
		if (!q)
			return fail(why, "表单数据格式不正确：找不到分隔符");
		p = q + dlen;
	}
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0; /* the close delimiter; the epilogue is ignored */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return fail(why, "表单数据格式不正确：分隔符后缺少换行");
		p += 2;
		if (out->n == MULTIPART_MAX_PARTS)
			return fail(why, "表单数据格式不正确：部件过多");
		struct multipart_part *part = &out->parts[out->n];
		*part = (struct multipart_part){.type = ""};
		const char *hstart = p;
		for (;;) {
			/* look no further than the cap allows */
			size_t used = (size_t)(p - hstart), room = (size_t)(end - p);
			if (room > MULTIPART_MAX_HEADERS + 2 - used)
				room = MULTIPART_MAX_HEADERS + 2 - used;
			const char *eol = memmem(p, room, "\r\n", 2);
			if (!eol)
				return fail(why, room < (size_t)(end - p)
						     ? "表单数据格式不正确：部件头部过长"
						     : "表单数据格式不正确：部件头部未结束");
			if (eol == p) {
				p += 2;
				break;
			}
			if ((rc = header(a, p, (size_t)(eol - p), part, why)) < 0)
				return rc;
			p = eol + 2;
		}
		if (!part->name)
			return fail(why, "表单数据格式不正确：部件缺少Content-Disposition");
		const char *q = memmem(p, (size_t)(end - p), delim, dlen);
		if (!q)
			return fail(why, "表单数据格式不正确：缺少结束分隔符");
		part->data = p;
		part->len = (size_t)(q - p);
		out->n++;
		p = q + dlen;
	}
}

const struct multipart_part *multipart_get(const struct multipart *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->parts[i].name, name))
			return &m->parts[i];
	return NULL;
}
