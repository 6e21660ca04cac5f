// Every endpoint the stack offers, as a Markdown table: the URL, whether it is TLS, and the
// command that checks it (the program's own `checks` line for that URL where there is one).
import { EndpointUrl } from "./endpoints";

export function renderEndpoints(stack: string, outputs: Record<string, any>): string {
    const endpoints = (outputs.endpoints ?? {}) as Record<string, EndpointUrl[]>;
    const checks = (outputs.checks ?? []) as string[];
    const inCluster = outputs.exposureMode === "clusterip";
    const lines = [
        `# Endpoints of stack ${stack}`,
        "",
        inCluster ? "Mode `clusterip`: nothing is reachable from outside the cluster; these resolve inside it only." : `Mode \`${outputs.exposureMode}\`.`,
        "",
        "| service | endpoint | TLS | check |",
        "|---|---|---|---|",
    ];
    for (const [service, urls] of Object.entries(endpoints)) {
        for (const endpoint of urls) {
            const shown = endpoint.hostHeader ? `${endpoint.url} (Host: ${endpoint.hostHeader})` : endpoint.url;
            const tls = endpoint.url.startsWith("https://") ? "yes" : "no";
            lines.push(`| ${service} | ${cell(shown)} | ${tls} | ${cell(checkFor(endpoint, checks))} |`);
        }
    }
    return `${lines.join("\n")}\n`;
}

/** The program's check for this URL (with its Host header), else a plain curl of it. */
function checkFor(endpoint: EndpointUrl, checks: string[]): string {
    const hostHeader = endpoint.hostHeader ? `Host: ${endpoint.hostHeader}` : undefined;
    const own = checks.find((check) => check.split(/\s+/).includes(endpoint.url) && (!hostHeader || check.includes(hostHeader)));
    return own ?? `curl -I ${endpoint.url}${hostHeader ? ` -H "${hostHeader}"` : ""}`;
}

function cell(text: string): string {
    return `\`${text.replace(/\|/g, "\\|")}\``;
}
