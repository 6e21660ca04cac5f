// Validates GitHub Actions workflow files with GitHub's own workflow parser and schema
// (@actions/workflow-parser, the one behind the Actions language server), then converts each to
// a workflow template, which adds the checks the schema cannot express (job graph, matrix, ...).
//   node tools/workflowLint.mjs <file>...   prints { file: [error, ...] } as JSON; exit 1 on errors
import { readFileSync } from "node:fs";
import { register } from "node:module";

register("./jsonImportHook.mjs", import.meta.url);
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import("@actions/workflow-parser");

const report = {};
for (const file of process.argv.slice(2)) {
    const parsed = parseWorkflow({ name: file, content: readFileSync(file, "utf8") }, new NoOperationTraceWriter());
    if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value);
    report[file] = parsed.context.errors.getErrors().map((error) => error.message);
}
console.log(JSON.stringify(report, null, 2));
process.exit(Object.values(report).some((errors) => errors.length > 0) ? 1 : 0);
