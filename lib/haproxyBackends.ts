// A backend stanza for HAProxy as the external load balancer in front of node ports, so the
// network team gets a file rather than a conversation.
import type { LoadBalancerBackend } from "../components/nodePortExposure";

export function renderHaproxyBackends(backends: LoadBalancerBackend[], stack: string): string {
    const lines = [
        `# taco-exposure, stack ${stack}: backends for the external load balancer.`,
        "# Each server is a node that runs its own API pod; with externalTrafficPolicy Local any other",
        "# node drops node-port traffic, so list exactly these.",
    ];
    for (const backend of backends) {
        lines.push(
            "",
            `backend taco_${backend.service}`,
            "    mode http",
            "    balance roundrobin",
            `    option httpchk GET ${backend.healthCheck}`,
            "    http-check expect status 200",
            "    default-server inter 2s fall 3 rise 2",
            ...backend.nodes.map((node) => `    server ${node.node} ${node.internalIP ?? node.node}:${backend.port} check`),
        );
    }
    return `${lines.join("\n")}\n`;
}
