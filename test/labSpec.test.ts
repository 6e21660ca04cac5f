// What the failover lab reads from the program (lab/spec.ts) and what it gives FRR in the nodes
// (lab/frr.ts). The lab itself needs root and runs outside `npm test` (`npm run lab -- <stack>`).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { speakerConf } from "../lab/frr";
import { durationSeconds, programView, vipSpec } from "../lab/spec";

const FIXTURE_CONF = path.join(__dirname, "..", "lab", "fixture", "routed-router-frr.conf");

describe("the failover lab's view of the program", () => {
    it("reads Kubernetes durations as MetalLB writes them", () => {
        assert.strictEqual(durationSeconds("9s"), 9);
        assert.strictEqual(durationSeconds("1m30s"), 90);
        assert.strictEqual(durationSeconds("300ms"), 0.3);
        assert.throws(() => durationSeconds("soon"), /not a duration/);
    });

    describe("routed mode (from the program's vip output, or the fixture while it has none)", () => {
        let spec: ReturnType<typeof vipSpec>;
        before(async function () {
            this.timeout(120_000);
            spec = vipSpec("prod", await programView("prod"));
        });

        it("takes the session timers and BFD profile from the BGPPeer and BFDProfile", () => {
            assert.strictEqual(spec.mode, "routed");
            assert.ok(spec.speaker, "no speaker settings");
            assert.ok(spec.speaker.holdSeconds >= 3, `hold ${spec.speaker.holdSeconds}`);
            assert.ok(spec.speaker.keepaliveSeconds < spec.speaker.holdSeconds);
            assert.ok(spec.speaker.bfd, "prod has BFD");
            assert.ok(spec.failoverBound.seconds > 0);
            assert.ok(spec.routerConf?.includes("bgp listen range"), "the router's file has a listen range");
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

    it("the fixture router file follows the contract: listen range, the nodes' AS, BFD, ECMP", () => {
        const conf = fs.readFileSync(FIXTURE_CONF, "utf8");
        assert.match(conf, /^router bgp \d+$/m);
        assert.match(conf, /^ bgp listen range \S+ peer-group (\S+)$/m);
        assert.match(conf, /^ neighbor \S+ bfd profile \S+$/m);
        assert.match(conf, /^  maximum-paths \d+$/m);
    });
});
