#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "im_secret.h"
#include "log.h"
#include "version.h"

typedef enum { T_STRING, T_LIST, T_INT, T_BOOL } key_type_t;

#define CONFIG_KEYS(X)                                                        \
	X("instance", T_STRING, instance, NULL,                                   \
			"name this relay gives itself in events and ping (default: "     \
			"hostname)")                                                     \
	X("control", T_LIST, control, "unix:/run/im-server/relay_ctl.sock",       \
			"control channel listen address, unix:/path (mode 0600) or "     \
			"tcp:IP:PORT (needs control_secret); repeatable")                \
	X("control_secret", T_STRING, control_secret, NULL,                       \
			"shared secret TCP control clients must send first (auth)")      \
	X("control_secret_file", T_STRING, control_secret_file, NULL,             \
			"file whose first line is control_secret (not readable by "      \
			"others)")                                                       \
	X("control_insecure", T_BOOL, control_insecure, "no",                     \
			"allow a TCP control listener without a secret (anyone "         \
			"reaching it administers the relay)")                            \
	X("control_group", T_STRING, control_group, NULL,                         \
			"group of the unix: control sockets, then mode 0660 (unset: "    \
			"0600, the relay's user only)")                                  \
	X("kamailio_rpc", T_STRING, kamailio_rpc, NULL,                           \
			"Kamailio jsonrpcs datagram socket for events, udp:host:port or " \
			"unix:/path (unset: no events)")                                  \
	X("log_file", T_STRING, log_file, NULL,                                   \
			"log file (default stderr); SIGHUP reopens it")                  \
	X("pid_file", T_STRING, pid_file, NULL, "write the process id here")     \
	X("daemonize", T_BOOL, daemonize, "no",                                   \
			"detach from the terminal (yes/no)")                             \
	X("control_max_line", T_INT, control_max_line, "4194304",                \
			"longest control request in bytes (a deferred Large Message of " \
			"1 MiB is pushed in one, base64)")                               \
	X("control_auth_timeout_s", T_INT, control_auth_timeout_s, "10",         \
			"seconds a TCP control client has to authenticate")              \
	X("event_queue_max", T_INT, event_queue_max, "10000",                    \
			"events kept for retransmission before the oldest is dropped")   \
	X("event_retry_max_ms", T_INT, event_retry_max_ms, "5000",               \
			"longest wait between retransmissions of an unacknowledged "     \
			"event")                                                         \
	X("events_muted", T_STRING, events_muted, "leg_connected",                \
			"event types not posted to Kamailio, comma separated; empty: "   \
			"post every type")                                               \
	X("drain_timeout_ms", T_INT, drain_timeout_ms, "2000",                   \
			"on SIGTERM, how long to wait for pending work before exiting")    \
	X("owner_timeout_s", T_INT, owner_timeout_s, "10",                       \
			"release the sessions of an owner (Kamailio) that has not "       \
			"pinged for this long; 0: never")                                 \
	X("msrp_listen", T_LIST, msrp_listen, "tcp:127.0.0.1:2855",               \
			"MSRP listen address, tcp:IP:PORT[;advertise=HOST]; repeatable")  \
	X("msrps_listen", T_LIST, msrps_listen, NULL,                             \
			"MSRP over TLS listen address, same form; needs tls_cert/key")    \
	X("tls_cert", T_STRING, tls_cert, NULL, "PEM certificate chain for msrps")\
	X("tls_key", T_STRING, tls_key, NULL, "PEM private key for msrps")       \
	X("tls_ca", T_STRING, tls_ca, NULL,                                       \
			"CA file to verify msrps peers the relay connects to "            \
			"(default: system CAs)")                                          \
	X("tls_verify", T_BOOL, tls_verify, "yes",                               \
			"verify the certificate of msrps peers the relay connects to")    \
	X("metrics_listen", T_STRING, metrics_listen, NULL,                       \
			"Prometheus /metrics HTTP address, tcp:IP:PORT (unset: off)")     \
	X("max_queue", T_INT, max_queue, "1048576",                               \
			"bytes queued towards a leg before its senders are paused")       \
	X("max_chunk", T_INT, max_chunk, "65536",                                 \
			"default largest chunk body the relay sends on a leg")            \
	X("max_head", T_INT, max_head, "16384",                                   \
			"largest MSRP start line + headers accepted")                     \
	X("txn_timeout_ms", T_INT, txn_timeout_ms, "30000",                       \
			"wait for a response before a request counts as failed (408)")    \
	X("max_message_mb", T_INT, max_message_mb, "4096",                        \
			"largest message (Byte-Range total) relayed, MiB")                \
	X("endpoint_max_message_kb", T_INT, endpoint_max_message_kb, "10240",     \
			"largest message an endpoint leg receives and keeps, KiB")        \
	X("endpoint_store_max_mb", T_INT, endpoint_store_max_mb, "64",            \
			"all received messages kept until fetched, MiB; beyond: 413")     \
	X("unbound_timeout_s", T_INT, unbound_timeout_s, "30",                    \
			"an accepted connection must name a session within this time")    \
	X("connect_timeout_s", T_INT, connect_timeout_s, "10",                    \
			"active legs: TCP/TLS connect timeout")                           \
	X("keepalive_s", T_INT, keepalive_s, "30",                                \
			"TCP keep-alive idle time on MSRP connections, 0: off")

typedef struct key_def {
	const char *key;
	key_type_t type;
	size_t offset;
	const char *defval;
	const char *doc;
} key_def_t;

static const key_def_t keys[] = {
#define X(k, t, field, def, doc) {k, t, offsetof(relay_config_t, field), def, doc},
		CONFIG_KEYS(X)
#undef X
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const key_def_t *find_key(const char *key)
{
	for(size_t i = 0; i < NKEYS; i++)
		if(strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

static int set_log_level(const char *key, const char *value, char *err,
		size_t errlen)
{
	int level = log_level_parse(value);
	if(level < 0)
		return fail(err, errlen,
				"%s: '%s' is not one of error, warn, info, debug", key, value);
	if(strcmp(key, "log_level") == 0) {
		log_set_all((log_level_t)level);
		return 0;
	}
	int sub = log_subsystem_parse(key + strlen("log_level."));
	if(sub < 0)
		return fail(err, errlen, "%s: unknown log subsystem", key);
	log_levels[sub] = (log_level_t)level;
	return 0;
}

int config_set(relay_config_t *cfg, const char *key, const char *value,
		config_source_t source, char *err, size_t errlen)
{
	const key_def_t *def;
	void *field;

	if(strcmp(key, "log_level") == 0 || strncmp(key, "log_level.", 10) == 0)
		return set_log_level(key, value, err, errlen);
	def = find_key(key);
	if(def == NULL)
		return fail(err, errlen, "unknown setting '%s'", key);
	field = (char *)cfg + def->offset;

	switch(def->type) {
		case T_STRING: {
			char **s = field;
			free(*s);
			*s = value[0] ? strdup(value) : NULL;
			return 0;
		}
		case T_LIST: {
			config_list_t *l = field;
			if(source > l->source) {
				for(int i = 0; i < l->count; i++)
					free(l->items[i]);
				l->count = 0;
				l->source = source;
			}
			if(l->count == CONFIG_LIST_MAX)
				return fail(err, errlen, "%s: at most %d values", key,
						CONFIG_LIST_MAX);
			l->items[l->count++] = strdup(value);
			return 0;
		}
		case T_INT: {
			char *end;
			long v;
			errno = 0;
			v = strtol(value, &end, 10);
			if(errno || end == value || *end || v < 0 || v > INT_MAX)
				return fail(err, errlen, "%s: '%s' is not a non-negative "
										 "integer",
						key, value);
			*(int *)field = (int)v;
			return 0;
		}
		case T_BOOL:
			if(!strcmp(value, "yes") || !strcmp(value, "true")
					|| !strcmp(value, "1"))
				*(int *)field = 1;
			else if(!strcmp(value, "no") || !strcmp(value, "false")
					|| !strcmp(value, "0"))
				*(int *)field = 0;
			else
				return fail(err, errlen, "%s: '%s' is not yes or no", key,
						value);
			return 0;
	}
	return fail(err, errlen, "%s: bad key type", key);
}

void config_init(relay_config_t *cfg)
{
	char err[128];

	memset(cfg, 0, sizeof(*cfg));
	for(size_t i = 0; i < NKEYS; i++)
		if(keys[i].defval)
			config_set(cfg, keys[i].key, keys[i].defval, CONFIG_DEFAULT, err,
					sizeof(err));
}

void config_free(relay_config_t *cfg)
{
	for(size_t i = 0; i < NKEYS; i++) {
		void *field = (char *)cfg + keys[i].offset;
		if(keys[i].type == T_STRING) {
			free(*(char **)field);
		} else if(keys[i].type == T_LIST) {
			config_list_t *l = field;
			for(int j = 0; j < l->count; j++)
				free(l->items[j]);
		}
	}
	memset(cfg, 0, sizeof(*cfg));
}

static char *trim(char *s)
{
	char *e;
	while(isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while(e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_load_file(relay_config_t *cfg, const char *path, char *err,
		size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char line[4096], sub[512];
	int lineno = 0;

	if(fp == NULL)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	while(fgets(line, sizeof(line), fp)) {
		char *s, *eq, *key, *value;
		lineno++;
		if(strchr(line, '\n') == NULL && !feof(fp)) {
			fclose(fp);
			return fail(err, errlen, "%s:%d: line too long", path, lineno);
		}
		s = trim(line);
		if(*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if(eq == NULL) {
			fclose(fp);
			return fail(err, errlen, "%s:%d: expected key = value", path,
					lineno);
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if(config_set(cfg, key, value, CONFIG_FILE, sub, sizeof(sub)) < 0) {
			fclose(fp);
			return fail(err, errlen, "%s:%d: %s", path, lineno, sub);
		}
	}
	fclose(fp);
	return 0;
}

int config_load_secret(relay_config_t *cfg, char *err, size_t errlen)
{
	const char *path = cfg->control_secret_file;
	char line[1024], why[1200];

	if(path == NULL)
		return 0;
	if(cfg->control_secret)
		return fail(err, errlen,
				"control_secret and control_secret_file are both set");
	if(im_secret_file_read(path, S_IRWXO, line, sizeof(line), why,
			   sizeof(why))
			< 0)
		return fail(err, errlen, "control_secret_file %s", why);
	cfg->control_secret = strdup(line);
	explicit_bzero(line, sizeof(line));
	return 0;
}

void config_usage(const char *prog)
{
	printf("usage: %s [-c FILE] [-d|-f] [--KEY=VALUE ...]\n\n"
		   "  -c, --config FILE   read settings from FILE first\n"
		   "  -d, --daemon        same as --daemonize=yes\n"
		   "  -f, --foreground    same as --daemonize=no\n"
		   "  -h, --help          this text\n"
		   "  -v, --version       print the version\n\n"
		   "Settings (file: key = value; flags: --key=value, '-' or '_'):\n",
			prog);
	for(size_t i = 0; i < NKEYS; i++)
		printf("  %-20s %s%s%s%s\n", keys[i].key, keys[i].doc,
				keys[i].defval ? " [" : "",
				keys[i].defval ? keys[i].defval : "",
				keys[i].defval ? "]" : "");
	printf("  %-20s error, warn, info or debug, for every subsystem [info]\n",
			"log_level");
	printf("  %-20s the same for one of:", "log_level.SUB");
	for(int i = 0; i < LOG_SUB_COUNT; i++)
		printf(" %s", log_subsystem_name((log_subsystem_t)i));
	printf("\n");
}

static void flag_to_key(const char *flag, size_t len, char *key, size_t keylen)
{
	size_t i;
	for(i = 0; i < len && i + 1 < keylen; i++)
		key[i] = flag[i] == '-' ? '_' : flag[i];
	key[i] = '\0';
}

int config_parse_args(relay_config_t *cfg, int argc, char **argv, char *err,
		size_t errlen)
{
	char key[128], sub[512];
	int i;

	/* the file first, so that flags override it wherever they appear */
	for(i = 1; i < argc; i++) {
		if(!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if(i + 1 >= argc)
				return fail(err, errlen, "%s needs a file name", argv[i]);
			if(config_load_file(cfg, argv[i + 1], err, errlen) < 0)
				return -1;
			i++;
		} else if(!strncmp(argv[i], "--config=", 9)) {
			if(config_load_file(cfg, argv[i] + 9, err, errlen) < 0)
				return -1;
		}
	}
	for(i = 1; i < argc; i++) {
		const char *a = argv[i], *value, *eq;
		if(!strcmp(a, "-c") || !strcmp(a, "--config")) {
			i++;
			continue;
		}
		if(!strncmp(a, "--config=", 9))
			continue;
		if(!strcmp(a, "-h") || !strcmp(a, "--help")) {
			config_usage(argv[0]);
			return 1;
		}
		if(!strcmp(a, "-v") || !strcmp(a, "--version")) {
			printf("im-relay %s\n", RELAY_VERSION);
			return 1;
		}
		if(!strcmp(a, "-d") || !strcmp(a, "--daemon")) {
			cfg->daemonize = 1;
			continue;
		}
		if(!strcmp(a, "-f") || !strcmp(a, "--foreground")) {
			cfg->daemonize = 0;
			continue;
		}
		if(strncmp(a, "--", 2) != 0 || a[2] == '\0')
			return fail(err, errlen, "unexpected argument '%s' (see --help)",
					a);
		a += 2;
		eq = strchr(a, '=');
		if(eq) {
			flag_to_key(a, (size_t)(eq - a), key, sizeof(key));
			value = eq + 1;
		} else {
			flag_to_key(a, strlen(a), key, sizeof(key));
			if(i + 1 >= argc)
				return fail(err, errlen, "--%s needs a value", a);
			value = argv[++i];
		}
		if(config_set(cfg, key, value, CONFIG_CLI, sub, sizeof(sub)) < 0)
			return fail(err, errlen, "--%s", sub);
	}
	return 0;
}
