/*
 * exchange.c - `shenpi import` and `shenpi export`: the exchange folder of docs/import.md;
 * see exchange.h.
 *
 * Each file is described once by its columns (name, JSON field, type); the import reads a
 * row into those columns and either builds the JSON object of the domain call that creates
 * the record (small tables) or binds the values straight into an INSERT (units, cases and
 * their steps, where a million rows must load in minutes), and the export selects the same
 * columns in the same order and formats them by the same types.
 */
#include "domain/exchange.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/buf.h"
#include "core/csv.h"
#include "domain/bulk.h"
#include "domain/calendar.h"
#include "domain/catalog.h"
#include "domain/event.h"
#include "domain/field.h"
#include "domain/org.h"
#include "domain/process.h"
#include "domain/stats.h"
#include "domain/user.h"

#define MAX_COLS    40
#define MAX_KEY	    64	/* characters of an old key or an old case number */
#define BATCH_ROWS  100 /* rows of cases and steps in one INSERT */
#define BATCH_WIDTH 42	/* the most values a row of them binds */

/* ---- the files ---- */

/* What an id column refers to; the name is import_keys.kind. */
enum kind { K_CENTER, K_UNIT, K_USER, K_ITEM, K_PROCESS, K_CASE, K_N };
static const char *const kind_names[K_N] = {"center", "unit", "user", "item", "process", "case"};
static const char *const kind_files[K_N] = {"centers.csv", "units.csv",	    "users.csv",
					    "items.csv",   "processes.csv", "cases.csv"};

/* Column types: text, integer, 0/1, a reference by old key, roles "a|b", a day
 * (YYYY-MM-DD), a time (YYYY-MM-DD HH:MM:SS, Beijing time). */
enum ctype { T_TEXT, T_INT, T_BOOL, T_REF, T_ROLES, T_DAY, T_TIME };

struct xcol {
	const char *name;
	const char *json; /* the field of the domain call (NULL: none) */
	enum ctype type;
	enum kind ref; /* T_REF */
	int required;
};

struct xfile {
	const char *name;
	const struct xcol *cols;
	int ncols;
	const char *export_sql; /* the columns in order */
};

/* The key a record is exported under; col must be qualified (ik has an id too). */
#define KEY_OF(kind, col)                                                                          \
	"COALESCE((SELECT ik.old_key FROM import_keys ik WHERE ik.kind = '" kind                   \
	"' AND ik.id = " col "), CAST(" col " AS TEXT))"

enum { RG_CODE, RG_NAME };
static const struct xcol region_cols[] = {{"code", "code", T_TEXT, 0, 1},
					  {"name", "name", T_TEXT, 0, 1}};

enum { CE_ID, CE_REGION, CE_NAME, CE_ADDRESS, CE_PHONE, CE_WARN, CE_FOLLOWUP, CE_DISABLED };
static const struct xcol center_cols[] = {{"id", NULL, T_TEXT, 0, 1},
					  {"region_code", "region_code", T_TEXT, 0, 1},
					  {"name", "name", T_TEXT, 0, 1},
					  {"address", "address", T_TEXT, 0, 0},
					  {"phone", "phone", T_TEXT, 0, 0},
					  {"warn_days", "warn_days", T_INT, 0, 0},
					  {"followup_days", "followup_days", T_INT, 0, 0},
					  {"disabled", "disabled", T_BOOL, 0, 0}};

enum { UN_ID, UN_CENTER, UN_CODE, UN_NAME, UN_DISABLED };
static const struct xcol unit_cols[] = {{"id", NULL, T_TEXT, 0, 1},
					{"center", NULL, T_REF, K_CENTER, 1},
					{"code", NULL, T_TEXT, 0, 1},
					{"name", NULL, T_TEXT, 0, 1},
					{"disabled", NULL, T_BOOL, 0, 0}};

enum {
	US_ID,
	US_USERNAME,
	US_NAME,
	US_ROLES,
	US_CENTER,
	US_UNIT,
	US_SCOPE,
	US_IN_CENTER,
	US_PHONE,
	US_DISABLED
};
static const struct xcol user_cols[] = {{"id", NULL, T_TEXT, 0, 1},
					{"username", "username", T_TEXT, 0, 1},
					{"name", "name", T_TEXT, 0, 1},
					{"roles", "roles", T_ROLES, 0, 1},
					{"center", "center_id", T_REF, K_CENTER, 0},
					{"unit", "unit_id", T_REF, K_UNIT, 0},
					{"scope_region", "scope_region", T_TEXT, 0, 0},
					{"in_center", "in_center", T_BOOL, 0, 0},
					{"phone", "phone", T_TEXT, 0, 0},
					{"disabled", "disabled", T_BOOL, 0, 0}};

enum { IT_ID, IT_UNIT, IT_CODE };
static const struct xcol item_cols[] = {{"id", NULL, T_TEXT, 0, 1},
					{"unit", "unit_id", T_REF, K_UNIT, 1},
					{"code", "code", T_TEXT, 0, 1},
					{"name", "name", T_TEXT, 0, 1},
					{"kind", "kind", T_TEXT, 0, 1},
					{"statutory_days", "statutory_days", T_INT, 0, 1},
					{"promised_days", "promised_days", T_INT, 0, 0},
					{"warn_days", "warn_days", T_INT, 0, 0},
					{"entered", "entered", T_BOOL, 0, 0},
					{"authorized", "authorized", T_BOOL, 0, 0},
					{"investment", "investment", T_BOOL, 0, 0},
					{"disabled", "disabled", T_BOOL, 0, 0},
					{"basis", "basis", T_TEXT, 0, 0},
					{"conditions", "conditions", T_TEXT, 0, 0},
					{"fees", "fees", T_TEXT, 0, 0},
					{"place_time", "place_time", T_TEXT, 0, 0}};

static const struct xcol material_cols[] = {
    {"item", NULL, T_TEXT, 0, 1},	    {"name", "name", T_TEXT, 0, 1},
    {"form", "form", T_TEXT, 0, 0},	    {"copies", "copies", T_INT, 0, 0},
    {"required", "required", T_BOOL, 0, 0}, {"notes", "notes", T_TEXT, 0, 0}};

enum { PR_ID, PR_ITEM, PR_NAME };
static const struct xcol process_cols[] = {
    {"id", NULL, T_TEXT, 0, 1}, {"item", NULL, T_REF, K_ITEM, 1}, {"name", "name", T_TEXT, 0, 0}};

static const struct xcol pstep_cols[] = {{"process", NULL, T_TEXT, 0, 1},
					 {"stage", "stage", T_INT, 0, 1},
					 {"name", "name", T_TEXT, 0, 1},
					 {"kind", "kind", T_TEXT, 0, 1},
					 {"handler", "handler_id", T_REF, K_USER, 0},
					 {"limit_days", "limit_days", T_INT, 0, 0},
					 {"transfer_desc", "transfer_desc", T_TEXT, 0, 0},
					 {"transfer_days", "transfer_days", T_INT, 0, 0},
					 {"remarks", "remarks", T_TEXT, 0, 0}};

enum {
	CA_OLD_NO,
	CA_ITEM,
	CA_STATE,
	CA_AKIND,
	CA_ANAME,
	CA_AID,
	CA_APHONE,
	CA_AADDR,
	CA_CNAME,
	CA_CID,
	CA_CPHONE,
	CA_SUMMARY,
	CA_CREATED_BY,
	CA_APPLIED_AT,
	CA_ACCEPTED_BY,
	CA_ACCEPTED_AT,
	CA_DUE,
	CA_PAUSED_SINCE,
	CA_PAUSED_DAYS,
	CA_NOTE,
	CA_DECIDED_AT,
	CA_COMPLETED_BY,
	CA_COMPLETED_AT,
	CA_PERMITTED,
	CA_DOC_NO,
	CA_OPINION,
	CA_PICKED_BY,
	CA_PICKED_AT,
	CA_NO_ID_CARD,
	CA_RATING,
	CA_RATING_COMMENT,
	CA_N
};
static const struct xcol case_cols[CA_N] = {{"old_no", NULL, T_TEXT, 0, 1},
					    {"item", NULL, T_REF, K_ITEM, 1},
					    {"state", NULL, T_TEXT, 0, 1},
					    {"applicant_kind", NULL, T_TEXT, 0, 1},
					    {"applicant_name", NULL, T_TEXT, 0, 1},
					    {"applicant_id_no", NULL, T_TEXT, 0, 0},
					    {"applicant_phone", NULL, T_TEXT, 0, 0},
					    {"applicant_address", NULL, T_TEXT, 0, 0},
					    {"contact_name", NULL, T_TEXT, 0, 0},
					    {"contact_id_no", NULL, T_TEXT, 0, 0},
					    {"contact_phone", NULL, T_TEXT, 0, 0},
					    {"summary", NULL, T_TEXT, 0, 0},
					    {"created_by", NULL, T_REF, K_USER, 1},
					    {"applied_at", NULL, T_TIME, 0, 1},
					    {"accepted_by", NULL, T_REF, K_USER, 0},
					    {"accepted_at", NULL, T_TIME, 0, 0},
					    {"due_date", NULL, T_DAY, 0, 0},
					    {"paused_since", NULL, T_DAY, 0, 0},
					    {"paused_days", NULL, T_INT, 0, 0},
					    {"decision_note", NULL, T_TEXT, 0, 0},
					    {"decided_at", NULL, T_TIME, 0, 0},
					    {"completed_by", NULL, T_REF, K_USER, 0},
					    {"completed_at", NULL, T_TIME, 0, 0},
					    {"permitted", NULL, T_BOOL, 0, 0},
					    {"doc_no", NULL, T_TEXT, 0, 0},
					    {"opinion", NULL, T_TEXT, 0, 0},
					    {"picked_up_by", NULL, T_REF, K_USER, 0},
					    {"picked_up_at", NULL, T_TIME, 0, 0},
					    {"no_id_card", NULL, T_BOOL, 0, 0},
					    {"rating", NULL, T_INT, 0, 0},
					    {"rating_comment", NULL, T_TEXT, 0, 0}};

enum {
	CS_CASE,
	CS_STAGE,
	CS_SEQ,
	CS_NAME,
	CS_KIND,
	CS_HANDLER,
	CS_LIMIT,
	CS_TDESC,
	CS_TDAYS,
	CS_STATE,
	CS_STARTED_AT,
	CS_DUE,
	CS_OUT,
	CS_FINISHED_AT,
	CS_FINISHED_BY,
	CS_OPINION,
	CS_N
};
static const struct xcol cstep_cols[CS_N] = {{"case", NULL, T_TEXT, 0, 1},
					     {"stage", NULL, T_INT, 0, 1},
					     {"seq", NULL, T_INT, 0, 1},
					     {"name", NULL, T_TEXT, 0, 1},
					     {"kind", NULL, T_TEXT, 0, 1},
					     {"handler", NULL, T_REF, K_USER, 0},
					     {"limit_days", NULL, T_INT, 0, 1},
					     {"transfer_desc", NULL, T_TEXT, 0, 0},
					     {"transfer_days", NULL, T_INT, 0, 0},
					     {"state", NULL, T_TEXT, 0, 1},
					     {"started_at", NULL, T_TIME, 0, 0},
					     {"due_date", NULL, T_DAY, 0, 0},
					     {"out_date", NULL, T_DAY, 0, 0},
					     {"finished_at", NULL, T_TIME, 0, 0},
					     {"finished_by", NULL, T_REF, K_USER, 0},
					     {"opinion", NULL, T_TEXT, 0, 0}};

#define COLS(a) a, (int)(sizeof(a) / sizeof(a[0]))
enum {
	F_REGIONS,
	F_CENTERS,
	F_UNITS,
	F_USERS,
	F_MATERIALS,
	F_ITEMS,
	F_PSTEPS,
	F_PROCESSES,
	F_CASES,
	F_CSTEPS,
	F_N
};
/* In the order of the import: what a file refers to comes before it (materials and process
 * steps are read before their items and processes, which take them whole). */
static const struct xfile files[F_N] = {
    {"regions.csv", COLS(region_cols), "SELECT code, name FROM regions ORDER BY level, code"},
    {"centers.csv", COLS(center_cols),
     "SELECT " KEY_OF(
	 "center", "t.id") ", t.region_code, t.name, t.address, t.phone, "
			   "t.warn_days, t.followup_days, t.disabled FROM centers t ORDER BY t.id"},
    {"units.csv", COLS(unit_cols),
     "SELECT " KEY_OF("unit", "t.id") ", " KEY_OF(
	 "center", "t.center_id") ", t.code, t.name, t.disabled FROM units t ORDER BY t.id"},
    {"users.csv", COLS(user_cols),
     "SELECT " KEY_OF("user", "t.id") ", t.username, t.name, t.roles, " KEY_OF(
	 "center",
	 "t.center_id") ", " KEY_OF("unit", "t.unit_id") ", t.scope_region, t.in_center, t.phone, "
							 "t.disabled FROM users t ORDER BY t.id"},
    {"materials.csv", COLS(material_cols),
     "SELECT " KEY_OF("item", "t.item_id") ", t.name, t.form, t.copies, t.required, t.notes "
					   "FROM item_materials t ORDER BY t.item_id, t.seq"},
    {"items.csv", COLS(item_cols),
     "SELECT " KEY_OF("item", "t.id") ", " KEY_OF(
	 "unit", "t.unit_id") ", t.code, t.name, t.kind, t.statutory_days, t.promised_days, "
			      "t.warn_days, t.entered, "
			      "t.authorized, t.investment, t.disabled, t.basis, t.conditions, "
			      "t.fees, t.place_time "
			      "FROM items t ORDER BY t.id"},
    {"process_steps.csv", COLS(pstep_cols),
     "SELECT " KEY_OF("process", "t.process_id") ", t.stage, t.name, t.kind, " KEY_OF(
	 "user",
	 "t.handler_id") ", t.limit_days, t.transfer_desc, t.transfer_days, "
			 "t.remarks FROM process_steps t ORDER BY t.process_id, t.stage, t.seq"},
    {"processes.csv", COLS(process_cols),
     "SELECT " KEY_OF("process", "t.id") ", " KEY_OF(
	 "item", "t.item_id") ", t.name FROM processes t ORDER BY t.item_id, t.version"},
    {"cases.csv", COLS(case_cols),
     "SELECT COALESCE(k.old_no, k.no), " KEY_OF(
	 "item",
	 "k.item_id") ", k.state, k.applicant_kind, k.applicant_name, k.applicant_id_no, "
		      "k.applicant_phone, "
		      "k.applicant_address, k.contact_name, k.contact_id_no, k.contact_phone, "
		      "k.summary, " KEY_OF("user", "k.created_by") ", k.created_at, " KEY_OF(
			  "user",
			  "k.accepted_by") ", k.accepted_at, k.due_day, k.paused_since, "
					   "k.paused_days, k.decision_note, "
					   "k.decided_at, " KEY_OF(
					       "user",
					       "k.completed_by") ", k.completed_at, k.permitted, "
								 "k.doc_no, k.opinion, " KEY_OF(
								     "user",
								     "k.picked_up_by") ", "
										       "k.picked_"
										       "up_at, "
										       "k.no_id_"
										       "card, "
										       "k.rating, "
										       "k.rating_"
										       "comment "
										       "FROM cases "
										       "k ORDER BY "
										       "k.id"},
    {"case_steps.csv", COLS(cstep_cols),
     "SELECT COALESCE(k.old_no, k.no), s.stage, s.seq, s.name, s.kind, " KEY_OF(
	 "user",
	 "s.handler_id") ", s.limit_days, s.transfer_desc, s.transfer_days, "
			 "s.state, s.started_at, s.due_day, s.out_day, s.finished_at, " KEY_OF(
			     "user",
			     "s.finished_by") ", s.opinion FROM case_steps s JOIN cases k ON "
					      "k.id = s.case_id ORDER BY s.case_id, s.stage, "
					      "s.seq"},
};

/* ---- a map of keys (open addressing) ---- */

enum { KF_FRESH = 1, KF_SKIPPED = 2, KF_NEED_ACTIVE = 4, KF_HAS_ACTIVE = 8 };

struct kent {
	char *key;
	int64_t id;
	int64_t v; /* items: 1 + index into ex.items; serials: the last serial */
	int32_t line;
	uint32_t flags;
};

struct kmap {
	struct kent *e;
	size_t cap, n;
};

static uint64_t km_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct kent *km_slot(struct kent *e, size_t cap, const char *key)
{
	size_t i = km_hash(key) & (cap - 1);
	while (e[i].key && strcmp(e[i].key, key))
		i = (i + 1) & (cap - 1);
	return &e[i];
}

static struct kent *km_get(const struct kmap *m, const char *key)
{
	if (!m->n)
		return NULL;
	struct kent *s = km_slot(m->e, m->cap, key);
	return s->key ? s : NULL;
}

/* The entry of key, added (zeroed) when new. */
static struct kent *km_put(struct kmap *m, const char *key)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 1024;
		struct kent *e = calloc(cap, sizeof(*e));
		if (!e)
			abort();
		for (size_t i = 0; i < m->cap; i++)
			if (m->e[i].key)
				*km_slot(e, cap, m->e[i].key) = m->e[i];
		free(m->e);
		m->e = e;
		m->cap = cap;
	}
	struct kent *s = km_slot(m->e, m->cap, key);
	if (!s->key) {
		if (!(s->key = strdup(key)))
			abort();
		m->n++;
	}
	return s;
}

static void km_free(struct kmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->e[i].key);
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* ---- a set of nonzero integers (open addressing) ---- */

struct iset {
	uint64_t *e;
	size_t cap, n;
};

static size_t is_slot(const uint64_t *e, size_t cap, uint64_t v)
{
	size_t i = (size_t)((v * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
	while (e[i] && e[i] != v)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Add v; 0 when the set had it already. */
static int is_add(struct iset *s, uint64_t v)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		uint64_t *e = calloc(cap, sizeof(*e));
		if (!e)
			abort();
		for (size_t i = 0; i < s->cap; i++)
			if (s->e[i])
				e[is_slot(e, cap, s->e[i])] = s->e[i];
		free(s->e);
		s->e = e;
		s->cap = cap;
	}
	size_t i = is_slot(s->e, s->cap, v);
	if (s->e[i])
		return 0;
	s->e[i] = v;
	s->n++;
	return 1;
}

/* ---- the import's state ---- */

/* What a case copies from its item. */
struct xitem {
	int64_t id, center, unit;
	int statutory, promised, version;
	char region[8];
};

/* Cases of one center waiting for their "case.import" event. */
struct xbatch {
	int64_t center;
	json_t *cases;
};

/* Rows waiting for one multi-row INSERT: a statement (and on PostgreSQL a round trip) per
 * BATCH_ROWS rows rather than per row. Every check that could refuse a row is made before
 * it is added, so the INSERT itself fails only on a fault of the database. */
struct xrows {
	const char *insert;    /* "INSERT INTO t (columns) VALUES " */
	const char *returning; /* "" or " RETURNING id, key": the ids go to the map of kind ids */
	enum kind ids;
	int width, n;
	struct db_val *p;	   /* BATCH_ROWS * width values */
	char text[BATCH_ROWS][40]; /* a row's text that lives nowhere else (its case number) */
	char *full;		   /* the statement for BATCH_ROWS rows, built once */
};

struct ex {
	struct ctx *c;
	const struct exchange_opts *o;
	struct kmap keys[K_N];
	struct kmap regions; /* codes seen in this run */
	struct kmap serials; /* "center:day" of case numbers */
	struct kmap centers; /* center id → 1 + index into batches */
	struct xitem *items;
	size_t nitems, items_cap;
	struct xbatch *batches;
	size_t nbatches;
	json_t *groups[F_N]; /* materials, process steps: by parent key {"rows":[…],"lines":[…]} */
	struct xrows cases, steps;
	struct iset step_keys; /* the steps of this run, by case, stage and seq */
	struct bulk bulk;      /* the keys of the case tables, dropped for a first import */
	struct calendar cal;
	json_t *out;
	time_t started;
};

/* One CSV file being read. */
struct rd {
	struct ex *x;
	const struct xfile *f;
	int present;
	struct arena arena;
	struct csv csv;
	const char *start;
	size_t len;
	int pos[MAX_COLS]; /* column → field position, -1 when the header lacks it */
	int width;	   /* fields in the header */
	char *fields[MAX_COLS + 1];
	int nf;
	int64_t rows, imported, skipped;
	time_t shown;
};

/* ---- reading ---- */

static int rd_fail(struct rd *r, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int rd_fail(struct rd *r, int col, const char *fmt, ...)
{
	struct ctx *c = r->x->c;
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(c->arena, fmt, ap);
	va_end(ap);
	if (col >= 0)
		return ctx_fail(c, E_INVALID, r->f->cols[col].name, "%s 第%d行 %s 列：%s",
				r->f->name, r->csv.line, r->f->cols[col].name, msg);
	return ctx_fail(c, E_INVALID, NULL, "%s 第%d行：%s", r->f->name, r->csv.line, msg);
}

static const char *val(const struct rd *r, int col)
{
	int p = r->pos[col];
	return p >= 0 && p < r->nf ? r->fields[p] : "";
}

static void rd_close(struct rd *r)
{
	arena_release(&r->arena);
}

/* Open the file and read its header; r->present is 0 when the folder lacks it. */
static int rd_open(struct rd *r, struct ex *x, const struct xfile *f)
{
	struct ctx *c = x->c;
	memset(r, 0, sizeof(*r));
	r->x = x;
	r->f = f;
	const char *path = arena_printf(c->arena, "%s/%s", x->o->dir, f->name), *why;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return errno == ENOENT
			   ? E_OK
			   : ctx_fail(c, E_INVALID, NULL, "无法读取 %s：%s", path, strerror(errno));
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	if (fstat(fileno(fp), &st) == 0 && st.st_size <= EXCHANGE_MAX_FILE &&
	    (data = malloc((size_t)st.st_size + 1)))
		len = fread(data, 1, (size_t)st.st_size, fp);
	fclose(fp);
	if (!data || len != (size_t)st.st_size) {
		free(data);
		return ctx_fail(c, E_INVALID, NULL, "无法读取 %s（文件过大或读取出错）", path);
	}
	int bad = csv_open(&r->csv, &r->arena, data, len, &why);
	free(data);
	if (bad)
		return ctx_fail(c, E_INVALID, NULL, "%s：%s", f->name, why);
	r->present = 1;
	r->shown = time(NULL);
	r->start = r->csv.p;
	r->len = strlen(r->csv.p);
	for (int i = 0; i < f->ncols; i++)
		r->pos[i] = -1;
	if (csv_next(&r->csv, r->fields, MAX_COLS + 1, &r->width) != 1)
		return ctx_fail(c, E_INVALID, NULL, "%s 第1行：缺少表头", f->name);
	if (r->width > MAX_COLS)
		return rd_fail(r, -1, "表头的列过多");
	for (int p = 0; p < r->width; p++) {
		int i = 0;
		while (i < f->ncols && strcmp(f->cols[i].name, r->fields[p]))
			i++;
		if (i == f->ncols)
			return rd_fail(r, -1, "未知的列“%s”", r->fields[p]);
		if (r->pos[i] >= 0)
			return rd_fail(r, i, "表头中重复");
		r->pos[i] = p;
	}
	for (int i = 0; i < f->ncols; i++)
		if (f->cols[i].required && r->pos[i] < 0)
			return rd_fail(r, -1, "缺少必需的列 %s", f->cols[i].name);
	return E_OK;
}

static void progress(struct rd *r, int done)
{
	FILE *p = r->x->o->progress;
	time_t now = time(NULL);
	if (!p || (!done && (r->rows & 1023)) || (!done && now == r->shown) ||
	    (!done && !r->x->o->tty && now < r->shown + 5))
		return;
	r->shown = now;
	int pct = r->len ? (int)(100.0 * (double)(r->csv.p - r->start) / (double)r->len) : 100;
	if (done)
		pct = 100;
	if (r->x->o->tty) {
		char bar[31];
		memset(bar, '#', (size_t)(pct * 30 / 100));
		memset(bar + pct * 30 / 100, '-', (size_t)(30 - pct * 30 / 100));
		bar[30] = '\0';
		fprintf(p, "\r%-18s [%s] %3d%% %lld行", r->f->name, bar, pct, (long long)r->rows);
		if (done)
			fprintf(p, "，导入%lld，跳过%lld（第%lld秒）\n", (long long)r->imported,
				(long long)r->skipped, (long long)(now - r->x->started));
	} else if (done) {
		fprintf(p, "%s: %lld行，导入%lld，跳过%lld（第%lld秒）\n", r->f->name,
			(long long)r->rows, (long long)r->imported, (long long)r->skipped,
			(long long)(now - r->x->started));
	} else {
		fprintf(p, "%s: %d%%（%lld行）\n", r->f->name, pct, (long long)r->rows);
	}
	fflush(p);
}

/* The next row: 1, 0 at the end, or an error. */
static int rd_next(struct rd *r)
{
	if (!r->present)
		return 0;
	int rc = csv_next(&r->csv, r->fields, MAX_COLS + 1, &r->nf);
	if (rc < 0)
		return rd_fail(r, -1, "引号未闭合");
	if (rc == 0) {
		progress(r, 1);
		return 0;
	}
	if (r->nf > r->width)
		return rd_fail(r, -1, "有%d个字段，比表头的%d列多", r->nf, r->width);
	r->rows++;
	progress(r, 0);
	return 1;
}

static long chars(const char *s)
{
	long n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int empty_or_missing(struct rd *r, int col, int *empty)
{
	*empty = !*val(r, col);
	return *empty && r->f->cols[col].required ? rd_fail(r, col, "不能为空") : E_OK;
}

static int p_text(struct rd *r, int col, long maxc, const char **out)
{
	int empty, rc = empty_or_missing(r, col, &empty);
	*out = val(r, col);
	if (rc == E_OK && chars(*out) > maxc)
		rc = rd_fail(r, col, "不能超过%ld个字", maxc);
	return rc;
}

static int p_int(struct rd *r, int col, int64_t lo, int64_t hi, int64_t *out, int *has)
{
	int empty, rc = empty_or_missing(r, col, &empty);
	char *end;
	*has = 0;
	if (rc < 0 || empty)
		return rc;
	errno = 0;
	long long v = strtoll(val(r, col), &end, 10);
	if (errno || *end || v < lo || v > hi)
		return lo == INT32_MIN ? rd_fail(r, col, "应为整数")
				       : rd_fail(r, col, "应为%lld至%lld之间的整数", (long long)lo,
						 (long long)hi);
	*out = v;
	*has = 1;
	return E_OK;
}

static int p_day(struct rd *r, int col, int32_t *out, int *has)
{
	int empty, rc = empty_or_missing(r, col, &empty);
	*has = 0;
	if (rc < 0 || empty)
		return rc;
	if (calendar_parse_day(val(r, col), out) < 0)
		return rd_fail(r, col, "日期格式应为YYYY-MM-DD");
	*has = 1;
	return E_OK;
}

/* Two digits at s, at most max; -1 otherwise. */
static int two_digits(const char *s, int max)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	int v = (s[0] - '0') * 10 + s[1] - '0';
	return v <= max ? v : -1;
}

/* YYYY-MM-DD HH:MM:SS, Beijing time. */
static int p_time(struct rd *r, int col, int64_t *out, int *has)
{
	int empty, rc = empty_or_missing(r, col, &empty);
	const char *s = val(r, col);
	char day[CALENDAR_DAY_LEN];
	int32_t d;
	*has = 0;
	if (rc < 0 || empty)
		return rc;
	snprintf(day, sizeof(day), "%s", s);
	int h, m, sec;
	if (strlen(s) != 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
	    (h = two_digits(s + 11, 23)) < 0 || (m = two_digits(s + 14, 59)) < 0 ||
	    (sec = two_digits(s + 17, 59)) < 0 || calendar_parse_day(day, &d) < 0)
		return rd_fail(r, col, "时间格式应为YYYY-MM-DD HH:MM:SS");
	*out = calendar_day_start(d) + h * 3600 + m * 60 + sec;
	*has = 1;
	return E_OK;
}

static int p_enum(struct rd *r, int col, const char *const *allowed, const char *what,
		  const char **out)
{
	int rc = p_text(r, col, 32, out);
	if (rc < 0 || !**out)
		return rc;
	for (const char *const *a = allowed; *a; a++)
		if (!strcmp(*a, *out))
			return E_OK;
	return rd_fail(r, col, "应为%s", what);
}

/* The entry of a referenced old key (NULL when the cell is empty and optional). */
static int p_key(struct rd *r, int col, enum kind k, struct kent **out)
{
	int empty, rc = empty_or_missing(r, col, &empty);
	*out = NULL;
	if (rc < 0 || empty)
		return rc;
	if (!(*out = km_get(&r->x->keys[k], val(r, col))))
		return rd_fail(r, col, "%s中没有id为“%s”的记录", kind_files[k], val(r, col));
	return E_OK;
}

static int p_ref(struct rd *r, int col, enum kind k, int64_t *id)
{
	struct kent *e;
	int rc = p_key(r, col, k, &e);
	*id = e ? e->id : 0;
	return rc;
}

static int p_bool(struct rd *r, int col, int *out, int *has)
{
	int64_t v = 0;
	int rc = p_int(r, col, 0, 1, &v, has);
	*out = (int)v;
	return rc;
}

/* ---- the import: keys ---- */

/* The keys of earlier runs: import_keys, and the old numbers of the cases. */
static int keys_load(struct ex *x)
{
	struct db_res *res;
	int rc = db_query(x->c->db, &res,
			  "SELECT kind, old_key, id FROM import_keys UNION ALL SELECT 'case', "
			  "old_no, id FROM cases WHERE old_no IS NOT NULL",
			  NULL, 0);
	if (rc < 0)
		return ctx_db(x->c, rc);
	while ((rc = db_next(res)) > 0)
		for (int k = 0; k < K_N; k++)
			if (!strcmp(kind_names[k], db_text(res, 0)))
				km_put(&x->keys[k], db_text(res, 1))->id = db_int(res, 2);
	db_res_free(res);
	return ctx_db(x->c, rc);
}

/* The row's own key: NULL and counted as skipped when an earlier run brought it in;
 * an error when this file already had it. */
static int own_key(struct rd *r, int col, enum kind k, const char **key)
{
	int rc = p_text(r, col, MAX_KEY, key);
	if (rc < 0)
		return rc;
	struct kent *e = km_get(&r->x->keys[k], *key);
	if (e && (e->flags & KF_FRESH))
		return rd_fail(r, col, "“%s”与第%d行重复", *key, e->line);
	if (e) {
		r->skipped++;
		*key = NULL;
	}
	return E_OK;
}

/* Note in the map that the row's key is record id, and count the row. */
static struct kent *key_note(struct rd *r, enum kind k, const char *key, int64_t id, uint32_t flags)
{
	struct kent *e = km_put(&r->x->keys[k], key);
	e->id = id;
	e->line = r->csv.line;
	e->flags = KF_FRESH | flags;
	if (flags & KF_SKIPPED)
		r->skipped++;
	else
		r->imported++;
	return e;
}

/* Remember that the row's key is record id: in import_keys and in the map. */
static int key_save(struct rd *r, enum kind k, const char *key, int64_t id, uint32_t flags)
{
	struct ex *x = r->x;
	struct db_val p[] = {DBT(kind_names[k]), DBT(key), DBI(id)};
	int rc = db_exec(x->c->db, "INSERT INTO import_keys (kind, old_key, id) VALUES (?, ?, ?)",
			 p, 3, NULL);
	if (rc < 0)
		return ctx_db(x->c, rc);
	key_note(r, k, key, id, flags);
	return E_OK;
}

/* ---- the import: rows through the domain calls ---- */

/* The row as the JSON object of the domain call: columns with a JSON field, by type. */
static int row_json(struct rd *r, json_t **out)
{
	json_t *o = json_object();
	int rc = E_OK;
	for (int i = 0; i < r->f->ncols && rc == E_OK; i++) {
		const struct xcol *col = &r->f->cols[i];
		const char *s = val(r, i);
		int64_t v = 0;
		int has = 0;
		if (!col->json || !*s)
			continue;
		switch (col->type) {
		case T_INT:
			if ((rc = p_int(r, i, INT32_MIN, INT32_MAX, &v, &has)) == E_OK)
				json_object_set_new(o, col->json, json_integer(v));
			break;
		case T_BOOL:
			if ((rc = p_int(r, i, 0, 1, &v, &has)) == E_OK)
				json_object_set_new(o, col->json, json_boolean(v));
			break;
		case T_REF:
			if ((rc = p_ref(r, i, col->ref, &v)) == E_OK)
				json_object_set_new(o, col->json, json_integer(v));
			break;
		case T_ROLES: {
			json_t *a = json_array();
			char *t = arena_strdup(r->x->c->arena, s), *save;
			for (char *p = strtok_r(t, "|", &save); p; p = strtok_r(NULL, "|", &save))
				json_array_append_new(a, json_string(p));
			json_object_set_new(o, col->json, a);
			break;
		}
		default: json_object_set_new(o, col->json, json_string(s)); break;
		}
	}
	if (rc < 0)
		json_decref(o);
	else
		*out = o;
	return rc;
}

/* A domain call's failure on the row: its field named as the column that fed it. */
static int domain_fail(struct rd *r, int rc)
{
	struct ctx *c = r->x->c;
	const char *field = c->fail_field,
		   *msg = c->fail_message ? c->fail_message : err_message(rc);
	int col = -1;
	for (int i = 0; field && i < r->f->ncols; i++)
		if (r->f->cols[i].json && !strcmp(r->f->cols[i].json, field))
			col = i;
	c->fail_field = c->fail_message = NULL;
	return rd_fail(r, col, "%s", msg);
}

/* A failure in element i of a group ("materials[2].form", "steps[0].handler_id") named
 * at the row of the group's file that held it. */
static int group_fail(struct rd *r, int g, json_t *group, const char *prefix, int rc)
{
	struct ctx *c = r->x->c;
	const char *field = c->fail_field;
	size_t plen = group ? strlen(prefix) : 0;
	if (!group || !field || strncmp(field, prefix, plen) || field[plen] != '[')
		return domain_fail(r, rc);
	char *dot;
	long i = strtol(field + plen + 1, &dot, 10);
	json_t *line = json_array_get(json_object_get(group, "lines"), (size_t)i);
	struct rd sub = {.x = r->x, .f = &files[g]};
	for (int k = 0; k < sub.f->ncols; k++)
		sub.pos[k] = -1;
	sub.csv.line = (int)json_integer_value(line);
	c->fail_field = *dot == ']' && dot[1] == '.' ? dot + 2 : NULL;
	return domain_fail(&sub, rc);
}

/* Read a child file whole, grouped by its first column (the parent's key). */
static int groups_read(struct ex *x, int g)
{
	struct rd r;
	json_t *row;
	int rc = rd_open(&r, x, &files[g]);
	x->groups[g] = json_object();
	while (rc == E_OK && (rc = rd_next(&r)) > 0) {
		const char *parent;
		if ((rc = p_text(&r, 0, MAX_KEY, &parent)) < 0 || (rc = row_json(&r, &row)) < 0)
			break;
		json_t *grp = json_object_get(x->groups[g], parent);
		if (!grp) {
			grp = json_pack("{s:[],s:[]}", "rows", "lines");
			json_object_set_new(x->groups[g], parent, grp);
		}
		json_array_append_new(json_object_get(grp, "rows"), row);
		json_array_append_new(json_object_get(grp, "lines"), json_integer(r.csv.line));
		r.imported++;
	}
	rd_close(&r);
	return rc;
}

/* Every group must belong to a parent of kind k, known now. */
static int groups_check(struct ex *x, int g, enum kind k)
{
	const char *key;
	json_t *grp;
	json_object_foreach(x->groups[g], key, grp)
	{
		if (km_get(&x->keys[k], key))
			continue;
		struct rd sub = {.x = x, .f = &files[g]};
		sub.pos[0] = -1;
		sub.csv.line =
		    (int)json_integer_value(json_array_get(json_object_get(grp, "lines"), 0));
		return rd_fail(&sub, 0, "%s中没有id为“%s”的记录", kind_files[k], key);
	}
	return E_OK;
}

static int64_t out_id(json_t *o)
{
	json_t *id = json_object_get(o, "id");
	return json_integer_value(id ? id : json_object_get(json_object_get(o, "unit"), "id"));
}

static int regions_import(struct ex *x, struct rd *r)
{
	int rc;
	while ((rc = rd_next(r)) > 0) {
		const char *code;
		json_t *in, *o = NULL;
		int64_t exists = 0;
		if ((rc = p_text(r, RG_CODE, 16, &code)) < 0)
			return rc;
		struct kent *e = km_get(&x->regions, code);
		if (e)
			return rd_fail(r, RG_CODE, "“%s”与第%d行重复", code, e->line);
		km_put(&x->regions, code)->line = r->csv.line;
		struct db_val p[] = {DBT(code)};
		if ((rc = ctx_int(x->c, "SELECT COUNT(*) FROM regions WHERE code = ?", p, 1,
				  &exists)) < 0)
			return rc;
		if (exists) {
			r->skipped++;
			continue;
		}
		if ((rc = row_json(r, &in)) < 0)
			return rc;
		rc = org_region_create(x->c, in, &o);
		json_decref(in);
		json_decref(o);
		if (rc < 0)
			return domain_fail(r, rc);
		r->imported++;
	}
	return rc;
}

/* The row's own key, or NULL when its record is there already: brought in by an earlier
 * run, or held under its natural key (the query sql with p), which is then mapped to it. */
static int claim(struct rd *r, int col, enum kind k, const char *sql, const struct db_val *p, int n,
		 const char **key)
{
	int64_t id = 0;
	int rc = own_key(r, col, k, key);
	if (rc < 0 || !*key || (rc = ctx_int(r->x->c, sql, p, n, &id)) < 0 || !id)
		return rc;
	rc = key_save(r, k, *key, id, KF_SKIPPED);
	*key = NULL;
	return rc;
}

typedef int (*create_fn)(struct ctx *, json_t *, json_t **);
typedef int (*update_fn)(struct ctx *, int64_t, json_t *, json_t **);

/* Create the row's record from in (consumed), then set with update (when given) what the
 * create leaves out, and save its key. A failure is named at the row, or at the row of the
 * group's element (a material) it lies in. */
static int create_with(struct rd *r, enum kind k, const char *key, json_t *in, create_fn create,
		       update_fn update, int g, json_t *grp, const char *prefix)
{
	json_t *o = NULL;
	int rc = create(r->x->c, in, &o);
	int64_t id = out_id(o);
	json_decref(o);
	o = NULL;
	if (rc == E_OK && update)
		rc = update(r->x->c, id, in, &o);
	json_decref(in);
	json_decref(o);
	if (rc < 0)
		return group_fail(r, g, grp, prefix, rc);
	return key_save(r, k, key, id, 0);
}

static int centers_import(struct ex *x, struct rd *r)
{
	int rc;
	(void)x;
	while ((rc = rd_next(r)) > 0) {
		const char *key, *name;
		json_t *in;
		struct db_val p[] = {DBT(val(r, CE_NAME))};
		if ((rc = claim(r, CE_ID, K_CENTER, "SELECT id FROM centers WHERE name = ?", p, 1,
				&key)) < 0)
			return rc;
		if (!key)
			continue;
		if ((rc = p_text(r, CE_NAME, 64, &name)) < 0 || (rc = row_json(r, &in)) < 0 ||
		    (rc = create_with(r, K_CENTER, key, in, org_center_create,
				      *val(r, CE_WARN) || *val(r, CE_FOLLOWUP) ||
					      *val(r, CE_DISABLED)
					  ? org_center_update
					  : NULL,
				      0, NULL, NULL)) < 0)
			return rc;
	}
	return rc;
}

/* Units are written here rather than through org_unit_create, which would add the unit's
 * default account: an imported unit brings its own users. */
static int units_import(struct ex *x, struct rd *r)
{
	struct ctx *c = x->c;
	int rc;
	while ((rc = rd_next(r)) > 0) {
		const char *key, *code, *name;
		int64_t center, id = 0;
		int disabled = 0, has;
		if ((rc = p_ref(r, UN_CENTER, K_CENTER, &center)) < 0 ||
		    (rc = p_text(r, UN_CODE, 16, &code)) < 0 ||
		    (rc = p_text(r, UN_NAME, 64, &name)) < 0 ||
		    (rc = p_bool(r, UN_DISABLED, &disabled, &has)) < 0)
			return rc;
		if (strlen(code) < 2 || strspn(code, FIELD_CODE) != strlen(code))
			return rd_fail(r, UN_CODE, "单位代码须为2至16位小写字母、数字或下划线");
		struct db_val p[] = {DBI(center), DBT(code)};
		if ((rc = claim(r, UN_ID, K_UNIT,
				"SELECT id FROM units WHERE center_id = ? AND code = ?", p, 2,
				&key)) < 0)
			return rc;
		if (!key)
			continue;
		struct db_val v[] = {DBI(center), DBT(code), DBT(name), DBI(disabled), DBI(c->now)};
		rc = ctx_int(
		    c,
		    "INSERT INTO units (center_id, code, name, disabled, created_at) VALUES "
		    "(?, ?, ?, ?, ?) RETURNING id",
		    v, 5, &id);
		if (rc == E_DUPLICATE)
			return rd_fail(r, UN_NAME, "本中心已有名称为“%s”的单位", name);
		if (rc < 0 ||
		    (rc = event_append(c, center, 0, "unit.create",
				       json_pack("{s:I,s:s,s:s,s:b}", "id", (json_int_t)id, "code",
						 code, "name", name, "imported", 1))) < 0 ||
		    (rc = key_save(r, K_UNIT, key, id, 0)) < 0)
			return rc;
	}
	return rc;
}

static int users_import(struct ex *x, struct rd *r)
{
	int rc;
	(void)x;
	while ((rc = rd_next(r)) > 0) {
		const char *key;
		json_t *in;
		struct db_val p[] = {DBT(val(r, US_USERNAME))};
		if ((rc = claim(r, US_ID, K_USER, "SELECT id FROM users WHERE username = ?", p, 1,
				&key)) < 0)
			return rc;
		if (!key)
			continue;
		/* an account is created enabled; a disabled one is disabled after */
		if ((rc = row_json(r, &in)) < 0 ||
		    (rc = create_with(r, K_USER, key, in, user_create,
				      strcmp(val(r, US_DISABLED), "1") ? NULL : user_update, 0,
				      NULL, NULL)) < 0)
			return rc;
	}
	return rc;
}

static int items_import(struct ex *x, struct rd *r)
{
	int rc;
	while ((rc = rd_next(r)) > 0) {
		const char *key;
		json_t *in;
		int64_t unit;
		if ((rc = p_ref(r, IT_UNIT, K_UNIT, &unit)) < 0)
			return rc;
		struct db_val p[] = {DBI(unit), DBT(val(r, IT_CODE))};
		if ((rc =
			 claim(r, IT_ID, K_ITEM,
			       "SELECT i.id FROM items i JOIN units u ON u.center_id = i.center_id "
			       "WHERE u.id = ? AND i.code = ?",
			       p, 2, &key)) < 0)
			return rc;
		if (!key)
			continue;
		if ((rc = row_json(r, &in)) < 0)
			return rc;
		json_t *grp = json_object_get(x->groups[F_MATERIALS], key);
		json_object_set_new(in, "materials",
				    grp ? json_incref(json_object_get(grp, "rows")) : json_array());
		if ((rc = create_with(r, K_ITEM, key, in, catalog_create, NULL, F_MATERIALS, grp,
				      "materials")) < 0)
			return rc;
	}
	return rc < 0 ? rc : groups_check(x, F_MATERIALS, K_ITEM);
}

static int processes_import(struct ex *x, struct rd *r)
{
	int rc;
	while ((rc = rd_next(r)) > 0) {
		const char *key;
		json_t *in, *o = NULL;
		int64_t item;
		if ((rc = own_key(r, PR_ID, K_PROCESS, &key)) < 0)
			return rc;
		if (!key)
			continue;
		if ((rc = p_ref(r, PR_ITEM, K_ITEM, &item)) < 0 || (rc = row_json(r, &in)) < 0)
			return rc;
		json_t *grp = json_object_get(x->groups[F_PSTEPS], key);
		json_object_set_new(in, "steps",
				    grp ? json_incref(json_object_get(grp, "rows")) : json_array());
		rc = process_save(x->c, item, in, &o);
		json_decref(in);
		int64_t id = out_id(o);
		json_decref(o);
		if (rc < 0)
			return group_fail(r, F_PSTEPS, grp, "steps", rc);
		if ((rc = key_save(r, K_PROCESS, key, id, 0)) < 0)
			return rc;
	}
	return rc < 0 ? rc : groups_check(x, F_PSTEPS, K_PROCESS);
}

/* ---- the import: cases ---- */

static const char *const case_states[] = {"applied",   "supplement", "refused",
					  "accepted",  "in_process", "completed",
					  "picked_up", "withdrawn",  NULL};
static const char *const step_states[] = {"waiting", "active", "out", "done", NULL};
static const char *const step_kinds[] = {"accept", "approve", "transfer_out", "complete", NULL};
static const char *const applicant_kinds[] = {"person", "org", NULL};

static int is_one(const char *s, const char *a, const char *b, const char *c, const char *d)
{
	return !strcmp(s, a) || !strcmp(s, b) || (c && !strcmp(s, c)) || (d && !strcmp(s, d));
}

/* What a case copies from its item, read once per item. */
static int item_info(struct ex *x, struct kent *e, struct xitem **out)
{
	if (!e->v) {
		if (x->nitems == x->items_cap) {
			x->items_cap = x->items_cap ? 2 * x->items_cap : 256;
			if (!(x->items = realloc(x->items, x->items_cap * sizeof(*x->items))))
				abort();
		}
		struct xitem *it = &x->items[x->nitems];
		struct db_res *res;
		struct db_val p[] = {DBI(e->id)};
		int rc =
		    db_query(x->c->db, &res,
			     "SELECT i.center_id, i.unit_id, i.promised_days, i.statutory_days, "
			     "i.kind, ce.region_code, COALESCE((SELECT MAX(version) FROM "
			     "processes p WHERE p.item_id = i.id), 0) FROM items i JOIN centers "
			     "ce ON ce.id = i.center_id WHERE i.id = ?",
			     p, 1);
		if (rc < 0)
			return ctx_db(x->c, rc);
		if ((rc = db_next(res)) > 0) {
			*it = (struct xitem){.id = e->id,
					     .center = db_int(res, 0),
					     .unit = db_int(res, 1),
					     .promised = (int)db_int(res, 2),
					     .statutory = (int)db_int(res, 3),
					     .version = strcmp(db_text(res, 4), "promised")
							    ? -1
							    : (int)db_int(res, 6)};
			snprintf(it->region, sizeof(it->region), "%s", db_text(res, 5));
		}
		db_res_free(res);
		if (rc <= 0)
			return rc < 0 ? ctx_db(x->c, rc)
				      : ctx_fail(x->c, E_NOT_FOUND, NULL, "事项不存在");
		e->v = (int64_t)++x->nitems;
	}
	*out = &x->items[e->v - 1];
	return E_OK;
}

/* The next serial of a case applied on `day` at the center: counted here, written to
 * `serials` at the end. */
static int serial_next(struct ex *x, int64_t center, int32_t day, int64_t *out)
{
	char k[48];
	snprintf(k, sizeof(k), "%lld:%d", (long long)center, (int)day);
	struct kent *e = km_get(&x->serials, k);
	if (!e) {
		int64_t last = 0;
		struct db_val p[] = {DBI(center), DBI(day)};
		int rc = ctx_int(x->c,
				 "SELECT last FROM serials WHERE center_id = ? AND kind = 'case' "
				 "AND day = ?",
				 p, 2, &last);
		if (rc < 0)
			return rc;
		e = km_put(&x->serials, k);
		e->id = center;
		e->line = day;
		e->v = last;
	}
	*out = ++e->v;
	return E_OK;
}

static int serials_save(struct ex *x)
{
	for (size_t i = 0; i < x->serials.cap; i++) {
		struct kent *e = &x->serials.e[i];
		if (!e->key)
			continue;
		struct db_val p[] = {DBI(e->id), DBI(e->line), DBI(e->v)};
		int rc =
		    db_exec(x->c->db,
			    "INSERT INTO serials (center_id, kind, day, last) VALUES (?, 'case', "
			    "?, ?) ON CONFLICT (center_id, kind, day) DO UPDATE SET last = "
			    "excluded.last",
			    p, 3, NULL);
		if (rc < 0)
			return ctx_db(x->c, rc);
	}
	return E_OK;
}

static int batch_flush(struct ex *x, struct xbatch *b)
{
	if (!json_array_size(b->cases))
		return E_OK;
	json_t *cases = b->cases;
	b->cases = json_array();
	return event_append(
	    x->c, b->center, 0, "case.import",
	    json_pack("{s:I,s:o}", "count", (json_int_t)json_array_size(cases), "cases", cases));
}

/* Note the case for its center's next "case.import" event. */
static int batch_add(struct ex *x, int64_t center, const char *no, const char *old_no)
{
	char k[24];
	snprintf(k, sizeof(k), "%lld", (long long)center);
	struct kent *e = km_put(&x->centers, k);
	if (!e->v) {
		if (!(x->batches = realloc(x->batches, (x->nbatches + 1) * sizeof(*x->batches))))
			abort();
		x->batches[x->nbatches] = (struct xbatch){center, json_array()};
		e->v = (int64_t)++x->nbatches;
	}
	struct xbatch *b = &x->batches[e->v - 1];
	json_array_append_new(b->cases, json_pack("[ss]", no, old_no));
	return json_array_size(b->cases) >= EXCHANGE_EVENT_CASES ? batch_flush(x, b) : E_OK;
}

/* The statement inserting n rows of b. */
static const char *rows_sql(struct ctx *c, struct xrows *b, int n)
{
	if (n == BATCH_ROWS && b->full)
		return b->full;
	struct buf sql = BUF_INIT((size_t)-1);
	buf_addstr(&sql, b->insert);
	for (int i = 0; i < n; i++) {
		buf_addstr(&sql, i ? ", (" : "(");
		for (int k = 0; k < b->width; k++)
			buf_addstr(&sql, k ? ", ?" : "?");
		buf_addstr(&sql, ")");
	}
	buf_addstr(&sql, b->returning);
	if (n == BATCH_ROWS)
		return b->full = buf_detach(&sql, NULL);
	const char *text = arena_strdup(c->arena, sql.buf);
	buf_release(&sql);
	return text;
}

/* Insert the rows waiting in b. */
static int rows_flush(struct ex *x, struct xrows *b)
{
	struct db_res *res;
	if (!b->n)
		return E_OK;
	int rc = db_query(x->c->db, &res, rows_sql(x->c, b, b->n), b->p, b->n * b->width);
	if (rc < 0)
		return ctx_db(x->c, rc);
	while ((rc = db_next(res)) > 0)
		km_get(&x->keys[b->ids], db_text(res, 1))->id = db_int(res, 0);
	db_res_free(res);
	b->n = 0;
	return ctx_db(x->c, rc);
}

/* Add a row of b->width values to b, inserting the batch when it is full. */
static int rows_add(struct ex *x, struct xrows *b, const struct db_val *p)
{
	if (!b->p && !(b->p = calloc(BATCH_ROWS * (size_t)b->width, sizeof(*b->p))))
		abort();
	memcpy(b->p + (size_t)b->n * (size_t)b->width, p, (size_t)b->width * sizeof(*p));
	return ++b->n == BATCH_ROWS ? rows_flush(x, b) : E_OK;
}

static void rows_free(struct xrows *b)
{
	free(b->p);
	free(b->full);
}

/* The tables written in bulk, empty before a first import (bulk.h). */
static const char *const case_tables[] = {"cases", "case_steps"};

/* ---- the import: cases and their steps ---- */

/* The parsed columns of a row, by column. */
struct row {
	const char *s[MAX_COLS];
	int64_t i[MAX_COLS];
	int has[MAX_COLS];
};

/* Parse every column of a direct-insert row by its type. */
static int row_parse(struct rd *r, const long *maxc, const int64_t (*range)[2], struct row *w)
{
	int rc = E_OK;
	for (int i = 0; i < r->f->ncols && rc == E_OK; i++) {
		int32_t day = 0;
		w->s[i] = NULL;
		w->has[i] = 0;
		switch (r->f->cols[i].type) {
		case T_TEXT: rc = p_text(r, i, maxc[i], &w->s[i]); break;
		case T_INT:
		case T_BOOL:
			rc = p_int(r, i, range[i][0], range[i][1], &w->i[i], &w->has[i]);
			break;
		case T_REF:
			rc = p_ref(r, i, r->f->cols[i].ref, &w->i[i]);
			w->has[i] = w->i[i] != 0;
			break;
		case T_DAY:
			rc = p_day(r, i, &day, &w->has[i]);
			w->i[i] = day;
			break;
		case T_TIME: rc = p_time(r, i, &w->i[i], &w->has[i]); break;
		default: break;
		}
	}
	return rc;
}

static struct db_val opt(const struct row *w, int col)
{
	return w->has[col] ? DBI(w->i[col]) : DBN;
}

static const long case_max[CA_N] = {
    [CA_OLD_NO] = MAX_KEY, [CA_STATE] = 16,	[CA_AKIND] = 8,		  [CA_ANAME] = 100,
    [CA_AID] = 32,	   [CA_APHONE] = 32,	[CA_AADDR] = 200,	  [CA_CNAME] = 64,
    [CA_CID] = 32,	   [CA_CPHONE] = 32,	[CA_SUMMARY] = 2000,	  [CA_NOTE] = 2000,
    [CA_DOC_NO] = 100,	   [CA_OPINION] = 2000, [CA_RATING_COMMENT] = 500};
static const int64_t case_range[CA_N][2] = {[CA_PAUSED_DAYS] = {0, 3650},
					    [CA_PERMITTED] = {0, 1},
					    [CA_NO_ID_CARD] = {0, 1},
					    [CA_RATING] = {1, 5}};

/* The checks a case's state asks for: what it must have been through. */
static int case_check(struct rd *r, const struct row *w, int accepted, int completed)
{
	const char *state = w->s[CA_STATE];
	if (accepted && (!w->has[CA_ACCEPTED_AT] || !w->has[CA_ACCEPTED_BY]))
		return rd_fail(r, w->has[CA_ACCEPTED_AT] ? CA_ACCEPTED_BY : CA_ACCEPTED_AT,
			       "状态为%s的办件须有受理人和受理时间", state);
	if (completed && (!w->has[CA_COMPLETED_AT] || !w->has[CA_COMPLETED_BY]))
		return rd_fail(r, w->has[CA_COMPLETED_AT] ? CA_COMPLETED_BY : CA_COMPLETED_AT,
			       "状态为%s的办件须有办结人和办结时间", state);
	if (!strcmp(state, "refused") && !w->has[CA_DECIDED_AT])
		return rd_fail(r, CA_DECIDED_AT, "不予受理的办件须有决定时间");
	if (!strcmp(state, "picked_up") && (!w->has[CA_PICKED_AT] || !w->has[CA_PICKED_BY]))
		return rd_fail(r, w->has[CA_PICKED_AT] ? CA_PICKED_BY : CA_PICKED_AT,
			       "已取件的办件须有取件经办人和取件时间");
	if (w->has[CA_ACCEPTED_AT] && w->i[CA_ACCEPTED_AT] < w->i[CA_APPLIED_AT])
		return rd_fail(r, CA_ACCEPTED_AT, "受理时间早于申请时间");
	if (w->has[CA_COMPLETED_AT] && w->has[CA_ACCEPTED_AT] &&
	    w->i[CA_COMPLETED_AT] < w->i[CA_ACCEPTED_AT])
		return rd_fail(r, CA_COMPLETED_AT, "办结时间早于受理时间");
	return E_OK;
}

static int case_insert(struct ex *x, struct rd *r, struct row *w)
{
	struct kent *ie = NULL;
	struct xitem *it = NULL;
	const char *state = w->s[CA_STATE];
	int accepted = is_one(state, "accepted", "in_process", "completed", "picked_up");
	int completed = is_one(state, "completed", "picked_up", NULL, NULL);
	int rc;
	if ((rc = case_check(r, w, accepted, completed)) < 0 ||
	    (rc = p_key(r, CA_ITEM, K_ITEM, &ie)) < 0 || (rc = item_info(x, ie, &it)) < 0)
		return rc;
	int32_t applied = calendar_day_of(w->i[CA_APPLIED_AT]);
	int32_t accepted_day = accepted ? calendar_day_of(w->i[CA_ACCEPTED_AT]) : 0;
	int32_t due = (int32_t)w->i[CA_DUE];
	if (accepted && !w->has[CA_DUE])
		due = calendar_add_workdays(&x->cal, accepted_day, it->promised);
	int64_t serial, updated = w->i[CA_APPLIED_AT];
	for (int k = CA_ACCEPTED_AT; k <= CA_PICKED_AT; k++)
		if (r->f->cols[k].type == T_TIME && w->has[k] && w->i[k] > updated)
			updated = w->i[k];
	if ((rc = serial_next(x, it->center, applied, &serial)) < 0)
		return rc;
	int y, m, d;
	char *no = x->cases.text[x->cases.n];
	calendar_day_ymd(applied, &y, &m, &d);
	snprintf(no, sizeof(x->cases.text[0]), "%s-%04d%02d%02d-%06lld", it->region, y, m, d,
		 (long long)serial);
	struct db_val p[] = {
	    DBT(no),
	    DBT(w->s[CA_OLD_NO]),
	    DBI(it->center),
	    DBI(it->unit),
	    DBI(it->id),
	    DBT(it->version < 0 ? "immediate" : "promised"),
	    DBI(it->statutory),
	    DBI(it->promised),
	    DBI(accepted && it->version > 0 ? it->version : 0),
	    DBT(state),
	    DBT(w->s[CA_AKIND]),
	    DBT(w->s[CA_ANAME]),
	    DBT(w->s[CA_AID]),
	    DBT(w->s[CA_APHONE]),
	    DBT(w->s[CA_AADDR]),
	    DBT(w->s[CA_CNAME]),
	    DBT(w->s[CA_CID]),
	    DBT(w->s[CA_CPHONE]),
	    DBT(w->s[CA_SUMMARY]),
	    DBI(w->i[CA_CREATED_BY]),
	    DBI(w->i[CA_APPLIED_AT]),
	    DBI(applied),
	    opt(w, CA_ACCEPTED_BY),
	    opt(w, CA_ACCEPTED_AT),
	    accepted ? DBI(accepted_day) : DBN,
	    accepted ? DBI(due) : DBN,
	    opt(w, CA_PAUSED_SINCE),
	    DBI(w->has[CA_PAUSED_DAYS] ? w->i[CA_PAUSED_DAYS] : 0),
	    DBT(w->s[CA_NOTE]),
	    opt(w, CA_DECIDED_AT),
	    opt(w, CA_COMPLETED_BY),
	    opt(w, CA_COMPLETED_AT),
	    w->has[CA_COMPLETED_AT] ? DBI(calendar_day_of(w->i[CA_COMPLETED_AT])) : DBN,
	    opt(w, CA_PERMITTED),
	    *w->s[CA_DOC_NO] ? DBT(w->s[CA_DOC_NO]) : DBN,
	    *w->s[CA_OPINION] ? DBT(w->s[CA_OPINION]) : DBN,
	    opt(w, CA_PICKED_BY),
	    opt(w, CA_PICKED_AT),
	    opt(w, CA_NO_ID_CARD),
	    opt(w, CA_RATING),
	    w->has[CA_RATING] || *w->s[CA_RATING_COMMENT] ? DBT(w->s[CA_RATING_COMMENT]) : DBN,
	    DBI(updated)};
	_Static_assert(sizeof(p) / sizeof(p[0]) <= BATCH_WIDTH, "a case binds too many values");
	int open_promised = !strcmp(state, "in_process") && it->version >= 0;
	/* the id arrives when the batch is inserted; the steps find the item through v */
	key_note(r, K_CASE, w->s[CA_OLD_NO], 0, open_promised ? KF_NEED_ACTIVE : 0)->v =
	    1 + (it - x->items);
	if ((rc = batch_add(x, it->center, no, w->s[CA_OLD_NO])) < 0)
		return rc;
	return rows_add(x, &x->cases, p);
}

static int cases_import(struct ex *x, struct rd *r)
{
	struct row w;
	int rc;
	while ((rc = rd_next(r)) > 0) {
		const char *old_no;
		if ((rc = p_text(r, CA_OLD_NO, MAX_KEY, &old_no)) < 0)
			return rc;
		struct kent *e = km_get(&x->keys[K_CASE], old_no);
		if (e && (e->flags & KF_FRESH))
			return rd_fail(r, CA_OLD_NO, "“%s”与第%d行重复", old_no, e->line);
		if (e) { /* an earlier run's */
			e->flags = KF_FRESH | KF_SKIPPED;
			e->line = r->csv.line;
			r->skipped++;
			continue;
		}
		if ((rc = row_parse(r, case_max, case_range, &w)) < 0 ||
		    (rc = p_enum(r, CA_STATE, case_states,
				 "applied、supplement、refused、accepted、"
				 "in_process、completed、picked_up或withdrawn",
				 &w.s[CA_STATE])) < 0 ||
		    (rc = p_enum(r, CA_AKIND, applicant_kinds, "person或org", &w.s[CA_AKIND])) <
			0 ||
		    (rc = case_insert(x, r, &w)) < 0)
			return rc;
	}
	if (rc == E_OK)
		rc = rows_flush(x, &x->cases);
	for (size_t i = 0; rc == E_OK && i < x->nbatches; i++)
		rc = batch_flush(x, &x->batches[i]);
	return rc < 0 ? rc : serials_save(x);
}

static const long cstep_max[CS_N] = {[CS_CASE] = MAX_KEY, [CS_NAME] = 100, [CS_KIND] = 16,
				     [CS_TDESC] = 500,	  [CS_STATE] = 16, [CS_OPINION] = 2000};
static const int64_t cstep_range[CS_N][2] = {[CS_STAGE] = {1, PROCESS_MAX_STEPS},
					     [CS_SEQ] = {1, PROCESS_MAX_STEPS},
					     [CS_LIMIT] = {0, PROCESS_MAX_DAYS},
					     [CS_TDAYS] = {0, PROCESS_MAX_DAYS}};

static int case_steps_import(struct ex *x, struct rd *r)
{
	struct row w;
	int rc;
	while ((rc = rd_next(r)) > 0) {
		const char *key;
		if ((rc = p_text(r, CS_CASE, MAX_KEY, &key)) < 0)
			return rc;
		struct kent *e = km_get(&x->keys[K_CASE], key);
		if (!e)
			return rd_fail(r, CS_CASE, "cases.csv中没有old_no为“%s”的办件", key);
		if ((e->flags & KF_SKIPPED) || !(e->flags & KF_FRESH)) { /* an earlier run's */
			r->skipped++;
			continue;
		}
		if ((rc = row_parse(r, cstep_max, cstep_range, &w)) < 0 ||
		    (rc = p_enum(r, CS_KIND, step_kinds, "accept、approve、transfer_out或complete",
				 &w.s[CS_KIND])) < 0 ||
		    (rc = p_enum(r, CS_STATE, step_states, "waiting、active、out或done",
				 &w.s[CS_STATE])) < 0)
			return rc;
		int waiting = !strcmp(w.s[CS_STATE], "waiting");
		if (!waiting && !w.has[CS_STARTED_AT])
			return rd_fail(r, CS_STARTED_AT, "已开始的环节须有开始时间");
		if (!strcmp(w.s[CS_STATE], "done") && !w.has[CS_FINISHED_AT])
			return rd_fail(r, CS_FINISHED_AT, "已完成的环节须有完成时间");
		/* stage and seq are at most PROCESS_MAX_STEPS */
		if (!is_add(&x->step_keys, (uint64_t)e->id << 16 | (uint64_t)w.i[CS_STAGE] << 8 |
					       (uint64_t)w.i[CS_SEQ]))
			return rd_fail(r, CS_SEQ, "办件“%s”已有第%lld阶段的第%lld个环节", key,
				       (long long)w.i[CS_STAGE], (long long)w.i[CS_SEQ]);
		if (is_one(w.s[CS_STATE], "active", "out", NULL, NULL))
			e->flags |= KF_HAS_ACTIVE;
		/* a step carries its case's center, unit and item (migration 012) */
		const struct xitem *it = &x->items[e->v - 1];
		struct db_val p[] = {DBI(e->id),
				     DBI(w.i[CS_STAGE]),
				     DBI(w.i[CS_SEQ]),
				     DBT(w.s[CS_NAME]),
				     DBT(w.s[CS_KIND]),
				     opt(&w, CS_HANDLER),
				     DBI(w.i[CS_LIMIT]),
				     DBT(w.s[CS_TDESC]),
				     DBI(w.has[CS_TDAYS] ? w.i[CS_TDAYS] : 0),
				     DBT(w.s[CS_STATE]),
				     opt(&w, CS_STARTED_AT),
				     w.has[CS_STARTED_AT] ? DBI(calendar_day_of(w.i[CS_STARTED_AT]))
							  : DBN,
				     opt(&w, CS_DUE),
				     opt(&w, CS_OUT),
				     opt(&w, CS_FINISHED_AT),
				     opt(&w, CS_FINISHED_BY),
				     DBT(w.s[CS_OPINION]),
				     DBI(it->center),
				     DBI(it->unit),
				     DBI(it->id)};
		_Static_assert(sizeof(p) / sizeof(p[0]) <= BATCH_WIDTH,
			       "a step binds too many values");
		if ((rc = rows_add(x, &x->steps, p)) < 0)
			return rc;
		r->imported++;
	}
	if (rc < 0 || (rc = rows_flush(x, &x->steps)) < 0)
		return rc;
	/* an open promised case is somewhere in its process */
	struct kmap *m = &x->keys[K_CASE];
	for (size_t i = 0; i < m->cap; i++) {
		struct kent *e = &m->e[i];
		if (e->key && (e->flags & KF_NEED_ACTIVE) && !(e->flags & KF_HAS_ACTIVE)) {
			struct rd sub = {.x = x, .f = &files[F_CASES]};
			sub.csv.line = e->line;
			return rd_fail(
			    &sub, CA_STATE,
			    "审批中（in_process）的承诺件“%s”在case_steps.csv中须有办理中"
			    "（active或out）的环节",
			    e->key);
		}
	}
	return E_OK;
}

/* ---- the import ---- */

static int import_all(struct ex *x)
{
	static int (*const run[F_N])(struct ex *, struct rd *) = {
	    [F_REGIONS] = regions_import, [F_CENTERS] = centers_import,
	    [F_UNITS] = units_import,	  [F_USERS] = users_import,
	    [F_ITEMS] = items_import,	  [F_PROCESSES] = processes_import,
	    [F_CASES] = cases_import,	  [F_CSTEPS] = case_steps_import};
	int rc;
	if ((rc = keys_load(x)) < 0 || (rc = calendar_load(x->c, &x->cal)) < 0)
		return rc;
	for (int f = 0; f < F_N; f++) {
		struct rd r;
		if (f == F_CASES && (rc = bulk_drop(x->c, case_tables, 2, &x->bulk)) < 0)
			return rc;
		if (!run[f]) {
			if ((rc = groups_read(x, f)) < 0)
				return rc;
			continue;
		}
		if ((rc = rd_open(&r, x, &files[f])) == E_OK && (rc = run[f](x, &r)) == E_OK &&
		    r.present)
			json_object_set_new(x->out, files[f].name,
					    json_pack("{s:I,s:I}", "imported",
						      (json_int_t)r.imported, "skipped",
						      (json_int_t)r.skipped));
		rd_close(&r);
		if (rc < 0)
			return rc;
	}
	if ((rc = bulk_build(x->c, &x->bulk, x->o->progress, x->started)) < 0)
		return rc;
	json_t *cases = json_object_get(x->out, "cases.csv");
	if (json_integer_value(json_object_get(cases, "imported")) > 0) {
		if (x->o->progress)
			fprintf(x->o->progress, "统计汇总重建中……（第%lld秒）\n",
				(long long)(time(NULL) - x->started));
		rc = stats_rebuild(x->c);
	}
	return rc;
}

int exchange_import(struct ctx *c, const struct exchange_opts *o, json_t **out)
{
	struct ex x = {
	    .c = c,
	    .o = o,
	    .out = json_object(),
	    .started = time(NULL),
	    .cases = {.insert = "INSERT INTO cases (no, old_no, center_id, unit_id, item_id, "
				"item_kind, statutory_days, promised_days, process_version, state, "
				"applicant_kind, applicant_name, applicant_id_no, applicant_phone, "
				"applicant_address, contact_name, contact_id_no, contact_phone, "
				"summary, created_by, created_at, applied_day, accepted_by, "
				"accepted_at, accepted_day, due_day, paused_since, paused_days, "
				"decision_note, decided_at, completed_by, completed_at, "
				"completed_day, permitted, doc_no, opinion, picked_up_by, "
				"picked_up_at, no_id_card, rating, rating_comment, updated_at) "
				"VALUES ",
		      .returning = " RETURNING id, old_no",
		      .ids = K_CASE,
		      .width = 42},
	    .steps = {.insert = "INSERT INTO case_steps (case_id, stage, seq, name, kind, "
				"handler_id, limit_days, transfer_desc, transfer_days, state, "
				"started_at, started_day, due_day, out_day, finished_at, "
				"finished_by, opinion, center_id, unit_id, item_id) VALUES ",
		      .returning = "",
		      .width = 20}};
	int sqlite = db_file(c->db) != NULL, rc;
	*out = NULL;
	/* a page cache as large as a million cases' database (2 GB at most, taken as the pages
	 * come) keeps them off the disk until the commit, so that the indexes built after the
	 * rows and the statistics rebuild read them from memory; the statement journal of each
	 * insert stays in memory rather than in a temporary file */
	if (sqlite &&
	    ((rc = ctx_db(c, db_exec(c->db, "PRAGMA cache_size=-2000000", NULL, 0, NULL))) < 0 ||
	     (rc = ctx_db(c, db_exec(c->db, "PRAGMA temp_store=MEMORY", NULL, 0, NULL))) < 0))
		goto out;
	if ((rc = ctx_db(c, db_begin_write(c->db))) < 0)
		goto out;
	if ((rc = import_all(&x)) == E_OK) {
		if (o->progress)
			fprintf(o->progress, "提交中……（第%lld秒）\n",
				(long long)(time(NULL) - x.started));
		if ((rc = ctx_db(c, db_commit(c->db))) == E_OK && o->progress)
			fprintf(o->progress, "完成，用时%lld秒\n",
				(long long)(time(NULL) - x.started));
	} else {
		db_rollback(c->db);
		if (o->progress && o->tty)
			fputc('\n', o->progress); /* end the bar before the error */
	}
out:
	if (sqlite) {
		db_exec(c->db, "PRAGMA cache_size=-2000", NULL, 0, NULL);
		db_exec(c->db, "PRAGMA temp_store=DEFAULT", NULL, 0, NULL);
	}
	for (int k = 0; k < K_N; k++)
		km_free(&x.keys[k]);
	km_free(&x.regions);
	km_free(&x.serials);
	km_free(&x.centers);
	for (size_t i = 0; i < x.nbatches; i++)
		json_decref(x.batches[i].cases);
	for (int g = 0; g < F_N; g++)
		json_decref(x.groups[g]);
	free(x.batches);
	free(x.items);
	rows_free(&x.cases);
	rows_free(&x.steps);
	free(x.step_keys.e);
	bulk_release(&x.bulk);
	if (rc == E_OK)
		*out = x.out;
	else
		json_decref(x.out);
	return rc;
}

/* ---- the export ---- */

/* One cell of a selected row, formatted by its column's type. */
static void cell(struct buf *b, struct db_res *res, int i, const struct xcol *col)
{
	char text[32];
	if (db_isnull(res, i)) {
		return;
	} else if (col->type == T_DAY) {
		calendar_format_day((int32_t)db_int(res, i), text);
	} else if (col->type == T_TIME) {
		int64_t t = db_int(res, i);
		int32_t d = calendar_day_of(t);
		int64_t s = t - calendar_day_start(d);
		int y, m, dd;
		calendar_day_ymd(d, &y, &m, &dd);
		snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d", y, m, dd,
			 (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
	} else if (col->type == T_ROLES) {
		json_t *names = user_roles_json((unsigned)db_int(res, i)), *n;
		size_t k;
		json_array_foreach(names, k, n)
		{
			if (k)
				buf_addstr(b, "|");
			buf_addstr(b, json_string_value(n));
		}
		json_decref(names);
		return;
	} else {
		csv_put(b, db_text(res, i));
		return;
	}
	buf_addstr(b, text);
}

static int export_file(struct ctx *c, const struct exchange_opts *o, const struct xfile *f,
		       int64_t *rows)
{
	const char *path = arena_printf(c->arena, "%s/%s", o->dir, f->name);
	FILE *fp = fopen(path, "wb");
	struct buf b = BUF_INIT((size_t)-1);
	struct db_res *res = NULL;
	int rc;
	*rows = 0;
	if (!fp)
		return ctx_fail(c, E_INVALID, NULL, "无法写入 %s：%s", path, strerror(errno));
	for (int i = 0; i < f->ncols; i++)
		buf_addf(&b, "%s%s", i ? "," : "", f->cols[i].name);
	buf_addstr(&b, "\n");
	if ((rc = db_query(c->db, &res, f->export_sql, NULL, 0)) == DB_OK) {
		while ((rc = db_next(res)) > 0) {
			for (int i = 0; i < f->ncols; i++) {
				if (i)
					buf_addstr(&b, ",");
				cell(&b, res, i, &f->cols[i]);
			}
			buf_addstr(&b, "\n");
			if (b.len > (1 << 20)) {
				fwrite(b.buf, 1, b.len, fp);
				buf_reset(&b);
			}
			if (o->progress && ++*rows % 100000 == 0)
				fprintf(o->progress, "%s: %lld行……\n", f->name, (long long)*rows);
		}
		db_res_free(res);
	}
	fwrite(b.buf, 1, b.len, fp);
	buf_release(&b);
	if ((ferror(fp) | fclose(fp)) != 0 && rc == 0)
		return ctx_fail(c, E_INVALID, NULL, "无法写入 %s：%s", path, strerror(errno));
	if (o->progress)
		fprintf(o->progress, "%s: %lld行\n", f->name, (long long)*rows);
	return ctx_db(c, rc);
}

int exchange_export(struct ctx *c, const struct exchange_opts *o, json_t **out)
{
	int rc;
	*out = NULL;
	if (mkdir(o->dir, 0777) < 0 && errno != EEXIST)
		return ctx_fail(c, E_INVALID, NULL, "无法创建目录 %s：%s", o->dir, strerror(errno));
	if ((rc = ctx_db(c, db_begin_read(c->db))) < 0)
		return rc;
	json_t *counts = json_object();
	for (int f = 0; f < F_N && rc == E_OK; f++) {
		int64_t rows;
		if ((rc = export_file(c, o, &files[f], &rows)) == E_OK)
			json_object_set_new(counts, files[f].name, json_integer((json_int_t)rows));
	}
	db_rollback(c->db);
	if (rc == E_OK)
		*out = counts;
	else
		json_decref(counts);
	return rc;
}
