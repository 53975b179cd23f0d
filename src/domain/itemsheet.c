/*
 * itemsheet.c - catalog export (.xlsx) and import (CSV); see itemsheet.h.
 */
#include "domain/itemsheet.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/csv.h"
#include "domain/access.h"
#include "domain/sheet.h"

enum col {
	COL_UNIT,
	COL_CODE,
	COL_NAME,
	COL_KIND,
	COL_STATUTORY,
	COL_PROMISED,
	COL_ENTERED,
	COL_AUTHORIZED,
	COL_INVESTMENT,
	COL_BASIS,
	COL_CONDITIONS,
	COL_FEES,
	COL_PLACE,
	COL_MATERIALS,
	COL_STATUS,
	NCOLS
};

/* Column titles, the item field each column fills, and the column width in Excel. */
static const struct {
	const char *title, *field;
	double width;
} cols[NCOLS] = {
	{"单位代码", "unit_id", 10},	    {"事项编码", "code", 14},
	{"事项名称", "name", 30},	    {"类型", "kind", 8},
	{"法定时限", "statutory_days", 10}, {"承诺时限", "promised_days", 10},
	{"进驻中心", "entered", 10},	    {"窗口授权", "authorized", 10},
	{"投资项目", "investment", 10},	    {"设定依据", "basis", 30},
	{"办理条件", "conditions", 30},	    {"收费标准", "fees", 20},
	{"办理地点和时间", "place_time", 24}, {"应交材料", "materials", 40},
	{"状态", "disabled", 8},
};

static const char *const forms[][2] = {
	{"original", "原件"}, {"copy", "复印件"}, {"both", "原件和复印件"}};

static const char *yes_no(json_t *v)
{
	return json_is_true(v) ? "是" : "否";
}

static const char *form_label(const char *form)
{
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(forms[i][0], form))
			return forms[i][1];
	return form;
}

/* The materials of an item as the cell text: one material a line. */
static void materials_cell(json_t *mats, struct buf *b)
{
	size_t i;
	json_t *m;
	json_array_foreach(mats, i, m)
	{
		buf_addf(b, "%s%s|%s|%lld|%s|%s", i ? "\n" : "",
			 json_string_value(json_object_get(m, "name")),
			 form_label(json_string_value(json_object_get(m, "form"))),
			 (long long)json_integer_value(json_object_get(m, "copies")),
			 json_is_true(json_object_get(m, "required")) ? "必交" : "选交",
			 json_string_value(json_object_get(m, "notes")));
	}
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The unit code of every unit id, for the first column. */
static json_t *unit_row(struct db_res *r)
{
	return json_pack("[I,s]", (json_int_t)db_int(r, 0), db_text(r, 1));
}

static const char *unit_code(json_t *units, int64_t id)
{
	size_t i;
	json_t *u;
	json_array_foreach(units, i, u) if (json_integer_value(json_array_get(u, 0)) == id) return json_string_value(json_array_get(u, 1));
	return "";
}

struct book {
	json_t *items, *units;
};

/* Write the rows of the items to the workbook (sheet_xlsx's fill). */
static int write_book(lxw_workbook *wb, void *arg)
{
	const struct book *bk = arg;
	json_t *items = bk->items, *units = bk->units;
	lxw_format *head, *wrap = workbook_add_format(wb);
	lxw_worksheet *ws = sheet_add(wb, "审批事项", &head);
	format_set_text_wrap(wrap);
	format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
	for (int col = 0; col < NCOLS; col++) {
		worksheet_write_string(ws, 0, (lxw_col_t)col, cols[col].title, head);
		worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col, cols[col].width, NULL);
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		lxw_row_t row = (lxw_row_t)i + 1;
		struct buf mats = BUF_INIT(1 << 20);
		materials_cell(json_object_get(it, "materials"), &mats);
		const char *text[NCOLS] = {
			[COL_UNIT] = unit_code(units, json_integer_value(json_object_get(it, "unit_id"))),
			[COL_CODE] = str(it, "code"),
			[COL_NAME] = str(it, "name"),
			[COL_KIND] = strcmp(str(it, "kind"), "immediate") ? "承诺" : "即办",
			[COL_ENTERED] = yes_no(json_object_get(it, "entered")),
			[COL_AUTHORIZED] = yes_no(json_object_get(it, "authorized")),
			[COL_INVESTMENT] = yes_no(json_object_get(it, "investment")),
			[COL_BASIS] = str(it, "basis"),
			[COL_CONDITIONS] = str(it, "conditions"),
			[COL_FEES] = str(it, "fees"),
			[COL_PLACE] = str(it, "place_time"),
			[COL_MATERIALS] = mats.buf,
			[COL_STATUS] = json_is_true(json_object_get(it, "disabled")) ? "停用" : "正常",
		};
		for (int col = 0; col < NCOLS; col++) {
			if (col == COL_STATUTORY || col == COL_PROMISED)
				worksheet_write_number(
					ws, row, (lxw_col_t)col,
					(double)json_integer_value(json_object_get(it, cols[col].field)),
					NULL);
			else
				worksheet_write_string(ws, row, (lxw_col_t)col, text[col], wrap);
		}
		buf_release(&mats);
	}
	return E_OK;
}

int itemsheet_export(struct ctx *c, const struct catalog_filter *f, char **data, size_t *len)
{
	struct page pg = {1, 100};
	json_t *items = json_array(), *page = NULL, *units = NULL, *it;
	size_t i;
	int rc;
	/* every page of the list, each item with its materials */
	do {
		json_decref(page);
		page = NULL;
		if ((rc = catalog_list(c, f, &pg, &page)) < 0)
			goto out;
		json_array_foreach(json_object_get(page, "items"), i, it)
		{
			json_t *full;
			if ((rc = catalog_get(c, json_integer_value(json_object_get(it, "id")), &full)) < 0)
				goto out;
			json_array_append_new(items, full);
		}
		pg.page++;
	} while (json_array_size(json_object_get(page, "items")) == (size_t)pg.size &&
		 json_array_size(items) < ITEMSHEET_MAX_ROWS);
	if ((rc = ctx_rows(c, "SELECT id, code FROM units", NULL, 0, unit_row, &units)) < 0)
		goto out;
	struct book bk = {items, units};
	rc = sheet_xlsx(write_book, &bk, data, len);
out:
	json_decref(page);
	json_decref(items);
	json_decref(units);
	return rc;
}

/* ---- import ---- */

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"是", "Y", "y", "1", "true", "必交"};
	static const char *const no[] = {"否", "N", "n", "0", "false", "选交", ""};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (!strcmp(s, yes[i]))
			return *out = 1, 0;
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (!strcmp(s, no[i]))
			return *out = 0, 0;
	return -1;
}

static int parse_days(const char *s, json_int_t *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > CATALOG_MAX_DAYS)
		return -1;
	*out = v;
	return 0;
}

/* Split a materials cell into the JSON list catalog_create takes; *why says what is wrong. */
static json_t *parse_materials(struct ctx *c, const char *cell, const char **why)
{
	json_t *list = json_array();
	char *rest = arena_strdup(c->arena, cell), *line;
	int n = 0;
	while ((line = strsep(&rest, "\r\n"))) { /* a CRLF inside the cell leaves an empty line */
		char *part[5] = {"", "原件", "1", "必交", ""}, *p;
		int k = 0, required;
		json_int_t copies;
		if (!*line)
			continue;
		n++;
		while ((p = strsep(&line, "|")) && k < 5)
			part[k++] = p;
		if (p) {
			*why = arena_printf(c->arena, "第%d项材料多于5段（名称|形式|份数|必交|备注）", n);
			goto bad;
		}
		const char *form = NULL;
		for (size_t i = 0; i < 3; i++)
			if (!strcmp(part[1], forms[i][1]) || !strcmp(part[1], forms[i][0]))
				form = forms[i][0];
		char *end;
		copies = strtol(part[2], &end, 10);
		if (!form || *end || parse_bool(part[3], &required) < 0) {
			*why = arena_printf(c->arena,
					    "第%d项材料“%s”应写成 名称|原件或复印件或原件和复印件|份数|必交或选交|备注",
					    n, part[0]);
			goto bad;
		}
		json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:b,s:s}", "name", part[0],
						      "form", form, "copies", copies, "required",
						      required, "notes", part[4]));
	}
	return list;
bad:
	json_decref(list);
	return NULL;
}

/* The column a failed field is in. */
static int field_col(const char *field)
{
	if (!field)
		return COL_NAME;
	for (int col = 0; col < NCOLS; col++)
		if (!strncmp(field, cols[col].field, strlen(cols[col].field)))
			return col;
	return COL_NAME;
}

/* One CSV record as the item JSON catalog_create/catalog_update take; -1 and *col, *why. */
static int row_item(struct ctx *c, int64_t center_id, char **f, int n, json_t **item, int *col,
		    const char **why)
{
	json_int_t days[2] = {0, 0};
	int flags[3], disabled = 0;
	int64_t unit = 0;
	*item = NULL;
	for (int i = n; i < NCOLS; i++)
		f[i] = "";
	struct db_val p[] = {DBI(center_id), DBT(f[COL_UNIT])};
	if (ctx_int(c, "SELECT id FROM units WHERE center_id = ? AND code = ?", p, 2, &unit) < 0 ||
	    !unit)
		return *col = COL_UNIT, *why = arena_printf(c->arena, "本中心没有代码为“%s”的单位", f[COL_UNIT]), -1;
	const char *kind = !strcmp(f[COL_KIND], "即办") || !strcmp(f[COL_KIND], "immediate")   ? "immediate"
			   : !strcmp(f[COL_KIND], "承诺") || !strcmp(f[COL_KIND], "promised") ? "promised"
											       : NULL;
	if (!kind)
		return *col = COL_KIND, *why = "类型须为“即办”或“承诺”", -1;
	for (int i = 0; i < 2; i++)
		if (parse_days(f[COL_STATUTORY + i], &days[i]) < 0)
			return *col = COL_STATUTORY + i,
			       *why = arena_printf(c->arena, "须为0到%d之间的整数（工作日）", CATALOG_MAX_DAYS), -1;
	for (int i = 0; i < 3; i++)
		if (parse_bool(f[COL_ENTERED + i], &flags[i]) < 0)
			return *col = COL_ENTERED + i, *why = "须填“是”或“否”", -1;
	if (*f[COL_STATUS] && strcmp(f[COL_STATUS], "正常") && strcmp(f[COL_STATUS], "停用"))
		return *col = COL_STATUS, *why = "须填“正常”或“停用”", -1;
	disabled = !strcmp(f[COL_STATUS], "停用");
	json_t *mats = parse_materials(c, f[COL_MATERIALS], why);
	if (!mats)
		return *col = COL_MATERIALS, -1;
	*item = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:b,s:b,s:b,s:s,s:s,s:s,s:s,s:o,s:b}", "unit_id",
			  (json_int_t)unit, "code", f[COL_CODE], "name", f[COL_NAME], "kind", kind,
			  "statutory_days", days[0], "promised_days", days[1], "entered", flags[0],
			  "authorized", flags[1], "investment", flags[2], "basis", f[COL_BASIS],
			  "conditions", f[COL_CONDITIONS], "fees", f[COL_FEES], "place_time",
			  f[COL_PLACE], "materials", mats, "disabled", disabled);
	return 0;
}

int itemsheet_import(struct ctx *c, int64_t center_id, const char *text, size_t len,
		     json_t **out)
{
	struct csv csv;
	char *f[NCOLS];
	const char *why;
	int n, got, col, rows = 0, created = 0, updated = 0, rc;
	if ((rc = access_center(c, center_id, ACCESS_READ)) < 0)
		return rc;
	if (csv_open(&csv, c->arena, text, len, &why) < 0)
		return ctx_fail(c, E_INVALID, "csv", "%s", why);
	while ((got = csv_next(&csv, f, NCOLS, &n)) != 0) {
		json_t *item, *saved = NULL;
		int64_t id = 0;
		if (got < 0)
			return ctx_fail(c, E_INVALID, "csv", "第%d行：引号不成对", csv.line);
		if (!rows++ && !strcmp(f[0], cols[0].title))
			continue; /* the header row */
		if (rows > ITEMSHEET_MAX_ROWS + 1)
			return ctx_fail(c, E_TOO_LARGE, "csv", "一次最多导入%d个事项",
					ITEMSHEET_MAX_ROWS);
		/* rows count records, as a spreadsheet numbers them (the header is row 1) */
		if (n > NCOLS)
			return ctx_fail(c, E_INVALID, "csv", "第%d行：应有%d列，实有%d列", rows, NCOLS,
					n);
		if (row_item(c, center_id, f, n, &item, &col, &why) < 0)
			return ctx_fail(c, E_INVALID, "csv", "第%d行第%d列（%s）：%s", rows, col + 1,
					cols[col].title, why);
		struct db_val p[] = {DBI(center_id), DBT(f[COL_CODE])};
		if ((rc = ctx_int(c, "SELECT id FROM items WHERE center_id = ? AND code = ?", p, 2,
				  &id)) == E_OK) {
			if (id) {
				json_object_del(item, "unit_id"); /* an item never changes unit */
				rc = catalog_update(c, id, item, &saved);
			} else {
				rc = catalog_create(c, item, &saved);
			}
		}
		json_decref(item);
		json_decref(saved);
		if (rc < 0) {
			/* the unit decides who may write the row */
			col = rc == E_FORBIDDEN ? COL_UNIT : field_col(c->fail_field);
			return ctx_fail(c, rc == E_FORBIDDEN ? rc : E_INVALID, "csv",
					"第%d行第%d列（%s）：%s", rows, col + 1, cols[col].title,
					c->fail_message ? c->fail_message : err_message(rc));
		}
		id ? updated++ : created++;
	}
	if (!created && !updated)
		return ctx_fail(c, E_INVALID, "csv", "文件中没有审批事项");
	*out = json_pack("{s:i,s:i}", "created", created, "updated", updated);
	return E_OK;
}
