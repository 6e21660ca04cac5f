import type { ExposedService, PublicEndpoint } from "../config";
import { CatalogService, EXPOSURE_CATALOG } from "./exposureCatalog";

/** How a client reaches a service: a URL, and the Host header to send where the URL's host is not it. */
export interface EndpointUrl {
    url: string;
    hostHeader?: string;
}

/** `scheme://host[:port]path`, leaving the port out where it is the scheme's own, as keystone does. */
export function endpointUrl(endpoint: PublicEndpoint, path: string): string {
    const defaultPort = endpoint.scheme === "https" ? 443 : 80;
    return `${endpoint.scheme}://${endpoint.host}${endpoint.port === defaultPort ? "" : `:${endpoint.port}`}${path}`;
}

/**
 * In nodeport mode, the load balancer's front end for a service: keystone's is
 * `taco:exposure.nodePort.publicEndpoint`; a chart outside the stack gets the same host and scheme
 * on its API's own port (glance 9292, nova 8774, ...), which the HAProxy stanza binds. Horizon is
 * served on 80/443 of the load balancer and registers no catalog entry.
 */
export function publicEndpointOf(service: CatalogService, loadBalancer: PublicEndpoint | undefined): PublicEndpoint | undefined {
    if (!loadBalancer || service === "horizon") return undefined;
    return service === "keystone" ? loadBalancer : { ...loadBalancer, port: EXPOSURE_CATALOG[service].service.port };
}

/** `http://<chart Service>.<ns>.svc.cluster.local[:port]<health path>`. */
function chartServiceUrl(service: CatalogService, namespace: string): string {
    const entry = EXPOSURE_CATALOG[service];
    return endpointUrl({ scheme: "http", host: `${entry.service.name}.${namespace}.svc.cluster.local`, port: entry.service.port }, entry.healthPath);
}

/** ClusterIP mode: the names that resolve inside the cluster only (keystone's catalog Service first). */
export function inClusterEndpoints(namespace: string, services: ExposedService[]): Record<string, EndpointUrl[]> {
    return Object.fromEntries(services.map(({ name }) => [name, [
        ...(name === "keystone" ? [{ url: `http://keystone.${namespace}.svc.cluster.local${EXPOSURE_CATALOG.keystone.healthPath}` }] : []),
        { url: chartServiceUrl(name, namespace) },
    ]]));
}

/** From a pod, since nothing is reachable from outside in ClusterIP mode. */
export function inClusterChecks(namespace: string, services: ExposedService[]): string[] {
    const fromPod = (url: string) =>
        `kubectl -n ${namespace} run taco-check --rm -i --restart=Never --image=docker.io/curlimages/curl -- curl -sI ${url}`;
    const serviceNames = services.flatMap(({ name }) => [...(name === "keystone" ? ["keystone"] : []), EXPOSURE_CATALOG[name].service.name]);
    return [
        `kubectl -n ${namespace} get svc ${serviceNames.join(" ")}`,
        ...Object.values(inClusterEndpoints(namespace, services)).flat().map((endpoint) => fromPod(endpoint.url)),
    ];
}

export function distinct<T>(items: T[]): T[] {
    return [...new Set(items)];
}
