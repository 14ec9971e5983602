import { defineCommand } from "citty";
import { MANAGEMENT_ARGS } from "./management-args";

/** `burrow tunnel route`: what reaches a tunnel; `dns` is the one kind Burrow routes. */
export default defineCommand({
  meta: { name: "route", description: "Route traffic to a named tunnel (dns)" },
  // Declared so `route --origincert x dns …` finds `dns`, not `x`, as the subcommand.
  args: MANAGEMENT_ARGS,
  subCommands: {
    dns: () => import("./route-dns").then((module) => module.default),
  },
});
