/*
 * main.c - the shenpi command line: dispatch to init, serve, user, verify. Only argument
 * handling lives here; the work is done by the domain and http layers.
 */
#define _GNU_SOURCE /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "core/log.h"
#include "core/token.h"
#include "domain/attach.h"
#include "domain/calendar.h"
#include "domain/demo.h"
#include "domain/event.h"
#include "domain/exchange.h"
#include "domain/gen.h"
#include "domain/session.h"
#include "domain/stats.h"
#include "domain/user.h"

#define DEFAULT_DB "sqlite:shenpi.db"

static const char usage_main[] =
	"用法: shenpi <命令> [选项]\n"
	"\n"
	"命令:\n"
	"  init [--demo]        创建或升级数据库；--demo 载入四川省演示数据\n"
	"  serve                启动HTTP服务（JSON API、网页界面、/metrics、/healthz）\n"
	"  user add|passwd|list 命令行管理账号\n"
	"  verify               校验数据库完整性与事件哈希链\n"
	"  calendar due|show|import 工作日历：计算期限、列出一年的节假日安排、导入\n"
	"  sweep                扫描到期事项，自动生成问责黄牌红牌\n"
	"  gen                  生成指定规模的模拟省份（中心、单位、事项、用户和一年的办件），\n"
	"                       用于性能测试和演示\n"
	"  backup --to 文件     服务运行时在线备份SQLite数据库及其附件\n"
	"  restore --from 文件  检查备份并恢复为新的SQLite数据库\n"
	"  import --from 目录   导入旧系统的数据（交换格式见 docs/import.md）\n"
	"  export --to 目录     按同一交换格式导出全部数据\n"
	"\n"
	"通用选项:\n"
	"  --db URL             数据库: sqlite:路径 或 postgresql://…（默认取环境变量\n"
	"                       SHENPI_DB，否则 " DEFAULT_DB "）\n"
	"  -h, --help           显示帮助\n"
	"\n"
	"每个命令都有 --help，例如 shenpi serve --help。\n";

static const char usage_init[] =
	"用法: shenpi init [--db URL] [--demo]\n"
	"创建数据库或应用尚未执行的迁移，并确保系统管理员 admin 存在（初始密码888888，\n"
	"首次登录须修改）。--demo 另外载入演示省份（四川 510000）的中心、单位和用户，\n"
	"并列出演示账号。\n";

static const char usage_serve[] =
	"用法: shenpi serve [--db URL] [--listen 地址:端口] [--web 目录] [--threads N]\n"
	"                   [--secure-cookie] [--session-idle 秒] [--public-url URL]\n"
	"                   [--sweep-seconds 秒]\n"
	"  --listen        监听地址，默认 127.0.0.1:8080；端口0表示任选空闲端口\n"
	"  --web           网页界面目录（web/dist），默认 web/dist\n"
	"  --threads       工作线程数，默认 4\n"
	"  --secure-cookie 会话Cookie加Secure标记（在HTTPS反向代理之后使用）\n"
	"  --session-idle  会话空闲多少秒后失效，默认7200\n"
	"  --public-url    公众访问本系统的网址，通知书二维码指向 网址/progress?no=办件编号；\n"
	"                  默认 http://监听地址\n"
	"  --sweep-seconds 每隔多少秒扫描一次到期事项、自动生成问责黄牌红牌，默认60；多台服务\n"
	"                  共用一个数据库时同一时间只有一台扫描，它停止后由另一台接替\n"
	"收到 SIGTERM 或 SIGINT 后停止接收新连接，处理完进行中的请求再退出。\n";

static const char usage_sweep[] =
	"用法: shenpi sweep [--db URL]\n"
	"  扫描一次到期的环节、办件、转外、督办和差评整改，生成应有的问责黄牌红牌\n"
	"  （shenpi serve 每分钟自动扫描一次；正在扫描时，本命令等它扫完再扫）。\n";

static const char usage_gen[] =
	"用法: shenpi gen [--db URL] [--centers N] [--cases N] [--days 天数] [--seed S]\n"
	"在新数据库中生成模拟的四川省（510000）：N个政务服务中心（省、市、县），每个中心\n"
	"10个单位，每个单位20个事项（即办与承诺件）和流程、窗口人员与承办人，以及最近\n"
	"若干天（默认365）工作日内的办件：不予受理、补正、审批中、超期、转外、办结、取件\n"
	"与评价、督办和差评整改。默认 --centers 180 --cases 2000000 --seed 1。\n"
	"账号（初始密码888888）: genNNNadmin 中心管理员，genNNNuUUck 窗口，genNNNuUUh1/h2\n"
	"承办人，genjc510000 省监察员。全部在一个事务中写入：中途失败则数据库保持原样。\n"
	"进度输出到标准错误。\n";

static const char usage_import[] =
	"用法: shenpi import --from 目录 [--db URL]\n"
	"从交换目录（UTF-8的CSV文件：regions.csv、centers.csv、units.csv、users.csv、\n"
	"items.csv、materials.csv、processes.csv、process_steps.csv、cases.csv、\n"
	"case_steps.csv，格式见 docs/import.md）导入旧系统的数据。全部在一个事务中完成：\n"
	"任何一行有误则什么都不导入，并指出文件、行号和列。可以重复执行：已导入的记录\n"
	"跳过，不会重复导入。导入的账号初始密码为888888，首次登录须修改。\n"
	"进度输出到标准错误。\n";

static const char usage_export[] =
	"用法: shenpi export --to 目录 [--db URL]\n"
	"按 shenpi import 的交换格式（docs/import.md）把全部数据写入目录（不存在则创建），\n"
	"可导入另一个数据库。不导出密码、事件日志和附件。\n";

static const char usage_user[] =
	"用法:\n"
	"  shenpi user add 用户名 --name 姓名 --role 角色[,角色…] [--center 中心ID]\n"
	"                  [--unit 单位ID] [--scope 区划代码] [--in-center] [--db URL]\n"
	"      新账号的初始密码为888888，首次登录须修改。\n"
	"      角色: clerk 窗口人员, handler 承办人, unit_admin 单位管理员,\n"
	"            center_admin 中心管理员, supervisor 监察人员, sysadmin 系统管理员\n"
	"  shenpi user passwd 用户名 [--reset] [--db URL]\n"
	"      从标准输入读一行作为新密码；--reset 恢复初始密码888888（须再次修改）。\n"
	"  shenpi user list [--db URL]\n";

static const char usage_verify[] =
	"用法: shenpi verify [--db URL] [--rebuild-stats]\n"
	"检查数据库完整性，从头重算事件日志的哈希链，并核对每个附件的内容（SQLite：数据库\n"
	"所在目录下的 files/；PostgreSQL：attachment_data 表）与其SHA-256相符；发现问题时\n"
	"指出第一条不符的事件或附件，以非零状态退出。\n"
	"--rebuild-stats 先从办件重算统计汇总（stats_daily），再检查。\n";

static const char usage_calendar[] =
	"用法:\n"
	"  shenpi calendar due 日期 N [--db URL]\n"
	"      输出该日之后第N个工作日（该日本身不计），如 2008-02-13 星期三。\n"
	"      受理日为“日期”、时限为N个工作日的事项，于输出日期当日24时到期。\n"
	"  shenpi calendar show 年份 [--db URL]\n"
	"      列出该年的节假日安排：放假日（休）和调休上班日（班）；\n"
	"      其余日期周一至周五上班、周六周日休息。\n"
	"  shenpi calendar import 文件 [--db URL]\n"
	"      从CSV文件（UTF-8）导入节假日安排，每行“日期,类型,名称”，类型为\n"
	"      holiday（休）或 workday（班），如:\n"
	"          2027-01-01,holiday,元旦\n"
	"          2027-02-06,workday,春节调休上班\n"
	"      文件为 - 时读标准输入。任何一行有误则整个文件不导入；\n"
	"      已有的日期被文件中的记录替换。\n";

static const char usage_backup[] =
	"用法: shenpi backup --to 文件 [--db sqlite:路径]\n"
	"在服务运行时为SQLite数据库做一致的在线备份（备份开始时的状态），服务照常读写。\n"
	"数据库写入“文件”，它引用的附件放在“文件”所在目录的 files/ 下，与数据库目录的布局\n"
	"相同：同一目录中的多份备份共用附件，与数据库在同一文件系统时用硬链接、不占额外空间。\n"
	"备份全部写入磁盘后“文件”才出现。“文件”已存在或其目录不存在时拒绝。\n"
	"PostgreSQL 请用 pg_dump 或 pg_basebackup，见 docs/admin.md“备份与恢复”。\n";

static const char usage_restore[] =
	"用法: shenpi restore --from 备份文件 [--db sqlite:路径]\n"
	"把 shenpi backup 做的备份恢复为新的SQLite数据库：复制数据库和附件，像 shenpi verify\n"
	"一样检查数据库完整性、事件哈希链和每个附件的SHA-256，全部通过后目标数据库才出现。\n"
	"目标数据库已存在时拒绝（不覆盖任何数据库）；恢复后用 shenpi serve --db 启动服务。\n"
	"PostgreSQL 请用 pg_restore，见 docs/admin.md“备份与恢复”。\n";

/* A connection and a context for one command. */
struct cli {
	struct db *db;
	struct arena arena;
	struct ctx ctx;
};

static int cli_open(struct cli *k, const char *url, int migrate)
{
	memset(k, 0, sizeof(*k));
	if (db_open(&k->db, url, 1) < 0) {
		fprintf(stderr, "无法打开数据库 %s\n", url);
		return -1;
	}
	if (migrate && db_migrate(k->db, NULL) < 0) {
		fprintf(stderr, "数据库迁移失败\n");
		db_close(k->db);
		return -1;
	}
	k->ctx.db = db_acquire(k->db);
	k->ctx.arena = &k->arena;
	k->ctx.now = (int64_t)time(NULL);
	k->ctx.ip = "";
	return 0;
}

static void cli_close(struct cli *k)
{
	db_release(k->ctx.db);
	db_close(k->db);
	arena_release(&k->arena);
}

static void cli_error(struct cli *k, int rc)
{
	fprintf(stderr, "错误: %s\n", k->ctx.fail_message ? k->ctx.fail_message : err_message(rc));
}

/* Run fn in one write transaction. */
static int cli_write(struct cli *k, int (*fn)(struct ctx *, json_t *, json_t **), json_t *in,
		     json_t **out)
{
	int rc = ctx_db(&k->ctx, db_begin_write(k->ctx.db));
	if (rc == E_OK && (rc = fn(&k->ctx, in, out)) == E_OK)
		rc = ctx_db(&k->ctx, db_commit(k->ctx.db));
	else
		db_rollback(k->ctx.db);
	if (rc < 0)
		cli_error(k, rc);
	return rc;
}

static const char *db_url(const char *flag)
{
	const char *env = getenv("SHENPI_DB");
	return flag ? flag : env && *env ? env : DEFAULT_DB;
}

static int help_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, 0, 'd'}, {"demo", no_argument, 0, 'D'}, {0, 0, 0, 0}};
	const char *url = NULL;
	int demo = 0, o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'd')
			url = optarg;
		else if (o == 'D')
			demo = 1;
		else
			return fputs(usage_init, stderr), 2;
	}
	struct cli k;
	if (cli_open(&k, db_url(url), 1) < 0)
		return 1;
	json_t *accounts = NULL;
	rc = cli_write(&k, demo ? demo_load : demo_admin, NULL, &accounts);
	if (rc == E_OK) {
		printf("数据库已就绪: %s\n", db_url(url));
		size_t i;
		json_t *a;
		if (json_array_size(accounts))
			printf("\n用户名               初始密码 说明\n"); /* CJK: 2 columns each */
		json_array_foreach(accounts, i, a) printf(
			"%-20s %-8s %s\n", json_string_value(json_object_get(a, "username")),
			USER_INITIAL_PASSWORD, json_string_value(json_object_get(a, "what")));
		if (json_array_size(accounts))
			printf("\n所有账号首次登录时须修改初始密码。\n");
	}
	json_decref(accounts);
	cli_close(&k);
	return rc == E_OK ? 0 : 1;
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, 0, 'd'},
					     {"listen", required_argument, 0, 'l'},
					     {"web", required_argument, 0, 'w'},
					     {"threads", required_argument, 0, 't'},
					     {"secure-cookie", no_argument, 0, 's'},
					     {"session-idle", required_argument, 0, 'i'},
					     {"public-url", required_argument, 0, 'p'},
					     {"sweep-seconds", required_argument, 0, 'S'},
					     {0, 0, 0, 0}};
	const char *url = NULL, *listen = "127.0.0.1:8080", *web = "web/dist";
	struct app app = {0};
	int threads = 4, sweep = 60, o, applied = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': url = optarg; break;
		case 'l': listen = optarg; break;
		case 'w': web = optarg; break;
		case 't': threads = (int)strtol(optarg, NULL, 10); break;
		case 's': app.secure_cookie = 1; break;
		case 'i': session_idle = strtoll(optarg, NULL, 10); break;
		case 'p': app.public_url = optarg; break;
		case 'S': sweep = (int)strtol(optarg, NULL, 10); break;
		default: return fputs(usage_serve, stderr), 2;
		}
	}
	if (threads < 1 || threads > 256 || session_idle < 1 || sweep < 1 || sweep > 86400) {
		fputs(usage_serve, stderr);
		return 2;
	}
	char listen_url[300];
	if (!app.public_url) {
		snprintf(listen_url, sizeof(listen_url), "http://%s%s", *listen == ':' ? "localhost" : "",
			 listen);
		app.public_url = listen_url;
	}
	app.web_root = access(web, R_OK) == 0 ? web : NULL;
	if (!app.web_root)
		log_msg(LOG_WARN, "web UI directory not found; serving the API only",
			json_pack("{s:s}", "web", web));
	/* Each request frees what it allocated as it ends; left to itself, glibc hands the top of a
	 * thread's heap back to the kernel (madvise) about as often, which costs more than a
	 * request's own work. Keep up to 64 MB of free heap instead. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	if (db_open(&app.db, db_url(url), threads + 1) < 0) /* and one for the sweep */
		return 1;
	if (db_migrate(app.db, &applied) < 0) {
		db_close(app.db);
		return 1;
	}
	(void)user_initial_hash(); /* once, before the first request needs it */
	struct http_config cfg = {.listen = listen,
				  .threads = threads,
				  .body_max = api_body_max,
				  .handler = api_handle,
				  .app = &app};
	log_msg(LOG_INFO, "database ready",
		json_pack("{s:s,s:i}", "kind", db_kind(app.db), "migrations_applied", applied));
	if (api_sweep_start(app.db, sweep) < 0) {
		db_close(app.db);
		return 1;
	}
	int rc = http_serve(&cfg);
	api_sweep_stop();
	calendar_cache_clear(&app.calendars);
	db_close(app.db);
	return rc < 0 ? 1 : 0;
}

static int user_add(struct cli *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, 0, 'd'},   {"name", required_argument, 0, 'n'},
		{"role", required_argument, 0, 'r'}, {"center", required_argument, 0, 'c'},
		{"unit", required_argument, 0, 'u'}, {"scope", required_argument, 0, 's'},
		{"in-center", no_argument, 0, 'i'},  {0, 0, 0, 0}};
	json_t *in = json_object(), *roles = json_array(), *out = NULL;
	int o, rc;
	json_object_set_new(in, "roles", roles);
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': break;
		case 'n': json_object_set_new(in, "name", json_string(optarg)); break;
		case 'r':
			for (char *save, *s = strtok_r(optarg, ",", &save); s;
			     s = strtok_r(NULL, ",", &save))
				json_array_append_new(roles, json_string(s));
			break;
		case 'c': json_object_set_new(in, "center_id", json_integer(atoll(optarg))); break;
		case 'u': json_object_set_new(in, "unit_id", json_integer(atoll(optarg))); break;
		case 's': json_object_set_new(in, "scope_region", json_string(optarg)); break;
		case 'i': json_object_set_new(in, "in_center", json_true()); break;
		default: json_decref(in); return fputs(usage_user, stderr), 2;
		}
	}
	if (optind != argc - 1) {
		json_decref(in);
		return fputs(usage_user, stderr), 2;
	}
	json_object_set_new(in, "username", json_string(argv[optind]));
	rc = cli_write(k, user_create, in, &out);
	if (rc == E_OK)
		printf("已创建用户 %s（初始密码%s，首次登录须修改）\n", argv[optind],
		       USER_INITIAL_PASSWORD);
	json_decref(in);
	json_decref(out);
	return rc == E_OK ? 0 : 1;
}

static int user_passwd(struct cli *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, 0, 'd'}, {"reset", no_argument, 0, 'r'}, {0, 0, 0, 0}};
	int o, reset = 0, rc;
	char line[256] = "";
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'r')
			reset = 1;
		else if (o != 'd')
			return fputs(usage_user, stderr), 2;
	}
	if (optind != argc - 1)
		return fputs(usage_user, stderr), 2;
	if (!reset) {
		if (isatty(STDIN_FILENO))
			fputs("新密码: ", stderr);
		if (!fgets(line, sizeof(line), stdin)) {
			fputs("错误: 未读到新密码\n", stderr);
			return 1;
		}
		line[strcspn(line, "\r\n")] = '\0';
	}
	if ((rc = user_set_password(&k->ctx, argv[optind], reset ? NULL : line)) < 0) {
		cli_error(k, rc);
		return 1;
	}
	printf(reset ? "已将 %s 的密码恢复为初始密码，下次登录须修改\n" : "已修改 %s 的密码\n",
	       argv[optind]);
	return 0;
}

static int user_list_cmd(struct cli *k)
{
	struct user_filter f = {0};
	struct page pg = {1, 100};
	json_t *out = NULL, *u;
	size_t i;
	int rc;
	printf("%-6s %-20s %-16s %-32s %s\n", "ID", "用户名", "姓名", "角色", "状态");
	do {
		json_decref(out);
		if ((rc = user_list(&k->ctx, &f, &pg, &out)) < 0) {
			cli_error(k, rc);
			return 1;
		}
		json_array_foreach(json_object_get(out, "items"), i, u)
		{
			char *roles = json_dumps(json_object_get(u, "roles"), JSON_COMPACT);
			printf("%-6lld %-20s %-16s %-32s %s%s\n",
			       (long long)json_integer_value(json_object_get(u, "id")),
			       json_string_value(json_object_get(u, "username")),
			       json_string_value(json_object_get(u, "name")), roles,
			       json_is_true(json_object_get(u, "disabled")) ? "停用" : "正常",
			       json_is_true(json_object_get(u, "must_change_password")) ? "，须改密"
											 : "");
			free(roles);
		}
		pg.page++;
	} while (json_array_size(json_object_get(out, "items")) == (size_t)pg.size);
	json_decref(out);
	return 0;
}

static int cmd_user(int argc, char **argv)
{
	const char *url = NULL;
	for (int i = 2; i < argc - 1; i++)
		if (!strcmp(argv[i], "--db"))
			url = argv[i + 1];
	for (int i = 2; i < argc; i++)
		if (!strncmp(argv[i], "--db=", 5))
			url = argv[i] + 5;
	if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "passwd") && strcmp(argv[1], "list")))
		return fputs(usage_user, stderr), 2;
	struct cli k;
	if (cli_open(&k, db_url(url), 1) < 0)
		return 1;
	int rc = !strcmp(argv[1], "add")      ? user_add(&k, argc, argv)
		 : !strcmp(argv[1], "passwd") ? user_passwd(&k, argc, argv)
					      : user_list_cmd(&k);
	cli_close(&k);
	return rc;
}

/* stats_rebuild in cli_write's shape. */
static int rebuild_stats_tx(struct ctx *c, json_t *in, json_t **out)
{
	(void)in, (void)out;
	return stats_rebuild(c);
}

/* shenpi verify's checks of k's database: its integrity, the event log's hash chain, the
 * content of every attachment; the outcome printed. E_OK when all pass. */
static int verify_report(struct cli *k)
{
	const char *why, *bad_file = NULL;
	int64_t count, bad, files;
	char problem[512] = "";
	int rc = db_check(k->ctx.db, problem, sizeof(problem));
	if (rc < 0) {
		printf("数据库完整性检查失败: %s\n", *problem ? problem : db_errmsg(k->ctx.db));
	} else if ((rc = event_verify(&k->ctx, &count, &bad, &why)) == E_OK &&
		   (rc = attach_verify(&k->ctx, &files, &bad_file, &why)) == E_OK) {
		printf("数据库完整性检查通过；事件哈希链完整，共 %lld 条事件；%lld 个附件完好\n",
		       (long long)count, (long long)files);
	} else if (rc == E_INTERNAL && bad_file) {
		printf("附件校验失败：SHA-256 %s 的附件%s\n", bad_file, why);
	} else if (bad) {
		printf("事件哈希链校验失败：第 %lld 条事件（seq=%lld）%s；此前 %lld 条完好\n",
		       (long long)bad, (long long)bad, why, (long long)count);
	} else {
		cli_error(k, rc);
	}
	return rc;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, 0, 'd'},
					     {"rebuild-stats", no_argument, 0, 'r'},
					     {0, 0, 0, 0}};
	const char *url = NULL;
	int o, rebuild = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'd')
			url = optarg;
		else if (o == 'r')
			rebuild = 1;
		else
			return fputs(usage_verify, stderr), 2;
	}
	struct cli k;
	if (cli_open(&k, db_url(url), 0) < 0)
		return 1;
	if (rebuild) {
		if (cli_write(&k, rebuild_stats_tx, NULL, NULL) < 0)
			return cli_close(&k), 1;
		puts("统计汇总已从办件重建");
	}
	int rc = verify_report(&k);
	cli_close(&k);
	return rc == E_OK ? 0 : 1;
}

/* The import in cli_write's shape: the file's bytes arrive as a JSON string made without a
 * UTF-8 check, so that calendar_import reports a bad byte with its line and column. */
static int cal_import_tx(struct ctx *c, json_t *in, json_t **out)
{
	return calendar_import(c, json_string_value(in), json_string_length(in), out);
}

static int cal_due(struct cli *k, const char *date, const char *count)
{
	struct calendar cal;
	int32_t from, due;
	char *end, text[CALENDAR_DAY_LEN];
	long n = strtol(count, &end, 10);
	int rc;
	if (calendar_parse_day(date, &from) < 0) {
		fprintf(stderr, "错误: “%s”不是有效日期，应为YYYY-MM-DD格式\n", date);
		return 2;
	}
	if (end == count || *end || n < 1 || n > CALENDAR_MAX_WORKDAYS) {
		fprintf(stderr, "错误: 工作日数N须为1至%d之间的整数\n", CALENDAR_MAX_WORKDAYS);
		return 2;
	}
	if ((rc = calendar_load(&k->ctx, &cal)) < 0) {
		cli_error(k, rc);
		return 1;
	}
	due = calendar_add_workdays(&cal, from, (int)n);
	calendar_format_day(due, text);
	printf("%s %s\n", text, calendar_weekday_name(due));
	/* outside the table only weekends are off: say so rather than look certain */
	if (from < cal.first || cal.last < cal.first) {
		fputs("注意: 该日期早于工作日历中最早的节假日安排，此前只按周末计算\n", stderr);
	} else if (due > calendar_known_until(&cal)) {
		int y, m, d;
		calendar_day_ymd(due, &y, &m, &d);
		fprintf(stderr, "注意: 工作日历中还没有%d年的节假日安排，该年只按周末计算\n", y);
	}
	return 0;
}

static int cal_show(struct cli *k, const char *year)
{
	json_t *out = NULL, *item;
	size_t i;
	int holidays = 0, workdays = 0, rc;
	char *end;
	long y = strtol(year, &end, 10);
	if (end == year || *end || y < CALENDAR_YEAR_MIN || y > CALENDAR_YEAR_MAX) {
		fprintf(stderr, "错误: 年份须为%d至%d之间的整数\n", CALENDAR_YEAR_MIN,
			CALENDAR_YEAR_MAX);
		return 2;
	}
	if ((rc = calendar_list(&k->ctx, (int)y, &out)) < 0) {
		cli_error(k, rc);
		return 1;
	}
	json_array_foreach(json_object_get(out, "items"), i, item)
	{
		int work = !strcmp(json_string_value(json_object_get(item, "kind")), "workday");
		printf("%s %s %s %s\n", json_string_value(json_object_get(item, "day")),
		       json_string_value(json_object_get(item, "weekday")), work ? "班" : "休",
		       json_string_value(json_object_get(item, "name")));
		if (work)
			workdays++;
		else
			holidays++;
	}
	if (holidays + workdays)
		printf("%ld年: 放假%d天（含其间的周末），调休上班%d天\n", y, holidays, workdays);
	else
		printf("%ld年: 工作日历中没有该年的节假日安排，只按周末计算\n", y);
	json_decref(out);
	return 0;
}

static int cal_import(struct cli *k, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *data;
	size_t len;
	json_t *in, *out = NULL;
	int rc;
	if (!f) {
		fprintf(stderr, "错误: 无法打开文件 %s\n", path);
		return 1;
	}
	/* one byte more than allowed, so that an oversize file is seen as one */
	data = malloc(CALENDAR_IMPORT_MAX_BYTES + 1);
	len = data ? fread(data, 1, CALENDAR_IMPORT_MAX_BYTES + 1, f) : 0;
	if (f != stdin)
		fclose(f);
	if (!data) {
		fputs("错误: 内存不足\n", stderr);
		return 1;
	}
	in = json_stringn_nocheck(data, len);
	free(data);
	rc = cli_write(k, cal_import_tx, in, &out);
	if (rc == E_OK)
		printf("已导入%lld天（%s至%s），其中%lld天替换了原有记录\n",
		       (long long)json_integer_value(json_object_get(out, "imported")),
		       json_string_value(json_object_get(out, "first")),
		       json_string_value(json_object_get(out, "last")),
		       (long long)json_integer_value(json_object_get(out, "replaced")));
	json_decref(in);
	json_decref(out);
	return rc == E_OK ? 0 : 1;
}

static int cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {0, 0, 0, 0}};
	const char *url = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'd')
			return fputs(usage_sweep, stderr), 2;
		url = optarg;
	}
	struct cli k;
	int64_t raised = 0;
	if (cli_open(&k, db_url(url), 1) < 0)
		return 1;
	int rc = api_sweep_once(k.ctx.db, &raised);
	if (rc == E_OK)
		printf("生成问责记录 %lld 条\n", (long long)raised);
	cli_close(&k);
	return rc == E_OK ? 0 : 1;
}

static int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, 0, 'd'},
					     {"centers", required_argument, 0, 'c'},
					     {"cases", required_argument, 0, 'n'},
					     {"days", required_argument, 0, 'D'},
					     {"seed", required_argument, 0, 's'},
					     {0, 0, 0, 0}};
	struct gen_opts g = {.centers = 180, .cases = 2000000, .days = 365, .seed = 1,
			     .progress = stderr};
	const char *url = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': url = optarg; break;
		case 'c': g.centers = (int)strtol(optarg, NULL, 10); break;
		case 'n': g.cases = strtoll(optarg, NULL, 10); break;
		case 'D': g.days = (int)strtol(optarg, NULL, 10); break;
		case 's': g.seed = strtoull(optarg, NULL, 10); break;
		default: return fputs(usage_gen, stderr), 2;
		}
	}
	if (g.centers < 1 || g.centers > GEN_MAX_CENTERS || g.cases < 0 ||
	    g.cases > GEN_MAX_CASES || g.days < 1 || g.days > GEN_MAX_DAYS)
		return fputs(usage_gen, stderr), 2;
	struct cli k;
	json_t *accounts = NULL, *counts = NULL;
	if (cli_open(&k, db_url(url), 1) < 0)
		return 1;
	int rc = cli_write(&k, demo_admin, NULL, &accounts);
	json_decref(accounts);
	if (rc == E_OK && (rc = gen_run(&k.ctx, &g, &counts)) < 0)
		cli_error(&k, rc);
	if (rc == E_OK) {
		char *text = json_dumps(counts, JSON_COMPACT);
		printf("%s\n", text);
		free(text);
	}
	json_decref(counts);
	cli_close(&k);
	return rc == E_OK ? 0 : 1;
}

/* import --from DIR and export --to DIR: one folder option, the rest alike. */
static int exchange_cmd(int argc, char **argv, int import)
{
	static const struct option opts[] = {{"db", required_argument, 0, 'd'},
					     {"from", required_argument, 0, 'f'},
					     {"to", required_argument, 0, 't'},
					     {0, 0, 0, 0}};
	struct exchange_opts x = {.progress = stderr, .tty = isatty(STDERR_FILENO)};
	const char *url = NULL, *usage = import ? usage_import : usage_export;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'd')
			url = optarg;
		else if (o == (import ? 'f' : 't'))
			x.dir = optarg;
		else
			return fputs(usage, stderr), 2;
	}
	if (!x.dir || optind != argc)
		return fputs(usage, stderr), 2;
	struct cli k;
	json_t *counts = NULL;
	if (cli_open(&k, db_url(url), 1) < 0)
		return 1;
	int rc = import ? exchange_import(&k.ctx, &x, &counts) : exchange_export(&k.ctx, &x, &counts);
	if (rc < 0) {
		cli_error(&k, rc);
	} else if (import) {
		const char *file;
		json_t *n;
		json_object_foreach(counts, file, n)
		printf("%-18s 导入 %lld，已有而跳过 %lld\n", file,
		       (long long)json_integer_value(json_object_get(n, "imported")),
		       (long long)json_integer_value(json_object_get(n, "skipped")));
	} else {
		printf("已导出到 %s\n", x.dir);
	}
	json_decref(counts);
	cli_close(&k);
	return rc == E_OK ? 0 : 1;
}

static int cmd_import(int argc, char **argv)
{
	return exchange_cmd(argc, argv, 1);
}

static int cmd_export(int argc, char **argv)
{
	return exchange_cmd(argc, argv, 0);
}

static int cmd_calendar(int argc, char **argv)
{
	const char *url = NULL, *arg[3] = {NULL, NULL, NULL};
	int n = 0, rc;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			url = argv[++i];
		else if (!strncmp(argv[i], "--db=", 5))
			url = argv[i] + 5;
		else if (n < 3 && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
			arg[n++] = argv[i];
		else
			return fputs(usage_calendar, stderr), 2;
	}
	/* due takes a date and a count; show and import one argument */
	int want = !arg[0]		     ? 0
		   : !strcmp(arg[0], "due") ? 3
		   : !strcmp(arg[0], "show") || !strcmp(arg[0], "import") ? 2
									    : 0;
	if (!want || n != want)
		return fputs(usage_calendar, stderr), 2;
	struct cli k;
	if (cli_open(&k, db_url(url), 1) < 0)
		return 1;
	rc = !strcmp(arg[0], "due")    ? cal_due(&k, arg[1], arg[2])
	     : !strcmp(arg[0], "show") ? cal_show(&k, arg[1])
				       : cal_import(&k, arg[1]);
	cli_close(&k);
	return rc;
}

/* ---- backup and restore ---- */

/* The progress of a copy, shown on a terminal. */
struct copy_progress {
	const char *what;
	int pages, tty;
};

static void copy_progress_show(void *arg, int done, int total)
{
	struct copy_progress *p = arg;
	p->pages = total;
	if (p->tty)
		fprintf(stderr, "\r%s数据库 %3d%%", p->what, total ? (int)(100LL * done / total) : 100);
}

/* Open the SQLite database file path as a cli (no migrations: a copy stays as it was). */
static int cli_open_file(struct cli *k, const char *path)
{
	char url[PATH_MAX + 8];
	snprintf(url, sizeof(url), "sqlite:%s", path);
	return cli_open(k, url, 0);
}

/* The directory of path, into dir. */
static const char *dir_of(const char *path, char dir[PATH_MAX])
{
	const char *slash = strrchr(path, '/');
	int len = !slash || slash == path ? 1 : (int)(slash - path); /* "/" and "." stay */
	snprintf(dir, PATH_MAX, "%.*s", len, slash ? path : ".");
	return dir;
}

/* Give the finished file tmp its name `to`, unless that exists, durably. Failures are
 * printed; 0 or 1. */
static int publish(const char *tmp, const char *to)
{
	char dir[PATH_MAX];
	int fd = open(tmp, O_RDONLY | O_CLOEXEC), rc = 1;
	if (fd < 0 || fsync(fd) < 0)
		fprintf(stderr, "错误: 无法写入 %s: %s\n", tmp, strerror(errno));
	else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, to, RENAME_NOREPLACE) < 0)
		fprintf(stderr, "错误: 无法写入 %s: %s\n", to,
			errno == EEXIST ? "该文件已存在，不会覆盖" : strerror(errno));
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	if (rc)
		return rc;
	/* the new name on disk too */
	if ((fd = open(dir_of(to, dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0) {
		fprintf(stderr, "错误: 无法写入目录 %s: %s\n", dir, strerror(errno));
		rc = 1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Copy the SQLite database file `from` (live, while a server writes to it, or a backup) to the
 * new file `to`, with its attachments in the store beside `to`, and with check run shenpi
 * verify's checks on the copy. `to` appears only once the copy is whole, on disk and checked:
 * it is built under a temporary name beside it, then renamed - never over an existing file.
 * Failures are printed; 0 or 1. */
static int copy_db(const char *from, const char *to, int check, struct copy_progress *p)
{
	char tmp[PATH_MAX];
	struct cli k;
	int64_t files = 0;
	int fd, rc = 1;
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", to);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		fprintf(stderr, "错误: 无法在 %s 所在目录创建文件: %s\n", to, strerror(errno));
		return 1;
	}
	close(fd);
	if (cli_open_file(&k, from) < 0)
		goto out;
	if (db_backup(k.ctx.db, tmp, copy_progress_show, p) < 0) {
		fprintf(stderr, "%s错误: 复制数据库失败: %s\n", p->tty ? "\n" : "",
			db_errmsg(k.ctx.db));
		cli_close(&k);
		goto out;
	}
	if (p->tty)
		fputc('\n', stderr);
	cli_close(&k);
	if (cli_open_file(&k, tmp) < 0)
		goto out;
	if (attach_fetch(&k.ctx, from, &files) < 0)
		cli_error(&k, E_INTERNAL);
	else
		rc = check && verify_report(&k) != E_OK;
	cli_close(&k);
	if (!rc && !(rc = publish(tmp, to)))
		printf("数据库 %d 页，附件 %lld 个\n", p->pages, (long long)files);
out:
	if (rc)
		unlink(tmp);
	return rc;
}

/* The path of a sqlite: URL, or NULL after saying that the command is SQLite's only. */
static const char *sqlite_path(const char *url, const char *instead)
{
	if (!strncmp(url, "sqlite:", 7))
		return url + 7;
	fprintf(stderr,
		"错误: 该命令只用于SQLite数据库（--db sqlite:路径）；PostgreSQL 请用 %s，\n"
		"见 docs/admin.md“备份与恢复”\n",
		instead);
	return NULL;
}

/* Whether the new file path may be made: it does not exist, its directory does. */
static int new_file_ok(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;
	if (lstat(path, &st) == 0) {
		fprintf(stderr, "错误: %s 已存在，不会覆盖；请换一个文件名\n", path);
		return 0;
	}
	if (stat(dir_of(path, dir), &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "错误: 目录 %s 不存在\n", dir);
		return 0;
	}
	return 1;
}

static int file_exists(const char *path, const char *what)
{
	if (access(path, F_OK) == 0)
		return 1;
	fprintf(stderr, "错误: %s %s 不存在\n", what, path);
	return 0;
}

/* shenpi backup (restore 0) and shenpi restore (1): the same copy, one way or the other. */
static int copy_cmd(int argc, char **argv, int restore)
{
	static const struct option opts[] = {{"db", required_argument, 0, 'd'},
					     {"to", required_argument, 0, 't'},
					     {"from", required_argument, 0, 'f'},
					     {0, 0, 0, 0}};
	const char *usage = restore ? usage_restore : usage_backup, *verb = restore ? "恢复" : "备份";
	const char *url = NULL, *file = NULL, *db;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'd')
			url = optarg;
		else if (o == (restore ? 'f' : 't'))
			file = optarg;
		else
			return fputs(usage, stderr), 2;
	}
	if (!file || optind != argc)
		return fputs(usage, stderr), 2;
	if (!(db = sqlite_path(db_url(url), restore ? "pg_restore" : "pg_dump 或 pg_basebackup")))
		return 1;
	const char *from = restore ? file : db, *to = restore ? db : file;
	if (!file_exists(from, restore ? "备份文件" : "数据库") || !new_file_ok(to))
		return 1;
	struct copy_progress p = {.what = verb, .tty = isatty(STDERR_FILENO)};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (copy_db(from, to, restore, &p))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("已%s到 %s，用时 %.1f 秒\n", verb, to,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

static int cmd_backup(int argc, char **argv)
{
	return copy_cmd(argc, argv, 0);
}

static int cmd_restore(int argc, char **argv)
{
	return copy_cmd(argc, argv, 1);
}

int main(int argc, char **argv)
{
	if (token_init() < 0) {
		fputs("shenpi: libsodium cannot start\n", stderr);
		return 1;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	static const struct {
		const char *name, *usage;
		int (*fn)(int, char **);
	} cmds[] = {{"init", usage_init, cmd_init},
		    {"serve", usage_serve, cmd_serve},
		    {"user", usage_user, cmd_user},
		    {"verify", usage_verify, cmd_verify},
		    {"calendar", usage_calendar, cmd_calendar},
		    {"sweep", usage_sweep, cmd_sweep},
		    {"gen", usage_gen, cmd_gen},
		    {"backup", usage_backup, cmd_backup},
		    {"restore", usage_restore, cmd_restore},
		    {"import", usage_import, cmd_import},
		    {"export", usage_export, cmd_export}};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (help_requested(argc - 1, argv + 1)) {
			fputs(cmds[i].usage, stdout);
			return 0;
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "未知命令: %s\n\n%s", argv[1], usage_main);
	return 2;
}
