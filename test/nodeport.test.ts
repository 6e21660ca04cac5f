// NodePort exposure (issue 3): keystone and horizon on fixed node ports behind an external load
// balancer, with externalTrafficPolicy Local by default (one API pod on every node handed to the
// load balancer, none elsewhere) and Cluster allowed.
import * as assert from "assert";
import { renderHaproxyBackends } from "../lib/haproxyBackends";
import { failure, LAB_NODES, pathAllowed, pinnedChartValues, run, Run, runStackFile, StackValues, unwrap } from "./support";

const SERVICE = "kubernetes:core/v1:Service";
const NODE_PATCH = "kubernetes:core/v1:NodePatch";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const COMPONENT = "taco:exposure:NodePortExposure";

/** The article's lab, as Pulumi.dev.yaml has it. */
const LAB_ENDPOINT = { scheme: "http", host: "ctrl-1", port: 30500 };
const lab = (nodePort: Record<string, unknown> = {}, nodes: string[] = LAB_NODES): StackValues => ({
    "taco:nodes": { controlPlane: nodes },
    "taco:exposure": { mode: "nodeport", nodePort: { publicEndpoint: LAB_ENDPOINT, ...nodePort } },
});

/** The label the program puts on the API nodes (issue 3: a label of its own, not openstack-control-plane). */
const API_NODE = { key: "taco-exposure/api-node", value: "enabled" };
/** The pods' labels as helm-toolkit's kubernetes_metadata_labels gives them, and their named ports. */
const PODS = {
    keystone: { selector: { application: "keystone", component: "api", release_group: "keystone" }, targetPort: "ks-pub", port: 5000, health: "/v3" },
    horizon: { selector: { application: "horizon", component: "server", release_group: "horizon" }, targetPort: "web", port: 80, health: "/auth/login/" },
};
const REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution";

const spec = (service: { inputs: Record<string, unknown> }) => service.inputs.spec as Record<string, any>;
const metadata = (resource: { inputs: Record<string, unknown> }) => resource.inputs.metadata as Record<string, any>;
/** The NodePatches that put the program's own label on (the shared label has patches of its own). */
const apiNodePatches = (r: Run) => r.all(NODE_PATCH).filter((patch) => metadata(patch).labels[API_NODE.key] !== undefined);
const dig = (values: Record<string, any>, dotted: string): unknown =>
    dotted.split(".").reduce<any>((node, key) => (node === undefined || node === null ? undefined : node[key]), values);
const backend = (r: Run, service: string) => {
    const found = (r.plainOutputs().loadBalancerBackends as any[]).find((b) => b.service === service);
    assert.ok(found, `no loadBalancerBackends entry for ${service}`);
    return found;
};

describe("NodePort exposure", () => {
    let local: Run;
    before(async () => {
        local = await run(lab());
    });

    describe("the Services of its own (externalTrafficPolicy Local by default)", () => {
        it("registers keystone-nodeport and horizon-nodeport under the NodePortExposure component, and no other Service there", () => {
            const component = local.get(COMPONENT, "nodeport");
            assert.strictEqual(component.type, COMPONENT);
            const children = local.resources.filter((r) => r.parent === component.urn);
            assert.deepStrictEqual(children.map((r) => `${r.type} ${r.name}`).sort(),
                [`${SERVICE} horizon-nodeport`, `${SERVICE} keystone-nodeport`]);
        });

        for (const [service, nodePort] of [["keystone", 30500], ["horizon", 31000]] as const) {
            it(`${service}-nodeport is a NodePort Service on ${nodePort}, Local, selecting the chart's pods by their labels`, () => {
                const svc = local.get(SERVICE, `${service}-nodeport`);
                const pods = PODS[service];
                assert.strictEqual(metadata(svc).name, `${service}-nodeport`);
                assert.strictEqual(metadata(svc).namespace, "openstack");
                assert.strictEqual(spec(svc).type, "NodePort");
                assert.strictEqual(spec(svc).externalTrafficPolicy, "Local");
                assert.deepStrictEqual(spec(svc).selector, pods.selector);
                assert.strictEqual(spec(svc).ports.length, 1);
                const [port] = spec(svc).ports;
                assert.strictEqual(port.nodePort, nodePort);
                assert.strictEqual(port.targetPort, pods.targetPort);
                assert.strictEqual(port.port, pods.port);
            });
        }

        it("waits for the namespace it lives in", () => {
            const namespace = local.get("kubernetes:core/v1:Namespace", "namespace");
            for (const service of ["keystone", "horizon"]) {
                assert.ok(local.get(SERVICE, `${service}-nodeport`).dependencies.includes(namespace.urn), `${service}-nodeport does not depend on the namespace`);
            }
        });

        it("uses the charts' own default node ports (keystone network.api.node_port.port, horizon network.node_port.port)", function () {
            const keystone = pinnedChartValues(this, "keystone");
            const horizon = pinnedChartValues(this, "horizon");
            assert.strictEqual(spec(local.get(SERVICE, "keystone-nodeport")).ports[0].nodePort, keystone.network.api.node_port.port);
            assert.strictEqual(spec(local.get(SERVICE, "horizon-nodeport")).ports[0].nodePort, horizon.network.node_port.port);
        });

        it("points each Service at the port of the chart's own in-cluster Service (keystone port.api.internal, horizon port.web.default)", function () {
            const keystone = pinnedChartValues(this, "keystone");
            const horizon = pinnedChartValues(this, "horizon");
            assert.strictEqual(spec(local.get(SERVICE, "keystone-nodeport")).ports[0].port, keystone.endpoints.identity.port.api.internal);
            assert.strictEqual(spec(local.get(SERVICE, "horizon-nodeport")).ports[0].port, horizon.endpoints.dashboard.port.web.default);
        });
    });

    describe("the values the charts receive with Local", () => {
        it("runs one keystone and one horizon pod per configured node", () => {
            assert.strictEqual(local.values("keystone").pod.replicas.api, LAB_NODES.length);
            assert.strictEqual(local.values("horizon").pod.replicas.server, LAB_NODES.length);
        });

        it("makes pod anti-affinity required for keystone and horizon", () => {
            assert.strictEqual(dig(local.values("keystone"), "pod.affinity.anti.type.default"), REQUIRED);
            assert.strictEqual(dig(local.values("horizon"), "pod.affinity.anti.type.default"), REQUIRED);
        });

        it("selects the program's own node label (keystone labels.api, horizon labels.dashboard)", () => {
            assert.deepStrictEqual(local.values("keystone").labels.api, { node_selector_key: API_NODE.key, node_selector_value: API_NODE.value });
            assert.deepStrictEqual(local.values("horizon").labels.dashboard, { node_selector_key: API_NODE.key, node_selector_value: API_NODE.value });
        });

        it("does not turn on the charts' own node-port switches (the program's Service does the job)", () => {
            const keystone = local.values("keystone");
            const horizon = local.values("horizon");
            for (const key of ["network.api.node_port", "network.admin.node_port", "network.api.external_policy_local"]) {
                assert.strictEqual(dig(keystone, key), undefined, `keystone ${key} is set`);
            }
            for (const key of ["network.node_port", "network.external_policy_local"]) {
                assert.strictEqual(dig(horizon, key), undefined, `horizon ${key} is set`);
            }
        });

        it("sets only keys the charts have (or read as lookups)", function () {
            const keystone = pinnedChartValues(this, "keystone");
            const horizon = pinnedChartValues(this, "horizon");
            const catalog = ["endpoints.identity.host_fqdn_override.public", "endpoints.identity.port.api.public", "endpoints.identity.scheme.public"];
            for (const key of ["pod.replicas.api", "pod.affinity.anti.type.default", "labels.api.node_selector_key", "labels.api.node_selector_value", ...catalog]) {
                assert.notStrictEqual(dig(local.values("keystone"), key), undefined, `keystone ${key} not set`);
                assert.ok(pathAllowed(keystone, key, catalog), `keystone has no ${key}`);
            }
            for (const key of ["pod.replicas.server", "pod.affinity.anti.type.default", "labels.dashboard.node_selector_key", "labels.dashboard.node_selector_value"]) {
                assert.notStrictEqual(dig(local.values("horizon"), key), undefined, `horizon ${key} not set`);
                assert.ok(pathAllowed(horizon, key), `horizon has no ${key}`);
            }
        });
    });

    describe("placement", () => {
        it("labels exactly the configured nodes with the program's own label, one NodePatch each", () => {
            const patches = apiNodePatches(local);
            assert.deepStrictEqual(patches.map((p) => metadata(p).name), LAB_NODES);
            for (const patch of patches) {
                assert.strictEqual(metadata(patch).labels[API_NODE.key], API_NODE.value, `${metadata(patch).name} lacks ${API_NODE.key}`);
            }
        });

        it("installs keystone and horizon only after the node labels exist", () => {
            const patchUrns = local.all(NODE_PATCH).map((p) => p.urn);
            for (const release of ["keystone", "horizon"]) {
                const dependencies = local.get(RELEASE, release).dependencies;
                for (const urn of patchUrns) assert.ok(dependencies.includes(urn), `${release} does not wait for ${urn}`);
            }
        });

        describe("with two nodes", () => {
            let two: Run;
            before(async () => {
                two = await run(lab({}, ["ctrl-1", "ctrl-2"]));
            });

            it("patches only those two nodes", () => {
                assert.deepStrictEqual(apiNodePatches(two).map((p) => metadata(p).name), ["ctrl-1", "ctrl-2"]);
            });

            it("runs two keystone and two horizon pods", () => {
                assert.strictEqual(two.values("keystone").pod.replicas.api, 2);
                assert.strictEqual(two.values("horizon").pod.replicas.server, 2);
            });
        });

        it("fails when taco:services.keystone.replicas differs from the node count, naming the key", async () => {
            const message = await failure(() => run({ ...lab({}, ["ctrl-1", "ctrl-2"]), "taco:services": { keystone: { replicas: 3 } } }));
            assert.match(message, /taco:services\.keystone\.replicas/);
        });

        it("fails when taco:services.horizon.replicas differs from the node count, naming the key", async () => {
            const message = await failure(() => run({ ...lab(), "taco:services": { horizon: { replicas: 1 } } }));
            assert.match(message, /taco:services\.horizon\.replicas/);
        });

        it("fails with Local and no control-plane nodes, naming taco:nodes.controlPlane", async () => {
            const message = await failure(() => run({ "taco:exposure": { mode: "nodeport", nodePort: { publicEndpoint: LAB_ENDPOINT } } }));
            assert.match(message, /taco:nodes\.controlPlane/);
        });

        it("fails without a publicEndpoint, naming taco:exposure.nodePort.publicEndpoint", async () => {
            const message = await failure(() => run({ "taco:nodes": { controlPlane: LAB_NODES }, "taco:exposure": { mode: "nodeport" } }));
            assert.match(message, /taco:exposure\.nodePort\.publicEndpoint/);
        });
    });

    describe("with externalTrafficPolicy Cluster and configured ports", () => {
        let cluster: Run;
        before(async () => {
            // Two nodes, so that a replica count pinned to the node count would show.
            cluster = await run(lab({ externalTrafficPolicy: "Cluster", ports: { keystone: 30600, horizon: 31600 } }, ["ctrl-1", "ctrl-2"]));
        });

        it("gives both Services policy Cluster and the configured node ports", () => {
            assert.strictEqual(spec(cluster.get(SERVICE, "keystone-nodeport")).externalTrafficPolicy, "Cluster");
            assert.strictEqual(spec(cluster.get(SERVICE, "horizon-nodeport")).externalTrafficPolicy, "Cluster");
            assert.strictEqual(spec(cluster.get(SERVICE, "keystone-nodeport")).ports[0].nodePort, 30600);
            assert.strictEqual(spec(cluster.get(SERVICE, "horizon-nodeport")).ports[0].nodePort, 31600);
        });

        it("takes the replicas from the defaults (keystone 3, horizon 1), not from the node count", () => {
            assert.strictEqual(cluster.values("keystone").pod.replicas.api, 3);
            assert.strictEqual(cluster.values("horizon").pod.replicas.server, 1);
        });

        it("does not force required anti-affinity", () => {
            assert.notStrictEqual(dig(cluster.values("keystone"), "pod.affinity.anti.type.default"), REQUIRED);
            assert.notStrictEqual(dig(cluster.values("horizon"), "pod.affinity.anti.type.default"), REQUIRED);
        });

        it("hands the load balancer the configured ports", () => {
            assert.strictEqual(backend(cluster, "keystone").port, 30600);
            assert.strictEqual(backend(cluster, "horizon").port, 31600);
            assert.ok((cluster.plainOutputs().checks as string[]).includes("curl -I http://ctrl-2:30600/v3"));
        });

        it("accepts a keystone replica count other than the node count", async () => {
            const r = await run({ ...lab({ externalTrafficPolicy: "Cluster" }, ["ctrl-1", "ctrl-2"]), "taco:services": { keystone: { replicas: 5 } } });
            assert.strictEqual(r.values("keystone").pod.replicas.api, 5);
        });
    });

    describe("loadBalancerBackends output", () => {
        it("lists, for keystone and horizon, the configured nodes in order, the node port and the health check path", () => {
            const backends = local.plainOutputs().loadBalancerBackends as any[];
            assert.deepStrictEqual(backends.map((b) => b.service).sort(), ["horizon", "keystone"]);
            for (const [service, port] of [["keystone", 30500], ["horizon", 31000]] as const) {
                const b = backend(local, service);
                assert.deepStrictEqual(b.nodes.map((n: any) => n.node), LAB_NODES);
                assert.strictEqual(b.port, port);
                assert.strictEqual(b.healthCheck, PODS[service].health);
            }
        });

        it("invents no IP address when the cluster reports none", () => {
            for (const service of ["keystone", "horizon"]) {
                for (const node of backend(local, service).nodes) assert.strictEqual(node.internalIP, undefined, `${node.node} got ${node.internalIP}`);
            }
        });

        describe("when the cluster reports InternalIPs", () => {
            const nodes = ["ctrl-3", "ctrl-1", "ctrl-2"];
            const ips: Record<string, string> = { "ctrl-1": "10.10.10.18", "ctrl-2": "10.10.10.19", "ctrl-3": "10.10.10.20" };
            let withIPs: Run;
            before(async () => {
                withIPs = await run(lab({}, nodes), { nodeIPs: ips });
            });

            it("gives each node its own InternalIP, keeping the configured order", () => {
                for (const service of ["keystone", "horizon"]) {
                    assert.deepStrictEqual(backend(withIPs, service).nodes, nodes.map((node) => ({ node, internalIP: ips[node] })));
                }
            });

            it("renders HAProxy servers on the IPs", () => {
                const cfg = renderHaproxyBackends(withIPs.plainOutputs().loadBalancerBackends, "test");
                const servers = cfg.split("\n").filter((line) => /^\s*server /.test(line)).map((line) => line.trim());
                assert.deepStrictEqual(servers, [
                    ...nodes.map((node) => `server ${node} ${ips[node]}:30500 check`),
                    ...nodes.map((node) => `server ${node} ${ips[node]}:31000 check`),
                ]);
            });
        });
    });

    describe("endpoints and checks outputs", () => {
        it("gives keystone's public URL from publicEndpoint first, and each node's URL", () => {
            const endpoints = local.plainOutputs().endpoints as Record<string, { url: string }[]>;
            const keystone = endpoints.keystone.map((e) => e.url);
            assert.strictEqual(keystone[0], "http://ctrl-1:30500/v3");
            for (const node of LAB_NODES) assert.ok(keystone.includes(`http://${node}:30500/v3`), `no ${node} in ${keystone}`);
            const horizon = endpoints.horizon.map((e) => e.url);
            for (const node of LAB_NODES) assert.ok(horizon.includes(`http://${node}:31000/auth/login/`), `no ${node} in ${horizon}`);
        });

        it("checks each node in the article's style (curl -I http://<node>:<port><path>)", () => {
            const checks = local.plainOutputs().checks as string[];
            for (const node of LAB_NODES) {
                assert.ok(checks.includes(`curl -I http://${node}:30500/v3`), `no keystone check for ${node}`);
                assert.ok(checks.includes(`curl -I http://${node}:31000/auth/login/`), `no horizon check for ${node}`);
            }
        });

        describe("with an https load balancer on 443", () => {
            let https: Run;
            before(async () => {
                https = await run(lab({ publicEndpoint: { scheme: "https", host: "lb.example.com", port: 443 } }));
            });

            it("advertises https://lb.example.com/v3, without the port", () => {
                const keystone = (https.plainOutputs().endpoints.keystone as { url: string }[]).map((e) => e.url);
                assert.strictEqual(keystone[0], "https://lb.example.com/v3");
                assert.ok((https.plainOutputs().checks as string[]).includes("curl -I https://lb.example.com/v3"));
            });

            it("puts the same endpoint in keystone's catalog", () => {
                assert.deepStrictEqual(dig(https.values("keystone"), "endpoints.identity.host_fqdn_override.public"), "lb.example.com");
                assert.strictEqual(dig(https.values("keystone"), "endpoints.identity.port.api.public"), 443);
                assert.strictEqual(dig(https.values("keystone"), "endpoints.identity.scheme.public"), "https");
            });
        });
    });

    describe("keystone's catalog", () => {
        it("advertises the load balancer's front end (publicEndpoint) as the public endpoint", () => {
            const identity = local.values("keystone").endpoints.identity;
            assert.strictEqual(identity.host_fqdn_override.public, LAB_ENDPOINT.host);
            assert.strictEqual(identity.port.api.public, LAB_ENDPOINT.port);
            assert.strictEqual(identity.scheme.public, LAB_ENDPOINT.scheme);
        });
    });

    describe("HAProxy backend stanza", () => {
        let cfg: string;
        before(() => {
            cfg = renderHaproxyBackends(local.plainOutputs().loadBalancerBackends, "test");
        });
        const section = (name: string) => {
            const lines = cfg.split("\n");
            const start = lines.indexOf(`backend ${name}`);
            assert.ok(start >= 0, `no backend ${name} in\n${cfg}`);
            const end = lines.findIndex((line, i) => i > start && /^\S/.test(line));
            return lines.slice(start + 1, end < 0 ? undefined : end).map((line) => line.trim()).filter(Boolean);
        };

        it("checks keystone on GET /v3 and lists one server per node on its node port", () => {
            const keystone = section("taco_keystone");
            assert.ok(keystone.includes("option httpchk GET /v3"), keystone.join("\n"));
            assert.deepStrictEqual(keystone.filter((l) => l.startsWith("server ")), LAB_NODES.map((n) => `server ${n} ${n}:30500 check`));
        });

        it("checks horizon on its login page and lists one server per node on its node port", () => {
            const horizon = section("taco_horizon");
            assert.ok(horizon.includes("option httpchk GET /auth/login/"), horizon.join("\n"));
            assert.deepStrictEqual(horizon.filter((l) => l.startsWith("server ")), LAB_NODES.map((n) => `server ${n} ${n}:31000 check`));
        });
    });

    describe("port validation", () => {
        for (const port of [29999, 32768]) {
            it(`rejects keystone node port ${port} (outside 30000-32767), naming the key`, async () => {
                const message = await failure(() => run(lab({ ports: { keystone: port } })));
                assert.match(message, /taco:exposure\.nodePort\.ports\.keystone/);
            });
        }

        it("accepts a port in a custom range (20000-22767)", async () => {
            const r = await run(lab({ range: "20000-22767", ports: { keystone: 20500, horizon: 21000 } }));
            assert.strictEqual(spec(r.get(SERVICE, "keystone-nodeport")).ports[0].nodePort, 20500);
            assert.strictEqual(spec(r.get(SERVICE, "horizon-nodeport")).ports[0].nodePort, 21000);
            assert.strictEqual(backend(r, "keystone").port, 20500);
        });

        it("rejects a default port that falls outside a custom range, naming the key", async () => {
            const message = await failure(() => run(lab({ range: "20000-22767", ports: { keystone: 20500 } })));
            assert.match(message, /taco:exposure\.nodePort\.ports\.horizon/);
        });

        it("rejects keystone and horizon on the same port", async () => {
            const message = await failure(() => run(lab({ ports: { keystone: 30500, horizon: 30500 } })));
            assert.match(message, /taco:exposure\.nodePort\.ports\.(keystone|horizon)/);
        });

        for (const range of ["30000:32767", "32767-30000", "30000-70000", "any"]) {
            it(`rejects the malformed range ${JSON.stringify(range)}, naming taco:exposure.nodePort.range`, async () => {
                const message = await failure(() => run(lab({ range })));
                assert.match(message, /taco:exposure\.nodePort\.range/);
            });
        }
    });

    describe("switching between clusterip and nodeport", () => {
        let clusterip: Run;
        before(async () => {
            clusterip = await run({ "taco:nodes": { controlPlane: LAB_NODES }, "taco:exposure": { mode: "clusterip", nodePort: { publicEndpoint: LAB_ENDPOINT } } });
        });

        for (const release of ["mariadb", "rabbitmq", "memcached"]) {
            it(`leaves the ${release} release's inputs identical`, () => {
                assert.deepStrictEqual(unwrap(local.get(RELEASE, release).inputs), unwrap(clusterip.get(RELEASE, release).inputs));
            });
        }

        it("leaves the node labels identical", () => {
            assert.deepStrictEqual(local.all(NODE_PATCH).map((p) => unwrap(p.inputs)), clusterip.all(NODE_PATCH).map((p) => unwrap(p.inputs)));
        });

        it("changes only the values of keystone and horizon", () => {
            for (const release of ["keystone", "horizon"]) {
                const { values: nodeportValues, ...nodeportRest } = unwrap(local.get(RELEASE, release).inputs) as Record<string, unknown>;
                const { values: clusteripValues, ...clusteripRest } = unwrap(clusterip.get(RELEASE, release).inputs) as Record<string, unknown>;
                assert.deepStrictEqual(nodeportRest, clusteripRest, `${release}: more than values changed`);
                assert.notDeepStrictEqual(nodeportValues, clusteripValues, `${release}: values did not change`);
            }
        });

        it("registers no node-port Service and hands the load balancer nothing in clusterip mode", () => {
            assert.strictEqual(clusterip.find(COMPONENT, "nodeport"), undefined);
            assert.strictEqual(clusterip.find(SERVICE, "keystone-nodeport"), undefined);
            assert.deepStrictEqual(clusterip.plainOutputs().loadBalancerBackends, []);
        });
    });

    describe("the dev stack file", () => {
        let dev: Run;
        before(async () => {
            dev = await runStackFile("dev");
        });

        it("is the article's NodePort setup: three controller nodes, Local, keystone on 30500 with 3 replicas", () => {
            assert.strictEqual(dev.plainOutputs().exposureMode, "nodeport");
            assert.deepStrictEqual(apiNodePatches(dev).map((p) => metadata(p).name), LAB_NODES);
            const keystone = dev.get(SERVICE, "keystone-nodeport");
            assert.strictEqual(spec(keystone).externalTrafficPolicy, "Local");
            assert.strictEqual(spec(keystone).ports[0].nodePort, 30500);
            assert.strictEqual(dev.values("keystone").pod.replicas.api, 3);
            assert.deepStrictEqual(backend(dev, "keystone").nodes.map((n: any) => n.node), LAB_NODES);
            assert.strictEqual((dev.plainOutputs().endpoints.keystone as { url: string }[])[0].url, "http://keystone-lb.lab.example.com/v3");
        });
    });
});
