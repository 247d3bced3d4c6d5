// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the pieces of ovs-dpctl's flow syntax that keys and actions share:
 * building netlink attributes, growing strings, numbers, addresses, flag
 * sets ("+syn-ack", "df|csum") and flow ids ("ufid:UUID"), scanned and
 * printed exactly as ovs-dpctl does.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_flow.h"
#include "dp_flow_scan.h"

void ab_put(struct attrbuf *b, int type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(b->data + b->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (b->overflow || b->len + total > sizeof(b->data) ||
	    NLA_HDRLEN + len > 0xffff) {
		b->overflow = true;
		return;
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(b->data + b->len + NLA_HDRLEN, data, len);
	memset(b->data + b->len + NLA_HDRLEN + len, 0,
	       total - NLA_HDRLEN - len);
	b->len += total;
}

size_t ab_nest_start(struct attrbuf *b, int type)
{
	size_t start = b->len;

	ab_put(b, type, NULL, 0);
	return start;
}

void ab_nest_end(struct attrbuf *b, size_t start)
{
	struct nlattr *a = (struct nlattr *)(b->data + start);

	if (b->overflow)
		return;
	if (b->len - start > 0xffff) {
		b->overflow = true;
		return;
	}
	a->nla_len = b->len - start;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (sb->len + n + 1 > sb->cap) {
		size_t cap = (sb->len + n + 1) * 2;
		char *s = realloc(sb->s, cap);

		if (!s) {
			fprintf(stderr, "kvirt dp: out of memory\n");
			exit(1);
		}
		sb->s = s;
		sb->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

void sb_chomp(struct strbuf *sb, char c)
{
	if (sb->len && sb->s[sb->len - 1] == c)
		sb->s[--sb->len] = 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	memset(sb, 0, sizeof(*sb));
}

bool attr_ok(const struct nlattr *a, int left)
{
	return left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left;
}

const struct nlattr *attr_next(const struct nlattr *a, int *left)
{
	*left -= NLA_ALIGN(a->nla_len);
	return (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
}

int scan_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *v > max)
		return 0;
	return end - s;
}

int scan_eth(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int n = 0, i;

	if (!isxdigit((unsigned char)s[0]))
		return 0;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &n) != 6 || !n)
		return 0;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return n;
}

int scan_ipv4(const char *s, uint32_t *addr)
{
	char buf[16];
	size_t n = strspn(s, "0123456789.");

	if (!n || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	return inet_pton(AF_INET, buf, addr) == 1 ? (int)n : 0;
}

int scan_in6(const char *s, void *addr)
{
	char buf[INET6_ADDRSTRLEN];
	size_t n = strspn(s, "0123456789abcdefABCDEF:.");

	if (!n || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	return inet_pton(AF_INET6, buf, addr) == 1 ? (int)n : 0;
}

void format_eth(struct strbuf *sb, const uint8_t *m)
{
	sb_printf(sb, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		  m[4], m[5]);
}

void format_flags(struct strbuf *sb, const char *(*name)(uint32_t),
		  uint32_t flags, char del)
{
	uint32_t bad = 0;

	if (!flags) {
		sb_printf(sb, "0");
		return;
	}
	while (flags) {
		uint32_t bit = flags & -flags;
		const char *s = name(bit);

		if (s)
			sb_printf(sb, "%s%c", s, del);
		else
			bad |= bit;
		flags &= ~bit;
	}
	if (bad)
		sb_printf(sb, "0x%x%c", bad, del);
	sb_chomp(sb, del);
}

void format_flags_masked(struct strbuf *sb, const char *(*name)(uint32_t),
			 uint32_t flags, uint32_t mask, uint32_t max_mask)
{
	if (mask == max_mask) {
		format_flags(sb, name, flags, '|');
		return;
	}
	if (!mask) {
		sb_printf(sb, "0/0");
		return;
	}
	while (mask) {
		uint32_t bit = mask & -mask;
		const char *s = name(bit);

		sb_printf(sb, "%s%s", flags & bit ? "+" : "-",
			  s ? s : "[Unknown]");
		mask &= ~bit;
	}
}

static uint32_t flag_by_name(const char *(*name)(uint32_t), const char *s,
			     size_t len)
{
	uint32_t bit;

	for (bit = 1; bit; bit <<= 1) {
		const char *n = name(bit);

		if (n && strlen(n) == len && !strncmp(n, s, len))
			return bit;
	}
	return 0;
}

int parse_flags(const char *s, const char *(*name)(uint32_t), char end,
		uint32_t allowed, uint32_t *flags, uint32_t *mask)
{
	unsigned long long v, m;
	uint32_t bit, result = 0;
	int n, n2;

	/* Numeric with a mask: 0x002/0x012. */
	n = scan_uint(s, UINT32_MAX, &v);
	if (mask && n && s[n] == '/') {
		n2 = scan_uint(s + n + 1, UINT32_MAX, &m);
		if (!n2 || (v & ~allowed) || (m & ~allowed))
			return -EINVAL;
		*flags = v;
		*mask = m;
		return n + 1 + n2;
	}
	n = 0;
	if (mask && (*s == '+' || *s == '-')) {
		uint32_t fl = 0, ma = 0;

		while (s[n] != end) {
			bool set = s[n] == '+';
			size_t len;

			if (s[n] != '+' && s[n] != '-')
				return -EINVAL;
			n++;
			len = strcspn(s + n, (char[]){ '+', '-', end, 0 });
			bit = flag_by_name(name, s + n, len);
			if (!bit || !(bit & allowed) || (ma & bit))
				return -EINVAL;
			ma |= bit;
			if (set)
				fl |= bit;
			n += len;
		}
		*flags = fl;
		*mask = ma;
		return n;
	}
	/* A set of flags, numbers or names, separated by '|'. */
	while (s[n] != end) {
		size_t len;

		n2 = scan_uint(s + n, UINT32_MAX, &v);
		if (n2) {
			if (v & ~allowed)
				return -EINVAL;
			result |= v;
		} else {
			len = strcspn(s + n, (char[]){ '|', end, 0 });
			bit = flag_by_name(name, s + n, len);
			if (!bit || !(bit & allowed))
				return -EINVAL;
			result |= bit;
			n2 = len;
		}
		n += n2;
		if (s[n] == '|')
			n++;
		else if (s[n] != end)
			return -EINVAL;
	}
	*flags = result;
	if (mask)
		*mask = UINT32_MAX;
	return n;
}

int ufid_parse(const char *s, uint32_t ufid[4])
{
	unsigned int a, b, c, d, e, f;
	int n = 0;

	if (strncasecmp(s, "ufid:", 5))
		return 0;
	if (strspn(s + 5, "0123456789abcdefABCDEF-") < 36 ||
	    sscanf(s + 5, "%8x-%4x-%4x-%4x-%4x%8x%n", &a, &b, &c, &d, &e, &f,
		   &n) != 6 || n != 36)
		return -EINVAL;
	ufid[0] = a;
	ufid[1] = b << 16 | c;
	ufid[2] = d << 16 | e;
	ufid[3] = f;
	return 5 + n;
}

void ufid_format(struct strbuf *sb, const uint32_t ufid[4])
{
	sb_printf(sb, "ufid:%08x-%04x-%04x-%04x-%04x%08x", ufid[0],
		  ufid[1] >> 16, ufid[1] & 0xffff, ufid[2] >> 16,
		  ufid[2] & 0xffff, ufid[3]);
}
