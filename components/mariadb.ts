import * as pulumi from "@pulumi/pulumi";
import { OpenStackChart, OpenStackChartArgs } from "./openstackChart";

/** The database of keystone and horizon (openstack-helm `mariadb`). */
export class MariaDB extends OpenStackChart {
    constructor(name: string, args: OpenStackChartArgs, opts?: pulumi.ComponentResourceOptions) {
        const { credentials } = args;
        super("taco:openstack:MariaDB", "mariadb", name, args, {
            endpoints: {
                oslo_db: {
                    auth: {
                        admin: credentials.mariadbRoot,
                        sst: credentials.mariadbSst,
                        audit: credentials.mariadbAudit,
                        exporter: credentials.mariadbExporter,
                    },
                },
                // The backup job's keystone accounts.
                identity: {
                    auth: {
                        admin: credentials.keystoneAdmin,
                        mariadb: credentials.mariadbBackup,
                    },
                },
            },
        }, opts);
    }
}
