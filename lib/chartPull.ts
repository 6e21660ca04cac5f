// Downloads pinned charts from Helm repositories into one local folder, checking each against the
// repository's index.yaml (the pin exists; the archive has the digest the index gives).
import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import * as tar from "tar";
import * as YAML from "yaml";
import { archiveName, BundledChart } from "./chartBundle";

export interface PulledChart extends BundledChart {
    file: string;
}

/** A pin the repository does not publish, or a download that does not match its index. */
export class ChartPullError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ChartPullError";
    }
}

interface IndexEntry {
    version: string;
    urls: string[];
    digest?: string;
}

const MAX_REDIRECTS = 5;

/**
 * Checks every chart against its repository's index first, so that nothing is downloaded when a
 * pin is wrong; then downloads each beside `<to>`, verifies its digest and its Chart.yaml, and
 * only when all passed moves them to `<to>/<chart>-<version>.tgz` (what `taco:charts.repository`
 * reads from a local directory).
 * With `unpack`, also unpacks each into `<to>/<chart>/` (helm-toolkit included).
 */
export async function pullCharts(charts: BundledChart[], to: string, options: { unpack?: boolean; log?: (line: string) => void } = {}): Promise<PulledChart[]> {
    const log = options.log ?? (() => undefined);
    const indexes = new Map<string, Record<string, IndexEntry[]>>();
    for (const repository of new Set(charts.map((chart) => chart.repository))) {
        const text = (await download(indexUrl(repository))).toString("utf8");
        indexes.set(repository, (YAML.parse(text)?.entries ?? {}) as Record<string, IndexEntry[]>);
    }
    const missing: string[] = [];
    const found = charts.map((chart) => {
        const entries = indexes.get(chart.repository)?.[chart.chart] ?? [];
        const entry = entries.find((candidate) => candidate.version === chart.version);
        if (!entry) {
            const published = entries.map((candidate) => candidate.version).slice(0, 5);
            missing.push(`${chart.chart} ${chart.version} is not in ${indexUrl(chart.repository)}`
                + (published.length > 0 ? ` (it lists ${published.join(", ")}${entries.length > 5 ? ", ..." : ""})` : " (no versions of that chart at all)"));
        }
        return { chart, entry };
    });
    if (missing.length > 0) throw new ChartPullError(`pinned chart versions missing from their repositories:\n  ${missing.join("\n  ")}`);

    fs.mkdirSync(to, { recursive: true });
    const staging = fs.mkdtempSync(path.join(to, ".pull-"));
    try {
        const verified = [];
        for (const { chart, entry } of found) verified.push({ chart, staged: await fetchVerified(chart, entry, staging) });
        const pulled: PulledChart[] = [];
        for (const { chart, staged } of verified) {
            const file = path.join(to, path.basename(staged));
            fs.renameSync(staged, file);
            if (options.unpack) {
                fs.rmSync(path.join(to, chart.chart), { recursive: true, force: true });
                tar.x({ file, cwd: to, sync: true });
            }
            log(`${chart.chart} ${chart.version}  ${path.relative(process.cwd(), file)}  (${chart.purpose})`);
            pulled.push({ ...chart, file });
        }
        return pulled;
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}

/** Downloads one chart into `dir`, checked against its index entry and its own Chart.yaml. */
async function fetchVerified(chart: BundledChart, entry: IndexEntry | undefined, dir: string): Promise<string> {
    if (!entry?.urls?.length) throw new ChartPullError(`${chart.chart} ${chart.version}: the index gives no download URL`);
    const url = new URL(entry.urls[0], `${chart.repository}/`).toString();
    const archive = await download(url);
    if (entry.digest) {
        const digest = crypto.createHash("sha256").update(archive).digest("hex");
        if (digest !== entry.digest) throw new ChartPullError(`${chart.chart} ${chart.version}: ${url} has sha256 ${digest}, the index says ${entry.digest}`);
    }
    const file = path.join(dir, archiveName(chart.chart, chart.version));
    fs.writeFileSync(file, archive);
    const chartYaml = readArchivedFile(file, `${chart.chart}/Chart.yaml`);
    const packaged = chartYaml ? YAML.parse(chartYaml) : undefined;
    if (packaged?.name !== chart.chart || packaged?.version !== chart.version) {
        throw new ChartPullError(`${chart.chart} ${chart.version}: ${url} holds ${packaged ? `${packaged.name} ${packaged.version}` : "no Chart.yaml"}`);
    }
    return file;
}

function indexUrl(repository: string): string {
    return `${repository.replace(/\/+$/, "")}/index.yaml`;
}

/** GET over https only (redirects included); trusts the system CAs plus NODE_EXTRA_CA_CERTS. */
function download(url: string, redirects = 0): Promise<Buffer> {
    if (!url.startsWith("https://")) return Promise.reject(new ChartPullError(`refusing ${url}: charts are fetched over https only`));
    return new Promise((resolve, reject) => {
        https.get(url, { timeout: 60_000 }, (response) => {
            const status = response.statusCode ?? 0;
            if (status >= 300 && status < 400 && response.headers.location) {
                response.resume();
                if (redirects >= MAX_REDIRECTS) return reject(new ChartPullError(`${url}: too many redirects`));
                return resolve(download(new URL(response.headers.location, url).toString(), redirects + 1));
            }
            if (status !== 200) {
                response.resume();
                return reject(new ChartPullError(`${url}: HTTP ${status}`));
            }
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => resolve(Buffer.concat(chunks)));
            response.on("error", reject);
        }).on("error", (error) => reject(new ChartPullError(`${url}: ${error.message}`)))
            .on("timeout", function (this: { destroy(error: Error): void }) { this.destroy(new Error("timed out")); });
    });
}

/** One file of a chart archive (.tgz), or undefined. */
export function readArchivedFile(archive: string, inside: string): string | undefined {
    const chunks: Buffer[] = [];
    tar.t({
        file: archive, sync: true,
        onReadEntry: (entry) => {
            if (entry.path === inside) entry.on("data", (chunk: Buffer) => chunks.push(chunk));
            else entry.resume();
        },
    });
    return chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : undefined;
}
