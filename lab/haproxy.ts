import type { HaproxySpec } from "./spec";
export async function haproxyLab(_stack: string, _spec: HaproxySpec, _options: { repeat: number }): Promise<boolean> {
    throw new Error("not yet");
}
