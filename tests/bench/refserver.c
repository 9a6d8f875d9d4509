/*
 * refserver.c — the bare libmicrohttpd server the benchmarks compare the
 * daemon with: the same thread pool and options as src/http.c, reading
 * the body and answering 200 "{}" to every request and doing nothing
 * else. It is also the receiver the daemon's replies are sent to during
 * a benchmark, so the sending side costs nothing measurable.
 *
 *   wl_refserver PORT [WORKERS]     runs until SIGTERM or SIGINT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

static int ref_dummy;

static enum MHD_Result ref_access(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	static char body[] = "{}";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!*state) {
		*state = &ref_dummy;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {0};
	struct MHD_Daemon *d;
	sigset_t set;
	int sig, port, workers;

	if (argc < 2) {
		fprintf(stderr, "usage: wl_refserver PORT [WORKERS]\n");
		return 2;
	}
	port = (int)strtol(argv[1], NULL, 10);
	workers = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 16;
	if (port <= 0 || port > 65535 || workers < 1 || workers > 256) {
		fprintf(stderr, "wl_refserver: bad port or worker count\n");
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC,
	    (uint16_t)port, NULL, NULL, ref_access, NULL, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned int)workers, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)30, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "wl_refserver: cannot listen port=%d\n", port);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
