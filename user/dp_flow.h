/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: "kvirt dp" speaks ovs-dpctl's flow syntax; this is the interface
 * between the commands (dp.c) and the two halves of that syntax, flow keys
 * and masks (dp_flow_key.c) and actions (dp_flow_action.c), each both
 * parsed into OVS_*_ATTR_* netlink attributes and formatted back, so that
 * a flow printed by "kvirt dp" reads as ovs-dpctl would print it.
 */
#ifndef KVIRT_USER_DP_FLOW_H
#define KVIRT_USER_DP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTRBUF_SIZE 8192

/* A run of netlink attributes being built, as a nested attribute's body. */
struct attrbuf {
	size_t len;
	bool overflow;		/* something did not fit: the parse fails */
	uint8_t data[ATTRBUF_SIZE];
};

/* A growing string. */
struct strbuf {
	char *s;
	size_t len;
	size_t cap;
};

void ab_put(struct attrbuf *b, int type, const void *data, size_t len);
size_t ab_nest_start(struct attrbuf *b, int type);
void ab_nest_end(struct attrbuf *b, size_t start);

void sb_printf(struct strbuf *sb, const char *fmt, ...);
void sb_chomp(struct strbuf *sb, char c);
void sb_free(struct strbuf *sb);

/*
 * Parse @s, a flow key as ovs-dpctl takes it, into @key and @mask. Returns
 * 0 or -EINVAL with a message in @err.
 */
int flow_key_parse(const char *s, struct attrbuf *key, struct attrbuf *mask,
		   char *err, size_t errlen);
/* Parse one key attribute for set(): returns its length or -EINVAL. */
int flow_key_attr_parse(const char *s, struct attrbuf *key,
			struct attrbuf *mask);
/*
 * Print @key with @mask (may be NULL) as ovs-dpctl does: fields that are
 * fully wildcarded are left out unless @verbose.
 */
void flow_key_format(struct strbuf *sb, const void *key, size_t key_len,
		     const void *mask, size_t mask_len, bool verbose);
/* One key attribute @a, with @ma its mask or NULL (set actions). */
void flow_key_attr_format(struct strbuf *sb, const void *a, const void *ma,
			  bool verbose);

/* Parse ovs-dpctl's action list; "drop" is the empty list. */
int flow_actions_parse(const char *s, struct attrbuf *acts, char *err,
		       size_t errlen);
void flow_actions_format(struct strbuf *sb, const void *acts, size_t len);

/* "ufid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx": its length or 0. */
int ufid_parse(const char *s, uint32_t ufid[4]);
void ufid_format(struct strbuf *sb, const uint32_t ufid[4]);

#endif /* KVIRT_USER_DP_FLOW_H */
