import dgram from 'node:dgram';

// Run by net-faults.ts inside the router namespace: `node --import tsx packet-delayer.ts <ms>`.
// socat reads each IP packet the router routes into a TUN device and sends it here as one UDP
// datagram; this sends it back after <ms>, and socat writes it into the TUN device, from where
// the router forwards it on. Timers of equal delay fire in the order they were set, so packets
// keep their order, as with netem's constant delay.

const delayMs = Number(process.argv[2]);
if (!Number.isInteger(delayMs) || delayMs < 0) throw new Error(`usage: packet-delayer.ts <delay ms>, got ${process.argv[2]}`);

const socket = dgram.createSocket('udp4');
socket.on('message', (packet, from) => setTimeout(() => socket.send(packet, from.port, from.address), delayMs));
socket.on('error', (e) => {
  process.stderr.write(`packet delayer: ${e.message}\n`);
  process.exit(1);
});
socket.bind(0, '127.0.0.1', () => process.stdout.write(`LAWLINE_DELAYER_PORT=${socket.address().port}\n`));
