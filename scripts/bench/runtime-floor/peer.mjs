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
// Zero masking keys, as the connector uses on loopback (packages/connector/src/masking-keys.ts):
// workerd then skips unmasking what the peer sends, and the floor stays the least a tunnel does.
const edge = new WebSocket(`${floorUrl.replace(/^http/, "ws")}/peer`, {
  perMessageDeflate: false,
  generateMask: (key) => key.fill(0),
});
/** Per WebSocket stream id: the origin's socket. */
const sockets = new Map();
/** Per download stream id: its sender, waiting for acknowledgements. */
const spews = new Map();
/** A download's message payload: the size workerd takes in cheapest per MiB. */
const PIECE_BYTES = 1024 * 1024;
/** Messages a download may have unacknowledged: the floor's flow control. */
const UNACKED_PIECES = 4;
/** Set in a binary message's id: the answer ends with this piece. */
const LAST_PIECE = 0x80000000;
const piece = Buffer.alloc(4 + PIECE_BYTES, 0x61);

/** Sends `bytes` of body from one buffer, at most UNACKED_PIECES ahead of the DO's writes. */
function spew(id, bytes) {
  let left = bytes;
  let unacked = 0;
  const pump = () => {
    while (left > 0 && unacked < UNACKED_PIECES) {
      const size = Math.min(PIECE_BYTES, left);
      left -= size;
      unacked++;
      piece.writeUInt32BE(left === 0 ? (id | LAST_PIECE) >>> 0 : id, 0);
      edge.send(piece.subarray(0, 4 + size));
    }
    if (left === 0) spews.delete(id);
  };
  spews.set(id, () => {
    unacked--;
    pump();
  });
  pump();
}

/**
 * The least a connector does with an origin's body, alone: a keep-alive GET of `bytes` read and
 * dropped (`drain`), or a POST of `bytes` from one buffer (`fill`). The bench reads this
 * process's CPU over it; the Durable Object's side is measured apart (worker.js).
 */
function originBody(id, verb, bytes) {
  // The answer says what crossed: the bytes read (drain), or the origin's count of them (fill).
  const done = (response) => {
    let read = 0;
    let text = "";
    response.on("data", (chunk) => {
      read += chunk.byteLength;
      if (verb === "fill") text += chunk;
    });
    response.on("end", () => edge.send(`${id} answer ${verb} ${verb === "fill" ? text : read}`));
  };
  if (verb === "drain") {
    http.get(new URL(`/bytes?n=${bytes}`, origin), { agent }, done);
    return;
  }
  const request = http.request(new URL("/upload", origin), { method: "POST", agent }, done);
  request.setHeader("content-length", bytes);
  let left = bytes;
  const write = () => {
    while (left > 0) {
      const size = Math.min(PIECE_BYTES, left);
      left -= size;
      if (!request.write(piece.subarray(4, 4 + size))) return void request.once("drain", write);
    }
    request.end();
  };
  write();
}

function get(id, path) {
  const originBodyOnly = /^\/(drain|fill)\?n=(\d+)$/.exec(path);
  if (originBodyOnly) return originBody(id, originBodyOnly[1], Number(originBodyOnly[2]));
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
  else if (verb === "spew") spew(id, Number(rest));
  else if (verb === "ack") spews.get(id)?.();
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
