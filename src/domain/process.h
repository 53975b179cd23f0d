/*
 * process.h - the process (办理流程) of a promised item: versioned steps, the rules a process
 * must keep, the default process and its flowchart (DESIGN.md section 4, docs/process.md).
 *
 * A process is a list of steps in stages 1..n; the steps of one stage run in parallel (并联).
 * Stage 1 is one accept step (受理), stage n one complete step (办结); between them approve
 * steps (审批, each with a handler) and transfer-out steps (转外, with a description and their
 * own limit, outside the promised limit). The stages' limits - the longest non-transfer step
 * of each stage - add up to the item's promised days. Stages can only go forward, so a
 * process has no cycles.
 *
 * Saving never changes a stored version: it adds version max+1, so a case keeps the version
 * it started on. A promised item without any saved version has the default process
 * (accept → approve → complete), generated on every read and never stored by a read: replies
 * mark it "default":true, "version":0. Immediate items (即办) have no process: every call on
 * one fails with E_INVALID "即办事项无需配置流程".
 *
 * Everybody who may read the item reads its process; a sysadmin, the center admin of its
 * center and the unit admin of its unit save it. Saving runs in the caller's write
 * transaction and appends the event "process.save". Failures carry the offending field
 * ("steps", "steps[2].handler_id", … with 0-based indexes) and a Chinese message naming the
 * step by its 1-based number.
 */
#ifndef SHENPI_PROCESS_H
#define SHENPI_PROCESS_H

#include <stddef.h>

#include <jansson.h>

#include "domain/ctx.h"

#define PROCESS_MAX_STEPS 30
#define PROCESS_MAX_DAYS 365

/* A step of a process version. */
struct process_step {
	int64_t id;
	int stage, seq;
	const char *name, *kind;
	int64_t handler_id; /* 0 = none */
	const char *handler_name;
	int limit_days, transfer_days;
	const char *transfer_desc, *remarks;
};

/* Version `version` (0 = the current one; the default when none is saved) of the item's
 * process: {"item":{…},"id","version","default","name","created_at","created_by_name",
 * "total_days","steps":[…],"versions":[…],"handlers":[…]} as in docs/api.md. */
int process_get(struct ctx *c, int64_t item_id, int64_t version, json_t **out);

/* The current version of the item's process, as a case accepted now copies it: *version (0
 * for the default) and its steps (from c->arena); E_STATE naming the rule it breaks when the
 * item or its handlers have changed since it was saved. */
int process_current(struct ctx *c, int64_t item_id, int64_t *version, struct process_step **steps,
		    size_t *n);

/* in {"name"?, "steps":[…]}: check every rule and store it as the next version; *out gets
 * the stored process as process_get gives it. */
int process_save(struct ctx *c, int64_t item_id, json_t *in, json_t **out);

/* The flowchart of a version (0 = current) as SVG text from c->arena. */
int process_svg(struct ctx *c, int64_t item_id, int64_t version, const char **svg, size_t *len);

/* The flowchart of unsaved steps, in {"item_id", "steps":[…]}: every step must be well
 * formed (types, lengths, ranges) but the process rules are not applied, so an editor can
 * show a process while it is still wrong. Steps are drawn in stage order. */
int process_preview_svg(struct ctx *c, json_t *in, const char **svg, size_t *len);

#endif
