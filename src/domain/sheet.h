/*
 * sheet.h - Excel (.xlsx) files built in memory with libxlsxwriter, for every export
 * (the catalog, the statistics tables).
 *
 * libxlsxwriter writes to a file: sheet_xlsx() gives it a private temporary file, lets the
 * caller fill the workbook, and hands back the file's bytes.
 */
#ifndef SHENPI_SHEET_H
#define SHENPI_SHEET_H

#include <stddef.h>

#include <xlsxwriter.h>

/* Fill a new workbook with fill(wb, arg) (0 or a negative enum err) and return its bytes in
 * *data (malloc'd; the caller frees) and *len. */
int sheet_xlsx(int (*fill)(lxw_workbook *wb, void *arg), void *arg, char **data, size_t *len);

/* A worksheet named `name` with its first row frozen, and *head (may be NULL) the format of
 * that row's titles (bold, shaded). */
lxw_worksheet *sheet_add(lxw_workbook *wb, const char *name, lxw_format **head);

#endif
