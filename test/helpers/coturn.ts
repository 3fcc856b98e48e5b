import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { freePort } from './redis-server.ts';

/**
 * A coturn relay of a test's own (Debian's `turnserver`), sharing a secret with lawline the way
 * a deployment's does (`use-auth-secret`). It relays to this machine's loopback, where the test's
 * peers and Janus listen, which a production relay must refuse (`allow-loopback-peers`).
 */
export class Coturn {
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
    readonly secret: string,
    private readonly output: string[],
  ) {}

  static async start(): Promise<Coturn> {
    const port = await freePort();
    const secret = randomBytes(24).toString('base64url');
    // An ephemeral relay range of its own, away from Janus's and other tests' (49152+ is the OS's).
    const relayBase = 40000 + (port % 50) * 40;
    const args = [
      '-n', // no configuration file: everything is here
      `--listening-ip=127.0.0.1`,
      `--relay-ip=127.0.0.1`,
      `--listening-port=${port}`,
      `--min-port=${relayBase}`,
      `--max-port=${relayBase + 39}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=lawline.test',
      '--fingerprint',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--no-rfc5780',
      '--allow-loopback-peers',
      '--log-file=stdout',
      '--simple-log',
    ];
    const output: string[] = [];
    const proc = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => output.push(chunk.toString());
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const relay = new Coturn(proc, port, secret, output);
    await relay.answering();
    return relay;
  }

  get url(): string {
    return `turn:127.0.0.1:${this.port}?transport=udp`;
  }

  /** What coturn printed, for a failure message. */
  log(): string {
    return this.output.join('').slice(-4000);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const killed = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killed);
  }

  /** Until a STUN binding request over UDP gets its answer (coturn binds its sockets after it logs that it started). */
  private async answering(): Promise<void> {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (this.proc.exitCode !== null) throw new Error(`turnserver exited with ${this.proc.exitCode}:\n${this.log()}`);
      if (await stunAnswers(this.port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new Error(`turnserver did not answer on 127.0.0.1:${this.port} within 10 s:\n${this.log()}`);
  }
}

/** A STUN Binding request (RFC 8489: type 0x0001, no attributes, the magic cookie, a random id) and whether a success answers it. */
function stunAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const id = randomBytes(12);
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), id]);
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 200);
    socket.on('error', () => done(false));
    socket.on('message', (m) => done(m.readUInt16BE(0) === 0x0101 && m.subarray(8, 20).equals(id)));
    socket.send(request, port, '127.0.0.1');
  });
}
