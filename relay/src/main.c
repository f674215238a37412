/*
 * im-relay: the MSRP relay of the OMA SIMPLE IM server.
 *
 * Start-up, signals and shutdown. SIGTERM/SIGINT drain gracefully (stop
 * accepting, announce the shutdown to Kamailio, wait for pending work up to
 * drain_timeout_ms); SIGHUP reopens the log file.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "control_cmds.h"
#include "engine.h"
#include "events.h"
#include "log.h"
#include "mconn.h"
#include "metrics.h"
#include "owners.h"
#include "relay.h"
#include "session.h"
#include "tls.h"
#include "version.h"

relay_t relay;

static struct event *drain_ev, *tick_ev;

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	engine_tick();
	owners_expire();
}

static void apply_engine_config(const relay_config_t *c)
{
	engine_config.max_queue = (size_t)c->max_queue;
	engine_config.default_max_chunk = (size_t)c->max_chunk;
	engine_config.max_head = (size_t)c->max_head;
	engine_config.txn_timeout_ms = (unsigned)c->txn_timeout_ms;
	engine_config.max_message = (uint64_t)c->max_message_mb << 20;
	engine_config.endpoint_max_message = (uint64_t)c->endpoint_max_message_kb << 10;
	engine_config.endpoint_store_max = (uint64_t)c->endpoint_store_max_mb << 20;
}

/* MSRP listeners, TLS, the engine and its once-a-second tick. */
static int start_msrp(char *err, size_t errlen)
{
	mconn_config_t mc = {
			.unbound_timeout_s = (unsigned)relay.cfg.unbound_timeout_s,
			.connect_timeout_s = (unsigned)relay.cfg.connect_timeout_s,
			.keepalive_s = (unsigned)relay.cfg.keepalive_s,
	};
	tls_config_t tc = {relay.cfg.tls_cert, relay.cfg.tls_key, relay.cfg.tls_ca,
			relay.cfg.tls_verify};
	struct timeval second = {1, 0};

	if(relay.cfg.max_chunk < 64 || relay.cfg.max_chunk > 1024 * 1024) {
		snprintf(err, errlen, "max_chunk must be 64..1048576");
		return -1;
	}
	if(relay.cfg.max_head < 1024) {
		snprintf(err, errlen, "max_head must be at least 1024");
		return -1;
	}
	apply_engine_config(&relay.cfg);
	owners_set_timeout((unsigned)relay.cfg.owner_timeout_s);
	/* the largest contiguous run the engine may ask for: a head, a CPIM
	 * header block, or a chunk being gathered (legs: up to 1 MiB) */
	mc.read_high_water = 2 * 1024 * 1024 + 2 * engine_config.max_head;
	if(tls_init(&tc, relay.cfg.msrps_listen.count > 0, err, errlen) < 0)
		return -1;
	mconn_init(relay.base, &mc);
	engine_init(&engine_config, mconn_engine_io());
	for(int i = 0; i < relay.cfg.msrp_listen.count; i++)
		if(mconn_listen(relay.cfg.msrp_listen.items[i], 0, err, errlen) < 0)
			return -1;
	for(int i = 0; i < relay.cfg.msrps_listen.count; i++)
		if(mconn_listen(relay.cfg.msrps_listen.items[i], 1, err, errlen) < 0)
			return -1;
	mconn_publish_endpoints();
	tick_ev = event_new(relay.base, -1, EV_PERSIST, on_tick, NULL);
	event_add(tick_ev, &second);
	if(relay.cfg.metrics_listen
			&& metrics_start(relay.base, relay.cfg.metrics_listen, err, errlen) < 0)
		return -1;
	return 0;
}

static void stop_msrp(void)
{
	session_t *s;
	while((s = sessions_all()) != NULL)
		session_destroy(s, "relay stopped");
	owners_clear();
	mconn_close_listeners();
	mconn_close_all();
	metrics_stop();
	tls_free();
	if(tick_ev)
		event_free(tick_ev);
	tick_ev = NULL;
}

static void make_boot_id(char *out, size_t outlen)
{
	unsigned char raw[16];
	size_t i;

	if(getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* only reached without a kernel RNG: time and pid still differ */
		snprintf(out, outlen, "%08lx%08x", (unsigned long)time(NULL),
				(unsigned)getpid());
		return;
	}
	for(i = 0; i < sizeof(raw) && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	static int waited_ms;
	(void)fd;
	(void)what;
	(void)arg;
	waited_ms += 50;
	if(relay.events == NULL || events_pending(relay.events) == 0
			|| waited_ms >= relay.cfg.drain_timeout_ms) {
		if(relay.events && events_pending(relay.events))
			ilog(core, LOG_WARN,
					"exiting with %zu events not acknowledged by kamailio",
					events_pending(relay.events));
		event_base_loopbreak(relay.base);
	}
}

void relay_begin_shutdown(const char *why)
{
	struct timeval tick = {0, 50 * 1000};

	if(relay.stopping)
		return;
	relay.stopping = 1;
	ilog(core, LOG_INFO, "shutting down (%s)", why);
	control_close_listeners(relay.control);
	mconn_close_listeners();
	if(relay.events)
		events_post(relay.events, "relay_stopping",
				json_pack("{s:s}", "reason", why));
	drain_ev = event_new(relay.base, -1, EV_PERSIST, on_drain_tick, NULL);
	event_add(drain_ev, &tick);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if(sig == SIGHUP) {
		if(log_reopen() < 0)
			ilog(core, LOG_ERR, "cannot reopen log file: %s", strerror(errno));
		else
			ilog(core, LOG_INFO, "log file reopened");
		return;
	}
	if(relay.stopping) {
		ilog(core, LOG_WARN, "second signal: exiting now");
		event_base_loopbreak(relay.base);
		return;
	}
	relay_begin_shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int write_pid_file(const char *path)
{
	FILE *fp = fopen(path, "w");
	if(fp == NULL)
		return -1;
	fprintf(fp, "%d\n", (int)getpid());
	return fclose(fp);
}

/* One descriptor per MSRP connection: use all the system allows. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	char err[512];
	struct event *sigs[4];
	int signums[4] = {SIGTERM, SIGINT, SIGHUP, 0};
	int rc, i, exit_code = 1;

	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	config_init(&relay.cfg);
	rc = config_parse_args(&relay.cfg, argc, argv, err, sizeof(err));
	if(rc == 0 && config_load_secret(&relay.cfg, err, sizeof(err)) < 0)
		rc = -1;
	if(rc != 0) {
		if(rc < 0)
			fprintf(stderr, "im-relay: %s\n", err);
		config_free(&relay.cfg);
		return rc < 0 ? 2 : 0;
	}
	if(relay.cfg.instance)
		snprintf(relay.instance, sizeof(relay.instance), "%s",
				relay.cfg.instance);
	else if(gethostname(relay.instance, sizeof(relay.instance) - 1) < 0)
		snprintf(relay.instance, sizeof(relay.instance), "im-relay");
	make_boot_id(relay.boot_id, sizeof(relay.boot_id));
	relay.started = time(NULL);

	if(log_open(relay.cfg.log_file) < 0) {
		fprintf(stderr, "im-relay: log_file %s: %s\n", relay.cfg.log_file,
				strerror(errno));
		config_free(&relay.cfg);
		return 2;
	}
	if(relay.cfg.daemonize && daemon(1, relay.cfg.log_file ? 0 : 1) < 0) {
		ilog(core, LOG_ERR, "daemon: %s", strerror(errno));
		goto out;
	}
	if(relay.cfg.pid_file && write_pid_file(relay.cfg.pid_file) < 0) {
		ilog(core, LOG_ERR, "pid_file %s: %s", relay.cfg.pid_file,
				strerror(errno));
		goto out;
	}

	{
		/* coalesce the add/remove of write interest within one loop pass:
		 * fewer epoll_ctl calls on busy connections */
		struct event_config *ec = event_config_new();
		event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
		relay.base = event_base_new_with_config(ec);
		event_config_free(ec);
	}
	if(relay.base == NULL) {
		ilog(core, LOG_ERR, "cannot create the event loop");
		goto out;
	}
	{
		control_access_t access = {relay.cfg.control_secret,
				relay.cfg.control_insecure, relay.cfg.control_group,
				relay.cfg.control_auth_timeout_s};
		relay.control = control_new(relay.base, relay.cfg.control_max_line,
				&access, control_dispatch);
	}
	if(relay.control == NULL)
		goto out;
	for(i = 0; i < relay.cfg.control.count; i++) {
		if(control_listen(relay.control, relay.cfg.control.items[i], err,
				   sizeof(err))
				< 0) {
			ilog(core, LOG_ERR, "%s", err);
			goto out;
		}
	}
	if(relay.cfg.kamailio_rpc == NULL)
		ilog(events, LOG_WARN,
				"kamailio_rpc not set: events to Kamailio are disabled");
	relay.events = events_new(relay.base, relay.cfg.kamailio_rpc,
			relay.instance, relay.boot_id, relay.cfg.event_queue_max,
			relay.cfg.event_retry_max_ms, relay.cfg.events_muted, err,
			sizeof(err));
	if(relay.events == NULL) {
		ilog(core, LOG_ERR, "%s", err);
		goto out;
	}
	if(start_msrp(err, sizeof(err)) < 0) {
		ilog(core, LOG_ERR, "%s", err);
		goto out;
	}
	for(i = 0; signums[i]; i++) {
		sigs[i] = evsignal_new(relay.base, signums[i], on_signal, NULL);
		event_add(sigs[i], NULL);
	}
	sigs[i] = NULL;

	ilog(core, LOG_INFO, "im-relay %s started: instance %s, boot id %s",
			RELAY_VERSION, relay.instance, relay.boot_id);
	events_post(relay.events, "relay_started",
			json_pack("{s:s}", "version", RELAY_VERSION));

	event_base_dispatch(relay.base);
	exit_code = 0;
	ilog(core, LOG_INFO, "stopped");

	for(i = 0; sigs[i]; i++)
		event_free(sigs[i]);
out:
	stop_msrp();
	if(drain_ev)
		event_free(drain_ev);
	events_free(relay.events);
	control_free(relay.control);
	if(relay.base)
		event_base_free(relay.base);
	if(relay.cfg.pid_file && exit_code == 0)
		unlink(relay.cfg.pid_file);
	config_free(&relay.cfg);
	log_close();
	return exit_code;
}
