// Stand-ins for the `random` and `tls` providers, for the end-to-end test only: the real ones are
// Terraform-bridged Go modules that the module proxy here does not serve. Each implements just the
// resources this program creates, with node:crypto and openssl, and replaces a resource whenever
// its inputs change (as the real ones do for these resources: every input forces a new one).
//   node ts-node provider.ts <random|tls> <engine address>
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";

type Inputs = Record<string, unknown>;
type Create = (inputs: Inputs) => Inputs;

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

function randomPassword(inputs: Inputs): Inputs {
    const length = Number(inputs.length);
    const alphabet = ALPHANUMERIC + (inputs.special === false ? "" : SPECIAL);
    const result = Array.from({ length }, () => alphabet[crypto.randomInt(alphabet.length)]).join("");
    return { ...inputs, result };
}

function privateKey(inputs: Inputs): Inputs {
    if (inputs.algorithm !== "ECDSA" || inputs.ecdsaCurve !== "P256") {
        throw new Error(`stand-in tls.PrivateKey makes ECDSA P256 keys only, not ${inputs.algorithm} ${inputs.ecdsaCurve}`);
    }
    const { privateKey: key, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    return {
        ...inputs,
        privateKeyPem: key.export({ type: "sec1", format: "pem" }),
        privateKeyPemPkcs8: key.export({ type: "pkcs8", format: "pem" }),
        publicKeyPem: publicKey.export({ type: "spki", format: "pem" }),
    };
}

function selfSignedCert(inputs: Inputs): Inputs {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "taco-standin-tls-"));
    try {
        const keyFile = path.join(dir, "key.pem");
        fs.writeFileSync(keyFile, String(inputs.privateKeyPem), { mode: 0o600 });
        const subject = (inputs.subject ?? {}) as { commonName?: string; organization?: string };
        const dnsNames = (inputs.dnsNames ?? []) as string[];
        const args = ["req", "-x509", "-new", "-key", keyFile, "-days", String(Math.ceil(Number(inputs.validityPeriodHours) / 24))];
        args.push("-subj", `/CN=${subject.commonName ?? ""}${subject.organization ? `/O=${subject.organization}` : ""}`);
        if (dnsNames.length > 0) args.push("-addext", `subjectAltName=${dnsNames.map((name) => `DNS:${name}`).join(",")}`);
        const certPem = execFileSync("openssl", args, { encoding: "utf8" });
        return { ...inputs, certPem };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const RESOURCES: Record<string, Record<string, Create>> = {
    random: { "random:index/randomPassword:RandomPassword": randomPassword },
    tls: { "tls:index/privateKey:PrivateKey": privateKey, "tls:index/selfSignedCert:SelfSignedCert": selfSignedCert },
};

const typeOf = (urn: string) => urn.split("::")[2];

function standIn(name: string): provider.Provider {
    const resources = RESOURCES[name];
    if (!resources) throw new Error(`no stand-in provider named ${name}`);
    const create = (urn: string): Create => {
        const make = resources[typeOf(urn)];
        if (!make) throw new Error(`stand-in provider ${name} has no resource ${typeOf(urn)}`);
        return make;
    };
    return {
        version: "0.0.0-taco-e2e-standin",
        check: async (_urn, _olds, news) => ({ inputs: news }),
        diff: async (_id, _urn, olds: Inputs, news: Inputs) => {
            const changed = Object.keys({ ...olds, ...news }).filter(
                (key) => key in news && JSON.stringify(olds[key]) !== JSON.stringify(news[key]),
            );
            return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: false };
        },
        create: async (urn, inputs: Inputs) => ({ id: crypto.randomUUID(), outs: create(urn)(inputs) }),
        read: async (id, _urn, props) => ({ id, props }),
        delete: async () => undefined,
    };
}

const [name, ...rest] = process.argv.slice(2);
provider.main(standIn(name), rest).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
