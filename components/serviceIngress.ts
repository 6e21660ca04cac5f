import { Ingress } from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";
import { CatalogService, EXPOSURE_CATALOG } from "../lib/exposureCatalog";
import { INGRESS_ANNOTATIONS, IngressTls, rulesFor } from "../lib/ingressObjects";

export interface ServiceIngressArgs {
    service: CatalogService;
    namespace: string;
    className: string;
    publicDomain?: string;
    /** TLS for the public host, when this Ingress's controller is the one facing clients. */
    tls?: IngressTls;
    /** What the Ingress needs first (its namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The Ingress openstack-helm charts used to render for a service (`network.<svc>.ingress.public`),
 * now the program's own: hosts `<host>`, `<host>.<ns>`, `<host>.<ns>.svc.cluster.local`, and
 * `<host>.<publicDomain>` when one is set, all to the chart's ClusterIP Service. `<host>` is the
 * chart's public host name (`endpoints.<type>.hosts.public`: glance, nova, novncproxy, cloudformation, ...).
 */
export class ServiceIngress extends pulumi.ComponentResource {
    public readonly ingress: Ingress;
    public readonly hosts: string[];
    public readonly publicHost?: string;
    public readonly backend: { name: string; port: number };

    constructor(name: string, args: ServiceIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:ingress:ServiceIngress", name, {}, opts);
        const { service, namespace } = args;
        const { host, application } = EXPOSURE_CATALOG[service];
        this.publicHost = args.publicDomain ? `${host}.${args.publicDomain}` : undefined;
        this.hosts = [host, `${host}.${namespace}`, `${host}.${namespace}.svc.cluster.local`,
            ...(this.publicHost ? [this.publicHost] : [])];
        this.backend = EXPOSURE_CATALOG[service].service;
        this.ingress = new Ingress(service, {
            metadata: {
                name: service,
                namespace,
                labels: { application, component: "ingress" },
                annotations: { ...INGRESS_ANNOTATIONS, ...args.tls?.annotations },
            },
            spec: {
                ingressClassName: args.className,
                rules: rulesFor(this.hosts, this.backend),
                ...(args.tls && this.publicHost ? { tls: [{ hosts: [this.publicHost], secretName: args.tls.secretName }] } : {}),
            },
        }, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({ hosts: this.hosts });
    }
}
