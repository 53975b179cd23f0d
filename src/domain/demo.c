/*
 * demo.c - initial accounts and the demo province; see demo.h.
 */
#include "domain/demo.h"

#include <string.h>

#include "domain/catalog.h"
#include "domain/org.h"
#include "domain/process.h"
#include "domain/user.h"

static void account(json_t *list, const char *username, const char *what)
{
	json_array_append_new(list, json_pack("{s:s,s:s}", "username", username, "what", what));
}

int demo_admin(struct ctx *c, json_t *in, json_t **out)
{
	struct db_val p[] = {DBT("admin")};
	int64_t n;
	json_t *user = NULL;
	int rc = ctx_int(c, "SELECT COUNT(*) FROM users WHERE username = ?", p, 1, &n);
	(void)in;
	if (rc < 0)
		return rc;
	*out = json_array();
	if (n)
		return E_OK;
	json_t *uin = json_pack("{s:s,s:s,s:[s]}", "username", "admin", "name", "系统管理员",
				"roles", "sysadmin");
	rc = user_create(c, uin, &user);
	json_decref(uin);
	json_decref(user);
	if (rc == E_OK)
		account(*out, "admin", "系统管理员");
	return rc;
}

static const struct {
	const char *code, *name, *center;
} regions[] = {
	{"510000", "四川省", "四川省政务服务中心"},
	{"510100", "成都市", "成都市政务服务中心"},
	{"510104", "锦江区", "成都市锦江区政务服务中心"},
	{"510107", "武侯区", "成都市武侯区政务服务中心"},
	{"510700", "绵阳市", "绵阳市政务服务中心"},
	{"510703", "涪城区", "绵阳市涪城区政务服务中心"},
};

static const struct {
	const char *code, *name;
} province_units[] = {{"fgw", "发展和改革委员会"}, {"scj", "市场监督管理局"}, {"zjt", "住房和城乡建设厅"}},
  local_units[] = {{"fgj", "发展和改革局"}, {"scj", "市场监督管理局"}, {"zjj", "住房和城乡建设局"}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Call a domain create function with a packed input, dropping the output. */
static int create(struct ctx *c, int (*fn)(struct ctx *, json_t *, json_t **), json_t *in,
		  json_t **keep)
{
	json_t *out = NULL;
	int rc = fn(c, in, &out);
	json_decref(in);
	if (keep)
		*keep = out;
	else
		json_decref(out);
	return rc;
}

/* The id of a json object's "id". */
static json_int_t id_of(json_t *o)
{
	return json_integer_value(json_object_get(o, "id"));
}

/* Two handlers and a window clerk of the center's market-supervision unit, an immediate item and a promised item
 * whose process has a parallel stage and a transfer-out step, so that a new user can walk a
 * case through at once. */
static int load_items(struct ctx *c, json_int_t center, const char *code, const char *rname,
		      json_t *accounts)
{
	json_int_t unit = 0, handler[2];
	json_t *units = NULL, *u, *out = NULL;
	size_t i;
	int rc = org_unit_list(c, center, &units);
	if (rc < 0)
		return rc;
	json_array_foreach(json_object_get(units, "items"), i, u)
	{
		if (!strcmp(json_string_value(json_object_get(u, "code")), "scj"))
			unit = id_of(u);
	}
	json_decref(units);
	for (int h = 0; h < 2; h++) {
		const char *username = arena_printf(c->arena, "%sscj%02d", code, h + 1);
		const char *name = h ? "李审核" : "王承办";
		/* the first works at the hall, the second in the back office (现场办结率) */
		if ((rc = create(c, user_create,
				 json_pack("{s:s,s:s,s:[s],s:I,s:I,s:b}", "username", username, "name",
					   name, "roles", "handler", "center_id", center, "unit_id",
					   unit, "in_center", !h),
				 &out)) < 0)
			return rc;
		handler[h] = id_of(out);
		json_decref(out);
		account(accounts, username,
			arena_printf(c->arena, "%s市场监督管理局承办人%s", rname, name));
	}
	/* the window clerk who takes consultations and applications and hands results out */
	const char *clerk = arena_printf(c->arena, "%sck01", code);
	if ((rc = create(c, user_create,
			 json_pack("{s:s,s:s,s:[s],s:I,s:I,s:b}", "username", clerk, "name",
				   "陈受理", "roles", "clerk", "center_id", center, "unit_id", unit,
				   "in_center", 1),
			 NULL)) < 0)
		return rc;
	account(accounts, clerk, arena_printf(c->arena, "%s市场监督管理局窗口人员陈受理", rname));
	if ((rc = create(c, catalog_create,
			 json_pack("{s:I,s:s,s:s,s:s,s:i,s:b,s:b,s:s,s:s,s:s,s:[{s:s,s:s},{s:s,s:s}]}",
				   "unit_id", unit, "code", "SCJ-JB-001", "name",
				   "个体工商户名称自主申报", "kind", "immediate", "statutory_days", 1,
				   "entered", 1, "authorized", 1, "basis",
				   "《企业名称登记管理规定》", "fees", "不收费", "place_time",
				   "政务服务大厅市场监管窗口，工作日9:00-17:00", "materials", "name",
				   "名称自主申报承诺书", "form", "original", "name",
				   "经营者身份证", "form", "copy"),
			 NULL)) < 0)
		return rc;
	json_t *item = NULL;
	if ((rc = create(c, catalog_create,
			 json_pack("{s:I,s:s,s:s,s:s,s:i,s:i,s:b,s:s,s:s,s:s,s:s,"
				   "s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s,s:b}]}",
				   "unit_id", unit, "code", "SCJ-CN-001", "name", "食品经营许可证核发",
				   "kind", "promised", "statutory_days", 20, "promised_days", 10,
				   "entered", 1, "basis", "《中华人民共和国食品安全法》第三十五条",
				   "conditions", "有与经营食品品种、数量相适应的经营场所和设备",
				   "fees", "不收费", "place_time",
				   "政务服务大厅市场监管窗口，工作日9:00-17:00", "materials", "name",
				   "食品经营许可申请书", "form", "original", "name",
				   "营业执照", "form", "copy", "name", "法定代表人身份证明", "form",
				   "copy", "name", "经营场所平面图", "form", "original", "required",
				   0),
			 &item)) < 0)
		return rc;
	/* accept 0 + max(3, 4) in parallel + 5 + complete 1 = 10 promised days; the expert
	 * review outside the center has its own 5 days */
	json_t *steps = json_pack(
		"[{s:i,s:s,s:s,s:i},"
		"{s:i,s:s,s:s,s:I,s:i},{s:i,s:s,s:s,s:I,s:i},"
		"{s:i,s:s,s:s,s:i,s:s,s:i},"
		"{s:i,s:s,s:s,s:I,s:i},{s:i,s:s,s:s,s:i}]",
		"stage", 1, "name", "窗口受理", "kind", "accept", "limit_days", 0,
		"stage", 2, "name", "材料审查", "kind", "approve", "handler_id", handler[0], "limit_days", 3,
		"stage", 2, "name", "现场核查", "kind", "approve", "handler_id", handler[1], "limit_days", 4,
		"stage", 3, "name", "专家评审", "kind", "transfer_out", "limit_days", 0,
		"transfer_desc", "组织食品安全专家对经营场所进行评审", "transfer_days", 5,
		"stage", 4, "name", "审核决定", "kind", "approve", "handler_id", handler[0], "limit_days", 5,
		"stage", 5, "name", "办结发证", "kind", "complete", "limit_days", 1);
	json_t *pin = json_pack("{s:s,s:o}", "name", "食品经营许可审批流程", "steps", steps);
	rc = process_save(c, id_of(item), pin, &out);
	json_decref(pin);
	json_decref(item);
	json_decref(out);
	return rc;
}

static int load_center(struct ctx *c, size_t i, json_t *accounts)
{
	const char *code = regions[i].code, *rname = regions[i].name;
	json_t *center;
	int rc = create(c, org_center_create,
			json_pack("{s:s,s:s,s:s,s:s}", "region_code", code, "name", regions[i].center,
				  "address", arena_printf(c->arena, "%s政务服务大厅", rname), "phone",
				  "028-12345678"),
			&center);
	if (rc < 0)
		return rc;
	json_int_t id = json_integer_value(json_object_get(center, "id"));
	json_decref(center);
	int province = i == 0;
	for (size_t u = 0; u < (province ? N(province_units) : N(local_units)); u++) {
		const char *ucode = province ? province_units[u].code : local_units[u].code;
		const char *uname = arena_printf(c->arena, "%s%s", rname,
						 province ? province_units[u].name : local_units[u].name);
		const char *username = arena_printf(c->arena, "%s%s", code, ucode);
		if ((rc = create(c, org_unit_create,
				 json_pack("{s:I,s:s,s:s,s:s}", "center_id", id, "code", ucode,
					   "name", uname, "default_username", username),
				 NULL)) < 0)
			return rc;
		account(accounts, username, arena_printf(c->arena, "%s默认用户（单位管理员、窗口、承办）", uname));
	}
	if ((rc = load_items(c, id, code, rname, accounts)) < 0)
		return rc;
	const char *admin = arena_printf(c->arena, "%sadmin", code);
	if ((rc = create(c, user_create,
			 json_pack("{s:s,s:s,s:[s],s:I,s:b}", "username", admin, "name",
				   arena_printf(c->arena, "%s管理员", regions[i].center), "roles",
				   "center_admin", "center_id", id, "in_center", 1),
			 NULL)) < 0)
		return rc;
	account(accounts, admin, arena_printf(c->arena, "%s管理员", regions[i].center));
	return E_OK;
}

int demo_load(struct ctx *c, json_t *in, json_t **out)
{
	struct db_val p[] = {DBT(regions[0].code)};
	int64_t n;
	int rc;
	if ((rc = ctx_int(c, "SELECT COUNT(*) FROM regions WHERE code = ?", p, 1, &n)) < 0)
		return rc;
	if (n)
		return ctx_fail(c, E_DUPLICATE, NULL, "演示数据已经载入过（区划%s已存在）",
				regions[0].code);
	if ((rc = demo_admin(c, in, out)) < 0)
		return rc;
	for (size_t i = 0; i < N(regions); i++)
		if ((rc = create(c, org_region_create,
				 json_pack("{s:s,s:s}", "code", regions[i].code, "name",
					   regions[i].name),
				 NULL)) < 0)
			return rc;
	for (size_t i = 0; i < N(regions); i++)
		if ((rc = load_center(c, i, *out)) < 0)
			return rc;
	static const struct {
		const char *username, *name, *scope;
	} supervisors[] = {{"jc510000", "四川省监察局监察员", "510000"},
			   {"jc510100", "成都市监察局监察员", "510100"}};
	for (size_t i = 0; i < N(supervisors); i++) {
		if ((rc = create(c, user_create,
				 json_pack("{s:s,s:s,s:[s],s:s}", "username", supervisors[i].username,
					   "name", supervisors[i].name, "roles", "supervisor",
					   "scope_region", supervisors[i].scope),
				 NULL)) < 0)
			return rc;
		account(*out, supervisors[i].username,
			arena_printf(c->arena, "%s（监察范围%s及下级）", supervisors[i].name,
				     supervisors[i].scope));
	}
	return E_OK;
}
