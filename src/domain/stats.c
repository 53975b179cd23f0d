/*
 * stats.c - the per-day rollups and the indicators and tables read from them; see stats.h.
 */
#include "domain/stats.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "domain/access.h"
#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/field.h"
#include "domain/sheet.h"

/* ---- rollups ---- */

/* The day of a Unix time column, as calendar_day_of() computes it (Asia/Shanghai, UTC+8). */
#define DAY_OF(col)    "((" col " + 28800) / 86400)"
#define COUNT_IF(cond) "SUM(CASE WHEN " cond " THEN 1 ELSE 0 END)"
#define PROMISED(expr) "SUM(CASE WHEN k.item_kind = 'promised' THEN " expr " ELSE 0 END)"
/* What the "complete" fact reads beside the case: its completer, as cu, and its done steps
 * summed, as st: the transfer-outs, and those finished by someone who does not work in the
 * center (or by nobody). `only` narrows the steps to one case ("s.case_id = ? AND ") or
 * leaves them all (""): the rebuild then reads case_steps once, grouped by case, where
 * subqueries looked up each completed case's steps and completer one case at a time. */
/* clang-format off */
#define COMPLETE_JOIN(only)                                                                        \
	" LEFT JOIN users cu ON cu.id = k.completed_by LEFT JOIN (SELECT s.case_id, "              \
	COUNT_IF("s.kind = 'transfer_out'") " AS transfers, "                                      \
	COUNT_IF("COALESCE(u.in_center, 0) <> 1") " AS offsite FROM case_steps s LEFT JOIN users " \
	"u ON u.id = s.finished_by WHERE " only "s.state = 'done' GROUP BY s.case_id) st ON "      \
	"st.case_id = k.id"
/* clang-format on */
/* Completed on site: the completer and whoever finished each step work in the center. */
#define ONSITE	  "CASE WHEN cu.in_center = 1 AND COALESCE(st.offsite, 0) = 0 THEN 1 ELSE 0 END"
#define TRANSFERS "COALESCE(st.transfers, 0)"
#define COMPLETE_COLS                                                                              \
	"completed, completed_onsite, completed_instant, completed_ontime, completed_early, "      \
	"completed_late, permitted, completed_promised, promised_days_sum, used_days_sum, "        \
	"transfer_outs, transfer_days"
/* clang-format off */
#define COMPLETE_SUMS                                                                              \
	"COUNT(*), SUM(" ONSITE "), "                                                              \
	COUNT_IF("k.completed_day = k.accepted_day") ", "                                          \
	COUNT_IF("k.completed_day <= k.due_day") ", "                                              \
	COUNT_IF("k.completed_day < k.due_day") ", "                                               \
	COUNT_IF("k.completed_day > k.due_day") ", "                                               \
	"SUM(COALESCE(k.permitted, 0)), "                                                          \
	PROMISED("1") ", " PROMISED("k.promised_days") ", " PROMISED("?") ", "                     \
	"SUM(" TRANSFERS "), SUM(k.paused_days)"
/* clang-format on */

/* What one transition adds: the counters `cols` get the sums `sums` over the cases meeting
 * `cond`, on the day `day` of each. The same SQL counts one case (stats_on_case) and all of
 * them (stats_rebuild), so the two cannot disagree. */
struct fact {
	const char *action, *day, *cond, *cols, *sums;
	int used_days; /* the sums bind one parameter: the working days used (see used_days) */
	int steps;     /* the sums read its completer and steps (COMPLETE_JOIN) */
};

static const struct fact facts[] = {
    {"apply", "k.applied_day", "1 = 1", "applied", "COUNT(*)", 0, 0},
    {"accept", "k.accepted_day", "k.accepted_day IS NOT NULL", "accepted", "COUNT(*)", 0, 0},
    {"refuse", DAY_OF("k.decided_at"), "k.state = 'refused'", "refused", "COUNT(*)", 0, 0},
    {"complete", "k.completed_day", "k.completed_day IS NOT NULL", COMPLETE_COLS, COMPLETE_SUMS, 1,
     1},
    {"pickup", DAY_OF("k.picked_up_at"), "k.picked_up_at IS NOT NULL",
     "picked_up, rated, rating_satisfied, rating_bad",
     "COUNT(*), " COUNT_IF("k.rating IS NOT NULL") ", " COUNT_IF("k.rating >= 3") ", " COUNT_IF(
	 "k.rating <= 2"),
     0, 0},
};
#define NFACTS (sizeof(facts) / sizeof(facts[0]))

/* The rollup counters, in the order of the tables' columns. */
static const char *const counters[] = {"applied",
				       "accepted",
				       "refused",
				       "completed",
				       "completed_onsite",
				       "completed_instant",
				       "completed_ontime",
				       "completed_early",
				       "completed_late",
				       "permitted",
				       "completed_promised",
				       "promised_days_sum",
				       "used_days_sum",
				       "transfer_outs",
				       "transfer_days",
				       "picked_up",
				       "rated",
				       "rating_satisfied",
				       "rating_bad",
				       NULL};

/* The two rollups: by day, center, unit and item; and the same summed by day and center. */
struct rollup {
	const char *table, *keys, *case_keys, *group;
};
static const struct rollup rollups[] = {
    {"stats_daily", "day, center_id, unit_id, item_id", "k.center_id, k.unit_id, k.item_id",
     "1, 2, 3, 4"},
    {"stats_center_daily", "day, center_id", "k.center_id", "1, 2"},
};
#define NROLLUPS (sizeof(rollups) / sizeof(rollups[0]))

/* The upsert of fact f of the case of id ? into rollup ru, from malloc. */
static char *fact_sql(const struct fact *f, const struct rollup *ru)
{
	struct buf set = BUF_INIT(4096), sql = BUF_INIT(8192);
	const char *col = f->cols;
	while (*col) {
		size_t n = strcspn(col, ",");
		buf_addf(&set, "%s%.*s = %s.%.*s + excluded.%.*s", set.len ? ", " : "", (int)n, col,
			 ru->table, (int)n, col, (int)n, col);
		col += n;
		col += strspn(col, ", ");
	}
	buf_addf(&sql,
		 "INSERT INTO %s (%s, %s) SELECT %s, %s, %s FROM cases k%s WHERE k.id = ? AND %s "
		 "GROUP BY %s ON CONFLICT (%s) DO UPDATE SET %s",
		 ru->table, ru->keys, f->cols, f->day, ru->case_keys, f->sums,
		 f->steps ? COMPLETE_JOIN("s.case_id = ? AND ") : "", f->cond, ru->group, ru->keys,
		 set.buf);
	buf_release(&set);
	char *text = buf_detach(&sql, NULL);
	if (!text)
		abort();
	return text;
}

/* fact_sql of every fact and rollup, built once: a transition runs two of them. */
static char *upserts[NFACTS][NROLLUPS];
static pthread_once_t upserts_once = PTHREAD_ONCE_INIT;

static void upserts_build(void)
{
	for (size_t i = 0; i < NFACTS; i++)
		for (size_t j = 0; j < NROLLUPS; j++)
			upserts[i][j] = fact_sql(&facts[i], &rollups[j]);
}

static const char *upsert(size_t fact, size_t rollup)
{
	pthread_once(&upserts_once, upserts_build);
	return upserts[fact][rollup];
}

/* The working days a case took from acceptance to completion, its pauses left out. */
static int used_days(const struct calendar *cal, int32_t accepted, int32_t completed,
		     int32_t paused)
{
	return calendar_workdays_between(cal, accepted, completed) - paused;
}

int stats_on_case(struct ctx *c, int64_t case_id, const char *action)
{
	struct db_val p[3];
	int n = 0, rc = E_OK;
	size_t fi = 0;
	while (fi < NFACTS && strcmp(facts[fi].action, action))
		fi++;
	if (fi == NFACTS)
		return E_OK;
	const struct fact *f = &facts[fi];
	if (f->used_days) {
		struct calendar cal;
		struct db_res *r;
		struct db_val q[] = {DBI(case_id)};
		if ((rc = calendar_load(c, &cal)) < 0)
			return rc;
		if ((rc = db_query(c->db, &r,
				   "SELECT COALESCE(accepted_day, 0), COALESCE(completed_day, 0), "
				   "paused_days FROM cases WHERE id = ?",
				   q, 1)) < 0)
			return ctx_db(c, rc);
		if ((rc = db_next(r)) > 0)
			p[n++] = DBI(used_days(&cal, (int32_t)db_int(r, 0), (int32_t)db_int(r, 1),
					       (int32_t)db_int(r, 2)));
		db_res_free(r);
		if (rc <= 0)
			return rc < 0 ? ctx_db(c, rc)
				      : ctx_fail(c, E_NOT_FOUND, NULL, "办件不存在");
	}
	if (f->steps)
		p[n++] = DBI(case_id);
	p[n++] = DBI(case_id);
	for (size_t i = 0; i < NROLLUPS && rc >= 0; i++)
		rc = db_exec(c->db, upsert(fi, i), p, n, NULL);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* The used working days of the completed promised cases, by rollup row, into the temporary
 * table stats_used: the one counter SQL cannot compute, as it needs the calendar. Cases come
 * sorted by their row. */
static int used_days_table(struct ctx *c)
{
	struct calendar cal;
	struct db_res *r;
	int rc;
	if ((rc = calendar_load(c, &cal)) < 0)
		return rc;
	if ((rc = db_query(c->db, &r,
			   "SELECT completed_day, center_id, unit_id, item_id, accepted_day, "
			   "paused_days FROM cases WHERE completed_day IS NOT NULL AND item_kind = "
			   "'promised' ORDER BY 1, 2, 3, 4",
			   NULL, 0)) < 0)
		return ctx_db(c, rc);
	/* the sums by row, gathered before the copy into stats_used: the query is still being
	 * read */
	struct row_sum {
		int64_t key[4], used;
	} *rows = NULL;
	size_t n = 0, cap = 0;
	while ((rc = db_next(r)) > 0) {
		int64_t key[4] = {db_int(r, 0), db_int(r, 1), db_int(r, 2), db_int(r, 3)};
		if (!n || memcmp(rows[n - 1].key, key, sizeof(key))) {
			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				struct row_sum *more = realloc(rows, cap * sizeof(*rows));
				if (!more) {
					rc = DB_ERROR;
					break;
				}
				rows = more;
			}
			memcpy(rows[n].key, key, sizeof(key));
			rows[n++].used = 0;
		}
		rows[n - 1].used += used_days(&cal, (int32_t)db_int(r, 4), (int32_t)db_int(r, 0),
					      (int32_t)db_int(r, 5));
	}
	db_res_free(r);
	if (rc == 0)
		rc = db_exec(
		    c->db,
		    "CREATE TEMP TABLE stats_used (day INTEGER NOT NULL, center_id BIGINT NOT "
		    "NULL, unit_id BIGINT NOT NULL, item_id BIGINT NOT NULL, used BIGINT NOT "
		    "NULL)",
		    NULL, 0, NULL);
	if (rc == 0 && (rc = db_copy_begin(c->db, "stats_used",
					   "day, center_id, unit_id, item_id, used")) == 0) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			struct db_val p[] = {DBI(rows[i].key[0]), DBI(rows[i].key[1]),
					     DBI(rows[i].key[2]), DBI(rows[i].key[3]),
					     DBI(rows[i].used)};
			rc = db_copy_row(c->db, p, 5);
		}
		rc = db_copy_end(c->db);
	}
	free(rows);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* The per-center rollup as the sums of the per-item one. */
static int rebuild_centers(struct ctx *c)
{
	struct buf cols = BUF_INIT(4096), sums = BUF_INIT(4096);
	for (int i = 0; counters[i]; i++) {
		buf_addf(&cols, "%s%s", i ? ", " : "", counters[i]);
		buf_addf(&sums, "%sSUM(%s)", i ? ", " : "", counters[i]);
	}
	int rc =
	    db_exec(c->db,
		    arena_printf(c->arena,
				 "INSERT INTO stats_center_daily (day, center_id, %s) SELECT day, "
				 "center_id, %s FROM stats_daily GROUP BY 1, 2",
				 cols.buf, sums.buf),
		    NULL, 0, NULL);
	buf_release(&cols);
	buf_release(&sums);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* Whether the comma-separated names `cols` include `name`. */
static int has_col(const char *cols, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = cols; *p; p += strspn(p, ", ")) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, name, n))
			return 1;
		p += len;
	}
	return 0;
}

/* stats_daily from all cases in one INSERT (the table is empty): a CTE per fact with its
 * sums by row, and stats_used's; every counter of each taken from the fact that has it, 0
 * from the others; summed by row. Upserting fact after fact updated most rows five times. */
static int rebuild_daily(struct ctx *c)
{
	struct buf sql = BUF_INIT(16384);
	struct db_val zero[NFACTS];
	int n = 0;
	buf_addf(&sql, "WITH ");
	for (size_t i = 0; i < NFACTS; i++) {
		const struct fact *f = &facts[i];
		buf_addf(&sql,
			 "f%zu (day, center_id, unit_id, item_id, %s) AS (SELECT %s, %s, %s FROM "
			 "cases k%s WHERE %s GROUP BY 1, 2, 3, 4), ",
			 i, f->cols, f->day, rollups[0].case_keys, f->sums,
			 f->steps ? COMPLETE_JOIN("") : "", f->cond);
		if (f->used_days)
			zero[n++] = DBI(0);
	}
	buf_addf(&sql,
		 "f%zu (day, center_id, unit_id, item_id, used_days_sum) AS (SELECT day, "
		 "center_id, unit_id, item_id, used FROM stats_used) INSERT INTO stats_daily "
		 "(day, center_id, unit_id, item_id",
		 NFACTS);
	for (int j = 0; counters[j]; j++)
		buf_addf(&sql, ", %s", counters[j]);
	buf_addf(&sql, ") SELECT day, center_id, unit_id, item_id");
	for (int j = 0; counters[j]; j++)
		buf_addf(&sql, ", SUM(%s)", counters[j]);
	buf_addf(&sql, " FROM (");
	for (size_t i = 0; i <= NFACTS; i++) {
		const char *cols = i < NFACTS ? facts[i].cols : "used_days_sum";
		buf_addf(&sql, "%sSELECT day, center_id, unit_id, item_id", i ? " UNION ALL " : "");
		for (int j = 0; counters[j]; j++)
			buf_addf(&sql, has_col(cols, counters[j]) ? ", %s" : ", 0 AS %s",
				 counters[j]);
		buf_addf(&sql, " FROM f%zu", i);
	}
	buf_addf(&sql, ") x GROUP BY 1, 2, 3, 4");
	int rc = db_exec(c->db, sql.buf, zero, n, NULL);
	buf_release(&sql);
	return rc;
}

int stats_rebuild(struct ctx *c)
{
	int rc = db_exec(c->db, "DELETE FROM stats_daily", NULL, 0, NULL);
	if (rc == 0)
		rc = db_exec(c->db, "DELETE FROM stats_center_daily", NULL, 0, NULL);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = used_days_table(c)) < 0)
		return rc;
	if ((rc = rebuild_daily(c)) < 0 ||
	    (rc = db_exec(c->db, "DROP TABLE stats_used", NULL, 0, NULL)) < 0)
		return ctx_db(c, rc);
	return rebuild_centers(c);
}

/* ---- scopes ---- */

enum scope_kind { SCOPE_REGION, SCOPE_CENTER, SCOPE_UNIT, SCOPE_ITEM };

struct scope {
	enum scope_kind kind;
	const char *key, *name;
	const char *region; /* the region, or the region of the center */
	int level;	    /* regions: 1 province, 2 city, 3 county */
	int64_t id, center_id, unit_id;
};

static const char *const scope_prefixes[] = {"", "center:", "unit:", "item:"};
static const char *const level_names[] = {"",	    "province", "city", "county",
					  "center", "unit",	"item"};

/* Read the scope named by key into *sc: E_NOT_FOUND when there is none. */
static int scope_load(struct ctx *c, const char *key, struct scope *sc)
{
	static const char *const sql[] = {
	    "SELECT name, code, level, 0, 0 FROM regions WHERE code = ?",
	    "SELECT name, region_code, 4, id, 0 FROM centers WHERE id = ?",
	    "SELECT u.name, ce.region_code, 5, ce.id, u.id FROM units u JOIN centers ce ON ce.id "
	    "= u.center_id WHERE u.id = ?",
	    "SELECT i.name, ce.region_code, 6, ce.id, i.unit_id FROM items i JOIN centers ce ON "
	    "ce.id = i.center_id WHERE i.id = ?"};
	*sc = (struct scope){.kind = SCOPE_REGION, .key = key};
	for (int k = SCOPE_ITEM; k > SCOPE_REGION; k--) {
		size_t n = strlen(scope_prefixes[k]);
		if (!strncmp(key, scope_prefixes[k], n)) {
			char *end;
			sc->kind = (enum scope_kind)k;
			sc->id = strtoll(key + n, &end, 10);
			if (sc->id <= 0 || *end || end == key + n)
				return ctx_fail(c, E_INVALID, "scope", "统计范围格式不正确");
			break;
		}
	}
	if (sc->kind == SCOPE_REGION && strspn(key, "0123456789") != strlen(key))
		return ctx_fail(c, E_INVALID, "scope",
				"统计范围须为行政区划代码或center:ID、unit:ID、item:ID");
	struct db_val p[] = {sc->kind == SCOPE_REGION ? DBT(key) : DBI(sc->id)};
	struct db_res *r;
	int rc = db_query(c->db, &r, sql[sc->kind], p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0) {
		sc->name = arena_strdup(c->arena, db_text(r, 0));
		sc->region = arena_strdup(c->arena, db_text(r, 1));
		sc->level = (int)db_int(r, 2);
		sc->center_id = db_int(r, 3);
		sc->unit_id = db_int(r, 4);
		if (sc->kind == SCOPE_UNIT)
			sc->unit_id = sc->id;
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	return rc ? E_OK : ctx_fail(c, E_NOT_FOUND, "scope", "统计范围不存在");
}

/* The actor's widest scope. */
static int scope_default(struct ctx *c, const char **key)
{
	const struct actor *a = c->actor;
	if (a && (a->roles & ROLE_SUPERVISOR) && !(a->roles & ROLE_SYSADMIN) && *a->scope_region) {
		*key = a->scope_region;
	} else if (a && !(a->roles & ROLE_SYSADMIN)) {
		if (!a->center_id)
			return ctx_fail(c, E_FORBIDDEN, "scope", "无权查看统计");
		*key = a->unit_id && !(a->roles & ROLE_CENTER_ADMIN)
			   ? arena_printf(c->arena, "unit:%lld", (long long)a->unit_id)
			   : arena_printf(c->arena, "center:%lld", (long long)a->center_id);
	} else {
		struct db_res *r;
		int rc = db_query(c->db, &r,
				  "SELECT code FROM regions WHERE parent IS NULL ORDER BY code",
				  NULL, 0);
		if (rc < 0)
			return ctx_db(c, rc);
		*key = (rc = db_next(r)) > 0 ? arena_strdup(c->arena, db_text(r, 0)) : NULL;
		db_res_free(r);
		if (rc <= 0)
			return rc < 0 ? ctx_db(c, rc)
				      : ctx_fail(c, E_NOT_FOUND, "scope", "尚未设置行政区划");
	}
	return E_OK;
}

/* May the actor read the scope? */
static int scope_allowed(struct ctx *c, const struct scope *sc)
{
	const struct actor *a = c->actor;
	if (!a || (a->roles & ROLE_SYSADMIN))
		return E_OK;
	if ((a->roles & ROLE_SUPERVISOR) && *a->scope_region) {
		const char *like = access_region_like(c, a->scope_region);
		if (!strncmp(sc->region, like, strlen(like) - 1))
			return E_OK;
	}
	if (sc->kind != SCOPE_REGION && a->center_id == sc->center_id &&
	    ((a->roles & ROLE_CENTER_ADMIN) ||
	     (sc->kind != SCOPE_CENTER && a->unit_id == sc->unit_id)))
		return E_OK;
	return ctx_fail(c, E_FORBIDDEN, "scope", "无权查看该范围的统计");
}

/* The condition "in scope" on table alias t (whose item id column is item_col); binds one
 * parameter, *p. A region is its centers: center_id IN (…) is searched center by center. */
static const char *scope_cond(struct ctx *c, const struct scope *sc, const char *t,
			      const char *item_col, struct db_val *p)
{
	switch (sc->kind) {
	case SCOPE_REGION:
		*p = DBT(access_region_like(c, sc->region));
		return arena_printf(
		    c->arena, "%s.center_id IN (SELECT id FROM centers WHERE region_code LIKE ?)",
		    t);
	case SCOPE_CENTER: *p = DBI(sc->id); return arena_printf(c->arena, "%s.center_id = ?", t);
	case SCOPE_UNIT: *p = DBI(sc->id); return arena_printf(c->arena, "%s.unit_id = ?", t);
	default: *p = DBI(sc->id); return arena_printf(c->arena, "%s.%s = ?", t, item_col);
	}
}

/* The scope and period of a query, checked. */
struct query {
	struct scope sc;
	int32_t lo, hi;
};

static int query_parse(struct ctx *c, json_t *q, struct query *qy)
{
	const char *key = field_query(q, "scope");
	int rc;
	if ((rc = calendar_period(c, field_query(q, "from"), field_query(q, "to"), STATS_MAX_DAYS,
				  &qy->lo, &qy->hi)) < 0 ||
	    (!*key && (rc = scope_default(c, &key)) < 0) || (rc = scope_load(c, key, &qy->sc)) < 0)
		return rc;
	return scope_allowed(c, &qy->sc);
}

/* ---- totals and indicators ---- */

struct indicator {
	const char *key, *label, *num, *den, *unit;
};

static const struct indicator indicators[] = {
    {"onsite_rate", "现场办结率", "completed_onsite", "completed", "%"},
    {"instant_rate", "即时办结率", "completed_instant", "completed", "%"},
    {"ontime_rate", "按时办结率", "completed_ontime", "completed", "%"},
    {"early_rate", "提前办结率", "completed_early", "completed", "%"},
    {"promise_speedup_days", "承诺提速天数", "promise_speedup", NULL, "天"},
    {"promise_speedup_rate", "承诺提速率", "promise_speedup", "statutory_days_sum", "%"},
    {"handling_speedup_days", "办理提速天数", "handling_speedup", NULL, "天"},
    {"handling_speedup_rate", "办理提速率", "handling_speedup", "promised_days_sum", "%"},
    {"onsite_items", "现场办结项目总数", "onsite_items", NULL, "件"},
    {"entry_rate", "项目进入率", "items_entered", "items", "%"},
    {"authorization_rate", "项目授权率", "items_authorized", "items_entered", "%"},
    {"satisfaction_rate", "满意率", "rating_satisfied", "rated", "%"},
    {"rating_rate", "评议率", "rated", "picked_up", "%"},
    {"overtime_rate", "超时率", "completed_late", "completed", "%"},
};
#define NINDICATORS (sizeof(indicators) / sizeof(indicators[0]))

static int64_t get(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A rate in percent, rounded half away from zero to 0.01; null without a denominator. */
static json_t *rate(int64_t num, int64_t den)
{
	if (!den)
		return json_null();
	int64_t x = num * 10000;
	return json_real((double)((x >= 0 ? x + den / 2 : x - den / 2) / den) / 100.0);
}

/* Run a one-row query and put its columns into o under keys. */
static int sums_into(struct ctx *c, const char *sql, const struct db_val *p, int n,
		     const char *const *keys, json_t *o)
{
	struct db_res *r;
	int rc = db_query(c->db, &r, sql, p, n);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		for (int i = 0; keys[i]; i++)
			json_object_set_new(o, keys[i], json_integer(db_int(r, i)));
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* Everything a scope's figures are made of, as one flat object: the counters, the catalog
 * counts, and each indicator's value under its key. */
static int totals(struct ctx *c, const struct scope *sc, int32_t lo, int32_t hi, json_t **out)
{
	static const char *const catalog[] = {
	    "items", "items_entered", "items_authorized", "statutory_days_sum", "promise_speedup",
	    NULL};
	static const char *const onsite[] = {"onsite_items", NULL};
	struct buf sums = BUF_INIT(4096);
	struct db_val p[3] = {DBI(lo), DBI(hi)};
	const char *cond = scope_cond(c, sc, "d", "item_id", &p[2]);
	for (int i = 0; counters[i]; i++)
		buf_addf(&sums, "%sSUM(d.%s)", i ? ", " : "", counters[i]);
	/* a region's or a center's counters from the per-center rollup; the on-site items and
	 * a unit's or an item's counters from the per-item one */
	const char *where = arena_printf(c->arena, " d WHERE d.day BETWEEN ? AND ? AND %s", cond);
	json_t *o = json_pack("{s:s,s:s,s:s}", "scope", sc->key, "name", sc->name, "level",
			      level_names[sc->level]);
	int rc = sums_into(
	    c,
	    arena_printf(c->arena, "SELECT %s FROM %s%s", sums.buf,
			 sc->kind <= SCOPE_CENTER ? "stats_center_daily" : "stats_daily", where),
	    p, 3, counters, o);
	buf_release(&sums);
	if (rc == E_OK)
		rc = sums_into(c,
			       arena_printf(c->arena,
					    "SELECT COUNT(DISTINCT d.item_id) FROM stats_daily%s "
					    "AND d.completed_onsite > 0",
					    where),
			       p, 3, onsite, o);
	if (rc == E_OK)
		rc = sums_into(
		    c,
		    arena_printf(c->arena,
				 "SELECT COUNT(*), SUM(i.entered), SUM(i.authorized), "
				 "SUM(i.statutory_days), SUM(i.statutory_days - "
				 "i.promised_days) FROM items i WHERE i.disabled = 0 AND %s",
				 scope_cond(c, sc, "i", "id", &p[0])),
		    p, 1, catalog, o);
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	json_object_set_new(o, "handling_speedup",
			    json_integer(get(o, "promised_days_sum") - get(o, "used_days_sum")));
	for (size_t i = 0; i < NINDICATORS; i++) {
		const struct indicator *in = &indicators[i];
		json_object_set_new(o, in->key,
				    in->den ? rate(get(o, in->num), get(o, in->den))
					    : json_integer(get(o, in->num)));
	}
	*out = o;
	return E_OK;
}

/* The indicators of a totals object as the list of the API. */
static json_t *indicator_list(json_t *t)
{
	json_t *list = json_array();
	for (size_t i = 0; i < NINDICATORS; i++) {
		const struct indicator *in = &indicators[i];
		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:O,s:I,s:o,s:s}", "key", in->key, "label", in->label,
				    "value", json_object_get(t, in->key), "numerator",
				    (json_int_t)get(t, in->num), "denominator",
				    in->den ? json_integer(get(t, in->den)) : json_null(), "unit",
				    in->unit));
	}
	return list;
}

static json_t *head(const struct query *qy)
{
	char from[CALENDAR_DAY_LEN], to[CALENDAR_DAY_LEN];
	calendar_format_day(qy->lo, from);
	calendar_format_day(qy->hi, to);
	return json_pack("{s:s,s:s,s:s,s:s}", "scope", qy->sc.key, "scope_name", qy->sc.name,
			 "from", from, "to", to);
}

int stats_indicators(struct ctx *c, json_t *q, json_t **out)
{
	struct query qy;
	json_t *t;
	int rc;
	if ((rc = query_parse(c, q, &qy)) < 0 || (rc = totals(c, &qy.sc, qy.lo, qy.hi, &t)) < 0)
		return rc;
	*out = head(&qy);
	json_object_set_new(*out, "indicators", indicator_list(t));
	json_decref(t);
	return E_OK;
}

/* ---- children ---- */

/* The scopes one level below sc: a province's own centers and its cities, a city's or
 * county's centers, a center's units, a unit's items. */
static int children(struct ctx *c, const struct scope *sc, struct scope **out, size_t *n)
{
	static const char *const sql[] = {
	    "SELECT 'center:' || id, 0 FROM centers WHERE region_code = ? UNION ALL SELECT code, 1 "
	    "FROM regions WHERE parent = ? ORDER BY 2, 1",
	    "SELECT 'center:' || id FROM centers WHERE region_code LIKE ? ORDER BY region_code, id",
	    "SELECT 'unit:' || id FROM units WHERE center_id = ? ORDER BY id",
	    "SELECT 'item:' || id FROM items WHERE unit_id = ? AND disabled = 0 ORDER BY code"};
	int which = sc->kind == SCOPE_REGION ? (sc->level == 1 ? 0 : 1) : (int)sc->kind + 1;
	*n = 0;
	if (which > 3)
		return E_OK;
	struct db_val p[2];
	p[0] = p[1] = which == 0   ? DBT(sc->region)
		      : which == 1 ? DBT(access_region_like(c, sc->region))
				   : DBI(sc->id);
	struct db_res *r;
	int rc = db_query(c->db, &r, sql[which], p, which == 0 ? 2 : 1);
	if (rc < 0)
		return ctx_db(c, rc);
	*out = arena_alloc(c->arena, STATS_MAX_CHILDREN * sizeof(**out));
	while ((rc = db_next(r)) > 0 && *n < STATS_MAX_CHILDREN) {
		const char *key = arena_strdup(c->arena, db_text(r, 0));
		(*out)[(*n)++].key = key;
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	for (size_t i = 0; i < *n; i++)
		if ((rc = scope_load(c, (*out)[i].key, &(*out)[i])) < 0)
			return rc;
	return E_OK;
}

#define OPEN_CARDS                                                                                 \
	"SELECT SUM(CASE WHEN a.color = 'yellow' THEN 1 ELSE 0 END), SUM(CASE WHEN a.color = "     \
	"'red' THEN 1 ELSE 0 END) FROM cards a LEFT JOIN cases k ON k.id = a.case_id WHERE "       \
	"a.state = 'open' AND %s"

/* The open cases of a scope, how many of them are lit yellow and red now, and its open
 * (unconfirmed) yellow and red cards. */
static int lights(struct ctx *c, const struct scope *sc, json_t *o)
{
	static const char *const open_key[] = {"open", NULL};
	static const char *const card_keys[] = {"cards_yellow", "cards_red", NULL};
	struct calendar cal;
	struct db_val p[2];
	const char *cond = scope_cond(c, sc, "k", "item_id", &p[1]);
	int rc;
	if ((rc = sums_into(c,
			    arena_printf(c->arena,
					 "SELECT COUNT(*) FROM cases k WHERE k.state IN "
					 "('accepted', 'in_process') AND %s",
					 cond),
			    &p[1], 1, open_key, o)) < 0 ||
	    (rc = calendar_load(c, &cal)) < 0)
		return rc;
	int32_t until;
	if ((rc = case_lit_until(c, &cal, &until)) < 0)
		return rc;
	p[0] = DBI(until);
	int64_t yellow = 0, red = 0;
	if ((rc = case_count_lights(
		 c, &cal,
		 arena_printf(c->arena,
			      "SELECT k.due_day, COALESCE(k.paused_since, 0), "
			      "COALESCE(i.warn_days, ce.warn_days), COUNT(*) FROM cases k JOIN "
			      "items i ON i.id = k.item_id JOIN centers ce ON ce.id = "
			      "k.center_id WHERE k.state IN ('accepted', 'in_process') AND "
			      "k.due_day <= ? AND %s GROUP BY 1, 2, 3",
			      cond),
		 p, 2, &yellow, &red)) < 0)
		return rc;
	json_object_set_new(o, "yellow", json_integer(yellow));
	json_object_set_new(o, "red", json_integer(red));
	/* a card belongs to an item through its case */
	cond = sc->kind == SCOPE_ITEM ? scope_cond(c, sc, "k", "item_id", &p[0])
				      : scope_cond(c, sc, "a", NULL, &p[0]);
	return sums_into(c, arena_printf(c->arena, OPEN_CARDS, cond), p, 1, card_keys, o);
}

int stats_children(struct ctx *c, json_t *q, json_t **out)
{
	struct query qy;
	struct scope *kids = NULL;
	size_t n;
	int rc;
	if ((rc = query_parse(c, q, &qy)) < 0 || (rc = children(c, &qy.sc, &kids, &n)) < 0)
		return rc;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *t;
		if ((rc = totals(c, &kids[i], qy.lo, qy.hi, &t)) < 0)
			break;
		json_t *o =
		    json_pack("{s:s,s:s,s:s,s:o}", "scope", kids[i].key, "name", kids[i].name,
			      "level", level_names[kids[i].level], "indicators", indicator_list(t));
		json_decref(t);
		json_array_append_new(items, o);
		if ((rc = lights(c, &kids[i], o)) < 0)
			break;
	}
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = head(&qy);
	json_object_set_new(*out, "items", items);
	return E_OK;
}

/* ---- tables ---- */

struct column {
	const char *key, *label;
};

struct table {
	const char *name, *label;
	struct column cols[10]; /* ended by a NULL key */
};

static const struct table tables[] = {
    {"workload",
     "工作量统计",
     {{"applied", "申请"},
      {"accepted", "受理"},
      {"refused", "不予受理"},
      {"completed", "办结"},
      {"permitted", "许可"},
      {"picked_up", "取件"}}},
    {"efficiency",
     "效率统计",
     {{"completed", "办结"},
      {"onsite_rate", "现场办结率(%)"},
      {"instant_rate", "即时办结率(%)"},
      {"ontime_rate", "按时办结率(%)"},
      {"early_rate", "提前办结率(%)"},
      {"handling_speedup_days", "办理提速天数"},
      {"handling_speedup_rate", "办理提速率(%)"}}},
    {"overtime",
     "超时统计",
     {{"completed", "办结"},
      {"completed_ontime", "按时办结"},
      {"completed_late", "超时办结"},
      {"overtime_rate", "超时率(%)"}}},
    {"transfer",
     "转外统计",
     {{"completed", "办结"}, {"transfer_outs", "转外环节"}, {"transfer_days", "转外工作日"}}},
    {"satisfaction",
     "满意度统计",
     {{"picked_up", "取件"},
      {"rated", "评价"},
      {"rating_satisfied", "满意"},
      {"rating_bad", "差评"},
      {"satisfaction_rate", "满意率(%)"},
      {"rating_rate", "评议率(%)"}}},
    {"catalog",
     "事项目录统计",
     {{"items", "事项总数"},
      {"items_entered", "进驻中心"},
      {"items_authorized", "窗口授权"},
      {"entry_rate", "项目进入率(%)"},
      {"authorization_rate", "项目授权率(%)"},
      {"promise_speedup_days", "承诺提速天数"},
      {"promise_speedup_rate", "承诺提速率(%)"},
      {"onsite_items", "现场办结项目总数"}}},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* A row of table tb from totals t: the name, then each column's value. */
static json_t *table_row(const struct table *tb, json_t *t, const char *name)
{
	json_t *row = json_pack("{s:O,s:s}", "scope", json_object_get(t, "scope"), "name", name);
	for (const struct column *col = tb->cols; col->key; col++)
		json_object_set(row, col->key, json_object_get(t, col->key));
	return row;
}

int stats_table(struct ctx *c, const char *name, json_t *q, json_t **out)
{
	const struct table *tb = NULL;
	struct query qy;
	struct scope *kids = NULL;
	size_t n;
	json_t *t;
	int rc;
	for (size_t i = 0; i < NTABLES && !tb; i++)
		if (!strcmp(tables[i].name, name))
			tb = &tables[i];
	if (!tb)
		return ctx_fail(c, E_NOT_FOUND, NULL, "没有这张统计表");
	if ((rc = query_parse(c, q, &qy)) < 0 || (rc = children(c, &qy.sc, &kids, &n)) < 0)
		return rc;
	json_t *cols = json_pack("[{s:s,s:s}]", "key", "name", "label", "名称");
	for (const struct column *col = tb->cols; col->key; col++)
		json_array_append_new(cols,
				      json_pack("{s:s,s:s}", "key", col->key, "label", col->label));
	json_t *rows = json_array();
	for (size_t i = 0; i <= n; i++) {
		const struct scope *sc = i < n ? &kids[i] : &qy.sc;
		if ((rc = totals(c, sc, qy.lo, qy.hi, &t)) < 0)
			break;
		json_array_append_new(rows, table_row(tb, t, i < n ? sc->name : "合计"));
		json_decref(t);
	}
	if (rc < 0) {
		json_decref(cols);
		json_decref(rows);
		return rc;
	}
	*out = head(&qy);
	json_object_update_new(*out, json_pack("{s:s,s:s,s:o,s:o}", "name", tb->name, "label",
					       tb->label, "columns", cols, "rows", rows));
	return E_OK;
}

/* Write a table (stats_table's JSON) to the workbook (sheet_xlsx's fill). */
static int write_table(lxw_workbook *wb, void *arg)
{
	json_t *tb = arg, *cols = json_object_get(tb, "columns"), *row, *col;
	lxw_format *headf;
	lxw_worksheet *ws = sheet_add(wb, json_string_value(json_object_get(tb, "label")), &headf);
	size_t i, j;
	json_array_foreach(cols, j, col)
	{
		worksheet_write_string(ws, 0, (lxw_col_t)j,
				       json_string_value(json_object_get(col, "label")), headf);
		worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, j ? 14 : 30, NULL);
	}
	json_array_foreach(json_object_get(tb, "rows"), i, row)
	{
		json_array_foreach(cols, j, col)
		{
			json_t *v =
			    json_object_get(row, json_string_value(json_object_get(col, "key")));
			if (json_is_string(v))
				worksheet_write_string(ws, (lxw_row_t)i + 1, (lxw_col_t)j,
						       json_string_value(v), NULL);
			else if (json_is_number(v))
				worksheet_write_number(ws, (lxw_row_t)i + 1, (lxw_col_t)j,
						       json_number_value(v), NULL);
		}
	}
	return E_OK;
}

int stats_table_xlsx(struct ctx *c, const char *name, json_t *q, char **data, size_t *len)
{
	json_t *tb;
	int rc = stats_table(c, name, q, &tb);
	if (rc < 0)
		return rc;
	rc = sheet_xlsx(write_table, tb, data, len);
	json_decref(tb);
	return rc;
}
