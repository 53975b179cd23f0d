/* hello.c - the ceiling for bench/lifecycle.mjs: a libmicrohttpd server with shenpi's
 * threading model and daemon options (src/http/server.c: a pool of epoll threads, the same
 * timeout, connection limit and security headers) that reads every request's body and
 * answers it with one small fixed JSON object, touching no database.
 *
 *   build/bench/hello [--listen 127.0.0.1:0] [--threads 4]
 *
 * Prints {"msg":"listening","addr":"HOST:PORT"} on stderr once it listens, like
 * `shenpi serve`; stops on SIGTERM or SIGINT. See docs/performance.md.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a case number, so that the driver can address the case's actions as it does with shenpi */
static const char BODY[] = "{\"no\":\"hello\",\"state\":\"ok\"}";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	static int started;
	(void)cls, (void)url, (void)method, (void)version, (void)upload;
	if (!*con_cls) { /* the headers: wait for the body */
		*con_cls = &started;
		return MHD_YES;
	}
	if (*upload_size) { /* a chunk of the body: read and dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(sizeof(BODY) - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int main(int argc, char **argv)
{
	const char *listen = "127.0.0.1:0";
	unsigned threads = 4;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--listen"))
			listen = argv[i + 1];
		else if (!strcmp(argv[i], "--threads"))
			threads = (unsigned)atoi(argv[i + 1]);
		else
			break;
	}
	if (argc % 2 == 0 || threads < 1 || threads > 64) {
		fprintf(stderr, "usage: %s [--listen HOST:PORT] [--threads 1..64]\n", argv[0]);
		return 2;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	unsigned port;
	if (sscanf(listen, "%63[^:]:%u", host, &port) != 2 || port > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "hello: bad --listen %s (use HOST:PORT)\n", listen);
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);

	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
		NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE,
		threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)2000, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
	if (!d) {
		perror("hello: cannot listen");
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "{\"msg\":\"listening\",\"addr\":\"%s:%u\"}\n", host,
		info ? info->port : port);
	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return 0;
}
