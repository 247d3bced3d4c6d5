// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: "kvirt dp show-masks DP [--json]" shows what ovs-dpctl cannot: the
 * datapath's megaflow masks in the order lookups try them, each with its
 * flows and hits (from kvirt_dp's own "kvirt_dp_mask" family,
 * uapi/linux/kvirt_dp.h), and the mask cache's counters from
 * OVS_DP_ATTR_MEGAFLOW_STATS, to see why lookups are slow.
 */
#include <linux/kvirt_dp.h>
#include <linux/openvswitch.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dp.h"
#include "kvirt.h"

struct masks_ctl {
	struct dpctl dp;
	bool json;
	int n;
	int ifindex;
	uint32_t cache_size;
	struct ovs_dp_megaflow_stats mega;
	struct ovs_dp_stats stats;
};

static const char *const key_names[OVS_KEY_ATTR_MAX + 1] = {
	[OVS_KEY_ATTR_PRIORITY] = "priority",
	[OVS_KEY_ATTR_IN_PORT] = "in_port",
	[OVS_KEY_ATTR_ETHERNET] = "eth",
	[OVS_KEY_ATTR_VLAN] = "vlan",
	[OVS_KEY_ATTR_ETHERTYPE] = "eth_type",
	[OVS_KEY_ATTR_IPV4] = "ipv4",
	[OVS_KEY_ATTR_IPV6] = "ipv6",
	[OVS_KEY_ATTR_TCP] = "tcp",
	[OVS_KEY_ATTR_UDP] = "udp",
	[OVS_KEY_ATTR_ICMP] = "icmp",
	[OVS_KEY_ATTR_ICMPV6] = "icmpv6",
	[OVS_KEY_ATTR_ARP] = "arp",
	[OVS_KEY_ATTR_ND] = "nd",
	[OVS_KEY_ATTR_SKB_MARK] = "skb_mark",
	[OVS_KEY_ATTR_TUNNEL] = "tunnel",
	[OVS_KEY_ATTR_SCTP] = "sctp",
	[OVS_KEY_ATTR_TCP_FLAGS] = "tcp_flags",
	[OVS_KEY_ATTR_DP_HASH] = "dp_hash",
	[OVS_KEY_ATTR_RECIRC_ID] = "recirc_id",
	[OVS_KEY_ATTR_ENCAP] = "encap",
};

static int on_dp(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[OVS_DP_ATTR_MAX + 1];
	struct masks_ctl *c = arg;

	dpctl_parse(m, tb, OVS_DP_ATTR_MAX, &c->ifindex);
	if (tb[OVS_DP_ATTR_STATS])
		memcpy(&c->stats, nla_data(tb[OVS_DP_ATTR_STATS]),
		       sizeof(c->stats));
	if (tb[OVS_DP_ATTR_MEGAFLOW_STATS])
		memcpy(&c->mega, nla_data(tb[OVS_DP_ATTR_MEGAFLOW_STATS]),
		       sizeof(c->mega));
	if (tb[OVS_DP_ATTR_MASKS_CACHE_SIZE])
		c->cache_size = nla_get_u32(tb[OVS_DP_ATTR_MASKS_CACHE_SIZE]);
	return NL_OK;
}

/* The mask's fields that have bits set, as name(hex bytes). */
static void print_mask(const struct nlattr *nest, bool json)
{
	const struct nlattr *a;
	bool first = true;
	int rem, i, len;

	nla_for_each_nested(a, nest, rem) {
		const uint8_t *d = nla_data(a);
		int type = nla_type(a);

		len = nla_len(a);
		for (i = 0; i < len && !d[i]; i++)
			;
		if (i == len || type == OVS_KEY_ATTR_ENCAP)
			continue;
		if (json)
			printf("%s\"%s\": \"", first ? "" : ", ",
			       type <= OVS_KEY_ATTR_MAX && key_names[type] ?
			       key_names[type] : "attr");
		else
			printf("%s%s(", first ? "" : ",",
			       type <= OVS_KEY_ATTR_MAX && key_names[type] ?
			       key_names[type] : "attr");
		for (i = 0; i < len; i++)
			printf("%02x", d[i]);
		printf(json ? "\"" : ")");
		first = false;
	}
}

static int on_mask(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[KVIRT_DP_MASK_ATTR_MAX + 1];
	struct masks_ctl *c = arg;

	dpctl_parse(m, tb, KVIRT_DP_MASK_ATTR_MAX, NULL);
	if (!tb[KVIRT_DP_MASK_ATTR_INDEX] || !tb[KVIRT_DP_MASK_ATTR_MASK] ||
	    !tb[KVIRT_DP_MASK_ATTR_FLOWS] || !tb[KVIRT_DP_MASK_ATTR_HITS])
		return NL_OK;
	if (c->json) {
		printf("%s\n    {\"index\": %u, \"flows\": %u, \"hits\": %llu, \"mask\": {",
		       c->n ? "," : "",
		       nla_get_u32(tb[KVIRT_DP_MASK_ATTR_INDEX]),
		       nla_get_u32(tb[KVIRT_DP_MASK_ATTR_FLOWS]),
		       (unsigned long long)nla_get_u64(tb[KVIRT_DP_MASK_ATTR_HITS]));
		print_mask(tb[KVIRT_DP_MASK_ATTR_MASK], true);
		printf("}}");
	} else {
		printf("  %3u: flows:%u hits:%llu mask:",
		       nla_get_u32(tb[KVIRT_DP_MASK_ATTR_INDEX]),
		       nla_get_u32(tb[KVIRT_DP_MASK_ATTR_FLOWS]),
		       (unsigned long long)nla_get_u64(tb[KVIRT_DP_MASK_ATTR_HITS]));
		print_mask(tb[KVIRT_DP_MASK_ATTR_MASK], false);
		printf("\n");
	}
	c->n++;
	return NL_OK;
}

static int show_masks(struct masks_ctl *c, const char *name)
{
	int mask_family, err;
	struct nl_msg *m;

	mask_family = genl_ctrl_resolve(c->dp.sk, KVIRT_DP_MASK_FAMILY);
	if (mask_family < 0) {
		fprintf(stderr, "kvirt dp: no %s family (kvirt_dp.ko not loaded?)\n",
			KVIRT_DP_MASK_FAMILY);
		return 1;
	}
	m = dpctl_request(c->dp.dp_family, OVS_DATAPATH_VERSION,
			  OVS_DP_CMD_GET, 0, 0);
	if (m)
		nla_put_string(m, OVS_DP_ATTR_NAME, name);
	err = dpctl_transact(&c->dp, m, on_dp, c);
	if (err) {
		fprintf(stderr, "kvirt dp: %s: %s\n", name, strerror(-err));
		return 1;
	}
	if (c->json) {
		printf("{\"name\": \"%s\", \"hit\": %llu, \"missed\": %llu, ",
		       name, (unsigned long long)c->stats.n_hit,
		       (unsigned long long)c->stats.n_missed);
		printf("\"masks\": %u, \"mask_hit\": %llu, \"cache_hit\": %llu, ",
		       c->mega.n_masks, (unsigned long long)c->mega.n_mask_hit,
		       (unsigned long long)c->mega.n_cache_hit);
		printf("\"cache_size\": %u, \"mask_list\": [", c->cache_size);
	} else {
		printf("%s:\n  lookups: hit:%llu missed:%llu\n", name,
		       (unsigned long long)c->stats.n_hit,
		       (unsigned long long)c->stats.n_missed);
		printf("  masks: total:%u hit:%llu hit/pkt:%.2f\n",
		       c->mega.n_masks, (unsigned long long)c->mega.n_mask_hit,
		       c->stats.n_hit + c->stats.n_missed ?
		       (double)c->mega.n_mask_hit /
		       (c->stats.n_hit + c->stats.n_missed) : 0.0);
		printf("  masks-cache: size:%u hit:%llu\n", c->cache_size,
		       (unsigned long long)c->mega.n_cache_hit);
	}
	m = dpctl_request(mask_family, KVIRT_DP_MASK_VERSION,
			  KVIRT_DP_MASK_CMD_GET, NLM_F_DUMP, c->ifindex);
	err = dpctl_transact(&c->dp, m, on_mask, c);
	if (c->json)
		printf("%s]}\n", c->n ? "\n  " : "");
	if (err) {
		fprintf(stderr, "kvirt dp: %s: masks: %s\n", name,
			strerror(-err));
		return 1;
	}
	return 0;
}

/**
 * cmd_dp_masks() - kvirt dp show-masks DP [--json]
 * @argc: arguments from "show-masks" on
 * @argv: them
 *
 * Return: the exit status.
 */
int cmd_dp_masks(int argc, char **argv)
{
	struct masks_ctl c = { 0 };
	const char *name = NULL;
	bool bad = false;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			c.json = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			bad = true;
	}
	if (!name || bad) {
		fprintf(stderr, "usage: kvirt dp show-masks DP [--json]\n");
		return 2;
	}
	if (access("/sys/module/kvirt_dp", F_OK)) {
		fprintf(stderr, "kvirt dp: kvirt_dp.ko is not loaded\n");
		return 1;
	}
	r = dpctl_open(&c.dp) ? 1 : show_masks(&c, name);
	dpctl_close(&c.dp);
	return r;
}
