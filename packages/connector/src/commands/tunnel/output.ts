import { ConnectorError } from "../../connector-error";

/** `--output json`, indented as cloudflared's `renderOutput` (two spaces). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Refuses an `--output` other than json (cloudflared also has yaml). */
export function checkOutputFormat(format: string | undefined): void {
  if (format && format !== "json") {
    throw new ConnectorError(
      `Unknown output format '${format}'`,
      "Burrow renders json only",
      "use --output json",
    );
  }
}
