import type { Ingress, IngressRule } from "./rules";

/**
 * The index of the first rule matching a request (cloudflared's `FindMatchingRule`): the host
 * without its port, case-insensitively, and the path against the rule's unanchored regex. The
 * last rule matches everything, so there is always an answer.
 */
export function matchRule(ingress: Ingress, host: string, path: string): number {
  const hostname = stripPort(host).toLowerCase();
  for (let i = 0; i < ingress.rules.length; i++) {
    if (ruleMatches(ingress.rules[i]!, hostname, path)) return i;
  }
  return ingress.rules.length - 1;
}

/** Whether one rule matches a port-less, lowercase host and a path. */
export function ruleMatches(rule: IngressRule, hostname: string, path: string): boolean {
  return hostMatches(rule.hostname, hostname) && (rule.path === null || rule.path.test(path));
}

/**
 * `*.example.com` matches `a.example.com` and `a.b.example.com` but not `example.com`, as
 * cloudflared's suffix match does; any other pattern matches only itself.
 */
export function hostMatches(pattern: string | null, hostname: string): boolean {
  if (pattern === null) return true;
  if (pattern.startsWith("*.")) return hostname.endsWith(pattern.slice(1));
  return pattern === hostname;
}

/** `host:port`, `[v6]:port` or a bare host, without the port. */
export function stripPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 ? host.slice(1, end) : host;
  }
  const colon = host.indexOf(":");
  return colon >= 0 && host.indexOf(":", colon + 1) < 0 ? host.slice(0, colon) : host;
}
