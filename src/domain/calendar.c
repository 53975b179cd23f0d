/*
 * calendar.c - dates, working-day arithmetic and the calendar_days table; see calendar.h.
 */
#include "domain/calendar.h"

#include "core/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "domain/event.h"
#include "domain/field.h"

#define SECONDS_PER_DAY 86400
#define SHANGHAI_OFFSET (8 * 3600) /* UTC+8; China has kept no daylight saving since 1991 */
#define NAME_MAX_CHARS	32

/* ---- days ---- */

/* Civil-date conversions after Howard Hinnant's days_from_civil / civil_from_days: exact
 * for every proleptic Gregorian date, with no table and no time zone database. */
int32_t calendar_day_from_ymd(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (unsigned)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (unsigned)d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

void calendar_day_ymd(int32_t day, int *y, int *m, int *d)
{
	int32_t z = day + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)mm;
	*y = (int)yoe + era * 400 + (mm <= 2);
}

int calendar_parse_day(const char *s, int32_t *day)
{
	static const char shape[] = "dddd-dd-dd";
	int v[3] = {0, 0, 0}, part = 0, y, m, d;
	if (!s || strlen(s) != sizeof(shape) - 1)
		return E_INVALID;
	for (int i = 0; shape[i]; i++) {
		if (shape[i] == '-') {
			if (s[i] != '-')
				return E_INVALID;
			part++;
		} else if (s[i] < '0' || s[i] > '9') {
			return E_INVALID;
		} else {
			v[part] = v[part] * 10 + (s[i] - '0');
		}
	}
	if (v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31)
		return E_INVALID;
	/* the round trip refuses 02-30, 04-31 and 02-29 of common years */
	int32_t n = calendar_day_from_ymd(v[0], v[1], v[2]);
	calendar_day_ymd(n, &y, &m, &d);
	if (y != v[0] || m != v[1] || d != v[2])
		return E_INVALID;
	*day = n;
	return E_OK;
}

void calendar_format_day(int32_t day, char out[CALENDAR_DAY_LEN])
{
	int y, m, d;
	calendar_day_ymd(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0; /* outside what parse accepts; keeps the text 10 characters */
	snprintf(out, CALENDAR_DAY_LEN, "%04d-%02d-%02d", y, m, d);
}

int calendar_period(struct ctx *c, const char *from, const char *to, int max_days, int32_t *lo,
		    int32_t *hi)
{
	int y, m, d;
	*hi = calendar_day_of(c->now);
	calendar_day_ymd(*hi, &y, &m, &d);
	*lo = calendar_day_from_ymd(y, m, 1);
	if (from && *from && calendar_parse_day(from, lo) < 0)
		return ctx_fail(c, E_INVALID, "from", "开始日期格式须为YYYY-MM-DD");
	if (to && *to && calendar_parse_day(to, hi) < 0)
		return ctx_fail(c, E_INVALID, "to", "结束日期格式须为YYYY-MM-DD");
	if (*hi < *lo)
		return ctx_fail(c, E_INVALID, "to", "结束日期不能早于开始日期");
	if (*hi - *lo >= max_days)
		return ctx_fail(c, E_INVALID, "from", "统计期间不能超过%d天", max_days);
	return E_OK;
}

int calendar_weekday(int32_t day)
{
	int w = (int)((day + 4) % 7); /* 1970-01-01 was a Thursday */
	return w < 0 ? w + 7 : w;
}

const char *calendar_weekday_name(int32_t day)
{
	static const char *const names[7] = {"星期日", "星期一", "星期二", "星期三",
					     "星期四", "星期五", "星期六"};
	return names[calendar_weekday(day)];
}

int32_t calendar_day_of(int64_t unix_time)
{
	int64_t s = unix_time + SHANGHAI_OFFSET;
	int64_t q = s / SECONDS_PER_DAY;
	if (s % SECONDS_PER_DAY < 0)
		q--; /* floor, for times before 1970 */
	return (int32_t)q;
}

int64_t calendar_day_start(int32_t day)
{
	return (int64_t)day * SECONDS_PER_DAY - SHANGHAI_OFFSET;
}

int64_t calendar_day_end(int32_t day)
{
	return calendar_day_start(day + 1);
}

/* ---- working days ---- */

static int is_weekday(int32_t day)
{
	int w = calendar_weekday(day);
	return w != 0 && w != 6;
}

static int year_of(int32_t day)
{
	int y, m, d;
	calendar_day_ymd(day, &y, &m, &d);
	return y;
}

static int bad_row(struct ctx *c, const char *day)
{
	log_msg(LOG_ERROR, "calendar_days holds a row that is not a date of the supported years",
		json_pack("{s:s}", "day", day));
	return ctx_fail(c, E_INTERNAL, NULL, "工作日历数据有误（%s），请联系系统管理员", day);
}

/* Read calendar_days into cal, from c->arena. */
static int read_table(struct ctx *c, struct calendar *cal)
{
	struct entry {
		int32_t day;
		unsigned char kind;
	} *v = NULL, *grown;
	size_t n = 0, cap = 0;
	struct db_res *r = NULL;
	int rc;

	*cal = (struct calendar){.first = 1, .last = 0, .kind = NULL};
	rc = db_query(c->db, &r, "SELECT day, kind FROM calendar_days", NULL, 0);
	if (rc < 0)
		return ctx_db(c, rc);
	while ((rc = db_next(r)) > 0) {
		int32_t day;
		const char *text = db_text(r, 0);
		if (calendar_parse_day(text, &day) < 0 || year_of(day) < CALENDAR_YEAR_MIN ||
		    year_of(day) > CALENDAR_YEAR_MAX) {
			rc = bad_row(c, text);
			goto out;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			if (!(grown = realloc(v, cap * sizeof(*v)))) {
				rc = E_INTERNAL;
				goto out;
			}
			v = grown;
		}
		v[n].day = day;
		v[n].kind = !strcmp(db_text(r, 1), "workday") ? CALENDAR_WORKDAY : CALENDAR_HOLIDAY;
		if (!n || day < cal->first)
			cal->first = day;
		if (!n || day > cal->last)
			cal->last = day;
		n++;
	}
	if (rc < 0) {
		rc = ctx_db(c, rc);
		goto out;
	}
	rc = E_OK;
	if (n) {
		/* the year limits keep this under 40 KB */
		cal->kind = arena_alloc(c->arena, (size_t)(cal->last - cal->first + 1));
		for (size_t i = 0; i < n; i++)
			cal->kind[v[i].day - cal->first] = v[i].kind;
	}
out:
	db_res_free(r);
	free(v);
	if (rc < 0)
		*cal = (struct calendar){.first = 1, .last = 0, .kind = NULL};
	return rc;
}

static size_t kind_bytes(const struct calendar *cal)
{
	return cal->last < cal->first ? 0 : (size_t)(cal->last - cal->first + 1);
}

void calendar_cache_clear(struct calendar_cache *cache)
{
	free(cache->cal.kind);
	cache->cal.kind = NULL;
	cache->rev = 0;
}

/* Copy `from` into `to`, its days into `kind` (kind_bytes long). */
static void calendar_copy(struct calendar *to, const struct calendar *from, unsigned char *kind)
{
	*to = *from;
	to->kind = kind;
	if (kind)
		memcpy(kind, from->kind, kind_bytes(from));
}

int calendar_load(struct ctx *c, struct calendar *cal)
{
	struct calendar_cache *cache = c->calendars;
	int64_t rev = 0;
	int rc, hit = 0;
	if (c->calendar) {
		*cal = *c->calendar;
		return E_OK;
	}
	if (cache && (rc = ctx_int(c, "SELECT rev FROM calendar_rev", NULL, 0, &rev)) < 0)
		return rc;
	if (cache) {
		pthread_mutex_lock(&cache->lock);
		if ((hit = rev && cache->rev == rev)) {
			size_t n = kind_bytes(&cache->cal);
			calendar_copy(cal, &cache->cal, n ? arena_alloc(c->arena, n) : NULL);
		}
		pthread_mutex_unlock(&cache->lock);
	}
	if (!hit && (rc = read_table(c, cal)) < 0)
		return rc;
	if (!hit && cache) {
		size_t n = kind_bytes(cal);
		unsigned char *kind = n ? malloc(n) : NULL;
		if (n && !kind)
			abort();
		pthread_mutex_lock(&cache->lock);
		if (rev > cache->rev) { /* not overtaken by a request that read a later one */
			free(cache->cal.kind);
			calendar_copy(&cache->cal, cal, kind);
			cache->rev = rev;
			kind = NULL;
		}
		pthread_mutex_unlock(&cache->lock);
		free(kind);
	}
	if ((c->calendar = arena_alloc(c->arena, sizeof(*cal))))
		*c->calendar = *cal;
	return E_OK;
}

/* A change to calendar_days: the servers' caches read the table again. */
static int calendar_changed(struct ctx *c)
{
	c->calendar = NULL; /* this request too */
	return ctx_db(c, db_exec(c->db, "UPDATE calendar_rev SET rev = rev + 1", NULL, 0, NULL));
}

int32_t calendar_known_until(const struct calendar *cal)
{
	if (cal->last < cal->first)
		return INT32_MIN;
	return calendar_day_from_ymd(year_of(cal->last), 12, 31);
}

static int kind_of(const struct calendar *cal, int32_t day)
{
	if (day < cal->first || day > cal->last)
		return CALENDAR_RULE;
	return cal->kind[day - cal->first];
}

int calendar_is_workday(const struct calendar *cal, int32_t day)
{
	int k = kind_of(cal, day);
	return k == CALENDAR_RULE ? is_weekday(day) : k == CALENDAR_WORKDAY;
}

int32_t calendar_add_workdays(const struct calendar *cal, int32_t start, int n)
{
	int32_t d = start;
	if (n > CALENDAR_MAX_WORKDAYS)
		n = CALENDAR_MAX_WORKDAYS;
	/* ends: outside the table every Monday to Friday is a working day */
	while (n > 0) {
		d++;
		if (calendar_is_workday(cal, d))
			n--;
	}
	return d;
}

/* Mondays to Fridays from an origin up to and including day x, such that the difference
 * of two values counts those in (a, b]. Origin: 1970-01-05, a Monday. */
static int64_t weekdays_upto(int32_t x)
{
	int64_t k = (int64_t)x - 4, q = k / 7, r = k % 7;
	if (r < 0)
		r += 7, q--;
	return 5 * q + (r < 5 ? r + 1 : 5);
}

int calendar_workdays_between(const struct calendar *cal, int32_t from, int32_t to)
{
	int sign = 1;
	if (to < from) {
		int32_t t = from;
		from = to;
		to = t;
		sign = -1;
	}
	/* the weekend rule in closed form, corrected on the days the table overrides */
	int64_t n = weekdays_upto(to) - weekdays_upto(from);
	int32_t lo = from + 1 > cal->first ? from + 1 : cal->first;
	int32_t hi = to < cal->last ? to : cal->last;
	for (int32_t d = lo; d <= hi; d++) {
		int k = cal->kind[d - cal->first];
		if (k != CALENDAR_RULE)
			n += (k == CALENDAR_WORKDAY) - is_weekday(d);
	}
	return (int)(sign * n);
}

int calendar_workdays_between_times(const struct calendar *cal, int64_t from, int64_t to)
{
	return calendar_workdays_between(cal, calendar_day_of(from), calendar_day_of(to));
}

/* Whether pause p, clipped to the days after acceptance, holds day d. */
static int pause_holds(const struct calendar_pause *p, int32_t accepted, int32_t d)
{
	int32_t from = p->from > accepted ? p->from : accepted;
	return d > from && d <= p->to;
}

int calendar_paused_workdays(const struct calendar *cal, int32_t accepted,
			     const struct calendar_pause *pauses, size_t count)
{
	int n = 0;
	for (size_t i = 0; i < count; i++) {
		int32_t from = pauses[i].from > accepted ? pauses[i].from : accepted;
		for (int32_t d = from + 1; d <= pauses[i].to; d++) {
			int earlier = 0;
			if (!calendar_is_workday(cal, d))
				continue;
			for (size_t j = 0; j < i && !earlier; j++)
				earlier = pause_holds(&pauses[j], accepted, d);
			n += !earlier;
		}
	}
	return n;
}

int32_t calendar_deadline(const struct calendar *cal, int32_t accepted, int n,
			  const struct calendar_pause *pauses, size_t count)
{
	int paused = calendar_paused_workdays(cal, accepted, pauses, count);
	if (n < 0)
		n = 0;
	if (n > CALENDAR_MAX_WORKDAYS - paused)
		n = CALENDAR_MAX_WORKDAYS - paused; /* the sum is capped by add_workdays anyway */
	return calendar_add_workdays(cal, accepted, n + paused);
}

/* ---- maintenance ---- */

/* One checked entry. */
struct calendar_row {
	int32_t day;
	char text[CALENDAR_DAY_LEN];
	const char *kind; /* "holiday" or "workday" */
	const char *name;
	int line; /* imports: the line it came from */
};

static int calendar_admin(struct ctx *c)
{
	if (!actor_has(c->actor, ROLE_SYSADMIN))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有系统管理员可以维护工作日历");
	return E_OK;
}

/* Check one entry into row. NULL when good; otherwise why (Chinese, from the arena) with
 * *col the column at fault: 1 date, 2 kind, 3 name. */
static const char *check_row(struct ctx *c, const char *day, const char *kind, const char *name,
			     struct calendar_row *row, int *col)
{
	struct arena *a = c->arena;
	*col = 1;
	if (!day || !*day)
		return "请填写日期";
	if (calendar_parse_day(day, &row->day) < 0)
		return arena_printf(a, "“%s”不是有效日期，应为YYYY-MM-DD格式，如2027-01-01", day);
	if (year_of(row->day) < CALENDAR_YEAR_MIN || year_of(row->day) > CALENDAR_YEAR_MAX)
		return arena_printf(a, "%d年超出可维护的范围（%d至%d年）", year_of(row->day),
				    CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX);
	calendar_format_day(row->day, row->text);

	*col = 2;
	if (kind && (!strcmp(kind, "holiday") || !strcmp(kind, "休")))
		row->kind = "holiday";
	else if (kind && (!strcmp(kind, "workday") || !strcmp(kind, "班")))
		row->kind = "workday";
	else
		return arena_printf(
		    a, "类型“%s”不正确，应为holiday（休，放假）或workday（班，调休上班）",
		    kind ? kind : "");

	*col = 3;
	json_t *s = name ? json_string(name) : NULL; /* NULL: not UTF-8 */
	if (name && !s)
		return "名称含有不允许的字符（须为UTF-8编码的文本）";
	json_t *in = json_object();
	if (s)
		json_object_set_new(in, "name", s);
	int rc = field_text(c, in, "name", "名称", 1, 1, NAME_MAX_CHARS, &row->name, NULL);
	json_decref(in);
	if (rc < 0)
		return c->fail_message;

	/* 调休 moves a weekend onto a working day, so a make-up day on a weekday is a typo */
	*col = 1;
	if (!strcmp(row->kind, "workday") && is_weekday(row->day))
		return arena_printf(a, "%s是%s，调休上班日须为星期六或星期日", row->text,
				    calendar_weekday_name(row->day));
	return NULL;
}

static json_t *day_json(const char *day, const char *kind, const char *name)
{
	int32_t d = 0;
	(void)calendar_parse_day(day, &d);
	return json_pack("{s:s,s:s,s:s,s:s}", "day", day, "weekday", calendar_weekday_name(d),
			 "kind", kind, "name", name);
}

static json_t *day_row(struct db_res *r)
{
	return day_json(db_text(r, 0), db_text(r, 1), db_text(r, 2));
}

/* Insert or replace the entry of row's day; *old gets {"kind","name"} of the entry it
 * replaced, or NULL. */
static int store(struct ctx *c, const struct calendar_row *row, json_t **old)
{
	struct db_val key[] = {DBT(row->text)};
	struct db_val v[] = {DBT(row->kind), DBT(row->name), DBT(row->text)};
	struct db_res *r;
	int rc;
	*old = NULL;
	if ((rc = db_query(c->db, &r, "SELECT kind, name FROM calendar_days WHERE day = ?", key,
			   1)) < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		*old = json_pack("{s:s,s:s}", "kind", db_text(r, 0), "name", db_text(r, 1));
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	rc = db_exec(c->db,
		     *old ? "UPDATE calendar_days SET kind = ?, name = ? WHERE day = ?"
			  : "INSERT INTO calendar_days (kind, name, day) VALUES (?, ?, ?)",
		     v, 3, NULL);
	if ((rc = ctx_db(c, rc)) < 0 || (rc = calendar_changed(c)) < 0) {
		json_decref(*old);
		*old = NULL;
	}
	return rc;
}

int calendar_set(struct ctx *c, const char *day, const char *kind, const char *name, json_t **out)
{
	static const char *const fields[] = {"", "day", "kind", "name"};
	struct calendar_row row;
	const char *why;
	json_t *old;
	int rc, col;
	if ((rc = calendar_admin(c)) < 0)
		return rc;
	if ((why = check_row(c, day, kind, name, &row, &col)))
		return ctx_fail(c, E_INVALID, fields[col], "%s", why);
	if ((rc = store(c, &row, &old)) < 0 ||
	    (rc = event_append(c, 0, 0, "calendar.set",
			       json_pack("{s:s,s:s,s:s,s:o}", "day", row.text, "kind", row.kind,
					 "name", row.name, "old", old ? old : json_null()))) < 0)
		return rc;
	if (out)
		*out = day_json(row.text, row.kind, row.name);
	return E_OK;
}

int calendar_delete(struct ctx *c, const char *day)
{
	struct db_res *r;
	json_t *payload = NULL;
	int32_t d;
	char text[CALENDAR_DAY_LEN];
	int rc;
	if ((rc = calendar_admin(c)) < 0)
		return rc;
	if (!day || calendar_parse_day(day, &d) < 0)
		return ctx_fail(c, E_INVALID, "day", "“%s”不是有效日期，应为YYYY-MM-DD格式",
				day ? day : "");
	calendar_format_day(d, text);
	struct db_val key[] = {DBT(text)};
	if ((rc = db_query(c->db, &r, "SELECT kind, name FROM calendar_days WHERE day = ?", key,
			   1)) < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		payload = json_pack("{s:s,s:s,s:s}", "day", text, "kind", db_text(r, 0), "name",
				    db_text(r, 1));
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	if (!payload)
		return ctx_fail(c, E_NOT_FOUND, "day", "工作日历中没有%s（该日按周末规则计算）",
				text);
	if ((rc = ctx_db(
		 c, db_exec(c->db, "DELETE FROM calendar_days WHERE day = ?", key, 1, NULL))) < 0 ||
	    (rc = calendar_changed(c)) < 0) {
		json_decref(payload);
		return rc;
	}
	return event_append(c, 0, 0, "calendar.delete", payload);
}

int calendar_list(struct ctx *c, int year, json_t **out)
{
	char lo[CALENDAR_DAY_LEN], hi[CALENDAR_DAY_LEN];
	json_t *items;
	int rc;
	if (year < CALENDAR_YEAR_MIN || year > CALENDAR_YEAR_MAX)
		return ctx_fail(c, E_INVALID, "year", "年份须在%d至%d之间", CALENDAR_YEAR_MIN,
				CALENDAR_YEAR_MAX);
	calendar_format_day(calendar_day_from_ymd(year, 1, 1), lo);
	calendar_format_day(calendar_day_from_ymd(year, 12, 31), hi);
	struct db_val p[] = {DBT(lo), DBT(hi)};
	rc = ctx_rows(c,
		      "SELECT day, kind, name FROM calendar_days WHERE day >= ? AND day <= ? "
		      "ORDER BY day",
		      p, 2, day_row, &items);
	if (rc == E_OK)
		*out = json_pack("{s:i,s:o}", "year", year, "items", items);
	return rc;
}

/* ---- import ---- */

static int is_header(const char *first)
{
	return !strcasecmp(first, "date") || !strcmp(first, "日期");
}

int calendar_import(struct ctx *c, const char *text, size_t len, json_t **out)
{
	c->calendar = NULL; /* the request reads the table afresh after a change */
	static const char *const colname[] = {"", "日期", "类型", "名称"};
	struct calendar_row *rows;
	json_t *list = NULL, *old;
	int n = 0, replaced = 0, line = 0, seen_content = 0, nf, got, rc;
	char *f[3], a[CALENDAR_DAY_LEN], b[CALENDAR_DAY_LEN];
	const char *why;
	struct csv csv;

	if ((rc = calendar_admin(c)) < 0)
		return rc;
	if (len > CALENDAR_IMPORT_MAX_BYTES)
		return ctx_fail(c, E_TOO_LARGE, "csv", "文件过大：不能超过%d KB",
				CALENDAR_IMPORT_MAX_BYTES / 1024);
	if (csv_open(&csv, c->arena, text, len, &why) < 0)
		return ctx_fail(c, E_INVALID, "csv", "%s", why);
	rows = arena_alloc(c->arena, sizeof(*rows) * CALENDAR_IMPORT_MAX_ROWS);

	/* check every row before writing any: the import is all or nothing */
	while ((got = csv_next(&csv, f, 3, &nf)) != 0) {
		int col;
		line = csv.line;
		if (got < 0)
			return ctx_fail(c, E_INVALID, "csv", "第%d行：引号不成对", line);
		if (f[0][0] == '#')
			continue; /* a comment line */
		if (!seen_content++ && is_header(f[0]))
			continue;
		if (nf != 3)
			return ctx_fail(c, E_INVALID, "csv",
					"第%d行：应有3列（日期,类型,名称），实有%d列", line, nf);
		if (n == CALENDAR_IMPORT_MAX_ROWS)
			return ctx_fail(c, E_TOO_LARGE, "csv", "第%d行：一次最多导入%d个日期", line,
					CALENDAR_IMPORT_MAX_ROWS);
		if ((why = check_row(c, f[0], f[1], f[2], &rows[n], &col)))
			return ctx_fail(c, E_INVALID, "csv", "第%d行第%d列（%s）：%s", line, col,
					colname[col], why);
		rows[n].line = line;
		for (int i = 0; i < n; i++)
			if (rows[i].day == rows[n].day)
				return ctx_fail(c, E_INVALID, "csv",
						"第%d行第1列（日期）：%s与第%d行重复", line,
						rows[n].text, rows[i].line);
		n++;
	}
	if (!n)
		return ctx_fail(
		    c, E_INVALID, "csv",
		    "文件中没有日期：每行应为“日期,类型,名称”，如 2027-01-01,holiday,元旦");

	int32_t first = rows[0].day, last = rows[0].day;
	list = json_array();
	for (int i = 0; i < n; i++) {
		if ((rc = store(c, &rows[i], &old)) < 0)
			goto out;
		replaced += old != NULL;
		json_decref(old);
		json_array_append_new(
		    list, json_pack("[s,s,s]", rows[i].text, rows[i].kind, rows[i].name));
		first = rows[i].day < first ? rows[i].day : first;
		last = rows[i].day > last ? rows[i].day : last;
	}
	calendar_format_day(first, a);
	calendar_format_day(last, b);
	rc = event_append(
	    c, 0, 0, "calendar.import",
	    json_pack("{s:i,s:i,s:O}", "imported", n, "replaced", replaced, "rows", list));
	if (rc == E_OK && out)
		*out = json_pack("{s:i,s:i,s:s,s:s}", "imported", n, "replaced", replaced, "first",
				 a, "last", b);
out:
	json_decref(list);
	return rc;
}
