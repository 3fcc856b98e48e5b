import type { CallViewT, PersonViewT } from '../../../protocol/frames.ts';
import { LawlineCall, type LawlineClient } from '../../sdk/index.ts';

/** A consultation's call as the page shows it. */
export interface ShownCall {
  view: CallViewT;
  /** This page's part in it, once it started or accepted it here. */
  call?: LawlineCall;
  remote?: MediaStream;
  local?: MediaStream;
  reconnecting: boolean;
  /** The browser refused the camera or microphone (the person said no, or none is there). */
  denied: boolean;
  muted: boolean;
  cameraOff: boolean;
  error?: string;
}

export interface CallAvailability {
  available: boolean;
  reason?: string;
}

/**
 * The calls of the signed-in person's consultations: what rings and runs (from `call.state`
 * and the hello's `activeCalls`), and this page's `LawlineCall` in each. Kept apart from the
 * app's store: media streams are live objects, not state to copy. Screens read it through
 * `useCall` and act through its methods.
 */
export class CallDesk {
  private readonly calls = new Map<string, ShownCall>();
  private readonly listeners = new Set<() => void>();
  private client: LawlineClient | undefined;
  availability: CallAvailability = { available: false };

  /** Follows `client`'s calls; returns what stops it. */
  attach(client: LawlineClient): () => void {
    this.client = client;
    const off = client.on('call.state', ({ call }) => this.heard(call));
    const offResumed = client.on('resumed', (hello) => this.hello(hello));
    return () => {
      off();
      offResumed();
      // Signed out or the sign-in lost: this page's media stops; the server ends the call when the session goes.
      for (const shown of this.calls.values()) shown.call?.hangup().catch((e: unknown) => console.warn('lawline: hanging up at sign-out failed', e));
      this.calls.clear();
      this.client = undefined;
      this.changed();
    };
  }

  hello(reply: { calls?: { available: boolean; reason?: string }; activeCalls?: CallViewT[] }): void {
    this.availability = reply.calls ? { available: reply.calls.available, ...(reply.calls.reason ? { reason: reply.calls.reason } : {}) } : { available: false };
    for (const view of reply.activeCalls ?? []) this.heard(view);
    this.changed();
  }

  get(consultationId: string): ShownCall | undefined {
    return this.calls.get(consultationId);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(consultationId: string, media: 'voice' | 'video'): Promise<void> {
    return this.join(consultationId, (client) => LawlineCall.start(client, consultationId, media));
  }

  accept(consultationId: string): Promise<void> {
    return this.join(consultationId, (client) => LawlineCall.accept(client, consultationId));
  }

  async decline(consultationId: string): Promise<void> {
    if (this.client) await this.act(consultationId, () => LawlineCall.decline(this.client as LawlineClient, consultationId));
  }

  async hangup(consultationId: string): Promise<void> {
    const shown = this.calls.get(consultationId);
    if (shown?.call) await this.act(consultationId, () => (shown.call as LawlineCall).hangup());
    else if (this.client) await this.act(consultationId, () => (this.client as LawlineClient).request('call.hangup', { consultationId }));
  }

  async mute(consultationId: string, muted: boolean): Promise<void> {
    const shown = this.calls.get(consultationId);
    if (!shown?.call) return;
    this.update(consultationId, { muted });
    await this.act(consultationId, () => (shown.call as LawlineCall).mute(muted));
  }

  async camera(consultationId: string, on: boolean): Promise<void> {
    const shown = this.calls.get(consultationId);
    if (!shown?.call) return;
    this.update(consultationId, { cameraOff: !on });
    await this.act(consultationId, () => (shown.call as LawlineCall).camera(on));
  }

  /** The other party of a call, for `me`. */
  static other(view: CallViewT, me: string | undefined): PersonViewT | undefined {
    return view.parties.find((p) => p.person.id !== me)?.person;
  }

  private async join(consultationId: string, make: (client: LawlineClient) => Promise<LawlineCall>): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      const call = await make(client);
      if (!call.view) return;
      this.calls.set(consultationId, { view: call.view, call, reconnecting: false, denied: false, muted: false, cameraOff: false });
      call.on('state', (view) => this.update(consultationId, { view }));
      call.on('remote', (remote) => this.update(consultationId, { remote, reconnecting: false }));
      call.on('local', (local) => this.update(consultationId, { local }));
      call.on('reconnecting', (reconnecting) => this.update(consultationId, { reconnecting }));
      call.on('error', (e) => {
        const denied = e instanceof DOMException && (e.name === 'NotAllowedError' || e.name === 'NotFoundError' || e.name === 'NotReadableError');
        this.update(consultationId, denied ? { denied } : { error: e instanceof Error ? e.message : String(e) });
      });
      call.on('ended', () => {
        this.calls.delete(consultationId);
        this.changed();
      });
      this.changed();
    } catch (e) {
      this.fail(consultationId, e);
    }
  }

  private heard(view: CallViewT): void {
    if (view.state === 'ended') this.calls.delete(view.consultationId);
    else {
      const shown = this.calls.get(view.consultationId);
      this.calls.set(view.consultationId, shown ? { ...shown, view } : { view, reconnecting: false, denied: false, muted: false, cameraOff: false });
    }
    this.changed();
  }

  private async act(consultationId: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (e) {
      this.fail(consultationId, e);
    }
  }

  private fail(consultationId: string, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    const shown = this.calls.get(consultationId);
    if (shown) this.update(consultationId, { error: message });
    else {
      this.lastError = { consultationId, message };
      this.changed();
    }
  }

  /** A refusal of a call that never started (the lawyer is in another call, calls unavailable). */
  lastError: { consultationId: string; message: string } | undefined;

  private update(consultationId: string, patch: Partial<ShownCall>): void {
    const shown = this.calls.get(consultationId);
    if (!shown) return;
    this.calls.set(consultationId, { ...shown, ...patch });
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
