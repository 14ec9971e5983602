/**
 * What workerd itself charges for the pieces Burrow's data path is made of, measured on a Durable
 * Object alone (no Burrow code): taking in WebSocket messages, writing a response body, reading a
 * request body, one call to an object or a service. `pnpm bench:profile` prints these next to the
 * tunnel's own split; they are why data frames carry 256 KiB (packages/wire/src/flow-control.ts)
 * and why the edge reads uploads with a BYOB reader (workers/edge/src/connection/request-body.ts).
 */
import http from "node:http";
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import { cpuDuring, workerdPids } from "./measure";

const MiB = 1024 * 1024;

/** One Durable Object class and a Worker in front of it, each doing one of the measured things. */
const SCRIPT = `
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
export class Probe extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url);
    const chunk = Number(url.searchParams.get("chunk"));
    const total = Number(url.searchParams.get("total"));
    switch (url.pathname) {
      case "/socket": {
        const pair = new WebSocketPair();
        this.ctx.acceptWebSocket(pair[1]);
        return new Response(null, { status: 101, webSocket: pair[0] });
      }
      case "/write": {
        const data = new Uint8Array(chunk).fill(97);
        const { readable, writable } = new IdentityTransformStream();
        this.ctx.waitUntil((async () => {
          const writer = writable.getWriter();
          for (let sent = 0; sent < total; sent += chunk) await writer.write(data.slice());
          await writer.close();
        })());
        return new Response(readable);
      }
      case "/read": {
        let reads = 0;
        if (url.searchParams.get("mode") === "byob") {
          const reader = request.body.getReader({ mode: "byob" });
          for (;;) {
            const { done } = await reader.read(new Uint8Array(chunk));
            if (done) break;
            reads++;
          }
        } else {
          const reader = request.body.getReader();
          while (!(await reader.read()).done) reads++;
        }
        return new Response(String(reads));
      }
      default:
        return new Response("ok");
    }
  }
  webSocketMessage(socket, message) {
    if (typeof message === "string") socket.send("done");
  }
  ping() {
    return new Response("ok");
  }
}
export class Entry extends WorkerEntrypoint {
  fetch() {
    return new Response("ok");
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const probe = env.PROBE.get(env.PROBE.idFromName("probe"));
    if (url.pathname !== "/calls") return probe.fetch(request);
    const n = Number(url.searchParams.get("n"));
    const kind = url.searchParams.get("kind");
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const response =
        kind === "fetch" ? await probe.fetch("http://probe/") :
        kind === "rpc" ? await probe.ping() :
        await env.ENTRY.fetch("http://entry/");
      await response.arrayBuffer();
    }
    return new Response(String(performance.now() - started));
  },
};`;

/** Markdown rows: workerd CPU per MiB or per call for each piece, at `quick` or full sizes. */
export async function runtimeCostRows(quick: boolean): Promise<string[]> {
  const total = (quick ? 64 : 256) * MiB;
  // Only this instance's runtime counts, not another workerd this process runs (the local edge).
  const others = new Set(await workerdPids());
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "probe",
        modules: true,
        script: SCRIPT,
        compatibilityDate: "2026-04-20",
        durableObjects: { PROBE: "Probe" },
        serviceBindings: { ENTRY: { name: "probe", entrypoint: "Entry" } },
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  });
  try {
    await miniflare.ready;
    const base = await miniflare.unsafeGetDirectURL("probe");
    const workerd = (await workerdPids()).filter((pid) => !others.has(pid));
    const perMiB = async (work: () => Promise<unknown>) => {
      const started = performance.now();
      const { cpuSeconds } = await cpuDuring(workerd, work);
      const seconds = (performance.now() - started) / 1000;
      return `${((cpuSeconds * 1000 * MiB) / total).toFixed(2)} | ${Math.round(total / MiB / seconds)}`;
    };
    const rows = [
      "\n### workerd alone: what the runtime charges per piece (a Durable Object, no Burrow code)",
      "",
      "| piece | workerd CPU ms per MiB | MiB/s |",
      "|---|---:|---:|",
    ];

    const socket = new WebSocket(new URL("/socket", base).href.replace("http", "ws"));
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    for (const size of [64 * 1024, 256 * 1024, MiB]) {
      const message = Buffer.alloc(size, 1);
      const cost = await perMiB(async () => {
        for (let sent = 0; sent < total; sent += size) {
          socket.send(message);
          // The sender's queue stays bounded; workerd's side is what is measured.
          while (socket.bufferedAmount > 8 * MiB) await new Promise((r) => setTimeout(r, 1));
        }
        socket.send("done?");
        await new Promise((resolve) => socket.once("message", resolve));
      });
      rows.push(`| takes in WebSocket messages of ${size / 1024} KiB | ${cost} |`);
    }
    socket.close();

    for (const chunk of [64 * 1024, 256 * 1024]) {
      const cost = await perMiB(() =>
        request(new URL(`/write?chunk=${chunk}&total=${total}`, base), "GET", 0),
      );
      rows.push(`| writes a response body in ${chunk / 1024} KiB chunks | ${cost} |`);
    }

    const bodyBytes = (quick ? 16 : 64) * MiB;
    for (const mode of ["default", "byob"]) {
      let reads = "";
      const started = performance.now();
      const { cpuSeconds } = await cpuDuring(workerd, async () => {
        reads = await request(
          new URL(`/read?mode=${mode}&chunk=${64 * 1024}`, base),
          "POST",
          bodyBytes,
        );
      });
      const seconds = (performance.now() - started) / 1000;
      const how = mode === "byob" ? "a BYOB reader into 64 KiB views" : "the default reader";
      rows.push(
        `| reads a ${bodyBytes / MiB} MiB request body with ${how}: ${reads} reads | ${((cpuSeconds * 1000 * MiB) / bodyBytes).toFixed(2)} | ${Math.round(bodyBytes / MiB / seconds)} |`,
      );
    }

    rows.push("", "| one call, answered at once | workerd CPU µs per call |", "|---|---:|");
    const calls = quick ? 300 : 2_000;
    for (const [kind, what] of [
      ["fetch", "a Worker's fetch() to a Durable Object"],
      ["rpc", "a Worker's RPC call to a Durable Object"],
      ["service", "a Worker's fetch() through a service binding"],
    ] as const) {
      const { cpuSeconds } = await cpuDuring(workerd, () =>
        request(new URL(`/calls?kind=${kind}&n=${calls}`, base), "GET", 0),
      );
      rows.push(`| ${what} | ${Math.round((cpuSeconds * 1e6) / calls)} |`);
    }
    return rows;
  } finally {
    await miniflare.dispose();
  }
}

/** One request with `bodyBytes` of body sent in 64 KiB writes; resolves with the answer's text. */
function request(url: URL, method: string, bodyBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method }, (response) => {
      let text = "";
      response.setEncoding("latin1");
      response.on("data", (chunk: string) => {
        // Large answers are only counted: keeping them would measure this process.
        if (text.length < 64) text += chunk;
      });
      response.on("end", () => resolve(text));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    const piece = Buffer.alloc(64 * 1024, 1);
    const writeRest = (sent: number) => {
      while (sent < bodyBytes) {
        sent += piece.byteLength;
        if (!outgoing.write(piece)) {
          outgoing.once("drain", () => writeRest(sent));
          return;
        }
      }
      outgoing.end();
    };
    writeRest(0);
  });
}
