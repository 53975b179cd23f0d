/*
 * fuzz_http.c - the whole request path of the server: libmicrohttpd's parsing, http/server.c
 * (included here, for its request callbacks), the router, authentication, the JSON or
 * multipart body of every route and the handlers, on a SQLite database of the demo province
 * (domain/demo.c), signed in as the system administrator `admin` with an API token.
 *
 * The input is "METHOD /path?query", then header lines, a blank line and the body ("\n" line
 * ends; a lone line is a request without headers or body). The harness adds Host,
 * Connection: close, the token, Content-Length and, when the input sets no Content-Type,
 * application/json; the request goes to a libmicrohttpd daemon without threads or a listening
 * socket over a socket pair. Any reply but 500 is fine: a 500 means the server failed on what
 * a client sent, and stops the run like a crash. Requests that would end the token (DELETE of
 * /api/v1/tokens/...) are skipped. Run from the repository root; the database lives in
 * /dev/shm and is removed at exit.
 */
#define _GNU_SOURCE /* strcasestr */
#include "http/server.c"

#include <sys/socket.h>

#include "api/api.h"
#include "domain/demo.h"
#include "domain/session.h"
#include "domain/user.h"
#include "fuzz.h"
#include "fuzzdb.h"

#define MAX_ROUNDS 100000

static char g_auth[160];
static struct app g_app = {.public_url = "http://localhost:8080"};
static struct http_config g_cfg = {.body_max = api_body_max, .handler = api_handle, .app = &g_app};
static struct MHD_Daemon *g_daemon;

static int system_write(int (*fn)(struct ctx *, json_t *, json_t **), json_t *in, json_t **out)
{
	struct arena a = {0};
	struct ctx c = fuzz_ctx(&a);
	int rc = ctx_db(&c, db_begin_write(c.db));
	if (rc == 0 && (rc = fn(&c, in, out)) == 0)
		rc = ctx_db(&c, db_commit(c.db));
	else
		db_rollback(c.db);
	db_release(c.db);
	arena_release(&a);
	return rc;
}

/* admin, past the first login, with an API token: the Authorization header in g_auth */
static int admin_token(struct ctx *c, json_t *in, json_t **out)
{
	static struct actor admin;
	int rc;
	(void)in;
	if ((rc = ctx_db(c,
			 db_exec(c->db, "UPDATE users SET must_change = 0 WHERE username = 'admin'",
				 NULL, 0, NULL))) < 0 ||
	    (rc = ctx_int(c, "SELECT id FROM users WHERE username = 'admin'", NULL, 0, &admin.id)) <
		0)
		return rc;
	admin.username = "admin";
	admin.roles = ROLE_SYSADMIN;
	admin.scope_region = "";
	c->actor = &admin;
	json_t *req = json_pack("{s:s}", "name", "fuzz");
	rc = session_token_create(c, req, out);
	json_decref(req);
	return rc;
}

static void cleanup(void)
{
	MHD_stop_daemon(g_daemon);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_t *out = NULL;
	fuzz_db_open("http");
	g_app.db = fuzz_db;
	FUZZ_CHECK(system_write(demo_load, NULL, &out) == 0);
	json_decref(out);
	FUZZ_CHECK(system_write(admin_token, NULL, &out) == 0);
	snprintf(g_auth, sizeof(g_auth), "Bearer %s",
		 json_string_value(json_object_get(out, "token")));
	json_decref(out);
	(void)user_initial_hash();
	g_daemon =
	    MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, &g_cfg,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	FUZZ_CHECK(g_daemon);
	atexit(cleanup);
	return 0;
}

/* Send req (len bytes) through a new connection; the reply's status, or 0 when none came. */
static int exchange(const char *req, size_t len)
{
	int sv[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	struct sockaddr_in peer = {.sin_family = AF_INET,
				   .sin_port = htons(40000),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	FUZZ_CHECK(MHD_add_connection(g_daemon, sv[0], (struct sockaddr *)&peer, sizeof(peer)) ==
		   MHD_YES);
	char reply[64] = "";
	size_t sent = 0, got = 0;
	for (int i = 0; i < MAX_ROUNDS; i++) {
		if (sent < len) {
			ssize_t n = write(sv[1], req + sent, len - sent);
			if (n > 0)
				sent += (size_t)n;
		}
		MHD_run(g_daemon);
		char b[4096];
		ssize_t n = read(sv[1], b, sizeof(b));
		if (n == 0)
			break;
		if (n > 0 && got < sizeof(reply) - 1) {
			size_t k = (size_t)n < sizeof(reply) - 1 - got ? (size_t)n
								       : sizeof(reply) - 1 - got;
			memcpy(reply + got, b, k);
			got += k;
			reply[got] = '\0';
		}
	}
	close(sv[1]);
	MHD_run(g_daemon); /* the daemon sees the close and completes the request */
	int status = 0;
	if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_str(data, size);
	char *line_end = strchr(in, '\n');
	char *headers = line_end ? line_end + 1 : in + strlen(in);
	if (line_end)
		*line_end = '\0';
	char *blank = strstr(headers, "\n\n");
	const char *body = blank ? blank + 2 : "";
	if (blank)
		blank[1] = '\0';
	else
		headers = "";
	if (!strncmp(in, "DELETE /api/v1/tokens", 21)) {
		free(in);
		return 0;
	}
	struct buf b = BUF_INIT(1 << 22);
	buf_addf(&b, "%s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: %s\r\n",
		 in, g_auth);
	for (char *h = headers, *e; *h; h = e + 1) {
		e = strchr(h, '\n');
		buf_add(&b, h, (size_t)(e - h));
		buf_addstr(&b, "\r\n");
	}
	if (!strcasestr(headers, "content-type:"))
		buf_addstr(&b, "Content-Type: application/json\r\n");
	size_t body_len = size - (size_t)(body - in);
	if (!blank)
		body_len = 0;
	buf_addf(&b, "Content-Length: %zu\r\n\r\n", body_len);
	buf_add(&b, body, body_len);
	int status = exchange(b.buf, b.len);
	if (status == 500)
		fprintf(stderr, "fuzz_http: 500 for %s\n", in);
	FUZZ_CHECK(status != 500);
	buf_release(&b);
	free(in);
	return 0;
}
