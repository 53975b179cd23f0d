/*
 * notice.c - notices of cases and consultations, their templates and placeholders; see
 * notice.h and docs/notices.md. The drawing itself is pdf/notice.c.
 */
#include "domain/notice.h"

#include <string.h>

#include "core/buf.h"
#include "domain/calendar.h"
#include "domain/catalog.h"
#include "domain/event.h"
#include "domain/field.h"
#include "pdf/notice.h"

enum ph {
	P_CENTER_NAME,
	P_CENTER_ADDRESS,
	P_CENTER_PHONE,
	P_UNIT_NAME,
	P_ITEM_NAME,
	P_ITEM_CODE,
	P_NO,
	P_APPLICANT_NAME,
	P_APPLICANT_PHONE,
	P_APPLIED_DAY,
	P_ACCEPTED_DAY,
	P_DUE_DAY,
	P_STATUTORY_DAYS,
	P_PROMISED_DAYS,
	P_MISSING,
	P_SUPPLEMENT_NOTE,
	P_REFUSE_REASON,
	P_DOC_NO,
	P_OPINION,
	P_COMPLETED_DAY,
	P_QUESTION,
	P_ANSWER,
	P_TODAY,
	P_PROGRESS_URL,
	P_COUNT
};

static const struct placeholder {
	const char *name, *description;
} placeholders[P_COUNT] = {
    [P_CENTER_NAME] = {"center_name", "政务服务中心名称"},
    [P_CENTER_ADDRESS] = {"center_address", "政务服务中心地址"},
    [P_CENTER_PHONE] = {"center_phone", "政务服务中心咨询电话"},
    [P_UNIT_NAME] = {"unit_name", "承办单位名称"},
    [P_ITEM_NAME] = {"item_name", "审批事项名称"},
    [P_ITEM_CODE] = {"item_code", "审批事项编码"},
    [P_NO] = {"no", "办件编号（咨询通知书为咨询编号）"},
    [P_APPLICANT_NAME] = {"applicant_name", "申请人（咨询人）姓名或单位名称"},
    [P_APPLICANT_PHONE] = {"applicant_phone", "申请人联系电话"},
    [P_APPLIED_DAY] = {"applied_day", "申请日期（咨询通知书为咨询日期），如2026年11月27日"},
    [P_ACCEPTED_DAY] = {"accepted_day", "受理日期"},
    [P_DUE_DAY] = {"due_day", "承诺办结日期"},
    [P_STATUTORY_DAYS] = {"statutory_days", "法定时限（工作日数）"},
    [P_PROMISED_DAYS] = {"promised_days", "承诺时限（工作日数）"},
    [P_MISSING] = {"missing", "需补正的材料：单独成行时逐项编号列出，写在句中时以顿号连接"},
    [P_SUPPLEMENT_NOTE] = {"supplement_note", "补正说明"},
    [P_REFUSE_REASON] = {"refuse_reason", "不予受理的理由"},
    [P_DOC_NO] = {"doc_no", "批文号"},
    [P_OPINION] = {"opinion", "办结意见（不予办结通知书中为不予许可的理由）"},
    [P_COMPLETED_DAY] = {"completed_day", "办结日期"},
    [P_QUESTION] = {"question", "咨询内容"},
    [P_ANSWER] = {"answer", "答复意见"},
    [P_TODAY] = {"today", "出具通知书的日期"},
    [P_PROGRESS_URL] = {"progress_url", "办理进度查询网址（与二维码相同）"},
};

/* The right to review or sue (行政复议法 art. 20: sixty days; 行政诉讼法 art. 46: six months). */
// clang-format off
#define RIGHTS "如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议，或者在六个月内依法" \
	"向人民法院提起行政诉讼。"
// clang-format on

static const struct kind {
	const char *code, *name, *body;
} kinds[] = {
    {"consult", "咨询通知书",
     "{{applicant_name}}：\n"
     "你（单位）于{{applied_day}}咨询的“{{item_name}}”事项，现答复如下：\n"
     "{{answer}}\n"
     "该事项由{{unit_name}}承办。申请时请按办事指南备齐全部申请材料。咨询电话：{{center_phone}}。"},
    {"accept", "受理通知书",
     "{{applicant_name}}：\n"
     "你（单位）于{{applied_day}}提出的“{{item_name}}”申请，经审查，申请材料齐全、符合法定"
     "形式。根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。\n"
     "本机关将在承诺时限内（{{due_day}}前）作出决定。依法需要听证、招标、"
     "拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在上述期限内。\n"
     "请妥善保管本通知书，凭办件编号{{no}}查询办理进度、领取办理结果。咨询电话："
     "{{center_phone}}。"},
    {"refuse", "不予受理通知书",
     "{{applicant_name}}：\n"
     "你（单位）于{{applied_day}}提出的“{{item_name}}”申请（办件编号：{{no}}），经审查，不符合"
     "受理条件，理由如下：\n"
     "{{refuse_reason}}\n"
     "根据《中华人民共和国行政许可法》第三十二条的规定，本机关决定不予受理。\n"
     "根据《中华人民共和国行政许可法》第三十八条的规定，" RIGHTS},
    {"supplement", "一次性告知通知书",
     "{{applicant_name}}：\n"
     "你（单位）于{{applied_day}}提出的“{{item_name}}”申请（办件编号：{{no}}），经审查，"
     "申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条的规定，"
     "现一次性告知你（单位）需要补正的全部内容如下：\n"
     "{{missing}}\n"
     "{{supplement_note}}\n"
     "请按上述要求补正全部材料后重新提交。补正材料齐全、符合法定形式的，本机关将依法予以受理。"
     "咨询电话：{{center_phone}}。"},
    {"complete", "办结通知书",
     "{{applicant_name}}：\n"
     "你（单位）于{{applied_day}}提出的“{{item_name}}”申请（办件编号：{{no}}），本机关已于"
     "{{completed_day}}依法办结，决定准予行政许可，批准文号：{{doc_no}}。\n"
     "{{opinion}}\n"
     "请持本通知书和有效身份证件到{{center_name}}{{unit_name}}窗口领取办理结果。咨询电话："
     "{{center_phone}}。"},
    {"deny", "不予办结通知书",
     "{{applicant_name}}：\n"
     "你（单位）于{{applied_day}}提出的“{{item_name}}”申请（办件编号：{{no}}），经审查，"
     "本机关决定不予行政许可（文号：{{doc_no}}），理由如下：\n"
     "{{opinion}}\n"
     "根据《中华人民共和国行政许可法》第三十八条的规定，" RIGHTS},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct kind *kind_find(struct ctx *c, const char *code)
{
	for (size_t i = 0; code && i < NKINDS; i++)
		if (!strcmp(kinds[i].code, code))
			return &kinds[i];
	ctx_fail(c, E_NOT_FOUND, NULL, "没有这种通知书");
	return NULL;
}

static int is(const struct kind *k, const char *code)
{
	return !strcmp(k->code, code);
}

/* ---- templates ---- */

static int placeholder_find(const char *name, size_t len)
{
	for (int i = 0; i < P_COUNT; i++)
		if (strlen(placeholders[i].name) == len && !memcmp(placeholders[i].name, name, len))
			return i;
	return -1;
}

/* Refuse text with a placeholder we do not know or an unclosed "{{", naming them. */
static int check_text(struct ctx *c, const char *field, const char *label, const char *text)
{
	struct buf bad = BUF_INIT(1024);
	int rc = E_OK;
	for (const char *p = strstr(text, "{{"); p; p = strstr(p, "{{")) {
		const char *end = strstr(p + 2, "}}");
		if (!end) {
			rc = ctx_fail(c, E_INVALID, field, "%s中的“{{”缺少对应的“}}”", label);
			goto out;
		}
		if (placeholder_find(p + 2, (size_t)(end - p - 2)) < 0)
			buf_addf(&bad, "%s{{%.*s}}", bad.len ? "、" : "", (int)(end - p - 2),
				 p + 2);
		p = end + 2;
	}
	if (bad.len)
		rc = ctx_fail(c, E_INVALID, field, "%s中有未知的占位符：%s", label, bad.buf);
out:
	buf_release(&bad);
	return rc;
}

/* The effective template of kind k for item_id: the item's, the platform's or the built-in
 * one; *level is the item_id of the row (-1 for the built-in). */
static int template_get(struct ctx *c, const struct kind *k, int64_t item_id, const char **title,
			const char **body, int64_t *level)
{
	struct db_res *r;
	struct db_val p[] = {DBT(k->code), DBI(item_id)};
	int rc = db_query(c->db, &r,
			  "SELECT item_id, title, body FROM notice_templates "
			  "WHERE kind = ? AND item_id IN (0, ?) ORDER BY item_id DESC LIMIT 1",
			  p, 2);
	if (rc < 0)
		return ctx_db(c, rc);
	*title = k->name, *body = k->body, *level = -1;
	if ((rc = db_next(r)) > 0) {
		*level = db_int(r, 0);
		*title = arena_strdup(c->arena, db_text(r, 1));
		*body = arena_strdup(c->arena, db_text(r, 2));
	}
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

static int template_entry(struct ctx *c, const struct kind *k, int64_t item_id, json_t **out)
{
	const char *title, *body;
	int64_t level;
	int rc = template_get(c, k, item_id, &title, &body, &level);
	if (rc < 0)
		return rc;
	*out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "kind", k->code, "name", k->name, "title",
			 title, "body", body, "source",
			 level < 0 ? "default"
			 : level   ? "item"
				   : "platform",
			 "overridden", level == item_id);
	return E_OK;
}

/* Item templates are edited by whoever may change the item, the platform's by a sysadmin. */
static int may_edit(struct ctx *c, int64_t item_id, int64_t *center_id)
{
	*center_id = 0;
	if (item_id)
		return catalog_access(c, item_id, ACCESS_WRITE, center_id);
	if (!actor_has(c->actor, ROLE_SYSADMIN))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有系统管理员可以修改全平台的通知书模板");
	return E_OK;
}

int notice_template_list(struct ctx *c, int64_t item_id, json_t **out)
{
	json_t *list = json_array(), *phs = json_array(), *e;
	int rc = item_id ? catalog_access(c, item_id, ACCESS_READ, NULL) : E_OK;
	for (size_t i = 0; rc == E_OK && i < NKINDS; i++)
		if ((rc = template_entry(c, &kinds[i], item_id, &e)) == E_OK)
			json_array_append_new(list, e);
	for (int i = 0; i < P_COUNT; i++)
		json_array_append_new(
		    phs, json_pack("{s:s,s:s,s:s}", "name", placeholders[i].name, "token",
				   arena_printf(c->arena, "{{%s}}", placeholders[i].name),
				   "description", placeholders[i].description));
	if (rc < 0) {
		json_decref(list);
		json_decref(phs);
		return rc;
	}
	*out = json_pack("{s:I,s:o,s:o}", "item_id", (json_int_t)item_id, "templates", list,
			 "placeholders", phs);
	return E_OK;
}

/* The title and body of in, checked. */
static int template_in(struct ctx *c, json_t *in, const char **title, const char **body)
{
	int rc;
	if ((rc = field_text(c, in, "title", "标题", 1, 1, NOTICE_TITLE_MAX, title, NULL)) < 0 ||
	    (rc = field_lines(c, in, "body", "正文", 1, 1, NOTICE_BODY_MAX, body, NULL)) < 0 ||
	    (rc = check_text(c, "title", "标题", *title)) < 0)
		return rc;
	return check_text(c, "body", "正文", *body);
}

int notice_template_save(struct ctx *c, const char *kind, int64_t item_id, json_t *in, json_t **out)
{
	const struct kind *k = kind_find(c, kind);
	const char *title, *body;
	int64_t center;
	int rc;
	if (!k)
		return E_NOT_FOUND;
	if ((rc = may_edit(c, item_id, &center)) < 0 ||
	    (rc = template_in(c, in, &title, &body)) < 0)
		return rc;
	struct db_val v[] = {
	    DBT(k->code), DBI(item_id), DBT(title), DBT(body), c->actor ? DBI(c->actor->id) : DBN,
	    DBI(c->now)};
	rc = db_exec(
	    c->db,
	    "INSERT INTO notice_templates (kind, item_id, title, body, updated_by, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, item_id) DO UPDATE SET "
	    "title = excluded.title, body = excluded.body, updated_by = excluded.updated_by, "
	    "updated_at = excluded.updated_at",
	    v, 6, NULL);
	if ((rc = ctx_db(c, rc)) < 0 ||
	    (rc = event_append(c, center, 0, "notice_template.save",
			       json_pack("{s:s,s:I,s:s,s:s}", "kind", k->code, "item_id",
					 (json_int_t)item_id, "title", title, "body", body))) < 0)
		return rc;
	return template_entry(c, k, item_id, out);
}

int notice_template_delete(struct ctx *c, const char *kind, int64_t item_id)
{
	const struct kind *k = kind_find(c, kind);
	int64_t center, changes = 0;
	int rc;
	if (!k)
		return E_NOT_FOUND;
	if ((rc = may_edit(c, item_id, &center)) < 0)
		return rc;
	struct db_val p[] = {DBT(k->code), DBI(item_id)};
	rc = db_exec(c->db, "DELETE FROM notice_templates WHERE kind = ? AND item_id = ?", p, 2,
		     &changes);
	if ((rc = ctx_db(c, rc)) < 0)
		return rc;
	if (!changes)
		return ctx_fail(c, E_NOT_FOUND, NULL, "该通知书在此没有自定义模板");
	return event_append(
	    c, center, 0, "notice_template.delete",
	    json_pack("{s:s,s:I}", "kind", k->code, "item_id", (json_int_t)item_id));
}

/* ---- filling in ---- */

/* A notice about to be drawn: the placeholders' values and what the page shows besides. */
struct filled {
	const struct kind *kind;
	const char *v[P_COUNT];
	json_t *missing; /* array of names, borrowed from the case */
	struct notice_field fields[6];
	size_t nfields;
	const char *date; /* of the footer */
	int qr;		  /* draw the progress QR code */
};

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *sub(json_t *o, const char *obj, const char *key)
{
	return str(json_object_get(o, obj), key);
}

static const char *day_zh(struct ctx *c, int32_t day)
{
	int y, m, d;
	calendar_day_ymd(day, &y, &m, &d);
	return arena_printf(c->arena, "%d年%d月%d日", y, m, d);
}

/* "2026-11-27" as "2026年11月27日"; "" for anything else (null). */
static const char *ymd_zh(struct ctx *c, const char *ymd)
{
	int32_t day;
	return calendar_parse_day(ymd, &day) < 0 ? "" : day_zh(c, day);
}

static const char *time_zh(struct ctx *c, json_t *t)
{
	return json_is_integer(t) ? day_zh(c, calendar_day_of(json_integer_value(t))) : "";
}

/* A number of days as text; "" when the JSON has none (a consultation's item has no
 * statutory days). */
static const char *days(struct ctx *c, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? arena_printf(c->arena, "%lld", (long long)json_integer_value(v))
				  : "";
}

/* base + "/progress?no=" + no, no percent-encoded beyond [A-Za-z0-9-]. */
static const char *progress_url(struct ctx *c, const char *base, const char *no)
{
	struct buf b = BUF_INIT(4096);
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	buf_add(&b, base, n);
	buf_addstr(&b, "/progress?no=");
	for (const unsigned char *p = (const unsigned char *)no; *p; p++) {
		if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || *p == '-')
			buf_add(&b, p, 1);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	const char *s = arena_strdup(c->arena, b.buf);
	buf_release(&b);
	return s;
}

/* What cases and consultations share: center, unit, item, number, applicant, today. */
static void common_values(struct ctx *c, json_t *j, struct filled *f)
{
	json_t *item = json_object_get(j, "item");
	f->v[P_CENTER_NAME] = sub(j, "center", "name");
	f->v[P_CENTER_ADDRESS] = sub(j, "center", "address");
	f->v[P_CENTER_PHONE] = sub(j, "center", "phone");
	f->v[P_UNIT_NAME] = sub(j, "unit", "name");
	f->v[P_ITEM_NAME] = str(item, "name");
	f->v[P_ITEM_CODE] = str(item, "code");
	f->v[P_STATUTORY_DAYS] = days(c, item, "statutory_days");
	f->v[P_PROMISED_DAYS] = days(c, item, "promised_days");
	f->v[P_NO] = str(j, "no");
	f->v[P_APPLICANT_NAME] = sub(j, "applicant", "name");
	f->v[P_APPLICANT_PHONE] = sub(j, "applicant", "phone");
	f->v[P_TODAY] = day_zh(c, calendar_day_of(c->now));
	for (int i = 0; i < P_COUNT; i++)
		if (!f->v[i])
			f->v[i] = "";
}

static void field(struct filled *f, const char *label, const char *value)
{
	f->fields[f->nfields++] = (struct notice_field){label, value};
}

/* Does the case's state fit the kind? 0 or E_STATE with the reason. */
static int case_fits(struct ctx *c, const struct kind *k, json_t *j)
{
	const char *state = str(j, "state");
	json_t *done = json_object_get(j, "completion");
	if (is(k, "accept") && !json_is_integer(json_object_get(j, "accepted_at")))
		return ctx_fail(c, E_STATE, NULL, "办件尚未受理，不能出具受理通知书");
	if (is(k, "refuse") && strcmp(state, "refused"))
		return ctx_fail(c, E_STATE, NULL, "办件未被决定不予受理，不能出具不予受理通知书");
	if (is(k, "supplement") && strcmp(state, "supplement"))
		return ctx_fail(c, E_STATE, NULL, "办件不在补正材料阶段，不能出具一次性告知通知书");
	if (is(k, "complete") && !json_is_true(json_object_get(done, "permitted")))
		return ctx_fail(c, E_STATE, NULL, "办件尚未办结并准予许可，不能出具办结通知书");
	if (is(k, "deny") && !json_is_false(json_object_get(done, "permitted")))
		return ctx_fail(c, E_STATE, NULL,
				"办件尚未作出不予许可的决定，不能出具不予办结通知书");
	return E_OK;
}

static int case_fill(struct ctx *c, json_t *j, const struct kind *k, const char *public_url,
		     struct filled *f)
{
	json_t *done = json_object_get(j, "completion");
	int rc;
	if (is(k, "consult"))
		return ctx_fail(c, E_NOT_FOUND, NULL, "咨询通知书请从咨询记录出具");
	if (json_is_true(json_object_get(j, "overview")))
		return ctx_fail(c, E_FORBIDDEN, NULL, "无权查看该办件的通知书");
	if ((rc = case_fits(c, k, j)) < 0)
		return rc;
	*f = (struct filled){.kind = k, .missing = json_object_get(j, "missing"), .qr = 1};
	f->v[P_APPLIED_DAY] = ymd_zh(c, str(j, "applied_day"));
	f->v[P_ACCEPTED_DAY] = ymd_zh(c, str(j, "accepted_day"));
	f->v[P_DUE_DAY] = ymd_zh(c, str(j, "due_day"));
	f->v[P_SUPPLEMENT_NOTE] = str(j, "supplement_note");
	f->v[P_REFUSE_REASON] = str(j, "refuse_reason");
	f->v[P_DOC_NO] = str(done, "doc_no");
	f->v[P_OPINION] = str(done, "opinion");
	f->v[P_COMPLETED_DAY] = time_zh(c, json_object_get(done, "at"));
	f->v[P_PROGRESS_URL] = progress_url(c, public_url, str(j, "no"));
	struct buf b = BUF_INIT(64 * 1024);
	size_t i;
	json_t *m;
	json_array_foreach(f->missing, i, m)
	    buf_addf(&b, "%s%s", i ? "、" : "", json_string_value(m));
	f->v[P_MISSING] = arena_strdup(c->arena, b.buf);
	buf_release(&b);
	common_values(c, j, f);

	field(f, "申请人", f->v[P_APPLICANT_NAME]);
	field(f, "申请事项", f->v[P_ITEM_NAME]);
	field(f, "承办单位", f->v[P_UNIT_NAME]);
	field(f, "申请日期", f->v[P_APPLIED_DAY]);
	f->date = f->v[P_TODAY];
	if (is(k, "accept")) {
		field(f, "受理日期", f->v[P_ACCEPTED_DAY]);
		field(f, "承诺办结日期", f->v[P_DUE_DAY]);
		f->date = f->v[P_ACCEPTED_DAY];
	} else if (is(k, "complete") || is(k, "deny")) {
		field(f, "办结日期", f->v[P_COMPLETED_DAY]);
		field(f, "批文号", f->v[P_DOC_NO]);
		f->date = f->v[P_COMPLETED_DAY];
	}
	return E_OK;
}

static void consultation_fill(struct ctx *c, json_t *j, struct filled *f)
{
	*f = (struct filled){.kind = &kinds[0]};
	f->v[P_APPLIED_DAY] = time_zh(c, json_object_get(j, "created_at"));
	f->v[P_QUESTION] = str(j, "question");
	f->v[P_ANSWER] = str(j, "answer");
	common_values(c, j, f);
	field(f, "咨询人", f->v[P_APPLICANT_NAME]);
	field(f, "咨询事项", f->v[P_ITEM_NAME]);
	field(f, "承办单位", f->v[P_UNIT_NAME]);
	field(f, "咨询日期", f->v[P_APPLIED_DAY]);
	f->date = f->v[P_APPLIED_DAY];
}

/* s with every known placeholder replaced by its value, in the arena. */
static const char *fill(struct ctx *c, const char *s, const struct filled *f)
{
	struct buf b = BUF_INIT(256 * 1024);
	for (;;) {
		const char *open = strstr(s, "{{"), *close = open ? strstr(open, "}}") : NULL;
		int i = close ? placeholder_find(open + 2, (size_t)(close - open - 2)) : -1;
		if (!open) {
			buf_addstr(&b, s);
			break;
		}
		if (i < 0) { /* not a placeholder we know: the text as it is */
			buf_add(&b, s, (size_t)(open + 2 - s));
			s = open + 2;
			continue;
		}
		buf_add(&b, s, (size_t)(open - s));
		buf_addstr(&b, f->v[i]);
		s = close + 2;
	}
	const char *out = arena_strdup(c->arena, b.buf);
	buf_release(&b);
	return out;
}

/* Skip leading spaces and full-width spaces (people indent by hand; we indent for them). */
static const char *skip_indent(const char *s, const char *end)
{
	for (;;) {
		if (s < end && (*s == ' ' || *s == '\t'))
			s++;
		else if (end - s >= 3 && !memcmp(s, "\u3000", 3))
			s += 3;
		else
			return s;
	}
}

static int blank(const char *s)
{
	return !*skip_indent(s, s + strlen(s));
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !memcmp(s + n - t, tail, t);
}

/* The body as paragraphs (see notice.h). */
static void paragraphs(struct ctx *c, const char *body, const struct filled *f,
		       struct notice_para **out, size_t *n)
{
	size_t lines = 1, nmissing = json_array_size(f->missing);
	for (const char *p = body; *p; p++)
		lines += *p == '\n';
	struct notice_para *ps = arena_alloc(c->arena, (lines + nmissing) * sizeof(*ps));
	size_t k = 0;
	int missing_listed = 0;
	for (const char *line = body; line;) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
		const char *s = skip_indent(line, end);
		line = nl ? nl + 1 : NULL;
		if ((size_t)(end - s) == strlen("{{missing}}") && !memcmp(s, "{{missing}}", 11) &&
		    !missing_listed) {
			size_t i;
			json_t *m;
			json_array_foreach(f->missing, i, m) ps[k++] = (struct notice_para){
			    NOTICE_ITEM,
			    arena_printf(c->arena, "%zu. %s", i + 1, json_string_value(m))};
			missing_listed = 1;
			continue;
		}
		const char *text = fill(c, arena_strndup(c->arena, s, (size_t)(end - s)), f);
		if (blank(text))
			continue;
		ps[k].kind = k == 0 && ends_with(text, "：") ? NOTICE_SALUTATION : NOTICE_TEXT;
		ps[k++].text = text;
	}
	*out = ps;
	*n = k;
}

static int draw(struct ctx *c, const struct filled *f, const char *title, const char *body,
		const char **pdf, size_t *len)
{
	static const char *const signatures[] = {"申请人（签收）", "经办人"};
	static const char *const consult_signatures[] = {"咨询人（签收）", "经办人"};
	struct notice_doc d = {
	    .header = f->v[P_CENTER_NAME],
	    .title = fill(c, title, f),
	    .no = f->v[P_NO],
	    .qr = f->qr ? f->v[P_PROGRESS_URL] : NULL,
	    .qr_caption = "扫码查询办理进度",
	    .fields = f->fields,
	    .nfields = f->nfields,
	    .issuer = *f->v[P_UNIT_NAME] ? f->v[P_UNIT_NAME] : f->v[P_CENTER_NAME],
	    .date = f->date,
	    .signatures = is(f->kind, "consult") ? consult_signatures : signatures,
	    .nsignatures = 2,
	};
	struct notice_para *ps;
	paragraphs(c, body, f, &ps, &d.nparas);
	d.paras = ps;
	return notice_pdf(&d, c->arena, pdf, len);
}

/* ---- the notices ---- */

static int64_t item_id_of(json_t *j)
{
	return json_integer_value(json_object_get(json_object_get(j, "item"), "id"));
}

int notice_case_pdf(struct ctx *c, json_t *case_json, const char *kind, const char *public_url,
		    const char **pdf, size_t *len)
{
	const struct kind *k = kind_find(c, kind);
	const char *title, *body;
	int64_t level;
	struct filled f;
	int rc;
	if (!k)
		return E_NOT_FOUND;
	if ((rc = case_fill(c, case_json, k, public_url, &f)) < 0 ||
	    (rc = template_get(c, k, item_id_of(case_json), &title, &body, &level)) < 0)
		return rc;
	return draw(c, &f, title, body, pdf, len);
}

int notice_consultation_pdf(struct ctx *c, json_t *consultation, const char **pdf, size_t *len)
{
	const char *title, *body;
	int64_t level;
	struct filled f;
	int rc;
	consultation_fill(c, consultation, &f);
	if ((rc = template_get(c, f.kind, item_id_of(consultation), &title, &body, &level)) < 0)
		return rc;
	return draw(c, &f, title, body, pdf, len);
}

/* A case (or consultation) in the state kind k needs, with sample data in Chinese. */
static json_t *sample(struct ctx *c, const struct kind *k, json_t *item)
{
	int32_t today = calendar_day_of(c->now);
	char day[CALENDAR_DAY_LEN], due[CALENDAR_DAY_LEN];
	calendar_format_day(today, day);
	calendar_format_day(today + 14, due);
	json_t *j = json_pack(
	    "{s:s,s:s,s:{s:s,s:s,s:s},s:{s:s},s:{s:I,s:s,s:s,s:i,s:i},"
	    "s:{s:s,s:s,s:s},s:s,s:s,s:I,s:s,s:[s,s],s:s,s:s,s:s,s:s,s:I}",
	    "no", is(k, "consult") ? "ZX510104-20261127-0001" : "510104-20261127-000001", "state",
	    is(k, "refuse")	  ? "refused"
	    : is(k, "supplement") ? "supplement"
				  : "completed",
	    "center", "name", "示例市政务服务中心", "address", "示例市人民路1号", "phone",
	    "028-12345678", "unit", "name", "示例市市场监督管理局", "item", "id", (json_int_t)0,
	    "code", "SL-001", "name", "食品经营许可证核发", "statutory_days", 20, "promised_days",
	    10, "applicant", "kind", "person", "name", "张三", "phone", "13800000000",
	    "applied_day", day, "accepted_day", day, "accepted_at", (json_int_t)c->now, "due_day",
	    due, "missing", "营业执照副本复印件", "法定代表人身份证明", "refuse_reason",
	    "申请事项依法不需要取得行政许可", "supplement_note", "复印件须加盖申请单位公章。",
	    "question", "办理食品经营许可证需要提交哪些材料？", "answer",
	    "需提交申请书、营业执照复印件、法定代表人身份证明、经营场所平面布局图和食品安全管理制度"
	    "。",
	    "created_at", (json_int_t)c->now);
	json_object_set_new(j, "completion",
			    json_pack("{s:b,s:s,s:s,s:I}", "permitted", !is(k, "deny"), "doc_no",
				      "示市监许〔2026〕1号", "opinion",
				      is(k, "deny") ? "经现场核查，经营场所与申请材料不符。"
						    : "经审查，符合法定条件，准予许可。",
				      "at", (json_int_t)c->now));
	if (item) {
		json_object_set_new(j, "item", json_incref(item));
		json_object_set_new(j, "unit",
				    json_pack("{s:O}", "name", json_object_get(item, "unit_name")));
		json_object_set(json_object_get(j, "center"), "name",
				json_object_get(item, "center_name"));
	}
	return j;
}

int notice_preview_pdf(struct ctx *c, json_t *in, const char *public_url, const char **pdf,
		       size_t *len)
{
	const char *kind = NULL, *title, *body;
	int64_t item_id = 0;
	json_t *item = NULL, *j;
	const struct kind *k;
	struct filled f;
	int rc;
	if ((rc = field_text(c, in, "kind", "通知书种类", 1, 1, 16, &kind, NULL)) < 0 ||
	    (rc = field_int(c, in, "item_id", "审批事项", 0, 0, INT64_MAX, &item_id, NULL)) < 0)
		return rc;
	if (!(k = kind_find(c, kind)))
		return ctx_fail(c, E_INVALID, "kind", "没有这种通知书");
	if ((rc = template_in(c, in, &title, &body)) < 0 ||
	    (item_id && (rc = catalog_get(c, item_id, &item)) < 0))
		return rc;
	j = sample(c, k, item);
	json_decref(item);
	if (is(k, "consult"))
		consultation_fill(c, j, &f);
	else
		rc = case_fill(c, j, k, public_url, &f);
	if (rc == E_OK)
		rc = draw(c, &f, title, body, pdf, len);
	json_decref(j);
	return rc;
}
