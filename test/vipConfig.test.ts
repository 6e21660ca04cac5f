// The typed config the VIP and placement code is handed: defaults filled in as DEFAULTS states them,
// tolerations as given, and the one VIP condition that warns rather than fails.
import * as assert from "assert";
import { DEFAULTS, parseConfig, TacoConfig } from "../config";

const NODES = ["ctrl-1", "ctrl-2", "ctrl-3"];

function parse(values: Record<string, unknown>, warnings: string[] = []): TacoConfig {
    const raw = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, JSON.stringify(value)]));
    return parseConfig(raw, undefined, { stack: "test", warn: (message) => warnings.push(message) });
}

const ingressWith = (vip: unknown, nodes = NODES) => ({ "taco:nodes": { controlPlane: nodes }, "taco:exposure": { mode: "ingress", vip } });

describe("config: VIP settings as the VIP components receive them", () => {
    it("defaults to mode none", () => {
        assert.deepStrictEqual(parse({}).exposure.vip, { mode: "none" });
    });

    it("fills interface and l2 defaults (tolerationSeconds, MetalLB install)", () => {
        assert.deepStrictEqual(parse(ingressWith({ mode: "interface", address: "10.10.10.254", interface: "eth0" })).exposure.vip,
            { mode: "interface", address: "10.10.10.254", interface: "eth0", tolerationSeconds: DEFAULTS.vipTolerationSeconds });
        assert.deepStrictEqual(parse(ingressWith({ mode: "l2", address: "fd00::10" })).exposure.vip,
            { mode: "l2", address: "fd00::10", tolerationSeconds: DEFAULTS.vipTolerationSeconds, metallb: { install: true } });
    });

    it("fills routed defaults (speaker metallb, hold time, BFD timers when bfd is given)", () => {
        const vip = parse(ingressWith({
            mode: "routed", address: "10.10.10.254",
            bgp: { myASN: 4200000000, peers: [{ address: "10.10.10.1", asn: 64513 }], bfd: {}, nodeSubnet: "10.10.10.0/24" },
            metallb: { install: false },
        })).exposure.vip;
        assert.deepStrictEqual(vip, {
            mode: "routed", address: "10.10.10.254", metallb: { install: false },
            bgp: {
                speaker: "metallb", myASN: 4200000000, peers: [{ address: "10.10.10.1", asn: 64513 }], holdTime: DEFAULTS.bgpHoldTime,
                bfd: { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3 }, nodeSubnet: "10.10.10.0/24",
            },
        });
    });

    it("accepts hold time 0 and 3, and refuses 1", () => {
        const routed = (holdTime: number) => ingressWith({ mode: "routed", address: "10.10.10.254", bgp: { myASN: 64512, peers: [{ address: "10.10.10.1", asn: 64513 }], holdTime } });
        assert.strictEqual((parse(routed(0)).exposure.vip as { bgp: { holdTime: number } }).bgp.holdTime, 0);
        assert.strictEqual((parse(routed(3)).exposure.vip as { bgp: { holdTime: number } }).bgp.holdTime, 3);
        assert.throws(() => parse(routed(1)), /taco:exposure\.vip\.bgp\.holdTime: got 1;/);
    });

    it("warns (no ECMP) but accepts routed with a single control-plane node; no warning with three", () => {
        const vip = { mode: "routed", address: "10.10.10.254", bgp: { myASN: 64512, peers: [{ address: "10.10.10.1", asn: 64513 }] } };
        const one: string[] = [];
        parse(ingressWith(vip, ["ctrl-1"]), one);
        assert.strictEqual(one.length, 1);
        assert.match(one[0], /ECMP/);
        const three: string[] = [];
        parse(ingressWith(vip), three);
        assert.deepStrictEqual(three, []);
    });

    it("hands tolerations over as given, Exists without a key included", () => {
        const tolerations = [
            { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
            { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
            { key: "dedicated", operator: "Equal", value: "openstack" },
            { operator: "Exists" },
        ];
        assert.deepStrictEqual(parse({ "taco:nodes": { controlPlane: NODES, tolerations } }).nodes.tolerations, tolerations);
    });
});
