/*
 * test_stats.c - the indicators of DESIGN.md section 7 on a hand-made fixture whose every
 * expected value is worked out below by hand; the rollups kept by stats_on_case equal those
 * of stats_rebuild and a direct recount from the cases; scopes and periods refused; on
 * SQLite and (with SHENPI_TEST_PG_URL) PostgreSQL.
 */
#include "testdb.h" /* cmocka, g_c and the rest of the per-test database */

#include <string.h>

#include "core/buf.h"
#include "domain/calendar.h"
#include "domain/stats.h"

/*
 * The fixture. Regions 510000 四川省 > 510100 成都市 > 510104 锦江区, 510105 青羊区.
 * Center 1 (锦江, 510104): unit 1 市场监管局, unit 2 住建局. Center 2 (青羊, 510105): unit 3.
 * Users: 1 wang and 2 zhang work in center 1 (in_center = 1), 3 li is unit 1's handler
 * outside the center (in_center = 0), 4 zhao works in center 2 (in_center = 1).
 *
 * Items (statutory / promised working days, entered 进驻, authorized 授权):
 *   1  center 1 unit 1  promised  20 / 5   entered, authorized
 *   2  center 1 unit 1  immediate  1 / 0   entered
 *   3  center 1 unit 2  promised  10 / 8   -
 *   4  center 2 unit 3  promised  15 / 10  entered, authorized
 *   5  center 1 unit 2  promised  30 / 20  entered, authorized, but disabled: never counted
 */
static const char *const fixture =
    "INSERT INTO regions (code, name, parent, level) VALUES ('510000', '四川省', NULL, 1),"
    " ('510100', '成都市', '510000', 2), ('510104', '锦江区', '510100', 3),"
    " ('510105', '青羊区', '510100', 3);"
    "INSERT INTO centers (region_code, name, created_at) VALUES ('510104', '锦江中心', 0),"
    " ('510105', '青羊中心', 0);"
    "INSERT INTO units (center_id, code, name, created_at) VALUES (1, 'scj', '市场监管局', 0),"
    " (1, 'zjj', '住建局', 0), (2, 'scj', '市场监管局', 0);"
    "INSERT INTO users (username, name, password_hash, roles, center_id, unit_id, in_center,"
    " created_at) VALUES ('wang', '王窗口', 'x', 1, 1, 1, 1, 0),"
    " ('zhang', '张承办', 'x', 2, 1, 1, 1, 0), ('li', '李承办', 'x', 2, 1, 1, 0, 0),"
    " ('zhao', '赵窗口', 'x', 1, 2, 3, 1, 0);"
    "INSERT INTO items (center_id, unit_id, code, name, kind, statutory_days, promised_days,"
    " entered, authorized, disabled, created_at, updated_at) VALUES"
    " (1, 1, 'A1', '食品经营许可', 'promised', 20, 5, 1, 1, 0, 0, 0),"
    " (1, 1, 'A2', '证照补办', 'immediate', 1, 0, 1, 0, 0, 0, 0),"
    " (1, 2, 'B1', '施工许可', 'promised', 10, 8, 0, 0, 0, 0, 0),"
    " (2, 3, 'C1', '食品经营许可', 'promised', 15, 10, 1, 1, 0, 0, 0),"
    " (1, 2, 'B2', '停用事项', 'promised', 30, 20, 1, 1, 1, 0, 0);";

enum { WANG = 1, ZHANG = 2, LI = 3, ZHAO = 4 };

/* Days of 2026 in the fixture are written MMDD (0 = not reached); dn() makes day numbers. */
#define day(m, d) ((m)*100 + (d))
#define MAR(d)	  day(3, d)
static int32_t dn(int mmdd)
{
	return mmdd ? calendar_day_from_ymd(2026, mmdd / 100, mmdd % 100) : 0;
}

/* A case as it stands. Its steps "kind:finisher,…", all done. */
struct fx {
	const char *no;
	int center, unit, item;
	const char *kind;
	int statutory, promised;
	const char *state;
	int applied, accepted, due, completed;
	int completed_by, paused, permitted;
	int refused, picked;
	int rating;
	const char *steps;
};

/*
 * The cases; March 2026 has no holidays (the 2nd is a Monday), February 28th (a Saturday)
 * is a 调休 working day. Due days are the promised working days after acceptance (plus
 * transfer-out days); "used" = working days after acceptance up to completion − paused.
 *
 *  A item 1, applied/accepted Mar 2, due Mar 9 (3,4,5,6,9), completed Mar 5 by zhang:
 *    steps by wang, zhang, zhang → on site; early; used 3 (3,4,5). Picked up Mar 6, rated 5.
 *  B item 1, accepted Mar 3, due Mar 10 + 2 paused = Mar 12, completed Mar 12 by zhang:
 *    its approve step by li (outside) → not on site; on time, not early; one transfer-out of
 *    2 days; used 7 (4,5,6,9,10,11,12) − 2 = 5. Not picked up.
 *  C item 1, accepted Mar 4, due Mar 11, completed Mar 13 by wang → on site, late; used 7
 *    (5,6,9,10,11,12,13). Picked up Mar 16, rated 2 (bad). Not permitted.
 *  D item 2 (immediate), accepted Mar 5, due Mar 5, completed Mar 5 by wang → on site,
 *    instant, on time, not early. Picked up Mar 5, rated 3 (satisfied).
 *  E item 2, accepted Mar 6, completed Mar 6 by li → instant, on time, not on site.
 *    Picked up April 1st: outside March.
 *  F item 3, applied Mar 9, refused Mar 10.
 *  G item 3, accepted Mar 10, due Mar 20 (11,12,13,16,17,18,19,20), still in process.
 *  H item 1, accepted Mar 11, due Mar 18, still in process.
 *  J item 1, applied/accepted Feb 27, due Mar 5 (Feb 28, Mar 2,3,4,5), completed Mar 2 by
 *    zhang, steps by wang, zhang, zhang → on site, early; used 2 (Feb 28, Mar 2).
 *  K item 1, applied Mar 31, not yet accepted.
 *  I center 2, item 4, accepted Mar 2, due Mar 16 (3,4,5,6,9,10,11,12,13,16), completed
 *    Mar 20 by zhao, steps by zhao → on site, late; used 14 (3..6, 9..13, 16..20).
 *    Picked up Mar 20, rated 1 (bad).
 */
static const struct fx cases[] = {
    {"A", 1, 1, 1, "promised", 20, 5, "picked_up", MAR(2), MAR(2), MAR(9), MAR(5), ZHANG, 0, 1, 0,
     MAR(6), 5, "accept:1,approve:2,complete:2"},
    {"B", 1, 1, 1, "promised", 20, 5, "completed", MAR(3), MAR(3), MAR(12), MAR(12), ZHANG, 2, 1, 0,
     0, 0, "accept:1,approve:3,transfer_out:2,complete:2"},
    {"C", 1, 1, 1, "promised", 20, 5, "picked_up", MAR(4), MAR(4), MAR(11), MAR(13), WANG, 0, 0, 0,
     MAR(16), 2, "accept:1,approve:2,complete:1"},
    {"D", 1, 1, 2, "immediate", 1, 0, "picked_up", MAR(5), MAR(5), MAR(5), MAR(5), WANG, 0, 1, 0,
     MAR(5), 3, ""},
    {"E", 1, 1, 2, "immediate", 1, 0, "picked_up", MAR(6), MAR(6), MAR(6), MAR(6), LI, 0, 1, 0,
     day(4, 1), 4, ""},
    {"F", 1, 2, 3, "promised", 10, 8, "refused", MAR(9), 0, 0, 0, 0, 0, -1, MAR(10), 0, 0, ""},
    {"G", 1, 2, 3, "promised", 10, 8, "in_process", MAR(10), MAR(10), MAR(20), 0, 0, 0, -1, 0, 0, 0,
     "accept:1"},
    {"H", 1, 1, 1, "promised", 20, 5, "in_process", MAR(11), MAR(11), MAR(18), 0, 0, 0, -1, 0, 0, 0,
     "accept:1"},
    {"J", 1, 1, 1, "promised", 20, 5, "completed", day(2, 27), day(2, 27), MAR(5), MAR(2), ZHANG, 0,
     1, 0, 0, 0, "accept:1,approve:2,complete:2"},
    {"K", 1, 1, 1, "promised", 20, 5, "applied", MAR(31), 0, 0, 0, 0, 0, -1, 0, 0, 0, ""},
    {"I", 2, 3, 4, "promised", 15, 10, "picked_up", MAR(2), MAR(2), MAR(16), MAR(20), ZHAO, 0, 1, 0,
     MAR(20), 1, "accept:4,complete:4"},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int64_t at10(int32_t d)
{
	return calendar_day_start(d) + 10 * 3600;
}

static struct db_val day_or_null(int mmdd)
{
	return mmdd ? DBI(dn(mmdd)) : DBN;
}

/* Insert case f and its steps; with `hook`, count each of its transitions as case.c does. */
static void add_case(const struct fx *f, int hook)
{
	struct db_val p[] = {DBT(f->no),
			     DBI(f->center),
			     DBI(f->unit),
			     DBI(f->item),
			     DBT(f->kind),
			     DBI(f->statutory),
			     DBI(f->promised),
			     DBT(f->state),
			     DBI(at10(dn(f->applied))),
			     DBI(dn(f->applied)),
			     day_or_null(f->accepted),
			     day_or_null(f->due),
			     day_or_null(f->completed),
			     f->completed_by ? DBI(f->completed_by) : DBN,
			     DBI(f->paused),
			     f->permitted >= 0 && f->completed ? DBI(f->permitted) : DBN,
			     f->refused ? DBI(at10(dn(f->refused))) : DBN,
			     f->picked ? DBI(at10(dn(f->picked))) : DBN,
			     f->rating ? DBI(f->rating) : DBN};
	assert_int_equal(
	    db_exec(
		g_c.db,
		"INSERT INTO cases (no, center_id, unit_id, item_id, item_kind, statutory_days, "
		"promised_days, state, applicant_kind, applicant_name, applicant_id_no, "
		"created_by, created_at, applied_day, accepted_day, due_day, completed_day, "
		"completed_by, paused_days, permitted, decided_at, picked_up_at, rating, "
		"updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'person', '张三', '1', 1, ?, ?, ?, "
		"?, ?, ?, ?, ?, ?, ?, ?, 0)",
		p, 19, NULL),
	    DB_OK);
	struct db_val q[] = {DBT(f->no)};
	int64_t id = query_int("SELECT id FROM cases WHERE no = ?", q, 1);
	const char *s = f->steps;
	for (int stage = 1; *s; stage++) {
		char kind[16];
		int by, used;
		assert_int_equal(sscanf(s, "%15[a-z_]:%d%n", kind, &by, &used), 2);
		s += used + (s[used] == ',');
		struct db_val st[] = {DBI(id), DBI(stage), DBT(kind), DBI(by)};
		assert_int_equal(
		    db_exec(g_c.db,
			    "INSERT INTO case_steps (case_id, stage, seq, name, kind, "
			    "limit_days, state, finished_by) VALUES (?, ?, 1, '环节', ?, 0, "
			    "'done', ?)",
			    st, 4, NULL),
		    DB_OK);
	}
	if (!hook)
		return;
	static const char *const actions[] = {"apply", "accept", "refuse", "complete", "pickup"};
	int reached[] = {1, f->accepted != 0, f->refused != 0, f->completed != 0, f->picked != 0};
	for (int i = 0; i < 5; i++)
		if (reached[i])
			assert_int_equal(stats_on_case(&g_c, id, actions[i]), E_OK);
	/* transitions that count nothing */
	assert_int_equal(stats_on_case(&g_c, id, "materials"), E_OK);
}

/* Load the fixture; with `hook` the rollups are kept by stats_on_case, else rebuilt. */
static void load(int hook)
{
	g_c.actor = NULL;
	g_c.now = at10(dn(MAR(19)));
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	if (db_script(g_c.db, fixture) != DB_OK)
		fail_msg("%s: %s", g_kind, db_errmsg(g_c.db));
	for (size_t i = 0; i < NCASES; i++)
		add_case(&cases[i], hook);
	if (!hook)
		assert_int_equal(stats_rebuild(&g_c), E_OK);
	assert_int_equal(db_commit(g_c.db), DB_OK);
}

/* Run a stats call as `who` with scope and period; its return code. */
static int ask(const struct actor *who, const char *scope, const char *from, const char *to,
	       int (*fn)(struct ctx *, json_t *, json_t **), json_t **out)
{
	json_t *q = json_object();
	if (scope)
		json_object_set_new(q, "scope", json_string(scope));
	json_object_set_new(q, "from", json_string(from ? from : "2026-03-01"));
	json_object_set_new(q, "to", json_string(to ? to : "2026-03-31"));
	g_c.actor = who;
	clear_fail();
	*out = NULL;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	int rc = fn(&g_c, q, out);
	db_rollback(g_c.db);
	json_decref(q);
	return rc;
}

#define NONE -1	  /* no denominator */
#define NUL  -1e9 /* a null value (a rate without a denominator) */

struct want {
	const char *key;
	int64_t num, den;
	double value;
};

static void check(json_t *list, const struct want *w, size_t n)
{
	assert_int_equal(json_array_size(list), n);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(list, i);
		const char *key = json_string_value(json_object_get(o, "key"));
		assert_string_equal(key, w[i].key);
		if (json_integer_value(json_object_get(o, "numerator")) != w[i].num)
			fail_msg("%s: %s numerator %lld, want %lld", g_kind, key,
				 (long long)json_integer_value(json_object_get(o, "numerator")),
				 (long long)w[i].num);
		json_t *den = json_object_get(o, "denominator"), *v = json_object_get(o, "value");
		if (w[i].den == NONE)
			assert_true(json_is_null(den));
		else
			assert_int_equal(json_integer_value(den), w[i].den);
		if (w[i].value == NUL)
			assert_true(json_is_null(v));
		else if (!json_is_number(v) || json_number_value(v) < w[i].value - 0.001 ||
			 json_number_value(v) > w[i].value + 0.001)
			fail_msg("%s: %s = %g, want %g", g_kind, key, json_number_value(v),
				 w[i].value);
	}
}

/*
 * Center 1 in March: completed A, B, C, D, E, J = 6 (I is center 2; G, H open).
 *   on site A, C, D, J = 4/6 = 66.67%       instant D, E = 2/6 = 33.33%
 *   on time A, B, D, E, J = 5/6 = 83.33%   early A (5<9), J (2<5) = 2/6 = 33.33%
 *   承诺提速 over items 1, 2, 3: (20−5)+(1−0)+(10−8) = 18 days, of 20+1+10 = 31: 58.06%
 *   办理提速 over A, B, C, J: promised 4×5 = 20, used 3+5+7+2 = 17 → 3 days, 3/20 = 15.00%
 *   on-site items: 1 (A, C, J) and 2 (D) = 2
 *   entered 1, 2 of 3 = 66.67%; authorized 1 of the 2 entered = 50.00%
 *   picked up in March A, C, D = 3 (E in April), all rated: satisfied A (5), D (3) = 2/3 =
 *   66.67%, rated 3/3 = 100.00%; late C = 1/6 = 16.67%
 */
static const struct want center1[] = {
    {"onsite_rate", 4, 6, 66.67},	    {"instant_rate", 2, 6, 33.33},
    {"ontime_rate", 5, 6, 83.33},	    {"early_rate", 2, 6, 33.33},
    {"promise_speedup_days", 18, NONE, 18}, {"promise_speedup_rate", 18, 31, 58.06},
    {"handling_speedup_days", 3, NONE, 3},  {"handling_speedup_rate", 3, 20, 15.00},
    {"onsite_items", 2, NONE, 2},	    {"entry_rate", 2, 3, 66.67},
    {"authorization_rate", 1, 2, 50.00},    {"satisfaction_rate", 2, 3, 66.67},
    {"rating_rate", 3, 3, 100.00},	    {"overtime_rate", 1, 6, 16.67},
};

/*
 * The province in March: center 1 plus I (on site, late, picked up and rated 1).
 *   completed 7: on site 5/7 = 71.43%, instant 2/7 = 28.57%, on time 5/7 = 71.43%,
 *   early 2/7 = 28.57%, late C, I = 2/7 = 28.57%
 *   承诺提速: 18 + (15−10) = 23 of 31 + 15 = 46: 50.00%
 *   办理提速: promised 20 + 10 = 30, used 17 + 14 = 31 → −1 day, −1/30 = −3.33%
 *   on-site items 1, 2, 4 = 3; entered 3 of 4 = 75.00%, authorized 2 of 3 = 66.67%
 *   rated A, C, D, I = 4 of 4 picked up: 100.00%; satisfied 2/4 = 50.00%
 */
static const struct want province[] = {
    {"onsite_rate", 5, 7, 71.43},
    {"instant_rate", 2, 7, 28.57},
    {"ontime_rate", 5, 7, 71.43},
    {"early_rate", 2, 7, 28.57},
    {"promise_speedup_days", 23, NONE, 23},
    {"promise_speedup_rate", 23, 46, 50.00},
    {"handling_speedup_days", -1, NONE, -1},
    {"handling_speedup_rate", -1, 30, -3.33},
    {"onsite_items", 3, NONE, 3},
    {"entry_rate", 3, 4, 75.00},
    {"authorization_rate", 2, 3, 66.67},
    {"satisfaction_rate", 2, 4, 50.00},
    {"rating_rate", 4, 4, 100.00},
    {"overtime_rate", 2, 7, 28.57},
};

/*
 * Unit 2 in March: F refused, G open; nothing completed or picked up, so every rate of
 * completions and ratings has no denominator. Its catalog: item 3 only (item 5 disabled):
 * 承诺提速 10−8 = 2 of 10 = 20.00%, entered 0 of 1 = 0.00%, authorized of 0 entered: null.
 */
static const struct want unit2[] = {
    {"onsite_rate", 0, 0, NUL},
    {"instant_rate", 0, 0, NUL},
    {"ontime_rate", 0, 0, NUL},
    {"early_rate", 0, 0, NUL},
    {"promise_speedup_days", 2, NONE, 2},
    {"promise_speedup_rate", 2, 10, 20.00},
    {"handling_speedup_days", 0, NONE, 0},
    {"handling_speedup_rate", 0, 0, NUL},
    {"onsite_items", 0, NONE, 0},
    {"entry_rate", 0, 1, 0.00},
    {"authorization_rate", 0, 0, NUL},
    {"satisfaction_rate", 0, 0, NUL},
    {"rating_rate", 0, 0, NUL},
    {"overtime_rate", 0, 0, NUL},
};

#define N(a) (sizeof(a) / sizeof(a[0]))

static void check_indicators(const char *scope, const struct want *w, size_t n)
{
	json_t *out;
	assert_int_equal(ask(NULL, scope, NULL, NULL, stats_indicators, &out), E_OK);
	check(json_object_get(out, "indicators"), w, n);
	json_decref(out);
}

static void test_indicators(void **state)
{
	(void)state;
	load(0);
	check_indicators("center:1", center1, N(center1));
	check_indicators("510000", province, N(province));
	check_indicators("unit:2", unit2, N(unit2));
	/* the default scope of the system is the top region, the default period this month */
	json_t *out;
	g_c.actor = NULL;
	assert_int_equal(db_begin_read(g_c.db), DB_OK);
	json_t *q = json_object();
	assert_int_equal(stats_indicators(&g_c, q, &out), E_OK);
	db_rollback(g_c.db);
	json_decref(q);
	assert_string_equal(json_string_value(json_object_get(out, "scope")), "510000");
	assert_string_equal(json_string_value(json_object_get(out, "scope_name")), "四川省");
	assert_string_equal(json_string_value(json_object_get(out, "from")), "2026-03-01");
	assert_string_equal(json_string_value(json_object_get(out, "to")), "2026-03-19");
	json_decref(out);
}

/* Every row of both rollups (by item: 4 keys and 19 counters; by center: 2 and 19), as
 * text. */
static char *rollups(void)
{
	static const struct {
		const char *sql;
		int cols;
	} tables[] = {{"SELECT * FROM stats_daily ORDER BY 1, 2, 3, 4", 23},
		      {"SELECT * FROM stats_center_daily ORDER BY 1, 2", 21}};
	struct buf b = BUF_INIT(1 << 20);
	struct db_res *r;
	for (size_t t = 0; t < 2; t++) {
		assert_int_equal(db_query(g_c.db, &r, tables[t].sql, NULL, 0), DB_OK);
		while (db_next(r) > 0) {
			for (int i = 0; i < tables[t].cols; i++)
				buf_addf(&b, "%lld ", (long long)db_int(r, i));
			buf_addstr(&b, "\n");
		}
		db_res_free(r);
		buf_addstr(&b, "--\n");
	}
	return buf_detach(&b, NULL);
}

static void test_rollups(void **state)
{
	(void)state;
	load(1);
	char *kept = rollups();
	check_indicators("center:1", center1, N(center1));
	check_indicators("510000", province, N(province));
	assert_int_equal(db_begin_write(g_c.db), DB_OK);
	assert_int_equal(stats_rebuild(&g_c), E_OK);
	assert_int_equal(db_commit(g_c.db), DB_OK);
	char *rebuilt = rollups();
	assert_string_equal(kept, rebuilt);
	assert_true(strlen(kept) > 10);
	/* a direct recount from the cases, row by row, of what each transition counts */
	assert_int_equal(
	    query_int(
		"SELECT COUNT(*) FROM stats_daily d WHERE d.applied <> (SELECT COUNT(*) FROM cases "
		"k WHERE "
		"k.applied_day = d.day AND k.item_id = d.item_id) OR d.accepted <> (SELECT "
		"COUNT(*) FROM cases k WHERE k.accepted_day = d.day AND k.item_id = d.item_id) "
		"OR d.completed <> (SELECT COUNT(*) FROM cases k WHERE k.completed_day = d.day "
		"AND k.item_id = d.item_id) OR d.completed_late <> (SELECT COUNT(*) FROM cases k "
		"WHERE k.completed_day = d.day AND k.item_id = d.item_id AND k.completed_day > "
		"k.due_day) OR d.rated <> (SELECT COUNT(*) FROM cases k WHERE k.rating IS NOT "
		"NULL AND (k.picked_up_at + 28800) / 86400 = d.day AND k.item_id = d.item_id)",
		NULL, 0),
	    0);
	assert_int_equal(query_int("SELECT SUM(applied) + SUM(completed) + SUM(picked_up) + "
				   "SUM(refused) FROM stats_daily",
				   NULL, 0),
			 count("cases") + count("cases WHERE completed_day IS NOT NULL") +
			     count("cases WHERE picked_up_at IS NOT NULL") +
			     count("cases WHERE state = 'refused'"));
	/* the used working days, recounted with the calendar: 3+5+7+2 + 14 (see above) */
	assert_int_equal(query_int("SELECT SUM(used_days_sum) FROM stats_daily", NULL, 0), 31);
	assert_int_equal(query_int("SELECT SUM(used_days_sum) FROM stats_center_daily", NULL, 0),
			 31);
	free(kept);
	free(rebuilt);
}

static void test_children_and_tables(void **state)
{
	(void)state;
	load(0);
	/* cards: open ones count (H's red, G's yellow), decided ones do not */
	if (db_script(
		g_c.db,
		"INSERT INTO cards (key, center_id, unit_id, case_id, rule, color, raised_at, "
		"state) VALUES ('case_overdue:8', 1, 1, 8, 'case_overdue', 'red', 0, 'open'),"
		" ('step_overdue:7', 1, 2, 7, 'step_overdue', 'yellow', 0, 'open'),"
		" ('late_notice:3', 1, 1, 3, 'late_notice', 'yellow', 0, 'dismissed'),"
		" ('case_overdue:11', 2, 3, 11, 'case_overdue', 'red', 0, 'confirmed')") != DB_OK)
		fail_msg("%s: %s", g_kind, db_errmsg(g_c.db));
	json_t *out;
	/* the province → its city → the city's centers → a center's units → a unit's items */
	assert_int_equal(ask(NULL, "510000", NULL, NULL, stats_children, &out), E_OK);
	json_t *items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "scope")),
			    "510100");
	json_decref(out);
	assert_int_equal(ask(NULL, "510100", NULL, NULL, stats_children, &out), E_OK);
	items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), 2);
	json_t *c1 = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(c1, "scope")), "center:1");
	check(json_object_get(c1, "indicators"), center1, N(center1));
	/* on March 19th: G due tomorrow (1 working day, the center warns at 1) is yellow, H due
	 * yesterday red */
	assert_int_equal(json_integer_value(json_object_get(c1, "open")), 2);
	assert_int_equal(json_integer_value(json_object_get(c1, "yellow")), 1);
	assert_int_equal(json_integer_value(json_object_get(c1, "red")), 1);
	assert_int_equal(json_integer_value(json_object_get(c1, "cards_yellow")), 1);
	assert_int_equal(json_integer_value(json_object_get(c1, "cards_red")), 1);
	json_t *c2 = json_array_get(items, 1);
	assert_int_equal(json_integer_value(json_object_get(c2, "open")), 0);
	assert_int_equal(json_integer_value(json_object_get(c2, "cards_red")), 0);
	json_decref(out);
	assert_int_equal(ask(NULL, "center:1", NULL, NULL, stats_children, &out), E_OK);
	items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), 2);
	static const int64_t unit_cards[][3] = {{1, 0, 1}, {2, 1, 0}}; /* unit, yellow, red */
	for (size_t i = 0; i < 2; i++) {
		json_t *u = json_array_get(items, i);
		char key[16];
		snprintf(key, sizeof(key), "unit:%d", (int)unit_cards[i][0]);
		assert_string_equal(json_string_value(json_object_get(u, "scope")), key);
		assert_int_equal(json_integer_value(json_object_get(u, "cards_yellow")),
				 unit_cards[i][1]);
		assert_int_equal(json_integer_value(json_object_get(u, "cards_red")),
				 unit_cards[i][2]);
	}
	json_decref(out);
	/* unit 2's one enabled item, with G open and yellow, and G's card */
	assert_int_equal(ask(NULL, "unit:2", NULL, NULL, stats_children, &out), E_OK);
	items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), 1);
	json_t *it = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(it, "scope")), "item:3");
	assert_string_equal(json_string_value(json_object_get(it, "level")), "item");
	assert_int_equal(json_integer_value(json_object_get(it, "yellow")), 1);
	assert_int_equal(json_integer_value(json_object_get(it, "cards_yellow")), 1);
	json_decref(out);
	/* the workload of center 1: unit 1 applied A, B, C, D, E, H, K = 7, unit 2 F, G = 2 */
	json_t *q = json_pack("{s:s,s:s,s:s}", "scope", "center:1", "from", "2026-03-01", "to",
			      "2026-03-31");
	assert_int_equal(stats_table(&g_c, "workload", q, &out), E_OK);
	json_t *rows = json_object_get(out, "rows");
	assert_int_equal(json_array_size(rows), 3);
	static const int64_t applied[] = {7, 2, 9}, refused[] = {0, 1, 1};
	for (size_t i = 0; i < 3; i++) {
		json_t *row = json_array_get(rows, i);
		assert_int_equal(json_integer_value(json_object_get(row, "applied")), applied[i]);
		assert_int_equal(json_integer_value(json_object_get(row, "refused")), refused[i]);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 2), "name")),
			    "合计");
	json_decref(out);
	assert_int_equal(stats_table(&g_c, "nonsense", q, &out), E_NOT_FOUND);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(stats_table_xlsx(&g_c, "satisfaction", q, &data, &len), E_OK);
	assert_true(len > 100 && !memcmp(data, "PK", 2));
	free(data);
	json_decref(q);
}

static void test_refusals(void **state)
{
	(void)state;
	load(0);
	struct actor county = TEST_ACTOR(9, "jc", "锦江监察", ROLE_SUPERVISOR, 0, 0);
	county.scope_region = "510104";
	struct actor city = TEST_ACTOR(10, "cd", "成都监察", ROLE_SUPERVISOR, 0, 0);
	city.scope_region = "510100";
	const struct actor admin = TEST_ACTOR(11, "adm", "中心管理员", ROLE_CENTER_ADMIN, 1, 0);
	const struct actor clerk = TEST_ACTOR(WANG, "wang", "王窗口", ROLE_CLERK, 1, 1);
	const struct {
		const struct actor *who;
		const char *scope;
		int rc;
	} cases_[] = {
	    {&county, "510104", E_OK},
	    {&county, "center:1", E_OK},
	    {&county, "unit:2", E_OK},
	    {&county, "510105", E_FORBIDDEN},
	    {&county, "center:2", E_FORBIDDEN},
	    {&county, "510000", E_FORBIDDEN},
	    {&city, "510104", E_OK},
	    {&city, "center:2", E_OK},
	    {&city, "510000", E_FORBIDDEN},
	    {&admin, "center:1", E_OK},
	    {&admin, "item:3", E_OK},
	    {&admin, "center:2", E_FORBIDDEN},
	    {&admin, "510104", E_FORBIDDEN},
	    {&clerk, "unit:1", E_OK},
	    {&clerk, "item:1", E_OK},
	    {&clerk, "unit:2", E_FORBIDDEN},
	    {&clerk, "center:1", E_FORBIDDEN},
	    {NULL, "center:99", E_NOT_FOUND},
	    {NULL, "999999", E_NOT_FOUND},
	    {NULL, "center:x", E_INVALID},
	};
	json_t *out;
	for (size_t i = 0; i < N(cases_); i++) {
		int rc = ask(cases_[i].who, cases_[i].scope, NULL, NULL, stats_indicators, &out);
		if (rc != cases_[i].rc)
			fail_msg("%s: %s asking %s: %d, want %d", g_kind,
				 cases_[i].who ? cases_[i].who->name : "system", cases_[i].scope,
				 rc, cases_[i].rc);
		json_decref(out);
	}
	/* the default scopes: a supervisor their region, a center admin their center, a clerk
	 * their unit */
	const struct actor *who[] = {&county, &admin, &clerk};
	const char *want[] = {"510104", "center:1", "unit:1"};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(ask(who[i], NULL, NULL, NULL, stats_indicators, &out), E_OK);
		assert_string_equal(json_string_value(json_object_get(out, "scope")), want[i]);
		json_decref(out);
	}
	/* periods: end before start, more than 366 days, malformed; 366 days is fine */
	assert_int_equal(ask(NULL, NULL, "2026-03-31", "2026-03-01", stats_indicators, &out),
			 E_INVALID);
	assert_string_equal(g_c.fail_field, "to");
	assert_int_equal(ask(NULL, NULL, "2025-01-01", "2026-01-02", stats_indicators, &out),
			 E_INVALID);
	assert_int_equal(ask(NULL, NULL, "2026-3-1", NULL, stats_indicators, &out), E_INVALID);
	assert_int_equal(ask(NULL, NULL, "2025-01-01", "2026-01-01", stats_indicators, &out), E_OK);
	json_decref(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_indicators, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_rollups, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_children_and_tables, fresh_db, close_db),
	    cmocka_unit_test_setup_teardown(test_refusals, fresh_db, close_db),
	};
	if (testdb_init() < 0)
		return 1;
	return testdb_run("stats", tests, N(tests)) ? 1 : 0;
}
