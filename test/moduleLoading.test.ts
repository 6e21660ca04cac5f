// What evaluating the program loads. Every preview compiles each module it loads, and Pulumi's
// runtime has the V8 inspector's Debugger on (runtime/closure/v8Hooks.js), which adds an event per
// compiled script: modules the program never uses are paid for on every `pulumi preview`.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../tools/mockRuntime";

/** The program's own sources: what `pulumi preview` loads, as opposed to scripts, tools and tests. */
function programFiles(): string[] {
    const under = (dir: string) => fs.readdirSync(path.join(PROJECT_DIR, dir))
        .filter((file) => file.endsWith(".ts"))
        .map((file) => path.join(dir, file));
    return ["index.ts", ...under("components"), ...under("config"), ...under("lib")];
}

function importsOf(file: string): string[] {
    const source = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
    return [...source.matchAll(/(?:from\s+|require\(\s*|import\s+)"([^"]+)"/g)].map((match) => match[1]);
}

describe("module loading: what a preview compiles", () => {
    it("the scan sees the program's imports of @pulumi/kubernetes (so an empty result means something)", () => {
        const kubernetesImports = programFiles().flatMap(importsOf).filter((specifier) => specifier.startsWith("@pulumi/kubernetes"));
        assert.ok(kubernetesImports.includes("@pulumi/kubernetes/core/v1"), kubernetesImports.join(", "));
        assert.ok(kubernetesImports.includes("@pulumi/kubernetes/helm/v3/release"), kubernetesImports.join(", "));
    });

    // The package root, and the `helm/v3` and `yaml` indexes, load the v3 Chart and the YAML support
    // (yaml/yaml.js), which requires every API group's index and `glob`: ~100 modules the program
    // does not use. The API group indexes (`core/v1`, `helm/v4`, ...) load their classes lazily.
    for (const file of programFiles()) {
        it(`${file} imports @pulumi/kubernetes by API group, never the root, helm/v3 or yaml index`, () => {
            const heavy = importsOf(file).filter((specifier) =>
                /^@pulumi\/kubernetes(\/helm\/v3|\/helm|\/yaml(\/.*)?|\/kustomize(\/.*)?)?$/.test(specifier));
            assert.deepStrictEqual(heavy, [], `${file}: import the class from its API group (e.g. "@pulumi/kubernetes/core/v1") or, for helm v3, from "@pulumi/kubernetes/helm/v3/release"`);
        });
    }
});
