import { ConnectorError } from "../connector-error";

/** Every command logs to stderr with a timestamp, as cloudflared does; stdout stays for data. */
export const log = (message: string) =>
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);

/** Parses an http(s) URL flag; a bare `host:port` means http. */
export function parseUrl(value: string, flag: string): URL {
  try {
    const url = new URL(value.includes("://") ? value : `http://${value}`);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return url;
  } catch {
    throw new ConnectorError(
      `bad ${flag} "${value}"`,
      "expected an http:// or https:// URL",
      `e.g. ${flag} http://localhost:3000`,
    );
  }
}
