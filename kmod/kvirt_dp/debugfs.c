// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: leak checks. Tests cannot see inside the module, so it counts its
 * live objects (datapaths, vports, flows, masks, actions: bumped when
 * allocated, dropped at the final free, after RCU) and shows them in
 * /sys/kernel/debug/kvirt_dp/objects; after a test deletes what it made,
 * the counts must return to where they started.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "datapath.h"

atomic_t kvirt_dp_objects[KVIRT_DP_OBJ_COUNT];

static const char *const obj_names[KVIRT_DP_OBJ_COUNT] = {
	[KVIRT_DP_OBJ_DATAPATHS] = "datapaths",
	[KVIRT_DP_OBJ_VPORTS] = "vports",
	[KVIRT_DP_OBJ_FLOWS] = "flows",
	[KVIRT_DP_OBJ_MASKS] = "masks",
	[KVIRT_DP_OBJ_ACTIONS] = "actions",
};

static struct dentry *debugfs_dir;

static int objects_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < KVIRT_DP_OBJ_COUNT; i++)
		seq_printf(m, "%s %d\n", obj_names[i],
			   atomic_read(&kvirt_dp_objects[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

/**
 * kvirt_dp_debugfs_init() - create /sys/kernel/debug/kvirt_dp
 *
 * Without debugfs the counters still count; nobody can read them.
 */
void kvirt_dp_debugfs_init(void)
{
	debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("objects", 0444, debugfs_dir, NULL,
			    &objects_fops);
}

/**
 * kvirt_dp_debugfs_exit() - remove /sys/kernel/debug/kvirt_dp
 */
void kvirt_dp_debugfs_exit(void)
{
	debugfs_remove_recursive(debugfs_dir);
}
