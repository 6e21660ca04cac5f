import { Service } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { rabbitmqStatefulSetName } from "../lib/charts";
import { EXPOSURE_CATALOG, podSelector } from "../lib/exposureCatalog";
import { OpenStackChart, OpenStackChartArgs } from "./openstackChart";
import { RabbitMQ } from "./rabbitmq";

export interface KeystoneArgs extends OpenStackChartArgs {
    /** The broker keystone's transport URL lists, pod by pod. */
    rabbitmq: RabbitMQ;
    /**
     * The other releases the API pods need before they turn ready (`releasesReadyBeforePods`): the
     * catalog Service's await checks the pods' endpoints, so it starts only after all of them.
     */
    podsNeed: pulumi.Resource[];
}

/**
 * The identity service (openstack-helm `keystone`), and the Service `keystone` its catalog needs.
 *
 * The chart still advertises its public and admin endpoints as `keystone.<ns>.svc.cluster.local`
 * (`endpoints.identity.hosts.default`) but, since it dropped its ingress templates, no longer
 * creates a Service of that name. Creating it here keeps every catalog URL resolvable in every
 * mode, and keeps the article's in-cluster name working on port 80.
 */
export class Keystone extends OpenStackChart {
    /** Service `keystone`: port 80 to the API pods' `ks-pub`. */
    public readonly catalogService: Service;
    /** The admin user and its password (secret). */
    public readonly admin: { username: string; password: pulumi.Output<string> };

    constructor(name: string, args: KeystoneArgs, opts?: pulumi.ComponentResourceOptions) {
        const { credentials, rabbitmq } = args;
        super("taco:openstack:Keystone", "keystone", name, args, {
            endpoints: {
                identity: { auth: { admin: credentials.keystoneAdmin, test: credentials.keystoneTest } },
                oslo_db: { auth: { admin: credentials.mariadbRoot, keystone: credentials.keystoneDb } },
                oslo_messaging: {
                    auth: { admin: credentials.rabbitmqAdmin, keystone: credentials.rabbitmqKeystone },
                    statefulset: { name: rabbitmqStatefulSetName(rabbitmq.releaseName), replicas: rabbitmq.replicas },
                },
            },
        }, opts);
        this.admin = credentials.keystoneAdmin;

        this.catalogService = new Service("keystone", {
            metadata: { name: "keystone", namespace: args.namespace, labels: { application: "keystone", component: "catalog" } },
            spec: {
                type: "ClusterIP",
                selector: podSelector("keystone", "keystone"),
                ports: [{ name: "http", port: 80, targetPort: EXPOSURE_CATALOG.keystone.containerPort, protocol: "TCP" }],
            },
        }, { parent: this, dependsOn: [this.release, ...args.podsNeed] });
    }
}
