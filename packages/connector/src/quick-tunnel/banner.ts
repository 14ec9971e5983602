/** The box cloudflared prints around a quick tunnel's URL, so people and scripts can find it. */
export function quickTunnelBanner(publicUrl: string): string {
  const lines = ["Your quick tunnel has been created! Visit it at:", publicUrl];
  const width = Math.max(...lines.map((line) => line.length)) + 4;
  const rule = `+${"-".repeat(width)}+`;
  return [rule, ...lines.map((line) => `|  ${line.padEnd(width - 2)}|`), rule].join("\n");
}
