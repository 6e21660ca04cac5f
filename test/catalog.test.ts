// The exposure catalog (lib/exposureCatalog.ts): its rows against the pinned charts' templates
// (where the openstack-helm mirror is on this machine; CI has none), `taco:exposure.services`, and
// every exposure mode and output for APIs of charts this program does not deploy.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as YAML from "yaml";
import { checkAwaits, EXTERNAL_PODS_SKIP_AWAIT, awaitModel } from "../lib/awaits";
import { CATALOG_SERVICES, EXPOSURE_CATALOG } from "../lib/exposureCatalog";
import { parseConfig } from "../config";
import { renderEndpoints } from "../lib/endpointsReport";
import { valuesPerOutsideRelease } from "../lib/exposure";
import { renderHaproxyBackends } from "../lib/haproxyBackends";
import { renderRollout } from "../lib/rollout";
import { renderTopology } from "../lib/topology";
import { externalTrafficPolicyLocal, noExternalStatefulServices } from "../policy/rules";
import { failure, LAB_NODES, registeredByLastRun, run, Run, StackValues, unwrap } from "./support";

const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const MIRROR = "/work/.mirror/openstack+openstack-helm/repo";
const LB = { scheme: "http", host: "lb.example.com", port: 5000 };

const metadata = (resource: { inputs: Record<string, unknown> }) => resource.inputs.metadata as Record<string, any>;
const spec = (resource: { inputs: Record<string, unknown> }) => resource.inputs.spec as Record<string, any>;
const dig = (values: any, dotted: string): any => dotted.split(".").reduce((node, key) => (node == null ? undefined : node[key]), values);

// ---- the table against the templates at 0ee5adef ----------------------------------------------

const chartFiles = new Map<string, string>();

/** A file of the charts at the mirror's HEAD (read once: several tests read each template). */
function chartFile(path: string): string {
    if (!chartFiles.has(path)) chartFiles.set(path, execFileSync("git", ["-C", MIRROR, "show", `HEAD:${path}`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }));
    return chartFiles.get(path)!;
}

describe("exposure catalog against the openstack-helm templates (0ee5adef)", function () {
    before(function () {
        if (!fs.existsSync(MIRROR)) this.skip();
    });
    const valuesOf = new Map<string, any>();
    const values = (chart: string) => {
        if (!valuesOf.has(chart)) valuesOf.set(chart, YAML.parse(chartFile(`${chart}/values.yaml`)));
        return valuesOf.get(chart);
    };
    const labelsTuple = /tuple \$envAll "([^"]+)" "([^"]+)" \| include "helm-toolkit\.snippets\.kubernetes_metadata_labels"/;

    for (const service of CATALOG_SERVICES) {
        const entry = EXPOSURE_CATALOG[service];
        describe(service, () => {
            it(`its Deployment labels its pods application=${entry.application}, component=${entry.component} and names the port ${entry.containerPort}`, () => {
                const deployment = chartFile(entry.templates.deployment);
                const labels = labelsTuple.exec(deployment);
                assert.deepStrictEqual(labels && [labels[1], labels[2]], [entry.application, entry.component]);
                const portNames = [...deployment.matchAll(/- name: (\S+)\s*\n\s*containerPort:/g)].map((m) => m[1]);
                assert.ok(portNames.includes(entry.containerPort), `${entry.templates.deployment} names ports ${portNames.join(", ")}`);
                assert.ok(deployment.includes(`.Values.${entry.nodeLabelsPath}.node_selector_key`), `no ${entry.nodeLabelsPath} node selector`);
            });

            it(`its chart Service is ${entry.service.name}:${entry.service.port}, port ${entry.containerPort}, selecting the same pods`, () => {
                const template = chartFile(entry.templates.service);
                const name = /name: \{\{ tuple "([^"]+)" "internal" \. \| include "helm-toolkit\.endpoints\.hostname_short_endpoint_lookup"/.exec(template);
                assert.ok(name, "no Service name lookup");
                // helm-toolkit looks endpoint types up with '-' read as '_' (barbican's "key-manager").
                const type = name[1].replace(/-/g, "_");
                assert.strictEqual(type, entry.endpoint.type);
                const endpoint = values(entry.chart).endpoints[type];
                assert.strictEqual(endpoint.hosts.internal ?? endpoint.hosts.default, entry.service.name);
                const port = /\n\s+port: \{\{ tuple "[^"]+" "([^"]+)" "([^"]+)"/.exec(template);
                assert.ok(port, "no Service port lookup");
                assert.strictEqual(port[2], entry.endpoint.port);
                const ports = endpoint.port[port[2]];
                assert.strictEqual(ports[port[1]] ?? ports.default, entry.service.port);
                assert.ok(new RegExp(`- name: ${entry.containerPort}\\s`).test(template), `the Service port is not named ${entry.containerPort}`);
                const selector = labelsTuple.exec(template.slice(template.indexOf("selector:")));
                assert.deepStrictEqual(selector && [selector[1], selector[2]], [entry.application, entry.component]);
            });

            it(`its Ingress host ${entry.host} is the chart's public host, and its health path the chart's healthcheck where it names one`, () => {
                const endpoint = values(entry.chart).endpoints[entry.endpoint.type];
                assert.strictEqual(endpoint.hosts.public ?? endpoint.hosts.default, entry.host);
                if (service !== "keystone" && endpoint.path?.healthcheck) assert.strictEqual(entry.healthPath, endpoint.path.healthcheck);
                if (entry.healthPath === "/healthcheck") {
                    // The chart's paste maps it to oslo.middleware's Healthcheck (octavia: its API setting turns it on).
                    const text = chartFile(`${entry.chart}/values.yaml`);
                    assert.ok(/\/healthcheck: healthcheck/.test(text) || /healthcheck_enabled: true/.test(text), `${entry.chart} serves no /healthcheck`);
                }
            });

            it(entry.hostNetwork ? `may run on host networking (${entry.hostNetwork.path}, default ${entry.hostNetwork.default})` : "has no host-networking switch", () => {
                const deployment = chartFile(entry.templates.deployment);
                const switches = [...deployment.matchAll(/\.Values\.(pod\.useHostNetwork\.\w+)/g)].map((m) => m[1]);
                assert.deepStrictEqual(switches, entry.hostNetwork ? [entry.hostNetwork.path] : []);
                if (entry.hostNetwork) assert.strictEqual(dig(values(entry.chart), entry.hostNetwork.path), entry.hostNetwork.default);
            });

            it("the placement values the program gives its release exist in the chart", () => {
                const chartValues = values(entry.chart);
                assert.ok(dig(chartValues, `${entry.nodeLabelsPath}.node_selector_key`) !== undefined);
                assert.ok(dig(chartValues, "pod.affinity.anti.type.default") !== undefined);
            });
        });
    }
});

// ---- the table itself ----------------------------------------------------------------------------

describe("exposure catalog: one row per API, no two alike", () => {
    it("gives every entry its own node port, chart Service and Ingress host; the new ones in the static band 30000-30085", () => {
        const rows = CATALOG_SERVICES.map((service) => EXPOSURE_CATALOG[service]);
        for (const column of [(e: typeof rows[0]) => String(e.nodePort), (e: typeof rows[0]) => e.service.name, (e: typeof rows[0]) => e.host]) {
            assert.strictEqual(new Set(rows.map(column)).size, rows.length);
        }
        for (const service of CATALOG_SERVICES.filter((s) => s !== "keystone" && s !== "horizon")) {
            assert.ok(EXPOSURE_CATALOG[service].nodePort >= 30000 && EXPOSURE_CATALOG[service].nodePort <= 30085, service);
        }
        assert.deepStrictEqual([EXPOSURE_CATALOG.keystone.nodePort, EXPOSURE_CATALOG.horizon.nodePort], [30500, 31000]);
    });
});

// ---- taco:exposure.services --------------------------------------------------------------------

const exposing = (services: Record<string, unknown>, exposure: Record<string, unknown> = {}): StackValues => ({
    "taco:nodes": { controlPlane: LAB_NODES },
    "taco:exposure": { mode: "nodeport", nodePort: { publicEndpoint: LB }, services, ...exposure },
});

async function rejected(values: StackValues): Promise<string> {
    const message = await failure(() => run(values));
    assert.deepStrictEqual(await registeredByLastRun(), [], `resources were registered before the config error: ${message}`);
    return message;
}

describe("taco:exposure.services", () => {
    it("refuses a name outside the catalog, naming the key, and the allowed names", async () => {
        const message = await rejected(exposing({ keystone: {}, swift: {} }));
        assert.match(message, /taco:exposure\.services/);
        assert.match(message, /swift/);
        for (const service of CATALOG_SERVICES) assert.ok(message.includes(service), `${service} missing from: ${message}`);
    });

    it("refuses two exposed services on one node port, naming both keys and the port", async () => {
        const message = await rejected(exposing({ keystone: {}, glance: {} }, { nodePort: { publicEndpoint: LB, ports: { glance: 30500 } } }));
        assert.match(message, /taco:exposure\.nodePort\.ports\.glance/);
        assert.match(message, /30500/);
        assert.match(message, /must differ from taco:exposure\.nodePort\.ports\.keystone/);
    });

    it("refuses a release name for keystone or horizon, which the program deploys", async () => {
        const message = await rejected(exposing({ keystone: { release: "my-keystone" } }));
        assert.match(message, /taco:exposure\.services\.keystone\.release/);
        assert.match(message, /my-keystone/);
        assert.match(message, /glance/);
    });

    it("refuses a release name that is no DNS label", async () => {
        const message = await rejected(exposing({ glance: { release: "Glance_1" } }));
        assert.match(message, /taco:exposure\.services\.glance\.release/);
        assert.match(message, /DNS label/);
    });

    it("refuses a node port outside the range", async () => {
        const message = await rejected(exposing({ nova: {} }, { nodePort: { publicEndpoint: LB, ports: { nova: 29999 } } }));
        assert.match(message, /taco:exposure\.nodePort\.ports\.nova/);
        assert.match(message, /29999/);
    });

    it("refuses a node port for a service that is not exposed (a forgotten taco:exposure.services entry)", async () => {
        const message = await rejected(exposing({ nova: {} }, { nodePort: { publicEndpoint: LB, ports: { glance: 30100 } } }));
        assert.match(message, /taco:exposure\.nodePort\.ports\.glance/);
        assert.match(message, /glance is not exposed.*exposed: nova/);
    });

    it("refuses a load balancer front end for keystone on a port another exposed API is served on", async () => {
        const message = await rejected(exposing({ keystone: {}, glance: {} }, { nodePort: { publicEndpoint: { ...LB, port: 9292 } } }));
        assert.match(message, /taco:exposure\.nodePort\.publicEndpoint\.port/);
        assert.match(message, /9292/);
        assert.match(message, /glance/);
    });

    it("exposes keystone and horizon when the key is left out", async () => {
        const config = parseConfig({ "taco:exposure": JSON.stringify({ mode: "clusterip" }) });
        assert.deepStrictEqual(config.exposure.services, [{ name: "keystone", release: "keystone" }, { name: "horizon", release: "horizon" }]);
        assert.deepStrictEqual(config.exposure.nodePort.ports, { keystone: 30500, horizon: 31000 });
    });
});

// ---- every mode for catalog entries -------------------------------------------------------------

describe("exposure catalog in clusterip mode", () => {
    let r: Run;
    before(async () => { r = await run({ "taco:exposure": { services: { keystone: {}, glance: {}, "heat-cfn": {} } } }); });

    it("lists the in-cluster URL of each exposed API's chart Service, and registers no Service for them", () => {
        const endpoints = r.plainOutputs().endpoints;
        assert.deepStrictEqual(Object.keys(endpoints).sort(), ["glance", "heat-cfn", "keystone"]);
        assert.deepStrictEqual(endpoints.glance, [{ url: "http://glance-api.openstack.svc.cluster.local:9292/healthcheck" }]);
        assert.deepStrictEqual(endpoints["heat-cfn"], [{ url: "http://heat-cfn.openstack.svc.cluster.local:8000/" }]);
        assert.ok(r.plainOutputs().checks[0].includes("glance-api heat-cfn"));
        assert.deepStrictEqual(r.all(SERVICE).map((s) => metadata(s).name), ["keystone"]);
        assert.deepStrictEqual(r.plainOutputs().chartEndpointValues, {});
    });

    it("draws the exposed APIs' chart Services in the topology when given the config", () => {
        const config = parseConfig({ "taco:exposure": JSON.stringify({ services: { keystone: {}, glance: {}, "heat-cfn": {} } }) });
        const diagram = renderTopology({ resources: r.resources, outputs: r.plainOutputs(), config });
        assert.match(diagram, /svc_glance_api\["Service glance-api :9292"\]/);
        assert.match(diagram, /client --> svc_heat_cfn/);
        assert.ok(!diagram.includes("horizon"), diagram);
    });
});

describe("exposure catalog in nodeport mode (externalTrafficPolicy Local)", () => {
    let r: Run;
    before(async () => {
        r = await run(exposing({ keystone: {}, horizon: {}, glance: {}, novnc: { release: "nova-site" }, "heat-cfn": {} }));
    });

    it("opens a Local NodePort Service per exposed API, selecting its release's pods by the catalog's labels and port name", () => {
        const glance = r.get(SERVICE, "glance-nodeport");
        assert.deepStrictEqual(spec(glance).selector, { release_group: "glance", application: "glance", component: "api" });
        assert.deepStrictEqual(spec(glance).ports, [{ name: "http", protocol: "TCP", port: 9292, targetPort: "g-api", nodePort: 30010 }]);
        assert.strictEqual(spec(glance).externalTrafficPolicy, "Local");
        const novnc = r.get(SERVICE, "novnc-nodeport");
        assert.deepStrictEqual(spec(novnc).selector, { release_group: "nova-site", application: "nova", component: "novnc-proxy" });
        assert.strictEqual(spec(novnc).ports[0].targetPort, "n-novnc");
        assert.strictEqual(spec(r.get(SERVICE, "heat-cfn-nodeport")).ports[0].nodePort, 30061);
    });

    it("skips the await of Services whose pods a release outside the stack produces, with the stated reason; keystone's still waits", () => {
        for (const name of ["glance-nodeport", "novnc-nodeport", "heat-cfn-nodeport"]) {
            assert.strictEqual(metadata(r.get(SERVICE, name)).annotations?.["pulumi.com/skipAwait"], "true", name);
        }
        assert.strictEqual(metadata(r.get(SERVICE, "keystone-nodeport")).annotations, undefined);
        const model = awaitModel(r.resources as any);
        assert.strictEqual(model.find((m) => m.resource.name === "glance-nodeport")?.skipped, EXTERNAL_PODS_SKIP_AWAIT);
        assert.strictEqual(model.find((m) => m.resource.name === "keystone-nodeport")?.waits[0].kind, "service-endpoints");
        assert.deepStrictEqual(checkAwaits(r.resources as any), []);
    });

    it("says in the first-up rollout why those Services wait for nothing", () => {
        const config = parseConfig({ "taco:nodes": JSON.stringify({ controlPlane: LAB_NODES }), "taco:exposure": JSON.stringify(exposing({ keystone: {}, glance: {} })["taco:exposure"]) });
        const rollout = renderRollout("test", r.resources as any, config);
        const line = rollout.split("\n").find((l) => l.includes("glance-nodeport"));
        assert.ok(line?.includes(EXTERNAL_PODS_SKIP_AWAIT), line);
    });

    it("a skipped await for a Service whose release IS in the stack is still an error of the model", () => {
        const edited = r.resources.map((res) => res.name === "keystone-nodeport" && res.type === SERVICE
            ? { ...res, inputs: { ...res.inputs, metadata: { ...metadata(res), annotations: { "pulumi.com/skipAwait": "true" } } } } : res);
        assert.ok(checkAwaits(edited as any).some((p) => p.includes("keystone-nodeport") && p.includes("without a stated reason")));
    });

    it("hands the load balancer a backend per API with its health check, and the public URL on the API's own port", () => {
        const { loadBalancerBackends, endpoints } = r.plainOutputs();
        const glance = loadBalancerBackends.find((b: any) => b.service === "glance");
        assert.deepStrictEqual([glance.port, glance.healthCheck, glance.healthStatus, glance.nodes.map((n: any) => n.node)], [30010, "/healthcheck", 200, LAB_NODES]);
        assert.strictEqual(loadBalancerBackends.find((b: any) => b.service === "heat-cfn").healthStatus, 300);
        assert.strictEqual(endpoints.glance[0].url, "http://lb.example.com:9292/healthcheck");
        assert.strictEqual(endpoints.glance[1].url, "http://ctrl-1:30010/healthcheck");
        assert.strictEqual(endpoints.keystone[0].url, "http://lb.example.com:5000/v3");
        assert.ok(r.plainOutputs().checks.includes("kubectl -n openstack get pods -o wide -l release_group=nova-site,application=nova,component=novnc-proxy"));
    });

    it("writes a HAProxy front end and back end per API", () => {
        const { loadBalancerBackends } = r.plainOutputs();
        const stanza = renderHaproxyBackends(loadBalancerBackends, "test", { publicEndpoint: LB as any });
        assert.match(stanza, /frontend taco_glance\n {4}bind :9292\n/);
        assert.match(stanza, /frontend taco_novnc\n {4}bind :6080\n/);
        assert.match(stanza, /backend taco_heat-cfn\n {4}balance roundrobin\n {4}option httpchk GET \/\n {4}http-check expect status 300\n/);
        assert.match(stanza, /server ctrl-2 ctrl-2:30010 check/);
        assert.match(stanza, /frontend taco_keystone\n {4}bind :5000\n/);
    });

    it("outputs the endpoints.* and placement values each outside chart's release needs, and none for keystone or horizon", () => {
        const values = r.plainOutputs().chartEndpointValues;
        assert.deepStrictEqual(Object.keys(values).sort(), ["glance", "heat-cfn", "novnc"]);
        assert.strictEqual(values.novnc.release, "nova-site");
        assert.strictEqual(values.novnc.chart, "nova");
        const novnc = values.novnc.values;
        assert.deepStrictEqual(novnc.endpoints.compute_novnc_proxy, { host_fqdn_override: { public: "lb.example.com" }, port: { novnc_proxy: { public: 6080 } }, scheme: { public: "http" } });
        assert.deepStrictEqual(novnc.labels.novncproxy, { node_selector_key: "taco-exposure/api-node", node_selector_value: "enabled" });
        assert.strictEqual(dig(novnc, "pod.affinity.anti.type.default"), "requiredDuringSchedulingIgnoredDuringExecution");
        assert.match(values.glance.notes[0], /replica count .* to 3/);
        assert.deepStrictEqual(values["heat-cfn"].values.endpoints.cloudformation.port, { api: { public: 8000 } });
    });

    it("draws each API's NodePort Service and pods in the topology, and lists its endpoints in the report", () => {
        const diagram = renderTopology({ resources: r.resources, outputs: r.plainOutputs() });
        assert.match(diagram, /svc_glance_nodeport\["Service glance-nodeport<br\/>NodePort 30010 → g-api<br\/>externalTrafficPolicy Local"\]/);
        assert.match(diagram, /svc_glance_nodeport --> pods_glance/);
        assert.match(diagram, /pods_novnc\("novnc pods :n-novnc/);
        const report = renderEndpoints("test", r.plainOutputs());
        assert.match(report, /\| glance \| `http:\/\/lb\.example\.com:9292\/healthcheck` \| no \|/);
        assert.match(report, /\| heat-cfn \| `http:\/\/ctrl-1:30061\/` \| no \| `curl -I http:\/\/ctrl-1:30061\/` \|/);
    });

    it("merges the values of APIs one outside release serves (nova's API and novnc proxy) into one values file", async () => {
        const both = await run(exposing({ keystone: {}, nova: {}, novnc: {} }));
        const files = valuesPerOutsideRelease(both.plainOutputs().chartEndpointValues);
        assert.strictEqual(files.length, 1);
        assert.deepStrictEqual([files[0].release, files[0].chart, files[0].notes.length], ["nova", "nova", 2]);
        assert.deepStrictEqual(Object.keys(files[0].values.endpoints as object).sort(), ["compute", "compute_novnc_proxy"]);
        assert.deepStrictEqual(Object.keys(files[0].values.labels as object).sort(), ["novncproxy", "osapi"]);
    });

    it("lets the namespace admit host networking when novnc's chart runs there (pod.useHostNetwork.novncproxy)", () => {
        assert.strictEqual(metadata(r.get("core/v1:Namespace", "namespace")).labels["pod-security.kubernetes.io/enforce"], "privileged");
    });

    it("passes the policy rules on NodePort Services (nothing stateful, Local)", async () => {
        for (const service of r.all(SERVICE)) {
            for (const policy of [noExternalStatefulServices, externalTrafficPolicyLocal]) {
                const found: string[] = [];
                const validate = [policy.validateResource ?? []].flat();
                for (const fn of validate) {
                    await fn({ type: service.type, props: unwrap(service.inputs), urn: service.urn, name: service.name, getConfig: () => ({}) } as any, (m: string) => { found.push(m); });
                }
                assert.deepStrictEqual(found, [], `${policy.name} on ${service.name}`);
            }
        }
    });
});

describe("exposure catalog with externalTrafficPolicy Cluster", () => {
    it("asks no placement of outside charts, only their endpoints, and keeps a baseline namespace without novnc", async () => {
        const r = await run(exposing({ keystone: {}, barbican: { release: "kms" } }, { nodePort: { publicEndpoint: LB, externalTrafficPolicy: "Cluster" } }));
        const values = r.plainOutputs().chartEndpointValues;
        assert.deepStrictEqual(values.barbican, {
            release: "kms", chart: "barbican", notes: [],
            values: { endpoints: { key_manager: { host_fqdn_override: { public: "lb.example.com" }, port: { api: { public: 9311 } }, scheme: { public: "http" } } } },
        });
        assert.deepStrictEqual(spec(r.get(SERVICE, "barbican-nodeport")).selector.release_group, "kms");
        assert.strictEqual(metadata(r.get("core/v1:Namespace", "namespace")).labels["pod-security.kubernetes.io/enforce"], "baseline");
    });
});

for (const mode of ["ingress", "hierarchical"] as const) {
    describe(`exposure catalog in ${mode} mode`, () => {
        let r: Run;
        before(async () => {
            r = await run({
                "taco:nodes": { controlPlane: LAB_NODES },
                "taco:exposure": {
                    mode, services: { keystone: {}, horizon: {}, nova: {}, novnc: {}, "heat-cfn": {} },
                    ingress: { publicDomain: "cloud.example.com", tls: { secretName: "wildcard-tls" } },
                },
            });
        });

        it("routes an Ingress per API: the chart's public host short, in the namespace, in-cluster and public, to its chart Service", () => {
            const ingress = r.get(INGRESS, "heat-cfn");
            const rules = spec(ingress).rules;
            assert.deepStrictEqual(rules.map((rule: any) => rule.host),
                ["cloudformation", "cloudformation.openstack", "cloudformation.openstack.svc.cluster.local", "cloudformation.cloud.example.com"]);
            assert.deepStrictEqual(rules[0].http.paths[0].backend.service, { name: "heat-cfn", port: { number: 8000 } });
            assert.deepStrictEqual(spec(r.get(INGRESS, "novnc")).rules[0].http.paths[0].backend.service, { name: "nova-novncproxy", port: { number: 6080 } });
            assert.strictEqual(spec(r.get(INGRESS, "nova")).ingressClassName, "ingress-openstack");
            const perService = r.all(INGRESS).filter((i) => metadata(i).labels?.component === "ingress");
            assert.deepStrictEqual(perService.map((i) => i.name).sort(), ["heat-cfn", "horizon", "keystone", "nova", "novnc"]);
        });

        it("lists the public https URL of each API and the chart values that register it", () => {
            const { endpoints, chartEndpointValues } = r.plainOutputs();
            assert.deepStrictEqual(endpoints.nova, [{ url: "https://nova.cloud.example.com/" }]);
            assert.deepStrictEqual(endpoints.novnc, [{ url: "https://novncproxy.cloud.example.com/vnc_auto.html" }]);
            assert.deepStrictEqual(chartEndpointValues.nova.values, {
                endpoints: { compute: { host_fqdn_override: { public: "nova.cloud.example.com" }, port: { api: { public: 443 } }, scheme: { public: "https" } } },
            });
        });

        it("draws each API's Ingress to its chart Service and pods", () => {
            const diagram = renderTopology({ resources: r.resources, outputs: r.plainOutputs() });
            assert.match(diagram, /svc_heat_cfn\["Service heat-cfn :8000"\]/);
            assert.match(diagram, /svc_heat_cfn --> pods_heat_cfn/);
            assert.match(diagram, /svc_nova_novncproxy --> pods_novnc/);
        });

        it("checks each route by its in-cluster host", () => {
            assert.ok(r.plainOutputs().checks.some((c: string) => c.includes('-H "Host: cloudformation.openstack.svc.cluster.local"')));
            assert.deepStrictEqual(checkAwaits(r.resources as any), []);
        });
    });
}

describe("README's catalog table", () => {
    it("is the table in lib/exposureCatalog.ts, row for row", () => {
        const readme = fs.readFileSync("README.md", "utf8");
        const rows = readme.split("\n").filter((line) => /^\| [a-z-]+ \| [a-z]+ \| [a-z]+, [a-z-]+ \|/.test(line));
        assert.deepStrictEqual(rows, CATALOG_SERVICES.map((service) => {
            const e = EXPOSURE_CATALOG[service];
            const health = `\`${e.healthPath}\`${e.healthStatus ? ` (${e.healthStatus})` : ""}`;
            return `| ${service} | ${e.chart} | ${e.application}, ${e.component} | \`${e.containerPort}\` | ${e.service.name}:${e.service.port} | ${health} | ${e.nodePort} | ${e.host} |`;
        }));
    });
});
