// Where the schema library's own habits would leak into the contract: lists where a mapping belongs,
// mapping keys that are Object property names, a required key left out, and the address forms taken.
// Each message is the exact text an operator reads.
import * as assert from "assert";
import { ConfigError, parseConfig, TacoConfig } from "../config";

function parse(values: Record<string, unknown>): TacoConfig {
    const raw = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, JSON.stringify(value)]));
    return parseConfig(raw, undefined, { stack: "test", secretKeys: ["taco:secrets"] });
}

function message(values: Record<string, unknown>): string {
    try {
        parse(values);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.message;
    }
    assert.fail("the config was accepted");
}

const ingressWithVip = (vip: unknown) => ({ "taco:nodes": { controlPlane: ["ctrl-1"] }, "taco:exposure": { mode: "ingress", vip } });
const routed = (address: string, nodeSubnet?: string) => ingressWithVip({
    mode: "routed", address: "10.10.10.254", bgp: { myASN: 64512, peers: [{ address, asn: 64513 }], nodeSubnet },
});

describe("config: shapes the schema library must not decide", () => {
    it("refuses a list where a mapping belongs, with that mapping's message", () => {
        assert.strictEqual(message({ "taco:nodes": [] }), "taco:nodes: got []; expected an object with keys controlPlane, tolerations");
        assert.strictEqual(message({ "taco:exposure": { vip: [] } }), "taco:exposure.vip: got []; allowed: none, interface, l2, routed");
        assert.strictEqual(message({ "taco:services": { keystone: { values: [] } } }),
            "taco:services.keystone.values: got []; expected an object (a YAML mapping)");
        assert.strictEqual(message({ "taco:exposure": { nodePort: { ports: [30500] } } }),
            "taco:exposure.nodePort.ports: got [30500]; expected an object with keys keystone, horizon, glance, nova, novnc, placement, neutron, cinder, heat, heat-cfn, barbican, octavia");
    });

    it("keeps and checks mapping keys named constructor and prototype", () => {
        const config = parse({
            "taco:secrets": { constructor: "Abcdefgh12" }, "taco:credentials": { mariadbRoot: "constructor" },
            "taco:services": { keystone: { values: { prototype: { a: 1 } } } },
        });
        assert.ok(config.credentials.mariadbRoot, "the credential named constructor was dropped");
        assert.deepStrictEqual(config.services.keystone.values, { prototype: { a: 1 } });
        assert.strictEqual(message({ "taco:secrets": { prototype: 5 } }), "taco:secrets.prototype: got [secret]; expected a non-empty string");
    });

    it("shows a refused mapping key as the value", () => {
        assert.strictEqual(message({ "taco:secrets": { a: "Abcdefgh12" }, "taco:services": { keystone: { secretValues: { "a b": "a" } } } }),
            'taco:services.keystone.secretValues["a b"]: got "a b"; expected a dotted chart values path');
    });

    it("tells a required key left out what that key takes", () => {
        assert.strictEqual(message(ingressWithVip({ mode: "interface", address: "10.10.10.254" })),
            "taco:exposure.vip.interface: got nothing; expected a Linux interface name such as eth0 (required in mode interface)");
        assert.strictEqual(message({ "taco:exposure": { nodePort: { publicEndpoint: { port: 443 } } } }),
            "taco:exposure.nodePort.publicEndpoint.host: got nothing; expected a host name or IPv4 address");
    });

    it("takes IPv6 as the URL parser does (IPv4-mapped yes, zone no) and IPv4 without leading zeros", () => {
        assert.strictEqual(parse(routed("::ffff:10.10.10.1")).exposure.vip.mode, "routed");
        assert.strictEqual(parse(routed("10.10.10.1", "fd00::/64")).exposure.vip.mode, "routed");
        for (const address of ["fe80::1%eth0", "010.10.10.1", "1::2::3"]) {
            assert.strictEqual(message(routed(address)), `taco:exposure.vip.bgp.peers[0].address: got ${JSON.stringify(address)}; expected an IP address of the upstream router`);
        }
        for (const subnet of ["fd00::/129", "fd00::/064", "10.10.10.0/33"]) {
            assert.strictEqual(message(routed("10.10.10.1", subnet)),
                `taco:exposure.vip.bgp.nodeSubnet: got ${JSON.stringify(subnet)}; expected the nodes' subnet in CIDR notation such as 10.10.10.0/24`);
        }
    });
});
