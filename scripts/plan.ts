// Offline plan: runs the program under the mock runtime with a stack's config and prints what
// `pulumi preview` would register, without a cluster or credentials.
//   npm run plan -- <stack> [--program <file>] [--node-addresses <file.yaml>]
// `--program` plans another program with the stack's config (the benchmark's empty program is its
// floor); its files go to plan/<stack>-<program name>/ so the stack's own plan stays as it was.
// `--node-addresses` gives the nodes' InternalIPs (`ctrl-1: 10.0.0.11`, one per line) as the cluster
// would report them after a real `up`, so the HAProxy file pins servers to addresses, not names.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, parseConfig } from "../config";
import { renderEndpoints } from "../lib/endpointsReport";
import { ChartValuesToSet, valuesPerOutsideRelease } from "../lib/exposure";
import { renderHaproxyBackends } from "../lib/haproxyBackends";
import { renderRollout } from "../lib/rollout";
import { renderRouterFrr } from "../lib/routerFrr";
import { renderTopology } from "../lib/topology";
import { CommandIO, runAsProcess, TERMINAL } from "../tools/command";
import { PROJECT_DIR, RecordedResource, revealOrMask, runStack } from "../tools/mockRuntime";
import { nodeReadState, readNodeAddresses, readStack } from "../tools/stackConfig";

const SECRET = "[secret]";

/** Where the plan prints, and the plan/ directory that receives <stack>/ (tests give a scratch one). */
export interface PlanIO extends CommandIO {
    planRoot: string;
}

/** The project's plan/, where `npm run plan` writes. */
export const PLAN_DIR = path.join(PROJECT_DIR, "plan");

const PLAN_TO_TERMINAL: PlanIO = { ...TERMINAL, planRoot: PLAN_DIR };

async function main(stack: string, program: string | undefined, nodeAddresses: Record<string, string> | undefined, io: PlanIO): Promise<void> {
    const stackConfig = readStack(stack);
    const readState = nodeAddresses ? nodeReadState(nodeAddresses) : undefined;
    const run = await runStack({ stack, ...stackConfig, program: program && path.resolve(program), readState });
    const config = parseConfig(stackConfig.config, PROJECT_DIR, { secretKeys: stackConfig.secretKeys, stack });
    const masked = (value: unknown) => revealOrMask(value, () => SECRET);

    io.out(`Stack ${stack}: ${run.resources.length} resources\n`);
    printTree(run.resources, io.out);

    const ingresses = run.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
    if (ingresses.length > 0) {
        io.out("\nIngresses");
        for (const { inputs } of ingresses) io.out(`  ${describeIngress(inputs as unknown as IngressInputs)}`);
    }

    io.out("\nOutputs");
    io.out(indent(YAML.stringify(masked(run.outputs), { lineWidth: 0 }), "  "));

    const dir = path.join(io.planRoot, program ? `${stack}-${path.parse(program).name}` : stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    // Helm releases, and charts Pulumi renders itself (MetalLB), the same way.
    for (const release of run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart")) {
        const { namespace, chart, version, repositoryOpts } = release.inputs as Record<string, string> & { repositoryOpts?: { repo: string } };
        const name = (release.inputs.name as string | undefined) ?? release.name;
        const file = path.join(dir, `${name}.values.yaml`);
        const from = repositoryOpts ? ["--repo", repositoryOpts.repo, "--version", version] : [];
        const header = commentLine(["helm", "template", name, chart, ...from, "-n", namespace, "-f", path.basename(file)]);
        fs.writeFileSync(file, header + YAML.stringify(masked(release.inputs.values ?? {}), { lineWidth: 0 }));
        written.push(file);
    }
    // Releases outside the stack whose APIs are exposed: what the operator installs them with.
    for (const outside of valuesPerOutsideRelease((run.outputs.chartEndpointValues ?? {}) as Record<string, ChartValuesToSet>)) {
        const file = path.join(dir, `${outside.release}.outside.values.yaml`);
        const header = `# not deployed by this program: give release ${outside.release} (chart ${outside.chart}) these values\n`
            + outside.notes.map((note) => `# ${note}\n`).join("")
            + commentLine(["helm", "upgrade", "--install", outside.release, outside.chart, "-n", config.namespace, "-f", path.basename(file)]);
        fs.writeFileSync(file, header + YAML.stringify(outside.values, { lineWidth: 0 }));
        written.push(file);
    }
    const rollout = path.join(dir, "rollout.md");
    fs.writeFileSync(rollout, renderRollout(stack, run.resources, config));
    written.push(rollout);
    const backends = run.outputs.loadBalancerBackends;
    if (Array.isArray(backends) && backends.length > 0) {
        const file = path.join(dir, "haproxy-backends.cfg");
        fs.writeFileSync(file, renderHaproxyBackends(backends, stack, { publicEndpoint: config.exposure.nodePort?.publicEndpoint }));
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
    io.out(`Written:\n${written.map((file) => `  ${path.relative(process.cwd(), file)}`).join("\n")}`);
}

/**
 * A shell command as one YAML comment line, each word quoted for a POSIX shell. Config reaches these
 * words (repository URL, chart path, namespace); config validation already refuses line breaks, and
 * this refuses them again so a comment can never end early and turn the rest into values.
 */
export function commentLine(words: string[]): string {
    for (const word of words) {
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(word)) throw new Error(`refusing to write a control character into a plan file: ${JSON.stringify(word)}`);
    }
    return `# ${words.map(shellQuote).join(" ")}\n`;
}

/** `word` as one POSIX shell word: as is when it holds only safe characters, else single-quoted. */
export function shellQuote(word: string): string {
    return /^[A-Za-z0-9_\/.:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function printTree(resources: RecordedResource[], print: (line: string) => void): void {
    const children = new Map<string, RecordedResource[]>();
    for (const resource of resources) children.set(resource.parent, [...(children.get(resource.parent) ?? []), resource]);
    const walk = (parent: string, depth: number) => {
        for (const resource of children.get(parent) ?? []) {
            const read = resource.read ? "  (read)" : "";
            print(`${"  ".repeat(depth)}${resource.type}  ${resource.name}${read}`);
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

/** The command line, `npm run plan -- <args>`: what it prints goes to `io`; resolves to the exit code. */
export async function planCommand(args: string[], io: PlanIO = PLAN_TO_TERMINAL): Promise<number> {
    const [stack, ...rest] = args;
    const options: Record<string, string> = {};
    for (let i = 0; i < rest.length; i += 2) {
        if (!["--program", "--node-addresses"].includes(rest[i]) || rest[i + 1] === undefined) options.bad = rest[i];
        else options[rest[i]] = rest[i + 1];
    }
    if (!stack || stack.startsWith("-") || options.bad !== undefined) {
        io.err("usage: npm run plan -- <stack> [--program <file>] [--node-addresses <file.yaml>]   (reads Pulumi.<stack>.yaml)");
        return 2;
    }
    let addresses: Record<string, string> | undefined;
    try {
        addresses = options["--node-addresses"] ? readNodeAddresses(options["--node-addresses"]) : undefined;
    } catch (error) {
        io.err(`error: ${(error as Error).message}`);
        return 2;
    }
    try {
        await main(stack, options["--program"], addresses, io);
        return 0;
    } catch (error) {
        io.err(error instanceof ConfigError ? `error: ${error.message}` : error);
        return 1;
    }
}

if (require.main === module) runAsProcess(planCommand);
