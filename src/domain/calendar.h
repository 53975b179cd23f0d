/*
 * calendar.h - the working-day calendar: dates, working-day arithmetic and the table of
 * exceptions (DESIGN.md section 6). Every limit in shenpi is counted here and nowhere else.
 *
 * A day is an int32_t day number: days since 1970-01-01, in Asia/Shanghai (UTC+8 all year,
 * no daylight saving). Monday to Friday are working days and Saturday and Sunday are not,
 * except for the days in the table calendar_days: public holidays ('holiday') and 调休
 * make-up working days on a weekend ('workday'), from the State Council's yearly notices.
 *
 * Counting follows 行政许可法 art. 82 and the rule for every period: the day a period starts
 * on is not counted. A case accepted on day A with a limit of N working days is due at the
 * end of the Nth working day after A. A transfer-out (转外) that went out on day F and came
 * back on day T took the working days after F up to and including T (counted like any
 * period); they are added to the case's limit.
 *
 * The calendar is read from the database into memory with calendar_load() and then answers
 * every question without touching the database. It is read once per request or command (the
 * context keeps it; a change through this module drops it): one query of under a thousand
 * rows, and reading afresh is what keeps several server processes that share one database in
 * step with an administrator's edits.
 */
#ifndef SHENPI_CALENDAR_H
#define SHENPI_CALENDAR_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "domain/ctx.h"

/* Years an administrator may enter; the shipped data begins 2007-12-29 (元旦 2008). */
#define CALENDAR_YEAR_MIN 2000
#define CALENDAR_YEAR_MAX 2099
/* The most working days one computation adds; larger counts are treated as this. */
#define CALENDAR_MAX_WORKDAYS 10000
/* Limits of one import. */
#define CALENDAR_IMPORT_MAX_BYTES (256 * 1024)
#define CALENDAR_IMPORT_MAX_ROWS  1000
/* "YYYY-MM-DD" and its NUL. */
#define CALENDAR_DAY_LEN 11

/* ---- days ---- */

/* The day number of a proleptic Gregorian date (m 1..12, d 1..31; not checked). */
int32_t calendar_day_from_ymd(int y, int m, int d);
void calendar_day_ymd(int32_t day, int *y, int *m, int *d);
/* Parse exactly "YYYY-MM-DD" (a real date, year 1..9999). 0 or E_INVALID. */
int calendar_parse_day(const char *s, int32_t *day);
void calendar_format_day(int32_t day, char out[CALENDAR_DAY_LEN]);
/* A period of days from..to ("YYYY-MM-DD", both included) for reports: either may be NULL
 * or "" (from: the 1st of this month, to: today, by c->now). E_INVALID (with the field and
 * a message) for a malformed day, an end before the start, or more than max_days days. */
int calendar_period(struct ctx *c, const char *from, const char *to, int max_days, int32_t *lo,
		    int32_t *hi);
/* 0 = Sunday … 6 = Saturday, and its Chinese name "星期日" … "星期六". */
int calendar_weekday(int32_t day);
const char *calendar_weekday_name(int32_t day);
/* The Asia/Shanghai date of a Unix time, and the Unix times its day starts and ends at
 * (the end is the next day's 00:00, the instant a deadline of that day passes). */
int32_t calendar_day_of(int64_t unix_time);
int64_t calendar_day_start(int32_t day);
int64_t calendar_day_end(int32_t day);

/* ---- working days ---- */

enum calendar_kind { CALENDAR_RULE = 0, CALENDAR_HOLIDAY = 1, CALENDAR_WORKDAY = 2 };

/* The exceptions, one byte per day from `first` to `last` (both included; last < first
 * when the table is empty). Days outside follow the weekend rule. */
struct calendar {
	int32_t first, last;
	unsigned char *kind; /* enum calendar_kind, kind[day - first]; from the ctx arena */
};

/* The calendar as a server last read it, shared by its requests (ctx.calendars): a zeroed
 * struct is empty and ready; calendar_cache_clear frees what it holds. */
struct calendar_cache {
	pthread_mutex_t lock;
	int64_t rev;	     /* calendar_rev.rev when read; 0: nothing yet */
	struct calendar cal; /* kind from malloc */
};
void calendar_cache_clear(struct calendar_cache *cache);

/* The whole table into cal; memory comes from c->arena. With c->calendars, from that cache
 * unless the table has changed since (calendar_rev). */
int calendar_load(struct ctx *c, struct calendar *cal);
/* The last day of the last year the table has any day of: later dates are counted with the
 * weekend rule alone, which is a guess until that year's notice is entered. */
int32_t calendar_known_until(const struct calendar *cal);

int calendar_is_workday(const struct calendar *cal, int32_t day);
/* The nth working day after start (start itself not counted); n <= 0 gives start. */
int32_t calendar_add_workdays(const struct calendar *cal, int32_t start, int n);
/* The working days after `from` up to and including `to`; negative (the same count with the
 * sign turned) when to is before from. So the working days left until a deadline are
 * calendar_workdays_between(today, due): 0 on the last day, below 0 once overdue. */
int calendar_workdays_between(const struct calendar *cal, int32_t from, int32_t to);
/* The same between two Unix times, by their Asia/Shanghai dates. */
int calendar_workdays_between_times(const struct calendar *cal, int64_t from, int64_t to);

/* A transfer-out: the day the case went out and the day it came back (for one still out,
 * today). */
struct calendar_pause {
	int32_t from, to;
};
/* The working days the pauses took: those after `from` up to and including `to`, each
 * counted once where pauses overlap, none on or before the day of acceptance. A pause with
 * to <= from took none. Cost: the pauses' days times their number. */
int calendar_paused_workdays(const struct calendar *cal, int32_t accepted,
			     const struct calendar_pause *pauses, size_t count);
/* The due day of a case accepted on `accepted` with a limit of n working days, extended by
 * the working days its pauses took. The deadline instant is calendar_day_end() of it. */
int32_t calendar_deadline(const struct calendar *cal, int32_t accepted, int n,
			  const struct calendar_pause *pauses, size_t count);

/* ---- maintenance (system administrators) ----
 * Writes run inside the caller's write transaction, are refused with E_FORBIDDEN unless
 * c->actor is a system administrator (or NULL, the system itself), and append one event. */

/* Enter or replace one day: day "YYYY-MM-DD" (years CALENDAR_YEAR_MIN..MAX), kind "holiday"
 * or "workday" (also "休"/"班"), name 1..32 characters. A make-up working day must be a
 * Saturday or Sunday. *out (may be NULL) gets the stored day as in calendar_list. */
int calendar_set(struct ctx *c, const char *day, const char *kind, const char *name, json_t **out);
/* Remove a day's entry: it follows the weekend rule again. E_NOT_FOUND when there is none. */
int calendar_delete(struct ctx *c, const char *day);
/* A year's entries, by date (anyone may read):
 * {"year":2008,"items":[{"day":"2008-01-01","weekday":"星期二","kind":"holiday",
 *   "name":"元旦"},…]} */
int calendar_list(struct ctx *c, int year, json_t **out);
/* Import CSV text (UTF-8, an optional BOM): one "date,kind,name" a line, as in
 * calendar_set; a header line "date,kind,name" (or "日期,类型,名称"), blank lines and lines
 * starting with '#' are skipped; fields may be quoted with "". Every row is checked before
 * anything is written: the first bad one is refused with E_INVALID (field "csv") and a
 * message naming its line and column, and nothing is imported. Rows replace the entries
 * of their days; other days are left as they are.
 * *out (may be NULL) gets {"imported":n,"replaced":m,"first":"…","last":"…"}. */
int calendar_import(struct ctx *c, const char *text, size_t len, json_t **out);

#endif
