import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The built-in origin behind `--hello-world`, like cloudflared's: a page that shows the request
 * it received, so a tunnel can be tried with nothing running locally. Listens on loopback only.
 */
export async function startHelloWorld(): Promise<{ url: URL; server: http.Server }> {
  const server = http.createServer((request, response) => {
    const headers = Object.entries(request.headers).map(
      ([name, value]) => [name, String(value)] as [string, string],
    );
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(helloWorldPage(request.method ?? "", request.url ?? "", headers));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}`), server };
}

/** The page itself, also served in-process for an ingress rule's `service: hello_world`. */
export function helloWorldPage(
  method: string,
  url: string,
  headers: ReadonlyArray<readonly [string, string]>,
): string {
  const rows = headers
    .map(([name, value]) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(value)}</td></tr>`)
    .join("");
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Burrow hello world</title></head>` +
    `<body><h1>Congrats! You created a tunnel!</h1><p>${escapeHtml(method)} ${escapeHtml(url)}</p>` +
    `<table>${rows}</table></body></html>`
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
