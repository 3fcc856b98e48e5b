import type { CallViewT, IceServerT, PushData, ReplyData } from '../../protocol/frames.ts';
import { Emitter } from './emitter.ts';
import type { LawlineClient } from './client.ts';

/** Which camera and microphone (a `deviceId` from `enumerateDevices`), or the constraints to get them with. */
export interface CallDevices {
  audio?: boolean | MediaTrackConstraints;
  video?: boolean | MediaTrackConstraints;
}

export type CallEvents = {
  /** The call changed (answered, the other muted or turned their camera off or on). */
  state: CallViewT;
  /** The other party's media, to play (a new stream after each renegotiation). */
  remote: MediaStream;
  /** This party's camera and microphone, to show as a preview. */
  local: MediaStream;
  /** Media dropped and is being set up again (true), or flows again (false). */
  reconnecting: boolean;
  ended: CallViewT;
  /** Something the call could not do by itself (signalling refused, devices refused: `NotAllowedError` when permission was denied). */
  error: unknown;
};

type Leg = 'publish' | 'subscribe';

/**
 * A voice or video call of a consultation, with the signalling hidden: `LawlineCall.start`
 * or `accept` it, then `mute`, `camera`, `useDevices`, `hangup`; play `remote`. Each party
 * sends on one peer connection and receives on another, both to lawline's SFU. The call sets
 * its media up again by itself when the server asks (its media engine restarted), when a
 * connection fails, and after the WebSocket resumed with media down (an ICE restart).
 */
export class LawlineCall {
  private readonly events = new Emitter<CallEvents>();
  private readonly pcs = new Map<Leg, RTCPeerConnection>();
  /** Candidates gathered before the server has the leg they belong to. */
  private readonly queued = new Map<Leg, (RTCIceCandidateInit | null)[] | undefined>();
  private readonly unsubscribe: (() => void)[] = [];
  private iceServers: IceServerT[] = [];
  private stream: MediaStream | undefined;
  private cameraTrack: MediaStreamTrack | undefined;
  private muted = false;
  private cameraOff = false;
  private publishing: Promise<void> | undefined;
  private ended = false;
  view: CallViewT | undefined;

  private constructor(
    private readonly client: LawlineClient,
    readonly consultationId: string,
    private devices: CallDevices,
    /** The caller sends once the other accepts; the one who accepts, at once (the server pushes `accepted` before its reply). */
    private readonly caller: boolean,
  ) {
    this.unsubscribe.push(
      client.on('call.state', (p) => p.call.consultationId === consultationId && this.pushed(p)),
      client.on('resumed', () => void this.resumed()),
      client.on('state', (s) => s === 'reconnecting' && !this.ended && this.events.emit('reconnecting', true)),
    );
  }

  /** Asks the other party for a call; resolves once it rings (the `state` event says when it is answered). */
  static async start(client: LawlineClient, consultationId: string, media: 'voice' | 'video', devices: CallDevices = {}): Promise<LawlineCall> {
    const call = new LawlineCall(client, consultationId, devices, true);
    try {
      call.joined(await client.request('call.start', { consultationId, media }));
    } catch (e) {
      call.dispose();
      throw e;
    }
    return call;
  }

  /** Answers a call ringing for this party and sets its media up. */
  static async accept(client: LawlineClient, consultationId: string, devices: CallDevices = {}): Promise<LawlineCall> {
    const call = new LawlineCall(client, consultationId, devices, false);
    try {
      call.joined(await client.request('call.accept', { consultationId }));
    } catch (e) {
      call.dispose();
      throw e;
    }
    void call.publish();
    return call;
  }

  static async decline(client: LawlineClient, consultationId: string): Promise<void> {
    await client.request('call.decline', { consultationId });
  }

  on<K extends keyof CallEvents>(event: K, handler: (payload: CallEvents[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  get localStream(): MediaStream | undefined {
    return this.stream;
  }

  async hangup(): Promise<void> {
    if (this.ended) return;
    try {
      await this.client.request('call.hangup', { consultationId: this.consultationId });
    } finally {
      this.finish(this.view);
    }
  }

  /** Mutes or unmutes the microphone: silence is sent, and the other party is told. */
  async mute(muted: boolean): Promise<void> {
    this.muted = muted;
    for (const t of this.stream?.getAudioTracks() ?? []) t.enabled = !muted;
    await this.sayMedia();
  }

  /** Turns the camera off (no video is sent at all) or on again; the other party is told. */
  async camera(on: boolean): Promise<void> {
    this.cameraOff = !on;
    const sender = this.pcs.get('publish')?.getSenders().find((s) => s.track?.kind === 'video' || (s.track === null && this.cameraTrack));
    await sender?.replaceTrack(on ? (this.cameraTrack ?? null) : null);
    await this.sayMedia();
  }

  /** Another camera or microphone: its track replaces the one being sent, with no renegotiation. */
  async useDevices(devices: CallDevices): Promise<void> {
    this.devices = { ...this.devices, ...devices };
    const fresh = await navigator.mediaDevices.getUserMedia(this.constraints(devices));
    const pc = this.pcs.get('publish');
    for (const track of fresh.getTracks()) {
      const old = this.stream?.getTracks().find((t) => t.kind === track.kind);
      if (old) {
        this.stream?.removeTrack(old);
        old.stop();
      }
      this.stream?.addTrack(track);
      if (track.kind === 'audio') track.enabled = !this.muted;
      if (track.kind === 'video') this.cameraTrack = track;
      const sender = pc?.getSenders().find((s) => s.track?.kind === track.kind || (track.kind === 'video' && s.track === null));
      if (sender && !(track.kind === 'video' && this.cameraOff)) await sender.replaceTrack(track);
    }
    if (this.stream) this.events.emit('local', this.stream);
  }

  private joined(reply: ReplyData<'call.start'>): void {
    this.iceServers = reply.iceServers;
    this.view = reply.call;
  }

  private pushed({ call, event }: PushData<'call.state'>): void {
    if (this.ended) return;
    this.view = call;
    if (event === 'ended') return this.finish(call);
    this.events.emit('state', call);
    if (event === 'accepted' && this.caller && !this.publishing) void this.publish();
    if (event === 'subscribe') void this.subscribe();
    if (event === 'renegotiate') {
      this.events.emit('reconnecting', true);
      void this.publish(true);
    }
  }

  /** After a resumed WebSocket: media that went down meanwhile is set up again by both sides. */
  private async resumed(): Promise<void> {
    if (this.ended || this.view?.state !== 'active') return this.events.emit('reconnecting', false);
    const down = [...this.pcs.values()].some((pc) => pc.connectionState === 'failed' || pc.connectionState === 'disconnected');
    if (down) await this.signal(() => this.client.request('call.restart', { consultationId: this.consultationId }));
    else this.events.emit('reconnecting', false);
  }

  private constraints(devices: CallDevices): MediaStreamConstraints {
    const video = this.view?.media === 'video';
    return { audio: devices.audio ?? true, video: video ? (devices.video ?? true) : false };
  }

  /** Sends this party's media on a new connection (again: an ICE restart on a fresh leg). */
  private publish(again = false): Promise<void> {
    const run = async () => {
      if (!this.stream) {
        try {
          this.stream = await navigator.mediaDevices.getUserMedia(this.constraints(this.devices));
        } catch (e) {
          // Permission denied (NotAllowedError) or no device: the page says so; the call stays, text goes on.
          this.events.emit('error', e);
          return;
        }
        this.cameraTrack = this.stream.getVideoTracks()[0];
        this.events.emit('local', this.stream);
      }
      const pc = this.connection('publish');
      for (const track of this.stream.getTracks()) {
        const sent = track.kind === 'video' && this.cameraOff ? null : track;
        const transceiver = pc.addTransceiver(track.kind, { direction: 'sendonly', streams: [this.stream] });
        await transceiver.sender.replaceTrack(sent);
      }
      await pc.setLocalDescription(await pc.createOffer());
      const offer = pc.localDescription;
      if (!offer || this.pcs.get('publish') !== pc) return;
      const reply = await this.signal(() => this.client.request('call.offer', { consultationId: this.consultationId, sdp: { type: 'offer', sdp: offer.sdp } }));
      if (!reply || this.pcs.get('publish') !== pc) return;
      await pc.setRemoteDescription(reply.sdp);
      await this.flush('publish');
      if (again && this.muted) await this.sayMedia();
    };
    // One publish at a time: a renegotiation asked during one runs after it.
    this.publishing = (this.publishing ?? Promise.resolve()).then(run, run).catch((e: unknown) => this.events.emit('error', e));
    return this.publishing;
  }

  /** Receives the other party's media on a new connection. */
  private async subscribe(): Promise<void> {
    const reply = await this.signal(() => this.client.request('call.subscribe', { consultationId: this.consultationId }));
    if (!reply || this.ended) return;
    const pc = this.connection('subscribe');
    const remote = new MediaStream();
    pc.addEventListener('track', (e) => {
      remote.addTrack(e.track);
      this.events.emit('remote', remote);
    });
    try {
      await pc.setRemoteDescription(reply.sdp);
      await pc.setLocalDescription(await pc.createAnswer());
      const answer = pc.localDescription;
      if (!answer || this.pcs.get('subscribe') !== pc) return;
      const done = await this.signal(() => this.client.request('call.answer', { consultationId: this.consultationId, sdp: { type: 'answer', sdp: answer.sdp } }));
      if (done && this.pcs.get('subscribe') === pc) await this.flush('subscribe');
    } catch (e) {
      this.events.emit('error', e);
    }
  }

  /** A new peer connection for a leg (closing the one before), its candidates queued until the server has the leg. */
  private connection(leg: Leg): RTCPeerConnection {
    this.pcs.get(leg)?.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers.map((s) => ({ ...s })) });
    this.pcs.set(leg, pc);
    this.queued.set(leg, []);
    pc.addEventListener('icecandidate', (e) => {
      if (this.pcs.get(leg) !== pc) return;
      const candidate = e.candidate ? e.candidate.toJSON() : null;
      const queue = this.queued.get(leg);
      if (queue) queue.push(candidate);
      else void this.trickle(leg, candidate);
    });
    pc.addEventListener('connectionstatechange', () => {
      if (this.pcs.get(leg) !== pc || this.ended) return;
      if (pc.connectionState === 'connected' && leg === 'subscribe') this.events.emit('reconnecting', false);
      if (pc.connectionState === 'failed') {
        this.events.emit('reconnecting', true);
        void this.signal(() => this.client.request('call.restart', { consultationId: this.consultationId }));
      }
    });
    return pc;
  }

  private async flush(leg: Leg): Promise<void> {
    const queue = this.queued.get(leg) ?? [];
    this.queued.set(leg, undefined);
    for (const candidate of queue) await this.trickle(leg, candidate);
  }

  private async trickle(leg: Leg, candidate: RTCIceCandidateInit | null): Promise<void> {
    const c = candidate && { candidate: candidate.candidate ?? '', sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null };
    await this.signal(() => this.client.request('call.ice', { consultationId: this.consultationId, leg, candidate: c }));
  }

  private sayMedia(): Promise<unknown> {
    return this.signal(() => this.client.request('call.media', { consultationId: this.consultationId, audio: !this.muted, video: !this.cameraOff }));
  }

  /** A signalling request; its refusal is an `error` event (the call goes on or ends by the server's word). */
  private async signal<T>(send: () => Promise<T>): Promise<T | undefined> {
    if (this.ended) return undefined;
    try {
      return await send();
    } catch (e) {
      if (!this.ended) this.events.emit('error', e);
      return undefined;
    }
  }

  private finish(view: CallViewT | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.dispose();
    for (const pc of this.pcs.values()) pc.close();
    this.pcs.clear();
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.cameraTrack?.stop();
    if (view) this.events.emit('ended', view);
  }

  private dispose(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}
