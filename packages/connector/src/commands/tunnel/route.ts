import { defineCommand } from "citty";

/** `burrow tunnel route`: what reaches a tunnel; `dns` is the one kind Burrow routes. */
export default defineCommand({
  meta: { name: "route", description: "Route traffic to a named tunnel (dns)" },
  subCommands: {
    dns: () => import("./route-dns").then((module) => module.default),
  },
});
