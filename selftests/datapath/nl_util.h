/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the datapath selftests speak generic netlink byte by byte, so that
 * they send exactly what ovs-vswitchd sends (and malformed variants) and
 * see every flag, errno and extack message; a tiny helper is all that
 * needs, plus what every test sets up around it: loading kvirt_dp.ko or
 * openvswitch.ko as the reference, veth pairs, and kvirt_dp's object
 * counts to check that nothing leaks.
 */
#ifndef KVIRT_DP_NL_UTIL_H
#define KVIRT_DP_NL_UTIL_H

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NLU_BUF 16384

struct nlu {
	int fd;
	uint32_t portid;
	uint32_t seq;
	char errmsg[256];		/* extack message of the last error */
};

/* A request or a received message; attributes are appended to it. */
struct nlu_msg {
	union {
		struct nlmsghdr nh;
		char buf[NLU_BUF];
	};
};

/* What a family looks like to a client (CTRL_CMD_GETFAMILY). */
struct nlu_family {
	uint16_t id;
	uint32_t version;
	uint32_t hdrsize;
	uint32_t maxattr;
	int n_groups;
	char group_names[4][GENL_NAMSIZ];
	uint32_t group_ids[4];
};

/* The four OVS families as resolved on the module loaded now. */
struct ovs_families {
	struct nlu_family dp, vport, flow, packet;
};

int nlu_open(struct nlu *s);
void nlu_close(struct nlu *s);
int nlu_join(struct nlu *s, uint32_t group);
/* 0 or -errno; -ENOENT when the family is not registered. */
int nlu_get_family(struct nlu *s, const char *name, struct nlu_family *f);
int ovs_resolve(struct nlu *s, struct ovs_families *f);
uint32_t nlu_group(const struct nlu_family *f, const char *name);

/* A genl message with an ovs_header; flags beyond NLM_F_REQUEST. */
void nlu_init(struct nlu_msg *m, uint16_t family, uint16_t flags, uint8_t cmd,
	      uint8_t version, int dp_ifindex);
void nlu_put(struct nlu_msg *m, int type, const void *data, int len);
void nlu_put_u32(struct nlu_msg *m, int type, uint32_t v);
void nlu_put_str(struct nlu_msg *m, int type, const char *s);
struct nlattr *nlu_nest(struct nlu_msg *m, int type);
void nlu_nest_end(struct nlu_msg *m, struct nlattr *nest);

/*
 * Send @req with NLM_F_ACK and wait for its ack: 0 or -errno. A data
 * message answering it (a GET reply, an NLM_F_ECHO notification) is
 * copied to @reply if not NULL.
 */
int nlu_request(struct nlu *s, struct nlu_msg *req, struct nlu_msg *reply);
/* A dump: calls @fn for each message; returns the count or -errno. */
int nlu_dump(struct nlu *s, struct nlu_msg *req,
	     void (*fn)(const struct nlu_msg *m, void *arg), void *arg);
/* The next message on @s within @ms milliseconds: 0 or -errno. */
int nlu_recv_timeout(struct nlu *s, struct nlu_msg *m, int ms);

/* Attributes after the genl and ovs headers, into tb[0..max]. */
int nlu_parse_msg(const struct nlu_msg *m, const struct nlattr **tb, int max);
int nlu_parse(const struct nlattr *nest, const struct nlattr **tb, int max);
uint8_t nlu_cmd(const struct nlu_msg *m);
int nlu_dp_ifindex(const struct nlu_msg *m);
uint32_t nlu_u32(const struct nlattr *a);
const void *nlu_data(const struct nlattr *a);
int nlu_len(const struct nlattr *a);
/*
 * Append an OVS key or mask nest to @out as "type(hex bytes)" runs,
 * conntrack attributes left out, OVS_KEY_ATTR_ENCAP opened.
 */
void nlu_key_text(const struct nlattr *nest, char *out, size_t size);

/* kvirt_dp's live object counts: datapaths, vports, flows, masks, actions. */
#define DP_OBJECTS "/sys/kernel/debug/kvirt_dp/objects"
#define DP_N_OBJECTS 5
/* Read them into @n: 0 or -errno. */
int dp_objects(long *n);
/*
 * Whether they return to @base within @ms milliseconds (RCU frees them
 * late); @now (may be NULL) gets the last counts read.
 */
bool dp_objects_back(const long *base, long *now, int ms);

/* Which datapath module is loaded; loading one unloads the other. */
enum dp_module { DP_KVIRT, DP_OVS };
const char *dp_module_name(enum dp_module m);
bool module_loaded(const char *name);
int dp_module_load(enum dp_module m);
int dp_module_unload(enum dp_module m);
int run(const char *fmt, ...);
/* A veth pair @a - @b, up, without IPv6 (no stray frames). */
int add_veth(const char *a, const char *b);

#endif /* KVIRT_DP_NL_UTIL_H */
