// A whole HAProxy configuration for the external load balancer in front of node ports (global,
// defaults, front ends and one backend per service), so the network team gets a file that starts
// (`haproxy -c` passes) rather than a fragment and a conversation.
import type { PublicEndpoint } from "../config";
import type { LoadBalancerBackend } from "../components/nodePortExposure";
import { publicEndpointOf } from "./endpoints";
import { FailoverBound, failoverBound } from "./failoverBound";

/**
 * Health checks, in seconds. No `timeout check` is set, so HAProxy bounds a whole check (connect +
 * response) by `inter`: with `externalTrafficPolicy: Local` a node without its pod drops the SYN,
 * and the check times out after `inter`. `fall 2` tolerates one lost check; `rise 2` keeps a node
 * that answers once out of rotation until it answers again; `fastinter` paces the checks that
 * follow a first failure.
 */
export const HEALTH_CHECK = { inter: 1, fastinter: 0.5, fall: 2, rise: 2 } as const;

const SCHEDULING_SLACK_SECONDS = 0.3;
/** Connect time-out for requests: the nodes are one hop away; a retry goes to another server. */
const CONNECT_TIMEOUT_SECONDS = 1;
const RETRIES = 3;
/** How often a server given by name is re-resolved. */
const RESOLVE_HOLD_SECONDS = 10;
/** The certificate (PEM: certificate, then key) the https front end terminates TLS with. */
export const TLS_CERTIFICATE_PATH = "/etc/haproxy/certs/taco.pem";

/**
 * Worst case from a node (or its API pod) failing to HAProxy marking it down and sending nothing
 * more to it: the next check starts at most `inter` later, each of `fall` failed checks takes at
 * most its time-out (`inter`, since no `timeout check` is set), and `fastinter` separates them.
 * The failover lab measured the first three terms almost exactly when the link goes just after a
 * successful check.
 */
export function loadBalancerFailoverBound(): FailoverBound {
    const { inter, fastinter, fall } = HEALTH_CHECK;
    return failoverBound([
        { what: "the next health check, up to inter later", seconds: inter },
        { what: `${fall} failed checks, each timing out after inter`, seconds: fall * inter },
        { what: `${fall - 1} × fastinter between them`, seconds: (fall - 1) * fastinter },
        // The terms above are HAProxy's timers; its event loop and a loaded host add a little.
        { what: "timer and scheduling slack", seconds: SCHEDULING_SLACK_SECONDS },
    ]);
}

export interface HaproxyConfigOptions {
    /** The load balancer's front end for keystone (`taco:exposure.nodePort.publicEndpoint`). */
    publicEndpoint?: PublicEndpoint;
}

export function renderHaproxyBackends(backends: LoadBalancerBackend[], stack: string, options: HaproxyConfigOptions = {}): string {
    const byName = backends.flatMap((backend) => backend.nodes).filter((node) => !node.internalIP).map((node) => node.node);
    const lines = [
        `# taco-exposure, stack ${stack}: a whole HAProxy (2.6+) configuration for the external load balancer`,
        "# in front of the node ports. Check it with `haproxy -c -f <this file>`.",
        "# Each server is a node that runs its own API pod; with externalTrafficPolicy Local any other",
        "# node drops node-port traffic, so list exactly these.",
        byName.length === 0
            ? "# Servers: by the InternalIP the cluster reports for each node."
            : `# Servers by name (${[...new Set(byName)].join(", ")}): the program did not know their InternalIP. HAProxy resolves`
                + "\n# them at start-up through libc and starts even if a name does not resolve (init-addr last,libc,none:"
                + `\n# the server stays down until it does), then re-resolves every ${RESOLVE_HOLD_SECONDS} s through the resolvers in`
                + "\n# /etc/resolv.conf (section taco_dns). Give the plan the addresses to pin them instead:"
                + "\n#   npm run plan -- <stack> --node-addresses <file.yaml>   (node name: InternalIP)",
        "# A dead server is marked down within",
        `#   ${loadBalancerFailoverBound().derivation};`,
        `# a new request that meets it before is retried (${RETRIES} times) on another server (option redispatch).`,
        `# https: the certificate and its key (PEM) must be in ${TLS_CERTIFICATE_PATH} for haproxy to start.`,
        "",
        "global",
        "    log stdout format raw local0 info",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        `    timeout connect ${CONNECT_TIMEOUT_SECONDS}s`,
        "    timeout client 60s",
        "    timeout server 60s",
        "    # A request whose connection fails is retried, each retry on another server.",
        `    retries ${RETRIES}`,
        "    option redispatch 1",
        "    # Health checks go through the node port, the same path clients take: they prove that",
        "    # the node's own API pod answers. No `timeout check`: a check times out after inter.",
        `    default-server inter ${HEALTH_CHECK.inter}s fastinter ${HEALTH_CHECK.fastinter * 1000}ms fall ${HEALTH_CHECK.fall} rise ${HEALTH_CHECK.rise}`,
        "    # on-marked-down is left at its default (sessions kept), deliberately: shutdown-sessions",
        "    # also cuts requests still connecting to the server, which the retries above would have",
        "    # carried to another one (the failover lab measured ~40 failed new requests per fault",
        "    # with it). The price: a request already sent to a node that vanished waits for",
        "    # `timeout server` (a node whose pod died answers with a reset at once).",
    ];
    if (byName.length > 0) {
        lines.push(
            "",
            "resolvers taco_dns",
            "    parse-resolv-conf",
            `    hold valid ${RESOLVE_HOLD_SECONDS}s`,
            "    resolve_retries 3",
            "    timeout resolve 1s",
            "    timeout retry 1s",
        );
    }
    lines.push(...frontends(backends, options.publicEndpoint));
    for (const backend of backends) {
        lines.push(
            "",
            `backend taco_${backend.service}`,
            "    balance roundrobin",
            `    option httpchk GET ${backend.healthCheck}`,
            `    http-check expect status ${backend.healthStatus ?? 200}`,
            ...backend.nodes.map((node) => `    server ${node.node} ${node.internalIP ?? node.node}:${backend.port} check`
                + (node.internalIP ? "" : " resolvers taco_dns resolve-prefer ipv4 init-addr last,libc,none")),
        );
    }
    return `${lines.join("\n")}\n`;
}

/**
 * Front ends: keystone on its public endpoint's port (TLS terminated there when its scheme is
 * https), horizon on 80 and, terminating TLS, 443 (8080/8443 when keystone already holds one),
 * every other API on its own port at keystone's scheme (lib/endpoints.ts publicEndpointOf), which
 * is what its chart registers in the catalog (the `chartEndpointValues` output).
 */
function frontends(backends: LoadBalancerBackend[], publicEndpoint: PublicEndpoint | undefined): string[] {
    const lines: string[] = [];
    const tls = `ssl crt ${TLS_CERTIFICATE_PATH}`;
    const keystone = publicEndpoint ?? { scheme: "http", host: "", port: 5000 };
    const taken = new Set<number>();
    for (const backend of backends) {
        const binds: string[] = [];
        if (backend.service !== "horizon") {
            const front = publicEndpointOf(backend.service, keystone)!;
            binds.push(`bind :${front.port}${front.scheme === "https" ? ` ${tls}` : ""}`);
            taken.add(front.port);
        } else {
            const http = taken.has(80) ? 8080 : 80;
            const https = taken.has(443) ? 8443 : 443;
            binds.push(`bind :${http}`, `bind :${https} ${tls}`);
            taken.add(http).add(https);
        }
        lines.push(
            "",
            `frontend taco_${backend.service}`,
            ...binds.map((bind) => `    ${bind}`),
            ...(binds.some((bind) => bind.includes(" ssl ")) ? [
                `    # TLS terminates here: put the certificate and its key in ${TLS_CERTIFICATE_PATH}.`,
                "    http-request set-header X-Forwarded-Proto https if { ssl_fc }",
            ] : []),
            "    option forwardfor",
            `    default_backend taco_${backend.service}`,
        );
    }
    return lines;
}
