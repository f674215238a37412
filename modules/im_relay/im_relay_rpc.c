#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/rpc.h"
#include "im_rpc_args.h"

#include "im_relay_conn.h"
#include "im_relay_event.h"
#include "im_relay_health.h"
#include "im_relay_owner.h"
#include "im_relay_rpc.h"
#include "im_relay_set.h"

/* An optional relay name selects one relay; none means all of them. */
static int select_relays(rpc_t *rpc, void *ctx, imr_relay_t **one)
{
	str name = STR_NULL;
	im_rpc_args_t a;

	*one = NULL;
	/* a relay named "2" arrives from kamcmd as an integer */
	im_rpc_args_init(&a, rpc, ctx, "[relay name]");
	if(im_rpc_arg(&a, "relay name", &name, 0) < 0 || im_rpc_end(&a) < 0)
		return -1;
	if(name.len > 0) {
		*one = imr_relay_find(&name);
		if(*one == NULL) {
			rpc->fault(ctx, 404, "no relay named %.*s", name.len, name.s);
			return -1;
		}
	}
	if(imr_relay_count == 0) {
		rpc->fault(ctx, 500, "no relay configured");
		return -1;
	}
	return 0;
}

static const char *imr_rpc_ping_doc[] = {
		"Ping the relays now (or the one named) over the control channel; "
		"each answer says ok or why not, within the configured timeout.",
		0};

static void imr_rpc_ping(rpc_t *rpc, void *ctx)
{
	imr_relay_t *one;
	void *th;
	char err[IMR_ERROR_MAX];
	unsigned int rtt;

	if(select_relays(rpc, ctx, &one) < 0)
		return;
	for(int i = 0; i < imr_relay_count; i++) {
		imr_relay_t *r = &imr_relays[i];
		if(one && one != r)
			continue;
		if(rpc->add(ctx, "{", &th) < 0)
			return;
		if(imr_relay_ping(r, &rtt, err, sizeof(err)) == 0)
			rpc->struct_add(th, "sssu", "relay", r->name, "address",
					r->addr_text, "status", "ok", "rtt_us", rtt);
		else
			rpc->struct_add(th, "ssss", "relay", r->name, "address",
					r->addr_text, "status", "error", "error", err);
	}
}

static const char *imr_rpc_show_doc[] = {
		"Show the configured relays (or the one named): state, identity the "
		"relay announced, counters, last error and last event.",
		0};

static void imr_rpc_show(rpc_t *rpc, void *ctx)
{
	imr_relay_t *one, snap;
	void *th;

	if(select_relays(rpc, ctx, &one) < 0)
		return;
	for(int i = 0; i < imr_relay_count; i++) {
		imr_relay_t *r = &imr_relays[i];
		if(one && one != r)
			continue;
		lock_get(&r->lock);
		snap = *r;
		lock_release(&r->lock);
		if(rpc->add(ctx, "{", &th) < 0)
			return;
		rpc->struct_add(th, "ssdsdssjjjusjsd", "relay", snap.name, "address",
				snap.addr_text, "weight", snap.weight, "state",
				imr_state_name(snap.state), "state_since",
				(int)snap.state_since, "instance", snap.instance, "boot_id",
				snap.boot_id, "requests", snap.requests, "failures",
				snap.failures, "timeouts", snap.timeouts, "last_rtt_us",
				snap.last_rtt_us, "last_error", snap.last_error, "events",
				snap.events, "last_event", snap.last_event, "last_event_time",
				(int)snap.last_event_time);
		rpc->struct_add(th, "ssdj", "owner", imr_owner_name(), "owner_boot_id",
				imr_owner_boot_id(), "owner_timeout_s", snap.owner_timeout_s,
				"stale_sessions_destroyed", snap.stale_destroyed);
	}
}

static const char *imr_rpc_event_doc[] = {
		"Entry point of relay events (posted by the relay through jsonrpcs): "
		"params instance, type [, data as a JSON object in a string].",
		0};

static void imr_rpc_event(rpc_t *rpc, void *ctx)
{
	str instance = STR_NULL, type = STR_NULL, data = STR_NULL;
	char err[256];
	im_rpc_args_t a;

	im_rpc_args_init(&a, rpc, ctx, "instance, type [, data]");
	if(im_rpc_arg(&a, "instance", &instance, 1) < 1
			|| im_rpc_arg(&a, "type", &type, 1) < 1
			|| im_rpc_arg(&a, "data", &data, 0) < 0 || im_rpc_end(&a) < 0)
		return;
	if(imr_event_handle(&instance, &type, &data, err, sizeof(err)) < 0) {
		LM_WARN("rejected relay event: %s\n", err);
		rpc->fault(ctx, 400, "%s", err);
		return;
	}
	rpc->rpl_printf(ctx, "accepted");
}

rpc_export_t imr_rpc_cmds[] = {
		{"im_relay.ping", imr_rpc_ping, imr_rpc_ping_doc, RET_ARRAY},
		{"im_relay.show", imr_rpc_show, imr_rpc_show_doc, RET_ARRAY},
		{"im_relay.event", imr_rpc_event, imr_rpc_event_doc, 0},
		{0, 0, 0, 0}};
