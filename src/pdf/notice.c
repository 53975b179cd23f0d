/*
 * notice.c - notices drawn as A4 PDF with Cairo, Pango and zint; see notice.h.
 *
 * Units are PostScript points (1/72 inch). The text column follows GB/T 9704 (公文格式)
 * loosely: 26 mm side margins, the body in 小四 (12 pt) so that a notice fits one page.
 */
#include "pdf/notice.h"

#include <pthread.h>
#include <string.h>

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <zint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"

#define PAGE_W	 595.276 /* A4 */
#define PAGE_H	 841.89
#define MARGIN_X 73.7 /* 26 mm */
#define TOP	 40.0
#define BOTTOM	 40.0
#define TEXT_W	 (PAGE_W - 2 * MARGIN_X)

/* Every embedded face costs a parse of its whole 16 MB CFF table by Cairo's subsetter on each
 * render (docs/performance.md), so a notice uses two: the serif and, for headings, its bold. */
#define SERIF "Noto Serif CJK SC"

#define BAR_MODULE 0.9	/* pt per Code128 module: 0.32 mm, read by any hall scanner */
#define BAR_HEIGHT 32.0 /* pt */
#define QR_SIZE	   62.0 /* pt, about 22 mm */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *fontmap; /* guarded by lock, as is everything drawn with it */
static PangoContext *pctx;

/* One rendering: the Cairo context and where the next line goes. */
struct pen {
	cairo_t *cr;
	double y;
	double clear; /* below the QR code: the heading stays beside it until here */
};

enum align { LEFT, CENTER, RIGHT };

static PangoLayout *layout(const char *font, const char *text, double width, enum align align)
{
	PangoLayout *l = pango_layout_new(pctx);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	if (width > 0) /* else one line */
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align == CENTER  ? PANGO_ALIGN_CENTER
				      : align == RIGHT ? PANGO_ALIGN_RIGHT
						       : PANGO_ALIGN_LEFT);
	pango_layout_set_text(l, text ? text : "", -1);
	return l;
}

static double height_of(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

/* Start a new page when h more points do not fit on this one. */
static void room_for(struct pen *p, double h)
{
	if (p->y + h > PAGE_H - BOTTOM && p->y > TOP) {
		cairo_show_page(p->cr);
		p->y = TOP;
	}
}

/* Draw l at x line by line, breaking the page between lines where needed, and consume it. */
static void flow(struct pen *p, PangoLayout *l, double x)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	double shift = 0; /* layout y that sits at p->y on the current page */
	do {
		PangoRectangle log;
		pango_layout_iter_get_line_extents(it, NULL, &log);
		double top = (double)log.y / PANGO_SCALE, h = (double)log.height / PANGO_SCALE;
		if (p->y + top - shift + h > PAGE_H - BOTTOM && p->y + top - shift > TOP) {
			cairo_show_page(p->cr);
			p->y = TOP;
			shift = top;
		}
		cairo_move_to(p->cr, x + (double)log.x / PANGO_SCALE,
			      p->y - shift +
				  (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE);
		pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	p->y += height_of(l) - shift;
	g_object_unref(l);
}

/* Fill zint's rectangles, scaled by f, at (x, y). */
static void fill_symbol(cairo_t *cr, const struct zint_symbol *s, double x, double y, double f)
{
	for (const struct zint_vector_rect *r = s->vector->rectangles; r; r = r->next)
		cairo_rectangle(cr, x + r->x * f, y + r->y * f, r->width * f, r->height * f);
	cairo_fill(cr);
}

/* Encode text as symbology into vector form; NULL (logged) when zint refuses it. */
static struct zint_symbol *encode(int symbology, const char *text, float height)
{
	struct zint_symbol *s = ZBarcode_Create();
	if (!s)
		return NULL;
	s->symbology = symbology;
	s->show_hrt = 0; /* the number is drawn by us, in our font */
	s->height = height;
	if (symbology == BARCODE_QRCODE)
		s->option_1 = 2; /* error correction M */
	if (ZBarcode_Encode(s, (const unsigned char *)text, (int)strlen(text)) >= ZINT_ERROR ||
	    ZBarcode_Buffer_Vector(s, 0) >= ZINT_ERROR || !s->vector || s->vector->width <= 0) {
		log_msg(LOG_ERROR, "zint failed",
			json_pack("{s:s,s:s}", "text", text, "error", s->errtxt));
		ZBarcode_Delete(s);
		return NULL;
	}
	return s;
}

/* The barcode and number (left) and the QR code and caption (right) at the top. */
static int draw_codes(struct pen *p, const struct notice_doc *d)
{
	double bottom = p->y;
	p->clear = p->y;
	if (d->no && *d->no) {
		struct zint_symbol *s =
		    encode(BARCODE_CODE128, d->no, (float)(BAR_HEIGHT / BAR_MODULE));
		if (!s)
			return E_INTERNAL;
		double f = BAR_MODULE * s->width / s->vector->width;
		fill_symbol(p->cr, s, MARGIN_X, p->y, f);
		struct pen below = {p->cr, p->y + s->vector->height * f + 2, 0};
		double w = s->vector->width * f;
		ZBarcode_Delete(s);
		flow(&below, layout(SERIF " 9", d->no, w, CENTER), MARGIN_X);
		bottom = below.y;
	}
	if (d->qr && *d->qr) {
		struct zint_symbol *s = encode(BARCODE_QRCODE, d->qr, 0);
		if (!s)
			return E_INTERNAL;
		double x = PAGE_W - MARGIN_X - QR_SIZE;
		fill_symbol(p->cr, s, x, p->y, QR_SIZE / s->vector->width);
		ZBarcode_Delete(s);
		struct pen below = {p->cr, p->y + QR_SIZE + 2, 0};
		flow(&below, layout(SERIF " 7.5", d->qr_caption, QR_SIZE + 24, CENTER), x - 12);
		p->clear = below.y + 4;
	}
	p->y = bottom + 6;
	return E_OK;
}

#define BESIDE_QR (QR_SIZE + 16) /* kept free on both sides of the centred heading */

static void draw_heading(struct pen *p, const struct notice_doc *d)
{
	const double w = TEXT_W - 2 * BESIDE_QR;
	flow(p, layout(SERIF " 14", d->header, w, CENTER), MARGIN_X + BESIDE_QR);
	p->y += 6;
	flow(p, layout(SERIF " 22", d->title, w, CENTER), MARGIN_X + BESIDE_QR);
	p->y += 10;
	if (p->y < p->clear)
		p->y = p->clear;
	if (d->no && *d->no) {
		char *no = g_strconcat("编号：", d->no, NULL);
		flow(p, layout(SERIF " 10.5", no, TEXT_W, RIGHT), MARGIN_X);
		g_free(no);
	}
	/* the red rule under the heading of official documents */
	cairo_set_source_rgb(p->cr, 0.75, 0.1, 0.1);
	cairo_set_line_width(p->cr, 1.2);
	cairo_move_to(p->cr, MARGIN_X, p->y + 4);
	cairo_line_to(p->cr, PAGE_W - MARGIN_X, p->y + 4);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	p->y += 10;
}

#define LABEL_W 84.0 /* "承诺办结日期：" in 11 pt */

static void draw_fields(struct pen *p, const struct notice_doc *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct notice_field *f = &d->fields[i];
		char *label = g_strconcat(f->label ? f->label : "", "：", NULL);
		PangoLayout *lv = layout(SERIF " 11", f->value, TEXT_W - LABEL_W, LEFT);
		room_for(p, 18);
		struct pen at_label = *p;
		flow(&at_label, layout(SERIF " 11", label, 0, LEFT), MARGIN_X);
		g_free(label);
		flow(p, lv, MARGIN_X + LABEL_W);
		if (at_label.y > p->y)
			p->y = at_label.y;
	}
	p->y += 6;
}

#define BODY_FONT SERIF " 12"
#define EM	  12.0

static void draw_paras(struct pen *p, const struct notice_doc *d)
{
	for (size_t i = 0; i < d->nparas; i++) {
		const struct notice_para *pa = &d->paras[i];
		double x = MARGIN_X, w = TEXT_W;
		if (pa->kind == NOTICE_ITEM)
			x += 2 * EM, w -= 2 * EM;
		PangoLayout *l = layout(BODY_FONT, pa->text, w, LEFT);
		if (pa->kind == NOTICE_TEXT)
			pango_layout_set_indent(l, (int)(2 * EM * PANGO_SCALE));
		flow(p, l, x);
		p->y += 2;
	}
}

/* The issuer with 「（盖章）」 and the date, right-aligned, then the signature lines. */
static void draw_footer(struct pen *p, const struct notice_doc *d)
{
	char *text =
	    g_strconcat(d->issuer ? d->issuer : "", "（盖章）\n", d->date ? d->date : "", NULL);
	PangoLayout *l = layout(BODY_FONT, text, TEXT_W, RIGHT);
	g_free(text);
	p->y += 10;
	room_for(p, height_of(l));
	flow(p, l, MARGIN_X - EM);
	p->y += 8;
	if (!d->nsignatures)
		return;
	GString *sig = g_string_new(NULL);
	for (size_t i = 0; i < d->nsignatures; i++)
		g_string_append_printf(sig, "%s：________  ", d->signatures[i]);
	g_string_append(sig, "____年__月__日");
	PangoLayout *ls = layout(SERIF " 10.5", sig->str, TEXT_W, LEFT);
	g_string_free(sig, TRUE);
	room_for(p, height_of(ls));
	flow(p, ls, MARGIN_X);
}

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_add(closure, data, len) < 0 ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static void fonts_load(void)
{
	if (pctx)
		return;
	fontmap = pango_cairo_font_map_new();
	pctx = pango_font_map_create_context(fontmap);
	cairo_font_options_t *fo = cairo_font_options_create();
	/* outlines for print: no hinting, metrics as designed */
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(pctx, fo);
	cairo_font_options_destroy(fo);
}

static int render(const struct notice_doc *d, struct buf *out)
{
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_out, out, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->title ? d->title : "");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "shenpi");
	struct pen p = {cairo_create(s), TOP, TOP};
	fonts_load();
	pango_cairo_update_context(p.cr, pctx);
	cairo_set_source_rgb(p.cr, 0, 0, 0);
	int rc = draw_codes(&p, d);
	if (rc == E_OK) {
		draw_heading(&p, d);
		draw_fields(&p, d);
		draw_paras(&p, d);
		draw_footer(&p, d);
	}
	cairo_destroy(p.cr);
	cairo_surface_finish(s);
	if (rc == E_OK && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		log_msg(
		    LOG_ERROR, "cairo failed",
		    json_pack("{s:s}", "error", cairo_status_to_string(cairo_surface_status(s))));
		rc = E_INTERNAL;
	}
	cairo_surface_destroy(s);
	return rc;
}

int notice_pdf(const struct notice_doc *d, struct arena *arena, const char **pdf, size_t *len)
{
	struct buf out = BUF_INIT(NOTICE_PDF_MAX);
	pthread_mutex_lock(&lock);
	int rc = render(d, &out);
	pthread_mutex_unlock(&lock);
	if (rc == E_OK) {
		char *copy = arena_alloc(arena, out.len);
		memcpy(copy, out.buf, out.len);
		*pdf = copy;
		*len = out.len;
	}
	buf_release(&out);
	return rc;
}

void notice_shutdown(void)
{
	pthread_mutex_lock(&lock);
	if (pctx)
		g_object_unref(pctx);
	if (fontmap)
		g_object_unref(fontmap);
	pctx = NULL;
	fontmap = NULL;
	pthread_mutex_unlock(&lock);
}
