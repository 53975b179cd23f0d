/*
 * itemsheet.h - the catalog as a spreadsheet: export to Excel (.xlsx, libxlsxwriter) and
 * import from CSV in the same column layout (docs/itemsheet.md), so an admin can export,
 * edit in Excel, save as CSV and import back.
 *
 * One item a row: 单位代码, 事项编码, 事项名称, 类型, 法定时限, 承诺时限, 进驻中心, 窗口授权,
 * 投资项目, 设定依据, 办理条件, 收费标准, 办理地点和时间, 应交材料, 状态. The materials cell
 * holds one material a line: 名称|原件/复印件/原件和复印件|份数|必交/选交|备注.
 */
#ifndef SHENPI_ITEMSHEET_H
#define SHENPI_ITEMSHEET_H

#include <jansson.h>

#include "domain/catalog.h"

#define ITEMSHEET_MAX_ROWS 2000

/* The items of the filter (in the actor's scope, disabled ones too when asked) as an .xlsx
 * file: *data is malloc'd, *len its size. */
int itemsheet_export(struct ctx *c, const struct catalog_filter *f, char **data, size_t *len);

/* Import CSV text into center_id's catalog: a row whose 事项编码 exists in the center updates
 * that item, any other row creates one. Inside the caller's write transaction, which must
 * be rolled back on failure: the first bad row fails the whole import with E_INVALID and a
 * message naming the row and column. *out: {"created":N,"updated":M}. */
int itemsheet_import(struct ctx *c, int64_t center_id, const char *text, size_t len,
		     json_t **out);

#endif
