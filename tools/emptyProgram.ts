// The benchmark's floor: a Pulumi program with no resources and one export, evaluated exactly as
// index.ts is (same harness, same ts-node), so that what index.ts costs above it is the program's own.
import * as pulumi from "@pulumi/pulumi";

export const stack = pulumi.getStack();
