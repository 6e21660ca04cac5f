// Chart values as nested objects whose leaves may be Outputs (secrets stay secret leaf by leaf).
import { isPlainObject } from "../config/check";

export type Values = Record<string, unknown>;

/**
 * Merges `overlay` into `base` the way Helm merges values files: objects merge key by key, anything
 * else (lists, scalars, Outputs) in the overlay replaces what was there. Neither input is changed.
 */
export function deepMerge(base: Values, overlay: Values): Values {
    const result: Values = { ...base };
    for (const [key, value] of Object.entries(overlay)) {
        const current = result[key];
        result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
    }
    return result;
}

/** Merges any number of layers, later ones winning. */
export function mergeAll(...layers: Values[]): Values {
    return layers.reduce(deepMerge, {});
}

/** `{ a: { b: value } }` from `"a.b"`. */
export function atPath(dotted: string, value: unknown): Values {
    return dotted.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Values;
}

/** The dotted paths of every leaf (anything but a plain object) in `values`. */
export function leafPaths(values: Values, prefix = ""): string[] {
    return Object.entries(values).flatMap(([key, value]) => {
        const here = prefix ? `${prefix}.${key}` : key;
        return isPlainObject(value) && Object.keys(value).length > 0 ? leafPaths(value, here) : [here];
    });
}
