// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: kvirt_dp.ko's life as a module: per-netns state, the device
 * notifier, then the genetlink families, which fail, with one clear
 * message, while openvswitch.ko holds their names. Unloading takes every
 * datapath down first; packets in flight finish before the code goes.
 */
#include <linux/module.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "datapath.h"

unsigned int kvirt_dp_net_id;

static int __net_init kvirt_dp_net_init(struct net *net)
{
	struct kvirt_dp_net *kn = net_generic(net, kvirt_dp_net_id);

	INIT_LIST_HEAD(&kn->dps);
	INIT_WORK(&kn->detach_work, kvirt_dp_netdev_detach_work);
	kvirt_dp_rebalance_start(kn);
	return 0;
}

/* A netns going away (or the module) takes its datapaths with it. */
static void __net_exit kvirt_dp_net_exit(struct net *net)
{
	struct kvirt_dp_net *kn = net_generic(net, kvirt_dp_net_id);
	struct kvirt_dp *dp, *next;

	kvirt_dp_rebalance_stop(kn);
	kvirt_dp_lock();
	list_for_each_entry_safe(dp, next, &kn->dps, node)
		kvirt_dp_destroy(dp);
	kvirt_dp_unlock();
	cancel_work_sync(&kn->detach_work);
}

static struct pernet_operations kvirt_dp_net_ops = {
	.init = kvirt_dp_net_init,
	.exit = kvirt_dp_net_exit,
	.id = &kvirt_dp_net_id,
	.size = sizeof(struct kvirt_dp_net),
};

static int __init kvirt_dp_init(void)
{
	int err;

	kvirt_dp_debugfs_init();
	err = kvirt_dp_netdev_init();
	if (err)
		goto debugfs_exit;
	err = register_pernet_device(&kvirt_dp_net_ops);
	if (err)
		goto netdev_exit;
	err = kvirt_dp_genl_register();
	if (err)
		goto pernet_exit;
	err = kvirt_dp_mask_genl_register();
	if (err)
		goto genl_exit;
	return 0;

genl_exit:
	kvirt_dp_genl_unregister();
pernet_exit:
	/*
	 * Userspace may have made datapaths while the families were up:
	 * their RCU callbacks run in this module.
	 */
	unregister_pernet_device(&kvirt_dp_net_ops);
	rcu_barrier();
netdev_exit:
	kvirt_dp_netdev_exit();
debugfs_exit:
	kvirt_dp_debugfs_exit();
	return err;
}

static void __exit kvirt_dp_exit(void)
{
	kvirt_dp_mask_genl_unregister();
	kvirt_dp_genl_unregister();
	unregister_pernet_device(&kvirt_dp_net_ops);
	kvirt_dp_netdev_exit();
	/* Vports and datapaths are freed by RCU callbacks in this module. */
	rcu_barrier();
	kvirt_dp_debugfs_exit();
}

module_init(kvirt_dp_init);
module_exit(kvirt_dp_exit);

MODULE_DESCRIPTION("kvirt: an Open vSwitch compatible kernel datapath");
MODULE_LICENSE("GPL");
