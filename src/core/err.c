/*
 * err.c - the table behind err.h: stable code, HTTP status and Chinese message per error.
 */
#include "core/err.h"

struct err_info {
	const char *code;
	int status;
	const char *message;
};

static const struct err_info table[E_COUNT_] = {
	[0] = {"ok", 200, "成功"},
	[-E_BAD_JSON] = {"bad_json", 400, "请求数据不是有效的JSON"},
	[-E_INVALID] = {"invalid", 400, "输入内容不正确"},
	[-E_INVALID_REGION] = {"invalid_region_code", 400,
			       "区划代码不符合GB/T 2260规则（6位数字，上级区划须已存在）"},
	[-E_WEAK_PASSWORD] = {"weak_password", 400,
			      "新密码至少8位，须同时包含字母和数字，且不能是初始密码"},
	[-E_BAD_OLD_PASSWORD] = {"bad_old_password", 400, "原密码不正确"},
	[-E_UNAUTHENTICATED] = {"unauthenticated", 401, "请先登录"},
	[-E_SESSION_EXPIRED] = {"session_expired", 401, "登录已过期，请重新登录"},
	[-E_BAD_CREDENTIALS] = {"bad_credentials", 401, "用户名或密码错误"},
	[-E_ACCOUNT_DISABLED] = {"account_disabled", 403, "账号已停用，请联系管理员"},
	[-E_CSRF] = {"csrf_failed", 403, "请求校验失败，请刷新页面后重试"},
	[-E_PASSWORD_CHANGE] = {"password_change_required", 403, "请先修改初始密码"},
	[-E_FORBIDDEN] = {"forbidden", 403, "无权执行此操作"},
	[-E_NOT_FOUND] = {"not_found", 404, "记录不存在"},
	[-E_NO_ROUTE] = {"no_route", 404, "接口不存在"},
	[-E_METHOD] = {"method_not_allowed", 405, "不支持该请求方法"},
	[-E_DUPLICATE] = {"duplicate", 409, "记录已存在"},
	[-E_TOO_LARGE] = {"body_too_large", 413, "请求数据过大"},
	[-E_THROTTLED] = {"login_throttled", 429, "登录失败次数过多，请15分钟后再试"},
	[-E_INTERNAL] = {"internal", 500, "服务器内部错误"},
	[-E_DB_UNAVAILABLE] = {"db_unavailable", 503, "数据库暂时不可用，请稍后再试"},
	[-E_MEDIA_TYPE] = {"unsupported_media_type", 415,
			   "请求数据须为JSON（Content-Type: application/json）"},
	[-E_STATE] = {"invalid_state", 409, "办件当前状态不允许此操作"},
	[-E_MATERIAL_TOO_LARGE] = {"material_too_large", 413, "附件不能超过3M"},
	[-E_FILE_TYPE] = {"file_type", 400,
			  "不支持的文件类型：请上传PDF、OFD、图片（JPG、PNG、GIF、TIFF、BMP）、"
			  "Word/Excel/PowerPoint（docx、xlsx、pptx）或UTF-8文本文件"},
	[-E_STORAGE] = {"storage_unavailable", 503,
			"服务器存储空间已满或只读，本次操作未保存；请联系系统管理员，稍后再试"},
};

static const struct err_info *info(int e)
{
	if (e > 0 || e <= -E_COUNT_)
		e = E_INTERNAL;
	return &table[-e];
}

const char *err_code(int e)
{
	return info(e)->code;
}

const char *err_message(int e)
{
	return info(e)->message;
}

int err_status(int e)
{
	return info(e)->status;
}
