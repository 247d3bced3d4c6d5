// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: flow actions in ovs-dpctl's syntax ("2,set(ipv4(src=10.0.0.1)),
 * push_vlan(vid=10,pcp=3),sample(sample=50.0%,actions(3))", "drop"),
 * parsed into the OVS_ACTION_ATTR_* attributes of OVS_FLOW_ATTR_ACTIONS
 * and formatted back as ovs-dpctl prints them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_flow.h"
#include "dp_flow_scan.h"
#include "kvirt.h"

#define MAX_NESTING 32
/* ovs-dpctl's userspace() without userdata sends a zeroed cookie this big. */
#define OVS_COOKIE_SIZE 48
#define ETH_P_8021Q 0x8100

static int parse_list(const char *s, struct attrbuf *b, int depth);

static bool starts(const char *s, const char *prefix, int *n)
{
	size_t len = strlen(prefix);

	if (strncmp(s, prefix, len))
		return false;
	*n = len;
	return true;
}

/* "NUMBER)" after a prefix: the length taken, or 0. */
static int scan_arg(const char *s, unsigned long long max,
		    unsigned long long *v)
{
	int n = scan_uint(s, max, v);

	return n && s[n] == ')' ? n + 1 : 0;
}

static int parse_userspace(const char *s, struct attrbuf *b)
{
	uint8_t data[OVS_COOKIE_SIZE] = { 0 };
	unsigned long long pid, port = 0;
	size_t nest, len = OVS_COOKIE_SIZE;
	bool actions = false, tun = false;
	int n = 0, n2;

	n2 = scan_uint(s, UINT32_MAX, &pid);
	if (!n2)
		return -EINVAL;
	n += n2;
	if (starts(s + n, ",userdata(", &n2)) {
		n += n2;
		for (len = 0; isxdigit((unsigned char)s[n]) &&
		     isxdigit((unsigned char)s[n + 1]); n += 2) {
			if (len == sizeof(data))
				return -EINVAL;
			if (sscanf(s + n, "%2hhx", &data[len++]) != 1)
				return -EINVAL;
		}
		if (s[n++] != ')')
			return -EINVAL;
		if (len < 8)
			len = 8;
	}
	if (starts(s + n, ",actions", &n2)) {
		n += n2;
		actions = true;
	}
	if (starts(s + n, ",tunnel_out_port=", &n2)) {
		n += n2;
		n2 = scan_uint(s + n, UINT32_MAX, &port);
		if (!n2)
			return -EINVAL;
		n += n2;
		tun = true;
	}
	if (s[n++] != ')')
		return -EINVAL;
	nest = ab_nest_start(b, OVS_ACTION_ATTR_USERSPACE);
	ab_put(b, OVS_USERSPACE_ATTR_PID, &(uint32_t){ pid }, 4);
	ab_put(b, OVS_USERSPACE_ATTR_USERDATA, data, len);
	if (tun)
		ab_put(b, OVS_USERSPACE_ATTR_EGRESS_TUN_PORT,
		       &(uint32_t){ port }, 4);
	if (actions)
		ab_put(b, OVS_USERSPACE_ATTR_ACTIONS, NULL, 0);
	ab_nest_end(b, nest);
	return n;
}

/* set(KEY): a masked set unless every bit of the key is given. */
static int parse_set(const char *s, struct attrbuf *b)
{
	static struct attrbuf key, mask;
	const struct nlattr *k, *m;
	uint8_t both[2 * 64];
	int n, len;
	size_t i;

	memset(&key, 0, sizeof(key));
	memset(&mask, 0, sizeof(mask));
	n = flow_key_attr_parse(s, &key, &mask);
	if (n < 0 || s[n] != ')')
		return -EINVAL;
	k = (const void *)key.data;
	m = (const void *)mask.data;
	len = k->nla_len - NLA_HDRLEN;
	for (i = 0; i < (size_t)len; i++)
		if (mask.data[NLA_HDRLEN + i] != 0xff)
			break;
	/* The datapath takes no masked tunnel set. */
	if (i == (size_t)len || m->nla_len != k->nla_len ||
	    len > (int)sizeof(both) / 2 ||
	    k->nla_type == OVS_KEY_ATTR_TUNNEL) {
		ab_put(b, OVS_ACTION_ATTR_SET, key.data, key.len);
	} else {
		size_t nest = ab_nest_start(b, OVS_ACTION_ATTR_SET_MASKED);

		memcpy(both, key.data + NLA_HDRLEN, len);
		memcpy(both + len, mask.data + NLA_HDRLEN, len);
		ab_put(b, k->nla_type, both, 2 * len);
		ab_nest_end(b, nest);
	}
	return n + 1;
}

static int parse_push_vlan(const char *s, struct attrbuf *b)
{
	unsigned int tpid = ETH_P_8021Q, vid, pcp, cfi = 1;
	struct ovs_action_push_vlan v;
	int n = 0;

	if (sscanf(s, "vid=%i,pcp=%i)%n", &vid, &pcp, &n) != 2 || !n)
		if (sscanf(s, "vid=%i,pcp=%i,cfi=%i)%n", &vid, &pcp, &cfi,
			   &n) != 3 || !n)
			if (sscanf(s, "tpid=%i,vid=%i,pcp=%i)%n", &tpid, &vid,
				   &pcp, &n) != 3 || !n)
				if (sscanf(s, "tpid=%i,vid=%i,pcp=%i,cfi=%i)%n",
					   &tpid, &vid, &pcp, &cfi, &n) != 4 ||
				    !n)
					return -EINVAL;
	if (vid > 0xfff || pcp > 7 || tpid > 0xffff)
		return -EINVAL;
	v.vlan_tpid = htons(tpid);
	v.vlan_tci = htons(vid | pcp << 13 | (cfi ? 0x1000 : 0));
	ab_put(b, OVS_ACTION_ATTR_PUSH_VLAN, &v, sizeof(v));
	return n;
}

static int parse_push_mpls(const char *s, struct attrbuf *b)
{
	unsigned int label, tc, ttl, bos, type;
	struct ovs_action_push_mpls m;
	int n = 0;

	if (sscanf(s, "label=%i,tc=%i,ttl=%i,bos=%i,eth_type=%i)%n", &label,
		   &tc, &ttl, &bos, &type, &n) != 5 || !n)
		return -EINVAL;
	if (label > 0xfffff || tc > 7 || ttl > 0xff || bos > 1 ||
	    type > 0xffff)
		return -EINVAL;
	m.mpls_lse = htonl(label << 12 | tc << 9 | bos << 8 | ttl);
	m.mpls_ethertype = htons(type);
	ab_put(b, OVS_ACTION_ATTR_PUSH_MPLS, &m, sizeof(m));
	return n;
}

static int parse_push_eth(const char *s, struct attrbuf *b)
{
	struct ovs_action_push_eth e;
	int n = 0, n2;

	if (!starts(s, "src=", &n2))
		return -EINVAL;
	n += n2;
	n2 = scan_eth(s + n, e.addresses.eth_src);
	if (!n2 || strncmp(s + n + n2, ",dst=", 5))
		return -EINVAL;
	n += n2 + 5;
	n2 = scan_eth(s + n, e.addresses.eth_dst);
	if (!n2 || s[n + n2] != ')')
		return -EINVAL;
	ab_put(b, OVS_ACTION_ATTR_PUSH_ETH, &e, sizeof(e));
	return n + n2 + 1;
}

static int parse_hash(const char *s, struct attrbuf *b)
{
	struct ovs_action_hash h;
	unsigned long long basis;
	int n, n2;

	if (!starts(s, "l4(", &n))
		return -EINVAL;
	h.hash_alg = OVS_HASH_ALG_L4;
	n2 = scan_arg(s + n, UINT32_MAX, &basis);
	if (!n2 || s[n + n2] != ')')
		return -EINVAL;
	h.hash_basis = basis;
	ab_put(b, OVS_ACTION_ATTR_HASH, &h, sizeof(h));
	return n + n2 + 1;
}

static int parse_sample(const char *s, struct attrbuf *b, int depth)
{
	size_t nest, acts;
	double pct, prob;
	int n = 0, n2;

	if (sscanf(s, "%lf%%,actions(%n", &pct, &n) != 1 || !n ||
	    !(pct >= 0 && pct <= 100))
		return -EINVAL;
	prob = floor(UINT32_MAX * (pct / 100.0) + .5);
	nest = ab_nest_start(b, OVS_ACTION_ATTR_SAMPLE);
	ab_put(b, OVS_SAMPLE_ATTR_PROBABILITY,
	       &(uint32_t){ prob <= 0 ? 0 : prob >= UINT32_MAX ? UINT32_MAX :
			    (uint32_t)prob }, 4);
	acts = ab_nest_start(b, OVS_SAMPLE_ATTR_ACTIONS);
	n2 = parse_list(s + n, b, depth);
	if (n2 < 0)
		return n2;
	n += n2;
	ab_nest_end(b, acts);
	ab_nest_end(b, nest);
	return s[n + 1] == ')' ? n + 2 : -EINVAL;
}

/* A branch of check_pkt_len: "drop" or a list, up to its ')'. */
static int parse_branch(const char *s, struct attrbuf *b, int type, int depth)
{
	size_t nest = ab_nest_start(b, type);
	int n = 0;

	if (!strncasecmp(s, "drop", 4))
		n = 4;
	else
		n = parse_list(s, b, depth);
	ab_nest_end(b, nest);
	return n;
}

static int parse_check_pkt_len(const char *s, struct attrbuf *b, int depth)
{
	unsigned long long size;
	size_t nest;
	int n, n2;

	n = scan_uint(s, 0xffff, &size);
	if (!n || strncmp(s + n, ",gt(", 4))
		return -EINVAL;
	n += 4;
	nest = ab_nest_start(b, OVS_ACTION_ATTR_CHECK_PKT_LEN);
	ab_put(b, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, &(uint16_t){ size }, 2);
	n2 = parse_branch(s + n, b, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER,
			  depth);
	if (n2 < 0)
		return n2;
	n += n2;
	if (strncmp(s + n, "),le(", 5))
		return -EINVAL;
	n += 5;
	n2 = parse_branch(s + n, b,
			  OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL, depth);
	if (n2 < 0)
		return n2;
	n += n2;
	ab_nest_end(b, nest);
	return s[n] == ')' && s[n + 1] == ')' ? n + 2 : -EINVAL;
}

/* ct or ct(commit,zone=N,mark=V/M,helper=NAME). */
static int parse_ct(const char *s, struct attrbuf *b)
{
	unsigned long long zone = 0, v;
	bool commit = false, force = false;
	uint32_t mark[2] = { 0, 0 };
	const char *helper = NULL;
	size_t helper_len = 0, nest;
	int n = 0, n2;

	if (s[0] == '(') {
		n = 1;
		while (s[n] != ')') {
			n += strspn(s + n, ", \t\r\n");
			if (s[n] == ')')
				break;
			if (starts(s + n, "commit", &n2)) {
				commit = true;
			} else if (starts(s + n, "force_commit", &n2)) {
				force = true;
			} else if (starts(s + n, "zone=", &n2)) {
				int n3 = scan_uint(s + n + n2, 0xffff, &zone);

				if (!n3)
					return -EINVAL;
				n2 += n3;
			} else if (starts(s + n, "mark=", &n2)) {
				int n3 = scan_uint(s + n + n2, UINT32_MAX, &v);

				if (!n3)
					return -EINVAL;
				mark[0] = v;
				mark[1] = UINT32_MAX;
				n2 += n3;
				if (s[n + n2] == '/') {
					n3 = scan_uint(s + n + n2 + 1,
						       UINT32_MAX, &v);
					if (!n3)
						return -EINVAL;
					mark[1] = v;
					n2 += 1 + n3;
				}
			} else if (starts(s + n, "helper=", &n2)) {
				helper = s + n + n2;
				helper_len = strcspn(helper, ", \t\r\n)");
				if (!helper_len || helper_len > 15)
					return -EINVAL;
				n2 += helper_len;
			} else {
				return -EINVAL;
			}
			n += n2;
		}
		n++;
	}
	if (commit && force)
		return -EINVAL;
	nest = ab_nest_start(b, OVS_ACTION_ATTR_CT);
	if (commit)
		ab_put(b, OVS_CT_ATTR_COMMIT, NULL, 0);
	else if (force)
		ab_put(b, OVS_CT_ATTR_FORCE_COMMIT, NULL, 0);
	if (zone)
		ab_put(b, OVS_CT_ATTR_ZONE, &(uint16_t){ zone }, 2);
	if (mark[1])
		ab_put(b, OVS_CT_ATTR_MARK, mark, sizeof(mark));
	if (helper) {
		char name[16] = { 0 };

		memcpy(name, helper, helper_len);
		ab_put(b, OVS_CT_ATTR_HELPER, name, helper_len + 1);
	}
	ab_nest_end(b, nest);
	return n;
}

/* Actions of one number: "trunc(N)" and the like. */
static const struct {
	const char *prefix;
	int type;
	bool u16;	/* a be16, else a u32 */
} one_arg[] = {
	{ "trunc(", OVS_ACTION_ATTR_TRUNC, false },
	{ "recirc(", OVS_ACTION_ATTR_RECIRC, false },
	{ "meter(", OVS_ACTION_ATTR_METER, false },
	{ "pop_mpls(eth_type=", OVS_ACTION_ATTR_POP_MPLS, true },
};

/* One action: the characters taken, or -EINVAL. */
static int parse_action(const char *s, struct attrbuf *b, int depth)
{
	unsigned long long v;
	size_t nest, i;
	int n, n2;

	if (++depth >= MAX_NESTING)
		return -EINVAL;
	n = scan_uint(s, UINT32_MAX, &v);
	if (n) {
		ab_put(b, OVS_ACTION_ATTR_OUTPUT, &(uint32_t){ v }, 4);
		return n;
	}
	for (i = 0; i < ARRAY_SIZE(one_arg); i++) {
		if (!starts(s, one_arg[i].prefix, &n))
			continue;
		n2 = scan_arg(s + n, one_arg[i].u16 ? 0xffff : UINT32_MAX, &v);
		if (!n2)
			return -EINVAL;
		if (one_arg[i].u16)
			ab_put(b, one_arg[i].type, &(uint16_t){ htons(v) }, 2);
		else
			ab_put(b, one_arg[i].type, &(uint32_t){ v }, 4);
		return n + n2;
	}
	if (starts(s, "userspace(pid=", &n)) {
		n2 = parse_userspace(s + n, b);
	} else if (starts(s, "set(", &n)) {
		n2 = parse_set(s + n, b);
	} else if (starts(s, "push_vlan(", &n)) {
		n2 = parse_push_vlan(s + n, b);
	} else if (starts(s, "push_mpls(", &n)) {
		n2 = parse_push_mpls(s + n, b);
	} else if (starts(s, "push_eth(", &n)) {
		n2 = parse_push_eth(s + n, b);
	} else if (starts(s, "hash(", &n)) {
		n2 = parse_hash(s + n, b);
	} else if (starts(s, "sample(sample=", &n)) {
		n2 = parse_sample(s + n, b, depth);
	} else if (starts(s, "check_pkt_len(size=", &n)) {
		n2 = parse_check_pkt_len(s + n, b, depth);
	} else if (starts(s, "clone(", &n)) {
		nest = ab_nest_start(b, OVS_ACTION_ATTR_CLONE);
		n2 = parse_list(s + n, b, depth);
		ab_nest_end(b, nest);
		if (n2 >= 0)
			n2++;
	} else if (starts(s, "pop_vlan", &n)) {
		ab_put(b, OVS_ACTION_ATTR_POP_VLAN, NULL, 0);
		n2 = 0;
	} else if (starts(s, "pop_eth", &n)) {
		ab_put(b, OVS_ACTION_ATTR_POP_ETH, NULL, 0);
		n2 = 0;
	} else if (starts(s, "ct_clear", &n)) {
		ab_put(b, OVS_ACTION_ATTR_CT_CLEAR, NULL, 0);
		n2 = 0;
	} else if (starts(s, "ct", &n)) {
		n2 = parse_ct(s + n, b);
	} else {
		return -EINVAL;
	}
	return n2 < 0 ? n2 : n + n2;
}

/* Actions up to (not past) a ')': the characters taken, or -EINVAL. */
static int parse_list(const char *s, struct attrbuf *b, int depth)
{
	int n = 0;

	for (;;) {
		int n2;

		n += strspn(s + n, ", \t\r\n");
		if (s[n] == ')')
			return n;
		n2 = parse_action(s + n, b, depth);
		if (n2 < 0)
			return n2;
		n += n2;
	}
}

/**
 * flow_actions_parse() - parse an action list in ovs-dpctl's syntax
 * @s: the text; "drop" is the empty list
 * @acts: gets the OVS_ACTION_ATTR_* attributes
 * @err: gets a message on failure
 * @errlen: its size
 *
 * Return: 0 or -EINVAL.
 */
int flow_actions_parse(const char *s, struct attrbuf *acts, char *err,
		       size_t errlen)
{
	const char *start = s;

	if (!strcasecmp(s, "drop"))
		return 0;
	for (;;) {
		int n;

		s += strspn(s, ", \t\r\n");
		if (!*s)
			break;
		n = parse_action(s, acts, 0);
		if (n < 0 || (s[n] && !strchr(", \t\r\n", s[n]))) {
			snprintf(err, errlen, "syntax error at %s", s);
			return -EINVAL;
		}
		s += n;
	}
	if (acts->overflow) {
		snprintf(err, errlen, "actions too long: %s", start);
		return -EINVAL;
	}
	return 0;
}

/* Formatting. */

static const void *data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static int dlen(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static uint32_t u32_of(const struct nlattr *a)
{
	uint32_t v = 0;

	if (dlen(a) >= 4)
		memcpy(&v, data(a), 4);
	return v;
}

static void format_generic(struct strbuf *sb, const struct nlattr *a)
{
	const uint8_t *p = data(a);
	int i;

	sb_printf(sb, "action%d", a->nla_type & NLA_TYPE_MASK);
	for (i = 0; i < dlen(a); i++)
		sb_printf(sb, "%c%02x", i ? ' ' : '(', p[i]);
	if (dlen(a))
		sb_printf(sb, ")");
}

static void format_userspace(struct strbuf *sb, const struct nlattr *a)
{
	const struct nlattr *pid = NULL, *ud = NULL, *port = NULL, *acts = NULL;
	const struct nlattr *c;
	int left, i;

	for (c = (const void *)data(a), left = dlen(a); attr_ok(c, left);
	     c = attr_next(c, &left)) {
		switch (c->nla_type & NLA_TYPE_MASK) {
		case OVS_USERSPACE_ATTR_PID:
			pid = c;
			break;
		case OVS_USERSPACE_ATTR_USERDATA:
			ud = c;
			break;
		case OVS_USERSPACE_ATTR_EGRESS_TUN_PORT:
			port = c;
			break;
		case OVS_USERSPACE_ATTR_ACTIONS:
			acts = c;
			break;
		}
	}
	if (!pid) {
		sb_printf(sb, "userspace(error)");
		return;
	}
	sb_printf(sb, "userspace(pid=%u", u32_of(pid));
	if (ud) {
		sb_printf(sb, ",userdata(");
		for (i = 0; i < dlen(ud); i++)
			sb_printf(sb, "%02x", ((const uint8_t *)data(ud))[i]);
		sb_printf(sb, ")");
	}
	if (acts)
		sb_printf(sb, ",actions");
	if (port)
		sb_printf(sb, ",tunnel_out_port=%u", u32_of(port));
	sb_printf(sb, ")");
}

static void format_set_masked(struct strbuf *sb, const struct nlattr *a)
{
	const struct nlattr *k = data(a);
	uint8_t key[NLA_HDRLEN + 64], mask[NLA_HDRLEN + 64];
	struct nlattr *kh = (struct nlattr *)key, *mh = (struct nlattr *)mask;
	int size;

	sb_printf(sb, "set(");
	if (dlen(a) < NLA_HDRLEN || k->nla_len > dlen(a)) {
		sb_printf(sb, "error)");
		return;
	}
	size = dlen(k) / 2;
	if (size <= (int)sizeof(struct ovs_key_ipv6)) {
		kh->nla_type = k->nla_type;
		mh->nla_type = k->nla_type;
		kh->nla_len = NLA_HDRLEN + size;
		mh->nla_len = NLA_HDRLEN + size;
		memcpy(key + NLA_HDRLEN, data(k), size);
		memcpy(mask + NLA_HDRLEN, (const char *)data(k) + size, size);
		flow_key_attr_format(sb, key, mask, false);
	} else {
		flow_key_attr_format(sb, k, NULL, false);
	}
	sb_printf(sb, ")");
}

static void format_sample(struct strbuf *sb, const struct nlattr *a)
{
	const struct nlattr *prob = NULL, *acts = NULL, *c;
	int left;

	for (c = (const void *)data(a), left = dlen(a); attr_ok(c, left);
	     c = attr_next(c, &left)) {
		if ((c->nla_type & NLA_TYPE_MASK) == OVS_SAMPLE_ATTR_PROBABILITY)
			prob = c;
		else if ((c->nla_type & NLA_TYPE_MASK) ==
			 OVS_SAMPLE_ATTR_ACTIONS)
			acts = c;
	}
	if (!prob || !acts) {
		sb_printf(sb, "sample(error)");
		return;
	}
	sb_printf(sb, "sample(sample=%.1f%%,actions(",
		  100.0 * u32_of(prob) / UINT32_MAX);
	flow_actions_format(sb, data(acts), dlen(acts));
	sb_printf(sb, "))");
}

static void format_check_pkt_len(struct strbuf *sb, const struct nlattr *a)
{
	const struct nlattr *len = NULL, *gt = NULL, *le = NULL, *c;
	int left;

	for (c = (const void *)data(a), left = dlen(a); attr_ok(c, left);
	     c = attr_next(c, &left)) {
		switch (c->nla_type & NLA_TYPE_MASK) {
		case OVS_CHECK_PKT_LEN_ATTR_PKT_LEN:
			len = c;
			break;
		case OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER:
			gt = c;
			break;
		case OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL:
			le = c;
			break;
		}
	}
	if (!len || !gt || !le || dlen(len) < 2) {
		sb_printf(sb, "check_pkt_len(error)");
		return;
	}
	sb_printf(sb, "check_pkt_len(size=%u,gt(",
		  *(const uint16_t *)data(len));
	flow_actions_format(sb, data(gt), dlen(gt));
	sb_printf(sb, "),le(");
	flow_actions_format(sb, data(le), dlen(le));
	sb_printf(sb, "))");
}

static void format_ct(struct strbuf *sb, const struct nlattr *a)
{
	const struct nlattr *c;
	int left;

	sb_printf(sb, "ct");
	if (!dlen(a))
		return;
	sb_printf(sb, "(");
	for (c = (const void *)data(a), left = dlen(a); attr_ok(c, left);
	     c = attr_next(c, &left)) {
		const uint32_t *m = data(c);

		switch (c->nla_type & NLA_TYPE_MASK) {
		case OVS_CT_ATTR_COMMIT:
			sb_printf(sb, "commit,");
			break;
		case OVS_CT_ATTR_FORCE_COMMIT:
			sb_printf(sb, "force_commit,");
			break;
		case OVS_CT_ATTR_ZONE:
			sb_printf(sb, "zone=%u,", *(const uint16_t *)data(c));
			break;
		case OVS_CT_ATTR_MARK:
			if (dlen(c) == 8)
				sb_printf(sb, "mark=%#x/%#x,", m[0], m[1]);
			break;
		case OVS_CT_ATTR_HELPER:
			sb_printf(sb, "helper=%.*s,", dlen(c),
				  (const char *)data(c));
			break;
		default:
			sb_printf(sb, "attr%d,", c->nla_type & NLA_TYPE_MASK);
		}
	}
	sb_chomp(sb, ',');
	sb_printf(sb, ")");
}

static void format_action(struct strbuf *sb, const struct nlattr *a)
{
	const struct ovs_action_push_vlan *pv = data(a);
	const struct ovs_action_push_mpls *pm = data(a);
	const struct ovs_action_push_eth *pe = data(a);
	const struct ovs_action_hash *h = data(a);
	int type = a->nla_type & NLA_TYPE_MASK;
	uint32_t lse;

	switch (type) {
	case OVS_ACTION_ATTR_OUTPUT:
		sb_printf(sb, "%u", u32_of(a));
		return;
	case OVS_ACTION_ATTR_TRUNC:
		sb_printf(sb, "trunc(%u)", u32_of(a));
		return;
	case OVS_ACTION_ATTR_METER:
		sb_printf(sb, "meter(%u)", u32_of(a));
		return;
	case OVS_ACTION_ATTR_RECIRC:
		sb_printf(sb, "recirc(%#x)", u32_of(a));
		return;
	case OVS_ACTION_ATTR_USERSPACE:
		format_userspace(sb, a);
		return;
	case OVS_ACTION_ATTR_SET:
		sb_printf(sb, "set(");
		if (dlen(a) >= NLA_HDRLEN)
			flow_key_attr_format(sb, data(a), NULL, true);
		sb_printf(sb, ")");
		return;
	case OVS_ACTION_ATTR_SET_MASKED:
		format_set_masked(sb, a);
		return;
	case OVS_ACTION_ATTR_POP_VLAN:
		sb_printf(sb, "pop_vlan");
		return;
	case OVS_ACTION_ATTR_POP_ETH:
		sb_printf(sb, "pop_eth");
		return;
	case OVS_ACTION_ATTR_CT_CLEAR:
		sb_printf(sb, "ct_clear");
		return;
	case OVS_ACTION_ATTR_CT:
		format_ct(sb, a);
		return;
	case OVS_ACTION_ATTR_SAMPLE:
		format_sample(sb, a);
		return;
	case OVS_ACTION_ATTR_CHECK_PKT_LEN:
		format_check_pkt_len(sb, a);
		return;
	case OVS_ACTION_ATTR_CLONE:
		sb_printf(sb, "clone(");
		flow_actions_format(sb, data(a), dlen(a));
		sb_printf(sb, ")");
		return;
	}
	if (type == OVS_ACTION_ATTR_PUSH_VLAN && dlen(a) == sizeof(*pv)) {
		sb_printf(sb, "push_vlan(");
		if (pv->vlan_tpid != htons(ETH_P_8021Q))
			sb_printf(sb, "tpid=0x%04x,", ntohs(pv->vlan_tpid));
		flow_vlan_format(sb, pv->vlan_tci);
		sb_printf(sb, ")");
	} else if (type == OVS_ACTION_ATTR_PUSH_MPLS &&
		   dlen(a) == sizeof(*pm)) {
		lse = ntohl(pm->mpls_lse);
		sb_printf(sb, "push_mpls(label=%u,tc=%u,ttl=%u,bos=%u,eth_type=0x%x)",
			  lse >> 12, (lse >> 9) & 7, lse & 0xff, (lse >> 8) & 1,
			  ntohs(pm->mpls_ethertype));
	} else if (type == OVS_ACTION_ATTR_POP_MPLS && dlen(a) == 2) {
		sb_printf(sb, "pop_mpls(eth_type=0x%x)",
			  ntohs(*(const uint16_t *)data(a)));
	} else if (type == OVS_ACTION_ATTR_PUSH_ETH &&
		   dlen(a) == sizeof(*pe)) {
		sb_printf(sb, "push_eth(src=");
		format_eth(sb, pe->addresses.eth_src);
		sb_printf(sb, ",dst=");
		format_eth(sb, pe->addresses.eth_dst);
		sb_printf(sb, ")");
	} else if (type == OVS_ACTION_ATTR_HASH && dlen(a) == sizeof(*h)) {
		if (h->hash_alg == OVS_HASH_ALG_L4)
			sb_printf(sb, "hash(l4(%u))", h->hash_basis);
		else
			sb_printf(sb, "hash(Unknown hash algorithm(%u))",
				  h->hash_alg);
	} else {
		format_generic(sb, a);
	}
}

/**
 * flow_actions_format() - print actions as ovs-dpctl does
 * @sb: appended to
 * @acts: the OVS_ACTION_ATTR_* attributes
 * @len: their length; none prints "drop"
 */
void flow_actions_format(struct strbuf *sb, const void *acts, size_t len)
{
	const struct nlattr *a;
	int left;

	if (!len) {
		sb_printf(sb, "drop");
		return;
	}
	for (a = (const void *)acts, left = len; attr_ok(a, left);
	     a = attr_next(a, &left)) {
		if (a != acts)
			sb_printf(sb, ",");
		format_action(sb, a);
	}
}
