/*
 * calendar.c - the working-day calendar: a year's exceptions, their maintenance by system
 * administrators, and the due-date computation.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/calendar.h"

/* A string field of the body, or NULL when absent or not a string. */
static const char *body_text(struct call *k, const char *key)
{
	return json_string_value(json_object_get(k->in, key));
}

/* An integer query parameter in [min, max]: absent gives def; malformed fails with field. */
static int query_int(struct call *k, const char *name, const char *message, long min, long max,
		     long def, long *out)
{
	const char *s = http_query(k->r, name);
	char *end;
	long v;
	if (!s || !*s) {
		if (def < min)
			return ctx_fail(&k->ctx, E_INVALID, name, "%s", message);
		*out = def;
		return E_OK;
	}
	v = strlen(s) > 9 || strspn(s, "0123456789") != strlen(s) ? -1 : strtol(s, &end, 10);
	if (v < min || v > max)
		return ctx_fail(&k->ctx, E_INVALID, name, "%s", message);
	*out = v;
	return E_OK;
}

int api_calendar_list(struct call *k)
{
	struct calendar cal;
	int y, m, d, rc;
	long year;
	calendar_day_ymd(calendar_day_of(k->ctx.now), &y, &m, &d);
	if ((rc = query_int(k, "year", "年份须为2000至2099之间的四位数字", CALENDAR_YEAR_MIN,
			    CALENDAR_YEAR_MAX, y, &year)) < 0 ||
	    (rc = calendar_load(&k->ctx, &cal)) < 0 ||
	    (rc = calendar_list(&k->ctx, (int)year, &k->out)) < 0)
		return rc;
	int32_t first = calendar_day_from_ymd((int)year, 1, 1);
	int32_t last = calendar_day_from_ymd((int)year, 12, 31);
	json_object_set_new(k->out, "workdays",
			    json_integer(calendar_workdays_between(&cal, first - 1, last)));
	/* false: no notice entered for the year yet, so only weekends are known */
	json_object_set_new(k->out, "known", json_boolean(calendar_known_until(&cal) >= last));
	return E_OK;
}

int api_calendar_set(struct call *k)
{
	return calendar_set(&k->ctx, k->r->params[0], body_text(k, "kind"), body_text(k, "name"),
			    &k->out);
}

int api_calendar_delete(struct call *k)
{
	return calendar_delete(&k->ctx, k->r->params[0]);
}

int api_calendar_import(struct call *k)
{
	const char *csv = body_text(k, "csv");
	if (!csv)
		return ctx_fail(&k->ctx, E_INVALID, "csv", "请提供CSV文件内容");
	return calendar_import(&k->ctx, csv, json_string_length(json_object_get(k->in, "csv")),
			       &k->out);
}

int api_calendar_due(struct call *k)
{
	struct calendar cal;
	const char *from = http_query(k->r, "from");
	char text[CALENDAR_DAY_LEN];
	int32_t start, due;
	long days;
	int rc;
	if (!from || calendar_parse_day(from, &start) < 0 ||
	    start < calendar_day_from_ymd(CALENDAR_YEAR_MIN, 1, 1) ||
	    start > calendar_day_from_ymd(CALENDAR_YEAR_MAX, 12, 31))
		return ctx_fail(&k->ctx, E_INVALID, "from",
				"起算日期须为%d至%d年间YYYY-MM-DD格式的有效日期", CALENDAR_YEAR_MIN,
				CALENDAR_YEAR_MAX);
	if ((rc = query_int(k, "days", "工作日数须为1至10000之间的整数", 1, CALENDAR_MAX_WORKDAYS,
			    0, &days)) < 0 ||
	    (rc = calendar_load(&k->ctx, &cal)) < 0)
		return rc;
	due = calendar_add_workdays(&cal, start, (int)days);
	calendar_format_day(due, text);
	k->out = json_pack("{s:s,s:i,s:s,s:s,s:b}", "from", from, "days", (int)days, "due", text,
			   "weekday", calendar_weekday_name(due), "known",
			   due <= calendar_known_until(&cal));
	return E_OK;
}
