import * as pulumi from "@pulumi/pulumi";
import { EntryPlacement } from "../lib/ingressControllers";
import { IngressController, IngressControllerArgs } from "./ingressController";

export interface IngressNamespaceArgs extends IngressControllerArgs {
    namespace: string;
    className: string;
    /**
     * True when it faces clients itself (ingress mode): a DaemonSet on the nodes' own 80/443.
     * False when nested behind IngressCluster: a Deployment behind its ClusterIP Service.
     */
    hostNetwork: boolean;
    /** Pods when not on host networking. */
    replicas?: number;
    /** Faces clients on a VIP (ingress mode with taco:exposure.vip): placement and Service from it. */
    entry?: EntryPlacement;
}

/**
 * The namespace's own ingress controller (the article's `openstack-helm/ingress` in namespace
 * mode): it serves only Ingresses in its namespace, and only of its own class.
 */
export class IngressNamespace extends IngressController {
    constructor(name: string, args: IngressNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:ingress:IngressNamespace", name, args, {
            releaseName: args.className,
            namespace: args.namespace,
            className: args.className,
            watchNamespace: args.namespace,
            ...(args.entry ?? {
                hostNetwork: args.hostNetwork,
                kind: args.hostNetwork ? "DaemonSet" : "Deployment",
                replicas: args.hostNetwork ? undefined : args.replicas ?? 2,
            }),
            nodeSelector: args.nodeSelector,
            tolerations: args.tolerations,
            behindProxy: !args.entry && !args.hostNetwork,
        }, opts);
    }
}
