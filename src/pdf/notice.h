/*
 * notice.h - one printed notice (通知书) as an A4 PDF, drawn with Cairo and Pango in the
 * embedded Noto CJK fonts, with a Code128 barcode of the case number (for the pickup
 * scanner) and a QR code of the public progress page, both drawn as vector rectangles from
 * zint's symbol (DESIGN.md section 5).
 *
 * The page, top to bottom: the barcode with the number under it (left) and the QR code with
 * its caption (right); the issuing center; the title; "编号：…" and a rule; the key/value
 * lines; the body paragraphs and list items; the issuer's name with 「（盖章）」 and the date
 * (right); the signatures with the date on one line. Text that does not fit continues on further
 * pages; the issuer block and the signatures are never split.
 *
 * Pango's font map is not shared between threads safely, so rendering is serialised on one
 * mutex with one process-wide font map, created (fonts loaded) on first use and kept until
 * notice_shutdown().
 */
#ifndef SHENPI_PDF_NOTICE_H
#define SHENPI_PDF_NOTICE_H

#include <stddef.h>

#include "core/arena.h"

struct notice_field {
	const char *label, *value; /* "申请人", "张三" */
};

enum notice_para_kind {
	NOTICE_TEXT,	   /* a paragraph, first line indented two characters */
	NOTICE_SALUTATION, /* "张三：", not indented */
	NOTICE_ITEM	   /* a list item ("1. 营业执照"), the whole item indented */
};

struct notice_para {
	enum notice_para_kind kind;
	const char *text; /* may contain line breaks */
};

/* Every text is UTF-8; NULL counts as "" (an empty no or qr draws no barcode). */
struct notice_doc {
	const char *header;	/* the issuing center, above the title */
	const char *title;	/* "受理通知书" */
	const char *no;		/* printed as "编号：…" and as Code128 (ASCII only) */
	const char *qr;		/* the text of the QR code, a URL */
	const char *qr_caption; /* under the QR code */
	const struct notice_field *fields;
	size_t nfields;
	const struct notice_para *paras;
	size_t nparas;
	const char *issuer;	       /* 落款, followed by 「（盖章）」 */
	const char *date;	       /* "2026年11月27日" */
	const char *const *signatures; /* "申请人（签收）", each drawn as a line to sign on */
	size_t nsignatures;
};

#define NOTICE_PDF_MAX (8 << 20) /* bytes; a notice is about 40 KB */

/* Render doc into a PDF allocated from arena: *pdf (not NUL-terminated) and *len. 0, or
 * E_INTERNAL (logged) when the number cannot be a Code128 or Cairo fails. */
int notice_pdf(const struct notice_doc *doc, struct arena *arena, const char **pdf, size_t *len);

/* Free the font map (at exit; rendering afterwards loads the fonts again). */
void notice_shutdown(void);

#endif
