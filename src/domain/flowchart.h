/*
 * flowchart.h - a process drawn as SVG by Graphviz (libgvc), the one picture of a process
 * that every page shows (DESIGN.md section 4).
 *
 * Left to right: a start node, one column per stage with its parallel steps stacked (a
 * parallel stage is framed and labelled 并联), an end node. A step's box shows its name,
 * handler and limit; a transfer-out step (转外) is dashed and shows its description and its
 * own limit. Each step may be given a light (a case's progress): its box is filled green,
 * yellow, red or grey.
 *
 * Graphviz keeps global state and is not thread-safe: rendering is serialised on one mutex
 * and runs on one process-wide context that lives until flowchart_shutdown().
 */
#ifndef SHENPI_FLOWCHART_H
#define SHENPI_FLOWCHART_H

#include <stddef.h>

#include "core/arena.h"

enum flowchart_light {
	FLOWCHART_NONE = 0,
	FLOWCHART_GREEN,
	FLOWCHART_YELLOW,
	FLOWCHART_RED,
	FLOWCHART_GREY
};

/* One step as drawn. Texts are UTF-8 without control characters; NULL counts as "". */
struct flowchart_step {
	int stage; /* 1..n; steps are given in stage order */
	const char *name;
	const char *kind;	  /* "accept" | "approve" | "transfer_out" | "complete" */
	const char *handler_name; /* "" = no handler */
	int limit_days;
	const char *transfer_desc;
	int transfer_days;
	enum flowchart_light light;
};

#define FLOWCHART_MAX_STEPS 64

/* Render n (<= FLOWCHART_MAX_STEPS) steps with an optional title into SVG text allocated
 * from arena: *svg (NUL-terminated) and *len. 0, or E_INVALID for too many steps, or
 * E_INTERNAL when Graphviz fails (logged). */
int flowchart_svg(const struct flowchart_step *steps, size_t n, const char *title,
		  struct arena *arena, const char **svg, size_t *len);

/* Light a flowchart drawn by flowchart_svg from the same steps without lights: the steps'
 * lights are laid over it as a style sheet, so one drawing of a process serves every case
 * on it (Graphviz is slow and keeps memory per drawing). *out is from arena. */
int flowchart_light(const struct flowchart_step *steps, size_t n, const char *svg, size_t len,
		    struct arena *arena, const char **out, size_t *out_len);
/* Free the process-wide Graphviz context (at exit; rendering afterwards starts a new one). */
void flowchart_shutdown(void);

#endif
