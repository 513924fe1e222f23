/**
 * The floor of `bench:tftp`: the least a lock-step TFTP read server on `node:dgram` does per block,
 * serving one file from memory. Octet mode and `blksize` only, windowsize 1, no retransmission, no
 * transfer-ID check, no limits: not a server, a measure of what Node's UDP path alone costs per
 * block (receive the ACK, send the next DATA) against tftpd-hpa's.
 *
 *   node --import tsx bench/tftp-bare.ts FILE PORT
 */
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";

const [file, port] = process.argv.slice(2);
const body = readFileSync(file!);

const main = createSocket("udp4");
main.on("message", (msg, rinfo) => {
  const parts = msg.subarray(2).toString("latin1").split("\0");
  const at = parts.indexOf("blksize");
  const blksize = at >= 0 ? Number(parts[at + 1]) : 512;
  const total = Math.floor(body.length / blksize) + 1;
  const packet = Buffer.allocUnsafe(4 + blksize);
  const socket = createSocket({ type: "udp4", lookup: (host, _o, cb) => (cb as (e: null, a: string, f: number) => void)(null, host, 4) });
  let sent = 0;
  const sendBlock = () => {
    sent++;
    packet.writeUInt16BE(3, 0);
    packet.writeUInt16BE(sent & 0xffff, 2);
    const n = body.copy(packet, 4, (sent - 1) * blksize, Math.min(body.length, sent * blksize));
    socket.send(packet, 0, 4 + n, rinfo.port, rinfo.address);
  };
  socket.on("message", (ack) => {
    if (ack.length < 4 || ack.readUInt16BE(2) !== (sent & 0xffff)) return;
    if (sent >= total) socket.close();
    else sendBlock();
  });
  socket.bind(0, "127.0.0.1", () => {
    if (at >= 0) socket.send(Buffer.from(`\0\x06blksize\0${blksize}\0`, "latin1"), rinfo.port, rinfo.address);
    else sendBlock();
  });
});
main.bind(Number(port), "127.0.0.1");
