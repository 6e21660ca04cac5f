// Every plain Kubernetes object the program creates is valid against the official API schema
// (kubernetes-models, generated from the Kubernetes OpenAPI spec), in every exposure mode and stack
// file. Helm releases are not checked here (their objects come from the charts), and neither are
// the NodePatches: a patch carries only the fields it sets (no spec, no status), partial by design,
// so the full Node schema does not apply to it. Nodes are only read, never created.
import * as assert from "assert";
import type * as CoreModels from "kubernetes-models/v1";
import type * as NetworkingModels from "kubernetes-models/networking.k8s.io/v1";
import { RecordedResource } from "../tools/mockRuntime";
import { LAB_NODES, run, Run, runStackFile, unwrap } from "./support";

/**
 * kubernetes-models is published as ES modules whose `exports` offer only the `import` condition,
 * so this CommonJS test loads it with a real dynamic import (TypeScript would turn `import()` into
 * `require()` here); its types are imported as usual.
 */
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

interface Validatable {
    validate(): void;
}
type ModelClass = new (data: any) => Validatable;

/**
 * `validate()` comes from the models' base class in @kubernetes-models/base, another exports-only
 * package whose types this project's `moduleResolution: node` cannot reach; checked at run time.
 */
function asModel(model: new (data?: any) => object): ModelClass {
    assert.strictEqual(typeof (model.prototype as Partial<Validatable>).validate, "function", `${model.name} has no validate()`);
    return model as unknown as ModelClass;
}

/** The object kinds the program creates itself, by Pulumi type token. */
const CHECKED_TYPES: Record<string, { apiVersion: string; kind: string }> = {
    "kubernetes:core/v1:Namespace": { apiVersion: "v1", kind: "Namespace" },
    "kubernetes:core/v1:Service": { apiVersion: "v1", kind: "Service" },
    "kubernetes:core/v1:Secret": { apiVersion: "v1", kind: "Secret" },
    "kubernetes:core/v1:ConfigMap": { apiVersion: "v1", kind: "ConfigMap" },
    "kubernetes:networking.k8s.io/v1:Ingress": { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
};
/** Kubernetes types deliberately not validated, and why (see the header). */
const SKIPPED_TYPES = [
    "kubernetes:core/v1:NodePatch", "kubernetes:core/v1:Node", "kubernetes:helm.sh/v3:Release",
    // MetalLB's custom resources are not in the Kubernetes API schema: test/vip.schema.test.ts
    // validates them against the pinned CRDs' openAPIV3Schema.
    ...["v1beta1:IPAddressPool", "v1beta1:L2Advertisement", "v1beta1:BGPAdvertisement", "v1beta1:BFDProfile", "v1beta2:BGPPeer"]
        .map((kind) => `kubernetes:metallb.io/${kind}`),
    // Only read (ClusterPrerequisites), never created.
    "kubernetes:storage.k8s.io/v1:StorageClass", "kubernetes:cert-manager.io/v1:ClusterIssuer",
];

const RUNS: Array<{ name: string; start: () => Promise<Run> }> = [
    { name: "clusterip (no config)", start: () => run({}) },
    { name: "dev stack file", start: () => runStackFile("dev") },
    { name: "staging stack file", start: () => runStackFile("staging") },
    { name: "prod stack file", start: () => runStackFile("prod") },
    {
        name: "ingress with a VIP held on an interface",
        start: () => run({
            "taco:nodes": { controlPlane: LAB_NODES },
            "taco:exposure": { mode: "ingress", vip: { mode: "interface", address: "10.10.10.254", interface: "eth0" } },
        }),
    },
    {
        name: "nodeport exposing APIs of charts outside the stack (exposure catalog)",
        start: () => run({
            "taco:nodes": { controlPlane: LAB_NODES },
            "taco:exposure": {
                mode: "nodeport", nodePort: { publicEndpoint: { scheme: "https", host: "lb.example.com", port: 5000 } },
                services: { keystone: {}, glance: {}, novnc: { release: "nova-site" }, "heat-cfn": {} },
            },
        }),
    },
    {
        name: "ingress exposing APIs of charts outside the stack (exposure catalog)",
        start: () => run({
            "taco:nodes": { controlPlane: LAB_NODES },
            "taco:exposure": { mode: "ingress", services: { keystone: {}, horizon: {}, barbican: {}, octavia: {} }, ingress: { publicDomain: "cloud.example.com", tls: { selfSigned: true } } },
        }),
    },
    {
        name: "ingress with an existing TLS Secret",
        start: () => run({
            "taco:nodes": { controlPlane: LAB_NODES },
            "taco:exposure": { mode: "ingress", ingress: { publicDomain: "cloud.example.com", tls: { secretName: "wildcard-tls" } } },
        }),
    },
];

let models: Record<string, ModelClass>;

async function loadModels(): Promise<void> {
    if (models) return;
    const core: typeof CoreModels = await importModule("kubernetes-models/v1");
    const networking: typeof NetworkingModels = await importModule("kubernetes-models/networking.k8s.io/v1");
    models = {
        "v1/Namespace": asModel(core.Namespace),
        "v1/Service": asModel(core.Service),
        "v1/Secret": asModel(core.Secret),
        "v1/ConfigMap": asModel(core.ConfigMap),
        "networking.k8s.io/v1/Ingress": asModel(networking.Ingress),
    };
}

/** The object as the API server would receive it: secrets unwrapped, apiVersion and kind from the type. */
function manifest(resource: RecordedResource): Record<string, unknown> {
    const { apiVersion, kind } = CHECKED_TYPES[resource.type];
    const inputs = unwrap(resource.inputs) as Record<string, unknown>;
    // The SDK fills these in itself; where it did, they must agree with the type token.
    if (inputs.apiVersion !== undefined) assert.strictEqual(inputs.apiVersion, apiVersion, `${resource.type} ${resource.name}`);
    if (inputs.kind !== undefined) assert.strictEqual(inputs.kind, kind, `${resource.type} ${resource.name}`);
    return { ...inputs, apiVersion, kind };
}

/** The schema errors of one object, or undefined when it is valid. */
function schemaErrors(object: Record<string, unknown>): string | undefined {
    const Model = models[`${object.apiVersion}/${object.kind}`];
    assert.ok(Model, `no model for ${object.apiVersion} ${object.kind}`);
    try {
        new Model(object).validate();
        return undefined;
    } catch (error) {
        return (error as Error).message;
    }
}

describe("the validator (negative controls)", () => {
    before(loadModels);

    it("rejects a Service whose port is a string", () => {
        const errors = schemaErrors({
            apiVersion: "v1", kind: "Service",
            metadata: { name: "broken", namespace: "openstack" },
            spec: { type: "ClusterIP", ports: [{ name: "http", port: "eighty" }] },
        });
        assert.ok(errors, "a Service port of \"eighty\" passed validation");
        assert.match(errors, /port/);
    });

    it("accepts the same Service with a numeric port", () => {
        assert.strictEqual(schemaErrors({
            apiVersion: "v1", kind: "Service",
            metadata: { name: "fixed", namespace: "openstack" },
            spec: { type: "ClusterIP", ports: [{ name: "http", port: 80 }] },
        }), undefined);
    });

    it("rejects an Ingress path without its required pathType, and a rule host that is not a string", () => {
        const ingress = (path: Record<string, unknown>, host: unknown) => ({
            apiVersion: "networking.k8s.io/v1", kind: "Ingress",
            metadata: { name: "broken", namespace: "openstack" },
            spec: { rules: [{ host, http: { paths: [path] } }] },
        });
        const backend = { service: { name: "keystone-api", port: { number: 5000 } } };
        assert.strictEqual(schemaErrors(ingress({ path: "/", pathType: "Prefix", backend }, "keystone")), undefined);
        assert.ok(schemaErrors(ingress({ path: "/", backend }, "keystone")), "a path without pathType passed");
        assert.ok(schemaErrors(ingress({ path: "/", pathType: "Prefix", backend }, 5000)), "a numeric host passed");
    });

    it("rejects a recorded object once broken, so the pipeline below can fail", async () => {
        const r = await run({});
        const service = r.get("kubernetes:core/v1:Service", "keystone");
        const object = manifest(service) as any;
        assert.strictEqual(schemaErrors(object), undefined);
        object.spec.ports[0].port = String(object.spec.ports[0].port);
        assert.ok(schemaErrors(object), "a recorded Service with a string port passed validation");
    });
});

describe("every Kubernetes object the program creates is valid against the API schema", () => {
    const seenTypes = new Set<string>();
    before(loadModels);

    for (const { name, start } of RUNS) {
        describe(name, () => {
            let objects: RecordedResource[];
            before(async () => {
                const r = await start();
                objects = r.resources.filter((resource) => !resource.read && resource.type in CHECKED_TYPES);
                // Nothing of kind kubernetes:* escapes both lists, so a new kind cannot go unchecked.
                const unlisted = r.resources
                    .filter((resource) => resource.custom && resource.type.startsWith("kubernetes:"))
                    .filter((resource) => !(resource.type in CHECKED_TYPES) && !SKIPPED_TYPES.includes(resource.type))
                    .map((resource) => `${resource.type} ${resource.name}`);
                assert.deepStrictEqual(unlisted, [], "Kubernetes objects neither validated nor deliberately skipped");
            });

            it("creates at least the openstack Namespace and the keystone Service", () => {
                const names = objects.map((resource) => `${CHECKED_TYPES[resource.type].kind}/${resource.name}`);
                assert.ok(names.includes("Namespace/namespace"), names.join(", "));
                assert.ok(names.includes("Service/keystone"), names.join(", "));
            });

            it("has no schema errors in any Namespace, Service, Secret, ConfigMap or Ingress", () => {
                const invalid: string[] = [];
                for (const resource of objects) {
                    seenTypes.add(resource.type);
                    const errors = schemaErrors(manifest(resource));
                    if (errors) invalid.push(`${resource.type} ${resource.name}: ${errors}`);
                }
                assert.deepStrictEqual(invalid, []);
            });
        });
    }

    // Mocha runs a suite's own tests before its child suites: this one comes last as a suite.
    describe("across all runs", () => {
        it("checked every kind it lists at least once", () => {
            assert.deepStrictEqual([...seenTypes].sort(), Object.keys(CHECKED_TYPES).sort());
        });
    });
});
