/*
 * notice.c - how long one notice takes to render (pdf/notice.h), fonts already loaded.
 *
 *   make bench-notice                  2000 renders after 20 warm-up ones
 *   build/bench/notice N [OUT.pdf]     N renders; OUT.pdf gets the last one
 *
 * The notice is a 一次性告知通知书 as the server draws it: barcode, QR code, four fields,
 * four paragraphs and five missing materials, about 600 Chinese characters. Prints the
 * minimum, median and 99th percentile in milliseconds, of wall-clock time and of the thread's
 * CPU time (which other work on the machine does not inflate), and the PDF's size
 * (docs/performance.md, section Notices).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/arena.h"
#include "pdf/notice.h"

static const struct notice_field fields[] = {
    {"申请人", "成都市锦江区张三餐饮管理有限公司"},
    {"申请事项", "食品经营许可证核发"},
    {"承办单位", "锦江区市场监督管理局"},
    {"申请日期", "2026年11月27日"},
};

static const struct notice_para paras[] = {
    {NOTICE_SALUTATION, "成都市锦江区张三餐饮管理有限公司："},
    {NOTICE_TEXT, "你（单位）于2026年11月27日提出的“食品经营许可证核发”申请（办件编号："
		  "510104-20261127-000001），经审查，申请材料不齐全或者不符合法定形式。根据"
		  "《中华人民共和国行政许可法》第三十二条的规定，现一次性告知你（单位）需要补正"
		  "的全部内容如下："},
    {NOTICE_ITEM, "1. 营业执照副本复印件（加盖公章）"},
    {NOTICE_ITEM, "2. 法定代表人身份证明"},
    {NOTICE_ITEM, "3. 食品经营场所平面布局图及设备布局图"},
    {NOTICE_ITEM, "4. 食品安全管理制度文本"},
    {NOTICE_ITEM, "5. 食品安全管理人员健康证明"},
    {NOTICE_TEXT, "布局图须标明操作间、储存间的面积和位置，并由申请人签字确认。"},
    {NOTICE_TEXT, "请按上述要求补正全部材料后重新提交。补正材料齐全、符合法定形式的，本中心将依法"
		  "予以受理。咨询电话：028-86660000。"},
};

static const char *const signatures[] = {"申请人（签收）", "经办人"};

static const struct notice_doc doc = {
    .header = "成都市锦江区政务服务中心",
    .title = "一次性告知通知书",
    .no = "510104-20261127-000001",
    .qr = "https://zwfw.jinjiang.gov.cn/progress?no=510104-20261127-000001",
    .qr_caption = "扫码查询办理进度",
    .fields = fields,
    .nfields = sizeof(fields) / sizeof(fields[0]),
    .paras = paras,
    .nparas = sizeof(paras) / sizeof(paras[0]),
    .issuer = "成都市锦江区政务服务中心",
    .date = "2026年11月27日",
    .signatures = signatures,
    .nsignatures = 2,
};

static double now_ms(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	struct arena a = ARENA_INIT;
	const char *pdf;
	size_t len = 0;
	double *ms, *cpu;

	if (n < 1 || !(ms = calloc((size_t)n, sizeof(*ms))) ||
	    !(cpu = calloc((size_t)n, sizeof(*cpu))))
		return 2;
	for (int i = 0; i < 20; i++) { /* fonts loaded, caches warm */
		if (notice_pdf(&doc, &a, &pdf, &len) < 0)
			return 1;
		arena_release(&a);
	}
	for (long i = 0; i < n; i++) {
		double t = now_ms(CLOCK_MONOTONIC), c = now_ms(CLOCK_THREAD_CPUTIME_ID);
		if (notice_pdf(&doc, &a, &pdf, &len) < 0)
			return 1;
		ms[i] = now_ms(CLOCK_MONOTONIC) - t;
		cpu[i] = now_ms(CLOCK_THREAD_CPUTIME_ID) - c;
		if (i < n - 1)
			arena_release(&a);
	}
	if (argc > 2) {
		FILE *f = fopen(argv[2], "wb");
		if (!f || fwrite(pdf, 1, len, f) != len || fclose(f))
			return 1;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	qsort(cpu, (size_t)n, sizeof(*cpu), cmp);
	size_t p99 = (size_t)((double)n * 0.99);
	printf("notice: %ld renders of %zu bytes\n"
	       "  wall  min %.3f ms, median %.3f ms, p99 %.3f ms\n"
	       "  cpu   min %.3f ms, median %.3f ms, p99 %.3f ms\n",
	       n, len, ms[0], ms[n / 2], ms[p99], cpu[0], cpu[n / 2], cpu[p99]);
	arena_release(&a);
	free(ms);
	free(cpu);
	notice_shutdown();
	return 0;
}
