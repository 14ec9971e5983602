import { mallocTunables } from "../malloc-tunables";

/** What the unit runs: the executable words and the tunnel token. */
export interface SystemdUnitOptions {
  /** e.g. ["/usr/bin/node", "/opt/burrow/bin/burrow.mjs"]. */
  exec: string[];
  token: string;
}

/**
 * The systemd unit `burrow service install` writes, shaped like cloudflared's: starts after the
 * network is online, restarts on failure, stops with SIGTERM and waits past the 30 s drain. The
 * token goes in the environment (TUNNEL_TOKEN) rather than on the command line, so `ps` does
 * not show the secret. GLIBC_TUNABLES carries the malloc settings that halve the connector's CPU
 * per MiB (malloc-tunables.ts).
 */
export function systemdUnit(options: SystemdUnitOptions): string {
  const exec = [...options.exec, "tunnel", "run"].map(quoteArg).join(" ");
  return `[Unit]
Description=Burrow tunnel
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
Environment=${quoteArg(`TUNNEL_TOKEN=${options.token}`)}
Environment=${quoteArg(`GLIBC_TUNABLES=${mallocTunables(undefined)}`)}
ExecStart=${exec}
Restart=on-failure
RestartSec=5s
KillSignal=SIGTERM
TimeoutStopSec=60s

[Install]
WantedBy=multi-user.target
`;
}

/** systemd's quoting: words with spaces, quotes, backslashes or % are double-quoted and escaped. */
function quoteArg(word: string): string {
  const escaped = word.replace(/%/g, "%%");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
