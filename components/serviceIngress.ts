import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { API_PODS, ApiServiceName } from "../lib/charts";
import { INGRESS_ANNOTATIONS, IngressTls, rulesFor } from "../lib/ingressObjects";

export interface ServiceIngressArgs {
    service: ApiServiceName;
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
 * now the program's own: hosts `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc.cluster.local`, and
 * `<svc>.<publicDomain>` when one is set, all to the chart's ClusterIP Service.
 */
export class ServiceIngress extends pulumi.ComponentResource {
    public readonly ingress: k8s.networking.v1.Ingress;
    public readonly hosts: string[];
    public readonly publicHost?: string;
    public readonly backend: { name: string; port: number };

    constructor(name: string, args: ServiceIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:ingress:ServiceIngress", name, {}, opts);
        const { service, namespace } = args;
        this.publicHost = args.publicDomain ? `${service}.${args.publicDomain}` : undefined;
        this.hosts = [service, `${service}.${namespace}`, `${service}.${namespace}.svc.cluster.local`,
            ...(this.publicHost ? [this.publicHost] : [])];
        this.backend = API_PODS[service].service;
        this.ingress = new k8s.networking.v1.Ingress(service, {
            metadata: {
                name: service,
                namespace,
                labels: { application: service, component: "ingress" },
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
