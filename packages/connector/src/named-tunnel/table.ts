import type { ConnectionJson } from "./tunnels";

/**
 * Lays rows out as Go's text/tabwriter with cloudflared's settings (min width 0, padding 1,
 * spaces): every cell, the last included, is padded to its column's widest cell plus one.
 */
export function tabulate(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => cell.padEnd((widths[i] ?? 0) + 1)).join(""))
    .join("\n");
}

/**
 * cloudflared's CONNECTIONS / EDGE cell: live connections counted per colo, colos sorted,
 * e.g. `2xlocal, 1xams`. Pending reconnects count only with `showPending`.
 */
export function formatConnections(
  connections: readonly ConnectionJson[],
  showPending = false,
): string {
  const perColo = new Map<string, number>();
  for (const connection of connections) {
    if (connection.is_pending_reconnect && !showPending) continue;
    perColo.set(connection.colo_name, (perColo.get(connection.colo_name) ?? 0) + 1);
  }
  return [...perColo.keys()]
    .sort()
    .map((colo) => `${perColo.get(colo)}x${colo}`)
    .join(", ");
}

/** RFC 3339 in UTC without fractions, as Go's `time.RFC3339` prints a UTC time. */
export function rfc3339(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * A time as Go's `time.Time.String()` prints it in UTC (`tunnel info`'s CREATED line):
 * `2026-04-20 12:00:00.123 +0000 UTC`, fractions without trailing zeros.
 */
export function goTimeString(iso: string): string {
  const [date, rest] = new Date(iso).toISOString().split("T") as [string, string];
  const [clock, fraction] = rest.replace("Z", "").split(".") as [string, string | undefined];
  const trimmed = (fraction ?? "").replace(/0+$/, "");
  return `${date} ${clock}${trimmed ? `.${trimmed}` : ""} +0000 UTC`;
}
