/*
 * notice.h - the notices (通知书) of a case or a consultation and their templates
 * (DESIGN.md section 5, R1.10; docs/notices.md).
 *
 * Kinds: consult 咨询通知书, accept 受理通知书, refuse 不予受理通知书, supplement 一次性告知通知书,
 * complete 办结通知书, deny 不予办结通知书. Each has a built-in template (title and body with
 * {{placeholders}}) that may be overridden for the whole platform (item_id 0, by a sysadmin)
 * and for one item (by whoever may change the item: catalog_access). An item's template wins
 * over the platform's, which wins over the built-in one. Saving refuses unknown placeholders,
 * naming them; saving and deleting append an event in the caller's transaction.
 *
 * A body is split into paragraphs at line breaks; blank ones (after filling in) are dropped;
 * a first line ending in "：" is the salutation (not indented); a line that is exactly
 * {{missing}} becomes one numbered list item per missing material.
 */
#ifndef SHENPI_NOTICE_H
#define SHENPI_NOTICE_H

#include <stddef.h>

#include <jansson.h>

#include "domain/ctx.h"

#define NOTICE_TITLE_MAX 30   /* characters */
#define NOTICE_BODY_MAX	 3000 /* characters */

/* The notice `kind` (not consult) of a case, from its JSON as case_get gives it (see
 * /work/wt/cases-contract.md), as PDF bytes from c->arena. The QR code links to
 * <public_url>/progress?no=<no>. E_NOT_FOUND for an unknown kind, E_FORBIDDEN for an
 * overview, E_STATE (with a Chinese message) when the case is not in a state the kind
 * fits: accept needs accepted_at, refuse state refused, supplement state supplement,
 * complete/deny a completion with permitted true/false. */
int notice_case_pdf(struct ctx *c, json_t *case_json, const char *kind, const char *public_url,
		    const char **pdf, size_t *len);

/* The 咨询通知书 of a consultation, from its JSON as consultation_get gives it. */
int notice_consultation_pdf(struct ctx *c, json_t *consultation, const char **pdf, size_t *len);

/* The effective template of every kind for item_id (0 = the platform), which the actor must
 * be able to read: {"item_id", "templates":[{"kind","name","title","body","source":
 * "default"|"platform"|"item","overridden"}], "placeholders":[{"name","token","description"}]};
 * overridden = the template is set at this level (and can be deleted). */
int notice_template_list(struct ctx *c, int64_t item_id, json_t **out);

/* in {"title","body"}: set the template of kind for item_id (0 = the platform); *out gets
 * the kind's entry as notice_template_list gives it. */
int notice_template_save(struct ctx *c, const char *kind, int64_t item_id, json_t *in,
			 json_t **out);

/* Remove the override (back to the platform's or the built-in template); E_NOT_FOUND when
 * there is none at this level. */
int notice_template_delete(struct ctx *c, const char *kind, int64_t item_id);

/* in {"kind","title","body","item_id"?}: the template drawn for a sample case (or sample
 * consultation) in Chinese, with the item's name and time limits when item_id is given. */
int notice_preview_pdf(struct ctx *c, json_t *in, const char *public_url, const char **pdf,
		       size_t *len);

#endif
