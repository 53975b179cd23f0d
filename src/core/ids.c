/*
 * ids.c - identifier checks; see ids.h.
 */
#include "core/ids.h"

#include <string.h>
#include <time.h>

#include "core/err.h"

/* Province-level prefixes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao). */
static int province_prefix_ok(int p)
{
	static const int valid[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
				    41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64,
				    65, 71, 81, 82};
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		if (valid[i] == p)
			return 1;
	return 0;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int ids_region_level(const char *code, char *parent)
{
	if (!code || strlen(code) != 6 || !all_digits(code, 6))
		return 0;
	if (!province_prefix_ok((code[0] - '0') * 10 + (code[1] - '0')))
		return 0;
	int city = memcmp(code + 2, "00", 2) != 0;
	int county = memcmp(code + 4, "00", 2) != 0;
	int level = county ? 3 : city ? 2 : 1;
	if (county && !city)
		return 0; /* XX00ZZ names no city */
	if (parent) {
		if (level == 1) {
			parent[0] = '\0';
		} else {
			memcpy(parent, code, 6);
			parent[6] = '\0';
			memset(parent + (level == 2 ? 2 : 4), '0', level == 2 ? 4 : 2);
		}
	}
	return level;
}

static int reject(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return E_INVALID;
}

static int num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Is YYYYMMDD (digits) a real day from 1900-01-01 to today in Beijing? */
static int birth_ok(const char *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = num(d, 4), m = num(d + 4, 2), day = num(d + 6, 2);
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1900 || m < 1 || m > 12 || day < 1 || day > mdays[m - 1] + (m == 2 && leap))
		return 0;
	time_t now = time(NULL) + 8 * 3600;
	struct tm t;
	gmtime_r(&now, &t);
	return y * 10000 + m * 100 + day <=
	       (t.tm_year + 1900) * 10000 + (t.tm_mon + 1) * 100 + t.tm_mday;
}

int ids_check_id_card(const char *s, char out[19], const char **why)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	if (!s || strlen(s) != 18 || !all_digits(s, 17) ||
	    !(all_digits(s + 17, 1) || s[17] == 'X' || s[17] == 'x'))
		return reject(why, "身份证号格式不正确（应为18位，前17位为数字，末位为数字或X）");
	int p = num(s, 2);
	if (!province_prefix_ok(p) && p != 83)
		return reject(why, "身份证号地址码无效");
	if (!birth_ok(s + 6))
		return reject(why, "身份证号出生日期无效");
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * w[i];
	char c = s[17] == 'x' ? 'X' : s[17];
	if (c != check[sum % 11])
		return reject(why, "身份证号校验位错误");
	memcpy(out, s, 17);
	out[17] = c;
	out[18] = '\0';
	return 0;
}

/* The value of a credit-code character (0..30), or -1 when it is not one. */
static int code31(char c)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Registration authority (登记管理部门) and the entity categories it registers. */
static int authority_ok(char a, char k)
{
	static const char *const table[] = {
	    "11239", /* 机构编制: 机关, 事业单位, 群众团体, 其他 */
	    "219",   /* 外交 */
	    "3123459", /* 司法行政: 律师事务所, 公证处, 基层法律服务所, 司法鉴定, 仲裁委员会 */
	    "419",   /* 文化 */
	    "51239", /* 民政: 社会团体, 民办非企业单位, 基金会 */
	    "6129",  /* 旅游 */
	    "7129",  /* 宗教 */
	    "819",   /* 工会 */
	    "9123",  /* 市场监管: 企业, 个体工商户, 农民专业合作社 */
	    "A19",   /* 中央军委改革和编制办公室 */
	    "N1239", /* 农业农村: 集体经济组织 */
	    "Y1",    /* 其他 */
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i][0] == a)
			return k && strchr(table[i] + 1, k) != NULL;
	return 0;
}

int ids_check_credit_code(const char *s, char out[19], const char **why)
{
	static const int w18[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	static const int w9[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	int v[18];
	if (!s || strlen(s) != 18)
		return reject(why, "统一社会信用代码格式不正确（应为18位数字或大写字母）");
	for (int i = 0; i < 18; i++)
		if ((v[i] = code31(s[i])) < 0)
			return reject(why, "统一社会信用代码格式不正确（含有不允许的字符，"
					   "不使用I、O、Z、S、V）");
	char code[19];
	for (int i = 0; i < 18; i++)
		code[i] = alphabet[v[i]];
	code[18] = '\0';
	if (!authority_ok(code[0], code[1]))
		return reject(why, "统一社会信用代码的登记管理部门或机构类别代码无效");
	char region[7];
	memcpy(region, code + 2, 6);
	region[6] = '\0';
	if (strcmp(region, "100000") && !ids_region_level(region, NULL))
		return reject(why, "统一社会信用代码的登记管理机关行政区划码无效");
	/* GB 11714: 8 body characters (digits 0-9, letters A=10 ... Z=35), MOD 11 */
	int sum = 0;
	for (int i = 0; i < 8; i++) {
		char c = code[8 + i];
		sum += (c <= '9' ? c - '0' : c - 'A' + 10) * w9[i];
	}
	int r = 11 - sum % 11;
	if (code[16] != (r == 10 ? 'X' : r == 11 ? '0' : (char)('0' + r)))
		return reject(why, "统一社会信用代码中的组织机构代码校验位错误");
	sum = 0;
	for (int i = 0; i < 17; i++)
		sum += v[i] * w18[i];
	if (v[17] != (31 - sum % 31) % 31)
		return reject(why, "统一社会信用代码校验位错误");
	memcpy(out, code, 19);
	return 0;
}
