/*
 * flowchart.c - processes drawn with Graphviz; see flowchart.h.
 *
 * We write the graph as DOT text, let agmemread parse it and dot lay it out, and take the
 * SVG from gvRenderData. Every label is escaped for a DOT quoted string, so no name a user
 * typed can change the graph.
 */
#include "domain/flowchart.h"

#include <pthread.h>
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"

#define FONT "Noto Sans CJK SC"
#define DOT_MAX (256 * 1024)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static GVC_t *gvc; /* guarded by lock */

/* Append s as the inside of a DOT quoted string. */
static void add_escaped(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_add(b, "\\", 1);
		buf_add(b, s, 1);
	}
}

/* Fill and border colours of a step by its light and kind. */
static void colours(const struct flowchart_step *s, const char **fill, const char **line)
{
	switch (s->light) {
	case FLOWCHART_GREEN:
		*fill = "#e1f3d8", *line = "#67c23a";
		return;
	case FLOWCHART_YELLOW:
		*fill = "#faecd8", *line = "#e6a23c";
		return;
	case FLOWCHART_RED:
		*fill = "#fde2e2", *line = "#f56c6c";
		return;
	case FLOWCHART_GREY:
		*fill = "#f4f4f5", *line = "#909399";
		return;
	case FLOWCHART_NONE:
		break;
	}
	if (s->kind && !strcmp(s->kind, "transfer_out"))
		*fill = "#fdf6ec", *line = "#e6a23c";
	else
		*fill = "#ecf5ff", *line = "#409eff";
}

static void add_node(struct buf *b, size_t i, const struct flowchart_step *s)
{
	int transfer = s->kind && !strcmp(s->kind, "transfer_out");
	const char *fill, *line;
	colours(s, &fill, &line);
	buf_addf(b, "  s%zu [id=\"step-%zu\", style=\"%s\", fillcolor=\"%s\", color=\"%s\", "
		    "label=\"",
		 i, i, transfer ? "filled,rounded,dashed" : "filled,rounded", fill, line);
	if (transfer)
		buf_addstr(b, "【转外】");
	add_escaped(b, s->name);
	if (s->handler_name && *s->handler_name) {
		buf_addstr(b, "\\n承办人：");
		add_escaped(b, s->handler_name);
	}
	if (transfer) {
		if (s->transfer_desc && *s->transfer_desc) {
			buf_addstr(b, "\\n");
			add_escaped(b, s->transfer_desc);
		}
		buf_addf(b, "\\n转外时限：%d个工作日（不计入承诺时限）", s->transfer_days);
	} else if (s->limit_days == 0) {
		buf_addstr(b, "\\n时限：当日");
	} else {
		buf_addf(b, "\\n时限：%d个工作日", s->limit_days);
	}
	buf_addstr(b, "\"];\n");
}

/* The DOT text of the process. */
static void build_dot(struct buf *b, const struct flowchart_step *steps, size_t n,
		      const char *title)
{
	buf_addstr(b, "digraph process {\n  rankdir=LR; nodesep=0.3; ranksep=0.5; "
		      "fontname=\"" FONT "\"; fontsize=12; bgcolor=\"transparent\";\n");
	if (title && *title) {
		buf_addstr(b, "  labelloc=t; label=\"");
		add_escaped(b, title);
		buf_addstr(b, "\";\n");
	}
	buf_addstr(b, "  node [shape=box, fontname=\"" FONT "\", fontsize=11, margin=\"0.15,0.08\"];\n"
		      "  edge [color=\"#909399\", arrowsize=0.7];\n"
		      "  start [id=\"start\", label=\"开始\", shape=circle, style=filled, "
		      "fillcolor=\"#f0f9eb\", color=\"#67c23a\", fontsize=10];\n"
		      "  end [id=\"end\", label=\"结束\", shape=doublecircle, style=filled, "
		      "fillcolor=\"#f4f4f5\", color=\"#909399\", fontsize=10];\n");
	/* steps, a parallel stage framed as a cluster */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && steps[j].stage == steps[i].stage)
			j++;
		if (j - i > 1)
			buf_addf(b, "  subgraph cluster_%d {\n  label=\"第%d阶段（并联）\"; "
				    "style=\"rounded,dashed\"; color=\"#c0c4cc\"; fontsize=10;\n",
				 steps[i].stage, steps[i].stage);
		for (size_t k = i; k < j; k++)
			add_node(b, k, &steps[k]);
		if (j - i > 1)
			buf_addstr(b, "  }\n");
		i = j;
	}
	/* edges: every step of a stage to every step of the next */
	size_t prev = 0, prev_end = 0; /* the previous stage's steps, [prev, prev_end) */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && steps[j].stage == steps[i].stage)
			j++;
		for (size_t k = i; k < j; k++) {
			if (i == 0)
				buf_addf(b, "  start -> s%zu;\n", k);
			for (size_t p = prev; p < prev_end; p++)
				buf_addf(b, "  s%zu -> s%zu;\n", p, k);
		}
		prev = i, prev_end = j;
		i = j;
	}
	if (n == 0)
		buf_addstr(b, "  start -> end;\n");
	for (size_t p = prev; p < prev_end; p++)
		buf_addf(b, "  s%zu -> end;\n", p);
	buf_addstr(b, "}\n");
}

static int render(const char *dot, struct arena *arena, const char **svg, size_t *len)
{
	graph_t *g;
	char *data = NULL;
	unsigned int dlen = 0;
	int rc = E_INTERNAL;

	if (!gvc && !(gvc = gvContext()))
		return E_INTERNAL;
	if (!(g = agmemread(dot)))
		return E_INTERNAL;
	if (gvLayout(gvc, g, "dot") != 0)
		goto out_graph;
	if (gvRenderData(gvc, g, "svg", &data, &dlen) == 0 && data) {
		*svg = arena_strndup(arena, data, dlen);
		*len = dlen;
		rc = E_OK;
	}
	if (data)
		gvFreeRenderData(data);
	gvFreeLayout(gvc, g);
out_graph:
	agclose(g);
	return rc;
}

int flowchart_svg(const struct flowchart_step *steps, size_t n, const char *title,
		  struct arena *arena, const char **svg, size_t *len)
{
	struct buf b = BUF_INIT(DOT_MAX);
	int rc;

	if (n > FLOWCHART_MAX_STEPS)
		return E_INVALID;
	build_dot(&b, steps, n, title);
	pthread_mutex_lock(&lock);
	rc = render(b.buf, arena, svg, len);
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		log_msg(LOG_ERROR, "graphviz failed", json_pack("{s:s}", "dot", b.buf));
	buf_release(&b);
	return rc;
}

void flowchart_shutdown(void)
{
	pthread_mutex_lock(&lock);
	if (gvc)
		gvFreeContext(gvc);
	gvc = NULL;
	pthread_mutex_unlock(&lock);
}

int flowchart_light(const struct flowchart_step *steps, size_t n, const char *svg, size_t len,
		    struct arena *arena, const char **out, size_t *out_len)
{
	const char *open = strstr(svg, "<svg"), *end = open ? strchr(open, '>') : NULL;
	if (!end || n > FLOWCHART_MAX_STEPS)
		return E_INVALID;
	/* presentation attributes yield to any style rule, so this recolours the boxes */
	struct buf css = BUF_INIT(8192);
	buf_addstr(&css, "<style>");
	for (size_t i = 0; i < n; i++) {
		const char *fill, *line;
		if (steps[i].light == FLOWCHART_NONE)
			continue;
		colours(&steps[i], &fill, &line);
		buf_addf(&css, "#step-%zu path,#step-%zu polygon{fill:%s;stroke:%s}", i, i, fill,
			 line);
	}
	buf_addstr(&css, "</style>");
	size_t head = (size_t)(end + 1 - svg);
	char *s = arena_alloc(arena, len + css.len + 1);
	memcpy(s, svg, head);
	memcpy(s + head, css.buf, css.len);
	memcpy(s + head + css.len, svg + head, len - head + 1);
	*out = s;
	*out_len = len + css.len;
	buf_release(&css);
	return E_OK;
}
