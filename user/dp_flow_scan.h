/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the scanning and printing primitives (dp_flow.c) that the key and
 * action halves of the flow syntax share, kept out of the interface that
 * the commands use.
 */
#ifndef KVIRT_USER_DP_FLOW_SCAN_H
#define KVIRT_USER_DP_FLOW_SCAN_H

#include <linux/netlink.h>
#include <stdint.h>

#include "dp_flow.h"

/* Walking attributes: whether @a (of @left bytes) is whole, and the next. */
bool attr_ok(const struct nlattr *a, int left);
const struct nlattr *attr_next(const struct nlattr *a, int *left);

/* Each scan returns the characters it took, 0 if @s does not start right. */
int scan_uint(const char *s, unsigned long long max, unsigned long long *v);
int scan_eth(const char *s, uint8_t mac[6]);
int scan_ipv4(const char *s, uint32_t *addr);
int scan_in6(const char *s, void *addr);
/*
 * Flags as "0x2/0x12", "+syn-ack" (both only when @mask is not NULL) or
 * "syn|ack", up to @end: the length taken or -EINVAL.
 */
int parse_flags(const char *s, const char *(*name)(uint32_t), char end,
		uint32_t allowed, uint32_t *flags, uint32_t *mask);

void format_eth(struct strbuf *sb, const uint8_t *mac);
/* A VLAN TCI (network order) as vlan() and push_vlan() print it. */
void flow_vlan_format(struct strbuf *sb, uint16_t tci);
void format_flags(struct strbuf *sb, const char *(*name)(uint32_t),
		  uint32_t flags, char del);
void format_flags_masked(struct strbuf *sb, const char *(*name)(uint32_t),
			 uint32_t flags, uint32_t mask, uint32_t max_mask);

#endif /* KVIRT_USER_DP_FLOW_SCAN_H */
