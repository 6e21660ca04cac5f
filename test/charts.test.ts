// `npm run charts -- pull` against Helm repositories served over https on 127.0.0.1 with a
// certificate made here, trusted as a site with its own CA would trust it: the program itself never
// accepts plain http. The command line runs in this process (chartsCommand); one test runs it as an
// operator does, a child process trusting the CA through NODE_EXTRA_CA_CERTS, and holds the two to
// each other.
import * as assert from "assert";
import { execFile, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as tar from "tar";
import * as tls from "tls";
import * as YAML from "yaml";
import { parseConfig } from "../config";
import { archiveName, bundledCharts } from "../lib/chartBundle";
import { SERVICE_NAMES } from "../lib/charts";
import { INGRESS_CONTROLLER_CHARTS } from "../lib/ingressControllers";
import { chartsCommand } from "../scripts/charts";
import { CommandResult, run, runCommand } from "./support";

const PROJECT = path.resolve(__dirname, "..");
const CONTROLLER = INGRESS_CONTROLLER_CHARTS["haproxy-ingress"];

/**
 * `npm run charts -- pull <args>` in this process, trusting the certificate in `caFile` (if it
 * exists) besides Node's own CAs, as NODE_EXTRA_CA_CERTS makes a process trust it: through the
 * `ca` of https.globalAgent, which every https.get of the pull uses.
 */
async function pull(args: string[], caFile: string): Promise<CommandResult> {
    const agent = https.globalAgent.options;
    if (fs.existsSync(caFile)) agent.ca = [...tls.rootCertificates, fs.readFileSync(caFile, "utf8")];
    try {
        return await runCommand((io) => chartsCommand(["pull", ...args], io));
    } finally {
        delete agent.ca;
    }
}

interface ProcessResult { status: number | null; stdout: string; stderr: string }

// What `npm run charts` runs (`ts-node --transpile-only`, swc per tsconfig.json), without npm around it.
function pullProcess(args: string[], caFile: string): Promise<ProcessResult> {
    return new Promise((resolve) => {
        execFile(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/charts.ts", "pull", ...args], {
            cwd: PROJECT, timeout: 90_000, env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
        }, (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }));
    });
}

/** A packaged chart: `<name>/Chart.yaml` and `<name>/values.yaml`, gzipped tar. */
function packageChart(workDir: string, name: string, version: string, out: string): void {
    const dir = path.join(workDir, `${name}-${version}`);
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, name, "Chart.yaml"), YAML.stringify({ apiVersion: "v2", name, version }));
    fs.writeFileSync(path.join(dir, name, "values.yaml"), YAML.stringify({ packagedBy: "test", chart: name }));
    tar.c({ gzip: true, file: out, cwd: dir, sync: true }, [name]);
}

describe("charts pull: the pinned charts for an air-gapped site", function () {
    this.timeout(120_000);
    let tmp: string;
    let caFile: string;
    let server: https.Server;
    let base: string;
    let child: Promise<ProcessResult>;
    const expected = bundledCharts().map((chart) => archiveName(chart.chart, chart.version)).sort();

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "taco-charts-"));
        caFile = path.join(tmp, "cert.pem");
        const keyFile = path.join(tmp, "key.pem");
        const openssl = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyFile, "-out", caFile, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { encoding: "utf8" });
        if (openssl.status !== 0) {
            if (process.env.CI) throw new Error(`openssl could not make a test certificate: ${openssl.stderr}`);
            this.skip();
        }
        // Three repositories: good, one that lacks keystone's pin, one whose digests lie.
        const repos = path.join(tmp, "repos");
        const archives = path.join(repos, "archives");
        fs.mkdirSync(archives, { recursive: true });
        const entries: Record<string, object[]> = {};
        for (const chart of bundledCharts()) {
            const file = archiveName(chart.chart, chart.version);
            packageChart(path.join(tmp, "work"), chart.chart, chart.version, path.join(archives, file));
            const digest = crypto.createHash("sha256").update(fs.readFileSync(path.join(archives, file))).digest("hex");
            // openstack-helm's index gives relative URLs; the controller's absolute ones that redirect (GitHub releases).
            const url = chart.chart === CONTROLLER.chart ? "REDIRECT/" + file : `../archives/${file}`;
            entries[chart.chart] = [{ name: chart.chart, version: chart.version, urls: [url], digest }, { name: chart.chart, version: "0.0.1", urls: ["x"] }];
        }
        const writeIndex = (repo: string, edit: (e: Record<string, any[]>) => Record<string, any[]>) => {
            fs.mkdirSync(path.join(repos, repo), { recursive: true });
            fs.writeFileSync(path.join(repos, repo, "index.yaml"), YAML.stringify({ apiVersion: "v1", entries: edit(structuredClone(entries)) }));
        };
        writeIndex("good", (e) => e);
        writeIndex("missing-pin", (e) => ({ ...e, keystone: e.keystone.filter((entry) => entry.version === "0.0.1") }));
        writeIndex("bad-digest", (e) => ({ ...e, horizon: e.horizon.map((entry) => ({ ...entry, digest: "0".repeat(64) })) }));

        server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile) }, (req, res) => {
            const url = decodeURIComponent(req.url ?? "/");
            const redirect = /^\/[^/]+\/REDIRECT\/(.+)$/.exec(url);
            if (redirect) {
                res.writeHead(302, { location: `/archives/${redirect[1]}` });
                return res.end();
            }
            const file = path.join(repos, path.normalize(url));
            if (!file.startsWith(repos) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
                res.writeHead(404);
                return res.end();
            }
            res.writeHead(200);
            res.end(fs.readFileSync(file));
        });
        return new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => {
            base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
            // The child process is mostly Pulumi loading: it runs beside the tests below, the last waits for it.
            child = pullProcess(["--to", path.join(tmp, "out-process"), "--mirror", `${base}/missing-pin`], caFile);
            resolve();
        }));
    });

    after(() => {
        server?.closeAllConnections();
        server?.close();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("pulls exactly the pinned versions (openstack-helm, helm-toolkit, the ingress controller), digests checked", async () => {
        const to = path.join(tmp, "out-good");
        const result = await pull(["--to", to, "--mirror", `${base}/good`], caFile);
        assert.strictEqual(result.status, 0, result.stderr);
        assert.deepStrictEqual(fs.readdirSync(to).sort(), expected);
        assert.ok(expected.includes(archiveName(CONTROLLER.chart, CONTROLLER.version)));
        assert.ok(expected.includes(archiveName("helm-toolkit", bundledCharts().find((c) => c.chart === "helm-toolkit")!.version)));
        for (const name of SERVICE_NAMES) assert.match(result.stdout, new RegExp(`${name} \\S+\\+0ee5adeff`));
    });

    it("lays them out as taco:charts.repository reads a local directory, the controller's chart included", async () => {
        const to = path.join(tmp, "out-good");
        const config = parseConfig({ "taco:charts": JSON.stringify({ repository: to }), "taco:exposure": JSON.stringify({ mode: "ingress" }) }, PROJECT);
        assert.strictEqual(config.charts.kind, "local");
        const r = await run({ "taco:charts": { repository: to }, "taco:exposure": { mode: "ingress" } });
        const charts = r.all("helm.sh/v3:Release").map((release) => String(release.inputs.chart)).sort();
        assert.deepStrictEqual(charts, [...SERVICE_NAMES.map((name) => config.services[name].version && path.join(to, archiveName(name, config.services[name].version))),
            path.join(to, archiveName(CONTROLLER.chart, CONTROLLER.version))].sort());
        assert.ok(r.all("helm.sh/v3:Release").every((release) => release.inputs.repositoryOpts === undefined));
    });

    it("a local directory without the controller's chart fails the config in ingress mode, naming the file", () => {
        const to = path.join(tmp, "out-good");
        const partial = path.join(tmp, "partial");
        fs.mkdirSync(partial);
        for (const file of fs.readdirSync(to).filter((f) => !f.startsWith(CONTROLLER.chart))) fs.copyFileSync(path.join(to, file), path.join(partial, file));
        assert.throws(() => parseConfig({ "taco:charts": JSON.stringify({ repository: partial }), "taco:exposure": JSON.stringify({ mode: "ingress" }) }, PROJECT),
            new RegExp(`taco:charts.repository: .*${archiveName(CONTROLLER.chart, CONTROLLER.version).replace(/[.+]/g, "\\$&")}`));
        // ClusterIP mode needs no controller.
        assert.strictEqual(parseConfig({ "taco:charts": JSON.stringify({ repository: partial }) }, PROJECT).charts.kind, "local");
    });

    it("unpacks them on request, helm-toolkit beside the charts as unpacked openstack-helm charts need", async () => {
        const to = path.join(tmp, "out-unpacked");
        const result = await pull(["--to", to, "--mirror", `${base}/good`, "--unpack"], caFile);
        assert.strictEqual(result.status, 0, result.stderr);
        for (const chart of bundledCharts()) assert.ok(fs.existsSync(path.join(to, chart.chart, "Chart.yaml")), chart.chart);
        const config = parseConfig({ "taco:charts": JSON.stringify({ repository: to }) }, PROJECT);
        assert.ok(config.charts.kind === "local" && config.charts.charts.keystone.unpacked);
    });

    it("fails naming chart and version when a pin is not in the repository's index.yaml, and downloads nothing", async () => {
        const to = path.join(tmp, "out-missing");
        const result = await pull(["--to", to, "--mirror", `${base}/missing-pin`], caFile);
        assert.strictEqual(result.status, 1);
        const keystone = bundledCharts().find((c) => c.chart === "keystone")!;
        assert.ok(result.stderr.includes(`keystone ${keystone.version} is not in ${base}/missing-pin/index.yaml (it lists 0.0.1)`), result.stderr);
        assert.ok(!fs.existsSync(to) || fs.readdirSync(to).length === 0);
    });

    it("fails when an archive does not have the digest its index gives, leaving nothing behind", async () => {
        const to = path.join(tmp, "out-digest");
        const result = await pull(["--to", to, "--mirror", `${base}/bad-digest`], caFile);
        assert.strictEqual(result.status, 1);
        assert.deepStrictEqual(fs.readdirSync(to), [], "a failed pull left files behind");
        assert.match(result.stderr, /horizon \S+: https:\/\/127\.0\.0\.1:\d+\/archives\/horizon-\S+\.tgz has sha256 [0-9a-f]{64}, the index says 0{64}/);
    });

    it("--stack pulls the stack's own chart versions, and refuses a stack that already reads a local directory", async () => {
        const stack = `chartstest${process.pid}`;
        const file = path.join(PROJECT, `Pulumi.${stack}.yaml`);
        try {
            // keystone 0.0.1 is in the index (so the pin check passes) but its archive is not served.
            fs.writeFileSync(file, YAML.stringify({ config: { "taco:services": { keystone: { version: "0.0.1" } } } }));
            const versioned = await pull(["--to", path.join(tmp, "out-stack"), "--stack", stack, "--mirror", `${base}/good`], caFile);
            assert.strictEqual(versioned.status, 1);
            assert.match(versioned.stderr, /\/good\/x: HTTP 404/);
            fs.writeFileSync(file, YAML.stringify({ config: { "taco:charts": { repository: path.join(tmp, "out-good") } } }));
            const local = await pull(["--to", path.join(tmp, "out-stack"), "--stack", stack], caFile);
            assert.strictEqual(local.status, 2);
            assert.match(local.stderr, new RegExp(`stack ${stack} already reads its charts from .*out-good; give --repository`));
        } finally {
            fs.rmSync(file, { force: true });
        }
    });

    it("refuses plain http, and a certificate it does not trust", async () => {
        const http = await pull(["--to", path.join(tmp, "out-http"), "--mirror", base.replace("https:", "http:")], caFile);
        assert.strictEqual(http.status, 1);
        assert.match(http.stderr, /https only/);
        const untrusted = await pull(["--to", path.join(tmp, "out-untrusted"), "--mirror", `${base}/good`], "/nonexistent.pem");
        assert.strictEqual(untrusted.status, 1);
        assert.match(untrusted.stderr, /certificate/i);
    });

    it("as a process (npm run charts -- pull) trusting the CA through NODE_EXTRA_CA_CERTS: fails as the command does, exit 1, the message on stderr", async () => {
        const result = await child;
        assert.strictEqual(result.status, 1, result.stderr);
        const keystone = bundledCharts().find((c) => c.chart === "keystone")!;
        assert.ok(result.stderr.includes(`keystone ${keystone.version} is not in ${base}/missing-pin/index.yaml (it lists 0.0.1)`), result.stderr);
        const inProcess = await pull(["--to", path.join(tmp, "out-process"), "--mirror", `${base}/missing-pin`], caFile);
        assert.strictEqual(result.stderr, inProcess.stderr);
        assert.strictEqual(result.stdout, inProcess.stdout);
        assert.ok(!fs.existsSync(path.join(tmp, "out-process")));
    });
});
