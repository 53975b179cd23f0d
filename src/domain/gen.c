/*
 * gen.c - the synthetic province of `shenpi gen`; see gen.h.
 */
#include "domain/gen.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ids.h"
#include "domain/bulk.h"
#include "domain/calendar.h"
#include "domain/event.h"
#include "domain/stats.h"
#include "domain/user.h"

#define GEN_CHUNK	  10000 /* cases planned, then copied table by table */
#define GEN_UNITS	  10	/* per center */
#define GEN_ITEMS	  20	/* per unit */
#define GEN_MAX_STEPS	  6	/* accept, approve (+ parallel), transfer-out, approve, complete */
#define GEN_APPLICANTS	  4096
#define GEN_FOLLOWUP_DAYS 5 /* centers.followup_days default */

static const struct {
	const char *code, *name;
} cities[] = {
    {"510100", "成都市"},
    {"510300", "自贡市"},
    {"510400", "攀枝花市"},
    {"510500", "泸州市"},
    {"510600", "德阳市"},
    {"510700", "绵阳市"},
    {"510800", "广元市"},
    {"510900", "遂宁市"},
    {"511000", "内江市"},
    {"511100", "乐山市"},
    {"511300", "南充市"},
    {"511400", "眉山市"},
    {"511500", "宜宾市"},
    {"511600", "广安市"},
    {"511700", "达州市"},
    {"511800", "雅安市"},
    {"511900", "巴中市"},
    {"512000", "资阳市"},
    {"513200", "阿坝藏族羌族自治州"},
    {"513300", "甘孜藏族自治州"},
    {"513400", "凉山彝族自治州"},
};
#define NCITIES ((int)(sizeof(cities) / sizeof(cities[0])))

static const struct {
	const char *code, *name;
} depts[GEN_UNITS] = {
    {"fgj", "发展和改革局"},	     {"scj", "市场监督管理局"}, {"zjj", "住房和城乡建设局"},
    {"zrj", "自然资源局"},	     {"sthj", "生态环境局"},	{"jtj", "交通运输局"},
    {"wjw", "卫生健康委员会"},	     {"jyj", "教育局"},		{"gaj", "公安局"},
    {"rsj", "人力资源和社会保障局"},
};

static const char *const item_names[GEN_ITEMS] = {
    "许可证核发", "许可证变更", "许可证延续",	"许可证注销",	"备案",
    "登记",	  "资质认定",	"资质延续",	"年度核验",	"证明出具",
    "信息变更",	  "设立审批",	"初步设计审批", "竣工验收备案", "项目核准",
    "施工许可",	  "临时许可",	"补证",		"审核转报",	"注册登记",
};

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
				       "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊",
				    "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"};

struct gstep {
	int stage, seq, limit, tdays;
	const char *name, *kind;
	int64_t handler;
};

struct gitem {
	int64_t id;
	int statutory, promised, nsteps, nstages;
	struct gstep steps[GEN_MAX_STEPS];
};

struct gunit {
	int64_t id, clerk, handler[2];
	int dept;
};

struct gcenter {
	int64_t id, admin;
	char region[7];
	int serial; /* today's last number */
};

struct applicant {
	char name[16], id_no[19], phone[12];
};

struct gen {
	struct ctx *c;
	const struct gen_opts *o;
	struct calendar cal;
	uint64_t rng;
	time_t started;
	struct bulk bulk; /* the keys of the case tables, dropped for a first load */
	int32_t today;
	struct gcenter *centers;
	struct gunit *units;
	struct gitem *items;
	struct applicant *applicants;
	struct gcase *chunk;	      /* GEN_CHUNK cases being written */
	int64_t next_case, next_step; /* the ids the next case and case step get */
	int nregions, ncenters, nunits, nitems, nprocesses, nusers;
	int64_t ncases, nsteps, nopen, noverdue, nurges, nfollowups;
};

/* ---- randomness (xorshift64*, reproducible from the seed) ---- */

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ULL;
}

static int below(struct gen *g, int n)
{
	return (int)(rnd(g) % (uint64_t)n);
}

static double unit_rand(struct gen *g)
{
	return (double)(rnd(g) >> 11) / (double)(1ULL << 53);
}

/* ---- writing rows ---- */

static int put(struct gen *g, const char *sql, const struct db_val *p, int n)
{
	return ctx_db(g->c, db_exec(g->c->db, sql, p, n, NULL));
}

/* An INSERT … RETURNING id. */
static int put_id(struct gen *g, const char *sql, const struct db_val *p, int n, int64_t *id)
{
	return ctx_int(g->c, sql, p, n, id);
}

/* ---- the organisation and the catalog ---- */

static int region_put(struct gen *g, const char *code, const char *name, const char *parent,
		      int level)
{
	struct db_val p[] = {DBT(code), DBT(name), parent ? DBT(parent) : DBN, DBI(level)};
	g->nregions++;
	return put(g, "INSERT INTO regions (code, name, parent, level) VALUES (?, ?, ?, ?)", p, 4);
}

static int user_put(struct gen *g, const char *username, const char *name, unsigned roles,
		    int64_t center, int64_t unit, const char *scope, int in_center, int64_t *id)
{
	struct db_val p[] = {DBT(username),
			     DBT(name),
			     DBT(user_initial_hash()),
			     DBI(roles),
			     center ? DBI(center) : DBN,
			     unit ? DBI(unit) : DBN,
			     scope ? DBT(scope) : DBN,
			     DBI(in_center),
			     DBI(g->c->now)};
	g->nusers++;
	return put_id(g,
		      "INSERT INTO users (username, name, password_hash, roles, center_id, "
		      "unit_id, scope_region, in_center, must_change, created_at) VALUES (?, ?, "
		      "?, ?, ?, ?, ?, ?, 1, ?) RETURNING id",
		      p, 9, id);
}

/* The process of a promised item: accept, one or two approve stages (the first sometimes
 * with a parallel step), sometimes a transfer-out, complete; the stages' limits add up to
 * the promised days (DESIGN.md section 4). */
static void item_process(struct gen *g, struct gitem *it, const struct gunit *u)
{
	int p = it->promised, complete = p >= 3, rest = p - complete;
	int two = rest >= 4 && below(g, 2), first = two ? rest / 2 : rest, n = 0, stage = 1;
	struct gstep *s = it->steps;
	s[n++] = (struct gstep){stage++, 1, 0, 0, "窗口受理", "accept", 0};
	s[n++] = (struct gstep){stage, 1, first, 0, "材料审查", "approve", u->handler[0]};
	if (first >= 2 && below(g, 4) == 0)
		s[n++] = (struct gstep){stage,	    2,	       1 + below(g, first), 0,
					"现场核查", "approve", u->handler[1]};
	stage++;
	if (below(g, 6) == 0)
		s[n++] =
		    (struct gstep){stage++, 1, 0, 3 + below(g, 8), "专家评审", "transfer_out", 0};
	if (two)
		s[n++] = (struct gstep){stage++,    1,	       rest - first, 0,
					"审核决定", "approve", u->handler[1]};
	s[n++] = (struct gstep){stage, 1, complete, 0, "办结", "complete", 0};
	it->nsteps = n;
	it->nstages = stage;
}

static int item_put(struct gen *g, struct gitem *it, const struct gcenter *ce,
		    const struct gunit *u, int k)
{
	const char *ucode = depts[u->dept].code, *dname = depts[u->dept].name;
	static const int statutory[] = {5, 10, 15, 20, 20, 30, 45, 60};
	int immediate = below(g, 10) < 3, entered = below(g, 10) < 9;
	it->statutory = immediate ? 1 + below(g, 5) : statutory[below(g, 8)];
	it->promised = immediate ? 0 : 1 + (int)(it->statutory * (0.3 + 0.7 * unit_rand(g)));
	if (it->promised > it->statutory)
		it->promised = it->statutory;
	struct arena *a = g->c->arena;
	struct db_val p[] = {
	    DBI(ce->id),
	    DBI(u->id),
	    DBT(arena_printf(a, "%s-%s-%03d", ucode, immediate ? "JB" : "CN", k + 1)),
	    DBT(arena_printf(a, "%s%s", dname, item_names[k])),
	    DBT(immediate ? "immediate" : "promised"),
	    DBI(it->statutory),
	    DBI(it->promised),
	    DBI(entered),
	    DBI(entered && below(g, 10) < 8),
	    DBI(g->c->now),
	    DBI(g->c->now)};
	int rc = put_id(g,
			"INSERT INTO items (center_id, unit_id, code, name, kind, statutory_days, "
			"promised_days, entered, authorized, basis, fees, place_time, created_at, "
			"updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '相关法律法规', '不收费', "
			"'政务服务大厅，工作日9:00-17:00', ?, ?) RETURNING id",
			p, 11, &it->id);
	for (int m = 1; m <= 2 && rc == E_OK; m++) {
		struct db_val q[] = {DBI(it->id), DBI(m), DBT(m == 1 ? "申请书" : "申请人身份证明"),
				     DBT(m == 1 ? "original" : "copy")};
		rc = put(g,
			 "INSERT INTO item_materials (item_id, seq, name, form, copies, required) "
			 "VALUES (?, ?, ?, ?, 1, 1)",
			 q, 4);
	}
	if (rc < 0 || immediate)
		return rc;
	item_process(g, it, u);
	int64_t pid;
	struct db_val q[] = {DBI(it->id),
			     DBT(arena_printf(a, "%s%s审批流程", dname, item_names[k])),
			     DBI(g->c->now)};
	if ((rc = put_id(g,
			 "INSERT INTO processes (item_id, version, name, created_at) VALUES (?, 1, "
			 "?, ?) RETURNING id",
			 q, 3, &pid)) < 0)
		return rc;
	g->nprocesses++;
	for (int i = 0; i < it->nsteps && rc == E_OK; i++) {
		const struct gstep *s = &it->steps[i];
		struct db_val r[] = {DBI(pid),	    DBI(s->stage),
				     DBI(s->seq),   DBT(s->name),
				     DBT(s->kind),  s->handler ? DBI(s->handler) : DBN,
				     DBI(s->limit), DBT(s->tdays ? "组织专家评审" : ""),
				     DBI(s->tdays)};
		rc = put(
		    g,
		    "INSERT INTO process_steps (process_id, stage, seq, name, kind, handler_id, "
		    "limit_days, transfer_desc, transfer_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    r, 9);
	}
	return rc;
}

static int unit_put(struct gen *g, int ci, int k, const char *rname)
{
	struct gcenter *ce = &g->centers[ci];
	struct gunit *u = &g->units[g->nunits];
	struct arena *a = g->c->arena;
	int rc;
	g->nunits++;
	u->dept = k;
	struct db_val p[] = {DBI(ce->id), DBT(depts[k].code),
			     DBT(arena_printf(a, "%s%s", rname, depts[k].name)), DBI(g->c->now)};
	if ((rc = put_id(g,
			 "INSERT INTO units (center_id, code, name, created_at) VALUES (?, ?, ?, "
			 "?) RETURNING id",
			 p, 4, &u->id)) < 0)
		return rc;
	const char *pre = arena_printf(a, "gen%03du%02d", ci + 1, k + 1);
	if ((rc = user_put(g, arena_printf(a, "%sck", pre), "窗口受理员", ROLE_CLERK, ce->id, u->id,
			   NULL, 1, &u->clerk)) < 0)
		return rc;
	for (int h = 0; h < 2; h++)
		if ((rc = user_put(g, arena_printf(a, "%sh%d", pre, h + 1), h ? "审核员" : "承办员",
				   ROLE_HANDLER, ce->id, u->id, NULL, !h, &u->handler[h])) < 0)
			return rc;
	for (int i = 0; i < GEN_ITEMS && rc == E_OK; i++)
		rc = item_put(g, &g->items[g->nitems++], ce, u, i);
	return rc;
}

static int center_put(struct gen *g, const char *code, const char *rname)
{
	int ci = g->ncenters++, rc;
	struct gcenter *ce = &g->centers[ci];
	struct arena *a = g->c->arena;
	snprintf(ce->region, sizeof(ce->region), "%s", code);
	struct db_val p[] = {DBT(code), DBT(arena_printf(a, "%s政务服务中心", rname)),
			     DBT(arena_printf(a, "%s政务服务大厅", rname)), DBI(g->c->now)};
	if ((rc = put_id(g,
			 "INSERT INTO centers (region_code, name, address, phone, created_at) "
			 "VALUES (?, ?, ?, '028-12345678', ?) RETURNING id",
			 p, 4, &ce->id)) < 0 ||
	    (rc = user_put(g, arena_printf(a, "gen%03dadmin", ci + 1),
			   arena_printf(a, "%s中心管理员", rname), ROLE_CENTER_ADMIN, ce->id, 0,
			   NULL, 1, &ce->admin)) < 0)
		return rc;
	for (int k = 0; k < GEN_UNITS && rc == E_OK; k++)
		rc = unit_put(g, ci, k, rname);
	return rc;
}

/* The province, its cities, then counties round-robin over the cities, a center in each. */
static int org_put(struct gen *g)
{
	struct arena *a = g->c->arena;
	int64_t sup;
	int rc;
	if ((rc = region_put(g, "510000", "四川省", NULL, 1)) < 0 ||
	    (rc = center_put(g, "510000", "四川省")) < 0 ||
	    (rc = user_put(g, "genjc510000", "四川省监察局监察员", ROLE_SUPERVISOR, 0, 0, "510000",
			   0, &sup)) < 0)
		return rc;
	for (int i = 0; i < NCITIES && i + 1 < g->o->centers; i++)
		if ((rc = region_put(g, cities[i].code, cities[i].name, "510000", 2)) < 0 ||
		    (rc = center_put(g, cities[i].code, cities[i].name)) < 0)
			return rc;
	for (int j = 0; g->ncenters < g->o->centers; j++) {
		int city = j % NCITIES;
		const char *code = arena_printf(a, "%.4s%02d", cities[city].code, 2 + j / NCITIES);
		const char *name = arena_printf(a, "%s第%d县", cities[city].name, 1 + j / NCITIES);
		if ((rc = region_put(g, code, name, cities[city].code, 3)) < 0 ||
		    (rc = center_put(g, code, name)) < 0)
			return rc;
	}
	return E_OK;
}

/* A pool of applicants with valid ID numbers (GB 11643), reused across cases. */
static void applicants_make(struct gen *g)
{
	for (int i = 0; i < GEN_APPLICANTS; i++) {
		struct applicant *ap = &g->applicants[i];
		char raw[19];
		int y = 1950 + below(g, 55), m = 1 + below(g, 12), d = 1 + below(g, 28);
		snprintf(ap->name, sizeof(ap->name), "%s%s%s", surnames[below(g, 16)],
			 given[below(g, 16)], below(g, 2) ? given[below(g, 16)] : "");
		snprintf(ap->phone, sizeof(ap->phone), "139%08d", below(g, 100000000));
		snprintf(raw, sizeof(raw), "%.6s%04d%02d%02d%03d0", cities[below(g, NCITIES)].code,
			 y, m, d, below(g, 1000));
		/* the check character: the one of "0123456789X" the check accepts */
		for (const char *ch = "0123456789X"; *ch; ch++) {
			raw[17] = *ch;
			if (ids_check_id_card(raw, ap->id_no, NULL) == E_OK)
				break;
		}
	}
}

/* ---- cases ---- */

/* One case as it will be written. */
struct gcase {
	const struct gitem *it;
	const struct gunit *u;
	const struct gcenter *ce;
	const struct applicant *ap;
	const char *state, *note, *doc_no, *opinion, *comment;
	int64_t created_at, accepted_at, decided_at, completed_at, picked_up_at;
	int32_t applied, accepted, due, paused_since, completed, picked;
	int paused_days, rating, permitted, urged;
	int serial, was_accepted, open, overdue, urge_answered, followup_answered;
	int64_t id, step_id; /* its id and its first step's, given up front */
	/* the steps: their state, days and times */
	struct {
		const char *state;
		int32_t started, due, out;
		int64_t started_at, finished_at;
	} s[GEN_MAX_STEPS];
	int active; /* index of the first step of the active stage, -1 = none */
};

/* A time on `day` that grows with the stage, so that the steps of one day stay in order. */
static int64_t at(int32_t day, int stage)
{
	return calendar_day_start(day) + 9 * 3600 + stage * 1800;
}

static int32_t add(struct gen *g, int32_t day, int n)
{
	return calendar_add_workdays(&g->cal, day,
				     n > CALENDAR_MAX_WORKDAYS ? CALENDAR_MAX_WORKDAYS : n);
}

/* Walk the process of a promised case accepted on k->accepted: each stage takes its limit
 * times the case's speed f; the stage still under way on today is the active one. */
static void case_steps_plan(struct gen *g, struct gcase *k, double f)
{
	const struct gitem *it = k->it;
	struct calendar_pause pauses[GEN_MAX_STEPS];
	size_t np = 0;
	int32_t start = k->accepted;
	int64_t start_at = k->accepted_at;
	k->active = -1;
	for (int stage = 1, i = 0; stage <= it->nstages; stage++) {
		int first = i;
		int32_t end = start;
		int64_t end_at = start_at;
		for (; i < it->nsteps && it->steps[i].stage == stage; i++) {
			const struct gstep *s = &it->steps[i];
			int out = !strcmp(s->kind, "transfer_out");
			int limit = out ? s->tdays : s->limit;
			double speed = out ? 0.5 + 0.8 * unit_rand(g) : f;
			int32_t fin =
			    stage == 1 ? start : add(g, start, (int)(limit * speed + 0.999));
			k->s[i].started = start;
			k->s[i].started_at = start_at;
			k->s[i].due = add(g, start, limit);
			k->s[i].out = out ? start : 0;
			k->s[i].finished_at = stage == 1 ? start_at : at(fin, stage);
			if (fin > end)
				end = fin;
			if (k->s[i].finished_at > end_at)
				end_at = k->s[i].finished_at;
			if (out && fin <= g->today)
				pauses[np++] = (struct calendar_pause){start, fin};
		}
		if (k->active < 0 && end > g->today) {
			k->active = first;
			for (int j = first; j < i; j++) {
				k->s[j].state = k->s[j].out ? "out" : "active";
				if (k->s[j].out)
					k->paused_since = start;
			}
		} else if (k->active < 0) {
			for (int j = first; j < i; j++)
				k->s[j].state = "done";
		} else {
			for (int j = first; j < i; j++)
				k->s[j].state = "waiting";
		}
		start = end;
		start_at = end_at;
	}
	k->due = calendar_deadline(&g->cal, k->accepted, it->promised, pauses, np);
	k->paused_days = calendar_paused_workdays(&g->cal, k->accepted, pauses, np);
	if (k->active < 0) {
		k->completed = start;
		k->completed_at = start_at;
	}
}

/* The state of a case applied on `day`, by its age: refused, withdrawn, supplement, or
 * accepted and on through its steps to completion and pickup. */
static void case_plan(struct gen *g, struct gcase *k)
{
	double r = unit_rand(g);
	k->accepted = k->applied;
	k->accepted_at = k->created_at + 300 + below(g, 1500);
	if (r < 0.055) {
		k->state = r < 0.05 ? "refused" : "withdrawn";
		k->note = r < 0.05 ? "申请材料不符合法定形式，不予受理" : "申请人主动撤回";
		k->decided_at = k->created_at + 600;
		return;
	}
	if (r < 0.08) { /* a one-time notice; accepted once the materials came */
		k->note = "请补正申请人身份证明";
		k->decided_at = k->created_at + 600;
		k->accepted = add(g, k->applied, 1 + below(g, 3));
		k->accepted_at = at(k->accepted, 0);
		if (k->accepted > g->today) {
			k->state = "supplement";
			return;
		}
	}
	if (!k->it->promised) {
		k->due = k->completed = k->accepted;
		k->completed_at = k->accepted_at + 600 + below(g, 1800);
	} else {
		double u = unit_rand(g);
		/* stuck (never finished), late, or in time */
		double f = u < 0.0025 ? 1e4
			   : u < 0.06 ? 1.1 + 0.6 * unit_rand(g)
				      : 0.2 + 0.8 * unit_rand(g);
		case_steps_plan(g, k, f);
		if (k->active >= 0) {
			k->state = "in_process";
			return;
		}
	}
	k->permitted = below(g, 100) < 97;
	k->opinion = k->permitted ? "经审查，符合条件，准予许可" : "经审查，不符合条件，不予许可";
	k->doc_no = below(g, 5) ? "无批文号" : "川审批〔2026〕1号";
	k->picked = add(g, k->completed, below(g, 5) < 3 ? 0 : 1 + below(g, 3));
	if (k->picked > g->today) {
		k->state = "completed";
		return;
	}
	/* 好差评: 60% 非常满意, 25% 满意, 10% 基本满意, 5% 差评 */
	static const int ratings[] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 2,
				      1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3};
	k->state = "picked_up";
	k->picked_up_at = k->picked == k->completed ? k->completed_at + 1800 : at(k->picked, 1);
	k->rating = ratings[below(g, (int)(sizeof(ratings) / sizeof(ratings[0])))];
	k->comment = k->rating >= 4 ? "办事效率高" : k->rating == 3 ? "" : "等待时间太长";
}

/* The day of the urge on an overdue case: the working day after its deadline, or today. */
static int32_t urge_day(struct gen *g, const struct gcase *k)
{
	int32_t day = add(g, k->due, 1);
	return day < g->today ? day : g->today;
}

/* The rest of a case's plan, drawn in the order its rows are written: whether it is urged,
 * whether the urge and the follow-up were answered; its number and ids. */
static void case_finish(struct gen *g, struct gcase *k)
{
	k->serial = ++g->centers[k->ce - g->centers].serial;
	k->was_accepted = strcmp(k->state, "supplement") && strcmp(k->state, "refused") &&
			  strcmp(k->state, "withdrawn");
	k->open = !strcmp(k->state, "in_process");
	k->overdue = k->open && !k->paused_since && k->due < g->today;
	k->urged = k->overdue && below(g, 5) == 0;
	if (k->urged) {
		int32_t reply_by = add(g, urge_day(g, k), 3);
		k->urge_answered = reply_by < g->today && below(g, 10) < 6;
		g->nurges++;
	}
	if (k->rating && k->rating <= 2) {
		int32_t due = add(g, k->picked, GEN_FOLLOWUP_DAYS);
		k->followup_answered = below(g, 100) < (due < g->today ? 85 : 30);
		g->nfollowups++;
	}
	k->id = g->next_case++;
	k->step_id = g->next_step;
	if (k->was_accepted) {
		g->next_step += k->it->nsteps;
		g->nsteps += k->it->nsteps;
	}
	g->ncases++;
	g->nopen += k->open;
	g->noverdue += k->overdue;
}

static struct db_val nz(int64_t v)
{
	return v ? DBI(v) : DBN;
}

#define CASE_COLUMNS                                                                               \
	"id, no, center_id, unit_id, item_id, item_kind, statutory_days, promised_days, "          \
	"process_version, state, applicant_kind, applicant_name, applicant_id_no, "                \
	"applicant_phone, created_by, created_at, applied_day, accepted_by, accepted_at, "         \
	"accepted_day, due_day, paused_since, paused_days, decision_note, decided_at, "            \
	"completed_by, completed_at, completed_day, permitted, doc_no, opinion, picked_up_by, "    \
	"picked_up_at, no_id_card, rating, rating_comment, urged, updated_at"

static int case_row(struct gen *g, const struct gcase *k)
{
	int y, m, d;
	char no[32];
	calendar_day_ymd(k->applied, &y, &m, &d);
	snprintf(no, sizeof(no), "%s-%04d%02d%02d-%06d", k->ce->region, y, m, d, k->serial);
	int accepted = k->was_accepted, done = k->completed_at && !k->open;
	int64_t updated = k->picked_up_at ? k->picked_up_at
			  : done	  ? k->completed_at
			  : accepted	  ? k->accepted_at
			  : k->decided_at ? k->decided_at
					  : k->created_at;
	struct db_val p[] = {DBI(k->id),
			     DBT(no),
			     DBI(k->ce->id),
			     DBI(k->u->id),
			     DBI(k->it->id),
			     DBT(k->it->promised ? "promised" : "immediate"),
			     DBI(k->it->statutory),
			     DBI(k->it->promised),
			     DBI(accepted && k->it->promised ? 1 : 0),
			     DBT(k->state),
			     DBT("person"),
			     DBT(k->ap->name),
			     DBT(k->ap->id_no),
			     DBT(k->ap->phone),
			     DBI(k->u->clerk),
			     DBI(k->created_at),
			     DBI(k->applied),
			     accepted ? DBI(k->u->clerk) : DBN,
			     accepted ? DBI(k->accepted_at) : DBN,
			     accepted ? DBI(k->accepted) : DBN,
			     accepted ? DBI(k->due) : DBN,
			     nz(k->paused_since),
			     DBI(k->paused_days),
			     DBT(k->note ? k->note : ""),
			     nz(k->decided_at),
			     done ? DBI(k->u->clerk) : DBN,
			     done ? DBI(k->completed_at) : DBN,
			     done ? DBI(k->completed) : DBN,
			     done ? DBI(k->permitted) : DBN,
			     done ? DBT(k->doc_no) : DBN,
			     done ? DBT(k->opinion) : DBN,
			     k->rating ? DBI(k->u->clerk) : DBN,
			     nz(k->picked_up_at),
			     k->rating ? DBI(0) : DBN,
			     nz(k->rating),
			     k->rating ? DBT(k->comment) : DBN,
			     DBI(k->urged),
			     DBI(updated)};
	return db_copy_row(g->c->db, p, (int)(sizeof(p) / sizeof(p[0])));
}

#define MATERIAL_COLUMNS "case_id, seq, name, form, copies, required, present"

static int materials_rows(struct gen *g, const struct gcase *k)
{
	int rc = DB_OK;
	for (int i = 1; i <= 2 && rc == DB_OK; i++) {
		struct db_val q[] = {DBI(k->id),
				     DBI(i),
				     DBT(i == 1 ? "申请书" : "申请人身份证明"),
				     DBT(i == 1 ? "original" : "copy"),
				     DBI(1),
				     DBI(1),
				     DBI(i == 1 || strcmp(k->state, "supplement"))};
		rc = db_copy_row(g->c->db, q, 7);
	}
	return rc;
}

#define STEP_COLUMNS                                                                               \
	"id, case_id, center_id, unit_id, item_id, stage, seq, name, kind, handler_id, "           \
	"limit_days, transfer_desc, transfer_days, state, started_at, started_day, due_day, "      \
	"out_day, finished_at, finished_by, opinion"

static int steps_rows(struct gen *g, const struct gcase *k)
{
	int rc = DB_OK;
	for (int i = 0; k->was_accepted && i < k->it->nsteps && rc == DB_OK; i++) {
		const struct gstep *s = &k->it->steps[i];
		int waiting = !strcmp(k->s[i].state, "waiting"),
		    fin = !strcmp(k->s[i].state, "done");
		struct db_val q[] = {DBI(k->step_id + i),
				     DBI(k->id),
				     DBI(k->ce->id),
				     DBI(k->u->id),
				     DBI(k->it->id),
				     DBI(s->stage),
				     DBI(s->seq),
				     DBT(s->name),
				     DBT(s->kind),
				     nz(s->handler),
				     DBI(s->limit),
				     DBT(s->tdays ? "组织专家评审" : ""),
				     DBI(s->tdays),
				     DBT(k->s[i].state),
				     waiting ? DBN : DBI(k->s[i].started_at),
				     waiting ? DBN : DBI(k->s[i].started),
				     waiting ? DBN : DBI(k->s[i].due),
				     waiting ? DBN : nz(k->s[i].out),
				     fin ? DBI(k->s[i].finished_at) : DBN,
				     fin ? DBI(s->handler ? s->handler : k->u->clerk) : DBN,
				     DBT(fin ? "同意" : "")};
		rc = db_copy_row(g->c->db, q, (int)(sizeof(q) / sizeof(q[0])));
	}
	return rc;
}

#define URGE_COLUMNS                                                                               \
	"center_id, unit_id, case_id, step_id, to_user, kind, message, reply_by, created_by, "     \
	"created_at, answer, answered_by, answered_at"

/* An urge of the center's admin on an overdue case, at its active step. */
static int urge_rows(struct gen *g, const struct gcase *k)
{
	if (!k->urged)
		return DB_OK;
	int32_t day = urge_day(g, k);
	int answered = k->urge_answered;
	int64_t to = k->it->steps[k->active].handler;
	struct db_val p[] = {DBI(k->ce->id),
			     DBI(k->u->id),
			     DBI(k->id),
			     DBI(k->step_id + k->active),
			     to ? DBI(to) : DBN,
			     DBT("supervise"),
			     DBT("办件已超期，请加快办理"),
			     DBI(add(g, day, 3)),
			     DBI(k->ce->admin),
			     DBI(at(day, 0)),
			     answered ? DBT("已加快办理") : DBN,
			     answered ? DBI(to ? to : k->u->clerk) : DBN,
			     answered ? DBI(at(day, 2)) : DBN};
	return db_copy_row(g->c->db, p, (int)(sizeof(p) / sizeof(p[0])));
}

#define FOLLOWUP_COLUMNS                                                                           \
	"case_id, center_id, unit_id, due_day, created_at, answer, answered_by, answered_at"

/* The follow-up of a bad rating. */
static int followup_rows(struct gen *g, const struct gcase *k)
{
	if (!k->rating || k->rating > 2)
		return DB_OK;
	int answered = k->followup_answered;
	struct db_val p[] = {DBI(k->id),
			     DBI(k->ce->id),
			     DBI(k->u->id),
			     DBI(add(g, k->picked, GEN_FOLLOWUP_DAYS)),
			     DBI(k->picked_up_at),
			     answered ? DBT("已联系申请人说明情况并整改") : DBN,
			     answered ? DBI(k->u->clerk) : DBN,
			     answered ? DBI(k->picked_up_at + 86400) : DBN};
	return db_copy_row(g->c->db, p, 8);
}

/* The tables a case writes rows to, in the order of their foreign keys. */
#define NCASE_TABLES 5
static const char *const case_table_names[NCASE_TABLES] = {"cases", "case_materials", "case_steps",
							   "urges", "followups"};
static const struct {
	const char *columns;
	int (*rows)(struct gen *g, const struct gcase *k);
} case_tables[NCASE_TABLES] = {
    {CASE_COLUMNS, case_row},  {MATERIAL_COLUMNS, materials_rows}, {STEP_COLUMNS, steps_rows},
    {URGE_COLUMNS, urge_rows}, {FOLLOWUP_COLUMNS, followup_rows},
};

/* Copy the rows of n planned cases, table by table. */
static int chunk_put(struct gen *g, const struct gcase *ks, int n)
{
	int rc = E_OK;
	for (int t = 0; t < NCASE_TABLES && rc == E_OK; t++) {
		int copy = db_copy_begin(g->c->db, case_table_names[t], case_tables[t].columns);
		for (int i = 0; i < n && copy == DB_OK; i++)
			copy = case_tables[t].rows(g, &ks[i]);
		int end = db_copy_end(g->c->db);
		if (copy < 0 || end < 0)
			rc = ctx_db(g->c, end);
	}
	return rc;
}

/* The n cases applied on `day`, GEN_CHUNK at a time; then the day's serials, so that real
 * applications continue the sequence. */
static int day_cases(struct gen *g, int32_t day, int64_t n)
{
	int rc = E_OK;
	for (int64_t done = 0; done < n && rc == E_OK;) {
		int m = n - done < GEN_CHUNK ? (int)(n - done) : GEN_CHUNK;
		for (int i = 0; i < m; i++) {
			struct gcase *k = &g->chunk[i];
			*k = (struct gcase){0};
			k->ce = &g->centers[below(g, g->ncenters)];
			k->u = &g->units[(k->ce - g->centers) * GEN_UNITS + below(g, GEN_UNITS)];
			k->it = &g->items[(k->u - g->units) * GEN_ITEMS + below(g, GEN_ITEMS)];
			k->ap = &g->applicants[below(g, GEN_APPLICANTS)];
			k->applied = day;
			k->created_at = at(day, 0) - 1800 + below(g, 7 * 3600);
			case_plan(g, k);
			case_finish(g, k);
			if (g->o->progress && g->ncases % 100000 == 0)
				fprintf(g->o->progress, "gen: %lld/%lld cases\n",
					(long long)g->ncases, (long long)g->o->cases);
		}
		rc = chunk_put(g, g->chunk, m);
		done += m;
	}
	if (rc < 0)
		return rc;
	int copy = db_copy_begin(g->c->db, "serials", "center_id, kind, day, last");
	for (int i = 0; i < g->ncenters && copy == DB_OK; i++) {
		if (!g->centers[i].serial)
			continue;
		struct db_val p[] = {DBI(g->centers[i].id), DBT("case"), DBI(day),
				     DBI(g->centers[i].serial)};
		copy = db_copy_row(g->c->db, p, 4);
		g->centers[i].serial = 0;
	}
	int end = db_copy_end(g->c->db);
	return copy < 0 || end < 0 ? ctx_db(g->c, end) : E_OK;
}

/* The cases over the working days of the last o->days days, spread evenly. */
static int cases_put(struct gen *g)
{
	int32_t first = g->today - g->o->days + 1;
	int64_t workdays = 0;
	for (int32_t d = first; d <= g->today; d++)
		workdays += calendar_is_workday(&g->cal, d);
	if (!workdays)
		return E_OK;
	int64_t base = g->o->cases / workdays, extra = g->o->cases % workdays;
	int rc = E_OK;
	for (int32_t d = first; d <= g->today && rc == E_OK; d++)
		if (calendar_is_workday(&g->cal, d))
			rc = day_cases(g, d, base + (extra-- > 0));
	return rc;
}

static int generate(struct gen *g, json_t **out)
{
	struct db_val p[] = {DBT("510000")};
	int64_t exists = 0;
	int rc;
	if ((rc = ctx_int(g->c, "SELECT COUNT(*) FROM regions WHERE code = ?", p, 1, &exists)) < 0)
		return rc;
	if (exists)
		return ctx_fail(g->c, E_DUPLICATE, NULL, "区划510000已存在，请在新数据库中生成");
	if ((rc = calendar_load(g->c, &g->cal)) < 0 || (rc = org_put(g)) < 0)
		return rc;
	if (g->o->progress)
		fprintf(g->o->progress, "gen: %d centers, %d units, %d items, %d users\n",
			g->ncenters, g->nunits, g->nitems, g->nusers);
	applicants_make(g);
	if ((rc = ctx_int(g->c, "SELECT COALESCE(MAX(id), 0) + 1 FROM cases", NULL, 0,
			  &g->next_case)) < 0 ||
	    (rc = ctx_int(g->c, "SELECT COALESCE(MAX(id), 0) + 1 FROM case_steps", NULL, 0,
			  &g->next_step)) < 0 ||
	    (rc = bulk_drop(g->c, case_table_names, NCASE_TABLES, &g->bulk)) < 0 ||
	    (rc = cases_put(g)) < 0 ||
	    (rc = bulk_build(g->c, &g->bulk, g->o->progress, g->started)) < 0)
		return rc;
	if (g->o->progress)
		fprintf(g->o->progress, "gen: statistics rollups\n");
	if ((rc = stats_rebuild(g->c)) < 0)
		return rc;
	*out = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I}", "regions",
			 g->nregions, "centers", g->ncenters, "units", g->nunits, "items",
			 g->nitems, "processes", g->nprocesses, "users", g->nusers, "cases",
			 (json_int_t)g->ncases, "case_steps", (json_int_t)g->nsteps, "open",
			 (json_int_t)g->nopen, "overdue", (json_int_t)g->noverdue, "urges",
			 (json_int_t)g->nurges, "followups", (json_int_t)g->nfollowups);
	json_t *ev = json_deep_copy(*out);
	json_object_set_new(ev, "seed", json_integer((json_int_t)g->o->seed));
	json_object_set_new(ev, "days", json_integer(g->o->days));
	return event_append(g->c, 0, 0, "gen", ev);
}

int gen_run(struct ctx *c, const struct gen_opts *o, json_t **out)
{
	struct gen g = {.c = c,
			.o = o,
			.rng = o->seed ? o->seed : 0x5EED,
			.today = calendar_day_of(c->now),
			.started = time(NULL)};
	int sqlite = db_file(c->db) != NULL, rc;
	*out = NULL;
	g.centers = calloc((size_t)o->centers, sizeof(*g.centers));
	g.units = calloc((size_t)o->centers * GEN_UNITS, sizeof(*g.units));
	g.items = calloc((size_t)o->centers * GEN_UNITS * GEN_ITEMS, sizeof(*g.items));
	g.applicants = calloc(GEN_APPLICANTS, sizeof(*g.applicants));
	g.chunk = calloc(GEN_CHUNK, sizeof(*g.chunk));
	if (!g.centers || !g.units || !g.items || !g.applicants || !g.chunk) {
		rc = ctx_fail(c, E_INTERNAL, NULL, "内存不足");
		goto out;
	}
	/* a crash during gen loses only generated data: no need to sync the commit; a large
	 * page cache keeps the tables' pages and the inserts into the case numbers' index off
	 * the disk. That cache grows a page at a time through the one transaction, and glibc's
	 * default gave the top of the heap back to the system after nearly every row and took
	 * it again (50,000 cases: 89 s, most of it in brk, instead of 12 s) */
	if (sqlite)
		mallopt(M_TRIM_THRESHOLD, 1 << 30);
	if (sqlite &&
	    ((rc = ctx_db(c, db_exec(c->db, "PRAGMA synchronous=OFF", NULL, 0, NULL))) < 0 ||
	     (rc = ctx_db(c, db_exec(c->db, "PRAGMA cache_size=-1000000", NULL, 0, NULL))) < 0))
		goto out;
	if ((rc = ctx_db(c, db_begin_write(c->db))) < 0)
		goto out;
	if ((rc = generate(&g, out)) == E_OK)
		rc = ctx_db(c, db_commit(c->db));
	else
		db_rollback(c->db);
	if (sqlite) {
		db_exec(c->db, "PRAGMA synchronous=FULL", NULL, 0, NULL);
		db_exec(c->db, "PRAGMA cache_size=-2000", NULL, 0, NULL);
	}
out:
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	free(g.centers);
	free(g.units);
	free(g.items);
	free(g.applicants);
	free(g.chunk);
	bulk_release(&g.bulk);
	return rc;
}
