/*
 * Relay configuration: a file of "key = value" lines, and the same keys as
 * command-line flags (--key=value), which win over the file. One table in
 * config.c lists every key with its default and meaning; `im-relay --help`
 * prints it.
 */
#ifndef RELAY_CONFIG_H
#define RELAY_CONFIG_H

#include <stddef.h>

#define CONFIG_LIST_MAX 8

/* Where a setting came from: a later source replaces a list wholesale. */
typedef enum config_source {
	CONFIG_DEFAULT = 0,
	CONFIG_FILE,
	CONFIG_CLI,
} config_source_t;

typedef struct config_list {
	char *items[CONFIG_LIST_MAX];
	int count;
	config_source_t source;
} config_list_t;

typedef struct relay_config {
	char *instance;
	config_list_t control;
	char *control_secret;
	char *control_secret_file;
	int control_insecure;
	char *control_group;
	char *kamailio_rpc;
	char *log_file;
	char *pid_file;
	int daemonize;
	int control_max_line;
	int control_auth_timeout_s;
	int event_queue_max;
	int event_retry_max_ms;
	char *events_muted;
	int drain_timeout_ms;
	int owner_timeout_s;
	config_list_t msrp_listen;
	config_list_t msrps_listen;
	char *tls_cert;
	char *tls_key;
	char *tls_ca;
	int tls_verify;
	char *metrics_listen;
	int max_queue;
	int max_chunk;
	int max_head;
	int txn_timeout_ms;
	int max_message_mb;
	int endpoint_max_message_kb;
	int endpoint_store_max_mb;
	int unbound_timeout_s;
	int connect_timeout_s;
	int keepalive_s;
} relay_config_t;

void config_init(relay_config_t *cfg);
void config_free(relay_config_t *cfg);

/* "log_level" and "log_level.<subsystem>" are handled too. */
int config_set(relay_config_t *cfg, const char *key, const char *value,
		config_source_t source, char *err, size_t errlen);

int config_load_file(relay_config_t *cfg, const char *path, char *err,
		size_t errlen);

/* Reads control_secret_file into control_secret (after every source of
 * settings was applied). 0, or -1 with err. */
int config_load_secret(relay_config_t *cfg, char *err, size_t errlen);

/* Returns 0 to run, 1 when --help/--version was answered, -1 on error. */
int config_parse_args(relay_config_t *cfg, int argc, char **argv, char *err,
		size_t errlen);

void config_usage(const char *prog);

#endif
