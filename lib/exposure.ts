// How the exposure mode reaches into the keystone and horizon charts. Nothing here touches mariadb,
// rabbitmq or memcached: switching modes must never change (or replace) a stateful release.
import { pinsApiPodsToNodes, PublicEndpoint, TacoConfig } from "../config";
import { ApiServiceName } from "./charts";
import { publicEndpointOf } from "./endpoints";
import { CatalogService, deployedByProgram, EXPOSURE_CATALOG } from "./exposureCatalog";
import { mergeAll, atPath, Values } from "./values";

/**
 * The program's own label for the nodes that run API pods. The charts' shared
 * `openstack-control-plane` label is often on more nodes than the load balancer is given.
 */
export const API_NODE_LABEL = { key: "taco-exposure/api-node", value: "enabled" } as const;

/** One pod per node: with `externalTrafficPolicy: Local` a node without one drops what it is sent. */
export const REQUIRED_ANTI_AFFINITY = "requiredDuringSchedulingIgnoredDuringExecution";

/** The public URL a service registers in keystone's catalog, where it differs from the chart's default. */
export function publicEndpointFor(service: CatalogService, config: TacoConfig): PublicEndpoint | undefined {
    const { mode, nodePort, ingress } = config.exposure;
    if (mode === "nodeport") return publicEndpointOf(service, nodePort.publicEndpoint);
    if ((mode === "ingress" || mode === "hierarchical") && ingress.publicDomain) {
        const https = ingress.tls !== undefined;
        return { scheme: https ? "https" : "http", host: `${EXPOSURE_CATALOG[service].host}.${ingress.publicDomain}`, port: https ? 443 : 80 };
    }
    return undefined;
}

export function keystonePublicEndpoint(config: TacoConfig): PublicEndpoint | undefined {
    return publicEndpointFor("keystone", config);
}

/** What the operator must give the release of a chart this program does not deploy. */
export interface ChartValuesToSet {
    release: string;
    chart: string;
    values: Values;
    /** What values cannot say. */
    notes: string[];
}

/**
 * For each exposed chart this program does not deploy, the values its release must be given:
 * - the public URL its ks-endpoints job registers in keystone's catalog (helm-toolkit's
 *   keystone_endpoint_uri_lookup reads `host_fqdn_override.public`, `port.<port>.public` and
 *   `scheme.public` of `endpoints.<type>`), where the mode gives one (not in clusterip, nor in the
 *   ingress modes without a public domain: the chart's defaults then stand);
 * - with `externalTrafficPolicy: Local`, the placement the program gives keystone and horizon: its
 *   API pods on the nodes handed to the load balancer, one per node. The program cannot place
 *   pods of a release it does not install.
 */
export function chartEndpointValues(config: TacoConfig): Record<string, ChartValuesToSet> {
    const pinned = pinsApiPodsToNodes(config.exposure);
    return Object.fromEntries(config.exposure.services.filter(({ name }) => !deployedByProgram(name)).flatMap(({ name, release }) => {
        const endpoint = publicEndpointFor(name, config);
        if (!endpoint && !pinned) return [];
        const entry = EXPOSURE_CATALOG[name];
        const notes = pinned ? [`one ${name} API pod on each of the ${config.nodes.controlPlane.length} nodes (${config.nodes.controlPlane.join(", ")}): `
            + `set the chart's replica count for this Deployment to ${config.nodes.controlPlane.length}; a node without one drops what the load balancer sends it`] : [];
        return [[name, {
            release, chart: entry.chart,
            values: mergeAll(endpoint ? publicEndpointValues(entry.endpoint, endpoint) : {}, pinned ? placementValues(name, config) : {}),
            notes,
        }]];
    }));
}

/** `chartEndpointValues` merged per release (nova's API and novnc proxy share one): one values file each. */
export function valuesPerOutsideRelease(perService: Record<string, ChartValuesToSet>): ChartValuesToSet[] {
    const byRelease = new Map<string, ChartValuesToSet>();
    for (const entry of Object.values(perService)) {
        const seen = byRelease.get(entry.release);
        byRelease.set(entry.release, seen
            ? { ...seen, values: mergeAll(seen.values, entry.values), notes: [...seen.notes, ...entry.notes] }
            : entry);
    }
    return [...byRelease.values()];
}

/** Values for keystone and horizon that depend on where and how they are exposed. */
export function apiExposureValues(config: TacoConfig): Record<ApiServiceName, Values> {
    return {
        keystone: mergeAll(placementValues("keystone", config), keystoneEndpointValues(keystonePublicEndpoint(config))),
        horizon: mergeAll(placementValues("horizon", config), horizonProxyValues(config)),
    };
}

/** An API's pods on the program's API nodes and, where pinned, one per node (helm-toolkit's kubernetes_pod_anti_affinity). */
function placementValues(service: CatalogService, config: TacoConfig): Values {
    return mergeAll(
        config.nodes.controlPlane.length > 0 ? atPath(EXPOSURE_CATALOG[service].nodeLabelsPath, {
            node_selector_key: API_NODE_LABEL.key,
            node_selector_value: API_NODE_LABEL.value,
        }) : {},
        pinsApiPodsToNodes(config.exposure) ? atPath("pod.affinity.anti.type.default", REQUIRED_ANTI_AFFINITY) : {},
    );
}

/**
 * helm-toolkit's keystone_endpoint_uri_lookup reads these three for the public endpoint, falling
 * back to `hosts`, `port.api.default` and `scheme.default`; the keys are absent from values.yaml.
 */
function keystoneEndpointValues(endpoint: PublicEndpoint | undefined): Values {
    return endpoint ? publicEndpointValues(EXPOSURE_CATALOG.keystone.endpoint, endpoint) : {};
}

function publicEndpointValues(at: { type: string; port: string }, endpoint: PublicEndpoint): Values {
    return {
        endpoints: {
            [at.type]: {
                host_fqdn_override: { public: endpoint.host },
                port: { [at.port]: { public: endpoint.port } },
                scheme: { public: endpoint.scheme },
            },
        },
    };
}

/**
 * Behind a controller that terminates TLS, Django sees plain http: without SECURE_PROXY_SSL_HEADER
 * and the https origin in CSRF_TRUSTED_ORIGINS, horizon's login form fails its CSRF check.
 */
function horizonProxyValues(config: TacoConfig): Values {
    const { mode, ingress } = config.exposure;
    if ((mode !== "ingress" && mode !== "hierarchical") || !ingress.tls || !ingress.publicDomain) return {};
    return atPath("conf.horizon.local_settings.config", {
        secure_proxy_ssl_header: true,
        csrf_trusted_origins: [`https://horizon.${ingress.publicDomain}`],
        csrf_cookie_secure: "True",
        session_cookie_secure: "True",
    });
}
