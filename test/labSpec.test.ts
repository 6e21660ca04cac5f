// What the failover lab reads from the program (lab/spec.ts) and what it gives FRR in the nodes
// (lab/frr.ts). The lab itself needs root and runs outside `npm test` (`npm run lab -- <stack>`).
import * as assert from "assert";
import { speakerConf } from "../lab/frr";
import { durationSeconds, LAB_NODE_INTERFACE, programView, switchVip, vipSpec, VipSpec } from "../lab/spec";
import { readStack } from "../tools/stackConfig";

describe("the failover lab's view of the program", () => {
    it("reads Kubernetes durations as MetalLB writes them", () => {
        assert.strictEqual(durationSeconds("9s"), 9);
        assert.strictEqual(durationSeconds("1m30s"), 90);
        assert.strictEqual(durationSeconds("300ms"), 0.3);
        assert.throws(() => durationSeconds("soon"), /not a duration/);
    });

    describe("routed mode (prod, as the stack file says)", () => {
        let spec: VipSpec;
        before(async function () {
            this.timeout(120_000);
            spec = await vipSpec(await programView("prod"));
        });

        it("takes the session timers and BFD profile from the BGPPeer and BFDProfile", () => {
            assert.strictEqual(spec.mode, "routed");
            assert.match(spec.source, /^the program \(stack prod\)$/);
            assert.ok(spec.speaker, "no speaker settings");
            assert.strictEqual(spec.speaker.holdSeconds, 9);
            assert.strictEqual(spec.speaker.keepaliveSeconds, 3);
            assert.deepStrictEqual(spec.speaker.bfd && [spec.speaker.bfd.receiveInterval, spec.speaker.bfd.transmitInterval, spec.speaker.bfd.detectMultiplier], [100, 100, 3]);
            assert.ok(spec.failoverBound.seconds > 0 && spec.failoverBound.seconds < 1, `BFD bound ${spec.failoverBound.seconds} s`);
            assert.match(spec.routerConf ?? "", /^ bgp listen range 10\.10\.10\.0\/24 peer-group \S+$/m, "the plan's router file has the stack's listen range");
        });

        it("gives each node's FRR those timers, the BFD profile and the VIP as a /32", () => {
            const conf = speakerConf("ctrl-1", spec.speaker!, spec.address);
            const { peerAddress, keepaliveSeconds, holdSeconds, bfd } = spec.speaker!;
            assert.match(conf, new RegExp(`^ neighbor ${peerAddress} timers ${keepaliveSeconds} ${holdSeconds}$`, "m"));
            assert.match(conf, new RegExp(`^ neighbor ${peerAddress} bfd profile ${bfd!.name}$`, "m"));
            assert.match(conf, new RegExp(`^  receive-interval ${bfd!.receiveInterval}$`, "m"));
            assert.match(conf, new RegExp(`^  detect-multiplier ${bfd!.detectMultiplier}$`, "m"));
            assert.match(conf, new RegExp(`^  network ${spec.address.replace(/\./g, "\\.")}/32$`, "m"));
        });
    });

    describe("--vip: the program run with the stack's VIP switched to another mode", () => {
        it("l2 from prod: the program's l2 bound and pool for prod's address, no BGP", async function () {
            this.timeout(120_000);
            const view = await programView("prod", { vipMode: "l2" });
            const spec = await vipSpec(view);
            assert.strictEqual(spec.mode, "l2");
            assert.strictEqual(spec.address, "10.10.10.254");
            assert.match(spec.source, /taco:exposure\.vip\.mode routed → l2, by --vip/);
            assert.strictEqual(spec.speaker, undefined);
            assert.strictEqual(spec.routerConf, undefined);
            assert.match(spec.failoverBound.derivation, /memberlist/i);
            assert.ok(spec.failoverBound.seconds > 1, `l2 bound ${spec.failoverBound.seconds} s is not routed's`);
            const types = view.run.resources.map((r) => r.type);
            assert.ok(types.includes("kubernetes:metallb.io/v1beta1:L2Advertisement"));
            assert.ok(!types.some((type) => type.includes("BGPPeer")), "no BGPPeer after the switch");
        });

        it("interface from staging: the program's scripts get the lab's node interface, the bound counts node-monitor grace", async function () {
            this.timeout(120_000);
            const spec = await vipSpec(await programView("staging", { vipMode: "interface" }));
            assert.strictEqual(spec.mode, "interface");
            assert.strictEqual(spec.interface, LAB_NODE_INTERFACE);
            assert.strictEqual(spec.address, "10.10.10.254");
            assert.ok(spec.failoverBound.seconds >= 50, `interface bound ${spec.failoverBound.seconds} s`);
        });

        it("refuses routed for a stack without BGP settings, and any mode for a stack without a VIP address", () => {
            assert.throws(() => switchVip("staging", readStack("staging"), "routed"), /stack staging has no BGP settings.*npm run lab -- prod/);
            assert.throws(() => switchVip("dev", readStack("dev"), "l2"), /stack dev declares no VIP address/);
        });

        it("changes nothing when the stack is in that mode already, and keeps what the new mode takes", () => {
            assert.strictEqual(switchVip("staging", readStack("staging"), "l2"), undefined);
            const exposure = { mode: "ingress", vip: { mode: "interface", address: "192.0.2.9", interface: "bond0", tolerationSeconds: 12 } };
            const stack = { config: { "taco:exposure": JSON.stringify(exposure) }, secretKeys: [] };
            const toInterface = switchVip("x", stack, "interface");
            assert.deepStrictEqual(JSON.parse(toInterface!.config.config["taco:exposure"]).vip,
                { mode: "interface", address: "192.0.2.9", tolerationSeconds: 12, interface: LAB_NODE_INTERFACE });
            const toL2 = switchVip("x", stack, "l2");
            assert.deepStrictEqual(JSON.parse(toL2!.config.config["taco:exposure"]),
                { mode: "ingress", vip: { mode: "l2", address: "192.0.2.9", interface: "bond0", tolerationSeconds: 12 } });
        });
    });
});
