// The pictures: the topology diagram and the endpoints table of each stack, drawn from what the
// program registers, written by the offline plan and kept current in README.md.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../config";
import { renderEndpoints } from "../lib/endpointsReport";
import { renderTopology, TopologyInput } from "../lib/topology";
import { exampleStacks, README, stackTopology, withDiagrams } from "../tools/stackPictures";
import { readStackConfig } from "../tools/stackConfig";
import { LAB_NODES, planInProcess, run, Run, runStackFile } from "./support";

function input(r: Run, stack?: string): TopologyInput {
    return { resources: r.resources, outputs: r.plainOutputs(), config: stack ? parseConfig(readStackConfig(stack)) : undefined };
}

/** `a --> b` and `a -- "label" --> b` edges as [from, to, label]. */
function edges(diagram: string): [string, string, string][] {
    return [...diagram.matchAll(/^\s*(\S+) (?:-- "([^"]*)" )?--> (\S+)$/gm)].map((m) => [m[1], m[3], m[2] ?? ""]);
}

function reachable(diagram: string, from: string): Set<string> {
    const seen = new Set([from]);
    const all = edges(diagram);
    for (let grew = true; grew;) {
        grew = false;
        for (const [a, b] of all) if (seen.has(a) && !seen.has(b)) { seen.add(b); grew = true; }
    }
    return seen;
}

describe("pictures: topology diagrams", () => {
    it("dev (nodeport): client → load balancer → the three nodes on 30500/31000 → Local Services → pods", async () => {
        const diagram = renderTopology(input(await runStackFile("dev"), "dev"));
        assert.match(diagram, /^flowchart LR$/m);
        assert.match(diagram, /lb\["external load balancer<br\/>http:\/\/keystone-lb\.lab\.example\.com"\]/);
        for (const node of LAB_NODES) assert.match(diagram, new RegExp(`\\["${node}<br/>:30500 :31000"\\]`));
        assert.deepStrictEqual(edges(diagram).filter(([from]) => from === "nodes").map(([, to, label]) => `${to} ${label}`).sort(),
            ["svc_horizon_nodeport :31000", "svc_keystone_nodeport :30500"]);
        assert.match(diagram, /Service keystone-nodeport<br\/>NodePort 30500 → ks-pub<br\/>externalTrafficPolicy Local/);
        const path = reachable(diagram, "client");
        for (const id of ["lb", "nodes", "svc_keystone_nodeport", "pods_keystone", "pods_horizon"]) assert.ok(path.has(id), id);
    });

    it("staging (ingress, l2 VIP): client → VIP → the controller's LoadBalancer Service → controller → the charts' Services, TLS marked", async () => {
        const diagram = renderTopology(input(await runStackFile("staging")));
        const chain = edges(diagram).map(([from, to]) => `${from}>${to}`);
        for (const hop of ["client>vip", "vip>svc_ingress_openstack", "svc_ingress_openstack>ctrl_ingress_openstack"]) assert.ok(chain.includes(hop), `${hop} missing:\n${diagram}`);
        assert.match(diagram, /vip\(\["VIP 10\.10\.10\.254 \(l2\)<br\/>failover ≤ [\d.]+ s"\]\)/);
        assert.ok(!diagram.includes("subgraph nodes"), "off host networking nothing listens on the nodes' own ports");
        assert.ok(edges(diagram).some(([from, to, label]) => from === "ctrl_ingress_openstack" && to === "svc_keystone_api" && label.includes("keystone.staging.cloud.example.com (TLS)")));
        assert.ok(reachable(diagram, "client").has("pods_horizon"));
    });

    it("prod (hierarchical, routed VIP): VIP → cluster controller → the namespace controller's Service → namespace controller → Services", async () => {
        const diagram = renderTopology(input(await runStackFile("prod")));
        const chain = edges(diagram).map(([from, to]) => `${from}>${to}`);
        for (const hop of ["client>vip", "vip>svc_ingress_cluster", "svc_ingress_cluster>ctrl_ingress_cluster", "ctrl_ingress_cluster>svc_ingress_openstack", "svc_ingress_openstack>ctrl_ingress_openstack",
            "ctrl_ingress_openstack>svc_keystone_api", "svc_keystone_api>pods_keystone"]) assert.ok(chain.includes(hop), `${hop} missing:\n${diagram}`);
        assert.ok(!chain.includes("nodes>ctrl_ingress_openstack"), "the nested controller is drawn as reachable from the nodes");
        assert.match(diagram, /\*\.cloud\.example\.com \(TLS\)/);
    });

    it("clusterip: an in-cluster client reaches the Services, nothing from outside", async () => {
        const diagram = renderTopology(input(await run({})));
        assert.match(diagram, /client\(\["client in the cluster"\]\)/);
        assert.ok(!diagram.includes("subgraph nodes"));
        assert.ok(reachable(diagram, "client").has("pods_keystone"));
    });

    it("puts a VIP in front of its nodes when the controller is on host networking (interface)", async () => {
        const r = await run({
            "taco:nodes": { controlPlane: LAB_NODES },
            "taco:exposure": { mode: "ingress", ingress: {}, vip: { mode: "interface", address: "192.0.2.10", interface: "eth0" } },
        });
        const outputs = { ...r.plainOutputs(), vip: { address: "192.0.2.10", mode: "l2", nodes: ["ctrl-1", "ctrl-2"], failoverBound: { seconds: 12.5, terms: [], derivation: "" } } };
        const diagram = renderTopology({ resources: r.resources, outputs });
        assert.match(diagram, /vip\(\["VIP 192\.0\.2\.10 \(l2\)<br\/>failover ≤ 12\.5 s"\]\)/);
        assert.ok(edges(diagram).some(([from, to]) => from === "client" && to === "vip"));
        assert.ok(edges(diagram).some(([from, to]) => from === "vip" && to === "nodes"));
        assert.ok(diagram.includes(`node_ctrl_2[`) && !diagram.includes(`node_ctrl_3[`), "draws the VIP's nodes");
    });

    it("with a VIP on the controller's LoadBalancer Service: client → VIP → Service → controller, no node ports", async () => {
        const r = await runStackFile("staging");
        const resources = r.resources.map((res) => res.type === "kubernetes:helm.sh/v3:Release" && res.name === "ingress-openstack"
            ? { ...res, inputs: { ...res.inputs, values: { ...(res.inputs.values as object), controller: {
                ...(res.inputs.values as any).controller, hostNetwork: false, kind: "Deployment", service: { type: "LoadBalancer", externalTrafficPolicy: "Local" } } } } }
            : res);
        const outputs = { ...r.plainOutputs(), vip: { address: "192.0.2.10", mode: "routed", nodes: [{ node: "ctrl-1" }] } };
        const diagram = renderTopology({ resources, outputs });
        const chain = edges(diagram).map(([from, to]) => `${from}>${to}`);
        for (const hop of ["client>vip", "vip>svc_ingress_openstack", "svc_ingress_openstack>ctrl_ingress_openstack", "ctrl_ingress_openstack>svc_keystone_api"]) {
            assert.ok(chain.includes(hop), `${hop} missing:\n${diagram}`);
        }
        assert.ok(!diagram.includes("subgraph nodes"), diagram);
    });
});

describe("pictures: endpoints table", () => {
    it("lists every endpoint output with TLS yes/no and the program's own check for it", async () => {
        const outputs = (await runStackFile("staging")).plainOutputs();
        const table = renderEndpoints("staging", outputs);
        const rows = table.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| service"));
        const urls = Object.values(outputs.endpoints as Record<string, { url: string }[]>).flat();
        assert.strictEqual(rows.length, urls.length);
        const keystone = rows.find((row) => row.includes("`https://keystone.staging.cloud.example.com/v3`"));
        assert.ok(keystone, table);
        assert.match(keystone, /\| yes \| `curl -I -k --resolve keystone\.staging\.cloud\.example\.com:443:10\.10\.10\.254 https:\/\/keystone\.staging\.cloud\.example\.com\/v3` \|$/);
        assert.ok(rows.filter((row) => row.includes("(Host: ")).every((row) => row.includes("| no |")));
        for (const row of rows) assert.ok((outputs.checks as string[]).some((check) => row.includes(`\`${check}\``)), `check not from the program: ${row}`);
    });

    it("says clusterip endpoints resolve in the cluster only", async () => {
        assert.match(renderEndpoints("x", (await run({})).plainOutputs()), /nothing is reachable from outside the cluster/);
    });
});

describe("pictures: written by the plan, current in README.md", () => {
    it("npm run plan writes topology.mmd and endpoints.md", async function () {
        this.timeout(60_000);
        const result = await planInProcess(["staging"]);
        assert.strictEqual(result.status, 0, result.stderr);
        for (const file of ["topology.mmd", "endpoints.md"]) {
            const written = path.join(result.planRoot, "staging", file);
            assert.ok(result.stdout.includes(path.join("plan", "staging", file)), `${file} not listed`);
            assert.ok(fs.readFileSync(written, "utf8").length > 0);
        }
        assert.match(fs.readFileSync(path.join(result.planRoot, "staging", "topology.mmd"), "utf8"), /^flowchart LR\n/);
    });

    it("README.md embeds the current diagram of every example stack (else: npm run docs)", async function () {
        this.timeout(60_000);
        const diagrams: Record<string, string> = {};
        for (const stack of exampleStacks()) diagrams[stack] = await stackTopology(stack);
        assert.deepStrictEqual(exampleStacks(), ["dev", "prod", "staging"]);
        const readme = fs.readFileSync(README, "utf8");
        assert.strictEqual(withDiagrams(readme, diagrams), readme, "README.md diagrams are out of date: run npm run docs");
    });

    it("notices a stale diagram", () => {
        const readme = fs.readFileSync(README, "utf8");
        assert.notStrictEqual(withDiagrams(readme, { dev: "flowchart LR\n    a --> b\n" }), readme);
    });
});
