/*
 * http.c — routes, body limits and responses (see http.h).
 *
 * Every request gets a struct http_req when its URI arrives (the URI log
 * callback sees the raw URI with its query, which Twilio signs), collects
 * its body up to body_limit (413 above), and is answered by one handler
 * from http_routes[]. Each worker thread owns its Redis connection
 * (store.c), so handlers never share one.
 */
#include "http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api.h"
#include "buf.h"
#include "channel.h"
#include "clock.h"
#include "console.h"
#include "http_conns.h"
#include "inbound.h"
#include "log.h"
#include "metrics.h"
#include "open311.h"
#include "store.h"
#include "wl.h"

struct http_req {
	char *uri;
	struct buf body;
	bool started;
	bool too_big;
	char peer[INET6_ADDRSTRLEN];
};

static const struct wl_config *http_cfg;
static struct MHD_Daemon *http_daemon;
static atomic_int http_active;

static int http_healthz(struct http_ctx *h);
static int http_metrics(struct http_ctx *h);
static int http_hook(struct http_ctx *h);

/* The one table of routes. Order matters: the first match wins. */
static const struct http_route http_routes[] = {
    {"GET", "/healthz", false, http_healthz, false},
    {"GET", "/metrics", false, http_metrics, false},
    {NULL, "/hook/", true, http_hook, false},
    {NULL, "/api/v1/", true, api_handle, true},
    {"GET", "/open311/v2/", true, open311_handle, false},
    {"GET", "/console", true, console_handle, false},
};

static const char *const http_route_names[] = {
    "healthz", "metrics", "hook", "api", "open311", "console", "other"};
#define HTTP_ROUTE_OTHER ((int)WL_ARRAY_LEN(http_routes))

static void *http_uri_log(void *cls, const char *uri,
			  struct MHD_Connection *conn)
{
	struct http_req *r = calloc(1, sizeof(*r));
	const union MHD_ConnectionInfo *ci;

	if (!r)
		return NULL;
	r->uri = strdup(uri);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(
			    AF_INET,
			    &((const struct sockaddr_in *)(const void *)sa)
				 ->sin_addr,
			    r->peer, sizeof(r->peer));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(
			    AF_INET6,
			    &((const struct sockaddr_in6 *)(const void *)sa)
				 ->sin6_addr,
			    r->peer, sizeof(r->peer));
	}
	atomic_fetch_add(&http_active, 1);
	return r;
}

static void http_completed(void *cls, struct MHD_Connection *conn,
			   void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	http_conns_busy(conn, 0);
	if (!r)
		return;
	buf_release(&r->body);
	free(r->uri);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&http_active, 1);
}

static enum MHD_Result http_send(struct MHD_Connection *conn, int status,
				 const char *type, const char *body, size_t len,
				 const char *filename, const char *headers)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char disp[128];

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (filename && filename[0]) {
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
			 filename);
		MHD_add_response_header(resp, "Content-Disposition", disp);
	}
	/* "Name: value\r\n" lines a handler added (http_ctx_add_header). */
	while (headers && *headers) {
		const char *colon = strchr(headers, ':');
		const char *eol = strstr(headers, "\r\n");
		char name[64], value[960];

		if (!colon || !eol || colon > eol ||
		    (size_t)(colon - headers) >= sizeof(name) ||
		    (size_t)(eol - colon - 2) >= sizeof(value))
			break;
		memcpy(name, headers, (size_t)(colon - headers));
		name[colon - headers] = '\0';
		memcpy(value, colon + 2, (size_t)(eol - colon - 2));
		value[eol - colon - 2] = '\0';
		MHD_del_response_header(resp, name, "no-store");
		MHD_add_response_header(resp, name, value);
		headers = eol + 2;
	}
	ret = MHD_queue_response(conn, (unsigned int)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

void http_json_error(struct http_ctx *h, int status, const char *code,
		     const char *message)
{
	json_t *o = json_pack("{s:{s:s, s:s}}", "error", "code", code,
			      "message", message);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	h->status = status;
	h->type = "application/json; charset=utf-8";
	buf_reset(&h->out);
	buf_adds(&h->out, s ? s : "{}");
	free(s);
	json_decref(o);
}

bool http_ctx_add_header(struct http_ctx *h, const char *name,
			 const char *value)
{
	size_t used = strlen(h->headers);
	int n = snprintf(h->headers + used, sizeof(h->headers) - used,
			 "%s: %s\r\n", name, value);

	if (n < 0 || (size_t)n >= sizeof(h->headers) - used ||
	    strpbrk(value, "\r\n")) {
		h->headers[used] = '\0';
		return false;
	}
	return true;
}

static const char *http_header(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

static const char *http_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_ctx_header(const struct http_ctx *h, const char *name)
{
	return http_header(h->conn, name);
}

const char *http_ctx_arg(const struct http_ctx *h, const char *name)
{
	return http_arg(h->conn, name);
}

static int http_healthz(struct http_ctx *h)
{
	if (store_ping() != WL_OK) {
		h->status = 503;
		buf_adds(&h->out, "redis unavailable\n");
		return WL_OK;
	}
	buf_adds(&h->out, "ok\n");
	return WL_OK;
}

static int http_metrics(struct http_ctx *h)
{
	char key[128];
	const char *argv[2] = {"GET", key};
	redisReply *r = NULL;
	long long depth = -1;

	snprintf(key, sizeof(key), "%sob:depth", store_prefix());
	if (store_command(&r, 2, argv, NULL) == WL_OK) {
		depth = r->type == REDIS_REPLY_STRING
			    ? strtoll(r->str, NULL, 10)
			    : 0;
		freeReplyObject(r);
	}
	h->type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(&h->out, depth);
	return WL_OK;
}

static int http_channel_index(const char *id)
{
	for (size_t i = 0; i < http_cfg->n_channels; i++)
		if (strcmp(http_cfg->channels[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int http_hook(struct http_ctx *h)
{
	const char *id = h->path + strlen("/hook/");
	const struct chan_adapter *ad;
	struct chan_inbound in = {0};
	struct chan_request req;
	struct inbound_replay replay;
	char *replay_key = NULL;
	char full_url[2048];
	const char *host = http_header(h->conn, "Host");
	int ch_idx = http_channel_index(id);
	int rc;

	if (ch_idx < 0) {
		http_json_error(h, 404, "not_found", "no such channel");
		return WL_OK;
	}
	ad = chan_find(http_cfg->channels[ch_idx].type);
	if (!ad || !ad->verify || !ad->parse) {
		http_json_error(h, 404, "not_found", "channel takes no input");
		return WL_OK;
	}
	snprintf(full_url, sizeof(full_url), "http://%s%s", host ? host : "",
		 h->uri);
	req.method = h->method;
	req.path = h->path;
	req.full_url = full_url;
	req.body = h->body;
	req.body_len = h->body_len;
	req.peer_ip = h->peer;
	req.now_ms = clock_now_ms();
	req.header = http_header;
	req.arg = http_arg;
	req.ctx = h->conn;

	rc = ad->verify(&http_cfg->channels[ch_idx], &req);
	if (rc != WL_OK) {
		metrics_inbound(ch_idx, "rejected");
		log_warn("http", "hook rejected channel=%s peer=%s reason=%s",
			 id, h->peer, wl_strerror(rc));
		http_json_error(h, wl_http_status(rc),
				rc == WL_EFORBIDDEN ? "forbidden"
						    : "unauthorized",
				"signature check failed");
		return WL_OK;
	}
	if (ad->replay) {
		char key[CHAN_REPLAY_MAX];
		long ttl_s = 0;

		rc = ad->replay(&http_cfg->channels[ch_idx], &req, key,
				sizeof(key), &ttl_s);
		if (rc != WL_OK) {
			metrics_inbound(ch_idx, "rejected");
			http_json_error(h, 401, "unauthorized",
					"signature check failed");
			return WL_OK;
		}
		if (key[0]) {
			replay_key = strdup(key);
			if (!replay_key)
				return WL_ENOMEM;
			inbound_replay_init(&replay, replay_key, ttl_s, h->body,
					    h->body_len);
		}
	}
	rc = ad->parse(&http_cfg->channels[ch_idx], &req, &in);
	if (rc != WL_OK) {
		metrics_inbound(ch_idx, "rejected");
		http_json_error(h, 400, "bad_request", "unreadable message");
		goto out;
	}
	for (size_t i = 0; i < in.n; i++) {
		enum inbound_result res;

		rc = inbound_handle(http_cfg, ch_idx, &in.msgs[i],
				    replay_key ? &replay : NULL, &res);
		if (rc == WL_EAUTH) {
			log_warn("http",
				 "hook rejected channel=%s peer=%s "
				 "reason=replayed signature",
				 id, h->peer);
			http_json_error(h, 401, "unauthorized",
					"request replayed");
			goto out;
		}
		if (rc != WL_OK) {
			/* Messages before this one are committed and will be
			 * deduped when the gateway retries the whole batch. */
			http_json_error(h, wl_http_status(rc), "unavailable",
					"try again later");
			goto out;
		}
	}
	if (in.reply_body) {
		h->type = in.reply_type ? in.reply_type : "text/plain";
		buf_adds(&h->out, in.reply_body);
	} else {
		h->type = "application/json";
		buf_adds(&h->out, "{\"ok\":true}");
	}
	rc = WL_OK;
out:
	free(replay_key);
	chan_inbound_release(&in);
	return WL_OK;
}

static int http_route_match(const char *method, const char *path)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(http_routes); i++) {
		const struct http_route *rt = &http_routes[i];
		bool hit = rt->prefix
			       ? strncmp(path, rt->path, strlen(rt->path)) == 0
			       : strcmp(path, rt->path) == 0;

		/* HEAD is GET without the body (libmicrohttpd leaves it
		 * out): load balancers probe /healthz that way. */
		if (hit && (!rt->method || strcmp(rt->method, method) == 0 ||
			    (strcmp(method, "HEAD") == 0 &&
			     strcmp(rt->method, "GET") == 0)))
			return (int)i;
	}
	return HTTP_ROUTE_OTHER;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *upload_data,
				   size_t *upload_data_size, void **con_cls)
{
	struct http_req *r = *con_cls;
	struct http_ctx h;
	enum MHD_Result ret;
	int route;

	if (!r)
		return MHD_NO;
	if (!r->started) {
		const char *cl = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

		r->started = true;
		if (cl && strtoull(cl, NULL, 10) > http_cfg->body_limit) {
			metrics_request(HTTP_ROUTE_OTHER, 413);
			return http_send(conn, 413, "text/plain",
					 "request body too large\n", 23, NULL,
					 NULL);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (r->body.len + *upload_data_size > http_cfg->body_limit)
			r->too_big = true;
		else
			buf_add(&r->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	route = http_route_match(method, url);
	/* The whole request is in: its handler may take its time. */
	http_conns_busy(conn, 1);
	if (r->too_big || r->body.oom) {
		metrics_request(route, 413);
		return http_send(conn, 413, "text/plain",
				 "request body too large\n", 23, NULL, NULL);
	}
	memset(&h, 0, sizeof(h));
	h.scope = -1;
	h.cfg = http_cfg;
	h.conn = conn;
	h.method = method;
	h.path = url;
	h.uri = r->uri ? r->uri : url;
	h.body = r->body.s ? r->body.s : "";
	h.body_len = r->body.len;
	h.peer = r->peer;
	h.status = 200;
	h.type = "text/plain; charset=utf-8";
	buf_init(&h.out);
	if (route == HTTP_ROUTE_OTHER) {
		http_json_error(&h, 404, "not_found", "no such route");
	} else if (http_routes[route].fn(&h) != WL_OK) {
		http_json_error(&h, 500, "internal", "internal error");
	}
	if (h.out.oom)
		http_json_error(&h, 500, "internal", "out of memory");
	metrics_request(route, h.status);
	ret =
	    http_send(conn, h.status, h.type, h.out.s ? h.out.s : "", h.out.len,
		      h.status == 200 ? h.filename : NULL, h.headers);
	buf_release(&h.out);
	return ret;
}

/* Closed and refused connections are not worth a line each: one a
 * second, with a count (http_conns.c). */
__attribute__((format(printf, 2, 0))) static void
http_log_error(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	http_conns_log(fmt, ap);
}

/* Each connection is a descriptor: a soft limit of 1024 would refuse
 * connections long before max_connections. Raise it as far as allowed. */
static void http_raise_fd_limit(const struct wl_config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_connections + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
			  ? want
			  : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    rl.rlim_cur < (rlim_t)cfg->max_connections)
		log_warn("http",
			 "open-file limit below max_connections limit=%llu "
			 "max_connections=%d",
			 (unsigned long long)rl.rlim_cur, cfg->max_connections);
}

int http_start(const struct wl_config *cfg)
{
	struct addrinfo hints, *ai = NULL;
	char port[16];
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_USE_ITC | MHD_USE_ERROR_LOG;
	int rc;

	http_cfg = cfg;
	metrics_init(cfg, http_route_names,
		     (int)WL_ARRAY_LEN(http_route_names));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", cfg->listen_port);
	rc = getaddrinfo(cfg->listen_host, port, &hints, &ai);
	if (rc != 0) {
		log_error("http", "bad listen address host=%s error=\"%s\"",
			  cfg->listen_host, gai_strerror(rc));
		return WL_EBADREQ;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	http_raise_fd_limit(cfg);
	if (http_conns_start(cfg->request_timeout_s) != WL_OK) {
		freeaddrinfo(ai);
		return WL_EINTERNAL;
	}
	http_daemon = MHD_start_daemon(
	    flags, (uint16_t)cfg->listen_port, NULL, NULL, http_access, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, http_log_error, NULL,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned int)cfg->workers, MHD_OPTION_URI_LOG_CALLBACK,
	    http_uri_log, NULL, MHD_OPTION_NOTIFY_COMPLETED, http_completed,
	    NULL, MHD_OPTION_NOTIFY_CONNECTION, http_conns_notify, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)cfg->per_ip_connections, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!http_daemon) {
		log_error("http", "cannot listen host=%s port=%d",
			  cfg->listen_host, cfg->listen_port);
		http_conns_stop();
		return WL_EIO;
	}
	log_info("http", "listening host=%s port=%d workers=%d",
		 cfg->listen_host, cfg->listen_port, cfg->workers);
	return WL_OK;
}

void http_stop(int drain_ms)
{
	int64_t until = clock_mono_ms() + drain_ms;

	if (!http_daemon)
		return;
	MHD_quiesce_daemon(http_daemon);
	while (atomic_load(&http_active) > 0 && clock_mono_ms() < until)
		usleep(10 * 1000);
	if (atomic_load(&http_active) > 0)
		log_warn("http", "stopping with requests in flight n=%d",
			 atomic_load(&http_active));
	MHD_stop_daemon(http_daemon);
	http_daemon = NULL;
	http_conns_stop();
}
