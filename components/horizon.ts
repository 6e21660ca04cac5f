import * as pulumi from "@pulumi/pulumi";
import { OpenStackChart, OpenStackChartArgs } from "./openstackChart";

/** The dashboard (openstack-helm `horizon`). It reaches keystone on its internal endpoint. */
export class Horizon extends OpenStackChart {
    constructor(name: string, args: OpenStackChartArgs, opts?: pulumi.ComponentResourceOptions) {
        const { credentials } = args;
        super("taco:openstack:Horizon", "horizon", name, args, {
            endpoints: {
                identity: { auth: { admin: credentials.keystoneAdmin } },
                oslo_db: { auth: { admin: credentials.mariadbRoot, horizon: credentials.horizonDb } },
            },
            conf: { horizon: { local_settings: { config: { horizon_secret_key: credentials.horizonSecretKey } } } },
        }, opts);
    }
}
