// The HAProxy file the plan writes for nodeport mode: a whole configuration that starts whether or
// not the program knows the nodes' addresses, drains a dead node, and states its failover bound.
// (`lab/haproxy.test.ts`, outside `npm test`, loads it into the real daemon.)
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HEALTH_CHECK, renderHaproxyBackends } from "../lib/haproxyBackends";
import { LAB_NODES, planInProcess, run, Run } from "./support";

const LAB_ENDPOINT = { scheme: "http", host: "ctrl-1", port: 30500 };
const nodeport = (publicEndpoint = LAB_ENDPOINT) => ({
    "taco:nodes": { controlPlane: LAB_NODES },
    "taco:exposure": { mode: "nodeport", nodePort: { publicEndpoint } },
});
const section = (cfg: string, header: string) => {
    const lines = cfg.split("\n");
    const start = lines.indexOf(header);
    assert.ok(start >= 0, `no "${header}" in\n${cfg}`);
    const end = lines.findIndex((line, i) => i > start && /^\S/.test(line));
    return lines.slice(start + 1, end < 0 ? undefined : end).map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
};

describe("the HAProxy configuration for nodeport mode", () => {
    let byName: Run;
    let byAddress: Run;
    const ips: Record<string, string> = { "ctrl-1": "10.0.0.11", "ctrl-2": "10.0.0.12", "ctrl-3": "10.0.0.13" };
    before(async () => {
        byName = await run(nodeport());
        byAddress = await run(nodeport(), { nodeIPs: ips });
    });
    const render = (r: Run, publicEndpoint = LAB_ENDPOINT as any) =>
        renderHaproxyBackends(r.plainOutputs().loadBalancerBackends, "test", { publicEndpoint });

    it("servers by name start unresolved and re-resolve through a resolvers section", () => {
        const cfg = render(byName);
        for (const line of section(cfg, "backend taco_keystone").filter((l) => l.startsWith("server "))) {
            assert.match(line, / init-addr last,libc,none/);
            assert.match(line, / resolvers taco_dns/);
        }
        assert.ok(section(cfg, "resolvers taco_dns").includes("parse-resolv-conf"));
        assert.match(cfg, /^# Servers by name \(ctrl-1, ctrl-2, ctrl-3\)/m);
    });

    it("servers by InternalIP need no resolver, and the file says so", () => {
        const cfg = render(byAddress);
        assert.deepStrictEqual(section(cfg, "backend taco_keystone").filter((l) => l.startsWith("server ")),
            LAB_NODES.map((node) => `server ${node} ${ips[node]}:30500 check`));
        assert.ok(!cfg.includes("resolvers taco_dns"), cfg);
        assert.match(cfg, /^# Servers: by the InternalIP/m);
    });

    it("drains: health checks with the stated timers, redispatch, retries, an explicit on-marked-down choice", () => {
        const defaults = section(render(byName), "defaults");
        assert.ok(defaults.includes(`default-server inter ${HEALTH_CHECK.inter}s fastinter ${HEALTH_CHECK.fastinter * 1000}ms fall ${HEALTH_CHECK.fall} rise ${HEALTH_CHECK.rise}`), defaults.join("\n"));
        assert.ok(defaults.includes("option redispatch 1"));
        assert.ok(defaults.some((line) => /^retries [1-9]$/.test(line)));
        // The explicit choice: sessions are kept when a server is marked down (see the file's comment).
        assert.ok(!defaults.some((line) => line.includes("on-marked-down")));
        assert.match(render(byName), /# on-marked-down is left at its default \(sessions kept\), deliberately/);
        // No `timeout check`: HAProxy then bounds a whole check by inter, which the bound relies on.
        assert.ok(!defaults.some((line) => line.startsWith("timeout check")));
    });

    it("has front ends: keystone on its public endpoint's port, horizon on http and https", () => {
        const cfg = render(byName);
        assert.deepStrictEqual(section(cfg, "frontend taco_keystone").filter((l) => l.startsWith("bind ")), ["bind :30500"]);
        assert.deepStrictEqual(section(cfg, "frontend taco_horizon").filter((l) => l.startsWith("bind ")),
            ["bind :80", "bind :443 ssl crt /etc/haproxy/certs/taco.pem"]);
        const https = render(byName, { scheme: "https", host: "lb.example.com", port: 443 });
        assert.deepStrictEqual(section(https, "frontend taco_keystone").filter((l) => l.startsWith("bind ")),
            ["bind :443 ssl crt /etc/haproxy/certs/taco.pem"]);
        assert.deepStrictEqual(section(https, "frontend taco_horizon").filter((l) => l.startsWith("bind ")),
            ["bind :80", "bind :8443 ssl crt /etc/haproxy/certs/taco.pem"]);
    });

    it("outputs failoverBound: the next check, fall checks timing out after inter, fastinter between, slack", () => {
        const bound = byName.plainOutputs().failoverBound;
        const { inter, fastinter, fall } = HEALTH_CHECK;
        const seconds = bound.terms.map((term: { seconds: number }) => term.seconds);
        assert.deepStrictEqual(seconds.slice(0, 3), [inter, fall * inter, (fall - 1) * fastinter]);
        assert.strictEqual(seconds.length, 4, "and a small slack term");
        assert.ok(seconds[3] > 0 && seconds[3] <= 0.5, `slack ${seconds[3]} s`);
        assert.strictEqual(bound.seconds, Number(seconds.reduce((a: number, b: number) => a + b, 0).toFixed(3)));
        assert.match(bound.derivation, new RegExp(`= ${bound.seconds} s$`));
    });

    it("has a null failoverBound output in clusterip mode", async () => {
        assert.strictEqual((await run({})).plainOutputs().failoverBound, null);
    });

    it("the plan takes node addresses from --node-addresses and pins the servers to them", async function () {
        this.timeout(60_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "taco-addresses-"));
        const file = path.join(dir, "addresses.yaml");
        fs.writeFileSync(file, Object.entries(ips).map(([node, ip]) => `${node}: ${ip}`).join("\n"));
        try {
            const result = await planInProcess(["dev", "--node-addresses", file]);
            assert.strictEqual(result.status, 0, result.stderr);
            const cfg = fs.readFileSync(path.join(result.planRoot, "dev", "haproxy-backends.cfg"), "utf8");
            assert.deepStrictEqual(section(cfg, "backend taco_horizon").filter((l) => l.startsWith("server ")),
                LAB_NODES.map((node) => `server ${node} ${ips[node]}:31000 check`));

            fs.writeFileSync(file, "ctrl-1: not-an-address\n");
            const bad = await planInProcess(["dev", "--node-addresses", file]);
            assert.strictEqual(bad.status, 2, bad.stderr);
            assert.match(bad.stderr, /expected a map of node name to IP address/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
