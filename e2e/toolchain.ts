// The end-to-end test's toolchain, built from Go modules (e2e/tools/<tool>/go.mod + go.sum, one
// module per tool so that minimal version selection never lifts one tool's dependencies for
// another). Binaries are cached outside the work tree, keyed by every tools module's files and the
// build flags, so a second `npm run e2e -- build` only checks that they are there.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const TOOLS = path.join(__dirname, "tools");
const LOCK = path.join(__dirname, "..", "package-lock.json");

/** The Kubernetes release every control-plane binary is built from (e2e/tools/kubernetes/update.sh). */
export const KUBERNETES_VERSION = "v1.36.3";
/** The Pulumi CLI: the version of `@pulumi/pulumi` that package-lock.json pins. */
export const PULUMI_VERSION = lockedVersion("@pulumi/pulumi");
/** What package-lock.json pins for the Kubernetes provider's SDK. */
export const KUBERNETES_PROVIDER_LOCKED = lockedVersion("@pulumi/kubernetes");
/**
 * What the e2e builds instead: the provider module has no semver tags, and the Go module proxy here
 * serves one pseudo-version of it, the commit of tag v4.25.0 (2026-01-15). Every run prints the skew.
 */
export const KUBERNETES_PROVIDER_BUILT = "4.25.0";

export interface Tool {
    /** The tools module under e2e/tools. */
    module: string;
    /** Package paths to build, and the binaries they become. */
    packages: string[];
    binaries: string[];
    tags?: string;
    ldflags?: string;
    /** Run in the module directory before `go build` (files the build embeds). */
    prepare?: (dir: string) => void;
}

const stamp = (pkg: string, values: Record<string, string>) =>
    Object.entries(values).map(([key, value]) => `-X ${pkg}.${key}=${value}`).join(" ");

export const TOOLCHAIN: Tool[] = [
    { module: "etcd", packages: ["go.etcd.io/etcd/server/v3"], binaries: ["etcd"] },
    {
        module: "kubernetes",
        packages: ["kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((cmd) => `k8s.io/kubernetes/cmd/${cmd}`),
        binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler"],
        // Unstamped binaries report v0.0.0-master, and Helm's kubeVersion checks misfire.
        ldflags: stamp("k8s.io/component-base/version", {
            gitVersion: KUBERNETES_VERSION,
            gitMajor: "1",
            gitMinor: KUBERNETES_VERSION.split(".")[1],
            gitTreeState: "clean",
        }),
    },
    { module: "kwok", packages: ["sigs.k8s.io/kwok/cmd/kwok"], binaries: ["kwok"] },
    {
        module: "pulumi",
        packages: ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"],
        binaries: ["pulumi"],
        tags: "osusergo,grpcnotrace",
        ldflags: stamp("github.com/pulumi/pulumi/sdk/v3/go/common/version", { Version: `v${PULUMI_VERSION}` }),
    },
    { module: "language-nodejs", packages: ["."], binaries: ["pulumi-language-nodejs"] },
    {
        module: "kubernetes-provider",
        packages: ["."],
        binaries: ["pulumi-resource-kubernetes"],
        ldflags: stamp("github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version", { Version: KUBERNETES_PROVIDER_BUILT }),
        prepare: embedProviderSchema,
    },
];

function lockedVersion(pkg: string): string {
    const lock = JSON.parse(fs.readFileSync(LOCK, "utf8")) as { packages: Record<string, { version: string }> };
    return lock.packages[`node_modules/${pkg}`].version;
}

/** Where the binaries of this toolchain live: `$TACO_E2E_CACHE` or ~/.cache/taco-e2e, by key. */
export function binDirectory(): string {
    const root = process.env.TACO_E2E_CACHE ?? path.join(os.homedir(), ".cache", "taco-e2e");
    return path.join(root, `tools-${toolchainKey()}`, "bin");
}

function toolchainKey(): string {
    const hash = crypto.createHash("sha256");
    for (const tool of TOOLCHAIN) {
        for (const file of ["go.mod", "go.sum", "main.go"]) {
            const full = path.join(TOOLS, tool.module, file);
            if (fs.existsSync(full)) hash.update(`${tool.module}/${file}\0`).update(fs.readFileSync(full));
        }
        hash.update(JSON.stringify([tool.packages, tool.tags, tool.ldflags]));
    }
    hash.update(execFileSync("go", ["version"], { encoding: "utf8" }));
    return hash.digest("hex").slice(0, 16);
}

export function missingBinaries(bin = binDirectory()): string[] {
    return TOOLCHAIN.flatMap((tool) => tool.binaries).filter((name) => !fs.existsSync(path.join(bin, name)));
}

/** Builds what is missing; returns the seconds each tool took (0 for one already cached). */
export function buildToolchain(log: (line: string) => void): Record<string, number> {
    const bin = binDirectory();
    fs.mkdirSync(bin, { recursive: true });
    const seconds: Record<string, number> = {};
    for (const tool of TOOLCHAIN) {
        if (tool.binaries.every((name) => fs.existsSync(path.join(bin, name)))) {
            seconds[tool.module] = 0;
            continue;
        }
        const dir = path.join(TOOLS, tool.module);
        const started = Date.now();
        log(`building ${tool.binaries.join(", ")} (e2e/tools/${tool.module})`);
        tool.prepare?.(dir);
        // One `go build` for several packages compiles what they share once. -trimpath everywhere,
        // or the build cache is not shared between tools.
        const output = tool.packages.length > 1 ? `${bin}/` : path.join(bin, tool.binaries[0]);
        const args = ["build", "-trimpath", "-ldflags", `-s -w ${tool.ldflags ?? ""}`.trim(), "-o", output];
        if (tool.tags) args.push("-tags", tool.tags);
        const result = spawnSync("go", [...args, ...tool.packages], {
            cwd: dir,
            stdio: "inherit",
            env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" },
        });
        if (result.status !== 0) throw new Error(`go build in e2e/tools/${tool.module} failed (exit ${result.status})`);
        seconds[tool.module] = Math.round((Date.now() - started) / 1000);
    }
    writeStandIns(bin);
    return seconds;
}

/**
 * The provider module's command embeds a schema its release build generates; the module carries
 * `schema.json` without a version, so the e2e stamps the version it builds and embeds that.
 */
function embedProviderSchema(dir: string): void {
    const moduleDir = execFileSync("go", ["list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi-kubernetes/provider/v4"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, GOFLAGS: "-mod=readonly" },
    }).trim();
    const command = path.join(moduleDir, "cmd", "pulumi-resource-kubernetes");
    const schema = JSON.parse(fs.readFileSync(path.join(command, "schema.json"), "utf8")) as { version?: string };
    schema.version = KUBERNETES_PROVIDER_BUILT;
    fs.writeFileSync(path.join(dir, "schema-embed.json"), JSON.stringify(schema));
    fs.copyFileSync(path.join(command, "terraform-mapping.json"), path.join(dir, "terraform-mapping-embed.json"));
}

/**
 * `random` and `tls` are Terraform-bridged providers whose modules the proxy here does not serve;
 * the e2e runs stand-ins written with `@pulumi/pulumi/provider` (e2e/standins/provider.ts).
 */
export const STAND_INS = ["random", "tls"] as const;

function writeStandIns(bin: string): void {
    const script = path.join(__dirname, "standins", "provider.ts");
    const tsNode = path.join(__dirname, "..", "node_modules", "ts-node", "dist", "bin.js");
    for (const name of STAND_INS) {
        const file = path.join(bin, `pulumi-resource-${name}`);
        fs.writeFileSync(file, `#!/bin/sh\nexec node ${tsNode} --transpile-only ${script} ${name} "$@"\n`, { mode: 0o755 });
    }
}

/** One line per tool for the e2e's summary: what runs, and where it is not what the program pins. */
export function toolchainReport(): string[] {
    return [
        `Kubernetes ${KUBERNETES_VERSION} (kube-apiserver, kube-controller-manager, kube-scheduler), etcd, kwok: built from Go modules`,
        `Pulumi CLI v${PULUMI_VERSION} (the @pulumi/pulumi version package-lock.json pins)`,
        "pulumi-language-nodejs: STAND-IN (e2e/tools/language-nodejs; the real host's module is not served here)",
        KUBERNETES_PROVIDER_BUILT === KUBERNETES_PROVIDER_LOCKED
            ? `pulumi-resource-kubernetes ${KUBERNETES_PROVIDER_BUILT}`
            : `pulumi-resource-kubernetes ${KUBERNETES_PROVIDER_BUILT}: SKEW, package-lock.json pins ${KUBERNETES_PROVIDER_LOCKED}` +
              " (the nearest version the Go module proxy serves)",
        `pulumi-resource-random, pulumi-resource-tls: STAND-INS (e2e/standins/provider.ts; the bridged providers' modules are not served)`,
    ];
}
