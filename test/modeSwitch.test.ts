// Switching modes loses nothing: for every pair of exposure modes, and every VIP mode in the ingress
// modes, the stateful releases (mariadb, rabbitmq) keep URN and inputs, keystone and horizon keep
// their URNs, and every generated secret keeps its URN (so none is regenerated).
import * as assert from "assert";
import { LAB_NODES, run, Run, unwrap } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const INGRESS = { publicDomain: "cloud.example.com", tls: { secretName: "cloud-tls" } };
const VIPS: Record<string, Record<string, unknown>> = {
    none: { mode: "none" },
    interface: { mode: "interface", address: "10.10.10.254", interface: "eth0" },
    l2: { mode: "l2", address: "10.10.10.254" },
    routed: {
        mode: "routed", address: "10.10.10.254",
        bgp: { myASN: 64512, peers: [{ address: "10.10.10.1", asn: 64513 }], bfd: { receiveInterval: 100, transmitInterval: 100 } },
    },
};

const CONFIGS: Record<string, Record<string, unknown>> = {
    clusterip: {},
    "nodeport-local": { mode: "nodeport", nodePort: { externalTrafficPolicy: "Local", publicEndpoint: { host: "ctrl-1", port: 30500 } } },
    "nodeport-cluster": { mode: "nodeport", nodePort: { externalTrafficPolicy: "Cluster", publicEndpoint: { host: "lb.example.com" } } },
    ...Object.fromEntries(["ingress", "hierarchical"].flatMap((mode) => Object.entries(VIPS).map(([vip, settings]) =>
        [`${mode}+vip-${vip}`, { mode, ingress: INGRESS, vip: settings }]))),
};

describe("mode switches: what holds state or secrets is the same in every mode", () => {
    const runs: Record<string, Run> = {};
    before(async function () {
        this.timeout(120_000);
        for (const [name, exposure] of Object.entries(CONFIGS)) {
            runs[name] = await run({ "taco:nodes": { controlPlane: LAB_NODES }, "taco:exposure": exposure });
        }
    });

    const same = (describeRun: (r: Run) => unknown, what: string) => {
        const names = Object.keys(CONFIGS);
        const baseline = describeRun(runs[names[0]]);
        for (const name of names.slice(1)) {
            assert.deepStrictEqual(describeRun(runs[name]), baseline, `${what} differs between ${names[0]} and ${name}`);
        }
    };

    it("the configs really are different modes", () => {
        assert.strictEqual(new Set(Object.values(runs).map((r) => JSON.stringify(r.values("keystone")) + r.resources.length)).size > 3, true);
    });

    for (const chart of ["mariadb", "rabbitmq"]) {
        it(`${chart}: the same Release URN, parent and inputs`, () => same((r) => {
            const release = r.get(RELEASE, chart);
            return { urn: release.urn, parent: release.parent, inputs: unwrap(release.inputs) };
        }, chart));
    }

    for (const chart of ["keystone", "horizon"]) {
        it(`${chart}: the same Release URN`, () => same((r) => r.get(RELEASE, chart).urn, chart));
    }

    it("every generated secret: the same URNs", () => same((r) => r.all(PASSWORD).map((p) => p.urn).sort(), "the generated secrets"));
});
