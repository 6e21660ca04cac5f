import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ControlPlaneNodesArgs {
    /** Node names, as `kubectl get nodes` shows them. */
    nodes: string[];
    /** Labels to put on every one of them. */
    labels: Record<string, string>;
}

/** A node handed to clients: its name and the InternalIP the cluster reports for it. */
export interface NodeAddress {
    node: string;
    /** Undefined until read from a real cluster (the offline plan never invents one). */
    internalIP?: string;
}

/**
 * The nodes that run the OpenStack control plane. Labels them (server-side apply, one patch per
 * node, so taking a label out of `labels` removes it again) and reads back their addresses.
 */
export class ControlPlaneNodes extends pulumi.ComponentResource {
    public readonly nodeNames: string[];
    public readonly patches: k8s.core.v1.NodePatch[];
    /** In the order of `nodes`. */
    public readonly addresses: pulumi.Output<NodeAddress[]>;

    constructor(name: string, args: ControlPlaneNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:nodes:ControlPlaneNodes", name, {}, opts);
        this.nodeNames = [...args.nodes];
        this.patches = args.nodes.map((node) => new k8s.core.v1.NodePatch(node, {
            metadata: {
                name: node,
                labels: args.labels,
                // The labels are often already set by the installer (kubespray inventories set
                // openstack-control-plane); take them over rather than fail on the conflict.
                annotations: { "pulumi.com/patchForce": "true" },
            },
        }, { parent: this }));
        // Reading the Node also fails the preview early when a listed node does not exist.
        const reads = args.nodes.map((node) => k8s.core.v1.Node.get(`${node}-read`, node, { parent: this }));
        this.addresses = pulumi.all(reads.map((read) => read.status)).apply((statuses) => statuses.map((status, i) => ({
            node: args.nodes[i],
            internalIP: status?.addresses?.find((address) => address.type === "InternalIP")?.address,
        })));
        this.registerOutputs({ nodeNames: this.nodeNames, addresses: this.addresses });
    }
}
