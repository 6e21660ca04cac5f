import { Node, NodePatch } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";

export interface ControlPlaneNodesArgs {
    /** Node names, as `kubectl get nodes` shows them. */
    nodes: string[];
    /**
     * Labels other tools also set and rely on (the charts' `openstack-control-plane`, which
     * installers such as kubespray put on their inventory's nodes): applied without force.
     */
    sharedLabels: Record<string, string>;
    /** The program's own labels: nobody else owns them, so the program takes them by force. */
    ownLabels: Record<string, string>;
}

/** A node handed to clients: its name and the InternalIP the cluster reports for it. */
export interface NodeAddress {
    node: string;
    /** Undefined until read from a real cluster (the offline plan never invents one). */
    internalIP?: string;
}

/**
 * The nodes that run the OpenStack control plane. Labels them with server-side apply and reads back
 * their addresses.
 *
 * Deleting a NodePatch releases the fields its field manager owns (each Patch resource gets a field
 * manager of its own), and Kubernetes removes a field nobody else owns. So:
 *  - the shared labels go in a patch WITHOUT `pulumi.com/patchForce`: applying the value the
 *    installer already set makes the program a co-owner, so a destroy (or a node dropped from
 *    the list) leaves the installer's label in place; a different value set by someone else is a
 *    conflict that fails the update instead of being overwritten;
 *  - the program's own labels go in a second patch with force, as before: removing them again is
 *    the point.
 */
export class ControlPlaneNodes extends pulumi.ComponentResource {
    public readonly nodeNames: string[];
    /** Every patch, shared and own: what the pods that select these labels wait for. */
    public readonly patches: NodePatch[];
    /** In the order of `nodes`. */
    public readonly addresses: pulumi.Output<NodeAddress[]>;

    constructor(name: string, args: ControlPlaneNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:nodes:ControlPlaneNodes", name, {}, opts);
        this.nodeNames = [...args.nodes];
        const patch = (id: string, node: string, labels: Record<string, string>, force: boolean) => new NodePatch(id, {
            metadata: { name: node, labels, ...(force ? { annotations: { "pulumi.com/patchForce": "true" } } : {}) },
        }, { parent: this });
        this.patches = args.nodes.flatMap((node) => [
            patch(`${node}-shared-labels`, node, args.sharedLabels, false),
            patch(node, node, args.ownLabels, true),
        ]);
        // The address comes from a read rather than the patch's own `status` output: the provider
        // skips Patch resources in preview (provider.go Create: "cannot preview"), and a
        // server-side apply to a Node that does not exist would create one. The read fails the
        // preview on a listed node that does not exist, before anything is applied.
        const reads = args.nodes.map((node) => Node.get(`${node}-read`, node, { parent: this }));
        this.addresses = pulumi.all(reads.map((read) => read.status)).apply((statuses) => statuses.map((status, i) => ({
            node: args.nodes[i],
            internalIP: status?.addresses?.find((address) => address.type === "InternalIP")?.address,
        })));
        this.registerOutputs({ nodeNames: this.nodeNames, addresses: this.addresses });
    }
}
