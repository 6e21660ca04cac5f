// The first `pulumi up` of a stack as an operator reads it before a change window
// (plan/<stack>/rollout.md): what preview reads, the waves of resources that can proceed together,
// what each waits for and for how long at worst, the critical path, and what the cluster must
// provide. Built from what the program registers (under the mocks) and the await model.
import { TacoConfig } from "../config";
import { awaitModel, AwaitModel, chartOf, EXTERNAL_PODS_SKIP_AWAIT, RegisteredResource, timeoutOf } from "./awaits";
import { CHART_ROLLOUT, SERVICE_NAMES, ServiceName, TOLERATION_GAPS, tolerationsPath } from "./charts";
import { formatSeconds } from "./failoverBound";
import { INGRESS_CONTROLLER_CHARTS } from "./ingressControllers";
import { kubeSystemPodSecurity, metallbPodSecurity, namespacePodSecurity, PodSecurityNeed, podSecurityLevel } from "./podSecurity";
import { Values } from "./values";
import { metalLbHostPorts } from "./vip";

const RELEASE = "kubernetes:helm.sh/v3:Release";
/** MetalLB, rendered by Pulumi (components/metalLb.ts). */
const CHART_V4 = "kubernetes:helm.sh/v4:Chart";
/** A Service's await once its pods are up: Endpoints, then 10 s to settle (await/service.go). */
const SERVICE_SETTLE_SECONDS = 10;
/** An ingress controller release: image pull, then readiness (initialDelaySeconds 10, period 10). */
const CONTROLLER_TYPICAL = { seconds: 90, what: "controller image pull and readiness probe" };

export interface RolloutStep {
    model: AwaitModel;
    wave: number;
    /** What the engine allows at most before it fails the resource. */
    worstSeconds: number;
    typicalSeconds: number;
    /** When it finishes at the earliest, at worst and typically, counted from the start of `up`. */
    worstFinish: number;
    typicalFinish: number;
    /** The dependency that finishes last (worst case), on the critical path before this one. */
    worstAfter?: RolloutStep;
    typicalAfter?: RolloutStep;
}

export interface Rollout {
    steps: RolloutStep[];
    reads: RegisteredResource[];
    /** The steps of the critical path, first to last, at worst and typically. */
    worstPath: RolloutStep[];
    typicalPath: RolloutStep[];
}

function typicalOf(model: AwaitModel): { seconds: number; what?: string } {
    const { resource, waits } = model;
    if (waits.length === 0) return { seconds: 0 };
    if (resource.type === RELEASE) {
        const chart = SERVICE_NAMES.find((name) => name === resource.inputs.name && chartOf(resource) === name);
        return chart ? CHART_ROLLOUT[chart].typical : CONTROLLER_TYPICAL;
    }
    return { seconds: SERVICE_SETTLE_SECONDS };
}

function worstOf(model: AwaitModel): number {
    const timeouts = model.waits.map((wait) => wait.timeoutSeconds);
    // Helm's wait, then its hooks, one after another; other objects wait for everything at once.
    return model.resource.type === RELEASE ? timeouts.reduce((a, b) => a + b, 0) : Math.max(0, ...timeouts);
}

/** Orders the registered resources into waves and finds the critical path. */
export function planRollout(resources: RegisteredResource[]): Rollout {
    const models = awaitModel(resources);
    const steps = new Map<string, RolloutStep>();
    const byUrn = new Map(models.map((model) => [model.resource.urn, model]));
    const visit = (model: AwaitModel): RolloutStep => {
        const done = steps.get(model.resource.urn);
        if (done) return done;
        const before = model.resource.dependencies.filter((urn) => byUrn.has(urn)).map((urn) => visit(byUrn.get(urn)!));
        const latest = (key: "worstFinish" | "typicalFinish") =>
            before.reduce<RolloutStep | undefined>((max, step) => (!max || step[key] > max[key] ? step : max), undefined);
        const worstAfter = latest("worstFinish");
        const typicalAfter = latest("typicalFinish");
        const worstSeconds = worstOf(model);
        const typicalSeconds = typicalOf(model).seconds;
        const step: RolloutStep = {
            model, worstSeconds, typicalSeconds, worstAfter, typicalAfter,
            wave: 1 + Math.max(0, ...before.map((b) => b.wave)),
            worstFinish: (worstAfter?.worstFinish ?? 0) + worstSeconds,
            typicalFinish: (typicalAfter?.typicalFinish ?? 0) + typicalSeconds,
        };
        steps.set(model.resource.urn, step);
        return step;
    };
    models.forEach(visit);
    const all = [...steps.values()];
    const path = (key: "worstFinish" | "typicalFinish", after: "worstAfter" | "typicalAfter") => {
        const last = all.reduce<RolloutStep | undefined>((max, step) => (!max || step[key] > max[key] ? step : max), undefined);
        const chain: RolloutStep[] = [];
        for (let step = last; step; step = step[after]) chain.unshift(step);
        return chain.filter((step) => step[key === "worstFinish" ? "worstSeconds" : "typicalSeconds"] > 0);
    };
    return {
        steps: all,
        reads: resources.filter((resource) => resource.read),
        worstPath: path("worstFinish", "worstAfter"),
        typicalPath: path("typicalFinish", "typicalAfter"),
    };
}

const shortType = (type: string) => type.split(":").pop()!;
const label = (resource: RegisteredResource) => `${shortType(resource.type)} ${resource.name}`;

/** `1 h 45 min`, `15 min`, `40 s`. */
export function duration(seconds: number): string {
    if (seconds < 60) return formatSeconds(seconds);
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.round((seconds % 3600) / 60);
    return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
}

function values(release: RegisteredResource): Values {
    return (release.inputs.values ?? {}) as Values;
}

function at(values: Values, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((node, key) => node !== null && typeof node === "object" ? (node as Values)[key] : undefined, values);
}

/** Where each release's pods get their tolerations, as set in its values. */
function tolerationLines(releases: RegisteredResource[]): string[] {
    return releases.flatMap((release) => {
        const chart = chartOf(release);
        const paths = (SERVICE_NAMES as readonly string[]).includes(chart) ? [`${tolerationsPath(chart as ServiceName)}.tolerations`]
            : chart === "haproxy-ingress" ? ["controller.tolerations", "defaultBackend.tolerations"]
            : chart === "metallb" ? ["controller.tolerations", "speaker.tolerations", ...(at(values(release), "frrk8s.enabled") === true ? ["frr-k8s.frrk8s.tolerations"] : [])] : [];
        return paths.map((dotted) => {
            const set = at(values(release), dotted);
            return `- ${release.name}: \`${dotted}\` ${Array.isArray(set) ? `= ${JSON.stringify(set)}` : "not set (pods tolerate no taint)"}`;
        });
    });
}

function hostPortLines(releases: RegisteredResource[]): string[] {
    const on = (release: RegisteredResource, selectorPath: string) => {
        const selector = at(values(release), selectorPath) as Record<string, string> | undefined;
        return selector && Object.keys(selector).length > 0
            ? `every node labelled ${Object.entries(selector).map(([k, v]) => `\`${k}=${v}\``).join(", ")}` : "every schedulable node";
    };
    const list = (ports: { port: number; protocol: string; what: string }[]) => ports.map((port) => `${port.port}/${port.protocol} ${port.what}`).join(", ");
    return releases.flatMap((release) => {
        if (chartOf(release) === "metallb") {
            return metalLbHostPorts(values(release)).map((pods) => `- ${pods.pods} (${release.inputs.namespace}) on ${on(release, pods.nodeSelectorPath)}: ${list(pods.ports)}`);
        }
        const chart = INGRESS_CONTROLLER_CHARTS[chartOf(release) as keyof typeof INGRESS_CONTROLLER_CHARTS];
        const ports = chart?.hostPorts(values(release)) ?? [];
        if (ports.length === 0) {
            // Off host networking behind a VIP: the LoadBalancer Service binds nothing of its own.
            const service = at(values(release), "controller.service") as { type?: string; externalTrafficPolicy?: string } | undefined;
            return chart && service?.type === "LoadBalancer"
                ? [`- ${release.name} (${release.inputs.namespace}): no host port (off host networking); its LoadBalancer Service takes node ports from the cluster's dynamic range`
                    + `${service.externalTrafficPolicy === "Local" ? " and a healthCheckNodePort (externalTrafficPolicy Local)" : ""}, opened by kube-proxy on every node`]
                : [];
        }
        return [`- ${release.name} (${release.inputs.namespace}, host network) on ${on(release, "controller.nodeSelector")}: ${list(ports)}`];
    });
}

/** Node ports: kube-proxy programs them on every node, whichever runs the pods. */
function nodePortLines(resources: RegisteredResource[]): string[] {
    return resources.filter((resource) => resource.type === "kubernetes:core/v1:Service" && !resource.read)
        .flatMap((service) => {
            const spec = (service.inputs.spec ?? {}) as { type?: string; externalTrafficPolicy?: string; ports?: { nodePort?: number; protocol?: string }[] };
            if (spec.type !== "NodePort" && spec.type !== "LoadBalancer") return [];
            return (spec.ports ?? []).filter((port) => port.nodePort).map((port) =>
                `- ${service.name}: node port ${port.nodePort}/${port.protocol ?? "TCP"} on every node (kube-proxy)${spec.externalTrafficPolicy === "Local" ? "; only nodes with a pod answer (externalTrafficPolicy Local)" : ""}`);
        });
}

function needLines(needs: PodSecurityNeed[]): string[] {
    return needs.map((need) => `- ${need.pods}: ${need.level}: ${need.why}`);
}

export function renderRollout(stack: string, resources: RegisteredResource[], config: TacoConfig): string {
    const rollout = planRollout(resources);
    const releases = resources.filter((resource) => resource.type === RELEASE && !resource.read);
    /** What installs a chart: the Releases and MetalLB's helm.v4.Chart. */
    const charts = resources.filter((resource) => (resource.type === RELEASE || resource.type === CHART_V4) && !resource.read);
    const lines: string[] = [`# The first \`pulumi up\` of stack ${stack}`, ""];

    lines.push("## Read during preview", "",
        "A missing one fails `pulumi preview`, before anything is applied; each read is named after the config key it serves.", "");
    for (const read of rollout.reads) lines.push(`- ${shortType(read.type)} \`${read.id ?? "?"}\`${read.name.startsWith("taco:") ? `, for ${read.name}` : ""}`);
    if (rollout.reads.length === 0) lines.push("- nothing");

    lines.push("", "## Waves", "",
        "Resources of one wave start together, once everything they depend on has finished. Timeouts are the engine's: "
        + "Helm's `timeout` for its wait and for each hook Job, 10 min for Pulumi's Service and Ingress awaits.", "");
    const waves = Math.max(0, ...rollout.steps.map((step) => step.wave));
    for (let wave = 1; wave <= waves; wave++) {
        const inWave = rollout.steps.filter((step) => step.wave === wave);
        lines.push(`### Wave ${wave}`, "");
        const waiting = inWave.filter((step) => step.model.waits.length > 0 || step.model.skipped !== undefined);
        if (waiting.length > 0) {
            lines.push("| Resource | Waits for | Worst case | Typical |", "|---|---|---|---|");
            for (const step of waiting) {
                const polled = (urns: string[]) => urns.map((urn) => rollout.steps.find((other) => other.model.resource.urn === urn)?.model.resource.name ?? urn);
                const waits = step.model.waits.map((wait) => `${wait.what} (${duration(wait.timeoutSeconds)})`
                    + (wait.inCluster.length > 0 ? `, whose init containers wait in the cluster for ${polled(wait.inCluster).join(", ")}` : "")).join("; then ");
                const skipped = step.model.skipped !== undefined && step.model.resource.type !== RELEASE
                    ? `nothing: \`pulumi.com/skipAwait\` (${step.model.skipped === EXTERNAL_PODS_SKIP_AWAIT ? step.model.skipped : "lib/awaits.ts SKIP_AWAIT_REASONS"})` : "";
                lines.push(`| ${label(step.model.resource)} | ${waits || skipped} | ${duration(step.worstSeconds)} | ${duration(step.typicalSeconds)} |`);
            }
            lines.push("");
        }
        const immediate = inWave.filter((step) => !waiting.includes(step));
        if (immediate.length > 0) {
            const counts = new Map<string, string[]>();
            for (const step of immediate) counts.set(shortType(step.model.resource.type), [...(counts.get(shortType(step.model.resource.type)) ?? []), step.model.resource.name]);
            lines.push(`Created without waiting: ${[...counts.entries()].map(([type, names]) => names.length > 3 ? `${type} × ${names.length}` : `${type} ${names.join(", ")}`).join("; ")}.`, "");
        }
    }

    const pathText = (path: RolloutStep[], key: "worstSeconds" | "typicalSeconds", finish: "worstFinish" | "typicalFinish") =>
        `${path.map((step) => `${label(step.model.resource)} (${duration(step[key])})`).join(" → ")} = **${duration(path.length > 0 ? path[path.length - 1][finish] : 0)}**`;
    lines.push("## Critical path", "",
        `- Worst case, every wait to its timeout: ${pathText(rollout.worstPath, "worstSeconds", "worstFinish")}`,
        `- Typical first install on a cold cluster: ${pathText(rollout.typicalPath, "typicalSeconds", "typicalFinish")}`, "");
    const keystone = releases.find((release) => release.name === "keystone");
    if (keystone) {
        const hooks = CHART_ROLLOUT.keystone.postInstallHooks.length;
        lines.push(`Keystone alone, at worst: ${hooks} hooks × ${duration(timeoutOf(keystone))} = ${duration(hooks * timeoutOf(keystone))} (Helm times each hook out separately).`, "");
    }
    lines.push("What typically dominates:", "");
    for (const step of rollout.typicalPath) {
        const what = typicalOf(step.model).what;
        if (what) lines.push(`- ${label(step.model.resource)}: ${what}`);
    }
    lines.push("- image pulls on cold nodes: every chart's first pod and every hook Job pulls its image; pre-pull them, or mirror the registry, to shorten the window", "");

    lines.push("## What the cluster must provide", "");
    lines.push("Helm repositories reachable from where `pulumi up` runs:", "");
    for (const repo of [...new Set(charts.map((release) => (release.inputs.repositoryOpts as { repo?: string } | undefined)?.repo ?? `local chart ${String(release.inputs.chart)}`))]) {
        lines.push(`- ${repo}`);
    }
    const external = [...new Set(rollout.steps.flatMap((step) => step.model.waits.flatMap((wait) => wait.external)))];
    if (external.length > 0) lines.push("", "Produced outside the program (must already run):", "", ...external.map((what) => `- ${what}`));

    lines.push("", "Taints: tolerations each release's pods get (`taco:nodes.tolerations`):", "", ...tolerationLines(charts));
    for (const [chart, gaps] of Object.entries(TOLERATION_GAPS)) {
        for (const gap of gaps ?? []) lines.push(`- ${chart}: ${gap.template} reads no tolerations; with ${gap.when} its pod needs an untainted node with the chart's job label`);
    }

    const namespace = namespacePodSecurity(config);
    lines.push("", `Pod Security: namespace ${config.namespace} is labelled \`${podSecurityLevel(namespace)}\` (enforce, warn, audit), the most any of its pods needs:`, "", ...needLines(namespace));
    const metallb = metallbPodSecurity(config.exposure.vip);
    if (metallb.length > 0) {
        lines.push("", `Pod Security: namespace metallb-system is labelled \`${podSecurityLevel(metallb)}\` (enforce, warn, audit):`, "", ...needLines(metallb));
    }
    const kubeSystem = kubeSystemPodSecurity(config);
    if (kubeSystem.length > 0) {
        lines.push("", `Pod Security: kube-system must admit \`${podSecurityLevel(kubeSystem)}\`; the program does not label a namespace it does not own. `
            + "kube-system is normally unlabelled and exempt; a cluster-wide PodSecurity default (AdmissionConfiguration `defaults.enforce`) "
            + "must list it in `exemptions.namespaces`:", "", ...needLines(kubeSystem));
    }

    const hostPorts = [...hostPortLines(charts), ...nodePortLines(resources)];
    lines.push("", "Host ports bound on the nodes (a clash with an installer's own ingress, e.g. ingress-nginx on 80/443/10254, fails the pods' scheduling or start):", "",
        ...(hostPorts.length > 0 ? hostPorts : ["- none"]));

    const storage = rollout.reads.filter((read) => read.type.endsWith(":StorageClass"));
    if (storage.length > 0) lines.push("", `StorageClass${storage.length > 1 ? "es" : ""}: ${[...new Set(storage.map((read) => read.id ?? read.name))].join(", ")}, with a provisioner that binds volumes (mariadb and rabbitmq pods stay Pending otherwise).`);
    const issuer = rollout.reads.find((read) => read.type.endsWith(":ClusterIssuer"));
    if (issuer) lines.push("", `cert-manager with ClusterIssuer ${issuer.id ?? "?"}; ${config.exposure.mode === "hierarchical" ? "the catch-all's certificate is a wildcard, so an ACME issuer needs a DNS-01 solver (checked at preview)." : "one Certificate per Ingress (HTTP-01 is enough)."}`);

    if (keystone) {
        lines.push("", "## On destroy", "",
            "keystone's pre-delete hook (keystone-credential-cleanup) runs first and needs mariadb's endpoints: keystone depends on mariadb, so Pulumi deletes keystone first. "
            + "Under skipAwait the provider gives Helm's uninstall no timeout of its own: a cleanup Job that cannot run holds the destroy.");
    }
    return `${lines.join("\n")}\n`;
}
