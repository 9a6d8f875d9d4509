/*
 * loadgen.c — an open-loop HTTP load generator for the benchmarks.
 *
 * Request i is due at start + i/rate, whatever happened to the requests
 * before it; its latency is measured from that due time, not from when a
 * connection was free to send it, so a server that stalls is charged for
 * every request that waited behind the stall (no coordinated omission).
 * One thread, epoll, keep-alive connections.
 *
 * Each request is a generic-channel message with its own id, signed like
 * a real sender signs it (X-Warmline-Signature: sha256=HMAC(body)), from
 * one of --senders residents in turn. Against a server that ignores the
 * body (the bare reference server) the same requests are sent.
 *
 *   wl_loadgen --port P --rate R --seconds S [--conns C] [--senders N]
 *              [--path /hook/demo] [--secret K] [--tag T] [--text T]
 *
 * Prints one JSON object: due, ok, errors, late (never answered before
 * the drain limit), achieved rate, latency percentiles in ms.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define LG_MAX_CONNS 4096
#define LG_REQ_MAX   2048
#define LG_RESP_MAX  65536
#define LG_DRAIN_S   10

struct lg_conn {
	int fd;
	bool busy, connecting;
	uint64_t req; /* the request in flight */
	char out[LG_REQ_MAX];
	size_t out_len, out_off;
	char in[LG_RESP_MAX];
	size_t in_len;
};

struct lg_opts {
	const char *path, *secret, *tag, *text;
	int port, conns, senders;
	double rate, seconds;
};

struct lg_run {
	struct lg_opts o;
	struct lg_conn *conns;
	int ep;
	uint64_t due, sent, ok, errors;
	uint32_t *lat_us; /* per request; UINT32_MAX = not answered */
	double t0;
	int *idle;
	int n_idle;
};

static double lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int lg_connect(struct lg_run *r, int i)
{
	struct lg_conn *c = &r->conns[i];
	struct sockaddr_in a = {0};
	struct epoll_event ev = {0};
	int one = 1, rc = -1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		goto out;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)r->o.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 &&
	    errno != EINPROGRESS)
		goto out;
	c->connecting = true;
	c->busy = false;
	c->in_len = 0;
	ev.events = EPOLLOUT | EPOLLIN;
	ev.data.u32 = (uint32_t)i;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0 && c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	return rc;
}

static void lg_hex(const unsigned char *md, unsigned int n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

static int lg_format(struct lg_run *r, struct lg_conn *c, uint64_t i)
{
	char body[512], sig[2 * EVP_MAX_MD_SIZE + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int bl, n;

	bl = snprintf(
	    body, sizeof(body),
	    "{\"id\":\"%s-%llu\",\"from\":\"139%08d\",\"text\":\"%s\"}",
	    r->o.tag, (unsigned long long)i, (int)(i % (uint64_t)r->o.senders),
	    r->o.text);
	if (bl < 0 || (size_t)bl >= sizeof(body))
		return -1;
	HMAC(EVP_sha256(), r->o.secret, (int)strlen(r->o.secret),
	     (const unsigned char *)body, (size_t)bl, md, &md_len);
	lg_hex(md, md_len, sig);
	n = snprintf(c->out, sizeof(c->out),
		     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		     "Content-Type: application/json\r\n"
		     "X-Warmline-Signature: sha256=%s\r\n"
		     "Content-Length: %d\r\n\r\n%s",
		     r->o.path, r->o.port, sig, bl, body);
	if (n < 0 || (size_t)n >= sizeof(c->out))
		return -1;
	c->out_len = (size_t)n;
	c->out_off = 0;
	return 0;
}

static void lg_write(struct lg_run *r, struct lg_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w =
		    write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (w <= 0)
			return; /* the read side sees the error */
		c->out_off += (size_t)w;
	}
}

static void lg_start(struct lg_run *r, int i, uint64_t req)
{
	struct lg_conn *c = &r->conns[i];

	c->busy = true;
	c->req = req;
	c->in_len = 0;
	if (lg_format(r, c, req) != 0) {
		r->errors++;
		c->busy = false;
		return;
	}
	r->sent++;
	lg_write(r, c);
}

/* A whole response in c->in: its length, 0 when more is needed, -1 when
 * it cannot be parsed. *status gets the status code. */
static long lg_parse(const struct lg_conn *c, int *status)
{
	const char *end, *p;
	long cl = 0;

	if (c->in_len < 12)
		return 0;
	end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
	if (!end)
		return c->in_len >= sizeof(c->in) ? -1 : 0;
	*status = (int)strtol(c->in + 9, NULL, 10);
	for (p = c->in; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
		if (*p == '\n')
			p++;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			cl = strtol(p + 15, NULL, 10);
	}
	if ((size_t)(end + 4 - c->in) + (size_t)cl > c->in_len)
		return 0;
	return (long)(end + 4 - c->in) + cl;
}

static void lg_fail(struct lg_run *r, int i)
{
	struct lg_conn *c = &r->conns[i];

	if (c->busy)
		r->errors++;
	for (int k = 0; !c->busy && k < r->n_idle; k++)
		if (r->idle[k] == i) {
			r->idle[k] = r->idle[--r->n_idle];
			break;
		}
	epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->busy = false;
	if (lg_connect(r, i) != 0)
		fprintf(stderr, "loadgen: reconnect failed\n");
}

static void lg_read(struct lg_run *r, int i)
{
	struct lg_conn *c = &r->conns[i];
	int status = 0;
	long n;

	while (true) {
		ssize_t got =
		    read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);

		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (got <= 0) {
			lg_fail(r, i);
			return;
		}
		c->in_len += (size_t)got;
		if (c->in_len == sizeof(c->in))
			break;
	}
	if (!c->busy)
		return;
	n = lg_parse(c, &status);
	if (n < 0) {
		lg_fail(r, i);
		return;
	}
	if (n == 0)
		return;
	{
		double due = r->t0 + (double)c->req / r->o.rate;
		double us = (lg_now() - due) * 1e6;

		r->lat_us[c->req] = us < 0 ? 0 : (uint32_t)us;
	}
	if (status == 200)
		r->ok++;
	else
		r->errors++;
	c->busy = false;
	c->in_len = 0;
	r->idle[r->n_idle++] = i;
}

static int lg_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double lg_pct(const uint32_t *s, uint64_t n, double p)
{
	uint64_t k = (uint64_t)(p * (double)n);

	if (n == 0)
		return 0;
	if (k >= n)
		k = n - 1;
	return s[k] / 1000.0;
}

static int lg_args(int argc, char **argv, struct lg_opts *o)
{
	o->path = "/hook/demo";
	o->secret = "it-secret-0123456789";
	o->tag = "lg";
	o->text = "进度";
	o->conns = 64;
	o->senders = 10000;
	o->port = 0;
	o->rate = 0;
	o->seconds = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--port") == 0)
			o->port = (int)strtol(v, NULL, 10);
		else if (strcmp(k, "--rate") == 0)
			o->rate = strtod(v, NULL);
		else if (strcmp(k, "--seconds") == 0)
			o->seconds = strtod(v, NULL);
		else if (strcmp(k, "--conns") == 0)
			o->conns = (int)strtol(v, NULL, 10);
		else if (strcmp(k, "--senders") == 0)
			o->senders = (int)strtol(v, NULL, 10);
		else if (strcmp(k, "--path") == 0)
			o->path = v;
		else if (strcmp(k, "--secret") == 0)
			o->secret = v;
		else if (strcmp(k, "--tag") == 0)
			o->tag = v;
		else if (strcmp(k, "--text") == 0)
			o->text = v;
		else
			return -1;
	}
	if (o->port <= 0 || o->rate <= 0 || o->seconds <= 0 ||
	    o->rate * o->seconds > 5e6 || o->conns < 1 ||
	    o->conns > LG_MAX_CONNS || o->senders < 1)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct lg_run r;
	struct epoll_event evs[256];
	uint64_t total, answered = 0;
	uint32_t *sorted = NULL;
	double end, limit, took;
	int rc = 2;

	memset(&r, 0, sizeof(r));
	if (lg_args(argc, argv, &r.o) != 0) {
		fprintf(stderr,
			"usage: wl_loadgen --port P --rate R --seconds S "
			"[--conns C] [--senders N] [--path P] "
			"[--secret K] [--tag T] [--text T]\n");
		return 2;
	}
	total = (uint64_t)(r.o.rate * r.o.seconds);
	r.conns = calloc((size_t)r.o.conns, sizeof(*r.conns));
	r.idle = calloc((size_t)r.o.conns, sizeof(*r.idle));
	r.lat_us = malloc(total * sizeof(*r.lat_us));
	sorted = malloc(total * sizeof(*sorted));
	r.ep = epoll_create1(0);
	if (!r.conns || !r.idle || !r.lat_us || !sorted || r.ep < 0)
		goto out;
	memset(r.lat_us, 0xff, total * sizeof(*r.lat_us));
	for (int i = 0; i < r.o.conns; i++)
		if (lg_connect(&r, i) != 0) {
			fprintf(stderr, "loadgen: cannot connect port=%d\n",
				r.o.port);
			goto out;
		}
	r.t0 = lg_now() + 0.2; /* connections settle first */
	end = r.t0 + r.o.seconds;
	limit = end + LG_DRAIN_S;
	while (true) {
		double now = lg_now();
		int n;

		if (now >= limit ||
		    (r.sent == total && r.ok + r.errors >= total))
			break;
		r.due =
		    now < r.t0 ? 0 : (uint64_t)((now - r.t0) * r.o.rate) + 1;
		if (r.due > total)
			r.due = total;
		while (r.sent < r.due && r.n_idle > 0)
			lg_start(&r, r.idle[--r.n_idle], r.sent);
		/* Sleep until the next request is due (to the microsecond,
		 * so requests leave on time), or an event. */
		{
			double next = r.t0 + (double)r.sent / r.o.rate - now;
			struct timespec ts = {0, 5000000};

			if (r.sent < total && r.n_idle > 0) {
				if (next < 0)
					next = 0;
				ts.tv_sec = (time_t)next;
				ts.tv_nsec =
				    (long)((next - (double)ts.tv_sec) * 1e9);
			}
			n = epoll_pwait2(r.ep, evs, 256, &ts, NULL);
		}
		for (int k = 0; k < n; k++) {
			int i = (int)evs[k].data.u32;
			struct lg_conn *c = &r.conns[i];

			if (c->fd < 0)
				continue;
			if (c->connecting && (evs[k].events & EPOLLOUT)) {
				struct epoll_event ev = {
				    .events = EPOLLIN, .data.u32 = (uint32_t)i};

				c->connecting = false;
				epoll_ctl(r.ep, EPOLL_CTL_MOD, c->fd, &ev);
				r.idle[r.n_idle++] = i;
			}
			if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				lg_read(&r, i);
		}
		/* Partial writes are rare on loopback; finish them here. */
		for (int i = 0; i < r.o.conns; i++)
			if (r.conns[i].busy &&
			    r.conns[i].out_off < r.conns[i].out_len)
				lg_write(&r, &r.conns[i]);
	}
	took = lg_now() - r.t0;
	for (uint64_t i = 0; i < total; i++)
		if (r.lat_us[i] != UINT32_MAX)
			sorted[answered++] = r.lat_us[i];
	qsort(sorted, answered, sizeof(*sorted), lg_cmp);
	printf("{\"rate\": %.1f, \"seconds\": %.1f, \"conns\": %d, "
	       "\"due\": %llu, \"sent\": %llu, \"ok\": %llu, "
	       "\"errors\": %llu, \"late\": %llu, \"achieved_per_s\": %.1f, "
	       "\"latency_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
	       "\"p999\": %.3f, \"max\": %.3f}}\n",
	       r.o.rate, r.o.seconds, r.o.conns, (unsigned long long)total,
	       (unsigned long long)r.sent, (unsigned long long)r.ok,
	       (unsigned long long)r.errors,
	       (unsigned long long)(total - answered),
	       (double)r.ok / (took > r.o.seconds ? took : r.o.seconds),
	       lg_pct(sorted, answered, 0.5), lg_pct(sorted, answered, 0.9),
	       lg_pct(sorted, answered, 0.99), lg_pct(sorted, answered, 0.999),
	       answered ? sorted[answered - 1] / 1000.0 : 0.0);
	rc = 0;
out:
	for (int i = 0; r.conns && i < r.o.conns; i++)
		if (r.conns[i].fd > 0)
			close(r.conns[i].fd);
	if (r.ep >= 0)
		close(r.ep);
	free(r.conns);
	free(r.idle);
	free(r.lat_us);
	free(sorted);
	return rc;
}
