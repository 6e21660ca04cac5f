// Regenerates README.md's topology diagram of every example stack.
//   npm run docs
import * as fs from "fs";
import { exampleStacks, README, stackTopology, withDiagrams } from "../tools/stackPictures";

async function main(): Promise<void> {
    const diagrams: Record<string, string> = {};
    for (const stack of exampleStacks()) diagrams[stack] = await stackTopology(stack);
    fs.writeFileSync(README, withDiagrams(fs.readFileSync(README, "utf8"), diagrams));
    console.log(`README.md: diagrams of ${Object.keys(diagrams).join(", ")}`);
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
