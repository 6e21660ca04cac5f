// Offline plan: runs the program under the mock runtime with a stack's config and prints what
// `pulumi preview` would register, without a cluster or credentials.
//   npm run plan -- <stack>
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, parseConfig } from "../config";
import { renderEndpoints } from "../lib/endpointsReport";
import { renderHaproxyBackends } from "../lib/haproxyBackends";
import { renderRollout } from "../lib/rollout";
import { renderRouterFrr } from "../lib/routerFrr";
import { renderTopology } from "../lib/topology";
import { PROJECT_DIR, RecordedResource, revealOrMask, runStack } from "../tools/mockRuntime";
import { readStackConfig } from "../tools/stackConfig";

const SECRET = "[secret]";

async function main(stack: string): Promise<void> {
    const stackConfig = readStackConfig(stack);
    const run = await runStack({ stack, config: stackConfig });
    const config = parseConfig(stackConfig, PROJECT_DIR);
    const masked = (value: unknown) => revealOrMask(value, () => SECRET);

    console.log(`Stack ${stack}: ${run.resources.length} resources\n`);
    printTree(run.resources);

    const ingresses = run.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
    if (ingresses.length > 0) {
        console.log("\nIngresses");
        for (const { inputs } of ingresses) console.log(`  ${describeIngress(inputs as unknown as IngressInputs)}`);
    }

    console.log("\nOutputs");
    console.log(indent(YAML.stringify(masked(run.outputs), { lineWidth: 0 }), "  "));

    const dir = path.join(PROJECT_DIR, "plan", stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    // Helm releases, and charts Pulumi renders itself (MetalLB), the same way.
    for (const release of run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart")) {
        const { namespace, chart, version, repositoryOpts } = release.inputs as Record<string, string> & { repositoryOpts?: { repo: string } };
        const name = (release.inputs.name as string | undefined) ?? release.name;
        const file = path.join(dir, `${name}.values.yaml`);
        const from = repositoryOpts ? ` --repo ${repositoryOpts.repo} --version ${version}` : "";
        const header = `# helm template ${name} ${chart}${from} -n ${namespace} -f ${path.basename(file)}\n`;
        fs.writeFileSync(file, header + YAML.stringify(masked(release.inputs.values ?? {}), { lineWidth: 0 }));
        written.push(file);
    }
    const rollout = path.join(dir, "rollout.md");
    fs.writeFileSync(rollout, renderRollout(stack, run.resources, config));
    written.push(rollout);
    const backends = run.outputs.loadBalancerBackends;
    if (Array.isArray(backends) && backends.length > 0) {
        const file = path.join(dir, "haproxy-backends.cfg");
        fs.writeFileSync(file, renderHaproxyBackends(backends, stack));
        written.push(file);
    }
    const plain = masked(run.outputs) as Record<string, any>;
    const pictures = {
        "topology.mmd": renderTopology({ resources: run.resources, outputs: plain, config }),
        "endpoints.md": renderEndpoints(stack, plain),
    };
    for (const [name, text] of Object.entries(pictures)) {
        fs.writeFileSync(path.join(dir, name), text);
        written.push(path.join(dir, name));
    }
    const { vip } = config.exposure;
    if (vip.mode === "routed") {
        // One file per upstream router; the first is router-frr.conf, which the failover lab runs.
        vip.bgp.peers.forEach((router, i) => {
            const file = path.join(dir, i === 0 ? "router-frr.conf" : `router-frr.${router.address}.conf`);
            fs.writeFileSync(file, renderRouterFrr(vip, router));
            written.push(file);
        });
    }
    console.log(`Written:\n${written.map((file) => `  ${path.relative(process.cwd(), file)}`).join("\n")}`);
}

function printTree(resources: RecordedResource[]): void {
    const children = new Map<string, RecordedResource[]>();
    for (const resource of resources) children.set(resource.parent, [...(children.get(resource.parent) ?? []), resource]);
    const walk = (parent: string, depth: number) => {
        for (const resource of children.get(parent) ?? []) {
            const read = resource.read ? "  (read)" : "";
            console.log(`${"  ".repeat(depth)}${resource.type}  ${resource.name}${read}`);
            walk(resource.urn, depth + 1);
        }
    };
    walk("", 0);
}

interface IngressInputs {
    metadata: { name: string; namespace: string };
    spec: {
        ingressClassName: string;
        rules: { host: string; http: { paths: { backend: { service: { name: string; port: { number: number } } } }[] } }[];
        tls?: { hosts: string[]; secretName: string }[];
    };
}

function describeIngress({ metadata, spec }: IngressInputs): string {
    const backends = [...new Set(spec.rules.map((rule) => {
        const service = rule.http.paths[0].backend.service;
        return `${service.name}:${service.port.number}`;
    }))];
    const tls = spec.tls?.map((entry) => ` tls ${entry.hosts.join(",")} -> secret ${entry.secretName}`).join("") ?? "";
    return `${metadata.namespace}/${metadata.name}  class ${spec.ingressClassName}  hosts ${spec.rules.map((rule) => rule.host).join(",")}  -> ${backends.join(",")}${tls}`;
}

function indent(text: string, prefix: string): string {
    return text.trimEnd().split("\n").map((line) => prefix + line).join("\n");
}

const stack = process.argv[2];
if (!stack) {
    console.error("usage: npm run plan -- <stack>   (reads Pulumi.<stack>.yaml)");
    process.exit(2);
}
main(stack).catch((error: unknown) => {
    console.error(error instanceof ConfigError ? `error: ${error.message}` : error);
    process.exit(1);
});
