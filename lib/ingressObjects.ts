// Shared shape of the Ingress objects the program creates (per service and the catch-all).

/** TLS for an Ingress: the Secret that holds the certificate, and annotations that have it issued. */
export interface IngressTls {
    secretName: string;
    annotations: Record<string, string>;
}

/**
 * Our controllers publish no address in Ingress status (no LoadBalancer Service), and Pulumi's
 * Ingress await waits for one: it would time out although traffic flows. Readiness of the routes
 * is shown by the `checks` output instead.
 */
export const INGRESS_ANNOTATIONS = { "pulumi.com/skipAwait": "true" } as const;

/** One Ingress rule per host, all to the same backend, as openstack-helm's templates rendered them. */
export function rulesFor(hosts: string[], backend: { name: string; port: number }) {
    return hosts.map((host) => ({
        host,
        http: {
            paths: [{
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: backend.name, port: { number: backend.port } } },
            }],
        },
    }));
}
