// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the raw generic netlink helper of the datapath selftests and
 * their shared setup (see nl_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nl_util.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define ATTR_DATA(a) ((char *)(a) + NLA_HDRLEN)

static struct nlattr *next_attr(const struct nlattr *a)
{
	return (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
}

int nlu_open(struct nlu *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int one = 1, big = 1 << 20;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &len)) {
		close(s->fd);
		return -errno;
	}
	s->portid = sa.nl_pid;
	s->seq = 1;
	return 0;
}

void nlu_close(struct nlu *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int nlu_join(struct nlu *s, uint32_t group)
{
	return setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
			  sizeof(group)) ? -errno : 0;
}

void nlu_init(struct nlu_msg *m, uint16_t family, uint16_t flags, uint8_t cmd,
	      uint8_t version, int dp_ifindex)
{
	struct genlmsghdr *g;
	struct ovs_header *oh;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN + sizeof(*oh));
	m->nh.nlmsg_type = family;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->nh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	g = NLMSG_DATA(&m->nh);
	g->cmd = cmd;
	g->version = version;
	if (family == GENL_ID_CTRL)
		return;
	oh = (struct ovs_header *)((char *)g + GENL_HDRLEN);
	oh->dp_ifindex = dp_ifindex;
	m->nh.nlmsg_len += sizeof(*oh);
}

void nlu_put(struct nlu_msg *m, int type, const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(ATTR_DATA(a), data, len);
	memset(ATTR_DATA(a) + len, 0, NLA_ALIGN(len) - len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

void nlu_put_u32(struct nlu_msg *m, int type, uint32_t v)
{
	nlu_put(m, type, &v, sizeof(v));
}

void nlu_put_str(struct nlu_msg *m, int type, const char *s)
{
	nlu_put(m, type, s, strlen(s) + 1);
}

struct nlattr *nlu_nest(struct nlu_msg *m, int type)
{
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->nh.nlmsg_len));

	nlu_put(m, type | NLA_F_NESTED, NULL, 0);
	return a;
}

void nlu_nest_end(struct nlu_msg *m, struct nlattr *nest)
{
	nest->nla_len = m->buf + m->nh.nlmsg_len - (char *)nest;
}

static int send_msg(struct nlu *s, struct nlu_msg *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	m->nh.nlmsg_seq = ++s->seq;
	m->nh.nlmsg_pid = s->portid;
	if (sendto(s->fd, m->buf, m->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

int nlu_recv_timeout(struct nlu *s, struct nlu_msg *m, int ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return -ETIMEDOUT;
	n = recv(s->fd, m->buf, sizeof(m->buf), 0);
	if (n < 0)
		return -errno;
	return n >= NLMSG_HDRLEN ? 0 : -EBADMSG;
}

/* The extack message among the TLVs from @a to the end of @nh. */
static void ext_msg(struct nlu *s, const struct nlmsghdr *nh,
		    const struct nlattr *a)
{
	const char *end = (const char *)nh + nh->nlmsg_len;

	s->errmsg[0] = 0;
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	for (; (const char *)a + NLA_HDRLEN <= end && a->nla_len >= NLA_HDRLEN;
	     a = next_attr(a))
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(s->errmsg, sizeof(s->errmsg), "%s",
				 ATTR_DATA(a));
}

/* The errno and extack message of an NLMSG_ERROR (capped ack). */
static int ack_error(struct nlu *s, const struct nlmsghdr *nh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);

	ext_msg(s, nh, (const void *)((const char *)e + sizeof(*e)));
	return e->error;
}

/* Messages answering @seq until its ack, error or NLMSG_DONE. */
static int collect(struct nlu *s, uint32_t seq, struct nlu_msg *reply,
		   void (*fn)(const struct nlu_msg *m, void *arg), void *arg)
{
	static struct nlu_msg in;
	int count = 0;

	for (;;) {
		struct nlmsghdr *nh;
		ssize_t n = recv(s->fd, in.buf, sizeof(in.buf), 0);

		if (n < 0)
			return -errno;
		for (nh = &in.nh; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ack_error(s, nh) ?: count;
			/* A dump that failed says so in its DONE message. */
			if (nh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
					memcpy(&err, NLMSG_DATA(nh), sizeof(err));
				ext_msg(s, nh, (const void *)((const char *)
					NLMSG_DATA(nh) + sizeof(err)));
				return err < 0 ? err : count;
			}
			count++;
			if (reply)
				memcpy(reply->buf, nh, nh->nlmsg_len);
			if (fn) {
				struct nlu_msg *copy = malloc(sizeof(*copy));

				memcpy(copy->buf, nh, nh->nlmsg_len);
				fn(copy, arg);
				free(copy);
			}
		}
	}
}

int nlu_request(struct nlu *s, struct nlu_msg *req, struct nlu_msg *reply)
{
	int err;

	req->nh.nlmsg_flags |= NLM_F_ACK;
	if (reply)
		memset(&reply->nh, 0, sizeof(reply->nh));
	err = send_msg(s, req);
	if (err)
		return err;
	err = collect(s, req->nh.nlmsg_seq, reply, NULL, NULL);
	return err < 0 ? err : 0;
}

int nlu_dump(struct nlu *s, struct nlu_msg *req,
	     void (*fn)(const struct nlu_msg *m, void *arg), void *arg)
{
	int err;

	req->nh.nlmsg_flags |= NLM_F_DUMP;
	err = send_msg(s, req);
	if (err)
		return err;
	return collect(s, req->nh.nlmsg_seq, NULL, fn, arg);
}

static int parse_range(const struct nlattr *a, int len,
		       const struct nlattr **tb, int max)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = next_attr(a)) {
		int type = a->nla_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = a;
	}
	return 0;
}

static int hdr_len(const struct nlu_msg *m)
{
	return m->nh.nlmsg_type == GENL_ID_CTRL ? GENL_HDRLEN :
		GENL_HDRLEN + sizeof(struct ovs_header);
}

int nlu_parse_msg(const struct nlu_msg *m, const struct nlattr **tb, int max)
{
	const char *start = (const char *)NLMSG_DATA(&m->nh) + hdr_len(m);
	int len = m->nh.nlmsg_len - NLMSG_HDRLEN - hdr_len(m);

	return parse_range((const struct nlattr *)start, len, tb, max);
}

int nlu_parse(const struct nlattr *nest, const struct nlattr **tb, int max)
{
	return parse_range((const struct nlattr *)ATTR_DATA(nest),
			   nest->nla_len - NLA_HDRLEN, tb, max);
}

uint8_t nlu_cmd(const struct nlu_msg *m)
{
	return ((const struct genlmsghdr *)NLMSG_DATA(&m->nh))->cmd;
}

int nlu_dp_ifindex(const struct nlu_msg *m)
{
	const char *g = NLMSG_DATA(&m->nh);

	return ((const struct ovs_header *)(g + GENL_HDRLEN))->dp_ifindex;
}

uint32_t nlu_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, ATTR_DATA(a), sizeof(v));
	return v;
}

const void *nlu_data(const struct nlattr *a)
{
	return ATTR_DATA(a);
}

int nlu_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

int nlu_get_family(struct nlu *s, const char *name, struct nlu_family *f)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *g, *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	static struct nlu_msg m, r;
	int err, left;

	nlu_init(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1, 0);
	nlu_put_str(&m, CTRL_ATTR_FAMILY_NAME, name);
	err = nlu_request(s, &m, &r);
	if (err)
		return err;
	memset(f, 0, sizeof(*f));
	nlu_parse_msg(&r, tb, CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EBADMSG;
	memcpy(&f->id, nlu_data(tb[CTRL_ATTR_FAMILY_ID]), sizeof(f->id));
	if (tb[CTRL_ATTR_VERSION])
		f->version = nlu_u32(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_HDRSIZE])
		f->hdrsize = nlu_u32(tb[CTRL_ATTR_HDRSIZE]);
	if (tb[CTRL_ATTR_MAXATTR])
		f->maxattr = nlu_u32(tb[CTRL_ATTR_MAXATTR]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	g = nlu_data(tb[CTRL_ATTR_MCAST_GROUPS]);
	for (left = nlu_len(tb[CTRL_ATTR_MCAST_GROUPS]);
	     left >= NLA_HDRLEN && f->n_groups < 4;
	     left -= NLA_ALIGN(g->nla_len), g = next_attr(g)) {
		nlu_parse(g, gtb, CTRL_ATTR_MCAST_GRP_MAX);
		if (!gtb[CTRL_ATTR_MCAST_GRP_ID] || !gtb[CTRL_ATTR_MCAST_GRP_NAME])
			continue;
		f->group_ids[f->n_groups] = nlu_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
		snprintf(f->group_names[f->n_groups], GENL_NAMSIZ, "%s",
			 (const char *)nlu_data(gtb[CTRL_ATTR_MCAST_GRP_NAME]));
		f->n_groups++;
	}
	return 0;
}

uint32_t nlu_group(const struct nlu_family *f, const char *name)
{
	int i;

	for (i = 0; i < f->n_groups; i++)
		if (!strcmp(f->group_names[i], name))
			return f->group_ids[i];
	return 0;
}

void nlu_key_text(const struct nlattr *nest, char *out, size_t size)
{
	const uint8_t *d = nlu_data(nest);
	int left = nlu_len(nest), i;
	size_t o = strlen(out);

	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)d;
		int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > left)
			break;
		if (type < OVS_KEY_ATTR_CT_STATE ||
		    type > OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6) {
			o += snprintf(out + o, size - o, "%d(", type);
			if (type == OVS_KEY_ATTR_ENCAP) {
				nlu_key_text(a, out, size);
				o = strlen(out);
			} else {
				for (i = 0; i < nlu_len(a); i++)
					o += snprintf(out + o, size - o, "%02x",
						      ((const uint8_t *)nlu_data(a))[i]);
			}
			o += snprintf(out + o, size - o, ")");
		}
		d += NLA_ALIGN(a->nla_len);
		left -= NLA_ALIGN(a->nla_len);
	}
}

int ovs_resolve(struct nlu *s, struct ovs_families *f)
{
	return nlu_get_family(s, OVS_DATAPATH_FAMILY, &f->dp) ?:
		nlu_get_family(s, OVS_VPORT_FAMILY, &f->vport) ?:
		nlu_get_family(s, OVS_FLOW_FAMILY, &f->flow) ?:
		nlu_get_family(s, OVS_PACKET_FAMILY, &f->packet);
}

int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return r == 0 ? 0 : -EIO;
}

int add_veth(const char *a, const char *b)
{
	return run("set -e; ip link add %s type veth peer name %s; "
		   "sysctl -qw net.ipv6.conf.%s.disable_ipv6=1; "
		   "sysctl -qw net.ipv6.conf.%s.disable_ipv6=1; "
		   "ip link set %s up; ip link set %s up", a, b, a, b, a, b);
}

int dp_objects(long *n)
{
	static const char *const names[DP_N_OBJECTS] = {
		"datapaths", "vports", "flows", "masks", "actions",
	};
	char name[32];
	long v;
	FILE *f = fopen(DP_OBJECTS, "r");
	int i, found = 0;

	if (!f)
		return -errno;
	while (fscanf(f, "%31s %ld", name, &v) == 2)
		for (i = 0; i < DP_N_OBJECTS; i++)
			if (!strcmp(name, names[i])) {
				n[i] = v;
				found++;
			}
	fclose(f);
	return found == DP_N_OBJECTS ? 0 : -EPROTO;
}

bool dp_objects_back(const long *base, long *now, int ms)
{
	long buf[DP_N_OBJECTS];
	int t;

	if (!now)
		now = buf;
	for (t = 0; t <= ms; t += 100) {
		if (!dp_objects(now) &&
		    !memcmp(base, now, DP_N_OBJECTS * sizeof(*now)))
			return true;
		usleep(100 * 1000);
	}
	return false;
}

const char *dp_module_name(enum dp_module m)
{
	return m == DP_KVIRT ? "kvirt_dp" : "openvswitch";
}

bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

int dp_module_unload(enum dp_module m)
{
	if (!module_loaded(dp_module_name(m)))
		return 0;
	return syscall(SYS_delete_module, dp_module_name(m), O_NONBLOCK) ?
		-errno : 0;
}

/* The other module goes first: both cannot hold the families. */
int dp_module_load(enum dp_module m)
{
	const char *ko = getenv("KVIRT_DP_KO");
	int err, fd;

	err = dp_module_unload(m == DP_KVIRT ? DP_OVS : DP_KVIRT);
	if (err || module_loaded(dp_module_name(m)))
		return err;
	if (m == DP_OVS)
		return run("modprobe openvswitch");
	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return err;
}
