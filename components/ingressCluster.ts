import { Ingress } from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";
import { EntryPlacement } from "../lib/ingressControllers";
import { INGRESS_ANNOTATIONS, IngressTls, rulesFor } from "../lib/ingressObjects";
import { IngressController, IngressControllerArgs } from "./ingressController";
import { IngressNamespace } from "./ingressNamespace";

export interface IngressClusterArgs extends IngressControllerArgs {
    className: string;
    /** The namespace controller it forwards to; the catch-all Ingress lives in its namespace. */
    upstream: IngressNamespace;
    publicDomain?: string;
    /** TLS for `*.<publicDomain>`: this controller faces clients, so it terminates TLS. */
    tls?: IngressTls;
    /** Faces clients on a VIP: placement and Service from it instead of the nodes' own ports. */
    entry?: EntryPlacement;
}

export const CLUSTER_CONTROLLER_NAMESPACE = "kube-system";

/**
 * The cluster-wide controller of the hierarchy (the article's `ingress` release in kube-system):
 * a DaemonSet on the nodes' own 80/443, the only entry from outside. Its catch-all Ingress
 * `openstack-ingress` hands every `*.<ns>.svc.cluster.local` request to the namespace controller,
 * which routes it by Host to the service.
 */
export class IngressCluster extends IngressController {
    public readonly catchAll: Ingress;
    public readonly hosts: string[];

    constructor(name: string, args: IngressClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:ingress:IngressCluster", name, args, {
            releaseName: args.className,
            namespace: CLUSTER_CONTROLLER_NAMESPACE,
            className: args.className,
            ...(args.entry ?? { hostNetwork: true, kind: "DaemonSet" }),
            nodeSelector: args.nodeSelector,
            tolerations: args.tolerations,
        }, opts);
        // Its backend is the upstream controller's Service, in a namespace that must exist first.
        const upstream = args.upstream.service;
        const publicWildcard = args.publicDomain ? `*.${args.publicDomain}` : undefined;
        this.hosts = [`*.${upstream.namespace}.svc.cluster.local`, ...(publicWildcard ? [publicWildcard] : [])];
        this.catchAll = new Ingress(`${upstream.namespace}-ingress`, {
            metadata: {
                name: `${upstream.namespace}-ingress`,
                namespace: upstream.namespace,
                labels: { application: "ingress", component: "catch-all" },
                annotations: { ...INGRESS_ANNOTATIONS, ...args.tls?.annotations },
            },
            spec: {
                ingressClassName: this.className,
                rules: rulesFor(this.hosts, upstream),
                ...(args.tls && publicWildcard ? { tls: [{ hosts: [publicWildcard], secretName: args.tls.secretName }] } : {}),
            },
        }, { parent: this, dependsOn: [args.upstream.release] });
        this.registerOutputs({ release: this.release, className: this.className, hosts: this.hosts });
    }
}
