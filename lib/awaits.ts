// What each registered resource waits for during `pulumi up`, and what produces it: one model, by
// resource type and annotations, used by the tests (every wait's producer must be among the
// waiter's dependencies) and by the offline rollout plan (lib/rollout.ts). The mocks run neither
// Helm nor Pulumi's awaits; this is where their behaviour is written down.
//
// Read from pulumi-kubernetes (provider/pkg/await/service.go, provider/pkg/provider/helm_release.go)
// and Helm's install action:
//  - helm.v3.Release without skipAwait: Helm waits until every resource of the release is ready
//    (Deployments, StatefulSets, DaemonSets; a LoadBalancer Service needs an address), then runs
//    the post-install hooks; with skipAwait only the hooks are waited for. Each wait and each hook
//    gets the full `timeout`.
//  - Service: passes once its Endpoints exist, 10 s have gone by and no address is not-ready;
//    type LoadBalancer also needs status.loadBalancer.ingress. 10 minutes by default.
//  - Ingress: waits for status.loadBalancer.ingress, 10 minutes by default.
//  - `pulumi.com/skipAwait: "true"` turns an object's await off.
//  - A custom resource is not awaited, but its creation goes through the admission webhook of
//    the controller that defines it (MetalLB validates its CRs), which must be serving.
import { CHART_ROLLOUT, CONTROL_PLANE_LABEL, releasesReadyBeforePods, SERVICE_NAMES, ServiceName } from "./charts";

/** What the model needs of a registered resource (tools/mockRuntime's RecordedResource fits). */
export interface RegisteredResource {
    type: string;
    name: string;
    urn: string;
    dependencies: string[];
    custom: boolean;
    read: boolean;
    /** What a read asked for. */
    id?: string;
    inputs: Record<string, unknown>;
}

export type WaitKind =
    | "helm-wait" // Helm's wait for the release's resources to be ready
    | "helm-hooks" // Helm's wait for each hook Job of the release
    | "service-endpoints" // Pulumi's Service await
    | "load-balancer-address" // a LoadBalancer Service's address (Pulumi's await or Helm's wait)
    | "ingress-address" // Pulumi's Ingress await
    | "admission-webhook"; // creation admitted by the webhook of the controller that defines the kind

export interface Wait {
    kind: WaitKind;
    /** What is waited for, for a person. */
    what: string;
    /** How long before the engine gives up, at worst. */
    timeoutSeconds: number;
    /** Registered resources that produce it: each must be among the waiter's (transitive) dependencies. */
    producers: string[];
    /**
     * Registered resources whose pods an init container of the waiter polls for inside the cluster
     * (a hook Job waiting for endpoints): no Pulumi dependency is needed, but they must be created
     * in the same `up` and must not depend on the waiter, or the hook waits for ever.
     */
    inCluster: string[];
    /** Producers outside the program (the cluster must already have them). */
    external: string[];
    /** Set when the model cannot tell what produces it: an error (checkAwaits). */
    unresolved?: string;
}

export interface AwaitModel {
    resource: RegisteredResource;
    waits: Wait[];
    /** Set when the resource turns an await off, with the reason. */
    skipped?: string;
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
/** A chart Pulumi renders itself (MetalLB): its objects, CRDs included, are Pulumi resources, each awaited. */
const CHART_V4 = "kubernetes:helm.sh/v4:Chart";
const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
/** pulumi-kubernetes's default await for Services and Ingresses (DefaultServiceTimeoutMins). */
export const DEFAULT_AWAIT_SECONDS = 600;
/** Helm's default when a Release sets no timeout (helm_release.go defaultTimeoutSeconds). */
const HELM_DEFAULT_TIMEOUT = 300;

/** Kinds that put load-balancer addresses on Services: MetalLB's chart and its custom resources. */
const LOAD_BALANCER_CHARTS = ["metallb"];
const LOAD_BALANCER_GROUPS = ["metallb.io"];
/** The chart whose controller serves (and validates) each API group of custom resources. */
const CRD_CHARTS: Record<string, string> = { "metallb.io": "metallb", "cert-manager.io": "cert-manager" };
/**
 * API groups whose CRDs the cluster brings and the program never installs: what a created object
 * of the group needs from it. Calico's crd.projectcalico.org kinds have no admission webhook.
 */
const CLUSTER_CRDS: Record<string, string> = {
    "crd.projectcalico.org": "Calico as the cluster's network plugin (its crd.projectcalico.org CRDs; BGPConfiguration `default` is patched)",
};

/**
 * Why an object of a kind turns its await off; an object that skips its await without one is an
 * error of the model (checkAwaits). Releases of the five charts state theirs in lib/charts.ts.
 */
export const SKIP_AWAIT_REASONS: Record<string, string> = {
    [INGRESS]: "the ingress controllers publish no address in Ingress status (no LoadBalancer Service behind them), so Pulumi's await would time out while traffic flows; the `checks` output shows the routes work (lib/ingressObjects.ts)",
};

/**
 * Why a Service in front of pods of a release outside the stack (a chart this program does not
 * deploy: components/nodePortExposure.ts) turns its await off: whoever runs that chart installs
 * the release before or after `pulumi up`, and nothing the stack registers produces its endpoints,
 * so Pulumi's await would fail after 10 minutes whenever that release is not up yet, although the
 * Service is right and forwards as soon as its pods are ready.
 */
export const EXTERNAL_PODS_SKIP_AWAIT = "its pods belong to a release outside the stack, which nothing the stack registers produces";

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const obj = (value: unknown): Record<string, any> => (value !== null && typeof value === "object" ? value as Record<string, any> : {});

/** `kubernetes:<group>/<version>:<Kind>` → group ("" for core). */
function groupOf(type: string): string {
    const match = /^kubernetes:([^:]+)\/[^/:]+:[^:]+$/.exec(type);
    if (!match) return "";
    return match[1] === "core" ? "" : match[1];
}

function isCustomResourceType(type: string): boolean {
    const group = groupOf(type);
    return group.includes(".") && !group.endsWith(".k8s.io") && group !== "helm.sh";
}

function annotations(resource: RegisteredResource): Record<string, string> {
    return obj(obj(resource.inputs.metadata).annotations);
}

function skipsAwait(resource: RegisteredResource): boolean {
    return annotations(resource)["pulumi.com/skipAwait"] === "true";
}

/** The chart a Release installs: the chart name, or the last path element of a local chart. */
export function chartOf(release: RegisteredResource): string {
    const chart = str(release.inputs.chart) ?? "";
    return chart.replace(/\/+$/, "").split("/").pop()!.replace(/-\d[^/]*\.tgz$/, "");
}

function openstackChart(release: RegisteredResource): ServiceName | undefined {
    const name = str(release.inputs.name);
    return (SERVICE_NAMES as readonly string[]).includes(name ?? "") && chartOf(release) === name ? name as ServiceName : undefined;
}

/** Values paths of the node selectors of MetalLB 0.16.1's pods (values.yaml, frr-k8s subchart). */
const METALLB_NODE_SELECTORS = ["controller.nodeSelector", "speaker.nodeSelector", "frr-k8s.frrk8s.nodeSelector"];

/** Whether a Release renders a LoadBalancer Service (what Helm's wait then needs an address for). */
function rendersLoadBalancer(release: RegisteredResource): boolean {
    if (chartOf(release) !== "haproxy-ingress") return false;
    // values.yaml of haproxy-ingress 0.15.4: controller.service.type defaults to LoadBalancer.
    return (str(obj(obj(obj(release.inputs.values).controller).service).type) ?? "LoadBalancer") === "LoadBalancer";
}

/**
 * The node labels a release's pods select (`key=value`): haproxy-ingress's controller.nodeSelector;
 * for the openstack-helm charts every `labels.<component>.node_selector_key/_value` set in the
 * values, and the charts' default `openstack-control-plane=enabled` for the components not set.
 */
function selectedNodeLabels(release: RegisteredResource): string[] {
    const values = obj(release.inputs.values);
    if (chartOf(release) === "haproxy-ingress") {
        return Object.entries(obj(obj(values.controller).nodeSelector)).map(([key, value]) => `${key}=${String(value)}`);
    }
    if (chartOf(release) === "metallb") {
        return METALLB_NODE_SELECTORS.flatMap((path) => Object.entries(obj(path.split(".").reduce<unknown>((node, key) => obj(node)[key], values))))
            .map(([key, value]) => `${key}=${String(value)}`);
    }
    if (!openstackChart(release)) return [];
    const set = Object.values(obj(values.labels)).map((label) => obj(label))
        .filter((label) => typeof label.node_selector_key === "string")
        .map((label) => `${label.node_selector_key}=${String(label.node_selector_value)}`);
    return [...new Set([...set, `${CONTROL_PLANE_LABEL.key}=${CONTROL_PLANE_LABEL.value}`])];
}

export function timeoutOf(release: RegisteredResource): number {
    return typeof release.inputs.timeout === "number" && release.inputs.timeout > 0 ? release.inputs.timeout : HELM_DEFAULT_TIMEOUT;
}

/** The model of every created (not read) custom resource of a run. */
export function awaitModel(resources: RegisteredResource[]): AwaitModel[] {
    const releases = resources.filter((r) => r.type === RELEASE && !r.read);
    /** Whatever installs a chart: Helm releases and charts Pulumi renders (helm.v4.Chart). */
    const installed = resources.filter((r) => (r.type === RELEASE || r.type === CHART_V4) && !r.read);
    const releaseNamed = (name: string) => releases.find((r) => str(r.inputs.name) === name);
    const openstackRelease = (chart: ServiceName) => releases.find((r) => openstackChart(r) === chart);
    const nodePatches = resources.filter((r) => r.type === "kubernetes:core/v1:NodePatch" && !r.read);
    /** The patches that put on nodes a label the release's pods (and hook Jobs) select: no node fits before them. */
    const labelProducers = (release: RegisteredResource) => {
        const wanted = selectedNodeLabels(release);
        return nodePatches.filter((patch) => Object.entries(obj(obj(patch.inputs.metadata).labels))
            .some(([key, value]) => wanted.includes(`${key}=${String(value)}`))).map((patch) => patch.urn);
    };
    const loadBalancerProducers = resources.filter((r) => !r.read && (
        ((r.type === RELEASE || r.type === CHART_V4) && LOAD_BALANCER_CHARTS.includes(chartOf(r))) || LOAD_BALANCER_GROUPS.includes(groupOf(r.type))));
    const loadBalancerWait = (what: string, timeoutSeconds: number): Wait => ({
        kind: "load-balancer-address", what, timeoutSeconds,
        producers: loadBalancerProducers.map((r) => r.urn), inCluster: [],
        external: loadBalancerProducers.length > 0 ? [] : ["the cluster's load-balancer implementation"],
    });
    /** The releases whose completion makes these pods ready, by the pods' labels. */
    const podProducers = (selector: Record<string, string>): { urns: string[]; unresolved?: string } => {
        const group = selector.release_group;
        if (group && (SERVICE_NAMES as readonly string[]).includes(group)) {
            const needed = releasesReadyBeforePods(group as ServiceName).map(openstackRelease);
            if (needed.every(Boolean)) return { urns: needed.map((r) => r!.urn) };
            return { urns: [], unresolved: `the releases ${releasesReadyBeforePods(group as ServiceName).join(", ")}` };
        }
        const instance = selector["app.kubernetes.io/instance"] ?? group;
        const release = instance ? releaseNamed(instance) : undefined;
        return release ? { urns: [release.urn] } : { urns: [], unresolved: `the pods selected by ${JSON.stringify(selector)}` };
    };

    return resources.filter((r) => (r.custom || r.type === CHART_V4) && !r.read && !r.type.startsWith("pulumi:providers:")).map((resource): AwaitModel => {
        if (resource.type === RELEASE) return releaseModel(resource);
        if (resource.type === CHART_V4) return renderedChartModel(resource);
        if (resource.type === SERVICE) return serviceModel(resource);
        if (resource.type === INGRESS) return ingressModel(resource);
        if (isCustomResourceType(resource.type)) return customResourceModel(resource);
        return { resource, waits: [] };
    });

    function releaseModel(resource: RegisteredResource): AwaitModel {
        const timeout = timeoutOf(resource);
        const chart = openstackChart(resource);
        const rollout = chart ? CHART_ROLLOUT[chart] : undefined;
        const waits: Wait[] = [];
        const skip = resource.inputs.skipAwait === true;
        if (!skip) {
            // The pods a Helm wait checks turn ready only once what they wait for is up.
            const needs = chart ? releasesReadyBeforePods(chart).filter((other) => other !== chart).map(openstackRelease) : [];
            waits.push({
                kind: "helm-wait", what: "every resource of the release ready", timeoutSeconds: timeout,
                producers: [...labelProducers(resource), ...needs.filter(Boolean).map((r) => r!.urn)], inCluster: [],
                external: needs.some((r) => !r) ? ["a release this chart's pods need, not in this program"] : [],
            });
            if (rendersLoadBalancer(resource)) waits.push(loadBalancerWait("the address of the release's LoadBalancer Service", timeout));
        }
        const hooks = rollout?.postInstallHooks ?? [];
        if (hooks.length > 0) {
            const polled = new Set(hooks.flatMap((hook) => hook.waitsForEndpoints.flatMap(releasesReadyBeforePods)).filter((other) => other !== chart));
            const found = [...polled].map(openstackRelease);
            waits.push({
                kind: "helm-hooks",
                what: `${hooks.length} post-install hook Job${hooks.length > 1 ? "s" : ""} one after another (${hooks.map((hook) => hook.job).join(", ")})`,
                timeoutSeconds: hooks.length * timeout,
                producers: labelProducers(resource), inCluster: found.filter(Boolean).map((r) => r!.urn),
                external: found.some((r) => !r) ? ["a release a hook polls, not in this program"] : [],
            });
        }
        const reason = skip ? (rollout?.why ?? undefined) : undefined;
        return { resource, waits, skipped: skip ? reason ?? "" : undefined };
    }

    /**
     * helm.v4.Chart: Pulumi creates each rendered object and awaits it as its own kind (Deployments
     * and DaemonSets ready, Services' endpoints: MetalLB's webhook Service included), 10 minutes each.
     * Its pods need the node labels they select; nothing of the program's runs inside them.
     */
    function renderedChartModel(resource: RegisteredResource): AwaitModel {
        return {
            resource,
            waits: [{
                kind: "helm-wait", what: "every rendered object ready (Pulumi's own awaits: workloads, the webhook Service's endpoints)",
                timeoutSeconds: DEFAULT_AWAIT_SECONDS, producers: labelProducers(resource), inCluster: [], external: [],
            }],
        };
    }

    function serviceModel(resource: RegisteredResource): AwaitModel {
        const spec = obj(resource.inputs.spec);
        const selector = obj(spec.selector) as Record<string, string>;
        if (skipsAwait(resource)) {
            const external = selector.release_group !== undefined && !releaseNamed(selector.release_group);
            return { resource, waits: [], skipped: external ? EXTERNAL_PODS_SKIP_AWAIT : SKIP_AWAIT_REASONS[SERVICE] ?? "" };
        }
        // await/service.go: ExternalName, headless and selector-less Services are not awaited for pods.
        if (spec.type === "ExternalName" || spec.clusterIP === "None" || Object.keys(selector).length === 0) return { resource, waits: [] };
        const pods = podProducers(selector);
        const waits: Wait[] = [{
            kind: "service-endpoints", what: "its pods ready behind it (Endpoints, 10 s settled, none not-ready)",
            timeoutSeconds: DEFAULT_AWAIT_SECONDS, producers: pods.urns, inCluster: [], external: [],
            unresolved: pods.unresolved,
        }];
        if (spec.type === "LoadBalancer") waits.push(loadBalancerWait("its LoadBalancer address", DEFAULT_AWAIT_SECONDS));
        return { resource, waits };
    }

    function ingressModel(resource: RegisteredResource): AwaitModel {
        if (skipsAwait(resource)) return { resource, waits: [], skipped: SKIP_AWAIT_REASONS[INGRESS] ?? "" };
        const className = str(obj(resource.inputs.spec).ingressClassName);
        const controller = releases.find((r) => str(obj(obj(r.inputs.values).controller).ingressClass) === className);
        return {
            resource,
            waits: [{
                kind: "ingress-address", what: `an address in its status from the controller of class ${className}`,
                timeoutSeconds: DEFAULT_AWAIT_SECONDS, producers: controller ? [controller.urn] : [], inCluster: [],
                external: controller ? [] : [`the controller of IngressClass ${className}`],
            }],
        };
    }

    function customResourceModel(resource: RegisteredResource): AwaitModel {
        const group = groupOf(resource.type);
        const chart = CRD_CHARTS[group];
        const defining = chart ? installed.filter((r) => chartOf(r) === chart) : [];
        const cluster = CLUSTER_CRDS[group];
        return {
            resource,
            waits: [{
                kind: "admission-webhook", what: cluster ? `the ${group} CRDs in the cluster` : `the ${group} CRDs installed and their webhook serving`,
                timeoutSeconds: 0, producers: defining.map((r) => r.urn), inCluster: [],
                external: defining.length > 0 ? [] : [cluster ?? `the ${group} CRDs and controller, installed in the cluster`],
            }],
        };
    }
}

/** Every URN `resource` depends on, directly or through other resources. */
export function transitiveDependencies(resource: RegisteredResource, byUrn: Map<string, RegisteredResource>): Set<string> {
    const seen = new Set<string>();
    const stack = [...resource.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (seen.has(urn)) continue;
        seen.add(urn);
        stack.push(...(byUrn.get(urn)?.dependencies ?? []));
    }
    return seen;
}

/**
 * The rule the first `up` rests on: every wait's producer is among the waiter's transitive
 * dependencies, every in-cluster wait's producer is created in the same `up` without depending on
 * the waiter, and every object that turns an await off says why. Returns the violations.
 */
export function checkAwaits(resources: RegisteredResource[]): string[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const label = (urn: string) => { const r = byUrn.get(urn); return r ? `${r.type} ${r.name}` : urn; };
    const problems: string[] = [];
    for (const { resource, waits, skipped } of awaitModel(resources)) {
        const name = `${resource.type} ${resource.name}`;
        if (skipped === "") problems.push(`${name} turns its await off without a stated reason (SKIP_AWAIT_REASONS)`);
        const dependencies = transitiveDependencies(resource, byUrn);
        for (const wait of waits) {
            if (wait.unresolved) problems.push(`${name} waits for ${wait.what}, but no registered resource produces ${wait.unresolved}`);
            for (const producer of wait.producers) {
                if (!dependencies.has(producer)) problems.push(`${name} waits for ${wait.what} (${wait.kind}), produced by ${label(producer)}, which is not among its dependencies`);
            }
            for (const producer of wait.inCluster) {
                const other = byUrn.get(producer);
                if (other && transitiveDependencies(other, byUrn).has(resource.urn)) {
                    problems.push(`${name} polls ${label(producer)} from a hook, but that depends on ${resource.name}: the hook would wait for ever`);
                }
            }
        }
    }
    return problems;
}
