/*
 * chat.c — the terminal client (see chat.h).
 *
 * Lines typed are sent as the current sender; ":as ID" switches sender
 * (a resident, or a staff member's chat id such as u-wang), ":quit"
 * leaves. Replies to the current sender are printed plainly; messages to
 * anyone else on the channel (duty chats, other staff) are shown with
 * their recipient, so one terminal shows the whole conversation.
 */
#include "chat.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "buf.h"
#include "channel.h"
#include "config.h"
#include "wl.h"

#define CHAT_BODY_MAX 65536

struct chat_req {
	struct buf body;
};

static pthread_mutex_t chat_lock = PTHREAD_MUTEX_INITIALIZER;
static char chat_as[129];
static const struct wl_channel_conf *chat_ch;
static unsigned long chat_seq;

static void chat_print(const char *to, const char *text)
{
	pthread_mutex_lock(&chat_lock);
	if (strcmp(to, chat_as) == 0)
		printf("\r暖冬热线 ▸ %s\n", text);
	else
		printf("\r  [发给 %s] %s\n", to, text);
	printf("%s> ", chat_as);
	fflush(stdout);
	pthread_mutex_unlock(&chat_lock);
}

static enum MHD_Result chat_reply(struct MHD_Connection *c, unsigned int st)
{
	static const char ok[] = "{\"ok\":true}";
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    st == 200 ? sizeof(ok) - 1 : 0, (void *)(uintptr_t)ok,
	    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(c, st, r);

	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result chat_access(void *cls, struct MHD_Connection *c,
				   const char *url, const char *method,
				   const char *version, const char *data,
				   size_t *size, void **con_cls)
{
	struct chat_req *r = *con_cls;
	const char *sig;
	char want[7 + 65] = "sha256=";
	json_t *o;
	json_error_t err;

	if (!r) {
		r = calloc(1, sizeof(*r));
		*con_cls = r;
		return r ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (r->body.len + *size <= CHAT_BODY_MAX)
			buf_add(&r->body, data, *size);
		*size = 0;
		return MHD_YES;
	}
	sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					  "X-Warmline-Signature");
	chan_hmac_sha256_hex(chat_ch->secret, strlen(chat_ch->secret),
			     r->body.s ? r->body.s : "", r->body.len, want + 7);
	if (!sig || !chan_secure_equal(sig, want))
		return chat_reply(c, 401);
	o = json_loadb(r->body.s ? r->body.s : "", r->body.len, 0, &err);
	if (json_is_string(json_object_get(o, "to")) &&
	    json_is_string(json_object_get(o, "text")))
		chat_print(json_string_value(json_object_get(o, "to")),
			   json_string_value(json_object_get(o, "text")));
	json_decref(o);
	return chat_reply(c, 200);
}

static void chat_done(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct chat_req *r = *con_cls;

	if (r) {
		buf_release(&r->body);
		free(r);
	}
	*con_cls = NULL;
}

/* host and port of an http:// URL. */
static int chat_parse_url(const char *url, char *host, size_t hsize, int *port)
{
	const char *p, *colon, *slash;
	char *end;
	long v;

	if (strncmp(url, "http://", 7) != 0)
		return WL_EBADREQ;
	p = url + 7;
	slash = strchr(p, '/');
	colon = strchr(p, ':');
	if (!colon || (slash && colon > slash))
		return WL_EBADREQ;
	if ((size_t)(colon - p) >= hsize)
		return WL_EBADREQ;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	v = strtol(colon + 1, &end, 10);
	if (v <= 0 || v > 65535)
		return WL_EBADREQ;
	*port = (int)v;
	return WL_OK;
}

/* The daemon's answer body says nothing a person needs to read. */
static size_t chat_discard(char *data, size_t size, size_t n, void *ud)
{
	return size * n;
}

static int chat_send(const char *hook, const char *text, const char *name)
{
	char id[96], sig[65], hdr[128];
	json_t *o;
	char *body = NULL;
	struct curl_slist *h = NULL;
	CURL *e = curl_easy_init();
	long status = 0;
	CURLcode cc = CURLE_FAILED_INIT;

	snprintf(id, sizeof(id), "chat-%ld-%d-%lu", (long)time(NULL),
		 (int)getpid(), ++chat_seq);
	o = json_pack("{s:s, s:s, s:s, s:s*}", "id", id, "from", chat_as,
		      "text", text, "name", name);
	body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (!e || !body)
		goto out;
	chan_hmac_sha256_hex(chat_ch->secret, strlen(chat_ch->secret), body,
			     strlen(body), sig);
	snprintf(hdr, sizeof(hdr), "X-Warmline-Signature: sha256=%s", sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, hdr);
	curl_easy_setopt(e, CURLOPT_URL, hook);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, chat_discard);
	cc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
out:
	if (cc != CURLE_OK)
		printf("（无法连接热线服务 %s：%s）\n", hook,
		       curl_easy_strerror(cc));
	else if (status != 200)
		printf("（热线服务回答 HTTP %ld，消息未送达，请稍后再试）\n",
		       status);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	free(body);
	json_decref(o);
	return cc == CURLE_OK && status == 200 ? WL_OK : WL_EIO;
}

static void chat_usage(void)
{
	fputs("用法 usage: warmline chat [-c CONFIG] [--channel ID] "
	      "[--as SENDER] [--name NAME]\n",
	      stderr);
}

int chat_main(int argc, char **argv)
{
	const char *path = "deploy/warmline.demo.json", *chan = NULL;
	const char *name = NULL;
	struct wl_diag diag;
	struct wl_config *cfg;
	struct MHD_Daemon *d = NULL;
	char host[256], hook[512], *line = NULL;
	size_t cap = 0;
	int port, rc = 1;

	snprintf(chat_as, sizeof(chat_as), "13800000000");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 < argc && strcmp(a, "-c") == 0)
			path = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--channel") == 0)
			chan = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--as") == 0)
			snprintf(chat_as, sizeof(chat_as), "%s", argv[++i]);
		else if (i + 1 < argc && strcmp(a, "--name") == 0)
			name = argv[++i];
		else {
			chat_usage();
			return 2;
		}
	}
	diag_init(&diag);
	cfg = config_load(path, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	diag_release(&diag);
	if (!cfg)
		return 1;
	for (size_t i = 0; i < cfg->n_channels && !chat_ch; i++)
		if (strcmp(cfg->channels[i].type, "generic") == 0 &&
		    (!chan || strcmp(cfg->channels[i].id, chan) == 0))
			chat_ch = &cfg->channels[i];
	if (!chat_ch || !chat_ch->callback_url || !chat_ch->secret ||
	    chat_parse_url(chat_ch->callback_url, host, sizeof(host), &port)) {
		fprintf(stderr,
			"%s: 没有可用的 generic 渠道（需要 secret 和 "
			"http://主机:端口 形式的 callback_url）\n",
			path);
		goto out;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port,
			     NULL, NULL, chat_access, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, chat_done, NULL,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr,
			"无法监听端口 %d（另一个 warmline chat 正在运行？）\n",
			port);
		goto out;
	}
	snprintf(hook, sizeof(hook), "http://%s:%d/hook/%s",
		 strchr(cfg->listen_host, ':') ? "[::1]" : cfg->listen_host,
		 cfg->listen_port, chat_ch->id);
	printf("暖冬热线 warmline chat —— 渠道 %s，服务 %s\n"
	       "直接输入文字即可发送。\":as 编号\" 切换身份（如 :as u-wang "
	       "以网格员王芳的身份），\":quit\" 退出。\n"
	       "Type to send. \":as ID\" switches sender, \":quit\" exits.\n",
	       chat_ch->id, hook);
	pthread_mutex_lock(&chat_lock);
	printf("%s> ", chat_as);
	fflush(stdout);
	pthread_mutex_unlock(&chat_lock);
	while (getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, ":quit") == 0 || strcmp(line, ":q") == 0)
			break;
		if (strncmp(line, ":as ", 4) == 0 && line[4]) {
			pthread_mutex_lock(&chat_lock);
			snprintf(chat_as, sizeof(chat_as), "%s", line + 4);
			pthread_mutex_unlock(&chat_lock);
		} else if (line[0]) {
			chat_send(hook, line, name);
		}
		pthread_mutex_lock(&chat_lock);
		printf("%s> ", chat_as);
		fflush(stdout);
		pthread_mutex_unlock(&chat_lock);
	}
	printf("\n再见。\n");
	rc = 0;
out:
	free(line);
	if (d)
		MHD_stop_daemon(d);
	config_free(cfg);
	return rc;
}
