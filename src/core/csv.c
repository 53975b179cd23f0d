/*
 * csv.c - CSV reader; see csv.h.
 */
#define _GNU_SOURCE /* memmem */
#include "core/csv.h"

#include "core/buf.h"
#include "core/utf8.h"

#include <iconv.h>
#include <string.h>

/* GB18030 (a superset of GBK and GB2312) to UTF-8, into the arena; NULL when it is not. */
static char *from_gb18030(struct arena *a, const char *text, size_t len)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = len * 2 + 1, left = cap - 1; /* a GB18030 character is at most 4 bytes,
						     its UTF-8 form at most 4 */
	char *out = arena_alloc(a, cap), *o = out, *in = (char *)text;
	size_t inleft = len;
	size_t rc = iconv(cd, &in, &inleft, &o, &left);
	iconv_close(cd);
	if (rc == (size_t)-1 || inleft)
		return NULL;
	*o = '\0';
	return out;
}

int csv_open(struct csv *r, struct arena *a, const char *text, size_t len, const char **why)
{
	memset(r, 0, sizeof(*r));
	r->next_line = 1;
	if (!text || memchr(text, '\0', len)) {
		*why = "文件不是文本，请导入CSV文件";
		return -1;
	}
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		text += 3, len -= 3;
	if (utf8_valid(text, len)) {
		/* U+FFFD: a program already decoded the file with the wrong encoding */
		if (memmem(text, len, "\xEF\xBF\xBD", 3)) {
			*why = "文件中有无法识别的字符（�），请以UTF-8（Excel：另存为“CSV UTF-8”）或GBK编码保存后重新导入";
			return -1;
		}
		r->p = arena_strndup(a, text, len);
	}
	else if (!(r->p = from_gb18030(a, text, len))) {
		*why = "文件编码无法识别，请以UTF-8（Excel：另存为“CSV UTF-8”）或GBK编码保存";
		return -1;
	}
	return 0;
}

/* One record, blank or not; csv_next's contract otherwise. */
static int record(struct csv *r, char **f, int max, int *n)
{
	char *s = r->p;
	/* skip blank lines */
	for (;;) {
		char *t = s;
		while (*t == ' ' || *t == '\t' || *t == '\r')
			t++;
		if (*t != '\n')
			break;
		s = t + 1;
		r->next_line++;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		r->p = s;
		return 0;
	}
	r->line = r->next_line;
	*n = 0;
	for (;;) {
		char *start, *w, end;
		while (*s == ' ' || *s == '\t')
			s++;
		start = w = s;
		if (*s == '"') {
			for (s++;; s++) {
				if (!*s)
					return -1;
				if (*s == '"' && s[1] != '"')
					break;
				if (*s == '"')
					s++;
				else if (*s == '\n')
					r->next_line++;
				*w++ = *s;
			}
			for (s++; *s == ' ' || *s == '\t' || *s == '\r'; s++)
				;
			if (*s && *s != ',' && *s != '\n')
				return -1;
		} else {
			while (*s && *s != ',' && *s != '\n')
				s++;
			w = s;
			while (w > start && (w[-1] == ' ' || w[-1] == '\t' || w[-1] == '\r'))
				w--;
		}
		end = *s; /* read before the terminator below may overwrite it */
		*w = '\0';
		if (*n < max)
			f[*n] = start;
		(*n)++;
		if (end == ',') {
			s++;
			continue;
		}
		if (end == '\n') {
			s++;
			r->next_line++;
		}
		r->p = s;
		return 1;
	}
}

int csv_next(struct csv *r, char **f, int max, int *n)
{
	int rc;
	/* a row of empty cells (Excel writes them for formatted blank rows) is a blank line */
	while ((rc = record(r, f, max, n)) == 1) {
		int i = 0;
		while (i < *n && i < max && !*f[i])
			i++;
		if (i < *n && i < max)
			break;
	}
	return rc;
}

void csv_put(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	if (!s[strcspn(s, ",\"\r\n")] && (!n || (s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' &&
						   s[n - 1] != '\t'))) {
		buf_add(b, s, n);
		return;
	}
	buf_addstr(b, "\"");
	for (const char *q; (q = strchr(s, '"')); s = q + 1) {
		buf_add(b, s, (size_t)(q - s));
		buf_addstr(b, "\"\"");
	}
	buf_addstr(b, s);
	buf_addstr(b, "\"");
}
