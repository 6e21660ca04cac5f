// One stack through the real engine: preview with the least-privilege preview identity, up,
// assertions against the API server, secrets kept out of state, a re-preview with no changes and a
// refresh without drift, mode switches on the live stack, and destroy.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as Yaml from "yaml";
import { Cluster } from "./cluster";
import { KubeObject } from "./kube";
import { PulumiCli } from "./pulumi";
import { Switch, switchesFor } from "./switches";

export type Verdict = "pass" | "FAIL" | "not run";

export interface Phase {
    stack: string;
    phase: string;
    verdict: Verdict;
    seconds: number;
    /** What the phase proved against the API server (counts and kinds). */
    proven: string[];
    /** What it could not prove under kwok, and why. */
    unprovable: string[];
    /** Why it failed, or why it did not run. */
    detail?: string;
}

export interface StackRun {
    stack: string;
    projectDir: string;
    scratch: string;
    bin: string;
    cluster: Cluster;
    /** `TACO_E2E_CHARTS`: without it only the preview runs. */
    charts?: string;
}

/** The API pods' labels (openstack-helm: application=<chart>, component=api|server). */
const API_PODS = ["application=keystone,component=api", "application=horizon,component=server"];
/** The label the program owns on the nodes it is given, and the installer's shared one. */
const SHARED_NODE_LABEL = "openstack-control-plane";

export async function runStack(run: StackRun, report: (phase: Phase) => void): Promise<void> {
    const log = path.join(run.scratch, "pulumi.log");
    const cli = new PulumiCli(run.stack, run.projectDir, run.scratch, run.bin, log);
    const phase = async (name: string, body: (proven: string[], unprovable: string[]) => Promise<void>): Promise<boolean> => {
        const started = Date.now();
        const proven: string[] = [];
        const unprovable: string[] = [];
        try {
            await body(proven, unprovable);
            report({ stack: run.stack, phase: name, verdict: "pass", seconds: (Date.now() - started) / 1000, proven, unprovable });
            return true;
        } catch (error) {
            const detail = error instanceof Error ? error.message : String(error);
            report({ stack: run.stack, phase: name, verdict: "FAIL", seconds: (Date.now() - started) / 1000, proven, unprovable, detail });
            return false;
        }
    };
    const notRun = (name: string, why: string) =>
        report({ stack: run.stack, phase: name, verdict: "not run", seconds: 0, proven: [], unprovable: [], detail: why });

    const secrets = siteSecrets();
    const setUp = await phase("stack init + site secrets", async (proven) => {
        await cli.ok(["stack", "init", run.stack, "--secrets-provider", "passphrase"]);
        for (const [name, value] of Object.entries(secrets)) {
            await cli.ok(["config", "set", "--secret", "--path", `taco:secrets.${name}`], undefined, value);
        }
        await cli.ok(["config", "set", "--path", "taco:credentials.keystoneAdmin", "e2e-admin-password"]);
        if (run.charts) await cli.ok(["config", "set", "--path", "taco:charts.repository", run.charts]);
        proven.push(`${Object.keys(secrets).length} site secret(s) set with --secret`);
    });
    if (!setUp) return;

    const previewed = await phase("preview (preview role)", async (proven, unprovable) => {
        await cli.ok(["preview", "--diff"], run.cluster.kubeconfig("preview"));
        proven.push("the CLI's project-config check, the program, and the provider's reads as the preview identity");
        if (!run.charts) unprovable.push("charts not given: Helm releases previewed without their charts");
    });
    const reason = run.charts ? undefined : "TACO_E2E_CHARTS not set: the openstack-helm, haproxy-ingress and MetalLB charts are not reachable here";
    const later = ["up", "secrets out of state", "re-preview: no changes", "refresh: no drift", "mode switches", "destroy"];
    if (!previewed || reason) {
        for (const name of later) notRun(name, reason ?? "the preview failed");
        return;
    }

    const upOk = await phase("up", async (proven, unprovable) => {
        await cli.ok(["up", "--yes", "--skip-preview"], run.cluster.kubeconfig("admin"));
        await assertDeployed(run, proven, unprovable);
    });
    if (!upOk) {
        for (const name of later.slice(1)) notRun(name, "up failed");
        return;
    }
    await phase("secrets out of state", async (proven) => {
        const plain = await cli.ok(["stack", "export"]);
        const shown = JSON.parse((await cli.ok(["stack", "export", "--show-secrets"])).stdout) as unknown;
        const generated = secretStrings(shown);
        const values = [...Object.values(secrets), ...generated].filter((value) => value.length >= 8);
        const files = listFiles(path.join(run.scratch, "state"));
        const haystacks = [plain.stdout, ...files.map((file) => fs.readFileSync(file, "utf8"))];
        const leaked = values.filter((value) => haystacks.some((text) => text.includes(value)));
        if (leaked.length > 0) throw new Error(`${leaked.length} secret value(s) in plain text in the state or stack export`);
        proven.push(`${values.length} secret values (site secrets, generated credentials) absent from stack export and ${files.length} backend files`);
    });
    await phase("re-preview: no changes", async (proven) => {
        await cli.ok(["preview", "--expect-no-changes"], run.cluster.kubeconfig("preview"));
        proven.push("preview right after up proposes no change");
    });
    await phase("refresh: no drift", async (proven) => {
        await cli.ok(["refresh", "--yes", "--expect-no-changes", "--skip-preview"], run.cluster.kubeconfig("admin"));
        proven.push("refresh finds every object as Pulumi left it");
    });
    const switches = switchesFor(run.stack, cli.configFile);
    for (const change of switches) {
        await phase(`switch: ${change.name}`, (proven, unprovable) => modeSwitch(run, cli, change, proven, unprovable));
    }
    await phase("destroy", async (proven) => {
        await cli.ok(["config", "set", "taco:protect", "false"]);
        await cli.ok(["up", "--yes", "--skip-preview"], run.cluster.kubeconfig("admin"));
        await cli.ok(["destroy", "--yes", "--skip-preview"], run.cluster.kubeconfig("admin"));
        await assertDestroyed(run, proven);
    });
}

/** Site secrets the e2e sets: a keystone admin password the stack takes instead of a generated one. */
function siteSecrets(): Record<string, string> {
    return { "e2e-admin-password": `E2e${crypto.randomBytes(12).toString("hex")}` };
}

/** Every string inside a secret (an object carrying Pulumi's secret signature) of a --show-secrets export. */
function secretStrings(value: unknown): string[] {
    const found: string[] = [];
    const walk = (node: unknown, inSecret: boolean) => {
        if (typeof node === "string") {
            if (inSecret) {
                found.push(node);
                try { walk(JSON.parse(node), true); } catch { /* a plain string */ }
            }
        } else if (Array.isArray(node)) {
            node.forEach((item) => walk(item, inSecret));
        } else if (node && typeof node === "object") {
            const record = node as Record<string, unknown>;
            const secret = inSecret || record["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270";
            for (const [key, item] of Object.entries(record)) {
                if (key !== "4dabf18193072939515e22adb298388d") walk(item, secret);
            }
        }
    };
    walk(value, false);
    return [...new Set(found)];
}

function listFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Everything the program made is up as the cluster (not Pulumi) sees it. */
async function assertDeployed(run: StackRun, proven: string[], unprovable: string[]): Promise<void> {
    const kube = run.cluster.admin;
    const problems: string[] = [];

    // Helm keeps each release's revisions in Secrets labelled owner=helm; the newest must be deployed.
    const revisions = await kube.list("/api/v1/secrets?labelSelector=owner%3Dhelm");
    const newest = new Map<string, KubeObject>();
    for (const secret of revisions) {
        const key = `${secret.metadata.namespace}/${secret.metadata.labels?.name}`;
        const version = Number(secret.metadata.labels?.version);
        if (!newest.has(key) || Number(newest.get(key)!.metadata.labels?.version) < version) newest.set(key, secret);
    }
    for (const [release, secret] of newest) {
        if (secret.metadata.labels?.status !== "deployed") problems.push(`Helm release ${release} is ${secret.metadata.labels?.status}`);
    }
    proven.push(`${newest.size} Helm releases deployed`);

    const jobs = await kube.list("/apis/batch/v1/jobs");
    for (const job of jobs) {
        const conditions = (job.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
        if (!conditions.some((condition) => condition.type === "Complete" && condition.status === "True")) {
            problems.push(`Job ${job.metadata.namespace}/${job.metadata.name} not complete`);
        }
    }
    proven.push(`${jobs.length} Jobs complete (hook Jobs deleted by their hook-delete-policy are not counted)`);

    const programNamespaces = new Set([...newest.keys()].map((key) => key.split("/")[0]));
    const pods = (await kube.list("/api/v1/pods")).filter((pod) => programNamespaces.has(pod.metadata.namespace!));
    for (const pod of pods) {
        const spec = pod.spec as { nodeName?: string };
        const status = pod.status as { phase?: string };
        if (!spec.nodeName) problems.push(`pod ${pod.metadata.namespace}/${pod.metadata.name} not scheduled`);
        else if (!["Running", "Succeeded"].includes(status.phase ?? "")) problems.push(`pod ${pod.metadata.name} is ${status.phase}`);
    }
    proven.push(`${pods.length} pods scheduled and running in ${[...programNamespaces].join(", ")}`);

    const controlPlane = new Set(run.cluster.spec.controlPlane);
    let apiPods = 0;
    for (const selector of API_PODS) {
        for (const pod of await kube.list(`/api/v1/pods?labelSelector=${encodeURIComponent(selector)}`)) {
            apiPods += 1;
            const node = (pod.spec as { nodeName?: string }).nodeName;
            if (!node || !controlPlane.has(node)) problems.push(`API pod ${pod.metadata.name} on ${node ?? "no node"}, not on ${[...controlPlane].join(", ")}`);
        }
    }
    proven.push(`${apiPods} API pods only on the named nodes`);

    // A controller whose pods Pod Security refuses records FailedCreate events.
    const events = await kube.list("/api/v1/events?fieldSelector=reason%3DFailedCreate");
    const refused = events.filter((event) => String(event.message).includes("PodSecurity"));
    for (const event of refused) problems.push(`Pod Security refused: ${String(event.message).slice(0, 200)}`);
    proven.push(`no pod refused by Pod Security (${events.length} FailedCreate events read)`);

    const services = (await kube.list("/api/v1/services")).filter((service) => programNamespaces.has(service.metadata.namespace!));
    const slices = await kube.list("/apis/discovery.k8s.io/v1/endpointslices");
    let served = 0;
    for (const service of services) {
        const spec = service.spec as { selector?: Record<string, string>; clusterIP?: string };
        if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
        const ready = slices.filter((slice) => slice.metadata.namespace === service.metadata.namespace
            && slice.metadata.labels?.["kubernetes.io/service-name"] === service.metadata.name)
            .flatMap((slice) => (slice.endpoints as { conditions?: { ready?: boolean } }[] | undefined) ?? [])
            .filter((endpoint) => endpoint.conditions?.ready);
        if (ready.length === 0) problems.push(`Service ${service.metadata.namespace}/${service.metadata.name} has no ready endpoint`);
        else served += 1;
    }
    proven.push(`${served} Services with ready endpoints`);
    unprovable.push("containers do not run under kwok: probes, init-container waits and the APIs' answers are simulated");
    if (problems.length > 0) throw new Error(problems.join("\n"));
}

async function modeSwitch(run: StackRun, cli: PulumiCli, change: Switch, proven: string[], unprovable: string[]): Promise<void> {
    change.apply();
    const kube = run.cluster.admin;
    const stateful = async () => {
        const claims = await kube.list("/api/v1/persistentvolumeclaims");
        const secrets = await kube.list("/api/v1/secrets");
        return new Map([...claims, ...secrets].map((object) => [`${object.kind ?? ""}${object.metadata.namespace}/${object.metadata.name}`, object.metadata.uid]));
    };
    const before = await stateful();
    const preview = await cli.ok(["preview", "--json"], run.cluster.kubeconfig("preview"));
    const steps = (JSON.parse(preview.stdout) as { steps?: { op: string; urn: string }[] }).steps ?? [];
    const forbidden = steps.filter((step) => ["replace", "delete", "create-replacement", "delete-replaced"].includes(step.op)
        && /(RandomPassword|mariadb|rabbitmq|PrivateKey)/.test(step.urn) && !/::(?:.*Ingress|.*Exposure)/.test(step.urn));
    if (forbidden.length > 0) throw new Error(`the switch would ${forbidden.map((step) => `${step.op} ${step.urn}`).join(", ")}`);
    await cli.ok(["up", "--yes", "--skip-preview"], run.cluster.kubeconfig("admin"));
    const after = await stateful();
    const lost = [...before].filter(([key, uid]) => /mariadb|rabbitmq|credential|password/.test(key) && after.get(key) !== uid);
    if (lost.length > 0) throw new Error(`replaced or deleted: ${lost.map(([key]) => key).join(", ")}`);
    proven.push(`${steps.length} engine steps read: no stateful release or generated secret replaced or deleted`);
    await assertDeployed(run, proven, unprovable);
}

/** Nothing of the program is left; the installer's shared node label is. */
async function assertDestroyed(run: StackRun, proven: string[]): Promise<void> {
    const kube = run.cluster.admin;
    const left: string[] = [];
    const helm = await kube.list("/api/v1/secrets?labelSelector=owner%3Dhelm");
    left.push(...helm.map((secret) => `Helm release ${secret.metadata.namespace}/${secret.metadata.labels?.name}`));
    const config = Yaml.parse(fs.readFileSync(path.join(run.scratch, `Pulumi.${run.stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    const namespace = String(config.config?.["taco:namespace"] ?? "openstack");
    if (await kube.find(`/api/v1/namespaces/${namespace}`)) left.push(`Namespace ${namespace}`);
    const nodes = await kube.list("/api/v1/nodes");
    for (const node of nodes.filter((node) => run.cluster.spec.controlPlane.includes(node.metadata.name))) {
        if (Object.keys(node.metadata.labels ?? {}).some((label) => label.startsWith("taco-exposure/"))) left.push(`node label on ${node.metadata.name}`);
        if (!(SHARED_NODE_LABEL in (node.metadata.labels ?? {}))) left.push(`the shared label ${SHARED_NODE_LABEL} removed from ${node.metadata.name}`);
    }
    if (left.length > 0) throw new Error(`left after destroy: ${left.join(", ")}`);
    proven.push("no Helm release, no namespace, no program node label left; the shared node label kept");
}
