/*
 * test_calendar.c - the working-day calendar against the official data it ships with.
 *
 * Every expected date below was worked out by hand from the State Council's notices (and
 * checked against two public transcriptions of them), not produced by this code. Each test
 * gets a freshly migrated database, so the shipped calendar_days rows are what is counted:
 * a new SQLite file in a temporary directory and, when SHENPI_TEST_PG_URL names a scratch
 * PostgreSQL database, that database emptied and migrated again.
 */
#include "testdb.h" /* cmocka, POOL_SIZE, T0, g_c and the rest of the per-test database */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "domain/calendar.h"
#include "domain/ctx.h"
#include "domain/event.h"

#define MIDNIGHT (T0 - 8 * 3600) /* 2026-01-01 00:00 in Beijing */

static const struct actor g_sysadmin = {.id = 1,
					.username = "admin",
					.name = "系统管理员",
					.roles = ROLE_SYSADMIN,
					.scope_region = "",
					.csrf = ""};
static const struct actor g_center_admin = {.id = 2,
					    .username = "510100admin",
					    .name = "中心管理员",
					    .roles = ROLE_CENTER_ADMIN,
					    .center_id = 1,
					    .scope_region = "",
					    .csrf = ""};

/* ---- helpers ---- */

static int32_t D(const char *s)
{
	int32_t d = 0;

	if (calendar_parse_day(s, &d) != E_OK)
		fail_msg("bad date in test: %s", s);
	return d;
}

/* "YYYY-MM-DD 星期X" of a day, in a rotating static buffer (for assert_string_equal). */
static const char *show(int32_t day)
{
	static char bufs[4][32];
	static int i;
	char text[CALENDAR_DAY_LEN];
	char *b = bufs[i++ % 4];

	calendar_format_day(day, text);
	snprintf(b, sizeof(bufs[0]), "%s %s", text, calendar_weekday_name(day));
	return b;
}

static struct calendar load(void)
{
	struct calendar cal;
	int rc = calendar_load(&g_c, &cal);

	if (rc != E_OK)
		fail_msg("%s: calendar_load -> %s", g_kind, err_code(rc));
	return cal;
}

static int begin(void)
{
	clear_fail();
	return ctx_db(&g_c, db_begin_write(g_c.db));
}

/* Commit when rc is E_OK, roll back otherwise, as the CLI and the API do. */
static int finish(int rc)
{
	if (rc == E_OK)
		return ctx_db(&g_c, db_commit(g_c.db));
	db_rollback(g_c.db);
	return rc;
}

static int tx_set(const char *day, const char *kind, const char *name)
{
	int rc = begin();

	if (rc == E_OK)
		rc = calendar_set(&g_c, day, kind, name, NULL);
	return finish(rc);
}

static int tx_delete(const char *day)
{
	int rc = begin();

	if (rc == E_OK)
		rc = calendar_delete(&g_c, day);
	return finish(rc);
}

static int tx_import(const char *csv, json_t **out)
{
	int rc = begin();

	if (rc == E_OK)
		rc = calendar_import(&g_c, csv, strlen(csv), out);
	return finish(rc);
}

/* The failure names this field and its message contains want (Chinese, for the user). */
static void assert_fail(const char *field, const char *want)
{
	assert_non_null(g_c.fail_field);
	assert_string_equal(g_c.fail_field, field);
	assert_non_null(g_c.fail_message);
	if (!strstr(g_c.fail_message, want))
		fail_msg("message \"%s\" lacks \"%s\"", g_c.fail_message, want);
}

/* ---- dates ---- */

static void test_day_numbers(void **state)
{
	int32_t d = -1;
	char text[CALENDAR_DAY_LEN];
	static const char *const bad[] = {"",		"2023-02-29",  "2024-02-30",  "2024-04-31",
					  "2024-13-01", "2024-00-10",  "2024-01-00",  "2024-1-01",
					  "2024/01/01", "2024-01-01x", " 2024-01-01", "0000-01-01",
					  "1900-02-29", "二〇二四年"};
	size_t i;

	(void)state;
	assert_int_equal(D("1970-01-01"), 0);
	assert_int_equal(D("1969-12-31"), -1);
	assert_int_equal(D("2000-03-01") - D("2000-02-28"), 2); /* 2000 was a leap year */
	assert_int_equal(D("2100-03-01") - D("2100-02-28"), 1); /* 2100 will not be */
	assert_int_equal(D("2026-01-01"), 20454);
	assert_string_equal(show(D("1970-01-01")), "1970-01-01 星期四");
	assert_string_equal(show(D("2008-02-14")), "2008-02-14 星期四");
	assert_string_equal(show(D("2024-02-29")), "2024-02-29 星期四");
	assert_string_equal(show(D("2026-11-29")), "2026-11-29 星期日");
	assert_string_equal(show(D("1949-10-01")), "1949-10-01 星期六");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (calendar_parse_day(bad[i], &d) != E_INVALID)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(calendar_parse_day(NULL, &d), E_INVALID);
	/* every day of four centuries survives the round trip */
	for (d = D("1900-01-01"); d <= D("2300-01-01"); d++) {
		int32_t back;

		calendar_format_day(d, text);
		if (calendar_parse_day(text, &back) != E_OK || back != d)
			fail_msg("round trip of %s", text);
	}
}

static void test_shanghai_dates(void **state)
{
	(void)state;
	/* midnight in Beijing is 16:00 UTC of the day before */
	assert_string_equal(show(calendar_day_of(MIDNIGHT)), "2026-01-01 星期四");
	assert_string_equal(show(calendar_day_of(MIDNIGHT - 1)), "2025-12-31 星期三");
	assert_string_equal(show(calendar_day_of(MIDNIGHT + 86399)), "2026-01-01 星期四");
	assert_string_equal(show(calendar_day_of(T0 + 16 * 3600)), "2026-01-02 星期五");
	assert_string_equal(show(calendar_day_of(0)), "1970-01-01 星期四");	 /* 08:00 */
	assert_string_equal(show(calendar_day_of(-28801)), "1969-12-31 星期三"); /* 23:59:59 */
	assert_int_equal(calendar_day_start(D("2026-01-01")), MIDNIGHT);
	assert_int_equal(calendar_day_end(D("2025-12-31")), MIDNIGHT);
	assert_int_equal(calendar_day_of(calendar_day_end(D("2025-12-31")) - 1), D("2025-12-31"));
}

/* ---- the official calendar ---- */

/* 2008: Spring Festival off 02-06..02-12; Saturday 02-02 and Sunday 02-03 were working. */
static void test_spring_festival_2008(void **state)
{
	struct calendar cal = load();
	int32_t d;

	(void)state;
	assert_true(calendar_is_workday(&cal, D("2008-02-01")));
	assert_true(calendar_is_workday(&cal, D("2008-02-02")));
	assert_true(calendar_is_workday(&cal, D("2008-02-03")));
	assert_true(calendar_is_workday(&cal, D("2008-02-04")));
	assert_true(calendar_is_workday(&cal, D("2008-02-05")));
	for (d = D("2008-02-06"); d <= D("2008-02-12"); d++)
		assert_false(calendar_is_workday(&cal, d));
	assert_true(calendar_is_workday(&cal, D("2008-02-13")));
	assert_false(calendar_is_workday(&cal, D("2008-02-16"))); /* an ordinary Saturday */

	/* the auditor's check: `shenpi calendar due 2008-02-01 5` */
	assert_string_equal(show(calendar_add_workdays(&cal, D("2008-02-01"), 5)),
			    "2008-02-13 星期三");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2008-02-01"), 1)),
			    "2008-02-02 星期六");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2008-02-05"), 1)),
			    "2008-02-13 星期三");
	/* accepted during the holiday: the count starts after it */
	assert_string_equal(show(calendar_add_workdays(&cal, D("2008-02-08"), 1)),
			    "2008-02-13 星期三");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2008-02-01"), 20)),
			    "2008-03-05 星期三");
	assert_int_equal(calendar_add_workdays(&cal, D("2008-02-09"), 0), D("2008-02-09"));
}

static void test_national_day_weeks(void **state)
{
	struct calendar cal = load();

	(void)state;
	/* 2008: off 09-29..10-05, Saturday 09-27 and Sunday 09-28 working */
	assert_string_equal(show(calendar_add_workdays(&cal, D("2008-09-26"), 2)),
			    "2008-09-28 星期日");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2008-09-26"), 3)),
			    "2008-10-06 星期一");
	/* 2019: off 10-01..10-07, Sunday 09-29 and Saturday 10-12 working */
	assert_string_equal(show(calendar_add_workdays(&cal, D("2019-09-27"), 1)),
			    "2019-09-29 星期日");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2019-09-30"), 1)),
			    "2019-10-08 星期二");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2019-10-11"), 1)),
			    "2019-10-12 星期六");
	/* 2020: National Day and Mid-Autumn together, off 10-01..10-08; 09-27 and 10-10 working */
	assert_true(calendar_is_workday(&cal, D("2020-09-27")));
	assert_false(calendar_is_workday(&cal, D("2020-10-08")));
	assert_string_equal(show(calendar_add_workdays(&cal, D("2020-09-30"), 1)),
			    "2020-10-09 星期五");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2020-10-09"), 1)),
			    "2020-10-10 星期六");
	/* 2023: off 09-29..10-06; Saturday 10-07 and Sunday 10-08 working */
	assert_string_equal(show(calendar_add_workdays(&cal, D("2023-09-28"), 1)),
			    "2023-10-07 星期六");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2023-09-28"), 3)),
			    "2023-10-09 星期一");
	/* 2025: off 10-01..10-08; Sunday 09-28 and Saturday 10-11 working */
	assert_string_equal(show(calendar_add_workdays(&cal, D("2025-09-26"), 1)),
			    "2025-09-28 星期日");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2025-09-30"), 1)),
			    "2025-10-09 星期四");
	/* 2026: off 10-01..10-07; Sunday 09-20 and Saturday 10-10 working */
	assert_string_equal(show(calendar_add_workdays(&cal, D("2026-09-18"), 1)),
			    "2026-09-20 星期日");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2026-09-30"), 3)),
			    "2026-10-10 星期六");
}

/* A limit's last day may be a make-up Saturday: the case is due that Saturday. */
static void test_deadline_on_makeup_saturday(void **state)
{
	struct calendar cal = load();
	int32_t due = calendar_deadline(&cal, D("2025-09-30"), 3, NULL, 0);

	(void)state;
	assert_string_equal(show(due), "2025-10-11 星期六");
	assert_int_equal(calendar_day_end(due), calendar_day_start(D("2025-10-12")));
	/* that Saturday is the last day: 0 left on it, overdue on the Sunday after */
	assert_int_equal(calendar_workdays_between(&cal, D("2025-10-11"), due), 0);
	assert_int_equal(calendar_workdays_between(&cal, D("2025-10-10"), due), 1);
	assert_int_equal(calendar_workdays_between(&cal, D("2025-10-13"), due), -1);
	assert_int_equal(calendar_workdays_between(&cal, D("2025-09-30"), due), 3);
}

static void test_workdays_between(void **state)
{
	/* working days per year 2008..2026, from the notices */
	static const int per_year[] = {251, 250, 250, 250, 249, 250, 250, 249, 250, 249,
				       250, 250, 249, 250, 249, 249, 251, 248, 248};
	struct calendar cal = load();
	int y;

	(void)state;
	assert_int_equal(calendar_workdays_between(&cal, D("2008-02-01"), D("2008-02-29")), 17);
	assert_int_equal(calendar_workdays_between(&cal, D("2008-02-29"), D("2008-02-01")), -17);
	assert_int_equal(calendar_workdays_between(&cal, D("2008-02-06"), D("2008-02-06")), 0);
	assert_int_equal(calendar_workdays_between(&cal, D("2008-02-05"), D("2008-02-12")), 0);
	assert_int_equal(calendar_workdays_between(&cal, D("2008-02-05"), D("2008-02-13")), 1);
	for (y = 2008; y <= 2026; y++) {
		int n = calendar_workdays_between(&cal, calendar_day_from_ymd(y - 1, 12, 31),
						  calendar_day_from_ymd(y, 12, 31));
		if (n != per_year[y - 2008])
			fail_msg("%d: %d working days, want %d", y, n, per_year[y - 2008]);
	}
	/* outside the table only weekends are off: 2030-01-01 is a Tuesday */
	assert_int_equal(calendar_workdays_between(&cal, D("2030-01-01"), D("2030-01-31")), 22);
	assert_int_equal(calendar_workdays_between(&cal, D("1999-12-31"), D("2000-12-31")), 260);
	/* counting day by day and by the count agree over the whole table and beyond */
	for (y = D("2007-12-01"); y <= D("2027-01-31"); y += 37) {
		int32_t due = calendar_add_workdays(&cal, y, 23);

		assert_int_equal(calendar_workdays_between(&cal, y, due), 23);
		assert_true(calendar_is_workday(&cal, due));
	}
	/* between two instants: by their Beijing dates */
	assert_int_equal(calendar_workdays_between_times(&cal, calendar_day_start(D("2008-02-01")),
							 calendar_day_end(D("2008-02-29")) - 1),
			 17);
}

/* Transfer-out (转外) stops the case clock; the working days it took are added. */
static void test_pauses(void **state)
{
	struct calendar cal = load();
	int32_t acc = D("2019-09-20"); /* a Friday */
	/* out on Wednesday 09-25, back on Wednesday 10-09: it took 09-26, 09-27, Sunday 09-29
	 * (a make-up day), 09-30, 10-08 and 10-09 - six working days */
	struct calendar_pause one[] = {{D("2019-09-25"), D("2019-10-09")}};
	struct calendar_pause overlap[] = {{D("2019-09-25"), D("2019-10-01")},
					   {D("2019-09-28"), D("2019-10-09")}};
	struct calendar_pause two[] = {{D("2019-09-23"), D("2019-09-24")},
				       {D("2019-10-14"), D("2019-10-16")}};
	struct calendar_pause early[] = {{D("2019-09-10"), D("2019-09-24")}};
	struct calendar_pause none[] = {{D("2019-09-25"), D("2019-09-25")},
					{D("2019-09-26"), D("2019-09-24")}};

	(void)state;
	assert_string_equal(show(calendar_deadline(&cal, acc, 10, NULL, 0)), "2019-10-10 星期四");
	assert_int_equal(calendar_paused_workdays(&cal, acc, one, 1), 6);
	assert_string_equal(show(calendar_deadline(&cal, acc, 10, one, 1)), "2019-10-17 星期四");
	/* overlapping pauses count each day once */
	assert_int_equal(calendar_paused_workdays(&cal, acc, overlap, 2), 6);
	assert_string_equal(show(calendar_deadline(&cal, acc, 10, overlap, 2)),
			    "2019-10-17 星期四");
	/* two separate pauses: 1 + 2 working days, the second of them after the original
	 * deadline; the three run 10-11, make-up Saturday 10-12 and 10-14 */
	assert_int_equal(calendar_paused_workdays(&cal, acc, two, 2), 3);
	assert_string_equal(show(calendar_deadline(&cal, acc, 10, two, 2)), "2019-10-14 星期一");
	/* days before acceptance do not count: only 09-23 and 09-24 */
	assert_int_equal(calendar_paused_workdays(&cal, acc, early, 1), 2);
	/* out and back the same day, or a reversed interval: nothing */
	assert_int_equal(calendar_paused_workdays(&cal, acc, none, 2), 0);
	assert_int_equal(calendar_deadline(&cal, acc, 10, none, 2), D("2019-10-10"));
	/* a pause over the Spring Festival of 2008 takes only its working days */
	struct calendar_pause spring[] = {{D("2008-02-01"), D("2008-02-14")}};
	assert_int_equal(calendar_paused_workdays(&cal, D("2008-01-30"), spring, 1), 6);
}

/* What ships: every year 2008-2026, each make-up day on a weekend. */
static void test_shipped_data(void **state)
{
	json_t *out = NULL, *item;
	size_t i;
	int y;

	(void)state;
	assert_int_equal(count("calendar_days"), 679);
	assert_int_equal(count("calendar_days WHERE kind = 'workday'"), 124);
	for (y = 2008; y <= 2026; y++) {
		int holidays = 0, newyear = 0, spring = 0, national = 0;

		clear_fail();
		assert_int_equal(calendar_list(&g_c, y, &out), E_OK);
		json_array_foreach(json_object_get(out, "items"), i, item)
		{
			const char *day = json_string_value(json_object_get(item, "day"));
			const char *kind = json_string_value(json_object_get(item, "kind"));
			const char *name = json_string_value(json_object_get(item, "name"));
			int32_t d = D(day);
			int w = calendar_weekday(d);

			assert_int_equal(atoi(day), y);
			assert_string_equal(json_string_value(json_object_get(item, "weekday")),
					    calendar_weekday_name(d));
			if (!strcmp(kind, "workday")) {
				if (w != 0 && w != 6)
					fail_msg("%s: make-up day %s on a weekday", day, name);
				assert_non_null(strstr(name, "调休上班"));
			} else {
				holidays++;
			}
			newyear += !strcmp(name, "元旦");
			spring += !strncmp(name, "春节", strlen("春节"));
			national += strstr(name, "国庆节") != NULL;
		}
		if (!newyear || spring < 7 || national < 7 || holidays < 20)
			fail_msg("%d: 元旦 %d, 春节 %d, 国庆 %d, holidays %d", y, newyear, spring,
				 national, holidays);
		json_decref(out);
	}
	/* 2020's Spring Festival was extended to 02-02 and its 02-01 working day dropped */
	struct calendar cal = load();
	assert_false(calendar_is_workday(&cal, D("2020-01-31")));
	assert_false(calendar_is_workday(&cal, D("2020-02-01")));
	assert_true(calendar_is_workday(&cal, D("2020-01-19")));
	assert_true(calendar_is_workday(&cal, D("2020-02-03")));
	/* 2015's Victory Day holiday 09-03..09-05, Sunday 09-06 working */
	assert_false(calendar_is_workday(&cal, D("2015-09-03")));
	assert_false(calendar_is_workday(&cal, D("2015-09-04")));
	assert_true(calendar_is_workday(&cal, D("2015-09-06")));
	/* 元旦 2008 began in 2007: Saturday 2007-12-29 working, Monday 12-31 off */
	assert_true(calendar_is_workday(&cal, D("2007-12-29")));
	assert_false(calendar_is_workday(&cal, D("2007-12-31")));
	assert_int_equal(calendar_known_until(&cal), D("2026-12-31"));
}

/* ---- maintenance ---- */

static void test_set_and_delete(void **state)
{
	json_t *out = NULL;
	struct calendar cal;
	int64_t events = count("events");

	(void)state;
	g_c.actor = &g_sysadmin;
	cal = load();
	assert_string_equal(show(calendar_add_workdays(&cal, D("2026-12-31"), 1)),
			    "2027-01-01 星期五");
	assert_int_equal(tx_set("2027-01-01", "holiday", " 元旦 "), E_OK);
	assert_int_equal(tx_set("2027-02-20", "班", "春节调休上班"), E_OK);
	/* the next load sees the change: no stale cache */
	cal = load();
	assert_string_equal(show(calendar_add_workdays(&cal, D("2026-12-31"), 1)),
			    "2027-01-04 星期一");
	assert_true(calendar_is_workday(&cal, D("2027-02-20")));
	assert_int_equal(calendar_known_until(&cal), D("2027-12-31"));
	assert_int_equal(count("events WHERE type = 'calendar.set'"), 2);

	/* replacing keeps one row and records what it replaced */
	assert_int_equal(tx_set("2027-01-01", "holiday", "元旦（新年）"), E_OK);
	assert_int_equal(count("calendar_days WHERE day = '2027-01-01'"), 1);
	assert_int_equal(calendar_list(&g_c, 2027, &out), E_OK);
	assert_int_equal(json_array_size(json_object_get(out, "items")), 2);
	json_t *first = json_array_get(json_object_get(out, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "name")), "元旦（新年）");
	assert_string_equal(json_string_value(json_object_get(first, "weekday")), "星期五");
	json_decref(out);

	assert_int_equal(tx_delete("2027-02-20"), E_OK);
	cal = load();
	assert_false(calendar_is_workday(&cal, D("2027-02-20")));
	assert_int_equal(tx_delete("2027-02-20"), E_NOT_FOUND);
	assert_fail("day", "没有2027-02-20");
	assert_int_equal(count("events WHERE type = 'calendar.delete'"), 1);
	assert_int_equal(count("events"), events + 4);

	/* refused, each naming what to fix */
	assert_int_equal(tx_set("2027-02-08", "workday", "春节调休上班"), E_INVALID);
	assert_fail("day", "2027-02-08是星期一，调休上班日须为星期六或星期日");
	assert_int_equal(tx_set("2027-02-30", "holiday", "春节"), E_INVALID);
	assert_fail("day", "不是有效日期");
	assert_int_equal(tx_set("2199-01-01", "holiday", "元旦"), E_INVALID);
	assert_fail("day", "超出可维护的范围");
	assert_int_equal(tx_set("2027-02-06", "off", "春节"), E_INVALID);
	assert_fail("kind", "类型“off”不正确");
	assert_int_equal(tx_set("2027-02-06", "holiday", "  "), E_INVALID);
	assert_fail("name", "请填写名称");
	assert_int_equal(tx_set("2027-02-06", "holiday", "\xff\xfe"), E_INVALID);
	assert_fail("name", "UTF-8");
	assert_int_equal(tx_delete("2027/01/01"), E_INVALID);
	assert_fail("day", "不是有效日期");
	assert_int_equal(count("events"), events + 4);
	assert_int_equal(calendar_list(&g_c, 1999, &out), E_INVALID);
	assert_fail("year", "年份须在");
}

static void test_non_sysadmin_refused(void **state)
{
	int64_t rows = count("calendar_days"), events = count("events");
	json_t *out = NULL;

	(void)state;
	g_c.actor = &g_center_admin;
	assert_int_equal(tx_set("2027-01-01", "holiday", "元旦"), E_FORBIDDEN);
	assert_non_null(g_c.fail_message);
	assert_non_null(strstr(g_c.fail_message, "系统管理员"));
	assert_int_equal(tx_delete("2008-01-01"), E_FORBIDDEN);
	assert_int_equal(tx_import("2027-01-01,holiday,元旦\n", NULL), E_FORBIDDEN);
	assert_int_equal(count("calendar_days"), rows);
	assert_int_equal(count("events"), events);
	/* reading is for everyone */
	assert_int_equal(calendar_list(&g_c, 2008, &out), E_OK);
	assert_int_equal(json_array_size(json_object_get(out, "items")), 32);
	json_decref(out);
}

static void test_import(void **state)
{
	/* as a spreadsheet saves it: BOM, header, CRLF, a quoted name with a comma */
	static const char csv[] = "\xEF\xBB\xBF"
				  "date,kind,name\r\n"
				  "# 2027年（示例）\r\n"
				  "2027-01-01,holiday,元旦\r\n"
				  "\r\n"
				  "2027-02-06, 休 , 春节\r\n"
				  "2027-02-07,holiday,春节\r\n"
				  "2027-02-08,holiday,\"春节,除夕\"\r\n"
				  "2027-02-20,workday,\"春节\"\"调休\"\"上班\"\r\n";
	json_t *out = NULL;
	struct calendar cal;

	(void)state;
	g_c.actor = &g_sysadmin;
	assert_int_equal(tx_import(csv, &out), E_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "imported")), 5);
	assert_int_equal(json_integer_value(json_object_get(out, "replaced")), 0);
	assert_string_equal(json_string_value(json_object_get(out, "first")), "2027-01-01");
	assert_string_equal(json_string_value(json_object_get(out, "last")), "2027-02-20");
	json_decref(out);
	assert_int_equal(count("calendar_days WHERE day >= '2027-01-01'"), 5);
	assert_int_equal(count("calendar_days WHERE name = '春节,除夕' AND kind = 'holiday'"), 1);
	assert_int_equal(count("calendar_days WHERE name = '春节\"调休\"上班' AND kind = "
			       "'workday'"),
			 1);
	assert_int_equal(count("events WHERE type = 'calendar.import'"), 1);
	cal = load();
	assert_string_equal(show(calendar_add_workdays(&cal, D("2027-02-05"), 1)),
			    "2027-02-09 星期二");
	assert_string_equal(show(calendar_add_workdays(&cal, D("2027-02-19"), 1)),
			    "2027-02-20 星期六");

	/* importing again replaces, and a header in Chinese is skipped too */
	assert_int_equal(
	    tx_import("日期,类型,名称\n2027-01-01,holiday,元旦\n2027-01-02,休,元旦", &out), E_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "imported")), 2);
	assert_int_equal(json_integer_value(json_object_get(out, "replaced")), 1);
	json_decref(out);
	assert_int_equal(count("calendar_days WHERE day >= '2027-01-01'"), 6);
}

/* One bad row refuses the whole file, naming its line and column; nothing is written. */
static void test_import_all_or_nothing(void **state)
{
	static const struct {
		const char *csv, *message;
		int code;
	} bad[] = {
	    {"2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n2027-02-07,holiday,春节\n"
	     "2027-02-31,holiday,春节\n2027-02-08,holiday,春节\n",
	     "第4行第1列（日期）：“2027-02-31”不是有效日期", E_INVALID},
	    {"2027-01-01,holiday,元旦\n2027-02-06,放假,春节\n", "第2行第2列（类型）", E_INVALID},
	    {"2027-01-01,holiday,元旦\n2027-02-06,holiday,\n", "第2行第3列（名称）：请填写名称",
	     E_INVALID},
	    {"2027-01-01,holiday\n", "第1行：应有3列（日期,类型,名称），实有2列", E_INVALID},
	    {"2027-01-01,holiday,元旦,假日\n", "实有4列", E_INVALID},
	    {"2027-01-01,holiday,元旦\n# x\n2027-01-01,holiday,元旦\n",
	     "第3行第1列（日期）：2027-01-01与第1行重复", E_INVALID},
	    {"2027-01-01,holiday,\"元旦\n", "第1行：引号不成对", E_INVALID},
	    {"2027-02-08,workday,春节调休上班\n", "第1行第1列（日期）：2027-02-08是星期一",
	     E_INVALID},
	    {"2027-01-01,holiday,\xFF\xFE\n", "文件编码无法识别", E_INVALID},
	    {"date,kind,name\n\n# nothing\n", "文件中没有日期", E_INVALID},
	    {"27-1-1,holiday,元旦\n", "第1行第1列（日期）", E_INVALID},
	};
	int64_t rows = count("calendar_days"), events = count("events");
	size_t i;

	(void)state;
	g_c.actor = &g_sysadmin;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = tx_import(bad[i].csv, NULL);

		if (rc != bad[i].code)
			fail_msg("case %zu: %s", i, err_code(rc));
		assert_fail("csv", bad[i].message);
	}
	assert_int_equal(count("calendar_days"), rows);
	assert_int_equal(count("events"), events);

	/* too large, or not text at all */
	size_t big = CALENDAR_IMPORT_MAX_BYTES + 1;
	char *text = malloc(big + 1);
	assert_non_null(text);
	memset(text, '#', big);
	text[big] = '\0';
	assert_int_equal(tx_import(text, NULL), E_TOO_LARGE);
	assert_fail("csv", "文件过大");
	free(text);
	static const char nul[] = "2027-01-01,holiday,元旦\n\0\n";
	assert_int_equal(begin(), E_OK);
	assert_int_equal(finish(calendar_import(&g_c, nul, sizeof(nul) - 1, NULL)), E_INVALID);
	assert_fail("csv", "不是文本");
	/* more rows than one import may hold */
	size_t cap = 64 * (CALENDAR_IMPORT_MAX_ROWS + 1), len = 0;
	char *many = malloc(cap);
	assert_non_null(many);
	for (int32_t d = D("2027-01-01"); d < D("2027-01-01") + CALENDAR_IMPORT_MAX_ROWS + 1; d++) {
		char day[CALENDAR_DAY_LEN];

		calendar_format_day(d, day);
		len += (size_t)snprintf(many + len, cap - len, "%s,holiday,假\n", day);
	}
	assert_int_equal(tx_import(many, NULL), E_TOO_LARGE);
	assert_fail("csv", "一次最多导入1000个日期");
	free(many);
	assert_int_equal(count("calendar_days"), rows);
	assert_int_equal(count("events"), events);
}

/* Two processes sharing one database: an edit through one connection is seen by the next
 * load through another, and the event chain stays intact. */
static void test_reload_across_connections(void **state)
{
	struct ctx other = g_c;
	struct calendar before, after;
	int64_t n = 0, bad = -1;
	const char *why = NULL;

	(void)state;
	before = load();
	other.db = db_acquire(g_db);
	other.actor = &g_sysadmin;
	assert_int_equal(ctx_db(&other, db_begin_write(other.db)), E_OK);
	assert_int_equal(calendar_set(&other, "2026-10-08", "holiday", "国庆节（测试）", NULL),
			 E_OK);
	assert_int_equal(ctx_db(&other, db_commit(other.db)), E_OK);
	db_release(other.db);
	g_c.calendar = NULL; /* the next request reads the table afresh */
	after = load();
	assert_true(calendar_is_workday(&before, D("2026-10-08")));
	assert_false(calendar_is_workday(&after, D("2026-10-08")));
	assert_string_equal(show(calendar_add_workdays(&before, D("2026-09-30"), 1)),
			    "2026-10-08 星期四");
	assert_string_equal(show(calendar_add_workdays(&after, D("2026-09-30"), 1)),
			    "2026-10-09 星期五");
	assert_int_equal(event_verify(&g_c, &n, &bad, &why), E_OK);
	assert_int_equal(n, 1);
}

#define CALENDAR_TESTS                                                                             \
	cmocka_unit_test_setup_teardown(test_day_numbers, fresh_db, close_db),                     \
	    cmocka_unit_test_setup_teardown(test_shanghai_dates, fresh_db, close_db),              \
	    cmocka_unit_test_setup_teardown(test_spring_festival_2008, fresh_db, close_db),        \
	    cmocka_unit_test_setup_teardown(test_national_day_weeks, fresh_db, close_db),          \
	    cmocka_unit_test_setup_teardown(test_deadline_on_makeup_saturday, fresh_db, close_db), \
	    cmocka_unit_test_setup_teardown(test_workdays_between, fresh_db, close_db),            \
	    cmocka_unit_test_setup_teardown(test_pauses, fresh_db, close_db),                      \
	    cmocka_unit_test_setup_teardown(test_shipped_data, fresh_db, close_db),                \
	    cmocka_unit_test_setup_teardown(test_set_and_delete, fresh_db, close_db),              \
	    cmocka_unit_test_setup_teardown(test_non_sysadmin_refused, fresh_db, close_db),        \
	    cmocka_unit_test_setup_teardown(test_import, fresh_db, close_db),                      \
	    cmocka_unit_test_setup_teardown(test_import_all_or_nothing, fresh_db, close_db),       \
	    cmocka_unit_test_setup_teardown(test_reload_across_connections, fresh_db, close_db)

int main(void)
{
	const struct CMUnitTest tests[] = {CALENDAR_TESTS};

	if (testdb_init() < 0)
		return 1;
	return testdb_run("calendar", tests, sizeof(tests) / sizeof(tests[0])) ? 1 : 0;
}
