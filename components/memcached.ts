import * as pulumi from "@pulumi/pulumi";
import { OpenStackChart, OpenStackChartArgs } from "./openstackChart";

/** Keystone's token cache and horizon's session store (openstack-helm `memcached`). */
export class Memcached extends OpenStackChart {
    constructor(name: string, args: OpenStackChartArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:openstack:Memcached", "memcached", name, args, {}, opts);
    }
}
