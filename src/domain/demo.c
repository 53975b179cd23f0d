/*
 * demo.c - initial accounts and the demo province; see demo.h.
 */
#include "domain/demo.h"

#include "domain/org.h"
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
