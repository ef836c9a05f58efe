// SPDX-License-Identifier: GPL-2.0
/* multicast groups only CAP_NET_ADMIN may join (6.7+, backported to 6.1.y) */
#include <net/genetlink.h>

int probe(void);
int probe(void)
{
	return GENL_MCAST_CAP_NET_ADMIN;
}
