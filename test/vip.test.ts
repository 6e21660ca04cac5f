// VIPs (issue 9): each VIP mode in each ingress mode — where the entry controller runs and how it
// holds or announces the address, MetalLB and its custom resources, Calico, the order Helm's and
// Pulumi's awaits need, the failover bounds and the outputs. Expectations come from the config
// given and the pinned charts' reference values, not from the program's constants.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { leafPaths } from "../lib/values";
import { PROJECT_DIR, RecordedResource } from "../tools/mockRuntime";
import { failure, LAB_NODES, pathAllowed, readYaml, requireReference, run, Run, runStackFile, StackValues, unwrap } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHART_V4 = "kubernetes:helm.sh/v4:Chart";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const METALLB_KINDS = {
    IPAddressPool: "kubernetes:metallb.io/v1beta1:IPAddressPool",
    L2Advertisement: "kubernetes:metallb.io/v1beta1:L2Advertisement",
    BGPAdvertisement: "kubernetes:metallb.io/v1beta1:BGPAdvertisement",
    BFDProfile: "kubernetes:metallb.io/v1beta1:BFDProfile",
    BGPPeer: "kubernetes:metallb.io/v1beta2:BGPPeer",
};
const CALICO_BGP_CONFIGURATION = "kubernetes:crd.projectcalico.org/v1:BGPConfigurationPatch";
const CALICO_BGP_PEER = "kubernetes:crd.projectcalico.org/v1:BGPPeer";

const VIP = "10.10.10.254";
const NS = "openstack";
const API_NODE_SELECTOR = { "taco-exposure/api-node": "enabled" };
const BFD = { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 };
const PEERS = [{ address: "10.10.10.1", asn: 64513 }, { address: "10.10.10.2", asn: 64513 }];
/** The article's 6 minutes: node-monitor grace plus pod eviction timeout, in its time. */
const ARTICLE_SECONDS = 360;
/** Measured here with BFD 100 ms × 3 and an FRR router (issue 9). */
const MEASURED_BFD_OUTAGE_SECONDS = 0.34;

type IngressMode = "ingress" | "hierarchical";
const INGRESS_MODES: IngressMode[] = ["ingress", "hierarchical"];

const VIPS = {
    interface: { mode: "interface", address: VIP, interface: "eth0" },
    interfaceShort: { mode: "interface", address: VIP, interface: "bond0", tolerationSeconds: 12 },
    l2: { mode: "l2", address: VIP, interface: "eth0" },
    l2AnyInterface: { mode: "l2", address: VIP },
    routed: { mode: "routed", address: VIP, bgp: { speaker: "metallb", myASN: 64512, peers: PEERS, holdTime: 9, bfd: BFD, nodeSubnet: "10.10.10.0/24" } },
    routedNoBfd: { mode: "routed", address: VIP, bgp: { speaker: "metallb", myASN: 64512, peers: PEERS.slice(0, 1), holdTime: 6 } },
    routedCalico: { mode: "routed", address: VIP, bgp: { speaker: "calico", myASN: 64512, peers: PEERS, holdTime: 9 } },
    l2Existing: { mode: "l2", address: VIP, metallb: { install: false } },
    routedExisting: { mode: "routed", address: VIP, bgp: { speaker: "metallb", myASN: 64512, peers: PEERS, holdTime: 9, bfd: BFD }, metallb: { install: false } },
} as const;
type VipName = keyof typeof VIPS;

function config(ingressMode: IngressMode, vip: Record<string, unknown> | undefined, nodes = LAB_NODES): StackValues {
    return {
        "taco:nodes": { controlPlane: nodes },
        "taco:exposure": { mode: ingressMode, ingress: {}, ...(vip ? { vip } : {}) },
    };
}

const runs = new Map<string, Promise<Run>>();
function runOf(ingressMode: IngressMode, vip: VipName | "none"): Promise<Run> {
    const key = `${ingressMode}/${vip}`;
    if (!runs.has(key)) runs.set(key, run(config(ingressMode, vip === "none" ? undefined : VIPS[vip])));
    return runs.get(key)!;
}

/** The controller that faces clients, and the one nested behind it in hierarchical mode. */
const ENTRY = {
    ingress: { release: "ingress-openstack", namespace: NS },
    hierarchical: { release: "ingress-cluster", namespace: "kube-system" },
};

function inputs(resource: RecordedResource): Record<string, any> {
    return unwrap(resource.inputs) as Record<string, any>;
}

function only(r: Run, type: string): Record<string, any> {
    const all = r.all(type);
    assert.strictEqual(all.length, 1, `${type}: ${all.map((x) => x.name).join(", ")}`);
    return inputs(all[0]);
}

function byUrn(r: Run, urn: string): RecordedResource | undefined {
    return r.resources.find((resource) => resource.urn === urn);
}

/** Whether `from` waits for `to`: a dependency, or a dependency's (Pulumi orders by the whole chain). */
function waitsFor(r: Run, from: RecordedResource, to: RecordedResource, seen = new Set<string>()): boolean {
    for (const dependency of from.dependencies) {
        if (dependency === to.urn) return true;
        if (seen.has(dependency)) continue;
        seen.add(dependency);
        const next = byUrn(r, dependency);
        if (next && waitsFor(r, next, to, seen)) return true;
    }
    return false;
}

function metallbResources(r: Run): RecordedResource[] {
    return r.resources.filter((resource) => resource.type.startsWith("kubernetes:metallb.io/")
        || resource.type === "taco:vip:MetalLb" || resource.type === CHART_V4);
}

function sumOfTerms(bound: { terms: { seconds: number }[] }): number {
    return Number(bound.terms.reduce((sum, term) => sum + term.seconds, 0).toFixed(3));
}

for (const ingressMode of INGRESS_MODES) {
    const entry = ENTRY[ingressMode];

    describe(`VIP interface (${ingressMode} mode): the address on a node interface, held by a native sidecar`, () => {
        let r: Run;
        let values: Record<string, any>;
        before(async () => {
            r = await runOf(ingressMode, "interface");
            values = r.values(entry.release).controller;
        });
        const sidecar = () => (values.initContainers as any[]).find((container) => container.name === "vip");

        it(`runs the entry controller ${entry.release} as one pod on host networking`, () => {
            assert.strictEqual(values.hostNetwork, true);
            assert.strictEqual(values.dnsPolicy, "ClusterFirstWithHostNet");
            assert.strictEqual(values.kind, "Deployment");
            assert.strictEqual(values.replicaCount, 1);
        });

        it("never runs two holders during an update: the old pod stops before the new one starts", () => {
            assert.deepStrictEqual(values.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
        });

        it("adds a native sidecar (restartPolicy Always) that claims the address, then idles until TERM", () => {
            assert.strictEqual((values.initContainers as any[]).length, 1);
            const container = sidecar();
            assert.strictEqual(container.restartPolicy, "Always");
            const script = (container.command as string[]).join(" ");
            assert.match(script, /\/vip\/claim\.sh/);
            assert.match(script, /trap 'exit 0' TERM/);
            const env = Object.fromEntries((container.env as any[]).map((e) => [e.name, e.value]));
            assert.deepStrictEqual(env, { VIP_ADDRESS: VIP, VIP_INTERFACE: "eth0", VIP_DAD_TIMEOUT_SECONDS: "10" });
        });

        it("releases the address in the sidecar's preStop, which runs after the controller stopped", () => {
            assert.deepStrictEqual(sidecar().lifecycle, { preStop: { exec: { command: ["sh", "/vip/release.sh"] } } });
        });

        it("starts the controller only once the address is on the interface (startup probe)", () => {
            const probe = sidecar().startupProbe;
            assert.match(probe.exec.command.join(" "), /ip -o addr show dev "\$VIP_INTERFACE"/);
            assert.ok(probe.periodSeconds * probe.failureThreshold >= 10, "the probe gives up before claim.sh's DAD wait ends");
        });

        it("gives the sidecar NET_ADMIN and NET_RAW only, as root, from a small image pinned by tag", () => {
            const security = sidecar().securityContext;
            assert.deepStrictEqual(security.capabilities, { drop: ["ALL"], add: ["NET_ADMIN", "NET_RAW"] });
            assert.strictEqual(security.runAsUser, 0);
            assert.strictEqual(security.allowPrivilegeEscalation, false);
            assert.match(sidecar().image, /^busybox:\d+\.\d+\.\d+$/);
        });

        it("ships the program's own vip/claim.sh and vip/release.sh in a ConfigMap the sidecar mounts", () => {
            const configMap = only(r, CONFIGMAP);
            assert.strictEqual(configMap.metadata.namespace, entry.namespace);
            for (const script of ["claim.sh", "release.sh"]) {
                assert.strictEqual(configMap.data[script], fs.readFileSync(path.join(PROJECT_DIR, "vip", script), "utf8"), script);
            }
            assert.deepStrictEqual(values.extraVolumes, [{ name: "vip-scripts", configMap: { name: configMap.metadata.name, defaultMode: 0o555 } }]);
            assert.deepStrictEqual(sidecar().volumeMounts, [{ name: "vip-scripts", mountPath: "/vip", readOnly: true }]);
        });

        it("is evicted from an unreachable or not-ready node after 30 s (default), not 300 s", () => {
            assert.deepStrictEqual(values.tolerations, [
                { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
                { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
            ]);
        });

        it("keeps a ClusterIP Service (clients come to the node that holds the address) and installs no MetalLB", () => {
            assert.strictEqual(values.service.type, "ClusterIP");
            assert.deepStrictEqual(metallbResources(r).map((x) => x.name), []);
        });

        it("installs the entry controller only after its scripts' ConfigMap", () => {
            assert.ok(waitsFor(r, r.get(RELEASE, entry.release), r.all(CONFIGMAP)[0]));
        });

        it("states a stuck controller keeps the address and is restarted on the chart's liveness probe", function () {
            const defaults = readYaml(path.join(requireReference(this), "controllers", "haproxy-ingress", "0.15.4", "values.yaml"));
            const liveness = defaults.controller.livenessProbe;
            assert.strictEqual(values.livenessProbe, undefined, "the program leaves the liveness probe at the chart's default");
            const bound = r.plainOutputs().vip.podNotReadyBound;
            assert.match(bound.terms[0].what, /liveness/);
            assert.strictEqual(bound.terms[0].seconds, liveness.failureThreshold * liveness.periodSeconds + liveness.timeoutSeconds);
        });

        it("bounds failover by node-monitor grace + tolerationSeconds + rescheduling, far below the article's 6 minutes", () => {
            const bound = r.plainOutputs().vip.failoverBound;
            assert.strictEqual(bound.terms[0].seconds, 50);
            assert.match(bound.terms[0].what, /node-monitor grace/);
            assert.strictEqual(bound.terms[1].seconds, 30);
            assert.match(bound.terms[1].what, /tolerationSeconds/);
            assert.ok(bound.terms.some((term: any) => /scheduling, image pull/.test(term.what) && term.seconds > 0));
            assert.strictEqual(bound.seconds, sumOfTerms(bound));
            assert.ok(bound.seconds < ARTICLE_SECONDS);
        });
    });

    describe(`VIP interface (${ingressMode} mode) with tolerationSeconds 12 and another interface`, () => {
        let r: Run;
        before(async () => { r = await runOf(ingressMode, "interfaceShort"); });

        it("tolerates the node's NoExecute taints for 12 s and puts the address on bond0", () => {
            const values = r.values(entry.release).controller;
            assert.deepStrictEqual((values.tolerations as any[]).map((t) => t.tolerationSeconds), [12, 12]);
            const env = (values.initContainers[0].env as any[]).find((e) => e.name === "VIP_INTERFACE");
            assert.strictEqual(env.value, "bond0");
        });

        it("states the shorter bound", async () => {
            const longer = (await runOf(ingressMode, "interface")).plainOutputs().vip.failoverBound.seconds;
            assert.strictEqual(r.plainOutputs().vip.failoverBound.seconds, Number((longer - 18).toFixed(3)));
        });
    });

    describe(`VIP l2 (${ingressMode} mode): MetalLB answers ARP from a node with a ready controller`, () => {
        let r: Run;
        let values: Record<string, any>;
        before(async () => {
            r = await runOf(ingressMode, "l2");
            values = r.values(entry.release).controller;
        });

        it("installs MetalLB 0.16.1 from its repository into metallb-system, labelled privileged", () => {
            const chart = only(r, CHART_V4);
            assert.strictEqual(chart.chart, "metallb");
            assert.strictEqual(chart.version, "0.16.1");
            assert.deepStrictEqual(chart.repositoryOpts, { repo: "https://metallb.github.io/metallb" });
            assert.strictEqual(chart.namespace, "metallb-system");
            const namespace = inputs(r.get(NAMESPACE, "metallb-system"));
            assert.strictEqual(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        });

        it("runs speakers on the API nodes, control-plane taints tolerated, announcing despite kubeadm's exclude label", () => {
            const chartValues = only(r, CHART_V4).values;
            assert.strictEqual(chartValues.speaker.enabled, true);
            assert.strictEqual(chartValues.speaker.ignoreExcludeLB, true);
            assert.strictEqual(chartValues.speaker.tolerateMaster, true);
            assert.deepStrictEqual(chartValues.speaker.nodeSelector, API_NODE_SELECTOR);
            assert.strictEqual(chartValues.frrk8s.enabled, false, "L2 needs no FRR-K8s");
        });

        it("pools exactly the VIP as a /32, for Services that ask for it only", () => {
            const pool = only(r, METALLB_KINDS.IPAddressPool);
            assert.deepStrictEqual(pool.spec, { addresses: [`${VIP}/32`], autoAssign: false });
            assert.strictEqual(pool.metadata.namespace, "metallb-system");
        });

        it("advertises the pool by L2 from the API nodes only, on the configured interface", () => {
            const pool = only(r, METALLB_KINDS.IPAddressPool);
            const advertisement = only(r, METALLB_KINDS.L2Advertisement);
            assert.deepStrictEqual(advertisement.spec, {
                ipAddressPools: [pool.metadata.name],
                nodeSelectors: [{ matchLabels: API_NODE_SELECTOR }],
                interfaces: ["eth0"],
            });
            assert.deepStrictEqual(r.all(METALLB_KINDS.BGPAdvertisement), []);
            assert.deepStrictEqual(r.all(METALLB_KINDS.BGPPeer), []);
        });

        it("gives the entry controller a LoadBalancer Service asking for the VIP, externalTrafficPolicy Local", () => {
            assert.deepStrictEqual(values.service, {
                type: "LoadBalancer", externalTrafficPolicy: "Local", annotations: { "metallb.io/loadBalancerIPs": VIP },
            });
        });

        it("runs the entry controller as a DaemonSet on the API nodes, off host networking, no sidecar", () => {
            assert.strictEqual(values.kind, "DaemonSet");
            assert.strictEqual(values.hostNetwork, false);
            assert.strictEqual(values.dnsPolicy, "ClusterFirst");
            assert.deepStrictEqual(values.nodeSelector, API_NODE_SELECTOR);
            assert.strictEqual(values.initContainers, undefined);
            assert.strictEqual(values.replicaCount, undefined);
        });

        it("probes readiness often enough to withdraw a stuck controller in seconds", () => {
            const probe = values.readinessProbe;
            assert.ok(probe.periodSeconds * probe.failureThreshold + probe.timeoutSeconds <= 10, JSON.stringify(probe));
            const bound = r.plainOutputs().vip.podNotReadyBound;
            assert.strictEqual(bound.terms[0].seconds, probe.periodSeconds * probe.failureThreshold + probe.timeoutSeconds);
        });

        it("bounds failover by memberlist detection + gratuitous ARP + a new connection", () => {
            const bound = r.plainOutputs().vip.failoverBound;
            assert.ok(bound.terms.some((term: any) => /memberlist suspicion/.test(term.what)));
            assert.ok(bound.terms.some((term: any) => /gratuitous ARP/.test(term.what)));
            assert.strictEqual(bound.seconds, sumOfTerms(bound));
            assert.ok(bound.seconds > 4 && bound.seconds < 30, String(bound.seconds));
        });
    });

    describe(`VIP l2 (${ingressMode} mode) without an interface`, () => {
        it("advertises on every interface of the API nodes", async () => {
            const advertisement = only(await runOf(ingressMode, "l2AnyInterface"), METALLB_KINDS.L2Advertisement);
            assert.strictEqual(advertisement.spec.interfaces, undefined);
        });
    });

    describe(`VIP routed with MetalLB (${ingressMode} mode): BGP and BFD through FRR-K8s, ECMP at the router`, () => {
        let r: Run;
        before(async () => { r = await runOf(ingressMode, "routed"); });

        it("enables FRR-K8s on the API nodes and keeps the speakers there", () => {
            const chartValues = only(r, CHART_V4).values;
            assert.strictEqual(chartValues.frrk8s.enabled, true);
            assert.deepStrictEqual(chartValues["frr-k8s"].frrk8s.nodeSelector, API_NODE_SELECTOR);
            assert.strictEqual(chartValues.speaker.ignoreExcludeLB, true);
        });

        it("gives BFD the configured timers in one BFDProfile", () => {
            assert.deepStrictEqual(only(r, METALLB_KINDS.BFDProfile).spec, BFD);
        });

        it("peers every API node with each router: ASNs, address, hold and keepalive, the BFD profile", () => {
            const profile = only(r, METALLB_KINDS.BFDProfile).metadata.name;
            const peers = r.all(METALLB_KINDS.BGPPeer).map(inputs);
            assert.deepStrictEqual(peers.map((peer) => peer.apiVersion), PEERS.map(() => "metallb.io/v1beta2"));
            assert.deepStrictEqual(peers.map((peer) => peer.spec), PEERS.map((peer) => ({
                myASN: 64512, peerASN: peer.asn, peerAddress: peer.address, holdTime: "9s", keepaliveTime: "3s",
                nodeSelectors: [{ matchLabels: API_NODE_SELECTOR }], bfdProfile: profile,
            })));
        });

        it("advertises the /32 itself from every API node (no aggregation), no L2", () => {
            const pool = only(r, METALLB_KINDS.IPAddressPool);
            assert.deepStrictEqual(only(r, METALLB_KINDS.BGPAdvertisement).spec, {
                ipAddressPools: [pool.metadata.name], nodeSelectors: [{ matchLabels: API_NODE_SELECTOR }], aggregationLength: 32,
            });
            assert.deepStrictEqual(r.all(METALLB_KINDS.L2Advertisement), []);
        });

        it("runs the entry controller as a DaemonSet behind a LoadBalancer Service with Local (only ready nodes announce)", () => {
            const values = r.values(entry.release).controller;
            assert.strictEqual(values.kind, "DaemonSet");
            assert.strictEqual(values.hostNetwork, false);
            assert.strictEqual(values.service.type, "LoadBalancer");
            assert.strictEqual(values.service.externalTrafficPolicy, "Local");
            assert.strictEqual(values.service.annotations["metallb.io/loadBalancerIPs"], VIP);
        });

        it("bounds failover by BFD detection + route removal + a new connection, above what was measured", () => {
            const bound = r.plainOutputs().vip.failoverBound;
            assert.strictEqual(bound.terms[0].seconds, BFD.detectMultiplier * BFD.receiveInterval / 1000);
            assert.match(bound.terms[0].what, /BFD/);
            assert.ok(bound.terms.length >= 3, "detection alone is not the outage");
            assert.strictEqual(bound.seconds, sumOfTerms(bound));
            assert.ok(bound.seconds >= MEASURED_BFD_OUTAGE_SECONDS && bound.seconds < 1, String(bound.seconds));
        });
    });

    describe(`VIP routed with MetalLB and no BFD (${ingressMode} mode)`, () => {
        let r: Run;
        before(async () => { r = await runOf(ingressMode, "routedNoBfd"); });

        it("creates no BFDProfile and no bfdProfile on the peer", () => {
            assert.deepStrictEqual(r.all(METALLB_KINDS.BFDProfile), []);
            assert.strictEqual(only(r, METALLB_KINDS.BGPPeer).spec.bfdProfile, undefined);
            assert.strictEqual(only(r, METALLB_KINDS.BGPPeer).spec.keepaliveTime, "2s");
        });

        it("bounds failover by the hold time", () => {
            const bound = r.plainOutputs().vip.failoverBound;
            assert.strictEqual(bound.terms[0].seconds, 6);
            assert.match(bound.terms[0].what, /hold time/);
        });
    });

    describe(`VIP routed with Calico (${ingressMode} mode): Calico announces, MetalLB only allocates`, () => {
        let r: Run;
        before(async () => { r = await runOf(ingressMode, "routedCalico"); });

        it("installs MetalLB without speakers or FRR-K8s, so the Service still gets its address", () => {
            const chartValues = only(r, CHART_V4).values;
            assert.strictEqual(chartValues.speaker.enabled, false);
            assert.strictEqual(chartValues.frrk8s.enabled, false);
            assert.deepStrictEqual(only(r, METALLB_KINDS.IPAddressPool).spec.addresses, [`${VIP}/32`]);
        });

        it("creates no MetalLB advertisement, peer or BFD profile", () => {
            for (const kind of ["L2Advertisement", "BGPAdvertisement", "BGPPeer", "BFDProfile"] as const) {
                assert.deepStrictEqual(r.all(METALLB_KINDS[kind]), [], kind);
            }
        });

        it("patches Calico's default BGPConfiguration to announce the /32 from the nodes' AS", () => {
            const patch = only(r, CALICO_BGP_CONFIGURATION);
            assert.strictEqual(patch.metadata.name, "default");
            assert.deepStrictEqual(patch.spec, { asNumber: 64512, serviceLoadBalancerIPs: [{ cidr: `${VIP}/32` }] });
        });

        it("peers the API nodes with each router through Calico BGPPeers", () => {
            const peers = r.all(CALICO_BGP_PEER).map(inputs);
            assert.deepStrictEqual(peers.map((peer) => peer.spec), PEERS.map((peer) => ({
                peerIP: peer.address, asNumber: peer.asn, nodeSelector: "taco-exposure/api-node == 'enabled'",
            })));
        });

        it("bounds failover by the hold time: Calico has no BFD", () => {
            const bound = r.plainOutputs().vip.failoverBound;
            assert.strictEqual(bound.terms[0].seconds, 9);
            assert.match(bound.terms[0].what, /hold time/);
        });

        it("installs the entry controller after the Calico configuration and the pool", () => {
            const release = r.get(RELEASE, entry.release);
            assert.ok(waitsFor(r, release, r.all(CALICO_BGP_CONFIGURATION)[0]));
            assert.ok(waitsFor(r, release, r.all(METALLB_KINDS.IPAddressPool)[0]));
        });
    });

    describe(`VIP with MetalLB already in the cluster (${ingressMode} mode)`, () => {
        for (const name of ["l2Existing", "routedExisting"] as const) {
            it(`${name}: installs neither MetalLB nor its namespace, still creates its resources and waits for them`, async () => {
                const r = await runOf(ingressMode, name);
                assert.deepStrictEqual(r.all(CHART_V4), []);
                assert.strictEqual(r.find(NAMESPACE, "metallb-system"), undefined);
                assert.deepStrictEqual(r.all("taco:vip:MetalLb"), []);
                const pool = r.all(METALLB_KINDS.IPAddressPool)[0];
                assert.ok(pool);
                assert.ok(waitsFor(r, r.get(RELEASE, entry.release), pool));
            });
        }
    });

    describe(`VIP order (${ingressMode} mode): MetalLB, then its resources, then the controller's LoadBalancer`, () => {
        for (const name of ["l2", "routed"] as const) {
            it(`${name}: MetalLB's chart after its namespace; every CR after the whole chart; the release after every CR`, async () => {
                const r = await runOf(ingressMode, name);
                const chart = r.all(CHART_V4)[0];
                assert.ok(waitsFor(r, chart, r.get(NAMESPACE, "metallb-system")));
                const release = r.get(RELEASE, entry.release);
                const crs = r.resources.filter((resource) => resource.type.startsWith("kubernetes:metallb.io/"));
                assert.ok(crs.length >= 2);
                for (const cr of crs) {
                    // The Chart component completes once every object it rendered is created and awaited
                    // (CRDs, the webhook's Deployment and Service).
                    assert.ok(cr.dependencies.includes(chart.urn), `${cr.type} ${cr.name} does not wait for MetalLB's chart`);
                    assert.ok(waitsFor(r, release, cr), `${entry.release} does not wait for ${cr.type} ${cr.name}`);
                }
                assert.ok(!waitsFor(r, chart, release), "MetalLB waits for the controller");
            });
        }
    });

    describe(`VIP outputs (${ingressMode} mode)`, () => {
        it("reports address, mode, the API nodes and both bounds", async () => {
            const vip = (await runOf(ingressMode, "l2")).plainOutputs().vip;
            assert.deepStrictEqual(Object.keys(vip).sort(), ["address", "failoverBound", "mode", "nodes", "podNotReadyBound"]);
            assert.strictEqual(vip.address, VIP);
            assert.strictEqual(vip.mode, "l2");
            assert.deepStrictEqual(vip.nodes, LAB_NODES);
            assert.deepStrictEqual(Object.keys(vip.failoverBound).sort(), ["derivation", "seconds", "terms"]);
            assert.match(vip.failoverBound.derivation, new RegExp(`= ${vip.failoverBound.seconds} s$`));
        });

        it("checks keystone through the VIP with its in-cluster name, and lists the VIP as the endpoint", async () => {
            const outputs = (await runOf(ingressMode, "routed")).plainOutputs();
            assert.ok(outputs.checks.includes(`curl -I http://${VIP}/v3 -H "Host: keystone.${NS}.svc.cluster.local"`), outputs.checks.join("\n"));
            assert.ok(!outputs.checks.some((check: string) => /ctrl-\d/.test(check)), "a check still goes to a node");
            assert.deepStrictEqual(outputs.endpoints.keystone.find((e: any) => e.hostHeader), {
                url: `http://${VIP}/v3`, hostHeader: `keystone.${NS}.svc.cluster.local`,
            });
        });

        it("reports { mode: none } and the nodes as entry points without a VIP", async () => {
            const outputs = (await runOf(ingressMode, "none")).plainOutputs();
            assert.deepStrictEqual(outputs.vip, { mode: "none" });
            assert.ok(outputs.checks.some((check: string) => check.includes("http://ctrl-1/")));
        });
    });

    describe(`switching VIP modes (${ingressMode} mode) touches only exposure resources`, () => {
        const OUTSIDE_EXPOSURE = (r: Run) => {
            const exposure = r.resources.find((resource) => resource.type === "taco:exposure:IngressExposure")!;
            const inside = (resource: RecordedResource): boolean => resource.parent === exposure.urn
                || (!!byUrn(r, resource.parent) && inside(byUrn(r, resource.parent)!));
            return r.resources.filter((resource) => resource !== exposure && !inside(resource)
                && resource.type !== "pulumi:pulumi:Stack");
        };

        for (const to of ["interface", "l2", "routed", "routedCalico"] as const) {
            it(`none → ${to}: every resource outside the exposure (mariadb, rabbitmq, ...) has the same URN and inputs`, async () => {
                const before = OUTSIDE_EXPOSURE(await runOf(ingressMode, "none"));
                const after = OUTSIDE_EXPOSURE(await runOf(ingressMode, to));
                assert.deepStrictEqual(after.map((x) => x.urn), before.map((x) => x.urn));
                // The namespace's Pod Security labels follow the entry controller (lib/podSecurity.ts):
                // an in-place label update, the one change outside the exposure.
                const podSecurityLabels = (inputs: Record<string, any>) => ({ ...inputs, metadata: { ...inputs.metadata, labels: undefined } });
                for (const [i, resource] of before.entries()) {
                    const comparable = resource.type === NAMESPACE ? podSecurityLabels : (inputs: Record<string, any>) => inputs;
                    assert.deepStrictEqual(comparable(after[i].inputs), comparable(resource.inputs), `${resource.type} ${resource.name}`);
                }
                const level = (r: RecordedResource[]) => (r.find((x) => x.type === NAMESPACE)!.inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"];
                const hostNetworkBefore = ingressMode === "ingress";
                const hostNetworkAfter = ingressMode === "ingress" && to === "interface";
                assert.strictEqual(level(before), hostNetworkBefore ? "privileged" : "baseline");
                assert.strictEqual(level(after), hostNetworkAfter ? "privileged" : "baseline");
                for (const stateful of ["mariadb", "rabbitmq"]) assert.ok(before.some((x) => x.type === RELEASE && x.name === stateful));
            });
        }

        it("l2 → routed keeps the entry controller release (same URN) and the pool", async () => {
            const l2 = await runOf(ingressMode, "l2");
            const routed = await runOf(ingressMode, "routed");
            assert.strictEqual(l2.get(RELEASE, entry.release).urn, routed.get(RELEASE, entry.release).urn);
            assert.strictEqual(l2.all(METALLB_KINDS.IPAddressPool)[0].urn, routed.all(METALLB_KINDS.IPAddressPool)[0].urn);
        });
    });
}

describe("VIP in hierarchical mode: the nested namespace controller is untouched", () => {
    for (const name of ["interface", "l2", "routed"] as const) {
        it(`${name}: ingress-openstack stays a ClusterIP Deployment without sidecar, not waiting for the VIP`, async () => {
            const r = await runOf("hierarchical", name);
            const none = await runOf("hierarchical", "none");
            assert.deepStrictEqual(r.values("ingress-openstack"), none.values("ingress-openstack"));
            const release = r.get(RELEASE, "ingress-openstack");
            for (const resource of r.resources.filter((x) => x.type.startsWith("kubernetes:metallb.io/") || x.type === CONFIGMAP)) {
                assert.ok(!waitsFor(r, release, resource), `${resource.type} ${resource.name}`);
            }
        });
    }
});

describe("VIP with the control-plane nodes not listed", () => {
    it("is refused before anything is registered: the nodes are the speakers its bound counts", async () => {
        const message = await failure(() => run({ "taco:exposure": { mode: "ingress", vip: VIPS.l2 } }));
        assert.match(message, /^taco:nodes\.controlPlane: got nothing; required with taco:exposure\.vip\.mode l2/);
    });
});

/** Maps the haproxy-ingress templates render whole (toYaml), so any key of the Kubernetes type is read. */
const RENDERED_WHOLE = ["controller.updateStrategy.rollingUpdate.maxSurge"];

describe("VIP values against the pinned charts", () => {
    const CASES: [IngressMode, VipName][] = [["ingress", "interface"], ["hierarchical", "interface"], ["ingress", "l2"], ["hierarchical", "routed"], ["ingress", "routedCalico"]];

    for (const [ingressMode, name] of CASES) {
        it(`${ingressMode}/${name}: every haproxy-ingress values path exists in 0.15.4's values.yaml`, async function () {
            const dir = requireReference(this);
            const defaults = readYaml(path.join(dir, "controllers", "haproxy-ingress", "0.15.4", "values.yaml"));
            const r = await runOf(ingressMode, name);
            const unknown = leafPaths(r.values(ENTRY[ingressMode].release)).filter((p) => !pathAllowed(defaults, p, RENDERED_WHOLE));
            assert.deepStrictEqual(unknown, []);
        });
    }

    for (const [ingressMode, name] of CASES.filter(([, vip]) => vip !== "interface")) {
        it(`${ingressMode}/${name}: every MetalLB values path exists in 0.16.1's values.yaml (frr-k8s.* in its subchart's)`, async function () {
            const dir = path.join(requireReference(this), "controllers", "metallb", "v0.16.1");
            const defaults = readYaml(path.join(dir, "values.yaml"));
            const subchart = readYaml(path.join(dir, "frr-k8s", "values.yaml"));
            const values = only(await runOf(ingressMode, name), CHART_V4).values;
            const unknown = leafPaths(values).filter((p) => p.startsWith("frr-k8s.")
                ? !pathAllowed(subchart, p.slice("frr-k8s.".length))
                : !pathAllowed(defaults, p));
            assert.deepStrictEqual(unknown, []);
            assert.strictEqual(readYaml(path.join(dir, "Chart.yaml")).version, only(await runOf(ingressMode, name), CHART_V4).version);
        });
    }

    it("the path check rejects a key 0.16.1 does not have (negative control)", function () {
        const dir = path.join(requireReference(this), "controllers", "metallb", "v0.16.1");
        assert.strictEqual(pathAllowed(readYaml(path.join(dir, "values.yaml")), "speaker.ignoreExcludeLBs"), false);
        assert.strictEqual(pathAllowed(readYaml(path.join(dir, "values.yaml")), "speaker.ignoreExcludeLB"), true);
    });
});

describe("VIP stack files", () => {
    const declared = (stack: string) => readYaml(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`)).config["taco:exposure"].vip;

    it("staging uses l2", async () => {
        assert.strictEqual(declared("staging").mode, "l2");
        const r = await runStackFile("staging");
        assert.strictEqual(r.plainOutputs().vip.mode, "l2");
        assert.strictEqual(r.all(METALLB_KINDS.L2Advertisement).length, 1);
    });

    it("prod uses routed with MetalLB, BFD 100 ms × 3, peers, ASNs and a node subnet", async () => {
        const vip = declared("prod");
        assert.strictEqual(vip.mode, "routed");
        assert.strictEqual(vip.bgp.speaker, "metallb");
        assert.deepStrictEqual(vip.bgp.bfd, BFD);
        assert.ok(vip.bgp.peers.length >= 1 && vip.bgp.myASN && vip.bgp.nodeSubnet);
        const r = await runStackFile("prod");
        assert.strictEqual(r.all(METALLB_KINDS.BGPPeer).length, vip.bgp.peers.length);
        assert.strictEqual(r.plainOutputs().vip.failoverBound.terms[0].seconds, 0.3);
    });
});
