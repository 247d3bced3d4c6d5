// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the control plane ovs-vswitchd talks to: the ovs_datapath,
 * ovs_vport, ovs_flow and ovs_packet genetlink families with the names,
 * versions, policies and multicast groups of linux/openvswitch.h, and the
 * life of datapaths. Every command checks its whole request before it
 * changes anything, answers the errno OVS answers and says why in extack;
 * NEW, DEL and SET replies go out as notifications (to the requester with
 * NLM_F_ECHO), GET replies as plain replies, as in OVS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/netns/generic.h>

#include "datapath.h"

static DEFINE_MUTEX(kvirt_dp_mutex);

void kvirt_dp_lock(void)
{
	mutex_lock(&kvirt_dp_mutex);
}

void kvirt_dp_unlock(void)
{
	mutex_unlock(&kvirt_dp_mutex);
}

/* For RCU checks: without lockdep, callers are trusted (as in OVS). */
bool kvirt_dp_lock_held(void)
{
	return !IS_ENABLED(CONFIG_LOCKDEP) || lockdep_is_held(&kvirt_dp_mutex);
}

static struct genl_family dp_family;
static struct genl_family vport_family;

const char *kvirt_dp_name(const struct kvirt_dp *dp)
{
	return dp->local->dev->name;
}

/* NEW, DEL and SET answer through the family's multicast group. */
static void notify(const struct genl_family *family, struct sk_buff *reply,
		   struct genl_info *info)
{
	genl_notify(family, reply, info, 0, GFP_KERNEL);
}

/* Missing a required attribute: EINVAL, with the attribute named. */
#define missing(info, type, msg) ({					\
	struct genl_info *__mi = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__mi, type);		\
									\
	if (__missing)							\
		NL_SET_ERR_MSG_MOD(__mi->extack, msg);		\
	__missing;							\
})

/**
 * kvirt_dp_by_ifindex() - the datapath a dp_ifindex names
 * @net: the requester's network namespace
 * @ifindex: that of any of the datapath's internal ports, as in OVS
 *
 * Context: under kvirt_dp_lock() or RCU.
 * Return: the datapath, or NULL.
 */
struct kvirt_dp *kvirt_dp_by_ifindex(struct net *net, int ifindex)
{
	struct kvirt_dp_vport *vport = NULL;
	struct net_device *dev;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(net, ifindex);
	if (dev)
		vport = kvirt_dp_internal_vport(dev);
	rcu_read_unlock();
	return vport ? vport->dp : NULL;
}

/* A datapath by OVS_DP_ATTR_NAME if given, else by dp_ifindex. */
static struct kvirt_dp *lookup_dp(struct net *net, struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	struct nlattr *name = info->attrs[OVS_DP_ATTR_NAME];
	struct kvirt_dp_vport *vport;
	struct kvirt_dp *dp;

	if (name) {
		vport = kvirt_dp_vport_locate(net, nla_data(name));
		dp = vport && vport->port_no == OVSP_LOCAL ? vport->dp : NULL;
		if (!dp)
			NL_SET_ERR_MSG_ATTR(info->extack, name,
					    "no datapath with this name");
	} else {
		dp = kvirt_dp_by_ifindex(net, hdr->dp_ifindex);
		if (!dp)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "no datapath with this dp_ifindex");
	}
	return dp ?: ERR_PTR(-ENODEV);
}

static void dp_get_stats(const struct kvirt_dp *dp, struct ovs_dp_stats *st,
			 struct ovs_dp_megaflow_stats *mf)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	memset(mf, 0, sizeof(*mf));
	st->n_flows = dp->table.count;
	mf->n_masks = dp->table.n_masks;
	for_each_possible_cpu(cpu) {
		const struct kvirt_dp_stats *s = per_cpu_ptr(dp->stats, cpu);
		u64 hit, missed, lost, mask_hit, cache_hit;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			hit = s->n_hit;
			missed = s->n_missed;
			lost = s->n_lost;
			mask_hit = s->n_mask_hit;
			cache_hit = s->n_cache_hit;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		st->n_hit += hit;
		st->n_missed += missed;
		st->n_lost += lost;
		mf->n_mask_hit += mask_hit;
		mf->n_cache_hit += cache_hit;
	}
}

static size_t dp_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct ovs_header))
		+ nla_total_size(IFNAMSIZ)				/* NAME */
		+ nla_total_size_64bit(sizeof(struct ovs_dp_stats))
		+ nla_total_size_64bit(sizeof(struct ovs_dp_megaflow_stats))
		+ nla_total_size(sizeof(u32))			/* USER_FEATURES */
		+ nla_total_size(sizeof(u32))			/* MASKS_CACHE_SIZE */
		+ nla_total_size(nr_cpu_ids * sizeof(u32));	/* PER_CPU_PIDS */
}

/* Under kvirt_dp_lock(). */
static int dp_fill(struct kvirt_dp *dp, struct sk_buff *skb, u32 portid,
		   u32 seq, u32 flags, u8 cmd)
{
	const struct kvirt_dp_pids *pids = kvirt_dp_deref(dp->cpu_pids);
	struct ovs_dp_megaflow_stats mf;
	struct ovs_dp_stats st;
	struct ovs_header *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dp_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	hdr->dp_ifindex = dp->ifindex;
	dp_get_stats(dp, &st, &mf);
	if (nla_put_string(skb, OVS_DP_ATTR_NAME, kvirt_dp_name(dp)) ||
	    nla_put_64bit(skb, OVS_DP_ATTR_STATS, sizeof(st), &st,
			  OVS_DP_ATTR_PAD) ||
	    nla_put_64bit(skb, OVS_DP_ATTR_MEGAFLOW_STATS, sizeof(mf), &mf,
			  OVS_DP_ATTR_PAD) ||
	    nla_put_u32(skb, OVS_DP_ATTR_USER_FEATURES, dp->user_features) ||
	    nla_put_u32(skb, OVS_DP_ATTR_MASKS_CACHE_SIZE,
			dp->masks_cache_size))
		goto cancel;
	if (dp->user_features & OVS_DP_F_DISPATCH_UPCALL_PER_CPU && pids &&
	    nla_put(skb, OVS_DP_ATTR_PER_CPU_PIDS,
		    min(pids->n, nr_cpu_ids) * sizeof(u32), pids->pids))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* What NEW and SET change, checked whole before any of it is applied. */
struct dp_change {
	u32 features;
	u32 masks_cache_size;
	struct kvirt_dp_pids *cpu_pids;
	struct kvirt_dp_mask_cache *cache;
};

static int dp_change_check(const struct kvirt_dp *dp, struct genl_info *info,
			   struct dp_change *c)
{
	struct nlattr **a = info->attrs;
	int err;

	/* No USER_FEATURES means none: that is how userspace resets them. */
	c->features = 0;
	if (a[OVS_DP_ATTR_USER_FEATURES]) {
		c->features = nla_get_u32(a[OVS_DP_ATTR_USER_FEATURES]);
		if (c->features & ~KVIRT_DP_FEATURES) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    a[OVS_DP_ATTR_USER_FEATURES],
					    "unsupported datapath features");
			return -EOPNOTSUPP;
		}
	}
	c->masks_cache_size = dp->masks_cache_size;
	if (a[OVS_DP_ATTR_MASKS_CACHE_SIZE]) {
		c->masks_cache_size =
			nla_get_u32(a[OVS_DP_ATTR_MASKS_CACHE_SIZE]);
		if (c->masks_cache_size &&
		    !is_power_of_2(c->masks_cache_size)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    a[OVS_DP_ATTR_MASKS_CACHE_SIZE],
					    "masks cache size must be 0 or a power of 2");
			return -EINVAL;
		}
	}
	c->cpu_pids = NULL;
	if (c->features & OVS_DP_F_DISPATCH_UPCALL_PER_CPU &&
	    a[OVS_DP_ATTR_PER_CPU_PIDS]) {
		err = kvirt_dp_pids_check(a[OVS_DP_ATTR_PER_CPU_PIDS], U32_MAX,
					  info->extack);
		if (err)
			return err;
		c->cpu_pids = kvirt_dp_pids_from_attr(a[OVS_DP_ATTR_PER_CPU_PIDS]);
		if (!c->cpu_pids)
			return -ENOMEM;
	}
	c->cache = NULL;
	if (c->masks_cache_size != dp->masks_cache_size) {
		c->cache = kvirt_dp_mask_cache_alloc(c->masks_cache_size);
		if (!c->cache) {
			kfree(c->cpu_pids);
			return -ENOMEM;
		}
	}
	return 0;
}

static void dp_change_apply(struct kvirt_dp *dp, struct dp_change *c)
{
	struct kvirt_dp_pids *old;

	WRITE_ONCE(dp->user_features, c->features);
	dp->masks_cache_size = c->masks_cache_size;
	if (c->cache)
		kvirt_dp_table_set_cache(&dp->table, c->cache);
	if (c->cpu_pids) {
		old = rcu_replace_pointer(dp->cpu_pids, c->cpu_pids,
					  kvirt_dp_lock_held());
		if (old)
			kfree_rcu(old, rcu);
	}
}

static void dp_free(struct kvirt_dp *dp)
{
	kvirt_dp_table_free(&dp->table);
	free_percpu(dp->stats);
	kfree(rcu_dereference_raw(dp->cpu_pids));
	kfree(dp);
	kvirt_dp_obj_put(KVIRT_DP_OBJ_DATAPATHS);
}

static void dp_free_rcu(struct rcu_head *rcu)
{
	dp_free(container_of(rcu, struct kvirt_dp, rcu));
}

/*
 * An old userspace (genl version below OVS_DP_VER_FEATURES) that finds its
 * datapath already there will reuse it without knowing about features:
 * drop them, as OVS does.
 */
static void dp_reset_features(struct net *net, const char *name)
{
	struct kvirt_dp_vport *vport = kvirt_dp_vport_locate(net, name);

	if (!vport || vport->port_no != OVSP_LOCAL)
		return;
	pr_warn("%s: dropping the features of an older userspace\n", name);
	WRITE_ONCE(vport->dp->user_features, 0);
}

static int dp_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	struct kvirt_dp_net *kn = net_generic(genl_info_net(info),
					      kvirt_dp_net_id);
	struct nlattr **a = info->attrs;
	struct kvirt_dp_vport_parms parms = {};
	struct kvirt_dp_vport *local;
	struct dp_change change;
	struct sk_buff *reply;
	struct kvirt_dp *dp;
	int err, i;

	if (missing(info, OVS_DP_ATTR_NAME, "datapath name missing") ||
	    missing(info, OVS_DP_ATTR_UPCALL_PID, "upcall pid missing"))
		return -EINVAL;
	reply = genlmsg_new(dp_msg_size(), GFP_KERNEL);
	dp = kzalloc(sizeof(*dp), GFP_KERNEL);
	if (dp)
		kvirt_dp_obj_get(KVIRT_DP_OBJ_DATAPATHS);
	if (!reply || !dp)
		goto nomem;
	dp->stats = netdev_alloc_pcpu_stats(struct kvirt_dp_stats);
	if (!dp->stats || kvirt_dp_table_init(&dp->table))
		goto nomem;
	write_pnet(&dp->net, genl_info_net(info));
	for (i = 0; i < KVIRT_DP_PORT_BUCKETS; i++)
		INIT_HLIST_HEAD(&dp->ports[i]);
	dp->masks_cache_size = KVIRT_DP_MASKS_CACHE_DEFAULT;

	parms.name = nla_data(a[OVS_DP_ATTR_NAME]);
	parms.type = OVS_VPORT_TYPE_INTERNAL;
	parms.dp = dp;
	parms.port_no = OVSP_LOCAL;
	parms.upcall_pids = a[OVS_DP_ATTR_UPCALL_PID];
	if (a[OVS_DP_ATTR_IFINDEX])
		parms.ifindex = nla_get_s32(a[OVS_DP_ATTR_IFINDEX]);
	parms.extack = info->extack;

	kvirt_dp_lock();
	err = dp_change_check(dp, info, &change);
	if (err)
		goto unlock;
	dp_change_apply(dp, &change);
	local = kvirt_dp_vport_add(&parms);
	if (IS_ERR(local)) {
		err = PTR_ERR(local);
		/* A taken ifindex is a datapath that exists, too. */
		if (err == -EBUSY)
			err = -EEXIST;
		if (err == -EEXIST &&
		    info->genlhdr->version < OVS_DP_VER_FEATURES)
			dp_reset_features(genl_info_net(info), parms.name);
		goto unlock;
	}
	dp->local = local;
	dp->ifindex = local->dev->ifindex;
	err = dp_fill(dp, reply, info->snd_portid, info->snd_seq, 0,
		      OVS_DP_CMD_NEW);
	WARN_ON_ONCE(err);
	list_add_tail_rcu(&dp->node, &kn->dps);
	kvirt_dp_unlock();
	notify(&dp_family, reply, info);
	return 0;

unlock:
	kvirt_dp_unlock();
	nlmsg_free(reply);
	dp_free(dp);
	return err;

nomem:
	nlmsg_free(reply);
	if (dp)
		dp_free(dp);
	return -ENOMEM;
}

/**
 * kvirt_dp_destroy() - take a datapath and all its ports down
 * @dp: the datapath, under kvirt_dp_lock()
 *
 * The other ports go first (they are the local port's lower devices), the
 * local port last; the datapath is freed after an RCU grace period.
 */
void kvirt_dp_destroy(struct kvirt_dp *dp)
{
	struct kvirt_dp_vport *vport;
	struct hlist_node *next;
	int i;

	for (i = 0; i < KVIRT_DP_PORT_BUCKETS; i++)
		hlist_for_each_entry_safe(vport, next, &dp->ports[i], node)
			if (vport != dp->local)
				kvirt_dp_vport_del(vport);
	kvirt_dp_flow_flush(&dp->table);
	list_del_rcu(&dp->node);
	kvirt_dp_vport_del(dp->local);
	call_rcu(&dp->rcu, dp_free_rcu);
}

static int dp_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	struct kvirt_dp *dp;
	int err;

	reply = genlmsg_new(dp_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	kvirt_dp_lock();
	dp = lookup_dp(genl_info_net(info), info);
	if (IS_ERR(dp)) {
		kvirt_dp_unlock();
		nlmsg_free(reply);
		return PTR_ERR(dp);
	}
	err = dp_fill(dp, reply, info->snd_portid, info->snd_seq, 0,
		      OVS_DP_CMD_DEL);
	WARN_ON_ONCE(err);
	kvirt_dp_destroy(dp);
	kvirt_dp_unlock();
	notify(&dp_family, reply, info);
	return 0;
}

static int dp_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dp_change change;
	struct sk_buff *reply;
	struct kvirt_dp *dp;
	int err;

	reply = genlmsg_new(dp_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	kvirt_dp_lock();
	dp = lookup_dp(genl_info_net(info), info);
	err = PTR_ERR_OR_ZERO(dp);
	if (!err)
		err = dp_change_check(dp, info, &change);
	if (err) {
		kvirt_dp_unlock();
		nlmsg_free(reply);
		return err;
	}
	dp_change_apply(dp, &change);
	err = dp_fill(dp, reply, info->snd_portid, info->snd_seq, 0,
		      OVS_DP_CMD_SET);
	WARN_ON_ONCE(err);
	kvirt_dp_unlock();
	notify(&dp_family, reply, info);
	return 0;
}

static int dp_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	struct kvirt_dp *dp;
	int err;

	reply = genlmsg_new(dp_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	kvirt_dp_lock();
	dp = lookup_dp(genl_info_net(info), info);
	if (IS_ERR(dp)) {
		kvirt_dp_unlock();
		nlmsg_free(reply);
		return PTR_ERR(dp);
	}
	err = dp_fill(dp, reply, info->snd_portid, info->snd_seq, 0,
		      OVS_DP_CMD_GET);
	WARN_ON_ONCE(err);
	kvirt_dp_unlock();
	return genlmsg_reply(reply, info);
}

static int dp_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvirt_dp_net *kn = net_generic(sock_net(skb->sk),
					      kvirt_dp_net_id);
	long skip = cb->args[0], i = 0;
	struct kvirt_dp *dp;

	kvirt_dp_lock();
	list_for_each_entry(dp, &kn->dps, node) {
		if (i >= skip &&
		    dp_fill(dp, skb, NETLINK_CB(cb->skb).portid,
			    cb->nlh->nlmsg_seq, NLM_F_MULTI, OVS_DP_CMD_GET))
			break;
		i++;
	}
	kvirt_dp_unlock();
	cb->args[0] = i;
	return skb->len;
}

static size_t vport_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct ovs_header))
		+ nla_total_size(sizeof(u32))			/* PORT_NO */
		+ nla_total_size(sizeof(u32))			/* TYPE */
		+ nla_total_size(IFNAMSIZ)			/* NAME */
		+ nla_total_size(sizeof(u32))			/* IFINDEX */
		+ nla_total_size(sizeof(s32))			/* NETNSID */
		+ nla_total_size_64bit(sizeof(struct ovs_vport_stats))
		+ nla_total_size(nr_cpu_ids * sizeof(u32));	/* UPCALL_PID */
}

/* Under kvirt_dp_lock(); @net is the requester's. */
static int vport_fill(struct kvirt_dp_vport *vport, struct sk_buff *skb,
		      struct net *net, u32 portid, u32 seq, u32 flags, u8 cmd)
{
	struct ovs_vport_stats stats;
	struct ovs_header *hdr;
	struct net *dev_net_;

	hdr = genlmsg_put(skb, portid, seq, &vport_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	hdr->dp_ifindex = vport->dp->ifindex;
	kvirt_dp_vport_get_stats(vport, &stats);
	if (nla_put_u32(skb, OVS_VPORT_ATTR_PORT_NO, vport->port_no) ||
	    nla_put_u32(skb, OVS_VPORT_ATTR_TYPE, vport->ops->type) ||
	    nla_put_string(skb, OVS_VPORT_ATTR_NAME, vport->dev->name) ||
	    nla_put_u32(skb, OVS_VPORT_ATTR_IFINDEX, vport->dev->ifindex))
		goto cancel;
	/* A device on its way to another netns, until the vport goes. */
	dev_net_ = dev_net(vport->dev);
	if (!net_eq(net, dev_net_) &&
	    nla_put_s32(skb, OVS_VPORT_ATTR_NETNSID,
			peernet2id_alloc(net, dev_net_, GFP_KERNEL)))
		goto cancel;
	if (nla_put_64bit(skb, OVS_VPORT_ATTR_STATS, sizeof(stats), &stats,
			  OVS_VPORT_ATTR_PAD) ||
	    kvirt_dp_vport_put_upcall_pids(vport, skb))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* A vport by OVS_VPORT_ATTR_NAME, else by dp_ifindex and PORT_NO. */
static struct kvirt_dp_vport *lookup_vport(struct net *net,
					   struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	struct nlattr **a = info->attrs;
	struct kvirt_dp_vport *vport;
	struct kvirt_dp *dp;
	u32 port_no;

	if (a[OVS_VPORT_ATTR_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_IFINDEX],
				    "vports cannot be looked up by ifindex");
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (a[OVS_VPORT_ATTR_NAME]) {
		vport = kvirt_dp_vport_locate(net,
					      nla_data(a[OVS_VPORT_ATTR_NAME]));
		if (!vport) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_NAME],
					    "no vport with this name");
			return ERR_PTR(-ENODEV);
		}
		if (hdr->dp_ifindex && hdr->dp_ifindex != vport->dp->ifindex) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "the vport is in another datapath");
			return ERR_PTR(-ENODEV);
		}
		return vport;
	}
	if (!a[OVS_VPORT_ATTR_PORT_NO]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "vport name or port number required");
		return ERR_PTR(-EINVAL);
	}
	port_no = nla_get_u32(a[OVS_VPORT_ATTR_PORT_NO]);
	if (port_no >= KVIRT_DP_MAX_PORTS) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_PORT_NO],
				    "port number out of range");
		return ERR_PTR(-EFBIG);
	}
	dp = kvirt_dp_by_ifindex(net, hdr->dp_ifindex);
	if (!dp) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no datapath with this dp_ifindex");
		return ERR_PTR(-ENODEV);
	}
	vport = kvirt_dp_vport_lookup(dp, port_no);
	if (!vport) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_PORT_NO],
				    "no vport with this number");
		return ERR_PTR(-ENODEV);
	}
	return vport;
}

/* The lowest free port number from 1, or 0 when the datapath is full. */
static u32 free_port_no(const struct kvirt_dp *dp)
{
	u32 port_no;

	for (port_no = 1; port_no < KVIRT_DP_MAX_PORTS; port_no++)
		if (!kvirt_dp_vport_lookup(dp, port_no))
			return port_no;
	return 0;
}

static int vport_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	struct nlattr **a = info->attrs;
	struct kvirt_dp_vport_parms parms = {};
	struct kvirt_dp_vport *vport;
	struct sk_buff *reply;
	u32 port_no = 0;
	int err;

	if (missing(info, OVS_VPORT_ATTR_NAME, "vport name missing") ||
	    missing(info, OVS_VPORT_ATTR_TYPE, "vport type missing") ||
	    missing(info, OVS_VPORT_ATTR_UPCALL_PID, "upcall pid missing"))
		return -EINVAL;
	parms.type = nla_get_u32(a[OVS_VPORT_ATTR_TYPE]);
	if (a[OVS_VPORT_ATTR_IFINDEX] &&
	    parms.type != OVS_VPORT_TYPE_INTERNAL) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_IFINDEX],
				    "only internal ports can choose their ifindex");
		return -EOPNOTSUPP;
	}
	if (a[OVS_VPORT_ATTR_PORT_NO])
		port_no = nla_get_u32(a[OVS_VPORT_ATTR_PORT_NO]);
	if (port_no >= KVIRT_DP_MAX_PORTS) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_PORT_NO],
				    "port number out of range");
		return -EFBIG;
	}
	reply = genlmsg_new(vport_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	kvirt_dp_lock();
	parms.dp = kvirt_dp_by_ifindex(genl_info_net(info), hdr->dp_ifindex);
	if (!parms.dp) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no datapath with this dp_ifindex");
		err = -ENODEV;
		goto fail;
	}
	if (port_no && kvirt_dp_vport_lookup(parms.dp, port_no)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_PORT_NO],
				    "port number in use");
		err = -EBUSY;
		goto fail;
	}
	if (!port_no) {
		port_no = free_port_no(parms.dp);
		if (!port_no) {
			NL_SET_ERR_MSG_MOD(info->extack, "datapath is full");
			err = -EFBIG;
			goto fail;
		}
	}
	parms.name = nla_data(a[OVS_VPORT_ATTR_NAME]);
	parms.port_no = port_no;
	parms.upcall_pids = a[OVS_VPORT_ATTR_UPCALL_PID];
	if (a[OVS_VPORT_ATTR_IFINDEX])
		parms.ifindex = nla_get_s32(a[OVS_VPORT_ATTR_IFINDEX]);
	parms.extack = info->extack;
	vport = kvirt_dp_vport_add(&parms);
	if (IS_ERR(vport)) {
		err = PTR_ERR(vport);
		goto fail;
	}
	err = vport_fill(vport, reply, genl_info_net(info), info->snd_portid,
			 info->snd_seq, 0, OVS_VPORT_CMD_NEW);
	WARN_ON_ONCE(err);
	kvirt_dp_unlock();
	notify(&vport_family, reply, info);
	return 0;

fail:
	kvirt_dp_unlock();
	nlmsg_free(reply);
	return err;
}

static int vport_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct kvirt_dp_vport *vport;
	struct sk_buff *reply;
	int err;

	reply = genlmsg_new(vport_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	kvirt_dp_lock();
	vport = lookup_vport(genl_info_net(info), info);
	err = PTR_ERR_OR_ZERO(vport);
	if (err)
		goto fail;
	if (a[OVS_VPORT_ATTR_TYPE] &&
	    nla_get_u32(a[OVS_VPORT_ATTR_TYPE]) != vport->ops->type) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_TYPE],
				    "a vport's type cannot change");
		err = -EINVAL;
		goto fail;
	}
	if (a[OVS_VPORT_ATTR_OPTIONS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[OVS_VPORT_ATTR_OPTIONS],
				    "this vport type has no options");
		err = -EOPNOTSUPP;
		goto fail;
	}
	if (a[OVS_VPORT_ATTR_UPCALL_PID]) {
		err = kvirt_dp_pids_check(a[OVS_VPORT_ATTR_UPCALL_PID],
					  nr_cpu_ids, info->extack) ?:
		      kvirt_dp_vport_set_upcall_pids(vport,
						     a[OVS_VPORT_ATTR_UPCALL_PID]);
		if (err)
			goto fail;
	}
	err = vport_fill(vport, reply, genl_info_net(info), info->snd_portid,
			 info->snd_seq, 0, OVS_VPORT_CMD_SET);
	WARN_ON_ONCE(err);
	kvirt_dp_unlock();
	notify(&vport_family, reply, info);
	return 0;

fail:
	kvirt_dp_unlock();
	nlmsg_free(reply);
	return err;
}

static int vport_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kvirt_dp_vport *vport;
	struct sk_buff *reply;
	int err;

	reply = genlmsg_new(vport_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	kvirt_dp_lock();
	vport = lookup_vport(genl_info_net(info), info);
	err = PTR_ERR_OR_ZERO(vport);
	if (!err && vport->port_no == OVSP_LOCAL) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the local port goes only with its datapath");
		err = -EINVAL;
	}
	if (err) {
		kvirt_dp_unlock();
		nlmsg_free(reply);
		return err;
	}
	err = vport_fill(vport, reply, genl_info_net(info), info->snd_portid,
			 info->snd_seq, 0, OVS_VPORT_CMD_DEL);
	WARN_ON_ONCE(err);
	kvirt_dp_vport_del(vport);
	kvirt_dp_unlock();
	notify(&vport_family, reply, info);
	return 0;
}

static int vport_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvirt_dp_vport *vport;
	struct sk_buff *reply;
	int err;

	reply = genlmsg_new(vport_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	kvirt_dp_lock();
	vport = lookup_vport(genl_info_net(info), info);
	if (IS_ERR(vport)) {
		kvirt_dp_unlock();
		nlmsg_free(reply);
		return PTR_ERR(vport);
	}
	err = vport_fill(vport, reply, genl_info_net(info), info->snd_portid,
			 info->snd_seq, 0, OVS_VPORT_CMD_GET);
	WARN_ON_ONCE(err);
	kvirt_dp_unlock();
	return genlmsg_reply(reply, info);
}

/* The ports of the datapath in the request's dp_ifindex, bucket by bucket. */
static int vport_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct ovs_header *hdr = genlmsg_data(nlmsg_data(cb->nlh));
	long bucket = cb->args[0], skip = cb->args[1], i, j = 0;
	struct kvirt_dp_vport *vport;
	struct kvirt_dp *dp;

	kvirt_dp_lock();
	dp = kvirt_dp_by_ifindex(sock_net(skb->sk), hdr->dp_ifindex);
	if (!dp) {
		kvirt_dp_unlock();
		NL_SET_ERR_MSG_MOD(cb->extack, "no datapath with this dp_ifindex");
		return -ENODEV;
	}
	for (i = bucket; i < KVIRT_DP_PORT_BUCKETS; i++, skip = 0) {
		j = 0;
		hlist_for_each_entry(vport, &dp->ports[i], node) {
			if (j >= skip &&
			    vport_fill(vport, skb, sock_net(skb->sk),
				       NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI,
				       OVS_VPORT_CMD_GET))
				goto out;
			j++;
		}
	}
out:
	kvirt_dp_unlock();
	cb->args[0] = i;
	cb->args[1] = j;
	return skb->len;
}

/**
 * kvirt_dp_vport_gone() - remove a vport whose device went away
 * @vport: the vport, under kvirt_dp_lock()
 *
 * Listeners of the ovs_vport group learn it as from OVS_VPORT_CMD_DEL.
 */
void kvirt_dp_vport_gone(struct kvirt_dp_vport *vport)
{
	struct net *net = kvirt_dp_net(vport->dp);
	struct sk_buff *msg;

	msg = genlmsg_new(vport_msg_size(), GFP_KERNEL);
	if (msg && vport_fill(vport, msg, net, 0, 0, 0, OVS_VPORT_CMD_DEL)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	kvirt_dp_vport_del(vport);
	if (msg)
		genlmsg_multicast_netns(&vport_family, net, msg, 0, 0,
					GFP_KERNEL);
	else
		genl_set_err(&vport_family, net, 0, 0, -ENOMEM);
}

static struct genl_family flow_family;

/* The largest flow message with @acts. */
static size_t flow_msg_size(const struct kvirt_dp_actions *acts)
{
	return NLMSG_ALIGN(sizeof(struct ovs_header))
		+ 2 * kvirt_dp_key_attr_size()			/* KEY, MASK */
		+ nla_total_size(KVIRT_DP_UFID_MAX)		/* UFID */
		+ nla_total_size_64bit(sizeof(struct ovs_flow_stats))
		+ nla_total_size(sizeof(u8))			/* TCP_FLAGS */
		+ nla_total_size_64bit(sizeof(u64))		/* USED */
		+ nla_total_size(acts ? acts->len : 0);		/* ACTIONS */
}

/* OVS's OVS_FLOW_ATTR_USED: the monotonic clock in ms at the last hit. */
static u64 used_ms(unsigned long used)
{
	struct timespec64 now;
	u64 idle_ms = jiffies_to_msecs(jiffies - used);

	ktime_get_ts64(&now);
	return (u64)(u32)now.tv_sec * MSEC_PER_SEC +
	       now.tv_nsec / NSEC_PER_MSEC - idle_ms;
}

/*
 * A flow as OVS gives it: its identifier (UFID, else the key as given),
 * then for UFID flows the masked key, the mask and the actions unless a
 * terse dump omits them, and the stats it has. Under kvirt_dp_lock().
 */
static int flow_fill(struct kvirt_dp_flow *flow, int dp_ifindex,
		     struct sk_buff *skb, u32 portid, u32 seq, u32 flags,
		     u8 cmd, u32 ufid_flags)
{
	const struct kvirt_dp_actions *acts = kvirt_dp_deref(flow->acts);
	struct ovs_flow_stats st;
	struct ovs_header *hdr;
	unsigned long used;
	__be16 tcp_flags;

	hdr = genlmsg_put(skb, portid, seq, &flow_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	hdr->dp_ifindex = dp_ifindex;
	if (flow->ufid_len ?
	    nla_put(skb, OVS_FLOW_ATTR_UFID, flow->ufid_len, flow->ufid) :
	    kvirt_dp_key_to_nlattrs(&flow->key, skb, OVS_FLOW_ATTR_KEY))
		goto cancel;
	if (flow->ufid_len && !(ufid_flags & OVS_UFID_F_OMIT_KEY) &&
	    kvirt_dp_key_to_nlattrs(&flow->masked, skb, OVS_FLOW_ATTR_KEY))
		goto cancel;
	if (!(ufid_flags & OVS_UFID_F_OMIT_MASK) &&
	    kvirt_dp_mask_to_nlattrs(&flow->masked, &flow->mask->key, skb,
				     OVS_FLOW_ATTR_MASK))
		goto cancel;
	kvirt_dp_flow_get_stats(flow, &st, &used, &tcp_flags);
	if (used && nla_put_u64_64bit(skb, OVS_FLOW_ATTR_USED, used_ms(used),
				      OVS_FLOW_ATTR_PAD))
		goto cancel;
	if (st.n_packets && nla_put_64bit(skb, OVS_FLOW_ATTR_STATS, sizeof(st),
					  &st, OVS_FLOW_ATTR_PAD))
		goto cancel;
	if ((u8)ntohs(tcp_flags) &&
	    nla_put_u8(skb, OVS_FLOW_ATTR_TCP_FLAGS, (u8)ntohs(tcp_flags)))
		goto cancel;
	if (!(ufid_flags & OVS_UFID_F_OMIT_ACTIONS) &&
	    kvirt_dp_actions_to_nlattr(skb, OVS_FLOW_ATTR_ACTIONS,
				       (const struct nlattr *)acts->data,
				       acts->len))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* OVS_FLOW_ATTR_UFID: 1 to 16 bytes, else ignored (as OVS does). */
static u32 get_ufid(const struct nlattr *attr, u8 *ufid)
{
	u32 len = attr ? nla_len(attr) : 0;

	if (len < 1 || len > KVIRT_DP_UFID_MAX)
		return 0;
	memcpy(ufid, nla_data(attr), len);
	return len;
}

static u32 get_ufid_flags(struct genl_info *info)
{
	const struct nlattr *a = info->attrs[OVS_FLOW_ATTR_UFID_FLAGS];

	return a ? nla_get_u32(a) : 0;
}

static struct kvirt_dp *flow_dp(struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	struct kvirt_dp *dp;

	dp = kvirt_dp_by_ifindex(genl_info_net(info), hdr->dp_ifindex);
	if (!dp)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no datapath with this dp_ifindex");
	return dp;
}

/* Whether @flow is the one @key names: by masked key for UFID flows. */
static bool flow_is(const struct kvirt_dp_flow *flow,
		    const struct kvirt_dp_key *key)
{
	return !memcmp(flow->ufid_len ? &flow->masked : &flow->key, key,
		       sizeof(*key));
}

/*
 * Create a flow, or change the actions of the one its key or UFID names:
 * EEXIST with NLM_F_CREATE or NLM_F_EXCL (OVS takes either, since genl
 * reads NLM_F_EXCL as a dump flag), ENOENT when it only overlaps one.
 */
static int flow_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	u32 ufid_flags = get_ufid_flags(info);
	struct kvirt_dp_flow *new, *flow;
	struct nlattr **a = info->attrs;
	struct kvirt_dp_actions *acts;
	struct kvirt_dp_key *mask;
	struct sk_buff *reply;
	struct kvirt_dp *dp;
	int err;

	if (missing(info, OVS_FLOW_ATTR_KEY, "flow key missing") ||
	    missing(info, OVS_FLOW_ATTR_ACTIONS, "flow actions missing"))
		return -EINVAL;
	new = kvirt_dp_flow_alloc();
	mask = kmalloc(sizeof(*mask), GFP_KERNEL);
	if (!new || !mask) {
		err = -ENOMEM;
		goto free;
	}
	err = kvirt_dp_match_from_nlattrs(a[OVS_FLOW_ATTR_KEY],
					  a[OVS_FLOW_ATTR_MASK], &new->key,
					  mask, info->extack);
	if (err)
		goto free;
	new->ufid_len = get_ufid(a[OVS_FLOW_ATTR_UFID], new->ufid);
	kvirt_dp_key_mask(&new->masked, &new->key, mask);
	acts = kvirt_dp_actions_from_nlattr(a[OVS_FLOW_ATTR_ACTIONS],
					    &new->masked, info->extack);
	if (IS_ERR(acts)) {
		err = PTR_ERR(acts);
		goto free;
	}
	rcu_assign_pointer(new->acts, acts);
	reply = genlmsg_new(flow_msg_size(acts), GFP_KERNEL);
	if (!reply) {
		err = -ENOMEM;
		goto free;
	}

	kvirt_dp_lock();
	dp = flow_dp(info);
	if (!dp) {
		err = -ENODEV;
		goto unlock;
	}
	flow = NULL;
	if (new->ufid_len)
		flow = kvirt_dp_flow_lookup_ufid(&dp->table, new->ufid,
						 new->ufid_len);
	if (!flow)
		flow = kvirt_dp_flow_lookup_any(&dp->table, &new->key);
	if (!flow) {
		err = kvirt_dp_flow_insert(&dp->table, new, mask);
		if (err == -ENOSPC)
			NL_SET_ERR_MSG_MOD(info->extack, "flow table is full");
		if (err)
			goto unlock;
		flow = new;
		new = NULL;
	} else {
		if (info->nlhdr->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) {
			NL_SET_ERR_MSG_MOD(info->extack, "flow exists");
			err = -EEXIST;
			goto unlock;
		}
		if (!flow_is(flow, &new->key))
			flow = flow->ufid_len ? NULL :
			       kvirt_dp_flow_lookup_exact(&dp->table,
							  &new->key);
		if (!flow) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "flow overlaps another with a different key");
			err = -ENOENT;
			goto unlock;
		}
		acts = rcu_replace_pointer(flow->acts, acts,
					   kvirt_dp_lock_held());
		RCU_INIT_POINTER(new->acts, NULL);
		kvirt_dp_actions_free_rcu(acts);
	}
	err = flow_fill(flow, hdr->dp_ifindex, reply, info->snd_portid,
			info->snd_seq, 0, OVS_FLOW_CMD_NEW, ufid_flags);
	WARN_ON_ONCE(err);
	kvirt_dp_unlock();
	notify(&flow_family, reply, info);
	err = 0;
	goto free;

unlock:
	kvirt_dp_unlock();
	nlmsg_free(reply);
free:
	if (new)
		kvirt_dp_flow_free(new);
	kfree(mask);
	return err;
}

/* The flow a GET, SET or DEL names: by UFID if it has one, else by key. */
static struct kvirt_dp_flow *find_flow(struct kvirt_dp *dp,
				       const u8 *ufid, u32 ufid_len,
				       const struct kvirt_dp_key *key,
				       struct genl_info *info)
{
	struct kvirt_dp_flow *flow;

	if (ufid_len)
		flow = kvirt_dp_flow_lookup_ufid(&dp->table, ufid, ufid_len);
	else
		flow = kvirt_dp_flow_lookup_exact(&dp->table, key);
	if (!flow)
		NL_SET_ERR_MSG_MOD(info->extack, "no such flow");
	return flow;
}

static int flow_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	struct kvirt_dp_actions *acts = NULL;
	u32 ufid_flags = get_ufid_flags(info);
	struct nlattr **a = info->attrs;
	struct kvirt_dp_key *key, *mask;
	struct kvirt_dp_flow *flow;
	u8 ufid[KVIRT_DP_UFID_MAX];
	struct sk_buff *reply = NULL;
	struct kvirt_dp *dp;
	u32 ufid_len;
	int err;

	ufid_len = get_ufid(a[OVS_FLOW_ATTR_UFID], ufid);
	if (!a[OVS_FLOW_ATTR_KEY] && !ufid_len) {
		NL_SET_ERR_MSG_MOD(info->extack, "flow key or UFID missing");
		return -EINVAL;
	}
	if (a[OVS_FLOW_ATTR_ACTIONS] && !a[OVS_FLOW_ATTR_KEY]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "new actions need the flow key");
		return -EINVAL;
	}
	/* The key, its mask and the masked key the actions are checked on. */
	key = kmalloc(3 * sizeof(*key), GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	mask = key + 1;
	err = 0;
	if (a[OVS_FLOW_ATTR_KEY])
		err = kvirt_dp_match_from_nlattrs(a[OVS_FLOW_ATTR_KEY],
						  a[OVS_FLOW_ATTR_MASK], key,
						  mask, info->extack);
	if (!err && a[OVS_FLOW_ATTR_ACTIONS]) {
		kvirt_dp_key_mask(key + 2, key, mask);
		acts = kvirt_dp_actions_from_nlattr(a[OVS_FLOW_ATTR_ACTIONS],
						    key + 2, info->extack);
		err = PTR_ERR_OR_ZERO(acts);
		if (err)
			acts = NULL;
	}
	if (err)
		goto free;

	kvirt_dp_lock();
	dp = flow_dp(info);
	err = -ENODEV;
	if (!dp)
		goto unlock;
	flow = find_flow(dp, ufid, ufid_len, key, info);
	err = -ENOENT;
	if (!flow)
		goto unlock;
	reply = genlmsg_new(flow_msg_size(acts ?: kvirt_dp_deref(flow->acts)),
			    GFP_KERNEL);
	err = -ENOMEM;
	if (!reply)
		goto unlock;
	if (acts) {
		acts = rcu_replace_pointer(flow->acts, acts,
					   kvirt_dp_lock_held());
		kvirt_dp_actions_free_rcu(acts);
		acts = NULL;
	}
	err = flow_fill(flow, hdr->dp_ifindex, reply, info->snd_portid,
			info->snd_seq, 0, OVS_FLOW_CMD_SET, ufid_flags);
	WARN_ON_ONCE(err);
	if (a[OVS_FLOW_ATTR_CLEAR])
		kvirt_dp_flow_clear_stats(flow);
	kvirt_dp_unlock();
	notify(&flow_family, reply, info);
	kfree(key);
	return 0;

unlock:
	kvirt_dp_unlock();
free:
	kvirt_dp_actions_free(acts);
	kfree(key);
	return err;
}

static int flow_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	u32 ufid_flags = get_ufid_flags(info);
	struct nlattr **a = info->attrs;
	struct kvirt_dp_flow *flow;
	u8 ufid[KVIRT_DP_UFID_MAX];
	struct sk_buff *reply;
	struct kvirt_dp_key key;
	struct kvirt_dp *dp;
	u32 ufid_len;
	int err;

	ufid_len = get_ufid(a[OVS_FLOW_ATTR_UFID], ufid);
	if (a[OVS_FLOW_ATTR_KEY]) {
		err = kvirt_dp_match_from_nlattrs(a[OVS_FLOW_ATTR_KEY], NULL,
						  &key, NULL, info->extack);
		if (err)
			return err;
	} else if (!ufid_len) {
		NL_SET_ERR_MSG_MOD(info->extack, "flow key or UFID missing");
		return -EINVAL;
	}
	kvirt_dp_lock();
	dp = flow_dp(info);
	err = -ENODEV;
	if (!dp)
		goto unlock;
	flow = find_flow(dp, ufid, ufid_len, &key, info);
	err = -ENOENT;
	if (!flow)
		goto unlock;
	reply = genlmsg_new(flow_msg_size(kvirt_dp_deref(flow->acts)),
			    GFP_KERNEL);
	err = -ENOMEM;
	if (!reply)
		goto unlock;
	err = flow_fill(flow, hdr->dp_ifindex, reply, info->snd_portid,
			info->snd_seq, 0, OVS_FLOW_CMD_GET, ufid_flags);
	WARN_ON_ONCE(err);
	kvirt_dp_unlock();
	return genlmsg_reply(reply, info);

unlock:
	kvirt_dp_unlock();
	return err;
}

/* One flow by UFID or key; all of them with neither. */
static int flow_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	const struct ovs_header *hdr = info->userhdr;
	u32 ufid_flags = get_ufid_flags(info);
	struct nlattr **a = info->attrs;
	struct kvirt_dp_flow *flow;
	u8 ufid[KVIRT_DP_UFID_MAX];
	struct sk_buff *reply;
	struct kvirt_dp_key key;
	struct kvirt_dp *dp;
	u32 ufid_len;
	int err;

	ufid_len = get_ufid(a[OVS_FLOW_ATTR_UFID], ufid);
	if (a[OVS_FLOW_ATTR_KEY]) {
		err = kvirt_dp_match_from_nlattrs(a[OVS_FLOW_ATTR_KEY], NULL,
						  &key, NULL, info->extack);
		if (err)
			return err;
	}
	kvirt_dp_lock();
	dp = flow_dp(info);
	err = -ENODEV;
	if (!dp)
		goto unlock;
	if (!a[OVS_FLOW_ATTR_KEY] && !ufid_len) {
		kvirt_dp_flow_flush(&dp->table);
		kvirt_dp_unlock();
		return 0;
	}
	flow = find_flow(dp, ufid, ufid_len, &key, info);
	err = -ENOENT;
	if (!flow)
		goto unlock;
	reply = genlmsg_new(flow_msg_size(kvirt_dp_deref(flow->acts)),
			    GFP_KERNEL);
	if (reply && flow_fill(flow, hdr->dp_ifindex, reply,
			       info->snd_portid, info->snd_seq, 0,
			       OVS_FLOW_CMD_DEL, ufid_flags)) {
		WARN_ON_ONCE(1);
		nlmsg_free(reply);
		reply = NULL;
	}
	kvirt_dp_flow_remove(&dp->table, flow);
	kvirt_dp_unlock();
	if (reply)
		notify(&flow_family, reply, info);
	else
		genl_set_err(&flow_family, genl_info_net(info), 0, 0, -ENOMEM);
	return 0;

unlock:
	kvirt_dp_unlock();
	return err;
}

/* The flows of the request's datapath, in insertion order. */
static int flow_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genlmsghdr *genl = nlmsg_data(cb->nlh);
	const struct ovs_header *hdr = genlmsg_data(genl);
	struct nlattr *a[OVS_FLOW_ATTR_MAX + 1];
	long skip = cb->args[0], i = 0;
	struct kvirt_dp_flow *flow;
	struct kvirt_dp *dp;
	u32 ufid_flags = 0;
	int err;

	err = genlmsg_parse_deprecated(cb->nlh, &flow_family, a,
				       OVS_FLOW_ATTR_MAX, flow_family.policy,
				       cb->extack);
	if (err)
		return err;
	if (a[OVS_FLOW_ATTR_UFID_FLAGS])
		ufid_flags = nla_get_u32(a[OVS_FLOW_ATTR_UFID_FLAGS]);
	kvirt_dp_lock();
	dp = kvirt_dp_by_ifindex(sock_net(skb->sk), hdr->dp_ifindex);
	if (!dp) {
		kvirt_dp_unlock();
		NL_SET_ERR_MSG_MOD(cb->extack, "no datapath with this dp_ifindex");
		return -ENODEV;
	}
	list_for_each_entry(flow, &dp->table.flows, list) {
		if (i >= skip &&
		    flow_fill(flow, hdr->dp_ifindex, skb,
			      NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			      NLM_F_MULTI, OVS_FLOW_CMD_GET, ufid_flags))
			break;
		i++;
	}
	kvirt_dp_unlock();
	cb->args[0] = i;
	return skb->len;
}

/* The policies are OVS's: the same requests fail the same way. */
static const struct nla_policy dp_policy[OVS_DP_ATTR_MAX + 1] = {
	[OVS_DP_ATTR_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVS_DP_ATTR_UPCALL_PID] = { .type = NLA_U32 },
	[OVS_DP_ATTR_USER_FEATURES] = { .type = NLA_U32 },
	[OVS_DP_ATTR_MASKS_CACHE_SIZE] =
		NLA_POLICY_RANGE(NLA_U32, 0, KVIRT_DP_MASKS_CACHE_MAX),
	[OVS_DP_ATTR_IFINDEX] = NLA_POLICY_MIN(NLA_S32, 0),
};

static const struct nla_policy vport_policy[OVS_VPORT_ATTR_MAX + 1] = {
	[OVS_VPORT_ATTR_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVS_VPORT_ATTR_STATS] = { .len = sizeof(struct ovs_vport_stats) },
	[OVS_VPORT_ATTR_PORT_NO] = { .type = NLA_U32 },
	[OVS_VPORT_ATTR_TYPE] = { .type = NLA_U32 },
	[OVS_VPORT_ATTR_UPCALL_PID] = { .type = NLA_UNSPEC },
	[OVS_VPORT_ATTR_OPTIONS] = { .type = NLA_NESTED },
	[OVS_VPORT_ATTR_IFINDEX] = NLA_POLICY_MIN(NLA_S32, 0),
	[OVS_VPORT_ATTR_NETNSID] = { .type = NLA_S32 },
};

static const struct nla_policy flow_policy[OVS_FLOW_ATTR_MAX + 1] = {
	[OVS_FLOW_ATTR_KEY] = { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_MASK] = { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_ACTIONS] = { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_CLEAR] = { .type = NLA_FLAG },
	[OVS_FLOW_ATTR_PROBE] = { .type = NLA_FLAG },
	[OVS_FLOW_ATTR_UFID] = { .type = NLA_UNSPEC, .len = 1 },
	[OVS_FLOW_ATTR_UFID_FLAGS] = { .type = NLA_U32 },
};

static const struct nla_policy packet_policy[OVS_PACKET_ATTR_MAX + 1] = {
	[OVS_PACKET_ATTR_PACKET] = { .len = ETH_HLEN },
	[OVS_PACKET_ATTR_KEY] = { .type = NLA_NESTED },
	[OVS_PACKET_ATTR_ACTIONS] = { .type = NLA_NESTED },
	[OVS_PACKET_ATTR_PROBE] = { .type = NLA_FLAG },
	[OVS_PACKET_ATTR_MRU] = { .type = NLA_U16 },
	[OVS_PACKET_ATTR_HASH] = { .type = NLA_U64 },
};

/* Lenient parsing as in OVS; changes need CAP_NET_ADMIN in the netns. */
#define OP(c, fn, perm) {						\
	.cmd = (c), .doit = (fn), .flags = (perm),			\
	.validate = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP }

static const struct genl_small_ops dp_ops[] = {
	OP(OVS_DP_CMD_NEW, dp_cmd_new, GENL_UNS_ADMIN_PERM),
	OP(OVS_DP_CMD_DEL, dp_cmd_del, GENL_UNS_ADMIN_PERM),
	{ .cmd = OVS_DP_CMD_GET, .doit = dp_cmd_get, .dumpit = dp_cmd_dump,
	  .validate = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP },
	OP(OVS_DP_CMD_SET, dp_cmd_set, GENL_UNS_ADMIN_PERM),
};

static const struct genl_small_ops vport_ops[] = {
	OP(OVS_VPORT_CMD_NEW, vport_cmd_new, GENL_UNS_ADMIN_PERM),
	OP(OVS_VPORT_CMD_DEL, vport_cmd_del, GENL_UNS_ADMIN_PERM),
	{ .cmd = OVS_VPORT_CMD_GET, .doit = vport_cmd_get,
	  .dumpit = vport_cmd_dump,
	  .validate = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP },
	OP(OVS_VPORT_CMD_SET, vport_cmd_set, GENL_UNS_ADMIN_PERM),
};

static const struct genl_small_ops flow_ops[] = {
	OP(OVS_FLOW_CMD_NEW, flow_cmd_new, GENL_UNS_ADMIN_PERM),
	OP(OVS_FLOW_CMD_DEL, flow_cmd_del, GENL_UNS_ADMIN_PERM),
	{ .cmd = OVS_FLOW_CMD_GET, .doit = flow_cmd_get,
	  .dumpit = flow_cmd_dump,
	  .validate = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP },
	OP(OVS_FLOW_CMD_SET, flow_cmd_set, GENL_UNS_ADMIN_PERM),
};

static const struct genl_small_ops packet_ops[] = {
	OP(OVS_PACKET_CMD_EXECUTE, kvirt_dp_packet_cmd_execute, GENL_UNS_ADMIN_PERM),
};

static const struct genl_multicast_group dp_group = {
	.name = OVS_DATAPATH_MCGROUP,
};

static const struct genl_multicast_group vport_group = {
	.name = OVS_VPORT_MCGROUP,
};

static const struct genl_multicast_group flow_group = {
	.name = OVS_FLOW_MCGROUP,
};

static struct genl_family dp_family = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_DATAPATH_FAMILY,
	.version = OVS_DATAPATH_VERSION,
	.maxattr = OVS_DP_ATTR_MAX,
	.policy = dp_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = dp_ops,
	.n_small_ops = ARRAY_SIZE(dp_ops),
	.resv_start_op = OVS_DP_CMD_SET + 1,
	.mcgrps = &dp_group,
	.n_mcgrps = 1,
	.module = THIS_MODULE,
};

static struct genl_family vport_family = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_VPORT_FAMILY,
	.version = OVS_VPORT_VERSION,
	.maxattr = OVS_VPORT_ATTR_MAX,
	.policy = vport_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = vport_ops,
	.n_small_ops = ARRAY_SIZE(vport_ops),
	.resv_start_op = OVS_VPORT_CMD_SET + 1,
	.mcgrps = &vport_group,
	.n_mcgrps = 1,
	.module = THIS_MODULE,
};

static struct genl_family flow_family = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_FLOW_FAMILY,
	.version = OVS_FLOW_VERSION,
	.maxattr = OVS_FLOW_ATTR_MAX,
	.policy = flow_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = flow_ops,
	.n_small_ops = ARRAY_SIZE(flow_ops),
	.resv_start_op = OVS_FLOW_CMD_SET + 1,
	.mcgrps = &flow_group,
	.n_mcgrps = 1,
	.module = THIS_MODULE,
};

struct genl_family kvirt_dp_packet_family = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_PACKET_FAMILY,
	.version = OVS_PACKET_VERSION,
	.maxattr = OVS_PACKET_ATTR_MAX,
	.policy = packet_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = packet_ops,
	.n_small_ops = ARRAY_SIZE(packet_ops),
	.resv_start_op = OVS_PACKET_CMD_EXECUTE + 1,
	.module = THIS_MODULE,
};

static struct genl_family *const families[] = {
	&dp_family, &vport_family, &flow_family, &kvirt_dp_packet_family,
};

/*
 * Register the four families, or none. The names are OVS's: while
 * openvswitch.ko holds them, kvirt_dp cannot load (and the reverse).
 */
int kvirt_dp_genl_register(void)
{
	int err, i;

	for (i = 0; i < ARRAY_SIZE(families); i++) {
		err = genl_register_family(families[i]);
		if (err)
			goto undo;
	}
	return 0;

undo:
	if (err == -EEXIST)
		pr_err("generic netlink family %s is taken (openvswitch.ko loaded?)\n",
		       families[i]->name);
	else
		pr_err("cannot register generic netlink family %s: %d\n",
		       families[i]->name, err);
	while (i--)
		genl_unregister_family(families[i]);
	return err;
}

void kvirt_dp_genl_unregister(void)
{
	int i = ARRAY_SIZE(families);

	while (i--)
		genl_unregister_family(families[i]);
}
