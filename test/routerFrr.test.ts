// The upstream router's frr.conf for the routed VIP: what the plan writes, what the peering needs
// (AS numbers, timers, BFD, ECMP, neighbours), and, where FRR is installed (CI installs it for the
// failover lab), that FRR 8.4's own parser accepts every variant (`vtysh --dryrun`).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BgpSettings } from "../config";
import { renderRouterFrr } from "../lib/routerFrr";
import { ActiveVip } from "../lib/vip";
import { planInProcess } from "./support";

type RoutedVip = Extract<ActiveVip, { mode: "routed" }>;

const ROUTER = { address: "10.10.10.1", asn: 64513 };
const BFD = { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 };

function routed(bgp: Partial<BgpSettings>): RoutedVip {
    return {
        mode: "routed", address: "10.10.10.254", metallb: { install: true },
        bgp: { speaker: "metallb", myASN: 64512, peers: [ROUTER], holdTime: 9, ...bgp },
    };
}

const VARIANTS: Record<string, { vip: RoutedVip; nodeIPs?: string[] }> = {
    "eBGP, BFD, listen range": { vip: routed({ bfd: BFD, nodeSubnet: "10.10.10.0/24" }) },
    "iBGP, node addresses": { vip: routed({ myASN: 64513 }), nodeIPs: ["10.10.10.11", "10.10.10.12", "10.10.10.13"] },
    "calico, no addresses known": { vip: routed({ speaker: "calico", bfd: BFD }) },
};

let vtysh: boolean | undefined;

/** FRR's vtysh parses a config file without daemons (`-C`); absent where FRR is not installed. */
function vtyshAvailable(): boolean {
    vtysh ??= spawnSync("vtysh", ["--help"], { encoding: "utf8" }).status === 0;
    return vtysh;
}

function lines(text: string): string[] {
    return text.split("\n").map((line) => line.trim());
}

describe("router frr.conf for the routed VIP", () => {
    it("peers the router's AS with the nodes' AS, with the session's hold and keepalive", () => {
        const conf = lines(renderRouterFrr(VARIANTS["eBGP, BFD, listen range"].vip, ROUTER));
        assert.ok(conf.includes("router bgp 64513"));
        assert.ok(conf.includes("bgp router-id 10.10.10.1"));
        assert.ok(conf.includes("neighbor taco-nodes remote-as 64512"));
        assert.ok(conf.includes("neighbor taco-nodes timers 3 9"));
    });

    it("runs BFD with the nodes' timers and attaches it to the peer group", () => {
        const conf = lines(renderRouterFrr(VARIANTS["eBGP, BFD, listen range"].vip, ROUTER));
        assert.ok(conf.includes("neighbor taco-nodes bfd profile taco-vip"));
        const profile = conf.indexOf("profile taco-vip");
        assert.deepStrictEqual(conf.slice(profile + 1, profile + 4), ["detect-multiplier 3", "receive-interval 100", "transmit-interval 100"]);
    });

    it("spreads flows over every announcing node (maximum-paths) and accepts only the VIP's /32 from them", () => {
        const conf = lines(renderRouterFrr(VARIANTS["eBGP, BFD, listen range"].vip, ROUTER));
        assert.ok(conf.includes("maximum-paths 16"));
        assert.ok(conf.includes("bgp bestpath as-path multipath-relax"));
        assert.ok(conf.includes("ip prefix-list taco-vip seq 10 permit 10.10.10.254/32"));
        assert.ok(conf.includes("neighbor taco-nodes route-map taco-vip-in in"));
        assert.ok(conf.includes("neighbor taco-nodes route-map taco-nothing-out out"));
    });

    it("accepts the nodes by a listen range over bgp.nodeSubnet", () => {
        assert.ok(lines(renderRouterFrr(VARIANTS["eBGP, BFD, listen range"].vip, ROUTER)).includes("bgp listen range 10.10.10.0/24 peer-group taco-nodes"));
    });

    it("lists the nodes' addresses when no subnet is set, and uses iBGP multipath when the ASNs are equal", () => {
        const { vip, nodeIPs } = VARIANTS["iBGP, node addresses"];
        const conf = lines(renderRouterFrr(vip, ROUTER, nodeIPs));
        for (const ip of nodeIPs!) assert.ok(conf.includes(`neighbor ${ip} peer-group taco-nodes`), ip);
        assert.ok(conf.includes("maximum-paths ibgp 16"));
        assert.ok(!conf.some((line) => line.startsWith("bgp listen range")));
    });

    it("says what to enable so that removing one next hop does not rehash the others' flows", () => {
        const text = renderRouterFrr(VARIANTS["eBGP, BFD, listen range"].vip, ROUTER);
        assert.match(text, /type resilient/);
        assert.match(text, /fib_multipath_hash_policy=1/);
    });

    it("has no BFD for Calico (it has none), and disables graceful restart so a dead node's route goes with its session", () => {
        const conf = lines(renderRouterFrr(VARIANTS["calico, no addresses known"].vip, ROUTER));
        assert.ok(!conf.some((line) => /^bfd$|bfd profile/.test(line)));
        assert.ok(conf.includes("neighbor taco-nodes graceful-restart-disable"));
        assert.ok(conf.some((line) => /^! .*neighbor <node InternalIP> peer-group taco-nodes/.test(line)));
    });

    for (const [name, { vip, nodeIPs }] of Object.entries(VARIANTS)) {
        it(`${name}: FRR 8.4 accepts the file (vtysh --dryrun)`, function () {
            if (!vtyshAvailable()) this.skip();
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "taco-frr-")), "frr.conf");
            try {
                fs.writeFileSync(file, renderRouterFrr(vip, ROUTER, nodeIPs));
                const result = spawnSync("vtysh", ["-C", "-f", file], { encoding: "utf8" });
                assert.strictEqual(result.status, 0, `${result.stdout}${result.stderr}`);
            } finally {
                fs.rmSync(path.dirname(file), { recursive: true, force: true });
            }
        });
    }

    it("the dry run rejects a broken file (negative control)", function () {
        if (!vtyshAvailable()) this.skip();
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "taco-frr-")), "frr.conf");
        try {
            fs.writeFileSync(file, renderRouterFrr(VARIANTS["eBGP, BFD, listen range"].vip, ROUTER).replace("maximum-paths 16", "maximum-pathz 16"));
            assert.notStrictEqual(spawnSync("vtysh", ["-C", "-f", file], { encoding: "utf8" }).status, 0);
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });

    it("the offline plan writes plan/prod/router-frr.conf for prod's first router, one file per further router", async function () {
        this.timeout(60_000);
        const result = await planInProcess(["prod"]);
        assert.strictEqual(result.status, 0, result.stderr);
        const written = fs.readFileSync(path.join(result.planRoot, "prod", "router-frr.conf"), "utf8");
        assert.match(written, /^router bgp \d+$/m);
        assert.match(written, /^ bgp listen range \S+ peer-group taco-nodes$/m);
        const files = fs.readdirSync(path.join(result.planRoot, "prod")).filter((file) => file.startsWith("router-frr"));
        assert.ok(files.length >= 1 && files.includes("router-frr.conf"), files.join(", "));
        assert.ok(fs.existsSync(path.join(result.planRoot, "prod", "metallb.values.yaml")));
    });
});
