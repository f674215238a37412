/*
 * The MSRP engine end to end, without sockets: the input is a byte stream
 * arriving on one connection of a relay that has a bridge, a conference
 * and an endpoint session. Placeholders in the input name the legs' local
 * paths (@A@ @B@ @X@ @Y@ @E@) and their peers' (@a@ @b@ @x@ @y@ @e@), so
 * that seeds reach past session matching. The first input byte picks how
 * the stream is split into reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "session.h"

struct mconn {
	rxstate_t *rx;
};

static size_t sink_bytes;
static uint64_t now_ms = 1;

static void w_leg(leg_t *l, const void *d, size_t n)
{
	(void)l;
	(void)d;
	sink_bytes += n;
}
static void w_shared(leg_t *l, shared_buf_t *b)
{
	(void)l;
	sink_bytes += b->len;
}
static size_t q_leg(leg_t *l)
{
	(void)l;
	return 0;
}
static void w_conn(struct mconn *c, const void *d, size_t n)
{
	(void)c;
	(void)d;
	sink_bytes += n;
}
static size_t q_conn(struct mconn *c)
{
	(void)c;
	return 0;
}
static void bind_leg(struct mconn *c, leg_t *l)
{
	l->conn = c;
}
static void unbind_leg(leg_t *l)
{
	l->conn = NULL;
}
static void connect_leg(leg_t *l)
{
	(void)l;
}
static void event(const char *type, json_t *data)
{
	(void)type;
	json_decref(data);
}
static uint64_t now(void)
{
	return now_ms;
}
static const engine_io_t io = {.leg_write = w_leg,
		.leg_write_shared = w_shared,
		.leg_queued = q_leg,
		.conn_write = w_conn,
		.conn_queued = q_conn,
		.bind = bind_leg,
		.unbind = unbind_leg,
		.connect = connect_leg,
		.event = event,
		.now_ms = now};

static const char *peer[] = {"msrp://10.0.0.1:7000/aaaa;tcp",
		"msrp://10.0.0.2:7000/bbbb;tcp", "msrp://10.0.0.3:7000/xxxx;tcp",
		"msrp://10.0.0.4:7000/yyyy;tcp", "msrp://10.0.0.5:7000/eeee;tcp"};

static leg_t *add(session_t *s, const char *id, const char *remote,
		const char *identity)
{
	leg_params_t p;
	int created;
	char err[128];
	leg_params_init(&p);
	p.remote_path = remote;
	p.identity = identity;
	p.version = "IM-client/OMA1.0";
	p.max_chunk = 100;
	return leg_add(s, id, &p, &created, err, sizeof(err));
}

/* replaces each placeholder by its path */
static char *expand(const uint8_t *data, size_t size, leg_t **legs, size_t *out_len)
{
	static const char keys[] = "ABXYEabxye";
	char *out = malloc(size * 40 + 1);
	size_t o = 0;

	for(size_t i = 0; i < size; i++) {
		if(data[i] == '@' && i + 2 < size && data[i + 2] == '@') {
			const char *k = memchr(keys, data[i + 1], 10);
			if(k && data[i + 1]) {
				int idx = (int)(k - keys);
				const char *path = idx < 5 ? legs[idx]->local_path : peer[idx - 5];
				size_t n = strlen(path);
				memcpy(out + o, path, n);
				o += n;
				i += 2;
				continue;
			}
		}
		out[o++] = (char)data[i];
	}
	*out_len = o;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char err[128];
	struct mconn c;
	leg_t *legs[5];
	size_t len, pos = 0, step;
	char *stream;

	if(!ready) {
		local_endpoint_t ep = {"127.0.0.1", 2855, 0, 0};
		session_set_local_endpoints(&ep, 1);
		engine_config.max_queue = 1 << 20;
		engine_init(&engine_config, &io);
		log_set_all(LOG_ERR);
		ready = 1;
	}
	if(size < 1)
		return 0;
	step = (size_t)data[0] * 7 + 1;
	session_t *b = session_create("bridge", SESSION_BRIDGE, err, sizeof(err));
	session_t *conf = session_create("conf", SESSION_CONFERENCE, err, sizeof(err));
	session_t *ep = session_create("endp", SESSION_ENDPOINT, err, sizeof(err));
	snprintf(conf->identity, sizeof(conf->identity), "sip:conf@h");
	legs[0] = add(b, "a", peer[0], NULL);
	legs[1] = add(b, "b", peer[1], NULL);
	legs[2] = add(conf, "x", peer[2], "sip:x@h");
	legs[3] = add(conf, "y", peer[3], "sip:y@h");
	legs[4] = add(ep, "e", peer[4], NULL);

	stream = expand(data + 1, size - 1, legs, &len);
	c.rx = rx_new();
	/* reads of `step` bytes, unconsumed bytes carried over, as mconn does */
	char *in = malloc(len + 1);
	size_t have = 0;
	while(pos < len) {
		size_t add = step < len - pos ? step : len - pos, consumed, want;
		rx_result_t r;
		memcpy(in + have, stream + pos, add);
		have += add;
		pos += add;
		do {
			r = engine_input(&c, c.rx, in, have, &consumed, &want);
			memmove(in, in + consumed, have - consumed);
			have -= consumed;
		} while(r == RX_OK && have && consumed);
		if(r == RX_CLOSE)
			break;
	}
	engine_conn_closed(&c, c.rx, "fuzz end");
	now_ms += 60000;
	engine_tick();
	free(in);
	free(stream);
	rx_free(c.rx);
	session_destroy(b, "fuzz");
	session_destroy(conf, "fuzz");
	session_destroy(ep, "fuzz");
	return 0;
}
