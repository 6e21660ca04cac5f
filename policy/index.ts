// `pulumi preview --policy-pack policy`: the rules of rules.ts, all mandatory.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./rules";

new PolicyPack("taco-exposure", { policies: POLICIES, enforcementLevel: "mandatory" });
