import * as pulumi from "@pulumi/pulumi";
import { ChartSource, ExposedService, IngressSettings, Toleration, VipSettings } from "../config";
import { CatalogService, EXPOSURE_CATALOG } from "../lib/exposureCatalog";
import { EndpointUrl } from "../lib/endpoints";
import { NodeAddress } from "./controlPlaneNodes";
import { CLUSTER_CONTROLLER_NAMESPACE, IngressCluster } from "./ingressCluster";
import { IngressNamespace } from "./ingressNamespace";
import { PublicTls } from "./publicTls";
import { ServiceIngress } from "./serviceIngress";
import { Vip } from "./vip";

export interface IngressExposureArgs {
    /** `ingress`: the namespace controller faces clients. `hierarchical`: a cluster controller does. */
    hierarchical: boolean;
    namespace: string;
    /** The catalog entries to route (one Ingress each). */
    services: ExposedService[];
    settings: IngressSettings;
    charts: ChartSource;
    /** The nodes the client-facing controller runs on, by label. */
    nodeSelector: Record<string, string>;
    /** The taints of those nodes. */
    tolerations: Toleration[];
    /** Those nodes by name, where the stack lists them; clients reach the controller there. */
    entryNodes: pulumi.Input<NodeAddress[]>;
    /** One stable address for the controller that faces clients, instead of the nodes' own. */
    vip: VipSettings;
    /** The control-plane nodes the stack lists (may be empty). */
    nodeNames: string[];
    /** What every child needs first (the namespace, the node labels). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Shown where the stack does not list the control-plane nodes. */
const ANY_ENTRY_NODE: NodeAddress = { node: "<control-plane-node>" };

/**
 * The article's second half on today's Kubernetes: host-based routing through ingress
 * controllers. TLS terminates on the controller that faces clients.
 */
export class IngressExposure extends pulumi.ComponentResource {
    public readonly namespaceController: IngressNamespace;
    public readonly clusterController?: IngressCluster;
    public readonly serviceIngresses: ServiceIngress[];
    public readonly tls?: PublicTls;
    public readonly vip?: Vip;
    public readonly endpoints: pulumi.Output<Record<string, EndpointUrl[]>>;
    public readonly checks: pulumi.Output<string[]>;

    constructor(name: string, args: IngressExposureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:exposure:IngressExposure", name, {}, opts);
        const { settings, namespace, hierarchical } = args;
        const controller = settings.controller;

        this.tls = settings.tls && settings.publicDomain
            ? new PublicTls("public-tls", { settings: settings.tls, namespace, publicDomain: settings.publicDomain, dependsOn: args.dependsOn }, { parent: this })
            : undefined;

        // The VIP belongs to the controller that faces clients, whose release waits for it.
        this.vip = args.vip.mode === "none" ? undefined : new Vip("vip", {
            settings: args.vip,
            controller: hierarchical
                ? { namespace: CLUSTER_CONTROLLER_NAMESPACE, releaseName: settings.clusterClassName }
                : { namespace, releaseName: settings.className },
            nodeSelector: args.nodeSelector,
            nodes: args.nodeNames,
            tolerations: args.tolerations,
            charts: args.charts,
            dependsOn: args.dependsOn,
        }, { parent: this });
        const vipEntry = this.vip && { entry: this.vip.entry, dependsOn: this.vip.controllerDependsOn };

        this.namespaceController = new IngressNamespace("namespace-controller", {
            controller, charts: args.charts, namespace, className: settings.className, nodeSelector: args.nodeSelector, tolerations: args.tolerations,
            hostNetwork: !hierarchical,
            entry: hierarchical ? undefined : vipEntry?.entry,
            dependsOn: [...args.dependsOn ?? [], ...(hierarchical ? [] : vipEntry?.dependsOn ?? [])],
        }, { parent: this });

        const services = args.services.map((exposed) => exposed.name);
        this.serviceIngresses = services.map((service) => new ServiceIngress(service, {
            service, namespace, className: settings.className, publicDomain: settings.publicDomain,
            tls: !hierarchical ? this.tls?.forIngress(service) : undefined, dependsOn: args.dependsOn,
        }, { parent: this }));

        if (hierarchical) {
            // Moving from `ingress` to `hierarchical` hands host ports 80/443 over on the same
            // nodes: the namespace controller must leave host networking before this one binds.
            this.clusterController = new IngressCluster("cluster-controller", {
                controller, charts: args.charts, className: settings.clusterClassName, nodeSelector: args.nodeSelector, tolerations: args.tolerations,
                upstream: this.namespaceController, publicDomain: settings.publicDomain,
                tls: this.tls?.forIngress(`${namespace}-ingress`),
                entry: vipEntry?.entry,
                dependsOn: [this.namespaceController.release, ...vipEntry?.dependsOn ?? []],
            }, { parent: this });
        }

        const inClusterHost = (service: CatalogService) => `${EXPOSURE_CATALOG[service].host}.${namespace}.svc.cluster.local`;
        const publicHost = (service: CatalogService) => settings.publicDomain && `${EXPOSURE_CATALOG[service].host}.${settings.publicDomain}`;
        const https = settings.tls !== undefined;
        // With a VIP, clients reach every service there (or at its public name, resolved to it).
        const vipAddress = this.vip?.output.address;
        const entries = vipAddress
            ? pulumi.output<NodeAddress[]>([{ node: vipAddress, internalIP: vipAddress }])
            : pulumi.output(args.entryNodes).apply((nodes) => nodes.length > 0 ? nodes : [ANY_ENTRY_NODE]);

        // With TLS, horizon's session and CSRF cookies are Secure: a browser logs in only over
        // https, so the plain-http node URLs are no endpoints a person can use (they stay in
        // `checks`, as probes of the routes).
        this.endpoints = entries.apply((nodes) => Object.fromEntries(services.map((service) => {
            const path = EXPOSURE_CATALOG[service].healthPath;
            const host = publicHost(service);
            return [service, [
                ...(host ? [{ url: `${https ? "https" : "http"}://${host}${path}` }] : []),
                ...(https ? [] : nodes.map((node) => ({ url: `http://${node.node}${path}`, hostHeader: inClusterHost(service) }))),
            ]];
        })));

        this.checks = entries.apply((nodes) => [
            ...nodes.flatMap((node) => services.flatMap((service) => {
                const path = EXPOSURE_CATALOG[service].healthPath;
                const probe = https ? "  # probe of the route over plain http; browsers use the https endpoints" : "";
                const viaHost = (host: string) => `curl -I http://${node.node}${path} -H "Host: ${host}"${probe}`;
                const host = publicHost(service);
                return [
                    viaHost(inClusterHost(service)),
                    // Short names pass only the namespace controller; the cluster one routes FQDNs.
                    ...(!hierarchical ? [viaHost(EXPOSURE_CATALOG[service].host)] : []),
                    // A Host header does not set SNI: TLS hosts are checked with --resolve.
                    ...(host ? [https ? tlsCheck(host, path, node, settings.tls?.kind === "selfSigned") : viaHost(host)] : []),
                ];
            })),
            `kubectl -n ${namespace} get ingress`,
            `kubectl -n ${namespace} get pods -o wide -l app.kubernetes.io/instance=${settings.className}`,
            ...(hierarchical ? [`kubectl -n ${CLUSTER_CONTROLLER_NAMESPACE} get pods -o wide -l app.kubernetes.io/instance=${settings.clusterClassName}`] : []),
        ]);
        this.registerOutputs({ endpoints: this.endpoints, checks: this.checks, vip: this.vip?.output });
    }
}

function tlsCheck(host: string, path: string, node: NodeAddress, selfSigned: boolean): string {
    const insecure = selfSigned ? " -k" : "";
    return node.internalIP
        ? `curl -I${insecure} --resolve ${host}:443:${node.internalIP} https://${host}${path}`
        : `curl -I${insecure} --connect-to ${host}:443:${node.node}:443 https://${host}${path}`;
}
