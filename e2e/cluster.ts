// A Kubernetes control plane on this machine for the end-to-end test: etcd, kube-apiserver (RBAC,
// Pod Security admission), kube-controller-manager, kube-scheduler and kwok's fake kubelets, all on
// the loopback of the network namespace the e2e runs in (e2e/main.ts), so that nothing the API
// server dials (a chart's webhook on a pod address) leaves it.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as Yaml from "yaml";
import { Kube } from "./kube";

/** The least-privilege preview role the project ships (README, "Requirements"). */
export const PREVIEW_ROLE = path.join(__dirname, "..", "deploy", "preview-clusterrole.yaml");

export interface ClusterSpec {
    /** The stack's `taco:nodes.controlPlane`: Nodes with kubeadm's control-plane label and taint. */
    controlPlane: string[];
    /** `--service-node-port-range` (the stack's `taco:exposure.nodePort.range`). */
    nodePortRange: string;
    /** StorageClasses the stack names; each is provisioned by kwok. */
    storageClasses: string[];
    /** ClusterIssuers the stack names: stand-ins (a minimal cert-manager CRD and an object). */
    clusterIssuers: string[];
    /** Which of the instances (0, 1, ...): each listens on its own ports. */
    instance?: number;
}

/** The users the e2e holds certificates for. */
export type User = "admin" | "preview";

const WORKERS = ["worker-1", "worker-2"];
/** kwok drives only Nodes carrying this annotation. */
const KWOK_ANNOTATION = { key: "kwok.x-k8s.io/node", value: "fake" };

export class Cluster {
    readonly dir: string;
    readonly apiPort: number;
    private readonly etcdPort: number;
    private readonly children: { name: string; child: ChildProcess }[] = [];
    admin!: Kube;

    constructor(readonly spec: ClusterSpec, root: string, readonly bin: string) {
        const instance = spec.instance ?? 0;
        this.dir = path.join(root, `cluster-${instance}`);
        this.apiPort = 6443 + instance;
        this.etcdPort = 2379 + 10 * instance;
        fs.mkdirSync(this.dir, { recursive: true });
    }

    get server(): string {
        return `https://127.0.0.1:${this.apiPort}`;
    }

    kubeconfig(user: User): string {
        return path.join(this.dir, `${user}.kubeconfig`);
    }

    async start(log: (line: string) => void): Promise<void> {
        const started = Date.now();
        this.certificates();
        const pki = (file: string) => path.join(this.dir, "pki", file);
        this.daemon("etcd", [
            "--data-dir", path.join(this.dir, "etcd"),
            "--listen-client-urls", `http://127.0.0.1:${this.etcdPort}`,
            "--advertise-client-urls", `http://127.0.0.1:${this.etcdPort}`,
            "--listen-peer-urls", `http://127.0.0.1:${this.etcdPort + 1}`,
            "--initial-advertise-peer-urls", `http://127.0.0.1:${this.etcdPort + 1}`,
            "--initial-cluster", `default=http://127.0.0.1:${this.etcdPort + 1}`,
            "--unsafe-no-fsync",
        ]);
        this.daemon("kube-apiserver", [
            `--etcd-servers=http://127.0.0.1:${this.etcdPort}`,
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${this.apiPort}`,
            "--service-cluster-ip-range=10.96.0.0/16", `--service-node-port-range=${this.spec.nodePortRange}`,
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${pki("sa.pub")}`, `--service-account-signing-key-file=${pki("sa.key")}`,
            `--client-ca-file=${pki("ca.crt")}`, `--tls-cert-file=${pki("apiserver.crt")}`,
            `--tls-private-key-file=${pki("apiserver.key")}`,
            "--authorization-mode=Node,RBAC", "--allow-privileged=true", "--endpoint-reconciler-type=none",
            // PodSecurity is among the default admission plugins; it stays on.
            "--enable-admission-plugins=NodeRestriction",
        ]);
        const kube = new Kube({ server: this.server, ca: pki("ca.crt"), cert: pki("admin.crt"), key: pki("admin.key") });
        await waitFor("the API server's /readyz", 120, async () => (await kube.request<string>("GET", "/readyz").then(() => true)));
        this.admin = kube;
        this.daemon("kube-controller-manager", [
            `--kubeconfig=${this.kubeconfig("admin")}`, "--leader-elect=false", "--bind-address=127.0.0.1",
            `--secure-port=${10257 + 10 * (this.spec.instance ?? 0)}`,
            `--service-account-private-key-file=${pki("sa.key")}`, `--root-ca-file=${pki("ca.crt")}`,
            "--use-service-account-credentials=true",
            // Node podCIDRs, so that kwok gives each fake pod an address from its node's range.
            "--allocate-node-cidrs=true", "--cluster-cidr=10.244.0.0/16", "--service-cluster-ip-range=10.96.0.0/16",
        ]);
        this.daemon("kube-scheduler", [
            `--kubeconfig=${this.kubeconfig("admin")}`, "--leader-elect=false", "--bind-address=127.0.0.1",
            `--secure-port=${10259 + 10 * (this.spec.instance ?? 0)}`,
        ]);
        fs.writeFileSync(path.join(this.dir, "stages.yaml"), kwokStages(this.spec.storageClasses));
        this.daemon("kwok", [
            `--kubeconfig=${this.kubeconfig("admin")}`, "--manage-all-nodes=false",
            `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION.key}=${KWOK_ANNOTATION.value}`,
            "--config", path.join(this.dir, "stages.yaml"),
            `--server-address=127.0.0.1:${10247 + 10 * (this.spec.instance ?? 0)}`,
        ]);
        await this.prerequisites();
        log(`cluster ${this.spec.instance ?? 0} up in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
            `${[...this.spec.controlPlane, ...WORKERS].join(", ")}`);
    }

    /** The Nodes, StorageClasses and ClusterIssuer stand-ins the stack reads at preview. */
    private async prerequisites(): Promise<void> {
        const kube = this.admin;
        const nodes = [...this.spec.controlPlane.map((name) => ({ name, controlPlane: true })), ...WORKERS.map((name) => ({ name, controlPlane: false }))];
        for (const [index, node] of nodes.entries()) {
            await kube.create("/api/v1/nodes", {
                apiVersion: "v1",
                kind: "Node",
                metadata: {
                    name: node.name,
                    annotations: { [KWOK_ANNOTATION.key]: KWOK_ANNOTATION.value },
                    labels: {
                        "kubernetes.io/hostname": node.name,
                        "kubernetes.io/os": "linux",
                        // kubeadm's role label; the installer's shared label, which destroy must leave.
                        ...(node.controlPlane ? { "node-role.kubernetes.io/control-plane": "", "openstack-control-plane": "enabled" } : {}),
                    },
                },
                // kubeadm's taint on control-plane nodes; the real scheduler honours it.
                spec: node.controlPlane ? { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] } : {},
                // A Node's status may be set on create (the kubelet registers so); kwok keeps the addresses.
                status: { addresses: [{ type: "InternalIP", address: `10.10.10.${11 + index}` }, { type: "Hostname", address: node.name }] },
            });
        }
        await waitFor("every Node Ready", 60, async () => {
            const ready = (await kube.list("/api/v1/nodes")).filter((node) =>
                ((node.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [])
                    .some((condition) => condition.type === "Ready" && condition.status === "True"));
            return ready.length === nodes.length;
        });
        for (const name of new Set(["kwok-volume", ...this.spec.storageClasses])) {
            await kube.create("/apis/storage.k8s.io/v1/storageclasses", {
                apiVersion: "storage.k8s.io/v1",
                kind: "StorageClass",
                metadata: { name, annotations: name === "kwok-volume" ? { "storageclass.kubernetes.io/is-default-class": "true" } : {} },
                provisioner: "kwok.x-k8s.io/volume",
                reclaimPolicy: "Delete",
                volumeBindingMode: "Immediate",
            });
        }
        // The preview identity gets exactly what the project ships for it.
        const role = Yaml.parse(fs.readFileSync(PREVIEW_ROLE, "utf8")) as { metadata: { name: string } };
        await kube.create("/apis/rbac.authorization.k8s.io/v1/clusterroles", role);
        await kube.create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: role.metadata.name },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "taco-preview" }],
        });
        if (this.spec.clusterIssuers.length > 0) {
            await kube.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CLUSTER_ISSUER_STAND_IN_CRD);
            await waitFor("the ClusterIssuer stand-in CRD served", 30, async () =>
                (await kube.find("/apis/cert-manager.io/v1/clusterissuers")) !== undefined);
            for (const name of this.spec.clusterIssuers) {
                await kube.create("/apis/cert-manager.io/v1/clusterissuers", {
                    apiVersion: "cert-manager.io/v1",
                    kind: "ClusterIssuer",
                    metadata: { name, labels: { "taco-e2e/stand-in": "true" } },
                    spec: { acme: { server: "https://acme.invalid/directory", solvers: [{ dns01: { webhook: {} } }] } },
                });
            }
        }
    }

    private daemon(name: string, args: string[]): void {
        const logFile = fs.openSync(path.join(this.dir, `${name}.log`), "a");
        const child = spawn(path.join(this.bin, name), args, { stdio: ["ignore", logFile, logFile], detached: true });
        fs.closeSync(logFile);
        child.on("exit", (code, signal) => {
            if (!this.stopping) console.error(`e2e: ${name} exited (${code ?? signal}); see ${path.join(this.dir, `${name}.log`)}`);
        });
        this.children.push({ name, child });
    }

    private stopping = false;

    /** Stops every daemon (newest first) and waits for them to exit. */
    async stop(): Promise<void> {
        this.stopping = true;
        for (const { child } of [...this.children].reverse()) {
            if (child.exitCode !== null || child.signalCode !== null) continue;
            const exited = new Promise((resolve) => child.once("exit", resolve));
            try {
                process.kill(-child.pid!, "SIGTERM");
            } catch {
                continue;
            }
            const killed = setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, 10_000);
            await exited;
            clearTimeout(killed);
        }
    }

    /** A CA, serving and client certificates, the service-account key pair, and a kubeconfig per client. */
    private certificates(): void {
        const pki = path.join(this.dir, "pki");
        fs.mkdirSync(pki, { recursive: true });
        const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: pki, stdio: ["ignore", "ignore", "pipe"] });
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.crt", "-days", "2", "-subj", "/CN=taco-e2e-ca");
        const issue = (name: string, subject: string, extensions: string) => {
            openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`,
                "-out", `${name}.csr`, "-subj", subject);
            fs.writeFileSync(path.join(pki, `${name}.ext`), extensions);
            openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", `${name}.crt`, "-days", "2", "-extfile", `${name}.ext`);
        };
        issue("apiserver", "/CN=kube-apiserver",
            "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n" +
            "extendedKeyUsage=serverAuth\n");
        // O=system:masters: the e2e's own administrator (and the controllers', which need every right).
        issue("admin", "/O=system:masters/CN=taco-e2e-admin", "extendedKeyUsage=clientAuth\n");
        // The least-privilege preview identity: only what deploy/preview-clusterrole.yaml grants it.
        issue("preview", "/CN=taco-preview", "extendedKeyUsage=clientAuth\n");
        openssl("genrsa", "-out", "sa.key", "2048");
        openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub");
        for (const user of ["admin", "preview"] as const) {
            fs.writeFileSync(this.kubeconfig(user), kubeconfigText(this.server, pki, user));
        }
    }
}

function kubeconfigText(server: string, pki: string, user: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters: [{name: taco-e2e, cluster: {server: "${server}", certificate-authority: "${pki}/ca.crt"}}]`,
        `users: [{name: ${user}, user: {client-certificate: "${pki}/${user}.crt", client-key: "${pki}/${user}.key"}}]`,
        `contexts: [{name: taco-e2e, context: {cluster: taco-e2e, user: ${user}}}]`,
        "current-context: taco-e2e",
        "",
    ].join("\n");
}

/**
 * Standalone kwok has no built-in stages: these are kwok's own `fast` stages (nodes initialise,
 * heartbeat with leases; pods ready with addresses, Job pods complete, deletes finish; volumes
 * provision and bind), read from the kwok module the toolchain built, with the volume stages
 * widened from kwok's own StorageClass to every class the stack names.
 */
function kwokStages(storageClasses: string[]): string {
    const stageDir = path.join(kwokModuleDir(), "kustomize", "stage");
    const files = ["node/fast", "node/heartbeat-with-lease", "pod/fast", "volume/fast"].flatMap((dir) =>
        fs.readdirSync(path.join(stageDir, dir)).filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml"
            && file !== "storage-class.yaml").map((file) => path.join(stageDir, dir, file)));
    const classes = ["kwok-volume", ...storageClasses].map((name) => `'${name}'`).join(", ");
    return files.map((file) => fs.readFileSync(file, "utf8")
        .replace(/self\.spec\.storageClassName == 'kwok-volume'/g, `self.spec.storageClassName in [${classes}]`))
        .join("\n---\n");
}

/** The kwok module's directory in the Go module cache (its stages are data files of the module). */
function kwokModuleDir(): string {
    return execFileSync("go", ["list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok"], {
        cwd: path.join(__dirname, "tools", "kwok"),
        encoding: "utf8",
        env: { ...process.env, GOFLAGS: "-mod=readonly" },
    }).trim();
}

/** A minimal stand-in for cert-manager's ClusterIssuer CRD: enough for the preview's read of it. */
const CLUSTER_ISSUER_STAND_IN_CRD = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "clusterissuers.cert-manager.io", labels: { "taco-e2e/stand-in": "true" } },
    spec: {
        group: "cert-manager.io",
        scope: "Cluster",
        names: { kind: "ClusterIssuer", listKind: "ClusterIssuerList", plural: "clusterissuers", singular: "clusterissuer" },
        versions: [{
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        }],
    },
};

export async function waitFor(what: string, seconds: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            if (await check()) return;
        } catch (error) {
            last = error;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`e2e: waited ${seconds} s for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}
