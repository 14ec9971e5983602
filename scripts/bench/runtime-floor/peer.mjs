/**
 * The floor's stand-in for a connector (worker.js says what the floor is): one WebSocket to the
 * floor's Durable Object and, per stream, the least a connector must do with its origin: a
 * keep-alive GET whose (small) answer goes back whole in one message, or a WebSocket relayed
 * message for message. Its own process, so its CPU and scheduling are a connector's.
 *
 *   node peer.mjs <floor url> <origin url>      prints "ready" once dialled
 */
import http from "node:http";
import WebSocket from "ws";

const [floorUrl, originUrl] = process.argv.slice(2);
const origin = new URL(originUrl);
const agent = new http.Agent({ keepAlive: true });
const edge = new WebSocket(`${floorUrl.replace(/^http/, "ws")}/peer`, { perMessageDeflate: false });
/** Per WebSocket stream id: the origin's socket. */
const sockets = new Map();

function get(id, path) {
  http.get(new URL(path, origin), { agent }, (response) => {
    let body = "";
    response.setEncoding("latin1");
    response.on("data", (chunk) => {
      body += chunk;
    });
    response.on("end", () => edge.send(`${id} answer ${body}`));
  });
}

function relayWebSocket(id, path) {
  const socket = new WebSocket(new URL(path, origin).href.replace(/^http/, "ws"), {
    perMessageDeflate: false,
  });
  const early = [];
  socket.on("open", () => {
    for (const [data, binary] of early) socket.send(data, { binary });
  });
  socket.on("message", (data, binary) => {
    if (!binary) return edge.send(`${id} text ${data}`);
    const message = Buffer.allocUnsafe(4 + data.byteLength);
    message.writeUInt32BE(id, 0);
    message.set(data, 4);
    edge.send(message);
  });
  socket.on("close", () => {
    sockets.delete(id);
    edge.send(`${id} close`);
  });
  sockets.set(id, {
    send: (data, binary) =>
      socket.readyState === WebSocket.OPEN
        ? socket.send(data, { binary })
        : early.push([data, binary]),
    close: () => socket.close(),
  });
}

edge.on("message", (data, binary) => {
  if (binary) {
    sockets.get(data.readUInt32BE(0))?.send(data.subarray(4), true);
    return;
  }
  const text = data.toString();
  const [idText, verb] = text.split(" ", 2);
  const id = Number(idText);
  const rest = text.slice(idText.length + verb.length + 2);
  if (verb === "get") get(id, rest);
  else if (verb === "ws") relayWebSocket(id, rest);
  else if (verb === "text") sockets.get(id)?.send(rest, false);
  else if (verb === "close") sockets.get(id)?.close();
});
edge.on("open", () => console.log("ready"));
edge.on("error", (error) => {
  console.error(`floor peer: ${error.message}`);
  process.exit(1);
});
edge.on("close", () => process.exit(0));
