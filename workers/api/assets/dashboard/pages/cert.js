import { h, replace } from "../dom.js";
import { currentSession } from "../session.js";

/**
 * cloudflared's origin certificate: one PEM block of type `ARGO TUNNEL TOKEN` whose body is the
 * base64 of JSON `{zoneID, accountID, apiToken, endpoint}` (cloudflared's credentials/origin_cert.go).
 * Built in the page from the signed-in session; the token is written into the file, never shown.
 * @param {import("../session.js").Session} session
 * @param {string} endpoint
 */
export function certPem(session, endpoint) {
  const json = JSON.stringify({
    zoneID: session.zoneId,
    accountID: session.accountId,
    apiToken: session.token,
    endpoint,
  });
  const base64 = btoa(String.fromCharCode(...new TextEncoder().encode(json)));
  // PEM bodies are wrapped at 64 characters (RFC 7468 §2).
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ARGO TUNNEL TOKEN-----\n${lines.join("\n")}\n-----END ARGO TUNNEL TOKEN-----\n`;
}

/** @param {HTMLElement} main */
export function renderCert(main) {
  const session = currentSession();
  if (!session) return;
  const api = `${location.origin}/client/v4`;
  const status = h("p", { role: "status", class: "muted" });
  const download = h(
    "button",
    {
      type: "button",
      onclick: () => {
        const blob = new Blob([certPem(session, location.origin)], {
          type: "application/x-pem-file",
        });
        const url = URL.createObjectURL(blob);
        const link = h("a", { href: url, download: "cert.pem" });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        replace(status, "cert.pem downloaded. Keep it private: it holds your API token.");
      },
    },
    "Download cert.pem",
  );
  replace(
    main,
    h("h1", null, "cert.pem for cloudflared"),
    h(
      "p",
      null,
      "cloudflared's tunnel commands read the account, zone and API token from cert.pem. This file carries the token you signed in with and this edge's address.",
    ),
    h(
      "dl",
      { class: "facts card" },
      h("dt", null, "Account"),
      h("dd", null, h("code", null, session.accountId)),
      h("dt", null, "Zone"),
      h("dd", null, h("code", null, session.zoneId), ` (${session.zoneName})`),
      h("dt", null, "Endpoint"),
      h("dd", null, h("code", null, location.origin)),
    ),
    download,
    status,
    h("h2", null, "Use it"),
    h(
      "pre",
      { class: "code" },
      `cloudflared tunnel --api-url ${api} --origincert cert.pem create web\n` +
        `cloudflared tunnel --api-url ${api} --origincert cert.pem list`,
    ),
  );
}
