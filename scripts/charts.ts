// The pinned charts, for sites without internet.
//   npm run charts -- pull [--to <dir>] [--stack <stack>] [--repository <url>] [--mirror <url>] [--unpack]
// Downloads exactly the versions the program installs (lib/chartBundle.ts) into <dir> (default
// .charts), laid out as `taco:charts.repository: <dir>` reads it. --stack takes the stack's chart
// versions and repository; --repository replaces the openstack-helm repository; --mirror fetches
// every chart from one repository (a site's Helm mirror); --unpack also unpacks them.
import * as path from "path";
import { ConfigError, parseConfig, VipSettings } from "../config";
import { bundledCharts, BundledChart } from "../lib/chartBundle";
import { SERVICE_NAMES } from "../lib/charts";
import { ChartPullError, pullCharts } from "../lib/chartPull";
import { CommandIO, runAsProcess, TERMINAL } from "../tools/command";
import { PROJECT_DIR } from "../tools/mockRuntime";
import { readStackConfig } from "../tools/stackConfig";

const USAGE = "usage: npm run charts -- pull [--to <dir>] [--stack <stack>] [--repository <https url>] [--mirror <https url>] [--unpack]";

interface Options { to: string; stack?: string; repository?: string; mirror?: string; unpack: boolean }

function parseArgs(args: string[]): Options {
    const [command, ...rest] = args;
    if (command !== "pull") throw new UsageError(command ? `unknown command ${command}` : "no command");
    const options: Options = { to: path.join(PROJECT_DIR, ".charts"), unpack: false };
    for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        if (flag === "--unpack") { options.unpack = true; continue; }
        const value = rest[++i];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
        if (flag === "--to") options.to = path.resolve(value);
        else if (flag === "--stack") options.stack = value;
        else if (flag === "--repository") options.repository = value;
        else if (flag === "--mirror") options.mirror = value;
        else throw new UsageError(`unknown option ${flag}`);
    }
    return options;
}

class UsageError extends Error {}

/** The bundle, with the stack's versions and repository where --stack is given. */
function chartsFor(options: Options): BundledChart[] {
    let repository = options.repository;
    let versions: Partial<Record<string, string>> = {};
    let vip: VipSettings | undefined;
    if (options.stack) {
        const config = parseConfig(readStackConfig(options.stack), PROJECT_DIR);
        if (config.charts.kind === "local" && !repository) {
            throw new UsageError(`stack ${options.stack} already reads its charts from ${config.charts.directory}; give --repository`);
        }
        repository ??= config.charts.kind === "repository" ? config.charts.url : undefined;
        versions = Object.fromEntries(SERVICE_NAMES.map((name) => [name, config.services[name].version]));
        vip = config.exposure.vip;
    }
    return bundledCharts(repository, vip).map((chart) => ({
        ...chart,
        version: versions[chart.chart] ?? chart.version,
        repository: (options.mirror ?? chart.repository).replace(/\/+$/, ""),
    }));
}

/** The command line, `npm run charts -- <args>`: resolves to the exit code. */
export async function chartsCommand(args: string[], io: CommandIO = TERMINAL): Promise<number> {
    try {
        const options = parseArgs(args);
        const charts = chartsFor(options);
        io.out(`Pulling ${charts.length} charts into ${path.relative(process.cwd(), options.to) || "."}`);
        await pullCharts(charts, options.to, { unpack: options.unpack, log: (line) => io.out(`  ${line}`) });
        io.out(`\nSet taco:charts.repository to that directory (carry it into the site as it is).`);
        return 0;
    } catch (error) {
        if (error instanceof UsageError) io.err(`error: ${error.message}\n${USAGE}`);
        else if (error instanceof ChartPullError || error instanceof ConfigError) io.err(`error: ${error.message}`);
        else io.err(error);
        return error instanceof UsageError ? 2 : 1;
    }
}

if (require.main === module) runAsProcess(chartsCommand);
