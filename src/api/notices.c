/*
 * notices.c - the printed notices (通知书) of cases and consultations as PDF, and their
 * templates with a live preview.
 */
#include "api/api.h"
#include "domain/case.h"
#include "domain/notice.h"

#define PDF_TYPE "application/pdf"

static int reply_pdf(struct call *k, int rc)
{
	if (rc == E_OK)
		k->text_type = PDF_TYPE;
	return rc;
}

int api_notices_case(struct call *k)
{
	json_t *c = NULL;
	int rc = case_get(&k->ctx, k->r->params[0], &c);
	if (rc == E_OK)
		rc = notice_case_pdf(&k->ctx, c, k->r->params[1], k->app->public_url, &k->text,
				     &k->text_len);
	json_decref(c);
	return reply_pdf(k, rc);
}

int api_notices_consultation(struct call *k)
{
	json_t *c = NULL;
	int64_t id;
	int rc = api_id(k, 0, &id);
	if (rc == E_OK && (rc = consultation_get(&k->ctx, id, &c)) == E_OK)
		rc = notice_consultation_pdf(&k->ctx, c, &k->text, &k->text_len);
	json_decref(c);
	return reply_pdf(k, rc);
}

int api_notice_templates_list(struct call *k)
{
	return notice_template_list(&k->ctx, api_query_int(k, "item_id"), &k->out);
}

int api_notice_templates_save(struct call *k)
{
	return notice_template_save(&k->ctx, k->r->params[0], api_query_int(k, "item_id"), k->in,
				    &k->out);
}

int api_notice_templates_delete(struct call *k)
{
	return notice_template_delete(&k->ctx, k->r->params[0], api_query_int(k, "item_id"));
}

int api_notice_templates_preview(struct call *k)
{
	return reply_pdf(
	    k, notice_preview_pdf(&k->ctx, k->in, k->app->public_url, &k->text, &k->text_len));
}
