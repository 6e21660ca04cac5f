// Node module hook: @actions/workflow-parser imports its schema JSON without the `with { type:
// "json" }` attribute Node requires (it is built for bundlers); this supplies the attribute.
export async function load(url, context, nextLoad) {
    if (url.endsWith(".json")) return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
    return nextLoad(url, context);
}
