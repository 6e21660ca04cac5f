// The VIP inside the first-`up` model (issue 7) and the delivery parts (issue 10): one Pod Security
// mechanism for every namespace, the nodes' tolerations on MetalLB's pods and beside the interface
// VIP's own, MetalLB in the air-gapped bundle and from a local chart directory, and the rollout
// plan's host ports per VIP mode. Expectations come from the config given and the pinned chart data.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../config";
import { bundledCharts } from "../lib/chartBundle";
import { kubeSystemPodSecurity, metallbPodSecurity, namespacePodSecurity, podSecurityLabels, podSecurityLevel } from "../lib/podSecurity";
import { renderRollout } from "../lib/rollout";
import { METALLB_CHART } from "../lib/vip";
import { LAB_NODES, pathAllowed, readYaml, requireReference, run, Run, StackValues, toPulumiConfig, unwrap } from "./support";

const CHART_V4 = "kubernetes:helm.sh/v4:Chart";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const ADDRESS = "10.10.10.254";
const TAINT = [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }];
const BGP = (speaker: string) => ({ speaker, myASN: 64512, peers: [{ address: "10.10.10.1", asn: 64513 }], holdTime: 9 });
const VIPS: Record<string, Record<string, unknown>> = {
    interface: { mode: "interface", address: ADDRESS, interface: "eth0", tolerationSeconds: 20 },
    l2: { mode: "l2", address: ADDRESS },
    "routed metallb": { mode: "routed", address: ADDRESS, bgp: BGP("metallb") },
    "routed calico": { mode: "routed", address: ADDRESS, bgp: BGP("calico") },
};
const ENTRY = { ingress: { release: "ingress-openstack", namespace: "openstack" }, hierarchical: { release: "ingress-cluster", namespace: "kube-system" } };

function values(mode: "ingress" | "hierarchical", vip: string, extra: StackValues = {}): StackValues {
    return {
        "taco:nodes": { controlPlane: LAB_NODES, tolerations: TAINT },
        "taco:exposure": { mode, ingress: {}, vip: VIPS[vip] },
        ...extra,
    };
}
const runs = new Map<string, Promise<Run>>();
function runOf(mode: "ingress" | "hierarchical", vip: string): Promise<Run> {
    const key = `${mode}/${vip}`;
    if (!runs.has(key)) runs.set(key, run(values(mode, vip)));
    return runs.get(key)!;
}
const configOf = (mode: "ingress" | "hierarchical", vip: string) => parseConfig(toPulumiConfig(values(mode, vip)));
const chartValues = (r: Run) => unwrap(r.get(CHART_V4, "metallb").inputs.values) as Record<string, any>;
const namespaceLabels = (r: Run, name: string) => (r.all("kubernetes:core/v1:Namespace").find((ns) => (ns.inputs.metadata as any).name === name)?.inputs.metadata as any)?.labels;

describe("VIP × Pod Security: one computation for every namespace", () => {
    for (const mode of ["ingress", "hierarchical"] as const) {
        it(`${mode}, interface: the entry controller's namespace needs privileged for the sidecar's NET_ADMIN/NET_RAW on host networking`, () => {
            const config = configOf(mode, "interface");
            const needs = mode === "ingress" ? namespacePodSecurity(config) : kubeSystemPodSecurity(config);
            const sidecar = needs.find((need) => need.pods === `${ENTRY[mode].release} vip sidecar`);
            assert.ok(sidecar && sidecar.level === "privileged" && /NET_ADMIN/.test(sidecar.why) && /NET_RAW/.test(sidecar.why), JSON.stringify(needs));
            assert.deepStrictEqual(metallbPodSecurity(config.exposure.vip), []);
        });

        for (const vip of ["l2", "routed metallb", "routed calico"]) {
            it(`${mode}, ${vip}: the entry controller is off host networking (baseline), and metallb-system is labelled from the same function`, async () => {
                const config = configOf(mode, vip);
                const entry = (mode === "ingress" ? namespacePodSecurity(config) : kubeSystemPodSecurity(config)).filter((need) => need.pods.startsWith(ENTRY[mode].release));
                assert.deepStrictEqual(entry.map((need) => need.level), ["baseline"]);
                const r = await runOf(mode, vip);
                if (mode === "ingress") assert.deepStrictEqual(namespaceLabels(r, "openstack"), podSecurityLabels(podSecurityLevel(namespacePodSecurity(config))));
                const metallb = metallbPodSecurity(config.exposure.vip);
                assert.deepStrictEqual(namespaceLabels(r, "metallb-system"), podSecurityLabels(podSecurityLevel(metallb)));
                // The speaker (ARP, memberlist, FRR's BGP) needs privileged; with Calico announcing only the controller runs.
                assert.strictEqual(podSecurityLevel(metallb), vip === "routed calico" ? "baseline" : "privileged");
            });
        }
    }

    it("the interface run labels openstack privileged in ingress mode (the namespace of the sidecar)", async () => {
        assert.strictEqual(namespaceLabels(await runOf("ingress", "interface"), "openstack")["pod-security.kubernetes.io/enforce"], "privileged");
    });
});

describe("VIP × tolerations: taco:nodes.tolerations reach every VIP pod", () => {
    for (const vip of ["l2", "routed metallb"]) {
        it(`${vip}: MetalLB's controller, speaker${vip === "l2" ? "" : " and FRR-K8s"} get them, at paths MetalLB ${METALLB_CHART.version}'s values have`, async function () {
            const reference = path.join(requireReference(this), "controllers", "metallb", `v${METALLB_CHART.version}`);
            const chart = readYaml(path.join(reference, "values.yaml"));
            const frrK8s = readYaml(path.join(reference, "frr-k8s", "values.yaml"));
            const set = chartValues(await runOf("ingress", vip));
            const paths = ["controller.tolerations", "speaker.tolerations", ...(vip === "l2" ? [] : ["frr-k8s.frrk8s.tolerations"])];
            for (const dotted of paths) {
                const found = dotted.split(".").reduce<any>((node, key) => node?.[key], set);
                assert.deepStrictEqual(found, TAINT, dotted);
                const [head, ...rest] = dotted.split(".");
                assert.ok(head === "frr-k8s" ? pathAllowed(frrK8s, rest.join(".")) : pathAllowed(chart, dotted), `${dotted} not in the chart's values`);
            }
        });
    }

    it("interface: the controller pod (and so its sidecar) keeps the nodes' tolerations beside the VIP's short eviction tolerations", async () => {
        const controller = (unwrap((await runOf("ingress", "interface")).get(RELEASE, "ingress-openstack").inputs.values) as any).controller;
        assert.deepStrictEqual(controller.tolerations.slice(0, 1), TAINT);
        for (const key of ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"]) {
            assert.ok(controller.tolerations.some((t: any) => t.key === key && t.tolerationSeconds === 20), key);
        }
    });
});

describe("VIP × air-gapped charts", () => {
    it("bundles MetalLB exactly when the VIP installs it", () => {
        const has = (vip?: string, install = true) => bundledCharts(undefined, vip
            ? parseConfig(toPulumiConfig(values("ingress", vip, {
                "taco:exposure": { mode: "ingress", ingress: {}, vip: { ...VIPS[vip], ...(install ? {} : { metallb: { install: false } }) } },
            }))).exposure.vip
            : undefined).some((chart) => chart.chart === "metallb" && chart.version === METALLB_CHART.version);
        assert.deepStrictEqual([has(), has("interface"), has("l2"), has("routed metallb"), has("routed calico"), has("l2", false)],
            [false, false, true, true, true, false]);
    });

    it("installs MetalLB from a local chart directory that holds it, and fails naming taco:charts.repository when it does not", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "taco-charts-"));
        try {
            for (const chart of bundledCharts(undefined, configOf("ingress", "l2").exposure.vip)) {
                fs.mkdirSync(path.join(dir, chart.chart));
                fs.writeFileSync(path.join(dir, chart.chart, "Chart.yaml"), `name: ${chart.chart}\nversion: ${chart.version}\n`);
            }
            const local = await run(values("ingress", "l2", { "taco:charts": { repository: dir } }));
            const inputs = local.get(CHART_V4, "metallb").inputs;
            assert.strictEqual(inputs.chart, path.join(dir, "metallb"));
            assert.strictEqual(inputs.repositoryOpts, undefined);
            fs.rmSync(path.join(dir, "metallb"), { recursive: true });
            await assert.rejects(run(values("ingress", "l2", { "taco:charts": { repository: dir } }), { fresh: true }), /taco:charts\.repository.*metallb/s);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("VIP × rollout plan: MetalLB's waves, tolerations, Pod Security and host ports", () => {
    const rollout = async (mode: "ingress" | "hierarchical", vip: string) => renderRollout("test", (await runOf(mode, vip)).resources, configOf(mode, vip));

    it("routed metallb: the chart waits before its CRs, the CRs before the entry controller; the speaker's and FRR's ports on the nodes", async () => {
        const text = await rollout("hierarchical", "routed metallb");
        const waveOf = (name: string) => {
            const at = text.indexOf(name);
            assert.ok(at >= 0, `${name} not in the plan`);
            return Number([...text.slice(0, at).matchAll(/### Wave (\d+)/g)].pop()![1]);
        };
        assert.ok(waveOf("| Chart metallb |") < waveOf("| IPAddressPool taco-vip-ipaddresspool |"));
        assert.ok(waveOf("| IPAddressPool taco-vip-ipaddresspool |") < waveOf("| Release ingress-cluster |"));
        assert.match(text, /metallb speaker .* 7946\/TCP memberlist.*7946\/UDP memberlist/);
        assert.match(text, /frr-k8s .* 179\/TCP BGP, 3784\/UDP BFD control, 3785\/UDP BFD echo/);
        assert.match(text, /- ingress-cluster \(kube-system\): no host port/);
        assert.match(text, /namespace metallb-system is labelled `privileged`/);
        assert.match(text, /- metallb: `frr-k8s\.frrk8s\.tolerations` = \[/);
    });

    it("l2: the speaker's memberlist ports, no FRR; interface: the controller on host networking, no MetalLB", async () => {
        const l2 = await rollout("ingress", "l2");
        assert.match(l2, /metallb speaker .* 7946\/TCP/);
        assert.doesNotMatch(l2, /179\/TCP BGP/);
        const iface = await rollout("ingress", "interface");
        assert.match(iface, /- ingress-openstack \(openstack, host network\) on .*80\/TCP http, 443\/TCP https/);
        assert.doesNotMatch(iface, /metallb/i);
        assert.match(iface, /ingress-openstack vip sidecar: privileged/);
    });
});
