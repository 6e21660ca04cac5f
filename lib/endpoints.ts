import { PublicEndpoint } from "../config";

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

/** ClusterIP mode: the names that resolve inside the cluster only. */
export function inClusterEndpoints(namespace: string): Record<string, EndpointUrl[]> {
    return {
        keystone: [{ url: `http://keystone.${namespace}.svc.cluster.local/v3` }, { url: `http://keystone-api.${namespace}.svc.cluster.local:5000/v3` }],
        horizon: [{ url: `http://horizon-int.${namespace}.svc.cluster.local/auth/login/` }],
    };
}

/** From a pod, since nothing is reachable from outside in ClusterIP mode. */
export function inClusterChecks(namespace: string): string[] {
    const fromPod = (url: string) =>
        `kubectl -n ${namespace} run taco-check --rm -i --restart=Never --image=docker.io/curlimages/curl -- curl -sI ${url}`;
    return [
        `kubectl -n ${namespace} get svc keystone keystone-api horizon-int`,
        ...Object.values(inClusterEndpoints(namespace)).flat().map((endpoint) => fromPod(endpoint.url)),
    ];
}

export function distinct<T>(items: T[]): T[] {
    return [...new Set(items)];
}
