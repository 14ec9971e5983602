import dgram from "node:dgram";
import type { AddressInfo } from "node:net";

/** The records a {@link DnsServer} knows, by lowercase name. */
export type DnsZone = Record<string, { A?: string[]; AAAA?: string[] }>;

/** One question the server received. */
export interface DnsQuestionSeen {
  name: string;
  type: "A" | "AAAA" | string;
}

/** A tiny authoritative DNS server on 127.0.0.1 (UDP) that counts the questions it gets. */
export interface DnsServer {
  port: number;
  /** `127.0.0.1:<port>`, as `burrow tunnel --resolver` takes it. */
  address: string;
  questions: DnsQuestionSeen[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;

/**
 * Starts the server. Names in `zone` answer their records with `ttlSeconds` (NOERROR with no
 * answers for a type they lack, i.e. NODATA); every other name answers NXDOMAIN. Only what the
 * connector's resolver (c-ares) asks is implemented: one question, types A and AAAA.
 */
export async function startDnsServer(zone: DnsZone, ttlSeconds = 60): Promise<DnsServer> {
  const socket = dgram.createSocket("udp4");
  const questions: DnsQuestionSeen[] = [];
  socket.on("message", (query, peer) => {
    const response = answer(query, zone, ttlSeconds, questions);
    if (response) socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function answer(
  query: Buffer,
  zone: DnsZone,
  ttlSeconds: number,
  seen: DnsQuestionSeen[],
): Buffer | null {
  if (query.length < 12) return null;
  const labels: string[] = [];
  let offset = 12;
  while (offset < query.length) {
    const length = query[offset]!;
    offset++;
    if (length === 0) break;
    if (length > 63 || offset + length > query.length) return header(query, RCODE_FORMERR, 0);
    labels.push(query.subarray(offset, offset + length).toString("latin1"));
    offset += length;
  }
  if (offset + 4 > query.length) return header(query, RCODE_FORMERR, 0);
  const type = query.readUInt16BE(offset);
  const questionEnd = offset + 4;
  const name = labels.join(".").toLowerCase();
  seen.push({ name, type: type === TYPE_A ? "A" : type === TYPE_AAAA ? "AAAA" : String(type) });

  const records = zone[name];
  if (!records) {
    return Buffer.concat([header(query, RCODE_NXDOMAIN, 0), query.subarray(12, questionEnd)]);
  }
  const addresses =
    type === TYPE_A ? (records.A ?? []) : type === TYPE_AAAA ? (records.AAAA ?? []) : [];
  const answers = addresses.map((address) => {
    const rdata = type === TYPE_A ? ipv4Bytes(address) : ipv6Bytes(address);
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // Pointer to the name in the question.
    record.writeUInt16BE(type, 2);
    record.writeUInt16BE(CLASS_IN, 4);
    record.writeUInt32BE(ttlSeconds, 6);
    record.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([record, rdata]);
  });
  return Buffer.concat([
    header(query, 0, answers.length),
    query.subarray(12, questionEnd),
    ...answers,
  ]);
}

/** A response header echoing the query's id and RD bit, with one question and `answers`. */
function header(query: Buffer, rcode: number, answers: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.readUInt16BE(0), 0);
  const recursionDesired = query[2]! & 0x01;
  out[2] = 0x84 | recursionDesired; // QR + AA.
  out[3] = 0x80 | rcode; // RA.
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(answers, 6);
  return out;
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split(".").map(Number));
}

function ipv6Bytes(address: string): Buffer {
  const [head = "", tail = ""] = address.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = Array(8 - headGroups.length - tailGroups.length).fill("0");
  const groups = address.includes("::") ? [...headGroups, ...zeros, ...tailGroups] : headGroups;
  const out = Buffer.alloc(16);
  for (const [index, group] of groups.entries()) {
    out.writeUInt16BE(Number.parseInt(group, 16), index * 2);
  }
  return out;
}
