// Every MetalLB custom resource the program creates is valid against the openAPIV3Schema of the
// pinned MetalLB's CRDs (shared/reference/controllers/metallb/v0.16.1/crds), in every VIP mode that
// creates them. A CRD schema is a JSON schema with Kubernetes extensions (x-kubernetes-*, int32
// formats): Ajv, the validator kubernetes-models itself uses, checks types, enums, required
// fields, bounds and unknown fields (the API server prunes them; here they are errors). CEL rules
// (x-kubernetes-validations) are not evaluated.
import Ajv, { ValidateFunction } from "ajv";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { RecordedResource } from "../tools/mockRuntime";
import { LAB_NODES, readYaml, requireReference, run, Run, runStackFile, unwrap } from "./support";

const CRD_DIR = ["controllers", "metallb", "v0.16.1", "crds"];
const BFD = { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 };
const PEERS = [{ address: "10.10.10.1", asn: 64513 }];

const RUNS: Array<{ name: string; start: () => Promise<Run> }> = [
    { name: "staging stack file (l2)", start: () => runStackFile("staging") },
    { name: "prod stack file (routed, MetalLB, BFD)", start: () => runStackFile("prod") },
    {
        name: "ingress, routed without BFD, MetalLB already installed",
        start: () => run({
            "taco:nodes": { controlPlane: LAB_NODES },
            "taco:exposure": {
                mode: "ingress",
                vip: { mode: "routed", address: "10.10.10.254", bgp: { speaker: "metallb", myASN: 64512, peers: PEERS, holdTime: 90 }, metallb: { install: false } },
            },
        }),
    },
    {
        name: "hierarchical, l2 on every interface",
        start: () => run({ "taco:nodes": { controlPlane: LAB_NODES }, "taco:exposure": { mode: "hierarchical", vip: { mode: "l2", address: "10.10.10.254" } } }),
    },
    {
        name: "ingress, routed with BFD",
        start: () => run({
            "taco:nodes": { controlPlane: LAB_NODES },
            "taco:exposure": { mode: "ingress", vip: { mode: "routed", address: "10.10.10.254", bgp: { speaker: "metallb", myASN: 64512, peers: PEERS, holdTime: 3, bfd: BFD } } },
        }),
    },
];

/** Validators by `<apiVersion>/<kind>`, from every served version of every CRD file. */
function loadValidators(dir: string): Map<string, ValidateFunction> {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validators = new Map<string, ValidateFunction>();
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith(".yaml"))) {
        const crd = readYaml(path.join(dir, file));
        for (const version of crd.spec.versions as any[]) {
            if (!version.served) continue;
            const schema = closed(version.schema.openAPIV3Schema);
            validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
        }
    }
    return validators;
}

/**
 * The schema with `additionalProperties: false` on every object that lists its properties and
 * does not preserve unknown fields, so a misspelt field fails instead of being pruned silently.
 * `metadata` stays open: the API server validates ObjectMeta itself.
 */
function closed(schema: any, key = ""): any {
    if (schema === null || typeof schema !== "object") return schema;
    if (Array.isArray(schema)) return schema.map((item) => closed(item));
    const result: any = {};
    for (const [name, value] of Object.entries(schema)) {
        result[name] = name === "properties"
            ? Object.fromEntries(Object.entries(value as object).map(([prop, inner]) => [prop, prop === "metadata" ? inner : closed(inner, prop)]))
            : closed(value, name);
    }
    if (result.type === "object" && result.properties && result.additionalProperties === undefined
        && !result["x-kubernetes-preserve-unknown-fields"] && key !== "metadata") {
        result.additionalProperties = false;
    }
    return result;
}

function manifest(resource: RecordedResource): Record<string, any> {
    return unwrap(resource.inputs) as Record<string, any>;
}

let validators: Map<string, ValidateFunction>;

function errorsOf(object: Record<string, any>): string | undefined {
    const validate = validators.get(`${object.apiVersion}/${object.kind}`);
    assert.ok(validate, `no served CRD version for ${object.apiVersion} ${object.kind}`);
    return validate(object) ? undefined : JSON.stringify(validate.errors);
}

describe("MetalLB custom resources against the pinned CRDs", () => {
    before(function () {
        validators = loadValidators(path.join(requireReference(this), ...CRD_DIR));
    });

    describe("the validator (negative controls)", () => {
        const peer = { apiVersion: "metallb.io/v1beta2", kind: "BGPPeer", metadata: { name: "p", namespace: "metallb-system" } };

        it("accepts a minimal BGPPeer and rejects one without myASN, or with a string ASN", () => {
            assert.strictEqual(errorsOf({ ...peer, spec: { myASN: 64512, peerASN: 64513, peerAddress: "10.10.10.1" } }), undefined);
            assert.ok(errorsOf({ ...peer, spec: { peerASN: 64513, peerAddress: "10.10.10.1" } }));
            assert.ok(errorsOf({ ...peer, spec: { myASN: "64512", peerASN: 64513, peerAddress: "10.10.10.1" } }));
        });

        it("rejects a misspelt field and an IPAddressPool without addresses", () => {
            assert.ok(errorsOf({ ...peer, spec: { myASN: 64512, peerASN: 64513, peerAdress: "10.10.10.1" } }));
            assert.ok(errorsOf({ apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", metadata: { name: "x" }, spec: { autoAssign: false } }));
        });

        it("rejects a BFDProfile whose detectMultiplier is out of range", () => {
            const bfd = (detectMultiplier: number) => ({ apiVersion: "metallb.io/v1beta1", kind: "BFDProfile", metadata: { name: "b" }, spec: { ...BFD, detectMultiplier } });
            assert.strictEqual(errorsOf(bfd(3)), undefined);
            assert.ok(errorsOf(bfd(0)));
        });
    });

    for (const { name, start } of RUNS) {
        it(`${name}: every metallb.io resource is valid`, async () => {
            const r = await start();
            const crs = r.resources.filter((resource) => resource.type.startsWith("kubernetes:metallb.io/"));
            assert.ok(crs.length >= 2, "no MetalLB resources");
            const invalid = crs.map((cr) => [cr, errorsOf(manifest(cr))] as const)
                .filter(([, errors]) => errors).map(([cr, errors]) => `${cr.type} ${cr.name}: ${errors}`);
            assert.deepStrictEqual(invalid, []);
            for (const cr of crs) {
                assert.strictEqual(`kubernetes:${manifest(cr).apiVersion}:${manifest(cr).kind}`, cr.type, "apiVersion/kind agree with the type");
            }
        });
    }
});
