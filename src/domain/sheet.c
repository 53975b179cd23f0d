/*
 * sheet.c - .xlsx files in memory; see sheet.h.
 */
#include "domain/sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"

static int read_file(const char *path, char **data, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	int rc = E_INTERNAL;
	if (!fp)
		return rc;
	if (fstat(fileno(fp), &st) == 0 && (*data = malloc((size_t)st.st_size + 1)) &&
	    fread(*data, 1, (size_t)st.st_size, fp) == (size_t)st.st_size) {
		*len = (size_t)st.st_size;
		rc = E_OK;
	}
	fclose(fp);
	return rc;
}

int sheet_xlsx(int (*fill)(lxw_workbook *wb, void *arg), void *arg, char **data, size_t *len)
{
	char path[] = "/tmp/shenpi-export-XXXXXX";
	int fd = mkstemp(path), rc;
	if (fd < 0)
		return E_INTERNAL;
	close(fd);
	lxw_workbook *wb = workbook_new(path);
	if (!wb) {
		unlink(path);
		return E_INTERNAL;
	}
	rc = fill(wb, arg);
	/* closing writes the file; it also frees the workbook when fill failed */
	if (workbook_close(wb) != LXW_NO_ERROR && rc == E_OK)
		rc = E_INTERNAL;
	if (rc == E_OK)
		rc = read_file(path, data, len);
	unlink(path);
	return rc;
}

lxw_worksheet *sheet_add(lxw_workbook *wb, const char *name, lxw_format **head)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, name);
	if (head) {
		*head = workbook_add_format(wb);
		format_set_bold(*head);
		format_set_bg_color(*head, 0xDDEBF7);
	}
	worksheet_freeze_panes(ws, 1, 0);
	return ws;
}
